/**
 * What every engine module gives the runner: its long-running part (`engine`, started and stopped here) and
 * the services the tRPC routers call (`services`). Each area has one module file beside this one
 * (alerts.ts, pager.ts, digest.ts, scheduling.ts) that wires the area's domain to its adapters.
 */
import type { Clock } from "@/server/core/clock";
import type { Config } from "@/server/core/config";
import type { EventBus } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import type { AppDatabase } from "@/db/client";

export interface Engine {
  readonly name: string;
  /** Starts background work. Must return once started, not when the work ends. */
  start(): Promise<void>;
  /** Stops taking new work, lets work in flight finish (or leaves it retryable), then returns. */
  stop(): Promise<void>;
}

export type EngineDependencies = {
  config: Config;
  db: AppDatabase;
  clock: Clock;
  random: RandomSource;
  bus: EventBus;
  logger: Logger;
};

export type EngineModule<Services> = { engine: Engine; services: Services };
