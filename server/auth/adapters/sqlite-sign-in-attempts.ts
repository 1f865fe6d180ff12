/**
 * The sign-in limit's counters in the console's SQLite database (server/auth/sign-in-limit.ts), shared by every
 * process on the file. An address attempt is one upsert-increment statement; an account attempt is read,
 * decided and written in one immediate transaction (under the write lock), so two processes never both admit
 * the attempt a back-off allows.
 */
import { eq, lt, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { signInAccountBackoff, signInAddressWindow } from "@/db/schema";
import type { SignInAttemptStore } from "../sign-in-limit";

export class SqliteSignInAttemptStore implements SignInAttemptStore {
  constructor(private readonly db: AppDatabase) {}

  countAddressAttempt(input: { address: string; now: number; windowMs: number }) {
    const expired = sql`${signInAddressWindow.windowStartedAt} <= ${input.now - input.windowMs}`;
    // In an upsert's SET every column reads the row as it was, so both CASEs test the same old window.
    const row = this.db
      .insert(signInAddressWindow)
      .values({ address: input.address, windowStartedAt: input.now, attempts: 1 })
      .onConflictDoUpdate({
        target: signInAddressWindow.address,
        set: {
          attempts: sql`CASE WHEN ${expired} THEN 1 ELSE ${signInAddressWindow.attempts} + 1 END`,
          windowStartedAt: sql`CASE WHEN ${expired} THEN ${input.now} ELSE ${signInAddressWindow.windowStartedAt} END`,
        },
      })
      .returning({ attempts: signInAddressWindow.attempts, windowStartedAt: signInAddressWindow.windowStartedAt })
      .get();
    return row;
  }

  admitAccountAttempt(input: {
    email: string;
    now: number;
    forgetBefore: number;
    waitAfter: (attempts: number) => number;
  }): { admitted: true; attempts: number } | { admitted: false; nextAttemptAt: number } {
    return this.db.transaction(
      (tx) => {
        const row = tx.select().from(signInAccountBackoff).where(eq(signInAccountBackoff.email, input.email)).get();
        const remembered = row && row.lastAttemptAt >= input.forgetBefore ? row : undefined;
        if (remembered && input.now < remembered.nextAttemptAt)
          return { admitted: false as const, nextAttemptAt: remembered.nextAttemptAt };
        const attempts = (remembered?.attempts ?? 0) + 1;
        const wait = input.waitAfter(attempts);
        const values = { attempts, nextAttemptAt: wait > 0 ? input.now + wait : 0, lastAttemptAt: input.now };
        tx.insert(signInAccountBackoff)
          .values({ email: input.email, ...values })
          .onConflictDoUpdate({ target: signInAccountBackoff.email, set: values })
          .run();
        return { admitted: true as const, attempts };
      },
      { behavior: "immediate" },
    );
  }

  refundAccountAttempt(email: string): void {
    this.db
      .update(signInAccountBackoff)
      .set({ attempts: sql`max(${signInAccountBackoff.attempts} - 1, 0)` })
      .where(eq(signInAccountBackoff.email, email))
      .run();
  }

  clearAccount(email: string): void {
    this.db.delete(signInAccountBackoff).where(eq(signInAccountBackoff.email, email)).run();
  }

  prune(input: { windowsBefore: number; accountsBefore: number }): void {
    this.db.delete(signInAddressWindow).where(lt(signInAddressWindow.windowStartedAt, input.windowsBefore)).run();
    this.db.delete(signInAccountBackoff).where(lt(signInAccountBackoff.lastAttemptAt, input.accountsBefore)).run();
  }
}
