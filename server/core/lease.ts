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

export class LeasedWork {
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private timer: TimerHandle | undefined;
  private polling = false;
  /** Whether the work should run here (the lease is held), and whether it does (its start has been called). */
  private holding = false;
  private workRunning = false;
  private leaseUntil = Number.NEGATIVE_INFINITY;
  /** Start and stop of the work, one after the other. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeasedWorkOptions) {
    this.pollMs = options.pollMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    if (!(this.leaseMs > this.pollMs)) throw new Error(`the lease (${this.leaseMs} ms) must outlast the renewal period (${this.pollMs} ms)`);
  }

  /** Whether this process holds the lease (and so runs the work). */
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
    const now = clock.now();
    let holds: boolean;
    let release: Exclude<LeaseChange, "acquired"> = "lost";
    try {
      const wanted = this.options.wanted?.() ?? true;
      if (!wanted) release = "unwanted";
      holds = wanted && leases.acquire({ key, owner, now, expiresAt: now + this.leaseMs });
      if (holds) this.leaseUntil = now + this.leaseMs;
    } catch (error) {
      this.options.onError?.(error, "lease renewal");
      // Without the store the lease cannot be renewed: keep the work only while ours surely lasts.
      holds = this.holding && now + this.pollMs < this.leaseUntil;
    }
    if (holds !== this.holding) {
      this.holding = holds;
      const change = holds ? "acquired" : release;
      this.changes = this.changes.then(() => this.match(change));
    }
    this.options.onRound?.();
    return this.changes;
  }

  /** Stops renewing, stops the work if it runs here, and gives the lease up so another process takes it at once. */
  async stop(): Promise<void> {
    if (!this.polling) return this.changes;
    this.polling = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.holding = false;
    this.changes = this.changes.then(() => this.match("stopped"));
    await this.changes;
  }

  /** Brings the work in line with `holding` (it may have flipped back while an earlier change ran). */
  private async match(change: LeaseChange): Promise<void> {
    const want = this.holding;
    if (want !== this.workRunning) {
      try {
        if (want) await this.options.start();
        else await this.options.stop(change === "acquired" ? "lost" : change);
        this.workRunning = want;
        this.options.onChange?.(want, change);
      } catch (error) {
        this.options.onError?.(error, want ? "starting the work" : "stopping the work");
        if (want) {
          // Not started: stop whatever part did start, and give the lease back so that another process can try.
          this.holding = false;
          this.workRunning = true;
          await this.match("unwanted");
          return;
        }
      }
    }
    // Switched off or stopping: the lease goes back (only if ours) so that another process takes it at once.
    if (!this.holding && (change === "unwanted" || change === "stopped")) this.attempt("lease release", () => this.options.leases.release({ key: this.options.key, owner: this.options.owner }));
  }

  private attempt(during: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.options.onError?.(error, during);
    }
  }
}
