#!/usr/bin/env node
/**
 * The server the browser tests drive: the production build (next start) on a fresh temporary database, with
 * the demo seed and the test-only clock control. Playwright starts and stops it (playwright.config.ts).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const directory = mkdtempSync(path.join(tmpdir(), "watchpost-e2e-"));
const port = process.env.E2E_PORT ?? "3100";

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  NODE_ENV: "production",
  DATABASE_PATH: path.join(directory, "e2e.db"),
  WATCHPOST_BASE_URL: `http://127.0.0.1:${port}`,
  WATCHPOST_DEMO: "true",
  WATCHPOST_TEST_CLOCK: "true",
  // Every browser test signs in from 127.0.0.1; the production limit (10 a minute) would refuse them.
  WATCHPOST_SIGN_IN_RATE_LIMIT: "10000",
  WATCHPOST_ADMIN_PASSWORD: "e2e-first-admin-password",
  DBSIM_PORT: process.env.E2E_DBSIM_PORT ?? "18080",
  ALERTS_SIM_PORT: process.env.E2E_ALERTS_SIM_PORT ?? "19001",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
};
delete env.NATS_URL;

const server = spawn(
  process.execPath,
  [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start", "-p", port, "-H", "127.0.0.1"],
  { cwd: root, stdio: "inherit", env },
);
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
