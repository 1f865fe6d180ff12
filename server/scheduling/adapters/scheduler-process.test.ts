/**
 * The scheduler in its own process (as `npm start` runs it) against a database server ticking in real time:
 * it takes the settings and estimates, balances and reports its status back; switched off it hands everything
 * back; killed, it is started again; stopped, its process exits. Real processes, so real time: the test waits for
 * what the host reports, never for a fixed time.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import { DbsimServer } from "../dbsim/adapters/http-server";
import type { CostVector } from "../estimation/types";
import type { SchedulerStatus } from "../scheduler/scheduler";
import { SchedulerProcess } from "./scheduler-process";

let server: DbsimServer | undefined;
let host: SchedulerProcess | undefined;
afterEach(async () => {
  await host?.stop();
  await server?.stop();
  host = undefined;
  server = undefined;
});

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the scheduler's own process", () => {
  it("schedules the database from its own process, hands back when switched off, restarts when killed, and exits on stop", async () => {
    server = new DbsimServer({ clock: new SystemClock(), port: 0, parameters: { seed: 5, arrivalScale: 4 } });
    await server.start();
    const costs: Array<[string, CostVector]> = server.simulation.templates.map((template) => [
      template.id,
      { ...template.cost },
    ]);
    host = new SchedulerProcess({
      entry: path.join(process.cwd(), "server", "jobs", "scheduler-host.ts"),
      cwd: process.cwd(),
      settings: { dbsimUrl: server.url, maxAddedDelayMs: 3_000, minHistorySeconds: 0 },
      estimates: () => ({ costs, historySeconds: 600, fittedAt: 1 }),
      logger: createLogger("scheduler-process-test"),
    });
    host.start();
    const status = (): SchedulerStatus => host!.status();
    const held = () => server!.simulation.queued().filter((execution) => execution.remainingDelayTicks > 1).length;
    await until(() => status().timing.ticksActed > 30 && held() > 0, "the host to act on 30 ticks and hold queries");
    expect(status()).toMatchObject({ running: true, mode: "active", policy: "planner" });

    await host.setEnabled(false);
    expect(held()).toBe(0);
    expect(status().enabled).toBe(false);
    await host.setEnabled(true);

    const before = status().timing.ticksActed;
    const child = (host as unknown as { child: { pid: number; kill: (signal: string) => void } }).child;
    child.kill("SIGKILL");
    await until(() => status().reason === "the scheduler's process stopped; starting it again", "the restart to show");
    await until(() => status().timing.ticksActed > 10 && status().timing.ticksActed < before + 1_000, "a new host");

    const pid = (host as unknown as { child: { pid: number } }).child.pid;
    await host.stop();
    host = undefined;
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it("stops even when the process stopped answering: a timed-out request kills it, and stop() still returns", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "watchpost-silent-host-"));
    const entry = path.join(directory, "silent-host.mjs");
    // A host that takes every message and answers none (as one stuck in a long step would).
    writeFileSync(entry, "process.on('message', () => {}); setInterval(() => {}, 1000);\n");
    try {
      const silent = new SchedulerProcess({
        entry,
        cwd: process.cwd(),
        settings: { dbsimUrl: "http://127.0.0.1:9", maxAddedDelayMs: 3_000, minHistorySeconds: 0 },
        estimates: () => ({ costs: [], historySeconds: 0, fittedAt: undefined }),
        logger: createLogger("scheduler-process-test"),
        requestTimeoutMs: 300,
      });
      silent.start();
      const pid = (silent as unknown as { child: { pid: number } }).child.pid;
      // As the supervisor does when switched off: hand back (times out, so the host is killed), then stop at once,
      // before the exit has been seen. The exit comes while stop() waits for its own request.
      await silent.setEnabled(false);
      await silent.stop();
      expect(isAlive(pid)).toBe(false);
      expect(silent.status().running).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 30_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
