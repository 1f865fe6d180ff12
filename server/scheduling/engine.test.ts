import { describe, expect, it } from "vitest";
import { ManualClock } from "@/server/core/clock";
import { rootLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import type { CaptureCursor, CaptureStore } from "./capture/capture-client";
import type { EventFeed, FeedPage } from "./capture/feed";
import type { DbsimEvent } from "./dbsim/event-log";
import { createSchedulingEngine, type SchedulingEngineOptions } from "./engine";
import type { CapturedHistory, StoredResourceSecond } from "./ports";
import type { DatabaseApi } from "./scheduler/database-api";

const START = Date.UTC(2026, 0, 1);
const TEMPLATE = "00000000-0000-4000-8000-000000000001";

/** A server whose log gains one second per read: an execution of TEMPLATE and its window (cpu average 40 + n). */
function growingFeed(feedsFor: string[], url: string): EventFeed {
  feedsFor.push(url);
  let windowIndex = 0;
  return {
    async read(after): Promise<FeedPage> {
      const tick = windowIndex * 10;
      const cpu = { average: 40 + windowIndex, min: 40 + windowIndex, max: 40 + windowIndex };
      const events: DbsimEvent[] = [
        {
          seq: after + 1,
          type: "executed",
          executionId: `e${after}`,
          templateId: TEMPLATE,
          queuedTick: tick,
          queuedAt: START,
          executedTick: tick + 1,
          executedAt: START,
          totalDelayTicks: 1,
          addedDelayTicks: 0,
        },
        {
          seq: after + 2,
          type: "resources",
          windowIndex,
          firstTick: tick,
          lastTick: tick + 9,
          at: START,
          cpu,
          io: cpu,
          memory: cpu,
        },
      ];
      windowIndex++;
      return { logId: "log_1", firstSeq: 1, lastSeq: after + 2, truncated: false, events, badEvents: [] };
    },
    templates: async () => [],
  };
}

function memoryCaptureStore(cursor: CaptureCursor | undefined): CaptureStore {
  return {
    cursor: () => cursor,
    switchLog: ({ logId }) =>
      void (cursor = { logId, lastSeq: 0, logChanges: (cursor?.logChanges ?? 0) + (cursor ? 1 : 0) }),
    saveTemplates: () => undefined,
    storePage: ({ lastSeq, page }) => {
      cursor = { ...cursor!, lastSeq };
      return {
        executions: page.events.filter((event) => event.type === "executed").length,
        windows: page.events.filter((event) => event.type === "resources").length,
      };
    },
  };
}

function harness(overrides: Partial<SchedulingEngineOptions> & { latestSecond?: StoredResourceSecond } = {}) {
  const clock = new ManualClock(START);
  const feedsFor: string[] = [];
  const saved: number[] = [];
  const history: CapturedHistory = {
    recentHistory: () => ({ windows: [], executions: [] }),
    latestSecond: () => overrides.latestSecond,
    saveEstimates: (_estimates, at) => void saved.push(at - START),
  };
  const options: SchedulingEngineOptions = {
    dbsimUrl: "http://dbsim.test:8080",
    dbsimPort: 18_080,
    startDatabaseServer: () => Promise.reject(new Error("not expected")),
    eventFeed: (url) => growingFeed(feedsFor, url),
    databaseApi: () => ({}) as DatabaseApi,
    captureStore: memoryCaptureStore(undefined),
    history,
    switches: { isEnabled: () => false, write: () => undefined, writeIfAbsent: () => false },
    leases: { acquire: () => true, release: () => undefined },
    statuses: { write: () => undefined, recent: () => [], remove: () => undefined },
    clock,
    wallClock: clock,
    random: new SeededRandom(1),
    logger: rootLogger().child({ module: "scheduling-test" }),
    ...overrides,
  };
  return { clock, feedsFor, saved, scheduling: createSchedulingEngine(options) };
}

describe("the scheduling engine", () => {
  it("uses the database server already listening on DBSIM_PORT when starting its own finds the port taken", async () => {
    const taken = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
    const { feedsFor, scheduling } = harness({ dbsimUrl: undefined, startDatabaseServer: () => Promise.reject(taken) });
    await scheduling.engine.start();
    expect(feedsFor).toEqual(["http://127.0.0.1:18080"]);
    await scheduling.engine.stop();
  });

  it("fails to start when the database server it starts fails for another reason than a taken port", async () => {
    const { feedsFor, scheduling } = harness({
      dbsimUrl: undefined,
      startDatabaseServer: () => Promise.reject(Object.assign(new Error("listen EACCES"), { code: "EACCES" })),
    });
    await expect(scheduling.engine.start()).rejects.toThrow("EACCES");
    expect(feedsFor).toEqual([]);
  });

  it("captures from the server it started and stops that server with itself", async () => {
    let stopped = 0;
    const { feedsFor, scheduling } = harness({
      dbsimUrl: undefined,
      startDatabaseServer: async () => ({
        url: "http://127.0.0.1:40001",
        logId: "log_1",
        stop: async () => void stopped++,
      }),
    });
    await scheduling.engine.start();
    expect(feedsFor).toEqual(["http://127.0.0.1:40001"]);
    await scheduling.engine.stop();
    expect(stopped).toBe(1);
  });

  it("refits the cost estimates first after 5 s, then every 15 s while new windows arrive, and stops refitting once stopped", async () => {
    const { clock, saved, scheduling } = harness();
    await scheduling.engine.start();
    await clock.advance(50_000);
    expect(saved).toEqual([5_000, 20_000, 35_000, 50_000]);
    await scheduling.engine.stop();
    await clock.advance(30_000);
    expect(saved).toEqual([5_000, 20_000, 35_000, 50_000]);
  });

  it("offers the latest captured second as dbsim.* metrics, and the stored one before anything was captured", async () => {
    const stored: StoredResourceSecond = {
      firstTick: 0,
      lastTick: 9,
      cpuAverage: 7,
      cpuMin: 5,
      cpuMax: 9,
      ioAverage: 1,
      ioMin: 1,
      ioMax: 2,
      memoryAverage: 3,
      memoryMin: 2,
      memoryMax: 4,
    };
    const { clock, scheduling } = harness({ latestSecond: stored });
    expect(scheduling.metrics.names()).toContain("dbsim.io.avg");
    expect([
      scheduling.metrics.read("dbsim.cpu.max"),
      scheduling.metrics.read("dbsim.cpu.avg"),
      scheduling.metrics.read("dbsim.memory.min"),
    ]).toEqual([9, 7, 2]);
    expect(scheduling.metrics.read("dbsim.disk.max")).toBeUndefined();
    await scheduling.engine.start();
    await clock.advance(1_000);
    expect(scheduling.metrics.read("dbsim.cpu.avg")).toBeGreaterThanOrEqual(40);
    await scheduling.engine.stop();
  });
});
