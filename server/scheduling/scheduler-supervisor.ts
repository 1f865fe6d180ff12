/**
 * Runs the scheduler in an engine process when, and only when, it should run there:
 * - every second (through the Clock) it reads the switch, so a switch written by any process (the web tier, a
 *   second console) takes effect here without a restart;
 * - it runs the scheduler only while it holds the database server's lease (a row with an owner and an expiry,
 *   renewed on every poll): two engines on one database never both send delays to one server; when the holder
 *   dies, another engine takes the lease over once it expired;
 * - every few seconds it reports its status (capture, scheduler, estimator) for every process to read.
 * Switched off, it stops the scheduler first — the step in flight ends — and only then hands the held
 * executions back. Lost the lease, it stops without handing them back: the new holder treats them as orphans.
 */
import type { Clock, TimerHandle } from "@/server/core/clock";
import type { SchedulerStatus } from "./scheduler/scheduler";
import type { LeaseStore } from "@/server/core/lease";
import type { EngineStatusReport, EngineStatusStore, SchedulerSwitchStore } from "./scheduler-control";

/** What the supervisor needs of a scheduler (scheduler/scheduler.ts). */
export interface SupervisedScheduler {
  start(): void;
  stop(): Promise<void>;
  setEnabled(on: boolean): Promise<void>;
  status(): SchedulerStatus;
}

export type SchedulerSupervisorOptions = {
  /** This engine process (`eng_…`). */
  owner: string;
  /** The lease of this database server (`scheduler:<its URL>`). */
  leaseKey: string;
  switches: SchedulerSwitchStore;
  leases: LeaseStore;
  statuses: EngineStatusStore;
  /** Wall time: lease expiries and reports are compared across processes. */
  clock: Clock;
  createScheduler: () => SupervisedScheduler;
  /** The rest of this engine's report (capture, estimator, database URL). */
  report: () => Omit<EngineStatusReport, "owner" | "scheduler" | "at">;
  pollMs?: number;
  leaseMs?: number;
  reportEveryMs?: number;
  onError?: (error: unknown, during: string) => void;
  onSchedulerChange?: (running: boolean, reason: "switched-on" | "switched-off" | "lease-lost" | "engine-stopped") => void;
};

export class SchedulerSupervisor {
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly reportEveryMs: number;
  private scheduler: SupervisedScheduler | undefined;
  private leaseUntil = Number.NEGATIVE_INFINITY;
  private enabledSeen = false;
  private nextReportAt = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;
  private running = false;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly options: SchedulerSupervisorOptions) {
    this.pollMs = options.pollMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 10_000;
    this.reportEveryMs = options.reportEveryMs ?? 2_000;
  }

  /** Whether this engine runs the scheduler now. */
  isScheduling(): boolean {
    return this.scheduler !== undefined;
  }

  schedulerStatus(): SchedulerStatus | undefined {
    return this.scheduler?.status();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      void this.poll().finally(() => {
        if (this.running) this.timer = this.options.clock.setTimeout(loop, this.pollMs);
      });
    };
    loop();
  }

  /** One round now (after a switch written in this process, so it takes effect at once); rounds never overlap. */
  poll(): Promise<void> {
    this.polling = this.polling.then(() => this.pollOnce()).catch((error: unknown) => this.options.onError?.(error, "poll"));
    return this.polling;
  }

  /** Stops watching, hands the held executions back, gives the lease up and withdraws this engine's report. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    await this.polling;
    if (this.scheduler) {
      await this.stopScheduler(true, "engine-stopped");
      this.attempt("lease release", () => this.options.leases.release({ key: this.options.leaseKey, owner: this.options.owner }));
    }
    this.attempt("status removal", () => this.options.statuses.remove(this.options.owner));
  }

  private async pollOnce(): Promise<void> {
    const { clock, switches, leases, leaseKey, owner } = this.options;
    const now = clock.now();
    let enabled = this.enabledSeen;
    let holds: boolean;
    try {
      enabled = switches.isEnabled();
      holds = enabled && leases.acquire({ key: leaseKey, owner, now, expiresAt: now + this.leaseMs });
      if (holds) this.leaseUntil = now + this.leaseMs;
    } catch (error) {
      this.options.onError?.(error, "switch and lease");
      // Without the database the lease cannot be renewed: keep scheduling only while ours surely lasts.
      holds = this.scheduler !== undefined && now + this.pollMs < this.leaseUntil;
    }
    this.enabledSeen = enabled;
    let changed = false;
    if (holds && !this.running) holds = false;
    if (holds && !this.scheduler) {
      this.scheduler = this.options.createScheduler();
      this.scheduler.start();
      this.options.onSchedulerChange?.(true, "switched-on");
      changed = true;
    } else if (!holds && this.scheduler) {
      await this.stopScheduler(!enabled, enabled ? "lease-lost" : "switched-off");
      if (!enabled) this.attempt("lease release", () => leases.release({ key: leaseKey, owner }));
      changed = true;
    }
    if (changed || now >= this.nextReportAt) {
      this.nextReportAt = now + this.reportEveryMs;
      this.attempt("status report", () => this.options.statuses.write({ ...this.options.report(), owner, scheduler: this.scheduler?.status() ?? null, at: clock.now() }));
    }
  }

  private async stopScheduler(handBack: boolean, reason: "switched-off" | "lease-lost" | "engine-stopped"): Promise<void> {
    const current = this.scheduler;
    this.scheduler = undefined;
    if (!current) return;
    // Stop first: the step in flight ends, so none of its delays can follow the release.
    await current.stop();
    if (handBack) await current.setEnabled(false).catch((error: unknown) => this.options.onError?.(error, "releasing held executions"));
    this.options.onSchedulerChange?.(false, reason);
  }

  private attempt(during: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.options.onError?.(error, during);
    }
  }
}
