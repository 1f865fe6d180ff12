/**
 * `npm run dbsim`: the simulated database server on its own (port DBSIM_PORT, seed DBSIM_SEED), with its
 * durable event log in data/dbsim-events.db. Options: --log-file <path>, --memory (no file: a restart loses the
 * state), --arrival-scale <n> (4 or 8 for the heavier presets), --templates <n>, --tick-rate <hz>,
 * --default-delay <ticks>.
 */
import { parseArgs } from "node:util";
import { SystemClock } from "@/server/core/clock";
import { getConfig } from "@/server/core/config";
import { createLogger } from "@/server/core/logger";
import { DbsimServer } from "@/server/scheduling/dbsim/adapters/http-server";
import { SqliteEventLog } from "@/server/scheduling/dbsim/adapters/sqlite-event-log";

const logger = createLogger("dbsim");

function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    console.error(`--${name}: expected a number (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const config = getConfig();
  const { values } = parseArgs({
    options: {
      "log-file": { type: "string", default: "data/dbsim-events.db" },
      memory: { type: "boolean", default: false },
      "arrival-scale": { type: "string" },
      templates: { type: "string" },
      "tick-rate": { type: "string" },
      "default-delay": { type: "string" },
    },
  });
  const parameters = Object.fromEntries(
    Object.entries({
      seed: config.DBSIM_SEED,
      arrivalScale: numberOption("arrival-scale", values["arrival-scale"]),
      templateCount: numberOption("templates", values.templates),
      tickRateHz: numberOption("tick-rate", values["tick-rate"]),
      defaultDelayTicks: numberOption("default-delay", values["default-delay"]),
    }).filter(([, value]) => value !== undefined),
  );
  const server = new DbsimServer({
    clock: new SystemClock(),
    parameters,
    log: values.memory ? undefined : new SqliteEventLog(values["log-file"]!),
    port: config.DBSIM_PORT,
    logger,
  });
  await server.start();
  logger.info(
    {
      url: server.url,
      logId: server.log.logId,
      firstTick: server.simulation.currentTick,
      parameters: server.simulation.parameters,
    },
    "dbsim listening",
  );
  const shutdown = () => void server.stop().finally(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  // Started by the console (server/scheduling/dbsim/adapters/dbsim-process.ts): go when it goes.
  if (process.send) process.once("disconnect", shutdown);
}

main().catch((error: unknown) => {
  logger.error({ err: error }, "dbsim failed to start");
  process.exit(1);
});
