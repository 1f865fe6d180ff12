/**
 * The scheduling engine: what one engine process runs against one simulated database server.
 * - the database server: the one at `dbsimUrl`, else one it starts (startDatabaseServer); when that port is
 *   taken it uses the server already listening there;
 * - the capture client (Part 1) reading the server's event log into the console's database;
 * - the cost estimator, warmed from the last 30 minutes of stored history at start, fed from what the capture
 *   stores, refitted every 15 s (first after 5 s) with the estimates written back for the console;
 * - the scheduler (Part 2), run by the SchedulerSupervisor: it follows the switch and holds the server's lease
 *   while it schedules, and reports this engine's status (capture, scheduler, estimator);
 * - the `dbsim.*` metrics (the latest second's resources) the alert engine reads.
 * Adapters come in as ports and factories (server/jobs/scheduling.ts wires them), so this module imports none.
 */
import type { Clock, TimerHandle } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import type { LeaseStore } from "@/server/core/lease";
import type { Logger } from "@/server/core/logger";
import type { MetricReader } from "@/server/core/metrics";
import type { RandomSource } from "@/server/core/random";
import { CaptureClient, type CaptureStore } from "./capture/capture-client";
import type { EventFeed } from "./capture/feed";
import type { DbsimEvent, ResourcesEvent } from "./dbsim/event-log";
import { CostEstimatorService } from "./estimation/estimator-service";
import type { CapturedHistory } from "./ports";
import type { DatabaseApi } from "./scheduler/database-api";
import { Scheduler } from "./scheduler/scheduler";
import { SchedulerSupervisor, type SupervisedScheduler } from "./scheduler-supervisor";
import type { HostEstimates, HostSettings } from "./scheduler/host-protocol";
import type { CostVector } from "./estimation/types";
import type { EngineStatusStore, EstimatorStatus, SchedulerSwitchStore } from "./use-cases";
import { DEFAULT_FAILING_AFTER_MS, firstProblem, healthOf, type EngineHealth } from "@/server/core/failure-streak";

const DBSIM_METRIC_NAMES = ["cpu", "io", "memory"].flatMap((resource) =>
  ["max", "avg", "min"].map((statistic) => `dbsim.${resource}.${statistic}`),
);
const FIRST_REFIT_MS = 5_000;
const REFIT_INTERVAL_MS = 15_000;
const WARM_UP_HISTORY_MS = 30 * 60_000;

/** A database server the engine started in its own process; stopped with the engine. */
export interface StartedDatabaseServer {
  readonly url: string;
  /** Its event log's id (logged). */
  readonly logId: string;
  stop(): Promise<void>;
}

export type SchedulingEngineOptions = {
  /** An external database server (DBSIM_URL); unset: the engine starts one on `dbsimPort`. */
  dbsimUrl: string | undefined;
  /** Where startDatabaseServer listens (DBSIM_PORT); when it is taken, the server already there is used. */
  dbsimPort: number;
  /** Starts the simulated database on `dbsimPort`; rejects with the listen error (code EADDRINUSE when taken), having released what it opened. */
  startDatabaseServer: () => Promise<StartedDatabaseServer>;
  /** The capture's view of the server at a URL. */
  eventFeed: (url: string) => EventFeed;
  /** The scheduler's view of the server at a URL (a fresh one per scheduler). */
  databaseApi: (url: string) => DatabaseApi;
  captureStore: CaptureStore;
  history: CapturedHistory;
  switches: SchedulerSwitchStore;
  leases: LeaseStore;
  statuses: EngineStatusStore;
  /** The runtime's clock: the capture's polls and back-off, the refit timer and the estimates' stamp. */
  clock: Clock;
  /** Wall time: the stored seconds carry the server's wall time, and leases and status reports are compared across processes; the scheduler polls the server on it too. */
  wallClock: Clock;
  random: RandomSource;
  logger: Logger;
  /** The longest delay the scheduler adds (ms, default 5 s) and the history it waits for (s, default 120). */
  maxAddedDelayMs?: number;
  minHistorySeconds?: number;
  /**
   * Runs the scheduler elsewhere (its own process: adapters/scheduler-process.ts); without it, the scheduler
   * runs in this process on the wall clock.
   */
  schedulerHost?: (input: SchedulerHostInput) => SupervisedScheduler;
};

/** What a scheduler host needs from the engine: where the database is, the bounds, and the latest estimates. */
export type SchedulerHostInput = {
  settings: HostSettings;
  estimates: () => HostEstimates & { fittedAt: number | undefined };
};

export type SchedulingEngine = {
  /** Started and stopped by the runner. */
  engine: { readonly name: string; start(): Promise<void>; stop(): Promise<void> };
  /** The latest second's resources as `dbsim.<resource>.<max|avg|min>`. */
  metrics: MetricReader;
  /** After a switch written in this process: the supervisor follows at once rather than on its next poll (no-op when not running). */
  followSwitch(): void;
};

export function createSchedulingEngine(options: SchedulingEngineOptions): SchedulingEngine {
  const { captureStore: store, history, clock, wallClock, logger } = options;
  const estimator = new CostEstimatorService();
  const owner = createId("eng");
  let latest: ResourcesEvent | undefined;
  let url: string | undefined = options.dbsimUrl;
  let server: StartedDatabaseServer | undefined;
  let capture: CaptureClient | undefined;
  let supervisor: SchedulerSupervisor | undefined;
  let refitTimer: TimerHandle | undefined;
  let fittedAt: number | undefined;
  let running = false;
  let startedAt = 0;

  const onStored = (_logId: string, events: readonly DbsimEvent[]) => {
    const executions = [];
    for (const event of events) {
      if (event.type === "executed")
        executions.push({ templateId: event.templateId, executedTick: event.executedTick });
      else if (event.type === "resources") {
        if (executions.length > 0) estimator.recordExecutions(executions.splice(0));
        estimator.recordWindow({
          firstTick: event.firstTick,
          lastTick: event.lastTick,
          samples: event.lastTick - event.firstTick + 1,
          cpu: event.cpu,
          io: event.io,
          memory: event.memory,
        });
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
        history.saveEstimates(
          [...estimates.templates.values()].map((estimate) => ({
            templateId: estimate.templateId,
            cost: estimate.cost,
          })),
          fittedAt,
        );
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
    const recent = history.recentHistory(cursor.logId, wallClock.now() - WARM_UP_HISTORY_MS);
    estimator.recordExecutions(recent.executions);
    for (const row of recent.windows) {
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

  const maxAddedDelayMs = options.maxAddedDelayMs ?? 5_000;
  const minHistorySeconds = options.minHistorySeconds ?? 120;
  const hostEstimates = () => {
    const estimates = estimator.estimates();
    return {
      fittedAt,
      historySeconds: estimates?.windows ?? 0,
      costs: [...(estimates?.templates.values() ?? [])].map(
        (estimate) => [estimate.templateId, estimate.cost] as [string, CostVector],
      ),
    };
  };

  const estimatorStatus = (): EstimatorStatus => ({
    fittedAt,
    windows: estimator.estimates()?.windows ?? 0,
    templates: estimator.estimates()?.templates.size ?? 0,
  });

  /** The server at DBSIM_URL, else one started here, else (its port taken) the one already listening there. */
  const connect = async (): Promise<string> => {
    if (url) return url;
    try {
      server = await options.startDatabaseServer();
      url = server.url;
      logger.info({ url, logId: server.logId }, "simulated database started");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      url = `http://127.0.0.1:${options.dbsimPort}`;
      logger.warn({ url }, "DBSIM_PORT is taken: using the database server already listening there");
    }
    return url;
  };

  const engine = {
    name: "scheduling",
    async start() {
      running = true;
      startedAt = clock.now();
      const dbsimUrl = await connect();
      warmEstimator();
      capture = new CaptureClient({
        feed: options.eventFeed(dbsimUrl),
        store,
        clock,
        random: options.random,
        logger,
        onStored,
      });
      capture.start();
      refitTimer = clock.setTimeout(refit, FIRST_REFIT_MS);
      supervisor = new SchedulerSupervisor({
        owner,
        leaseKey: `scheduler:${dbsimUrl}`,
        switches: options.switches,
        leases: options.leases,
        statuses: options.statuses,
        clock: wallClock,
        createScheduler: () => {
          const settings: HostSettings = { dbsimUrl, maxAddedDelayMs, minHistorySeconds };
          if (options.schedulerHost) return options.schedulerHost({ settings, estimates: hostEstimates });
          return new Scheduler({
            // The scheduler reasons in the database's ticks, stamped with wall time: it polls on the wall clock too.
            api: options.databaseApi(dbsimUrl),
            costs: estimator,
            clock: wallClock,
            maxAddedDelayMs,
            historySeconds: () => estimator.estimates()?.windows ?? 0,
            guard: { minHistorySeconds },
            onError: (error) => logger.warn({ err: error }, "scheduler step failed; it retries on the next tick"),
            onModeChange: (mode, reason) =>
              mode === "active"
                ? logger.info({ url: dbsimUrl }, "scheduler caught up: adding delay again")
                : logger.warn({ url: dbsimUrl, reason }, `scheduler standing aside: ${reason}`),
          });
        },
        report: () => ({ dbsimUrl, capture: capture!.status(), estimator: estimatorStatus() }),
        onError: (error, during) =>
          logger.warn({ err: error, during }, "scheduler supervisor: a round failed; it tries again in a second"),
        onSchedulerChange: (on, reason) =>
          logger.info({ url: dbsimUrl, owner, reason }, on ? "scheduler on" : "scheduler off"),
      });
      supervisor.start();
    },
    /** Failing once the scheduler's lease store or the capture has failed for 30 s on end; else running. */
    status(): EngineHealth {
      const feed = capture?.status();
      const downForMs = feed?.state === "disconnected" ? clock.now() - (feed.lastSuccessAt ?? startedAt) : 0;
      const captureProblem =
        downForMs >= DEFAULT_FAILING_AFTER_MS
          ? `the capture has not read the database server at ${url} for ${Math.round(downForMs / 1000)} s (latest: ${feed?.lastError})`
          : null;
      return healthOf((supervisor ? firstProblem([supervisor.failures]) : null) ?? captureProblem);
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
    names: () => DBSIM_METRIC_NAMES,
    read(name) {
      const match = /^dbsim\.(cpu|io|memory)\.(max|avg|min)$/.exec(name);
      if (!match) return undefined;
      const resource = match[1] as "cpu" | "io" | "memory";
      const statistic = match[2] === "avg" ? "average" : (match[2] as "max" | "min");
      if (latest) return latest[resource][statistic];
      const row = history.latestSecond();
      if (!row) return undefined;
      return row[`${resource}${statistic === "average" ? "Average" : statistic === "max" ? "Max" : "Min"}`];
    },
  };

  return { engine, metrics, followSwitch: () => void supervisor?.poll() };
}
