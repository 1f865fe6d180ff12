/**
 * Wires the scheduling engine (server/scheduling) to its adapters for the runner and the tRPC routers:
 * - the simulated database server (started here on DBSIM_PORT when DBSIM_URL is unset, with its durable event
 *   log next to the console's database);
 * - the capture client (Part 1) reading the server's event log into the console's database;
 * - the cost estimator, fed from what the capture stores and warmed from the stored history at start;
 * - the scheduler (Part 2), run by the SchedulerSupervisor: it follows the switch `scheduling.scheduler.enabled`
 *   (written by the SchedulingUseCases from any process) and holds the server's lease while it schedules;
 * - the engine's status report (capture, scheduler, estimator) that every process's console reads;
 * - the `dbsim.*` metrics the alert engine reads.
 */
import path from "node:path";
import { systemActor } from "@/server/core/audit";
import type { MetricReader } from "@/server/core/metrics";
import { SystemClock, type TimerHandle } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import { DbsimServer } from "@/server/scheduling/dbsim/adapters/http-server";
import { SqliteEventLog } from "@/server/scheduling/dbsim/adapters/sqlite-event-log";
import type { DbsimEvent, ResourcesEvent } from "@/server/scheduling/dbsim/event-log";
import { CaptureClient } from "@/server/scheduling/capture/capture-client";
import { HttpEventFeed } from "@/server/scheduling/capture/adapters/http-event-feed";
import { SqliteCaptureStore } from "@/server/scheduling/capture/adapters/sqlite-capture-store";
import { CaptureQueries } from "@/server/scheduling/capture/adapters/capture-queries";
import { CostEstimatorService } from "@/server/scheduling/estimation/estimator-service";
import { Scheduler } from "@/server/scheduling/scheduler/scheduler";
import { HttpDatabaseApi } from "@/server/scheduling/scheduler/adapters/http-database-api";
import { SchedulingUseCases, type EstimatorStatus } from "@/server/scheduling/scheduler-control";
import { SchedulerSupervisor } from "@/server/scheduling/scheduler-supervisor";
import { SqliteEngineStatusStore, SqliteSchedulerSwitchStore } from "@/server/scheduling/adapters/sqlite-scheduler-control";
import { SqliteLeaseStore } from "@/db/lease";
import type { EngineDependencies, EngineModule } from "./engine";

const METRIC_NAMES = ["cpu", "io", "memory"].flatMap((resource) => ["max", "avg", "min"].map((statistic) => `dbsim.${resource}.${statistic}`));
const REFIT_INTERVAL_MS = 15_000;

export interface SchedulingServices {
  /** The simulated database's latest per-second resources as metrics (`dbsim.cpu.max`, …), for the alert engine. */
  metrics: MetricReader;
  /** The read model over the captured history (charts, band, latency, executions, templates). */
  queries: CaptureQueries;
  /** The time base of the captured history (the database server's wall clock), for "the last hour". */
  now(): number;
  /** The scheduler switch and the engines' reported status (any process). */
  useCases: SchedulingUseCases;
}

export function createSchedulingModule(dependencies: EngineDependencies): EngineModule<SchedulingServices> {
  const { config, db, clock, random, logger: rootLogger } = dependencies;
  const logger = rootLogger.child({ module: "scheduling" });
  const queries = new CaptureQueries(db);
  const store = new SqliteCaptureStore(db);
  const estimator = new CostEstimatorService();
  // Wall time drives the simulated database even under the browser tests' movable clock, and everything compared
  // with its timestamps (stored history, leases, status reports shared across processes) uses it too.
  const wallClock = new SystemClock();
  const switches = new SqliteSchedulerSwitchStore(db, clock);
  const leases = new SqliteLeaseStore(db);
  const statuses = new SqliteEngineStatusStore(db);
  const owner = createId("eng");
  let latest: ResourcesEvent | undefined;
  let url: string | undefined = config.DBSIM_URL;
  let server: DbsimServer | undefined;
  let capture: CaptureClient | undefined;
  let supervisor: SchedulerSupervisor | undefined;
  let refitTimer: TimerHandle | undefined;
  let fittedAt: number | undefined;
  let running = false;

  const useCases = new SchedulingUseCases({
    switches,
    statuses,
    clock,
    wallClock,
    captureCursor: () => store.cursor(),
    // This process's engine (if it runs one) follows at once; engines elsewhere on their next poll.
    onSwitched: () => void supervisor?.poll(),
  });

  const onStored = (_logId: string, events: readonly DbsimEvent[]) => {
    const executions = [];
    for (const event of events) {
      if (event.type === "executed") executions.push({ templateId: event.templateId, executedTick: event.executedTick });
      else if (event.type === "resources") {
        if (executions.length > 0) estimator.recordExecutions(executions.splice(0));
        estimator.recordWindow({ firstTick: event.firstTick, lastTick: event.lastTick, samples: event.lastTick - event.firstTick + 1, cpu: event.cpu, io: event.io, memory: event.memory });
        latest = event;
      }
    }
    if (executions.length > 0) estimator.recordExecutions(executions);
  };

  const refit = () => {
    try {
      if (estimator.pendingWindows > 0) {
        const estimates = estimator.refit();
        fittedAt = clock.now();
        queries.saveEstimates([...estimates.templates.values()].map((estimate) => ({ templateId: estimate.templateId, cost: estimate.cost })), fittedAt);
      }
    } catch (error) {
      logger.warn({ err: error }, "cost estimate refit failed; keeping the previous estimates");
    }
    if (running) refitTimer = clock.setTimeout(refit, REFIT_INTERVAL_MS);
  };

  const warmEstimator = () => {
    const cursor = store.cursor();
    if (!cursor) return;
    // The stored seconds carry the database server's wall time, so "the last 30 minutes" is wall time too.
    const history = queries.recentHistory(cursor.logId, wallClock.now() - 30 * 60_000);
    estimator.recordExecutions(history.executions);
    for (const row of history.windows) {
      estimator.recordWindow({
        firstTick: row.firstTick,
        lastTick: row.lastTick,
        samples: row.lastTick - row.firstTick + 1,
        cpu: { average: row.cpuAverage, min: row.cpuMin, max: row.cpuMax },
        io: { average: row.ioAverage, min: row.ioMin, max: row.ioMax },
        memory: { average: row.memoryAverage, min: row.memoryMin, max: row.memoryMax },
      });
    }
  };

  const estimatorStatus = (): EstimatorStatus => ({ fittedAt, windows: estimator.estimates()?.windows ?? 0, templates: estimator.estimates()?.templates.size ?? 0 });

  const engine = {
    name: "scheduling",
    async start() {
      running = true;
      if (!url) {
        const logFile = path.join(path.dirname(path.resolve(config.DATABASE_PATH)), "dbsim-events.db");
        const candidate = new DbsimServer({ clock: wallClock, port: config.DBSIM_PORT, parameters: { seed: config.DBSIM_SEED }, log: new SqliteEventLog(logFile), logger });
        try {
          await candidate.start();
          server = candidate;
          url = candidate.url;
          logger.info({ url, logId: candidate.log.logId }, "simulated database started");
        } catch (error) {
          await candidate.stop().catch(() => undefined);
          if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
          url = `http://127.0.0.1:${config.DBSIM_PORT}`;
          logger.warn({ url }, "DBSIM_PORT is taken: using the database server already listening there");
        }
      }
      const dbsimUrl = url!;
      warmEstimator();
      capture = new CaptureClient({ feed: new HttpEventFeed(dbsimUrl), store, clock, random, logger, onStored });
      capture.start();
      refitTimer = clock.setTimeout(refit, 5_000);
      supervisor = new SchedulerSupervisor({
        owner,
        leaseKey: `scheduler:${dbsimUrl}`,
        switches,
        leases,
        statuses,
        clock: wallClock,
        createScheduler: () =>
          new Scheduler({
            // The scheduler reasons in the database's ticks, stamped with wall time: it polls on the wall clock too.
            api: new HttpDatabaseApi({ baseUrl: dbsimUrl, clock: wallClock }),
            costs: estimator,
            clock: wallClock,
            onError: (error) => logger.warn({ err: error }, "scheduler step failed; it retries on the next tick"),
          }),
        report: () => ({ dbsimUrl, capture: capture!.status(), estimator: estimatorStatus() }),
        onError: (error, during) => logger.warn({ err: error, during }, "scheduler supervisor: a round failed; it tries again in a second"),
        onSchedulerChange: (on, reason) => logger.info({ url: dbsimUrl, owner, reason }, on ? "scheduler on" : "scheduler off"),
      });
      supervisor.start();
    },
    async stop() {
      running = false;
      if (refitTimer) clock.clearTimeout(refitTimer);
      await supervisor?.stop();
      supervisor = undefined;
      await capture?.stop();
      await server?.stop();
      server = undefined;
    },
  };

  const metrics: MetricReader = {
    names: () => METRIC_NAMES,
    read(name) {
      const match = /^dbsim\.(cpu|io|memory)\.(max|avg|min)$/.exec(name);
      if (!match) return undefined;
      const resource = match[1] as "cpu" | "io" | "memory";
      const statistic = match[2] === "avg" ? "average" : (match[2] as "max" | "min");
      if (latest) return latest[resource][statistic];
      const row = queries.latestSecond();
      if (!row) return undefined;
      return row[`${resource}${statistic === "average" ? "Average" : statistic === "max" ? "Max" : "Min"}`];
    },
  };

  const services: SchedulingServices = { metrics, queries, now: () => wallClock.now(), useCases };
  return { engine, console: services };
}

/** Adds the scheduling demo rows on first start (demo mode): the scheduler starts off, so the spikes show. */
export function seedSchedulingDemo(dependencies: EngineDependencies): void {
  const { db, clock } = dependencies;
  const wallClock = new SystemClock();
  const store = new SqliteCaptureStore(db);
  new SchedulingUseCases({ switches: new SqliteSchedulerSwitchStore(db, clock), statuses: new SqliteEngineStatusStore(db), clock, wallClock, captureCursor: () => store.cursor() }).seedSchedulerSwitch(systemActor("demo-seed"));
}
