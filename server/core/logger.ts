/**
 * The pino logger. One root logger per process; modules take a child with their name. Secrets never reach
 * the log: the paths below are redacted wherever they appear.
 */
import pino, { type Logger } from "pino";

export type { Logger };

const globalForLogger = globalThis as unknown as { watchpostLogger?: Logger };

function defaultLevel(): string {
  if (process.env.LOG_LEVEL) return process.env.LOG_LEVEL;
  return process.env.VITEST ? "silent" : "info";
}

export function rootLogger(): Logger {
  globalForLogger.watchpostLogger ??= pino({
    level: defaultLevel(),
    base: { app: "watchpost" },
    redact: {
      paths: [
        "password",
        "*.password",
        "token",
        "*.token",
        "authToken",
        "*.authToken",
        "secret",
        "*.secret",
        "headers.authorization",
        "headers.cookie",
      ],
      censor: "[redacted]",
    },
  });
  return globalForLogger.watchpostLogger;
}

export function createLogger(module: string): Logger {
  return rootLogger().child({ module });
}
