#!/usr/bin/env node
/**
 * `npm test`: every suite, in order — type check, format check, lint (with the import rules), vitest (unit and integration), then Playwright against
 * a production build on a temporary database, then the 60-second chaos soak on that build (docs/soak.md). Every
 * suite runs even when an earlier one fails; the last line is the sum over the suites, `N passed, N failed`, and
 * the exit code is non-zero on any failure. The type check, the format check and lint count as one test each;
 * vitest and Playwright count their own tests; the soak counts one per line of its loss ledger.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const reports = path.join(root, ".test-tmp");
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", FORCE_COLOR: process.env.CI ? "0" : "1" };

function run(title, command, args, extraEnv = {}) {
  console.log(`\n=== ${title} ===`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...env, ...extraEnv } });
  return result.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

const results = [];
function record(suite, passed, failed, note = "") {
  results.push({ suite, passed, failed, note });
}

// 1. Type check.
const typecheckOk = run("type check (tsc --noEmit)", bin("tsc"), ["--noEmit", "-p", "."]);
record("type check", typecheckOk ? 1 : 0, typecheckOk ? 0 : 1);

// 2. Format: Prettier over the whole tree (`npm run format` fixes it).
const formatOk = run("format check (prettier --check)", bin("prettier"), ["--check", ".", "--log-level", "warn"]);
record("format", formatOk ? 1 : 0, formatOk ? 0 : 1, formatOk ? "" : "run `npm run format`");

// 3. Lint, including the import rules of DESIGN.md (eslint.import-rules.mjs).
const lintOk = run("lint and import rules (eslint)", bin("eslint"), ["."]);
record("lint", lintOk ? 1 : 0, lintOk ? 0 : 1);

// 4. Vitest.
const vitestReport = path.join(reports, "vitest.json");
const vitestOk = run("unit and integration tests (vitest)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestReport}`,
]);
const vitest = readJson(vitestReport);
if (vitest) {
  const failed = vitest.numFailedTests + (vitestOk || vitest.numFailedTests > 0 ? 0 : 1);
  record("vitest", vitest.numPassedTests, failed, vitest.numPendingTests ? `${vitest.numPendingTests} skipped` : "");
} else {
  record("vitest", 0, 1, "no report: vitest did not run");
}

// 5. Playwright against the production build.
const buildOk = run(
  "production build (next build)",
  process.execPath,
  [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"],
  { NODE_ENV: "production" },
);
if (!buildOk) {
  record("playwright", 0, 1, "the build failed, so the browser tests could not run");
} else {
  const playwrightReport = path.join(reports, "playwright.json");
  const playwrightOk = run("browser tests (playwright)", bin("playwright"), ["test"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  });
  const report = readJson(playwrightReport);
  if (report?.stats) {
    const passed = report.stats.expected + report.stats.flaky;
    const failed = report.stats.unexpected + (playwrightOk || report.stats.unexpected > 0 ? 0 : 1);
    record("playwright", passed, failed, report.stats.skipped ? `${report.stats.skipped} skipped` : "");
  } else {
    record(
      "playwright",
      0,
      1,
      existsSync(playwrightReport) ? "unreadable report" : "no report: playwright did not run",
    );
  }
}

// 6. The 60-second chaos soak (docs/soak.md) on the same build: each line of its loss ledger counts as one test,
// which passes when its count is 0. The page-delay target is printed by the soak, not asserted here (see the doc).
if (!buildOk) {
  record("soak", 0, 1, "the build failed, so the soak could not run");
} else {
  const soakReport = path.join(reports, "soak.json");
  const soakOk = run(
    "chaos soak, 60 s (soak/run.ts)",
    process.execPath,
    ["--import", "tsx", path.join(root, "soak", "run.ts")],
    {
      SOAK_SECONDS: "60",
      SOAK_SETTLE_SECONDS: "60",
      SOAK_LEDGER_FILE: soakReport,
    },
  );
  const soak = readJson(soakReport);
  if (soak?.losses) {
    const checks = Object.entries(soak.losses);
    const lossy = checks.filter(([, count]) => count > 0);
    const failed = lossy.length + (soakOk || lossy.length > 0 ? 0 : 1);
    record(
      "soak",
      checks.length - lossy.length,
      failed,
      `seed ${soak.seed}${lossy.length ? `; losses: ${lossy.map(([name, count]) => `${name} ${count}`).join(", ")}` : ""}`,
    );
  } else {
    record("soak", 0, 1, "no ledger: the soak did not run to its end (see its output)");
  }
}

console.log("\n=== summary ===");
for (const { suite, passed, failed, note } of results)
  console.log(`${suite.padEnd(12)} ${passed} passed, ${failed} failed${note ? ` (${note})` : ""}`);
const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
