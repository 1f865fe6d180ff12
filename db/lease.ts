/**
 * Leases on the console's SQLite database (server/core/lease.ts): a row per kind of work that must run in one
 * process at a time. A lease is read and taken in one immediate transaction (under the write lock), so two
 * processes can never both believe they hold it.
 */
import { and, eq } from "drizzle-orm";
import type { LeaseStore } from "@/server/core/lease";
import type { AppDatabase } from "./client";
import { engineLease } from "./schema";

export class SqliteLeaseStore implements LeaseStore {
  constructor(private readonly db: AppDatabase) {}

  acquire(input: { key: string; owner: string; now: number; expiresAt: number }): boolean {
    return this.db.transaction(
      (tx) => {
        const current = tx.select().from(engineLease).where(eq(engineLease.key, input.key)).get();
        if (current && current.owner !== input.owner && current.expiresAt.getTime() > input.now) return false;
        const acquiredAt = current && current.owner === input.owner ? current.acquiredAt : new Date(input.now);
        tx.insert(engineLease)
          .values({ key: input.key, owner: input.owner, acquiredAt, expiresAt: new Date(input.expiresAt) })
          .onConflictDoUpdate({
            target: engineLease.key,
            set: { owner: input.owner, acquiredAt, expiresAt: new Date(input.expiresAt) },
          })
          .run();
        return true;
      },
      { behavior: "immediate" },
    );
  }

  release(input: { key: string; owner: string }): void {
    this.db
      .delete(engineLease)
      .where(and(eq(engineLease.key, input.key), eq(engineLease.owner, input.owner)))
      .run();
  }

  /** The current holder (the console, tests). */
  holder(key: string): { owner: string; acquiredAt: number; expiresAt: number } | undefined {
    const row = this.db.select().from(engineLease).where(eq(engineLease.key, key)).get();
    return row
      ? { owner: row.owner, acquiredAt: row.acquiredAt.getTime(), expiresAt: row.expiresAt.getTime() }
      : undefined;
  }
}
