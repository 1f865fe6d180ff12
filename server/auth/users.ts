/**
 * Users and their roles: creating one (password hashed with better-auth's scrypt), changing a role, listing.
 * Each change writes its audit record in the same transaction.
 */
import { count, desc, eq, inArray, like, or } from "drizzle-orm";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import type { AppDatabase } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import { account, auditLog, user } from "@/db/schema";
import type { Actor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import { DomainError } from "@/server/core/errors";
import { createId } from "@/server/core/ids";
import type { PeopleDirectory, PersonName } from "@/server/core/people";
import { ROLES, type Role } from "@/server/core/roles";

export const newUserInput = z.object({
  email: z
    .email({ message: "Enter a valid e-mail address, such as ana@example.com." })
    .transform((value) => value.toLowerCase()),
  name: z.string().trim().min(1, "Enter the person's name.").max(100, "Keep the name under 100 characters."),
  role: z.enum(ROLES, { message: "Choose a role: viewer, responder or admin." }),
  password: z
    .string()
    .min(12, "The password needs at least 12 characters.")
    .max(128, "Keep the password under 128 characters."),
});
export type NewUser = z.infer<typeof newUserInput>;

export class UserError extends DomainError {}

export type UserSummary = { id: string; email: string; name: string; role: Role; createdAt: Date };

export class UserDirectory implements PeopleDirectory {
  constructor(
    private readonly db: AppDatabase,
    private readonly clock: Clock,
  ) {}

  /** Creates a user with a credential account. `id` is for the demo seed's fixed ids. */
  async create(input: NewUser, actor: Actor, id: string = createId("usr")): Promise<UserSummary> {
    const passwordHash = await hashPassword(input.password);
    const now = new Date(this.clock.now());
    return this.db.transaction(
      (tx) => {
        const existing = tx.select({ id: user.id }).from(user).where(eq(user.email, input.email)).get();
        if (existing)
          throw new UserError(
            "CONFLICT",
            `A user with the e-mail ${input.email} exists already. Change that user's role instead.`,
          );
        tx.insert(user)
          .values({
            id,
            email: input.email,
            name: input.name,
            role: input.role,
            emailVerified: true,
            createdAt: now,
            updatedAt: now,
          })
          .run();
        tx.insert(account)
          .values({
            id: createId("acc"),
            accountId: id,
            providerId: "credential",
            userId: id,
            password: passwordHash,
            createdAt: now,
            updatedAt: now,
          })
          .run();
        createAuditRecorder(tx, this.clock).record({
          actor,
          action: "auth.user.create",
          target: id,
          details: { email: input.email, role: input.role },
        });
        return { id, email: input.email, name: input.name, role: input.role, createdAt: now };
      },
      { behavior: "immediate" },
    );
  }

  changeRole(userId: string, role: Role, actor: Actor): UserSummary {
    return this.db.transaction(
      (tx) => {
        const row = tx.select().from(user).where(eq(user.id, userId)).get();
        if (!row) throw new UserError("NOT_FOUND", `No user has the id ${userId}. Reload the user list and try again.`);
        if (actor.kind === "user" && actor.userId === userId && role !== "admin") {
          throw new UserError(
            "BAD_REQUEST",
            "You cannot take the admin role from yourself. Ask another admin to do it.",
          );
        }
        if (row.role === role) return toSummary(row);
        tx.update(user)
          .set({ role, updatedAt: new Date(this.clock.now()) })
          .where(eq(user.id, userId))
          .run();
        createAuditRecorder(tx, this.clock).record({
          actor,
          action: "auth.user.changeRole",
          target: userId,
          details: { from: row.role, to: role },
        });
        return toSummary({ ...row, role });
      },
      { behavior: "immediate" },
    );
  }

  list(options: { page: number; pageSize: number; search?: string }): { items: UserSummary[]; total: number } {
    const filter = options.search
      ? or(like(user.email, `%${options.search}%`), like(user.name, `%${options.search}%`))
      : undefined;
    const rows = this.db
      .select()
      .from(user)
      .where(filter)
      .orderBy(user.email)
      .limit(options.pageSize)
      .offset((options.page - 1) * options.pageSize)
      .all();
    const total = this.db.select({ total: count() }).from(user).where(filter).get()?.total ?? 0;
    return { items: rows.map(toSummary), total };
  }

  findByEmail(email: string): UserSummary | undefined {
    const row = this.db.select().from(user).where(eq(user.email, email.toLowerCase())).get();
    return row ? toSummary(row) : undefined;
  }

  /** Ids and names of the users with these e-mails (as actors are recorded); unknown ones are left out. */
  describeByEmail(emails: readonly string[]): Map<string, { id: string; name: string }> {
    if (emails.length === 0) return new Map();
    const rows = this.db
      .select({ id: user.id, name: user.name, email: user.email })
      .from(user)
      .where(
        inArray(
          user.email,
          emails.map((email) => email.toLowerCase()),
        ),
      )
      .all();
    return new Map(rows.map((row) => [row.email, { id: row.id, name: row.name }]));
  }

  /** Names and e-mails of the given user ids (ids from other engines: unknown ones are left out). */
  describe(ids: readonly string[]): Map<string, PersonName> {
    if (ids.length === 0) return new Map();
    const rows = this.db
      .select({ id: user.id, name: user.name, email: user.email })
      .from(user)
      .where(inArray(user.id, [...ids]))
      .all();
    return new Map(rows.map((row) => [row.id, { name: row.name, email: row.email }]));
  }

  countAdmins(): number {
    return this.db.select({ total: count() }).from(user).where(eq(user.role, "admin")).get()?.total ?? 0;
  }

  auditPage(options: { page: number; pageSize: number }) {
    const items = this.db
      .select()
      .from(auditLog)
      .orderBy(desc(auditLog.id))
      .limit(options.pageSize)
      .offset((options.page - 1) * options.pageSize)
      .all();
    const total = this.db.select({ total: count() }).from(auditLog).get()?.total ?? 0;
    return { items, total };
  }
}

function toSummary(row: typeof user.$inferSelect): UserSummary {
  return { id: row.id, email: row.email, name: row.name, role: row.role, createdAt: row.createdAt };
}
