/**
 * The in-process value sources: "simulated" (scripted or random-walk values, for the demo, tests and the
 * benchmark) and "dbsim" (the simulated database's resource metrics, offered by the scheduling engine through
 * a MetricReader). The alerts-server source is an HTTP adapter (adapters/alerts-server-client.ts); without
 * ALERTS_SERVER_URL its rules fail their query with an explanation. Also which notifier a rule has.
 */
import type { Clock } from "@/server/core/clock";
import type { MetricReader } from "@/server/core/metrics";
import type { RandomSource } from "@/server/core/random";
import { AlertIoError, type AlertNotifier, type AlertSources, type AlertsServer, type AlertValueSource } from "./ports";
import type { AlertRule } from "./rule";
import { SimulatedValues } from "./simulated-values";

export class SimulatedSource implements AlertValueSource {
  private readonly values: SimulatedValues;

  constructor(
    private readonly clock: Clock,
    random: RandomSource,
    /** When scripts begin; 0 (the epoch) makes a script's position depend on the wall time only. */
    originMs = 0,
  ) {
    this.values = new SimulatedValues(random, originMs);
  }

  async query(rule: AlertRule): Promise<number> {
    try {
      return this.values.valueOf(rule.query, this.clock.now());
    } catch (error) {
      throw new AlertIoError(error instanceof Error ? error.message : String(error), false);
    }
  }
}

export class DbsimSource implements AlertValueSource {
  constructor(private readonly metrics: MetricReader) {}

  async query(rule: AlertRule): Promise<number> {
    const value = this.metrics.read(rule.query);
    if (value === undefined) {
      const known = this.metrics.names();
      throw new AlertIoError(
        `no value for dbsim metric "${rule.query}" yet${known.length ? ` (known: ${known.slice(0, 8).join(", ")}${known.length > 8 ? ", …" : ""})` : "; is the scheduling engine running?"}`,
        false,
      );
    }
    return value;
  }
}

/** When no ALERTS_SERVER_URL is set, rules on that source fail their query with this explanation. */
export const unconfiguredAlertsServer: AlertValueSource = {
  async query(rule) {
    throw new AlertIoError(
      `alert "${rule.name}" uses the alerts-server source but ALERTS_SERVER_URL is not set`,
      false,
    );
  },
};

/** The engine's sources: the alerts-server (or the explanation above), the simulated database's metrics, the simulated values. */
export function createAlertSources(options: {
  alertsServer: AlertsServer | null;
  dbsimMetrics: MetricReader;
  clock: Clock;
  random: RandomSource;
}): AlertSources {
  return {
    "alerts-server": options.alertsServer ?? unconfiguredAlertsServer,
    dbsim: new DbsimSource(options.dbsimMetrics),
    simulated: new SimulatedSource(options.clock, options.random),
  };
}

/**
 * Rules of the alerts-server are notified there (compatible mode); every rule's state change also goes on the
 * event bus through the outbox, which is how the pager and the digests hear of it (the only delivery of the others).
 */
export function notifierByRule(alertsServer: AlertNotifier | null): (rule: AlertRule) => AlertNotifier | null {
  return (rule) => (rule.sourceKind === "alerts-server" ? alertsServer : null);
}
