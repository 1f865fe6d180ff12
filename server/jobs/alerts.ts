/**
 * Wires the alerts engine (server/alerts) to its adapters for the runner and the tRPC routers: the SQLite
 * stores, the sources (alerts-server over HTTP when ALERTS_SERVER_URL is set, the simulated database's metrics,
 * the in-process simulated values), the outbox relay onto the event bus, the lease, and the console. The engine
 * runs in one process at a time under its lease (server/alerts/engine-runner.ts).
 */
import { SqliteLeaseStore } from "@/db/lease";
import { systemActor } from "@/server/core/audit";
import { SystemClock, type Clock } from "@/server/core/clock";
import type { MetricReader } from "@/server/core/metrics";
import { AlertsServerClient } from "@/server/alerts/adapters/alerts-server-client";
import { createSqliteAlertStores } from "@/server/alerts/adapters/sqlite-alert-stores";
import { createAlertsConsole, type AlertsConsole } from "@/server/alerts/console";
import { AlertEngine } from "@/server/alerts/engine";
import { AlertsEngineRunner } from "@/server/alerts/engine-runner";
import { OutboxRelay } from "@/server/alerts/outbox-relay";
import { ruleInputSchema, type RuleInput } from "@/server/alerts/rule";
import { createAlertSources, notifierByRule } from "@/server/alerts/sources";
import { AlertsUseCases } from "@/server/alerts/use-cases";
import type { EngineDependencies, EngineModule } from "./engine";
import { DEMO_SERVICES, DEMO_USERS } from "./demo-ids";

export type AlertsModuleOptions = {
  /** The clock of the engine's lease: wall time (the default), which every process shares; tests pass a manual one. */
  leaseClock?: Clock;
};

export function createAlertsModule(
  dependencies: EngineDependencies,
  sources: { dbsimMetrics: MetricReader },
  options: AlertsModuleOptions = {},
): EngineModule<AlertsConsole> {
  const { config, db, clock, random, bus } = dependencies;
  const logger = dependencies.logger.child({ engine: "alerts" });
  const stores = createSqliteAlertStores(db, clock);
  const alertsServer = config.ALERTS_SERVER_URL
    ? {
        url: config.ALERTS_SERVER_URL,
        server: new AlertsServerClient({
          baseUrl: config.ALERTS_SERVER_URL,
          timeoutMs: config.ALERTS_HTTP_TIMEOUT_MS,
          connections: config.ALERTS_MAX_IN_FLIGHT,
          maxResponseBytes: config.ALERTS_MAX_RESPONSE_BYTES,
        }),
      }
    : null;
  const client = alertsServer?.server ?? null;
  const relay = new OutboxRelay({ store: stores.outbox, bus, clock, random, logger });
  const engine = new AlertEngine({
    clock,
    random,
    logger,
    store: stores.engine,
    sources: createAlertSources({ alertsServer: client, dbsimMetrics: sources.dbsimMetrics, clock, random }),
    notifierFor: notifierByRule(client),
    maxInFlight: config.ALERTS_MAX_IN_FLIGHT,
    onCommitted: () => relay.kick(),
  });
  const useCases = new AlertsUseCases({
    rules: stores.rules,
    reads: stores.queries,
    logger,
    onRulesChanged: () => engine.refresh(),
    alertsServerConfigured: client !== null,
  });
  const runner = new AlertsEngineRunner({
    engine,
    relay,
    leases: new SqliteLeaseStore(db),
    leaseClock: options.leaseClock ?? new SystemClock(),
    clock,
    random,
    logger,
    alertsServer,
    useCases,
  });
  return {
    engine: { name: "alerts", start: () => runner.start(), stop: () => runner.stop(), status: () => runner.status() },
    console: createAlertsConsole({
      useCases,
      reads: stores.queries,
      engine,
      engineHolder: () => runner.holder(),
      dbsimMetrics: sources.dbsimMetrics,
      alertsServerUrl: alertsServer?.url ?? null,
    }),
  };
}

const demoSubscribers = [DEMO_USERS.admin.id, DEMO_USERS.responder.id, DEMO_USERS.viewer.id];

/**
 * Demo rules: simulated ones change state within a few minutes of start, one watches the simulated database's
 * CPU. Each waits out a `for` and a `keep firing for`, as a team would set them, so a flapping value opens one
 * incident, not one every few seconds.
 */
export const DEMO_ALERT_RULES: RuleInput[] = [
  {
    name: "checkout-latency-p99",
    sourceKind: "simulated",
    query: "sine?min=40&max=260&period=600",
    unit: "ms",
    intervalSecs: 5,
    repeatIntervalSecs: 300,
    forSecs: 20,
    keepFiringForSecs: 60,
    warn: { value: 150, message: "Checkout p99 latency above 150 ms" },
    critical: { value: 220, message: "Checkout p99 latency above 220 ms" },
    serviceId: DEMO_SERVICES.checkout,
    subscriberUserIds: demoSubscribers,
  },
  {
    name: "search-error-rate",
    sourceKind: "simulated",
    query: "script?values=1,2,6,12,7,2&step=60",
    unit: "%",
    intervalSecs: 5,
    repeatIntervalSecs: 120,
    forSecs: 20,
    keepFiringForSecs: 60,
    warn: { value: 5, message: "Search errors above 5%" },
    critical: { value: 10, message: "Search errors above 10%" },
    serviceId: DEMO_SERVICES.search,
    subscriberUserIds: [DEMO_USERS.responder.id],
  },
  {
    name: "queue-depth",
    sourceKind: "simulated",
    query: "random-walk?start=40&step=12&min=0&max=160",
    unit: "count",
    intervalSecs: 2,
    repeatIntervalSecs: 300,
    forSecs: 10,
    keepFiringForSecs: 30,
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
    forSecs: 30,
    keepFiringForSecs: 120,
    warn: { value: 220, message: "Database CPU peak above 220" },
    critical: { value: 300, message: "Database CPU peak above 300" },
    serviceId: DEMO_SERVICES.database,
    subscriberUserIds: demoSubscribers,
  },
];

/** Adds the alerts demo rows on first start (demo mode); rules that exist by name are left alone. */
export function seedAlertsDemo(dependencies: EngineDependencies): void {
  const store = createSqliteAlertStores(dependencies.db, dependencies.clock).rules;
  const actor = systemActor("demo-seed");
  for (const input of DEMO_ALERT_RULES) {
    if (!store.findRuleByName(input.name!)) store.createRule(ruleInputSchema.parse(input), "console", actor);
  }
}
