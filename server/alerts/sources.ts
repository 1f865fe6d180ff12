/**
 * The in-process value sources: "simulated" (scripted or random-walk values, for the demo, tests and the
 * benchmark) and "dbsim" (the simulated database's resource metrics, offered by the scheduling engine through
 * a MetricReader). The alerts-server source is an HTTP adapter (adapters/alerts-server-client.ts).
 */
import type { Clock } from "@/server/core/clock";
import type { MetricReader } from "@/server/core/metrics";
import type { RandomSource } from "@/server/core/random";
import { AlertIoError, type AlertValueSource } from "./ports";
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
