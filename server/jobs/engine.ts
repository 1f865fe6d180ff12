/**
 * What every engine module gives the runner: its long-running part (`engine`, started and stopped by the
 * runner) and its console (`console`: exactly what the tRPC routers and HTTP routes may call, declared in
 * server/<area>/console.ts). Each area has one module file beside this one (alerts.ts, pager.ts, digests.ts,
 * scheduling.ts) that only wires the area's domain to its adapters.
 */
import type { Clock } from "@/server/core/clock";
import type { Config } from "@/server/core/config";
import type { ConnectionStatusBoard } from "@/server/core/connection-status";
import type { EventBus } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { PeopleDirectory } from "@/server/core/people";
import type { RandomSource } from "@/server/core/random";
import type { AppDatabase } from "@/db/client";

import type { EngineHealth } from "@/server/core/failure-streak";

export type { EngineHealth, EngineStatus } from "@/server/core/failure-streak";

export interface Engine {
  readonly name: string;
  /** Starts background work. Must return once started, not when the work ends. */
  start(): Promise<void>;
  /** Stops taking new work, lets work in flight finish (or leaves it retryable), then returns. */
  stop(): Promise<void>;
  /**
   * Optional: the engine's own view, asked only while the runner counts it as started (start resolved, stop not
   * called). Without it a started engine counts as running.
   */
  status?(): EngineHealth;
}

export type EngineDependencies = {
  config: Config;
  db: AppDatabase;
  clock: Clock;
  random: RandomSource;
  bus: EventBus;
  logger: Logger;
  /** Names for user ids (the console's user directory). */
  people: PeopleDirectory;
  /** Where adapters report their long-lived connections (NATS); optional so that tests may leave it out. */
  connections?: ConnectionStatusBoard;
};

export type EngineModule<Console> = { engine: Engine; console: Console };
