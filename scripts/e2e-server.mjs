#!/usr/bin/env node
/**
 * The servers the browser tests drive: the production build (scripts/serve.mjs) on a fresh temporary database.
 * Playwright starts and stops them (playwright.config.ts):
 * - by default, the demo seed, the test-only clock control, a pinned WATCHPOST_BASE_URL and a raised sign-in
 *   limit (every test signs in from 127.0.0.1);
 * - with `--defaults`, the settings a new user gets: only PORT and the database file are set (no base URL, no
 *   host, the default sign-in limit), so that a browser test proves sign-in works on them.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const defaults = process.argv.includes("--defaults");
const directory = mkdtempSync(path.join(tmpdir(), "watchpost-e2e-"));
const port = defaults ? (process.env.E2E_DEFAULTS_PORT ?? "3101") : (process.env.E2E_PORT ?? "3100");

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  NODE_ENV: "production",
  PORT: port,
  DATABASE_PATH: path.join(directory, "e2e.db"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
delete env.NATS_URL;

if (defaults) {
  // What a developer's shell may hold must not leak into the defaults.
  for (const name of [
    "WATCHPOST_BASE_URL",
    "WATCHPOST_HOST",
    "WATCHPOST_TRUSTED_PROXIES",
    "WATCHPOST_SIGN_IN_RATE_LIMIT",
    "WATCHPOST_DEMO",
    "WATCHPOST_TEST_CLOCK",
    "WATCHPOST_ENGINES",
    "WATCHPOST_ADMIN_PASSWORD",
  ])
    delete env[name];
  // Only the simulators' ports move, so as not to collide with the other server (they are not about sign-in).
  Object.assign(env, {
    DBSIM_PORT: process.env.E2E_DEFAULTS_DBSIM_PORT ?? "18081",
    ALERTS_SIM_PORT: process.env.E2E_DEFAULTS_ALERTS_SIM_PORT ?? "19002",
  });
} else {
  Object.assign(env, {
    WATCHPOST_BASE_URL: `http://127.0.0.1:${port}`,
    WATCHPOST_HOST: "127.0.0.1",
    WATCHPOST_DEMO: "true",
    WATCHPOST_TEST_CLOCK: "true",
    // Every browser test signs in from 127.0.0.1; the production limit (10 a minute) would refuse them.
    WATCHPOST_SIGN_IN_RATE_LIMIT: "10000",
    WATCHPOST_ADMIN_PASSWORD: "e2e-first-admin-password",
    DBSIM_PORT: process.env.E2E_DBSIM_PORT ?? "18080",
    ALERTS_SIM_PORT: process.env.E2E_ALERTS_SIM_PORT ?? "19001",
  });
}

const server = spawn(process.execPath, [path.join(root, "scripts", "serve.mjs")], { cwd: root, stdio: "inherit", env });
const cleanUp = () => rmSync(directory, { recursive: true, force: true });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.kill(signal);
  });
}
server.on("exit", (code) => {
  cleanUp();
  process.exit(code ?? 0);
});
