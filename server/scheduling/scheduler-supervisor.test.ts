import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDatabase, type AppDatabase } from "@/db/client";
import { auditLog } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { SqliteLeaseStore } from "@/db/lease";
import { SqliteEngineStatusStore, SqliteSchedulerSwitchStore } from "./adapters/sqlite-scheduler-control";
import type { CaptureStatus } from "./capture/capture-client";
import { DatabaseSimulation } from "./dbsim/simulation";
import type { CostVector } from "./estimation/types";
import { SimulationDatabaseApi } from "./testing/simulation-database-api";
import { Scheduler } from "./scheduler/scheduler";
import { SchedulingUseCases } from "./use-cases";
import { SchedulerSupervisor } from "./scheduler-supervisor";

const START = Date.UTC(2026, 0, 1);
const LEASE_KEY = "http://127.0.0.1:8080";
const capture: CaptureStatus = {
  state: "connected",
  logId: "log_1",
  lastSeq: 42,
  lag: 0,
  lastSuccessAt: START,
  lastError: undefined,
  consecutiveFailures: 0,
  logChanges: 0,
};

/** One engine process: its own connection to the shared database file, its own clock, one simulated database it schedules. */
function engine(filePath: string, owner: string, simulation: DatabaseSimulation) {
  const db = openDatabase(filePath);
  const clock = new ManualClock(START);
  const truth = new Map<string, CostVector>(
    simulation.templates.map((template) => [template.id, { ...template.cost }]),
  );
  let schedulersCreated = 0;
  let running: Scheduler | undefined;
  const supervisor = new SchedulerSupervisor({
    owner,
    leaseKey: LEASE_KEY,
    switches: new SqliteSchedulerSwitchStore(db, clock),
    leases: new SqliteLeaseStore(db),
    statuses: new SqliteEngineStatusStore(db),
    clock,
    createScheduler: () => {
      schedulersCreated++;
      const scheduler = new Scheduler({
        api: new SimulationDatabaseApi(simulation),
        costs: { cost: (id) => truth.get(id) },
        clock,
        pollMs: 100,
      });
      // Seen from outside as the supervisor sees it: running from its creation until its stop resolved.
      const stop = scheduler.stop.bind(scheduler);
      scheduler.stop = async () => {
        await stop();
        if (running === scheduler) running = undefined;
      };
      running = scheduler;
      return scheduler;
    },
    report: () => ({ dbsimUrl: LEASE_KEY, capture, estimator: { fittedAt: undefined, windows: 0, templates: 0 } }),
  });
  return { db, clock, supervisor, created: () => schedulersCreated, isScheduling: () => running !== undefined };
}

/** The web tier: no engine, only the use cases over its own connection. */
function webTier(db: AppDatabase, clock: ManualClock) {
  return new SchedulingUseCases({
    switches: new SqliteSchedulerSwitchStore(db, clock),
    statuses: new SqliteEngineStatusStore(db),
    clock,
    wallClock: clock,
    captureCursor: () => undefined,
  });
}

describe("the scheduler supervisor on one database file shared by several processes", () => {
  let database: TestDatabase;
  const opened: AppDatabase[] = [];
  beforeEach(() => {
    database = createTestDatabase();
  });
  afterEach(() => {
    for (const db of opened.splice(0)) db.$client.close();
    database.close();
  });

  it("runs the scheduler in one engine only; another takes the lease over once the holder died and its lease expired", async () => {
    const simulation = new DatabaseSimulation({ seed: 31 });
    const a = engine(database.filePath, "eng_a", simulation);
    const b = engine(database.filePath, "eng_b", simulation);
    opened.push(a.db, b.db);
    const webClock = new ManualClock(START);
    webTier(database.db, webClock).setSchedulerEnabled(true, systemActor("test"));
    a.supervisor.start();
    b.supervisor.start();
    const advanceAll = async (ms: number, clocks: ManualClock[]) => {
      for (let step = 0; step < ms; step += 100) {
        simulation.tick();
        for (const clock of clocks) await clock.advance(100);
        webClock.set(clocks[0]!.now());
      }
    };
    await advanceAll(30_000, [a.clock, b.clock]);
    // Only the first to take the lease schedules, through 30 s of renewals.
    expect(a.isScheduling()).toBe(true);
    expect(b.isScheduling()).toBe(false);
    expect(a.created()).toBe(1);
    expect(b.created()).toBe(0);
    expect(new SqliteLeaseStore(database.db).holder(LEASE_KEY)?.owner).toBe("eng_a");
    expect(webTier(database.db, webClock).engineStatus().scheduler?.running).toBe(true);

    // Engine A dies (its clock stops: no renewal, no stop). B waits for the lease to expire, then takes over.
    await advanceAll(5_000, [b.clock]);
    expect(b.isScheduling()).toBe(false);
    await advanceAll(7_000, [b.clock]);
    expect(b.isScheduling()).toBe(true);
    expect(new SqliteLeaseStore(database.db).holder(LEASE_KEY)?.owner).toBe("eng_b");
    // The executions A held are orphans to B: nothing stays queued past the bound plus the orphan park.
    await advanceAll(10_000, [b.clock]);
    for (const execution of simulation.queued())
      expect(simulation.currentTick - execution.queuedTick).toBeLessThanOrEqual(50 + 20 + 2);

    await b.supervisor.stop();
    expect(new SqliteLeaseStore(database.db).holder(LEASE_KEY)).toBeUndefined();
  });

  it("follows the switch written by another process within a second, without a restart, and hands held executions back when switched off", async () => {
    const simulation = new DatabaseSimulation({ seed: 32, arrivalScale: 4 });
    const worker = engine(database.filePath, "eng_worker", simulation);
    opened.push(worker.db);
    const webDb = openDatabase(database.filePath);
    opened.push(webDb);
    const webClock = new ManualClock(START);
    const web = webTier(webDb, webClock);
    const run = async (ms: number) => {
      for (let step = 0; step < ms; step += 100) {
        simulation.tick();
        await worker.clock.advance(100);
        webClock.set(worker.clock.now());
      }
    };
    worker.supervisor.start();
    await run(3_000);
    expect(worker.isScheduling()).toBe(false);
    // The web tier shows what the worker reports: its capture, no scheduler yet.
    expect(web.engineStatus().capture.state).toBe("connected");
    expect(web.engineStatus().scheduler).toBeUndefined();

    web.setSchedulerEnabled(true, systemActor("web"));
    await run(1_000);
    expect(worker.isScheduling()).toBe(true);
    await run(10_000);
    expect(web.engineStatus().scheduler?.enabled).toBe(true);
    expect(simulation.queued().some((execution) => execution.addedDelayTicks > 0)).toBe(true);

    web.setSchedulerEnabled(false, systemActor("web"));
    await run(1_000);
    expect(worker.isScheduling()).toBe(false);
    simulation.tick();
    expect(simulation.queued().every((execution) => execution.addedDelayTicks === 0)).toBe(true);
    expect(new SqliteLeaseStore(database.db).holder(LEASE_KEY)).toBeUndefined();
    await run(3_000);
    expect(web.engineStatus().scheduler).toBeUndefined();

    const audit = database.db.select().from(auditLog).where(eq(auditLog.target, "scheduling.scheduler.enabled")).all();
    expect(audit.map((row) => row.action)).toEqual(["scheduling.scheduler.enable", "scheduling.scheduler.disable"]);
    await worker.supervisor.stop();
    // A stopped engine withdraws its report: the console then shows the capture stopped.
    expect(web.engineStatus().capture.state).toBe("stopped");
  });
});
