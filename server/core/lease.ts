/**
 * Work that must run in one process at a time (the alerts engine: two would each notify; a scheduler per
 * database server: two would each delay). A lease is a row with an owner and an expiry (`LeaseStore`, SQLite in
 * db/lease.ts). `LeasedWork` keeps trying to take it, renews it while held, runs the work only while it holds
 * it, and stops the work when the lease is lost; another process takes the work over once the lease expired.
 *
 * Work may also be switched off (`wanted`, e.g. the scheduler's switch): then the lease is not taken, and a held
 * one is given back once the work stopped, so that a process switched on elsewhere takes it at once.
 *
 * Renewal never waits for the work: starting or stopping it (which may take seconds, such as loading alerts
 * from a remote server) runs beside the renewals, one change at a time.
 */
import type { Clock, TimerHandle } from "./clock";
import { FailureStreak } from "./failure-streak";

export interface LeaseStore {
  /** Atomically: takes the lease when it is free, expired (at `now`) or already `owner`'s, and sets its expiry. True when `owner` holds it. */
  acquire(input: { key: string; owner: string; now: number; expiresAt: number }): boolean;
  /** Gives the lease up if `owner` holds it. */
  release(input: { key: string; owner: string }): void;
}

/** Why the work starts or stops: the lease was taken, lost to another process, the work was switched off, or this process stops. */
export type LeaseChange = "acquired" | "lost" | "unwanted" | "stopped";

export type LeasedWorkOptions = {
  /** What the lease is for, e.g. `alerts-engine`. */
  key: string;
  /** This process (one id per process start). */
  owner: string;
  leases: LeaseStore;
  /** Lease expiries are compared across processes: a clock every process shares (wall time in production). */
  clock: Clock;
  /** Starts the work once the lease is held. */
  start: () => Promise<void> | void;
  /** Stops the work: the lease was lost, the work was switched off, or this process stops. */
  stop: (change: Exclude<LeaseChange, "acquired">) => Promise<void> | void;
  /** Read every round: whether the work should run at all (always, when not given). */
  wanted?: () => boolean;
  /** Called after every round (synchronously; the start or stop it decided may still be running). */
  onRound?: () => void;
  pollMs?: number;
  leaseMs?: number;
  onError?: (error: unknown, during: string) => void;
  onChange?: (holding: boolean, change: LeaseChange) => void;
};

type GiveUp = Exclude<LeaseChange, "acquired">;

export class LeasedWork {
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private timer: TimerHandle | undefined;
  private polling = false;
  /** Whether the work should run here (the lease is held). */
  private holding = false;
  /** Whether it does: "unknown" after a stop that failed (it may still run in part; the stop is tried again). */
  private work: "stopped" | "running" | "unknown" = "stopped";
  /** Why the work should not run, as of the latest round (a stop uses the reason current when it runs). */
  private giveUpReason: GiveUp = "lost";
  private leaseUntil = Number.NEGATIVE_INFINITY;
  /** Start and stop of the work, one after the other; `queued` counts the changes not yet done. */
  private changes: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Rounds whose lease store failed in a row (the engine's status reads it). */
  readonly failures: FailureStreak;

  constructor(private readonly options: LeasedWorkOptions) {
    this.failures = new FailureStreak(`renewing the lease "${options.key}"`, options.clock);
    this.pollMs = options.pollMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    if (!(this.leaseMs > this.pollMs))
      throw new Error(`the lease (${this.leaseMs} ms) must outlast the renewal period (${this.pollMs} ms)`);
  }

  /** Whether this process holds the lease (and so runs the work, or is starting it). */
  isHolding(): boolean {
    return this.holding;
  }

  /** Starts renewing; resolves once the first round is done (and the work started, if the lease was free). */
  start(): Promise<void> {
    if (this.polling) return this.changes;
    this.polling = true;
    const loop = () => {
      if (!this.polling) return;
      void this.poll();
      this.timer = this.options.clock.setTimeout(loop, this.pollMs);
    };
    loop();
    return this.changes;
  }

  /** One round now: take or renew the lease, then start or stop the work to match. Resolves when the work matches. */
  poll(): Promise<void> {
    if (!this.polling) return this.changes;
    const { clock, leases, key, owner } = this.options;
    let holds: boolean;
    let reason: GiveUp = "lost";
    try {
      const wanted = this.options.wanted?.() ?? true;
      if (!wanted) reason = "unwanted";
      const now = clock.now();
      // Switched off but not yet stopped (a stop failed): keep the lease, so nobody starts beside what may run.
      const renew = wanted || this.work !== "stopped";
      const held = renew && leases.acquire({ key, owner, now, expiresAt: now + this.leaseMs });
      if (held) this.leaseUntil = now + this.leaseMs;
      holds = wanted && held;
      this.failures.succeeded();
    } catch (error) {
      this.failures.failed(error);
      this.options.onError?.(error, "lease renewal");
      // Without the store the lease cannot be renewed: keep the work only while ours surely lasts (the clock is
      // read again: the store may have blocked for its busy timeout).
      holds = this.holding && clock.now() + this.pollMs < this.leaseUntil;
    }
    if (holds !== this.holding) {
      this.holding = holds;
      if (!holds) this.giveUpReason = reason;
    }
    // A change, or one that failed last time (a stop that threw is tried again every round).
    if (this.queued === 0 && this.work !== (this.holding ? "running" : "stopped")) this.enqueueMatch();
    this.options.onRound?.();
    return this.changes;
  }

  /** Stops renewing, stops the work if it runs here, and gives the lease up so another process takes it at once. */
  async stop(): Promise<void> {
    if (!this.polling) return this.changes;
    this.polling = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.holding = false;
    this.giveUpReason = "stopped";
    this.enqueueMatch();
    await this.changes;
  }

  private enqueueMatch(): void {
    this.queued++;
    this.changes = this.changes.then(() => this.match()).finally(() => this.queued--);
  }

  /**
   * Brings the work in line with `holding` as it is now (it may have flipped since the change was queued). A
   * failed stop leaves the work "unknown" and the lease kept (another process must not start beside what may
   * still run); the next round tries the stop again. A failed start is undone and the lease given back.
   */
  private async match(): Promise<void> {
    const { options } = this;
    if (this.holding && this.work === "running") return;
    if (this.work !== "stopped") {
      // Not wanted here any more, or in an unknown state after a failed stop: stop it first.
      const reason: GiveUp = this.holding ? "unwanted" : this.giveUpReason;
      try {
        await options.stop(reason);
        const wasRunning = this.work === "running";
        this.work = "stopped";
        if (wasRunning) options.onChange?.(false, reason);
      } catch (error) {
        this.work = "unknown";
        options.onError?.(error, "stopping the work");
        return;
      }
    }
    if (!this.holding) {
      // Switched off or stopping: the lease goes back (only if ours) so that another process takes it at once.
      if (this.giveUpReason !== "lost")
        this.attempt("lease release", () => options.leases.release({ key: options.key, owner: options.owner }));
      return;
    }
    try {
      this.work = "running";
      await options.start();
      options.onChange?.(true, "acquired");
    } catch (error) {
      options.onError?.(error, "starting the work");
      // Undo what did start, and give the lease back so that another process can try.
      this.work = "unknown";
      this.holding = false;
      this.giveUpReason = "unwanted";
      await this.match();
    }
  }

  private attempt(during: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.options.onError?.(error, during);
    }
  }
}
