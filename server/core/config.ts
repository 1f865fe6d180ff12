/**
 * The process configuration, parsed from the environment with zod once at start. A bad value stops the start
 * with a message that names the variable and says what it expects. Every variable is listed in the README.
 */
import { z } from "zod";
import { parseAddressRanges } from "./address-ranges";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const port = z.coerce.number({ message: "expected a port number" }).int("expected a whole number").min(1).max(65535);
const positiveInt = z.coerce
  .number({ message: "expected a number" })
  .int("expected a whole number")
  .positive("expected a number above 0");
const url = z.url({ message: "expected a URL such as http://127.0.0.1:9001" });

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: port.default(3000),
  /** The SQLite file. Relative paths resolve against the working directory. */
  DATABASE_PATH: z.string().min(1, "expected a file path").default("data/watchpost.db"),
  /**
   * The address people use to reach the console (sign-in cookies and links in notifications). Unset, it follows
   * PORT: `http://localhost:${PORT}` (filled in by parseConfig).
   */
  WATCHPOST_BASE_URL: url.optional(),
  /**
   * Where the console listens. Unset: loopback only (127.0.0.1 and ::1) in demo mode, whose sign-in page lists
   * the demo passwords; every interface otherwise. Read by scripts/serve.mjs.
   */
  WATCHPOST_HOST: z
    .string()
    .regex(
      /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.:-]+)$/,
      "expected an address or host name to listen on, such as 0.0.0.0 or :: (every interface), 127.0.0.1 or localhost",
    )
    .optional(),
  /**
   * Proxies whose X-Forwarded-For is believed (comma list of addresses or CIDR ranges, IPv4 and IPv6). Empty: the
   * client's address is always the connection's, whatever headers it sends.
   */
  WATCHPOST_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((value, context) => {
      const { ranges, problems } = parseAddressRanges(value);
      if (problems.length > 0)
        context.addIssue({
          code: "custom",
          message: `expected a comma list of addresses or CIDR ranges such as 10.0.0.0/8, ::1 (${problems.join("; ")})`,
        });
      return ranges;
    }),
  /** Secret for session signing; generated and kept in the database when unset. */
  WATCHPOST_AUTH_SECRET: z.string().min(32, "expected at least 32 characters").optional(),
  WATCHPOST_ADMIN_EMAIL: z.email({ message: "expected an email address" }).default("admin@watchpost.local"),
  WATCHPOST_ADMIN_PASSWORD: z.string().min(12, "expected at least 12 characters").optional(),
  /** Sign-in attempts allowed per client address per minute (server/auth/sign-in-limit.ts, shared through the database). */
  WATCHPOST_SIGN_IN_RATE_LIMIT: positiveInt.default(10),
  /** Seeds demo users, services, policies and rules on first start. */
  WATCHPOST_DEMO: booleanFlag.default(true),
  /** Which engines this process runs: all, none, or a comma list of alerts,pager,digests,scheduling ("digest", the earlier name, still reads as digests). */
  WATCHPOST_ENGINES: z
    .string()
    .default("all")
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => (item === "digest" ? "digests" : item)),
    )
    .pipe(
      z.array(
        z.enum(["all", "none", "alerts", "pager", "digests", "scheduling"], {
          message: "expected all, none, or a comma list of alerts, pager, digests, scheduling",
        }),
      ),
    ),
  /** Test only: exposes a clock the browser tests can move. Never set it in production. */
  WATCHPOST_TEST_CLOCK: booleanFlag.default(false),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  /** NATS with JetStream; when unset, events and digests stay in process. */
  NATS_URL: url.optional(),
  /** Prefix of every JetStream stream, consumer and KV bucket name, so that runs never collide. */
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, - or _")
    .default("watchpost"),

  /** An alerts-server to load alerts from and send notify/resolve to (compatible mode). */
  ALERTS_SERVER_URL: url.optional(),
  ALERTS_MAX_IN_FLIGHT: positiveInt.default(64),
  ALERTS_HTTP_TIMEOUT_MS: positiveInt.default(2000),
  /** Larger answers from the alerts-server are refused (32 MB: an /alerts list of about 160,000 alerts). */
  ALERTS_MAX_RESPONSE_BYTES: positiveInt.default(32 * 1024 * 1024),
  ALERTS_SIM_PORT: port.default(9001),

  /** smtp://user:pass@host:port; when unset, e-mails are recorded as not sent. */
  SMTP_URL: url.optional(),
  SMTP_FROM: z.string().default("Watchpost <pager@watchpost.local>"),
  /** A Twilio-compatible Messages API base URL; when unset, text messages are recorded as not sent. */
  SMS_API_URL: url.optional(),
  SMS_ACCOUNT_SID: z.string().default("watchpost"),
  SMS_AUTH_TOKEN: z.string().optional(),
  SMS_FROM: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, "expected a phone number in E.164 form, such as +15550100")
    .default("+15550100"),

  /** The simulated database server the scheduling engine talks to; the runner starts one when unset. */
  DBSIM_URL: url.optional(),
  DBSIM_PORT: port.default(8080),
  DBSIM_SEED: z.coerce.number({ message: "expected a whole number" }).int("expected a whole number").default(1),
  /** The longest delay the scheduler adds to a query, in seconds. */
  SCHEDULER_MAX_DELAY_SECONDS: z.coerce
    .number({ message: "expected a number of seconds" })
    .min(0.5, "expected at least 0.5 seconds")
    .max(60, "expected at most 60 seconds")
    .default(5),
  /** History the cost estimates must rest on before the scheduler adds delay, in seconds. */
  SCHEDULER_MIN_HISTORY_SECONDS: z.coerce
    .number({ message: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected 0 or more seconds")
    .default(120),
  /** "process" (default): the scheduler runs in a process of its own, off the web tier's event loop; "inline": in this one. */
  SCHEDULER_HOST: z.enum(["process", "inline"], { message: 'expected "process" or "inline"' }).default("process"),
});

export type Config = Omit<z.infer<typeof configSchema>, "WATCHPOST_BASE_URL"> & { WATCHPOST_BASE_URL: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\nFix the variable(s) above (see README.md, Configuration) and start again.`,
    );
    this.name = "ConfigError";
  }
}

/** Parses the environment. Empty strings count as unset. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        const given = cleaned[name];
        return `${name}: ${issue.message}${given !== undefined && !/SECRET|PASSWORD|TOKEN/.test(name) ? ` (got "${given}")` : ""}`;
      }),
    );
  }
  return {
    ...result.data,
    WATCHPOST_BASE_URL: result.data.WATCHPOST_BASE_URL ?? `http://localhost:${result.data.PORT}`,
  };
}

const globalForConfig = globalThis as unknown as { watchpostConfig?: Config };

/** The configuration of this process, parsed once. */
export function getConfig(): Config {
  globalForConfig.watchpostConfig ??= parseConfig(process.env);
  return globalForConfig.watchpostConfig;
}
