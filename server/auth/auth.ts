/**
 * Sign-in with better-auth: e-mail and password, sessions in the same SQLite file (drizzle adapter).
 * Public sign-up is off: admins create users (server/auth/users.ts), so every account has a role.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { nextCookies } from "better-auth/next-js";
import type { AppDatabase } from "@/db/client";
import * as schema from "@/db/schema";
import { createId } from "@/server/core/ids";

const ID_PREFIX: Record<string, string> = { user: "usr", session: "ses", account: "acc", verification: "ver" };

export type AuthOptions = { db: AppDatabase; secret: string; baseUrl: string; signInAttemptsPerMinute: number };

export function createAuth({ db, secret, baseUrl, signInAttemptsPerMinute }: AuthOptions) {
  return betterAuth({
    appName: "Watchpost",
    baseURL: baseUrl,
    secret,
    database: drizzleAdapter(db, {
      provider: "sqlite",
      schema: {
        user: schema.user,
        session: schema.session,
        account: schema.account,
        verification: schema.verification,
      },
    }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12 },
    user: {
      additionalFields: {
        role: { type: "string", required: false, defaultValue: "viewer", input: false },
      },
    },
    // Slows password guessing: a few sign-in attempts per client address per minute (per process).
    rateLimit: {
      enabled: true,
      storage: "memory",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: signInAttemptsPerMinute } },
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    advanced: {
      database: { generateId: ({ model }) => createId(ID_PREFIX[model] ?? model.slice(0, 3)) },
    },
    telemetry: { enabled: false },
    plugins: [nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;
