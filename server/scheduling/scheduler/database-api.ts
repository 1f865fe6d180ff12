/**
 * The scheduler's only view of the database: the port its HTTP adapter (adapters/http-database-api.ts) and the
 * in-process adapter (../testing/simulation-database-api.ts, for benches and tests) implement. It mirrors the
 * original server: the queued list, POST /delay, the latest 1-second resources, plus the database's timing
 * (which tick it is, when it ran, the window length and phase, the default delay) so that the scheduler reasons
 * in ticks. One observation per step: over HTTP it is one request (GET /snapshot) where the server offers it.
 */
import type { WindowObservation } from "../estimation/types";

export type QueuedExecutionView = { executionId: string; templateId: string; queuedTick: number };

export type DatabaseTiming = {
  /** The last tick the database has run (its arrivals are in the queued list). */
  lastTick: number;
  /** Ticks per resources window (10). */
  windowTicks: number;
  /** A tick that starts a window: windows are [origin + m × windowTicks, …]. */
  windowOrigin: number;
  /** Ticks from enqueue to execution without any delay (1). */
  defaultDelayTicks: number;
  /** Wall-clock length of one tick in ms (100). */
  tickMs: number;
  /**
   * When the database ran `lastTick` (unix ms by its schedule), so that the scheduler measures how late it acts;
   * absent when nothing runs in real time (a simulation driven tick by tick).
   */
  lastTickAtMs?: number;
};

/** One consistent look at the database: its timing, every queued execution, the latest closed window. */
export type DatabaseObservation = {
  timing: DatabaseTiming;
  queued: QueuedExecutionView[];
  window: WindowObservation | undefined;
};

/**
 * The database refused a delay because it no longer holds the execution (it ran, or the server lost its
 * state): the original API's 500 "Failed to delay query". The only delay failure after which the scheduler
 * forgets the execution; any other failure (network, another status) leaves it tracked.
 */
export class DelayRejectedError extends Error {
  constructor(
    readonly executionId: string,
    message: string,
  ) {
    super(message);
    this.name = "DelayRejectedError";
  }
}

export interface DatabaseApi {
  /** The database as it is now: the tick it last ran (its own, not guessed from a clock), the queue, the window. */
  observe(): Promise<DatabaseObservation>;
  /** Adds `ticks` (may be negative) to the execution's remaining delay. Rejects with DelayRejectedError for an unknown or executed id. */
  delay(executionId: string, ticks: number): Promise<void>;
}
