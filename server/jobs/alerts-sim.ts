/**
 * `npm run alerts-sim`: a simulator of the alerts-server API on 127.0.0.1:ALERTS_SIM_PORT (default 9001).
 *
 *   npm run alerts-sim -- [--port 9001] [--alerts alerts.json | --count 5 | --scripted]
 *                         [--failure-rate 0.01] [--latency-ms 0] [--seed 1]
 *   npm run alerts-sim -- validate [--url http://127.0.0.1:9001] [--alerts alerts.json | --scripted]
 *
 * --alerts serves the alerts in a JSON file (the /alerts shape; a query may be a script such as
 * "script?values=50,150,250&step=10"); --count serves N random-walk alerts; --scripted serves a built-in
 * scripted set. `validate` fetches the simulator's record (GET /_sim/calls) and compares it with the scripts.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLogger } from "@/server/core/logger";
import {
  AlertsSimulator,
  defaultSimulatorAlerts,
  type SimulatorAlert,
} from "@/server/alerts/adapters/alerts-simulator";
import { validateCalls, type RecordedCall } from "@/server/alerts/validator";

/** A scripted set whose expected calls the validator knows: warn, critical, re-notify, resolve, flapping. */
export const SCRIPTED_ALERTS: SimulatorAlert[] = [
  {
    name: "scripted-rising",
    query: "script?values=50,150,250,250,250,250,50&step=20",
    intervalSecs: 5,
    repeatIntervalSecs: 60,
    warn: { value: 100, message: "scripted-rising-warning" },
    critical: { value: 200, message: "scripted-rising-critical" },
  },
  {
    name: "scripted-flapping",
    query: "script?values=250,50,150,50&step=30",
    intervalSecs: 5,
    repeatIntervalSecs: 300,
    warn: { value: 100, message: "scripted-flapping-warning" },
    critical: { value: 200, message: "scripted-flapping-critical" },
  },
  {
    name: "scripted-steady-critical",
    query: "constant?value=500",
    intervalSecs: 10,
    repeatIntervalSecs: 60,
    warn: { value: 100, message: "scripted-steady-warning" },
    critical: { value: 200, message: "scripted-steady-critical" },
  },
];

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    process.stderr.write(`--${name} expects a number (got "${value}")\n`);
    process.exit(2);
  }
  return parsed;
}

function loadAlerts(values: { alerts?: string; count?: string; scripted?: boolean }): SimulatorAlert[] {
  if (values.alerts) {
    try {
      return JSON.parse(readFileSync(values.alerts, "utf8")) as SimulatorAlert[];
    } catch (error) {
      process.stderr.write(
        `could not read --alerts ${values.alerts}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(2);
    }
  }
  if (values.scripted) return SCRIPTED_ALERTS;
  return defaultSimulatorAlerts(number(values.count, "count", 5));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: "string" },
      alerts: { type: "string" },
      count: { type: "string" },
      scripted: { type: "boolean" },
      "failure-rate": { type: "string" },
      "latency-ms": { type: "string" },
      seed: { type: "string" },
      url: { type: "string" },
    },
  });
  const alerts = loadAlerts(values);
  const port = number(values.port ?? process.env.ALERTS_SIM_PORT, "port", 9001);

  if (positionals[0] === "validate") {
    const url = values.url ?? `http://127.0.0.1:${port}`;
    const response = await fetch(`${url}/_sim/calls`);
    const record = (await response.json()) as { startedAtMs: number; calls: RecordedCall[] };
    const report = validateCalls({ alerts, calls: record.calls, originMs: record.startedAtMs, endMs: Date.now() });
    process.stdout.write(
      `${JSON.stringify({ ok: report.ok, calls: record.calls.length, problems: report.problems, unscripted: report.unscripted }, null, 2)}\n`,
    );
    process.exit(report.ok ? 0 : 1);
  }

  const logger = createLogger("alerts-sim");
  const simulator = new AlertsSimulator({
    port,
    alerts,
    failureRate: number(values["failure-rate"], "failure-rate", 0.01),
    latencyMs: number(values["latency-ms"], "latency-ms", 0),
    seed: number(values.seed, "seed", 1),
    logger,
  });
  const { url } = await simulator.start();
  logger.info(
    {
      url,
      alerts: alerts.map((alert) => alert.name),
      failureRate: values["failure-rate"] ?? 0.01,
      latencyMs: values["latency-ms"] ?? 0,
    },
    "alerts-server simulator listening",
  );
  const stop = () => void simulator.stop().finally(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
