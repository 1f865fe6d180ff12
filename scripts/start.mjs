#!/usr/bin/env node
/**
 * `npm start`: builds the console when there is no build or the sources changed since the last one, then
 * serves it (scripts/serve.mjs: our own HTTP server around the build, see there why). Migrations and the demo
 * seed run inside the server at its first start.
 */
import { spawnSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
process.env.NEXT_TELEMETRY_DISABLED = "1";

function newestMtime(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stats = statSync(full);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const child of readdirSync(full)) {
    if (child === "node_modules" || child.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

// A bad environment stops here, before a long build, with a message naming the variable.
const configCheck = spawnSync(
  process.execPath,
  [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "check-config.ts")],
  { cwd: root, stdio: "inherit" },
);
if (configCheck.status !== 0) process.exit(configCheck.status ?? 1);

const buildId = path.join(root, ".next", "BUILD_ID");
const sources = [
  "app",
  "server",
  "db",
  "instrumentation.ts",
  "next.config.ts",
  "package-lock.json",
  "postcss.config.mjs",
];
const needsBuild = !existsSync(buildId) || Math.max(...sources.map(newestMtime)) > statSync(buildId).mtimeMs;

const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
if (needsBuild) {
  console.log("Building the console (first start, or the sources changed)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (build.status !== 0) {
    console.error("The build failed; see the errors above.");
    process.exit(build.status ?? 1);
  }
}

const port = process.env.PORT ?? "3000";
const baseUrl = process.env.WATCHPOST_BASE_URL ?? `http://localhost:${port}`;
console.log(`\nWatchpost is starting on ${baseUrl}`);
console.log(`Sign in at ${baseUrl}/sign-in`);
if ((process.env.WATCHPOST_DEMO ?? "true") !== "false") {
  console.log(
    "Demo mode: sign in as admin@demo.watchpost.local / demo-admin-password (the sign-in page lists every demo account).",
  );
}
console.log("");

const server = spawn(process.execPath, [path.join(root, "scripts", "serve.mjs")], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PORT: port, WATCHPOST_BASE_URL: baseUrl },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
