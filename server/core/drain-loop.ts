/**
 * The loop every outbox relay runs: a pass works through batches until one comes back empty; `kick()` starts a
 * pass now, or exactly one more right after the pass in flight (kicks coalesce, a kick is never lost); with
 * `pollEveryMs` a pass also starts on that period of the Clock, to pick up rows that fell due or that other
 * processes queued; `stop()` stops taking passes and resolves once the pass in flight has ended. One copy, so
 * that the alerts' and the pager's relays differ only in what one batch does.
 */
import type { Clock, TimerHandle } from "./clock";
import { FailureStreak } from "./failure-streak";

export type DrainLoopOptions = {
  /** Works through one batch; returns how many items it handled. 0 ends the pass. */
  batch: () => Promise<number>;
  /** A pass that threw: the loop logs it through here and carries on (the next kick or poll retries). */
  onError: (error: unknown) => void;
  clock: Clock;
  /** When set, a pass also starts every `pollEveryMs` while running. */
  pollEveryMs?: number;
  /** What the loop does, for its failure streak's message (e.g. "the pager's outbox relay"). */
  what?: string;
};

export class DrainLoop {
  private draining: Promise<void> | null = null;
  private again = false;
  private running = false;
  private timer: TimerHandle | null = null;
  /** Passes that threw in a row: the engine reports itself failing when they have gone on too long. */
  readonly failures: FailureStreak;

  constructor(private readonly options: DrainLoopOptions) {
    this.failures = new FailureStreak(options.what ?? "the outbox relay", options.clock);
  }

  /** True between start() and stop(): batches check it to end a pass early on stop. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Accepts kicks (and polls, when configured); does not start a pass by itself. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedulePoll();
  }

  /** Stops taking passes; resolves once the pass in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.whenIdle();
  }

  /** Starts a pass now, or another one right after the pass in flight. Ignored while stopped. */
  kick(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.pass().finally(() => {
      this.draining = null;
      // A kick that came after the pass's last look at `again` (between its end and this callback) is not lost.
      if (this.again && this.running) this.kick();
    });
  }

  /** Resolves once no pass is in flight. */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async pass(): Promise<void> {
    do {
      this.again = false;
      try {
        while ((await this.options.batch()) > 0 && this.running);
        this.failures.succeeded();
      } catch (error) {
        this.failures.failed(error);
        this.options.onError(error);
      }
    } while (this.again && this.running);
  }

  private schedulePoll(): void {
    const { pollEveryMs, clock } = this.options;
    if (pollEveryMs === undefined) return;
    this.timer = clock.setTimeout(() => {
      if (!this.running) return;
      this.kick();
      this.schedulePoll();
    }, pollEveryMs);
  }
}
