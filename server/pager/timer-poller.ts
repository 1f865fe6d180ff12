/**
 * The durable-timer job: every poll interval of the Clock it reads the acknowledgement timers that are due
 * (through the `DueTimerQueue` port: pending, due at or before now) and fires each through the use case, which
 * settles the timer and decides — under the write lock — whether to escalate. Timers live in the database, so a
 * restart or a jump of the clock loses none; a second poller (another process) firing the same timer is a no-op.
 */
import type { Clock, TimerHandle } from "@/server/core/clock";
import { FailureStreak } from "@/server/core/failure-streak";
import type { Logger } from "@/server/core/logger";
import type { DueTimerQueue } from "./ports";
import type { PagerUseCases, TimeoutOutcome } from "./use-cases";

export type TimerPollerOptions = {
  timers: DueTimerQueue;
  clock: Clock;
  useCases: PagerUseCases;
  logger: Logger;
  pollIntervalMs?: number;
  batchSize?: number;
  /** Called after every tick, e.g. to wake the outbox relay. */
  onTick?: () => void;
};

export class TimerPoller {
  private handle: TimerHandle | undefined;
  private running = false;
  /** Ticks that threw in a row (the pager engine reports itself failing when they go on). */
  readonly failures: FailureStreak;

  constructor(private readonly options: TimerPollerOptions) {
    this.failures = new FailureStreak("the acknowledgement timer poller", options.clock);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.handle) this.options.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** Fires every timer due now; returns what each firing did. */
  fireDue(): TimeoutOutcome[] {
    const { timers, clock, useCases, batchSize = 100 } = this.options;
    const outcomes: TimeoutOutcome[] = [];
    for (;;) {
      const due = timers.dueTimerIds(clock.now(), batchSize);
      for (const id of due) outcomes.push(useCases.acknowledgementTimeout(id));
      if (due.length < batchSize) return outcomes;
    }
  }

  private tick(): void {
    if (!this.running) return;
    try {
      const outcomes = this.fireDue();
      for (const outcome of outcomes) this.options.logger.info({ ...outcome }, "acknowledgement timer fired");
      this.options.onTick?.();
      this.failures.succeeded();
    } catch (error) {
      this.failures.failed(error);
      // SQLITE_BUSY past busy_timeout and the like: the timers stay pending and the next tick retries.
      this.options.logger.warn({ err: error }, "firing due timers failed; retrying at the next tick");
    }
    if (this.running)
      this.handle = this.options.clock.setTimeout(() => this.tick(), this.options.pollIntervalMs ?? 1000);
  }
}
