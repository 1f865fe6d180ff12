/**
 * Issue 6, point 3, with real processes: the capture client runs as a child OS process
 * (testing/capture-process.fixture.ts, the production feed/client/store wiring) and is SIGKILLed again and again
 * — at startup, after a seeded number of steps, with a page read but not stored, inside the open transaction that
 * stores a page, right as a held page is released, and while the database server is down — while this test drives
 * the server's ticks (ManualClock, autoTick off, a seeded number of ticks per round, so the log's content is the
 * same on every run whatever the kill timing). The server also restarts on its kept log in the middle. A last,
 * clean child catches up and stops; then the console's SQLite file is compared with the server's ground truth.
 *
 * No fixed sleeps: every wait is on a line the child prints (bounded by a generous timeout).
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { openDatabase, type AppDatabase } from "@/db/client";
import { ManualClock } from "@/server/core/clock";
import { SeededRandom } from "@/server/core/random";
import { DbsimServer } from "../dbsim/adapters/http-server";
import { SqliteEventLog } from "../dbsim/adapters/sqlite-event-log";
import type { ExecutedEvent } from "../dbsim/event-log";

const REPOSITORY_ROOT = path.resolve(__dirname, "../../..");
const FIXTURE = path.join(__dirname, "..", "testing", "capture-process.fixture.ts");
const PAGE_SIZE = 25;
/** The SQL function the fixture registers on its connection (importing the fixture would run it). */
const CAPTURE_PROBE_FUNCTION = "capture_test_probe";
/** Bound on any single wait for a child's line: far above what a loaded 2-core machine needs. */
const WAIT_MS = 25_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One capture client process and the lines it printed. */
class CaptureProcess {
  readonly lines: string[] = [];
  private stderr = "";
  private listeners = new Set<() => void>();
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      this.lines.push(line);
      for (const listener of this.listeners) listener();
    });
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        this.exitCode = code;
        for (const listener of this.listeners) listener();
        resolve();
      }),
    );
  }

  static spawn(env: Record<string, string>): CaptureProcess {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...env },
      stdio: "pipe",
    });
    const started = new CaptureProcess(child);
    cleanups.push(() => started.kill());
    return started;
  }

  /** Resolves with the first line from index `from` on that matches; fails on timeout or if the child exits. */
  waitFor(what: string, matches: (line: string) => boolean, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      let index = from;
      const check = () => {
        for (; index < this.lines.length; index++) {
          if (matches(this.lines[index]!)) return finish(() => resolve(this.lines[index]!));
        }
        if (this.exitCode !== undefined)
          finish(() =>
            reject(
              new Error(
                `capture process exited (${this.exitCode}) before "${what}"; stderr: ${this.stderr.slice(-2000)}`,
              ),
            ),
          );
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `no "${what}" from the capture process within ${WAIT_MS} ms; last lines: ${this.lines.slice(-5).join(" | ")}; stderr: ${this.stderr.slice(-2000)}`,
              ),
            ),
          ),
        WAIT_MS,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    if (this.exitCode === undefined) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM: the client stops after its current step and the process exits 0. */
  async stop(): Promise<number | null | undefined> {
    this.child.kill("SIGTERM");
    await this.exited;
    return this.exitCode;
  }
}

const storedSeq = (line: string) => (line.startsWith("stored ") ? Number(/lastSeq=(\d+)/.exec(line)![1]) : undefined);

describe("capture client as a real process", () => {
  it("records every executed query exactly once although the process is SIGKILLed again and again, mid-page and mid-commit", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "watchpost-capture-process-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const databaseFile = path.join(directory, "console.db");
    const logFile = path.join(directory, "dbsim-events.db");

    // The console's database, migrated, with a probe: every attempted insert of an execution is recorded inside the
    // same transaction (so it rolls back with it) and calls the child's probe function (which can hold the commit).
    const db: AppDatabase = openDatabase(databaseFile);
    cleanups.push(() => {
      db.$client.close();
    });
    db.$client.exec(
      "CREATE TABLE capture_test_insert_attempt (log_id TEXT NOT NULL, execution_id TEXT NOT NULL, seq INTEGER NOT NULL);" +
        `CREATE TRIGGER capture_test_attempt BEFORE INSERT ON scheduling_execution BEGIN
           INSERT INTO capture_test_insert_attempt (log_id, execution_id, seq) VALUES (NEW.log_id, NEW.id, ${CAPTURE_PROBE_FUNCTION}(NEW.seq));
         END;`,
    );
    const cursor = () =>
      (
        db.$client.prepare("SELECT last_seq AS lastSeq FROM scheduling_capture_cursor").get() as
          { lastSeq: number } | undefined
      )?.lastSeq ?? 0;

    const clock = new ManualClock();
    const parameters = { seed: 31 };
    let server = new DbsimServer({ clock, port: 0, autoTick: false, parameters, log: new SqliteEventLog(logFile) });
    await server.start();
    const port = server.port;
    cleanups.push(() => server.stop());
    const url = `http://127.0.0.1:${port}`;

    type Truth = {
      templateId: string;
      queuedTick: number;
      executedTick: number;
      totalDelayTicks: number;
      queuedAt: number;
      executedAt: number;
    };
    const truth = new Map<string, Truth>();
    const tickTimes = new Map<number, number>();
    let duplicateTruthIds = 0;
    let windows = 0;
    const tickOnce = async () => {
      await clock.advance(100);
      const result = server.runTick();
      tickTimes.set(result.tick, clock.now());
      if (result.window) windows++;
      for (const execution of result.executed) {
        if (truth.has(execution.id)) duplicateTruthIds++;
        truth.set(execution.id, {
          templateId: execution.templateId,
          queuedTick: execution.queuedTick,
          executedTick: execution.executedTick,
          totalDelayTicks: execution.totalDelayTicks,
          queuedAt: tickTimes.get(execution.queuedTick)!,
          executedAt: clock.now(),
        });
      }
    };
    /** Ticks while a child runs, yielding between ticks so that its requests are answered meanwhile. */
    const tickAlongside = async (ticks: number) => {
      for (let index = 0; index < ticks; index++) {
        await tickOnce();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const serverLastSeq = () => server.log.read(Number.MAX_SAFE_INTEGER - 1, 1).lastSeq;

    const chaos = new SeededRandom(6_003);
    let spawned = 0;
    const spawnClient = (hold?: string) =>
      CaptureProcess.spawn({
        CAPTURE_DBSIM_URL: url,
        CAPTURE_DB_FILE: databaseFile,
        CAPTURE_SEED: String(++spawned),
        CAPTURE_PAGE_SIZE: String(PAGE_SIZE),
        CAPTURE_POLL_MS: "20",
        CAPTURE_MAX_BACKOFF_MS: "200",
        ...(hold ? { CAPTURE_HOLD: hold } : {}),
      });

    const kills: Record<string, number> = { lines: 0, stored: 0, fetch: 0, commit: 0, release: 0, serverDown: 0 };
    const round = async (mode: keyof typeof kills) => {
      for (let ticks = chaos.integer(15, 40); ticks > 0; ticks--) await tickOnce();
      const before = cursor();
      // Pages the child is sure to find (each holds PAGE_SIZE events): holds are placed within them.
      const pendingPages = Math.floor((serverLastSeq() - before) / PAGE_SIZE);
      const nth = chaos.integer(1, Math.max(1, Math.min(4, pendingPages)));
      const alongside = chaos.integer(5, 30);
      if (mode === "fetch" || mode === "release") {
        const child = spawnClient(`fetch:${nth}`);
        const ticking = tickAlongside(alongside);
        const held = await child.waitFor("holding-fetch", (line) => line.startsWith("holding-fetch"));
        if (mode === "release") child.send("release"); // killed as the page goes on to be stored: a race by design
        await child.kill();
        await ticking;
        const after = Number(/after=(\d+)/.exec(held)![1]);
        if (mode === "fetch") expect(cursor(), "a page read but not stored is not in the database").toBe(after);
        else expect(cursor()).toBeGreaterThanOrEqual(after);
      } else if (mode === "commit") {
        const child = spawnClient(`commit:${nth}`);
        const ticking = tickAlongside(alongside);
        const held = await child.waitFor("holding-commit", (line) => line.startsWith("holding-commit"));
        const cursorBefore = cursor();
        await child.kill();
        await ticking;
        const seq = Number(/seq=(\d+)/.exec(held)![1]);
        // The open transaction died with the process: none of its rows, and the cursor did not move.
        expect(cursor()).toBe(cursorBefore);
        expect(cursor()).toBeLessThan(seq);
        expect(
          db.$client.prepare("SELECT COUNT(*) AS n FROM scheduling_execution WHERE seq > ?").get(cursor()),
        ).toEqual({ n: 0 });
      } else if (mode === "stored") {
        // Killed right after its nth commit of executions, while it goes on to the next read.
        const child = spawnClient();
        const ticking = tickAlongside(alongside);
        let seen = 0;
        await child.waitFor(
          "stored executions",
          (line) => line.startsWith("stored ") && !line.endsWith("executions=0") && ++seen === nth,
        );
        await child.kill();
        await ticking;
      } else {
        // Killed after a seeded number of lines, anywhere in its loop (startup included when the count is 1).
        const child = spawnClient();
        const ticking = tickAlongside(alongside);
        let seen = 0;
        const lines = chaos.integer(1, 12);
        await child.waitFor(`${lines} lines`, () => ++seen === lines);
        await child.kill();
        await ticking;
      }
      kills[mode]!++;
    };

    const modes = ["lines", "stored", "fetch", "commit", "release"] as const;
    const serverRestart = async () => {
      // A client that lives through the server's restart, and one killed while the server is down.
      for (let ticks = chaos.integer(15, 40); ticks > 0; ticks--) await tickOnce();
      const survivor = spawnClient();
      await survivor.waitFor("a stored page", (line) => line.startsWith("stored ") && !line.endsWith("executions=0"));
      await server.stop();
      const failedFrom = survivor.lines.length;
      await survivor.waitFor(
        "read-failed while the server is down",
        (line) => line.startsWith("read-failed"),
        failedFrom,
      );
      const victim = spawnClient();
      await victim.waitFor("read-failed while the server is down", (line) => line.startsWith("read-failed"));
      await victim.kill();
      kills.serverDown!++;
      // The server process restarts on its kept log, on the same port; executions it had queued are gone with it.
      server = new DbsimServer({ clock, port, autoTick: false, parameters, log: new SqliteEventLog(logFile) });
      await server.start();
      for (let ticks = chaos.integer(15, 40); ticks > 0; ticks--) await tickOnce();
      const target = serverLastSeq();
      await survivor.waitFor(
        "caught up after the server restart",
        (line) => (storedSeq(line) ?? -1) >= target,
        failedFrom,
      );
      await survivor.kill();
      kills.serverDown!++;
    };

    for (let index = 0; index < 24; index++) {
      if (index === 12) await serverRestart();
      // Every mode at least four times, in a seeded order.
      await round(index < 20 ? modes[index % modes.length]! : modes[chaos.integer(0, modes.length - 1)]!);
    }

    // A final, clean client catches up with everything and stops.
    for (let ticks = 30; ticks > 0; ticks--) await tickOnce();
    const finalSeq = serverLastSeq();
    const last = spawnClient();
    await last.waitFor("caught up", (line) => storedSeq(line) === finalSeq);
    expect(await last.stop()).toBe(0);

    const totalKills = Object.values(kills).reduce((sum, value) => sum + value, 0);
    expect(totalKills).toBeGreaterThanOrEqual(20);
    expect(kills.fetch! + kills.commit! + kills.release!).toBeGreaterThanOrEqual(12);
    expect(duplicateTruthIds).toBe(0);
    expect(truth.size).toBeGreaterThan(1500);

    const logId = server.log.logId;
    const rows = db.$client
      .prepare(
        "SELECT id, template_id AS templateId, log_id AS logId, seq, queued_tick AS queuedTick, queued_at AS queuedAt, executed_tick AS executedTick, executed_at AS executedAt, total_delay_ticks AS totalDelayTicks, added_delay_ticks AS addedDelayTicks FROM scheduling_execution",
      )
      .all() as Array<Truth & { id: string; logId: string; seq: number; addedDelayTicks: number }>;
    const captured = new Set(rows.map((row) => row.id));
    const missing = [...truth.keys()].filter((id) => !captured.has(id));
    const extra = [...captured].filter((id) => !truth.has(id));
    expect({ missing, extra, duplicated: rows.length - captured.size }).toEqual({
      missing: [],
      extra: [],
      duplicated: 0,
    });
    expect(rows.length).toBe(truth.size);

    // Each row is the server's: template, ticks, total delay, times, and the seq of its `executed` event.
    const executedSeq = new Map<string, number>();
    for (let after = 0; ;) {
      const page = server.log.read(after, 5000);
      for (const event of page.events)
        if (event.type === "executed") executedSeq.set((event as ExecutedEvent).executionId, event.seq);
      if (page.events.length === 0) break;
      after = page.events.at(-1)!.seq;
    }
    const wrong = rows.filter((row) => {
      const expected = truth.get(row.id)!;
      return (
        row.logId !== logId ||
        row.seq !== executedSeq.get(row.id) ||
        row.templateId !== expected.templateId ||
        row.queuedTick !== expected.queuedTick ||
        row.executedTick !== expected.executedTick ||
        row.totalDelayTicks !== expected.totalDelayTicks ||
        row.totalDelayTicks !== row.executedTick - row.queuedTick ||
        row.addedDelayTicks !== 0 ||
        row.queuedAt !== expected.queuedAt ||
        row.executedAt !== expected.executedAt
      );
    });
    expect(wrong).toEqual([]);

    // The unique key (log, execution id) was never hit: every committed insert attempt was the row's only one.
    const attempts = db.$client
      .prepare(
        "SELECT COUNT(*) AS attempts, COUNT(DISTINCT log_id || ':' || execution_id) AS distinctIds FROM capture_test_insert_attempt",
      )
      .get();
    expect(attempts).toEqual({ attempts: truth.size, distinctIds: truth.size });

    expect(cursor()).toBe(finalSeq);
    expect(db.$client.prepare("SELECT COUNT(*) AS n FROM scheduling_resource_second").get()).toEqual({ n: windows });
    expect(db.$client.prepare("SELECT COUNT(*) AS n FROM scheduling_capture_gap").get()).toEqual({ n: 0 });
    expect(db.$client.prepare("SELECT COUNT(*) AS n FROM scheduling_dead_letter").get()).toEqual({ n: 0 });
    expect(db.$client.prepare("SELECT log_changes AS logChanges FROM scheduling_capture_cursor").get()).toEqual({
      logChanges: 0,
    });
    console.info(
      `capture process test: ${truth.size} executions, ${spawned} processes, kills ${JSON.stringify(kills)}`,
    );
  }, 150_000);
});
