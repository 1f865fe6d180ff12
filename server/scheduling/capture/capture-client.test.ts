import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { openDatabase, type AppDatabase } from "@/db/client";
import { schedulingCaptureGap, schedulingExecution, schedulingResourceSecond, schedulingTemplate } from "@/db/schema";
import { ManualClock } from "@/server/core/clock";
import { SeededRandom } from "@/server/core/random";
import { DbsimServer } from "../dbsim/adapters/http-server";
import { MemoryEventLog } from "../dbsim/event-log";
import { SqliteEventLog } from "../dbsim/adapters/sqlite-event-log";
import { CaptureClient } from "./capture-client";
import { SqliteCaptureStore } from "./adapters/sqlite-capture-store";
import { HttpEventFeed } from "./adapters/http-event-feed";
import { parseFeedPage, type EventFeed, type FeedPage } from "./feed";

const directories: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-capture-"));
  directories.push(directory);
  return directory;
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/**
 * The network between client and server, with faults: `cut` refuses every request (a network cut), and
 * `killAfterRead` lets the next read reach the server and then loses the answer as a killed client would.
 */
class FaultyNetwork implements EventFeed {
  cut = false;
  killAfterRead = false;
  constructor(public target: EventFeed) {}
  async read(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage> {
    if (this.cut) throw new Error("connect ECONNREFUSED (network cut)");
    const page = await this.target.read(after, limit, signal);
    if (this.killAfterRead) {
      this.killAfterRead = false;
      throw new Error("client killed after the server answered");
    }
    return page;
  }
  async templates(signal?: AbortSignal) {
    if (this.cut) throw new Error("connect ECONNREFUSED (network cut)");
    return this.target.templates(signal);
  }
}

/** A client "process": its own database connection and client object, thrown away on kill. */
function startClientProcess(databaseFile: string, feed: EventFeed, clock: ManualClock, seed: number) {
  const db = openDatabase(databaseFile);
  const store = new SqliteCaptureStore(db);
  const client = new CaptureClient({ feed, store, clock, random: new SeededRandom(seed), pageSize: 50 });
  return { db, store, client, kill: () => db.$client.close() };
}

function countRows(db: AppDatabase) {
  return db.select({ value: count() }).from(schedulingExecution).get()!.value;
}

describe("CaptureClient", () => {
  it("records every executed query exactly once while being killed, restarted and cut off again and again", async () => {
    const directory = temporaryDirectory();
    const databaseFile = path.join(directory, "console.db");
    const logFile = path.join(directory, "dbsim-events.db");
    const clock = new ManualClock();
    const chaos = new SeededRandom(2024);
    let server = new DbsimServer({
      clock,
      port: 0,
      autoTick: false,
      parameters: { seed: 21 },
      log: new SqliteEventLog(logFile),
    });
    await server.start();
    const network = new FaultyNetwork(new HttpEventFeed(server.url));
    const groundTruth: string[] = [];
    const tick = async (ticks: number) => {
      for (let index = 0; index < ticks; index++) {
        await clock.advance(100);
        groundTruth.push(...server.runTick().executed.map((execution) => execution.id));
      }
    };

    let process = startClientProcess(databaseFile, network, clock, 1);
    let kills = 0;
    let cuts = 0;
    let serverRestarts = 0;
    let insertedByClients = 0;
    const step = async () => {
      try {
        insertedByClients += (await process.client.step()).stored;
      } catch {
        // A failed read: the running client would back off and retry.
      }
    };

    for (let round = 0; round < 300; round++) {
      await tick(chaos.integer(1, 15));
      const roll = chaos.next();
      if (roll < 0.2) {
        // Killed: sometimes between the server's answer and the commit, sometimes idle.
        if (chaos.next() < 0.5) {
          network.killAfterRead = true;
          await step();
        }
        process.kill();
        kills++;
        process = startClientProcess(databaseFile, network, clock, round);
      } else if (roll < 0.23) {
        // A one-minute network cut: the server goes on (600 ticks), the client fails and retries.
        network.cut = true;
        cuts++;
        for (let second = 0; second < 60; second++) {
          await tick(10);
          await step();
        }
        network.cut = false;
      } else if (roll < 0.25) {
        // The server process restarts on its kept log; queued executions die with it (never executed).
        await server.stop();
        server = new DbsimServer({
          clock,
          port: 0,
          autoTick: false,
          parameters: { seed: 21 },
          log: new SqliteEventLog(logFile),
        });
        await server.start();
        network.target = new HttpEventFeed(server.url);
        serverRestarts++;
      } else {
        for (let steps = chaos.integer(1, 3); steps > 0; steps--) await step();
      }
    }
    // Let the last client catch up.
    for (let guard = 0; guard < 10_000; guard++) {
      const { more, stored } = await process.client.step();
      insertedByClients += stored;
      if (!more) break;
    }

    const captured = process.store.executionIds();
    const capturedSet = new Set(captured);
    const truthSet = new Set(groundTruth);
    const missing = [...truthSet].filter((id) => !capturedSet.has(id));
    const extra = [...capturedSet].filter((id) => !truthSet.has(id));
    expect({ kills: kills > 30, cuts: cuts > 3, serverRestarts: serverRestarts > 0 }).toEqual({
      kills: true,
      cuts: true,
      serverRestarts: true,
    });
    expect(groundTruth.length).toBeGreaterThan(5000);
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
    expect(captured.length).toBe(truthSet.size);
    expect(countRows(process.db)).toBe(groundTruth.length);
    // Every row was inserted once: no client ever re-stored a stored event (the insert guard never fired).
    const windows = process.db.select({ value: count() }).from(schedulingResourceSecond).get()!.value;
    expect(insertedByClients).toBe(groundTruth.length + windows);
    expect(process.db.select().from(schedulingCaptureGap).all()).toEqual([]);
    // The recorded times and delays are the server's.
    const row = process.db.select().from(schedulingExecution).limit(1).get()!;
    expect(row.executedTick - row.queuedTick).toBe(row.totalDelayTicks);
    expect(row.executedAt.getTime() - row.queuedAt.getTime()).toBe(row.totalDelayTicks * 100);
    expect(process.db.select({ value: count() }).from(schedulingTemplate).get()!.value).toBe(100);
    process.kill();
    await server.stop();
  }, 120_000);

  it("detects a server that lost its state, records the gap, and learns the new log from its start", async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const first = new DbsimServer({ clock, port: 0, autoTick: false, parameters: { seed: 3 } });
    const feed = new FaultyNetwork({
      read: async (after, limit) => parseFeedPage(JSON.parse(JSON.stringify(current.log.read(after, limit)))),
      templates: async () => JSON.parse(JSON.stringify(current.simulation.templates)),
    });
    let current = first;
    const process = startClientProcess(path.join(directory, "console.db"), feed, clock, 5);
    for (let index = 0; index < 300; index++) first.runTick();
    while ((await process.client.step()).more);
    const before = countRows(process.db);
    expect(before).toBeGreaterThan(300);

    current = new DbsimServer({
      clock,
      port: 0,
      autoTick: false,
      parameters: { seed: 3 },
      log: new MemoryEventLog("fresh-log"),
    });
    const secondTruth: string[] = [];
    for (let index = 0; index < 200; index++)
      secondTruth.push(...current.runTick().executed.map((execution) => execution.id));
    while ((await process.client.step()).more);

    expect(process.store.cursor()).toMatchObject({ logId: "fresh-log", logChanges: 1 });
    expect(new Set(process.store.executionIds("fresh-log"))).toEqual(new Set(secondTruth));
    expect(countRows(process.db)).toBe(before + secondTruth.length);
    const gaps = process.db
      .select()
      .from(schedulingCaptureGap)
      .where(eq(schedulingCaptureGap.reason, "server_log_replaced"))
      .all();
    expect(gaps).toHaveLength(1);
    process.kill();
  });

  it("keeps running through a one-minute network cut under the clock and catches up without loss", async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const server = new DbsimServer({ clock, port: 0, parameters: { seed: 8 } });
    const network = new FaultyNetwork({
      read: async (after, limit) => parseFeedPage(JSON.parse(JSON.stringify(server.log.read(after, limit)))),
      templates: async () => JSON.parse(JSON.stringify(server.simulation.templates)),
    });
    const truth: string[] = [];
    const original = server.runTick.bind(server);
    server.runTick = () => {
      const result = original();
      truth.push(...result.executed.map((execution) => execution.id));
      return result;
    };
    await server.start();
    const process = startClientProcess(path.join(directory, "console.db"), network, clock, 9);
    process.client.start();
    await clock.advance(10_000);
    network.cut = true;
    await clock.advance(60_000);
    expect(process.client.status()).toMatchObject({ state: "disconnected" });
    network.cut = false;
    await clock.advance(10_000);
    expect(process.client.status()).toMatchObject({ state: "connected", lag: 0 });
    await process.client.stop();
    await server.stop();
    // Ticks after the last poll are read by the next run.
    while ((await process.client.step()).more);
    expect(new Set(process.store.executionIds())).toEqual(new Set(truth));
    expect(truth.length).toBeGreaterThan(1000);
    process.kill();
  });

  it("sends an event that does not parse to the dead-letter table and moves on", async () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const server = new DbsimServer({ clock, port: 0, autoTick: false, parameters: { seed: 2 } });
    for (let index = 0; index < 20; index++) server.runTick();
    const feed: EventFeed = {
      read: async (after, limit) => {
        const page = JSON.parse(JSON.stringify(server.log.read(after, limit)));
        if (after === 0 && page.events[1]) page.events[1].executionId = "not-a-uuid";
        return parseFeedPage(page);
      },
      templates: async () => JSON.parse(JSON.stringify(server.simulation.templates)),
    };
    const process = startClientProcess(path.join(directory, "console.db"), feed, clock, 3);
    while ((await process.client.step()).more);
    const letters = process.db.$client.prepare("SELECT reason, raw_body FROM scheduling_dead_letter").all() as Array<{
      reason: string;
      raw_body: string;
    }>;
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toMatch(/executionId/);
    expect(process.store.cursor()!.lastSeq).toBe(server.log.read(0, 1).lastSeq);
    process.kill();
  });
});
