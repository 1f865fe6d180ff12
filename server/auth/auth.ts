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
import { CLIENT_ADDRESS_HEADER } from "./client-address";

const ID_PREFIX: Record<string, string> = { user: "usr", session: "ses", account: "acc", verification: "ver" };

export type AuthOptions = {
  db: AppDatabase;
  secret: string;
  baseUrl: string;
  /** The port the console listens on (PORT): its loopback addresses on it are trusted origins. */
  port: number;
};

/**
 * The origins a sign-in may come from: WATCHPOST_BASE_URL's, and the console's own port on localhost, 127.0.0.1
 * and [::1] (a browser on this machine reaches it by any of them; none is reachable from elsewhere).
 */
export function trustedOriginsFor(baseUrl: string, port: number): string[] {
  const loopback = ["localhost", "127.0.0.1", "[::1]"].map((host) => `http://${host}:${port}`);
  return [...new Set([new URL(baseUrl).origin, ...loopback])];
}

export function createAuth({ db, secret, baseUrl, port }: AuthOptions) {
  return betterAuth({
    appName: "Watchpost",
    baseURL: baseUrl,
    trustedOrigins: trustedOriginsFor(baseUrl, port),
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
    // A coarse per-process guard for the other endpoints. Sign-in has its own limit, shared through the database
    // (server/auth/sign-in-guard.ts), so better-auth's in-memory one is off there: one mechanism, one count.
    rateLimit: {
      enabled: true,
      storage: "memory",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": false },
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    advanced: {
      database: { generateId: ({ model }) => createId(ID_PREFIX[model] ?? model.slice(0, 3)) },
      // better-auth skips the origin check when it thinks it runs under a test runner; ours must hold everywhere.
      disableOriginCheck: false,
      // Set by the sign-in guard from the connection (and trusted proxies only), never taken from the client.
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    telemetry: { enabled: false },
    plugins: [nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;
