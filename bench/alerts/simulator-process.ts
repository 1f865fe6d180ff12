/** The simulator as a child process for the HTTP benchmark, so that it does not share the engine's event loop. */
import { AlertsSimulator } from "@/server/alerts/adapters/alerts-simulator";

async function main() {
  const simulator = new AlertsSimulator({ port: 0, alerts: [], failureRate: 0, latencyMs: 0, seed: 1 });
  const { url } = await simulator.start();
  process.send?.({ url });
  process.on("message", (message) => {
    if (message === "requests") process.send?.({ requests: simulator.requests });
    if (message === "stop") void simulator.stop().then(() => process.exit(0));
  });
}

void main();
