/**
 * better-auth's tables (user, session, account, verification) as its drizzle adapter expects them, plus our
 * `role` on the user. Passwords live hashed (scrypt) in `account.password`, never in `user`. And the sign-in limit's
 * counters (server/auth/sign-in-limit.ts), kept here so that every process on the database shares them.
 */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMsColumn, timestampColumn } from "./columns";

export const user = sqliteTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: integer("email_verified", { mode: "boolean" }).notNull().default(false),
  image: text("image"),
  /** viewer | responder | admin (server/core/roles.ts). */
  role: text("role", { enum: ["viewer", "responder", "admin"] })
    .notNull()
    .default("viewer"),
  createdAt: timestampColumn("created_at").notNull(),
  updatedAt: timestampColumn("updated_at").notNull(),
});

export const session = sqliteTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestampColumn("expires_at").notNull(),
    token: text("token").notNull().unique(),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
  },
  (table) => [index("session_user_id_idx").on(table.userId)],
);

export const account = sqliteTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestampColumn("access_token_expires_at"),
    refreshTokenExpiresAt: timestampColumn("refresh_token_expires_at"),
    scope: text("scope"),
    /** scrypt hash from better-auth; never the password itself. */
    password: text("password"),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [index("account_user_id_idx").on(table.userId)],
);

export const verification = sqliteTable("verification", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: timestampColumn("expires_at").notNull(),
  createdAt: timestampColumn("created_at"),
  updatedAt: timestampColumn("updated_at"),
});

/** Sign-in attempts per client address in its current one-minute window (WATCHPOST_SIGN_IN_RATE_LIMIT). */
export const signInAddressWindow = sqliteTable(
  "sign_in_address_window",
  {
    /** The client address (server/auth/client-address.ts); IPv6 by its /64. */
    address: text("address").primaryKey(),
    /** Unix ms at which this address's current window began; it lasts a minute. */
    windowStartedAt: epochMsColumn("window_started_at").notNull(),
    /** Attempts counted in that window, refused ones included. */
    attempts: integer("attempts").notNull(),
  },
  (table) => [index("sign_in_address_window_window_started_at_idx").on(table.windowStartedAt)],
);

/** Per e-mail back-off: after the free attempts, each further attempt waits twice as long; a success deletes the row. */
export const signInAccountBackoff = sqliteTable(
  "sign_in_account_backoff",
  {
    /** The e-mail as typed, trimmed and lower-cased (known or not: the limit never says which). */
    email: text("email").primaryKey(),
    /** Attempts admitted since the last successful sign-in. */
    attempts: integer("attempts").notNull(),
    /** Unix ms before which no further attempt for this e-mail is admitted (0: no wait). */
    nextAttemptAt: epochMsColumn("next_attempt_at").notNull(),
    /** Unix ms of the latest admitted attempt; rows a day old are forgotten. */
    lastAttemptAt: epochMsColumn("last_attempt_at").notNull(),
  },
  (table) => [index("sign_in_account_backoff_last_attempt_at_idx").on(table.lastAttemptAt)],
);
