import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");
const directory = mkdtempSync(path.join(tmpdir(), "watchpost-worker-"));

afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Outcome = { code: number | null; output: string };

/** Runs `npm run worker`'s entry; `untilOutput` sends SIGTERM once that text has appeared. */
function runWorker(env: Record<string, string>, untilOutput?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, "server/jobs/worker.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        LOG_LEVEL: "info",
        DATABASE_PATH: path.join(directory, "worker.db"),
        WATCHPOST_DEMO: "false",
        WATCHPOST_ADMIN_PASSWORD: "worker-admin-password",
        ...env,
      } as unknown as NodeJS.ProcessEnv,
    });
    let output = "";
    let signalled = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (untilOutput && !signalled && output.includes(untilOutput)) {
        signalled = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run worker", () => {
  it("refuses to start on a bad variable, naming it and what it expects", async () => {
    const { code, output } = await runWorker({ WATCHPOST_ENGINES: "alerts,paging" });
    expect(code).toBe(1);
    expect(output).toContain(
      "WATCHPOST_ENGINES: expected all, none, or a comma list of alerts, pager, digests, scheduling",
    );
  });

  it("starts, then stops cleanly on SIGTERM", async () => {
    const { code, output } = await runWorker({ WATCHPOST_ENGINES: "none" }, "worker running");
    expect(output).toContain("stopping engines");
    expect(code).toBe(0);
  });
});
