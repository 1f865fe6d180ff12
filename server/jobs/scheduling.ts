/**
 * Wires the scheduling engine (server/scheduling/engine.ts) to its adapters for the runner, and its console
 * (server/scheduling/console.ts) for the tRPC router: the simulated database server it may start (on DBSIM_PORT
 * when DBSIM_URL is unset, with its durable event log next to the console's database), the HTTP event feed and
 * database API, the SQLite capture store, read model, switch, lease and status stores. Besides the console, the
 * module hands the runtime the `dbsim.*` metrics the alert engine reads.
 */
import path from "node:path";
import { systemActor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import type { MetricReader } from "@/server/core/metrics";
import { startDbsimServer } from "@/server/scheduling/dbsim/adapters/http-server";
import { SqliteEventLog } from "@/server/scheduling/dbsim/adapters/sqlite-event-log";
import { startDbsimProcess } from "@/server/scheduling/dbsim/adapters/dbsim-process";
import { HttpEventFeed } from "@/server/scheduling/capture/adapters/http-event-feed";
import { SqliteCaptureStore } from "@/server/scheduling/capture/adapters/sqlite-capture-store";
import { CaptureQueries } from "@/server/scheduling/capture/adapters/capture-queries";
import { HttpDatabaseApi } from "@/server/scheduling/scheduler/adapters/http-database-api";
import { SchedulerProcess } from "@/server/scheduling/adapters/scheduler-process";
import {
  SqliteEngineStatusStore,
  SqliteSchedulerSwitchStore,
} from "@/server/scheduling/adapters/sqlite-scheduler-control";
import { createSchedulingConsole, type SchedulingConsole } from "@/server/scheduling/console";
import { createSchedulingEngine } from "@/server/scheduling/engine";
import { SchedulingUseCases } from "@/server/scheduling/use-cases";
import { SqliteLeaseStore } from "@/db/lease";
import type { EngineDependencies, EngineModule } from "./engine";

export type SchedulingModule = EngineModule<SchedulingConsole> & {
  /** The simulated database's latest per-second resources (`dbsim.cpu.max`, …), for the alert engine; not part of the console. */
  metrics: MetricReader;
};

export function createSchedulingModule(dependencies: EngineDependencies): SchedulingModule {
  const { config, db, clock, random } = dependencies;
  const logger = dependencies.logger.child({ module: "scheduling" });
  const store = new SqliteCaptureStore(db);
  const queries = new CaptureQueries(db);
  // Wall time drives the simulated database even under the browser tests' movable clock, and everything compared
  // with its timestamps (stored history, leases, status reports shared across processes) uses it too.
  const wallClock = new SystemClock();
  const switches = new SqliteSchedulerSwitchStore(db, clock);
  const statuses = new SqliteEngineStatusStore(db);
  const logFile = path.join(path.dirname(path.resolve(config.DATABASE_PATH)), "dbsim-events.db");
  const startInProcessDbsim = async () => {
    const server = await startDbsimServer({
      clock: wallClock,
      port: config.DBSIM_PORT,
      parameters: { seed: config.DBSIM_SEED },
      log: new SqliteEventLog(logFile),
      logger,
    });
    return { url: server.url, logId: server.log.logId, stop: () => server.stop() };
  };
  const scheduling = createSchedulingEngine({
    dbsimUrl: config.DBSIM_URL,
    dbsimPort: config.DBSIM_PORT,
    startDatabaseServer: async () =>
      // In a process of its own by default, so that its ticks keep time whatever the web tier does.
      config.SCHEDULER_HOST === "process"
        ? startDbsimProcess({
            entry: path.join(process.cwd(), "server", "jobs", "dbsim.ts"),
            cwd: process.cwd(),
            port: config.DBSIM_PORT,
            seed: config.DBSIM_SEED,
            logFile,
            logger,
          })
        : startInProcessDbsim(),
    eventFeed: (url) => new HttpEventFeed(url),
    databaseApi: (baseUrl) => new HttpDatabaseApi({ baseUrl, clock: wallClock }),
    captureStore: store,
    history: queries,
    switches,
    leases: new SqliteLeaseStore(db),
    statuses,
    clock,
    wallClock,
    random,
    logger,
    maxAddedDelayMs: config.SCHEDULER_MAX_DELAY_SECONDS * 1000,
    minHistorySeconds: config.SCHEDULER_MIN_HISTORY_SECONDS,
    // Off the web tier's event loop by default: page renders, GC and the other engines cannot make it late.
    ...(config.SCHEDULER_HOST === "process"
      ? {
          schedulerHost: ({ settings, estimates }) =>
            new SchedulerProcess({
              entry: path.join(process.cwd(), "server", "jobs", "scheduler-host.ts"),
              cwd: process.cwd(),
              settings,
              estimates,
              logger: logger.child({ component: "scheduler-process" }),
            }),
        }
      : {}),
  });
  // This process's engine (if it runs one) follows the switch at once; engines elsewhere on their next poll.
  const useCases = new SchedulingUseCases({
    switches,
    statuses,
    clock,
    wallClock,
    captureCursor: () => store.cursor(),
    onSwitched: () => scheduling.followSwitch(),
  });
  return {
    engine: scheduling.engine,
    console: createSchedulingConsole({ readModel: queries, useCases, wallClock }),
    metrics: scheduling.metrics,
  };
}

/** Adds the scheduling demo rows on first start (demo mode): the scheduler starts off, so the spikes show. */
export function seedSchedulingDemo(dependencies: EngineDependencies): void {
  const { db, clock } = dependencies;
  const wallClock = new SystemClock();
  const store = new SqliteCaptureStore(db);
  new SchedulingUseCases({
    switches: new SqliteSchedulerSwitchStore(db, clock),
    statuses: new SqliteEngineStatusStore(db),
    clock,
    wallClock,
    captureCursor: () => store.cursor(),
  }).seedSchedulerSwitch(systemActor("demo-seed"));
}
