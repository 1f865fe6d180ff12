/**
 * The scheduler's own process (started by the scheduling engine, server/scheduling/adapters/scheduler-process.ts):
 * the real-time loop against the database server runs here, off the web tier's event loop, so that page renders,
 * garbage collection and the other engines cannot make it late. The engine sends the settings and the cost
 * estimates and switches it on and off; this process sends its status back every second. When the engine's
 * process goes away (the IPC channel closes), this one stops at once: what it held runs within the bound.
 */
import { SystemClock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import type { CostVector } from "@/server/scheduling/estimation/types";
import { HttpDatabaseApi } from "@/server/scheduling/scheduler/adapters/http-database-api";
import type { FromHost, HostEstimates, ToHost } from "@/server/scheduling/scheduler/host-protocol";
import { Scheduler } from "@/server/scheduling/scheduler/scheduler";

const logger = createLogger("scheduler-host");
const clock = new SystemClock();
let costs = new Map<string, CostVector>();
let historySeconds = 0;
let scheduler: Scheduler | undefined;
let statusTimer: NodeJS.Timeout | undefined;

function send(message: FromHost): void {
  if (process.connected) process.send?.(message);
}

function takeEstimates(estimates: HostEstimates): void {
  costs = new Map(estimates.costs);
  historySeconds = estimates.historySeconds;
}

async function handle(message: ToHost): Promise<void> {
  switch (message.type) {
    case "start": {
      if (scheduler) return;
      takeEstimates(message.estimates);
      const { dbsimUrl, maxAddedDelayMs, minHistorySeconds } = message.settings;
      scheduler = new Scheduler({
        api: new HttpDatabaseApi({ baseUrl: dbsimUrl, clock }),
        costs: { cost: (templateId) => costs.get(templateId) },
        clock,
        maxAddedDelayMs,
        historySeconds: () => historySeconds,
        guard: { minHistorySeconds },
        onError: (error) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }),
        onModeChange: (mode, reason) => {
          if (mode === "active") logger.info({ url: dbsimUrl }, "scheduler caught up: adding delay again");
          else logger.warn({ url: dbsimUrl, reason }, `scheduler standing aside: ${reason}`);
          send({ type: "mode", mode, reason });
        },
      });
      scheduler.start();
      statusTimer = setInterval(() => scheduler && send({ type: "status", status: scheduler.status() }), 1000);
      return;
    }
    case "estimates":
      takeEstimates(message.estimates);
      return;
    case "set-enabled":
      await scheduler?.setEnabled(message.on);
      send({ type: "done", id: message.id });
      return;
    case "stop":
      if (statusTimer) clearInterval(statusTimer);
      await scheduler?.stop();
      if (scheduler) send({ type: "status", status: scheduler.status() });
      scheduler = undefined;
      send({ type: "done", id: message.id });
      return;
  }
}

process.on("message", (message: ToHost) => {
  handle(message).catch((error: unknown) => {
    logger.error({ err: error, message: message.type }, "scheduler host: a request failed");
    send({ type: "error", message: error instanceof Error ? error.message : String(error) });
    if ("id" in message) send({ type: "done", id: message.id });
  });
});
// The engine's process is gone (or let go of this one): stop delaying; parked queries run within the bound.
process.on("disconnect", () => process.exit(0));
