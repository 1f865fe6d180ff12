import { describe, expect, it } from "vitest";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import type { CaptureStatus } from "./capture/capture-client";
import { createSchedulingConsole } from "./console";
import type { SchedulingReadModel } from "./ports";
import { SchedulingUseCases, type EngineStatusReport } from "./use-cases";

const NOW = Date.UTC(2026, 0, 1, 12);
const capture: CaptureStatus = {
  state: "connected",
  logId: "log_1",
  lastSeq: 42,
  lag: 0,
  lastSuccessAt: NOW,
  lastError: undefined,
  consecutiveFailures: 0,
  logChanges: 0,
};

function setUp(reports: EngineStatusReport[]) {
  const wallClock = new ManualClock(NOW);
  const calls: string[] = [];
  let enabled = false;
  const readModel: SchedulingReadModel = {
    series: (since, until, points) => (
      calls.push(`series ${since - NOW} ${until - NOW} ${points}`),
      { bucketSeconds: 1, points: [] }
    ),
    band: (since) => (
      calls.push(`band ${since - NOW}`),
      { seconds: 0, fraction: { cpu: 0, io: 0, memory: 0, all: 0 }, meanSpread: { cpu: 0, io: 0, memory: 0 } }
    ),
    latency: (since) => (
      calls.push(`latency ${since - NOW}`),
      { executions: 0, addedDelayTicks: { p50: 0, p95: 0, max: 0 }, totalDelayTicks: { p50: 0, p95: 0 } }
    ),
    executions: (input) => ({ items: [], total: 0, page: input.page, pageSize: input.pageSize }),
    templates: (input) => ({ items: [], total: 0, page: input.page, pageSize: input.pageSize }),
    gaps: (limit) => (calls.push(`gaps ${limit}`), []),
  };
  const useCases = new SchedulingUseCases({
    switches: {
      isEnabled: () => enabled,
      write: (input) => void (enabled = input.enabled),
      writeIfAbsent: () => false,
    },
    statuses: { write: () => undefined, recent: () => reports, remove: () => undefined },
    clock: wallClock,
    wallClock,
    captureCursor: () => ({ logId: "log_0", lastSeq: 7, logChanges: 1 }),
  });
  return { calls, console: createSchedulingConsole({ readModel, useCases, wallClock }) };
}

describe("the scheduling console", () => {
  it("buckets the live range over the last 2 minutes and the hour range over the last hour, 120 points at most, on the wall clock", () => {
    const { calls, console } = setUp([]);
    expect(console.resourceSeries("live")).toEqual({ range: "live", now: NOW, bucketSeconds: 1, points: [] });
    console.resourceSeries("hour");
    expect(calls).toEqual(["series -120000 0 120", "series -3600000 0 120"]);
  });

  it("summarizes the window with the freshest engine's capture, the scheduling engine's scheduler and estimator, and the five newest gaps", () => {
    const scheduler = {
      enabled: true,
      running: true,
      policy: "planner" as const,
      seconds: 60,
      bandFraction: { cpu: 1, io: 1, memory: 1, all: 1 },
      addedDelayTicks: { p50: 1, p95: 2, max: 3, count: 9 },
      backlog: 0,
      orphans: 0,
      windowsPlanned: 6,
      windowsBalanced: 6,
      mode: "active" as const,
      secondsStoodAside: 0,
      timing: {
        ticksActed: 600,
        ticksLate: 0,
        ticksMissed: 0,
        delayCallMs: { p50: 1, p99: 3 },
        stepLatenessMs: { p50: 2, p99: 9 },
      },
    };
    const { calls, console } = setUp([
      {
        owner: "eng_web",
        dbsimUrl: "http://a",
        capture,
        scheduler: null,
        estimator: { fittedAt: undefined, windows: 0, templates: 0 },
        at: NOW,
      },
      {
        owner: "eng_worker",
        dbsimUrl: "http://b",
        capture: { ...capture, lastSeq: 40 },
        scheduler,
        estimator: { fittedAt: NOW, windows: 60, templates: 10 },
        at: NOW - 1000,
      },
    ]);
    const summary = console.summary(60);
    expect(calls).toEqual(["band -60000", "latency -60000", "gaps 5"]);
    expect(summary).toMatchObject({
      windowSeconds: 60,
      capture,
      scheduler: { enabled: false, status: scheduler },
      estimator: { fittedAt: NOW, windows: 60, templates: 10 },
      dbsimUrl: "http://b",
      gaps: [],
    });
  });

  it("shows the capture stopped at the stored cursor, no scheduler and an empty estimator when no engine reports", () => {
    const summary = setUp([]).console.summary(60);
    expect(summary.capture).toMatchObject({ state: "stopped", logId: "log_0", lastSeq: 7, logChanges: 1 });
    expect(summary).toMatchObject({
      scheduler: { enabled: false, status: null },
      estimator: { fittedAt: undefined, windows: 0, templates: 0 },
      dbsimUrl: null,
    });
  });

  it("sets the scheduler switch and answers the value set", () => {
    const { console } = setUp([]);
    expect(console.setSchedulerEnabled(true, systemActor("test"))).toEqual({ enabled: true });
    expect(console.summary(60).scheduler.enabled).toBe(true);
  });
});
