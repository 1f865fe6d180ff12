/**
 * Wires the alerts engine (server/alerts) to its adapters for the runner and the tRPC routers: the SQLite
 * store, the sources (alerts-server over HTTP when ALERTS_SERVER_URL is set, the simulated database's metrics,
 * the in-process simulated values), the outbox relay onto the event bus, and the console's use cases.
 * The engine and its relay run in one process at a time, under the `alerts-engine` lease: every process that
 * runs the alerts engine (WATCHPOST_ENGINES) stands by, and one takes over within the lease's 10 s once the
 * holder stops or dies. Two engines on the same rules would each notify.
 */
import { SqliteLeaseStore } from "@/db/lease";
import { systemActor } from "@/server/core/audit";
import { SystemClock, type Clock } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import { LeasedWork } from "@/server/core/lease";
import type { MetricReader } from "@/server/core/metrics";
import { retryWithBackoff } from "@/server/core/retry";
import { AlertsServerClient } from "@/server/alerts/adapters/alerts-server-client";
import { SqliteAlertStore } from "@/server/alerts/adapters/sqlite-alert-store";
import { AlertsService } from "@/server/alerts/alerts-service";
import { AlertEngine } from "@/server/alerts/engine";
import { OutboxRelay } from "@/server/alerts/outbox-relay";
import { AlertIoError, type AlertSources, type AlertValueSource } from "@/server/alerts/ports";
import { ruleInputSchema, type RuleInput } from "@/server/alerts/rule";
import { DbsimSource, SimulatedSource } from "@/server/alerts/sources";
import type { EngineDependencies, EngineModule } from "./engine";
import { DEMO_SERVICES, DEMO_USERS } from "./demo-ids";

export interface AlertsServices {
  rules: AlertsService;
  store: SqliteAlertStore;
  /** The engine of this process (live counters); it only runs where WATCHPOST_ENGINES includes alerts, and there only while this process holds the lease. */
  engine: AlertEngine;
  /** The process holding the alerts engine's lease now, if any. */
  engineHolder: () => { owner: string; sinceMs: number; untilMs: number } | undefined;
  /** The dbsim metric names, for the rule form's picker. */
  dbsimMetricNames: () => string[];
  alertsServerUrl: string | null;
}

/** The lease under which one process runs the alerts engine. */
export const ALERTS_ENGINE_LEASE = "alerts-engine";

/** When no ALERTS_SERVER_URL is set, rules on that source fail their query with this explanation. */
const unconfiguredAlertsServer: AlertValueSource = {
  async query(rule) {
    throw new AlertIoError(`alert "${rule.name}" uses the alerts-server source but ALERTS_SERVER_URL is not set`, false);
  },
};

export type AlertsModuleOptions = {
  /** The clock of the engine's lease: wall time (the default), which every process shares; tests pass a manual one. */
  leaseClock?: Clock;
};

export function createAlertsModule(dependencies: EngineDependencies, sources: { dbsimMetrics: MetricReader }, options: AlertsModuleOptions = {}): EngineModule<AlertsServices> {
  const { config, db, clock, random, bus } = dependencies;
  const logger = dependencies.logger.child({ engine: "alerts" });
  const store = new SqliteAlertStore(db, clock);
  const client = config.ALERTS_SERVER_URL
    ? new AlertsServerClient({ baseUrl: config.ALERTS_SERVER_URL, timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS, connections: config.ALERTS_MAX_IN_FLIGHT, maxResponseBytes: config.ALERTS_MAX_RESPONSE_BYTES })
    : null;
  const valueSources: AlertSources = {
    "alerts-server": client ?? unconfiguredAlertsServer,
    dbsim: new DbsimSource(sources.dbsimMetrics),
    simulated: new SimulatedSource(clock, random),
  };
  const relay = new OutboxRelay({ store, bus, clock, random, logger });
  const engine = new AlertEngine({
    clock,
    random,
    logger,
    store,
    sources: valueSources,
    // Rules of the alerts-server are notified there (compatible mode); every rule's state change also goes on
    // the event bus through the outbox, which is how the pager and the digests hear of it.
    notifierFor: (rule) => (rule.sourceKind === "alerts-server" ? client : null),
    maxInFlight: config.ALERTS_MAX_IN_FLIGHT,
    onCommitted: () => relay.kick(),
  });
  const rules = new AlertsService({ store, logger, onRulesChanged: () => engine.refresh(), alertsServerConfigured: client !== null });
  let loadTimer: ReturnType<typeof clock.setTimeout> | null = null;
  let stopped = false;

  /** Loads /alerts once at start (the original server never changes them); retried every 30 s until it works. */
  const loadServerAlerts = async () => {
    if (!client || stopped) return;
    try {
      const body = await retryWithBackoff(() => client.listAlerts(), { clock, random, maxAttempts: 5 });
      const summary = rules.importServerAlerts(body, systemActor("alerts-server-import"));
      logger.info({ url: config.ALERTS_SERVER_URL, ...summary }, "loaded alerts from the alerts-server");
    } catch (error) {
      logger.error({ url: config.ALERTS_SERVER_URL, err: error }, "could not load /alerts from the alerts-server; trying again in 30 s");
      if (!stopped) loadTimer = clock.setTimeout(() => void loadServerAlerts(), 30_000);
    }
  };

  const leases = new SqliteLeaseStore(db);
  const owner = createId("eng");
  // Lease expiries are compared across processes: wall time, even under the browser tests' movable clock.
  const leaseClock = options.leaseClock ?? new SystemClock();
  const leased = new LeasedWork({
    key: ALERTS_ENGINE_LEASE,
    owner,
    leases,
    clock: leaseClock,
    start: async () => {
      stopped = false;
      await loadServerAlerts();
      relay.start();
      engine.start();
    },
    stop: async () => {
      stopped = true;
      if (loadTimer) clock.clearTimeout(loadTimer);
      loadTimer = null;
      try {
        await engine.stop();
      } finally {
        await relay.stop();
      }
    },
    onError: (error, during) => logger.error({ err: error, owner }, `alerts engine lease: ${during} failed`),
    onChange: (holding, change) =>
      logger.info({ owner, change }, holding ? "this process runs the alerts engine (lease acquired)" : `alerts engine stopped here (${change === "lost" ? "lease lost to another process" : change === "stopped" ? "process stopping" : "it could not start; the lease is given back"})`),
  });

  return {
    engine: {
      name: "alerts",
      start: async () => {
        await leased.start();
        if (!leased.isHolding()) logger.info({ owner, holder: leases.holder(ALERTS_ENGINE_LEASE)?.owner }, "another process runs the alerts engine; this one stands by and takes over if that one stops");
      },
      stop: async () => {
        await leased.stop();
        await client?.close();
      },
    },
    console: {
      rules,
      store,
      engine,
      engineHolder: () => {
        const holder = leases.holder(ALERTS_ENGINE_LEASE);
        return holder && holder.expiresAt > leaseClock.now() ? { owner: holder.owner, sinceMs: holder.acquiredAt, untilMs: holder.expiresAt } : undefined;
      },
      dbsimMetricNames: () => sources.dbsimMetrics.names(),
      alertsServerUrl: config.ALERTS_SERVER_URL ?? null,
    },
  };
}

const demoSubscribers = [DEMO_USERS.admin.id, DEMO_USERS.responder.id, DEMO_USERS.viewer.id];

/** Demo rules: simulated ones change state within a minute of start; one watches the simulated database's CPU. */
export const DEMO_ALERT_RULES: RuleInput[] = [
  {
    name: "checkout-latency-p99",
    sourceKind: "simulated",
    query: "sine?min=40&max=260&period=120",
    intervalSecs: 5,
    repeatIntervalSecs: 300,
    warn: { value: 150, message: "Checkout p99 latency above 150 ms" },
    critical: { value: 220, message: "Checkout p99 latency above 220 ms" },
    serviceId: DEMO_SERVICES.checkout,
    subscriberUserIds: demoSubscribers,
  },
  {
    name: "search-error-rate",
    sourceKind: "simulated",
    query: "script?values=1,2,6,12,7,2&step=20",
    intervalSecs: 5,
    repeatIntervalSecs: 120,
    warn: { value: 5, message: "Search errors above 5%" },
    critical: { value: 10, message: "Search errors above 10%" },
    serviceId: DEMO_SERVICES.search,
    subscriberUserIds: [DEMO_USERS.responder.id],
  },
  {
    name: "queue-depth",
    sourceKind: "simulated",
    query: "random-walk?start=40&step=12&min=0&max=160",
    intervalSecs: 2,
    repeatIntervalSecs: 300,
    warn: { value: 80, message: "Queue depth above 80" },
    critical: { value: 120, message: "Queue depth above 120" },
    serviceId: null,
    subscriberUserIds: [DEMO_USERS.admin.id],
  },
  {
    name: "database-cpu-max",
    sourceKind: "dbsim",
    query: "dbsim.cpu.max",
    intervalSecs: 5,
    repeatIntervalSecs: 300,
    warn: { value: 220, message: "Database CPU peak above 220" },
    critical: { value: 300, message: "Database CPU peak above 300" },
    serviceId: DEMO_SERVICES.database,
    subscriberUserIds: demoSubscribers,
  },
];

/** Adds the alerts demo rows on first start (demo mode); rules that exist by name are left alone. */
export function seedAlertsDemo(dependencies: EngineDependencies): void {
  const store = new SqliteAlertStore(dependencies.db, dependencies.clock);
  const actor = systemActor("demo-seed");
  for (const input of DEMO_ALERT_RULES) {
    if (!store.findRuleByName(input.name!)) store.createRule(ruleInputSchema.parse(input), "console", actor);
  }
}
