/**
 * Runs the scheduler in an engine process when, and only when, it should run there (on server/core/lease.ts's
 * LeasedWork, as the alerts engine):
 * - every second (through the Clock) it reads the switch, so a switch written by any process (the web tier, a
 *   second console) takes effect here without a restart;
 * - it runs the scheduler only while it holds the database server's lease (a row with an owner and an expiry,
 *   renewed on every poll): two engines on one database never both send delays to one server; when the holder
 *   dies, another engine takes the lease over once it expired;
 * - every few seconds it reports its status (capture, scheduler, estimator) for every process to read.
 * Switched off, it hands the held executions back (after the step in flight), then stops the scheduler. Lost
 * the lease, it stops without handing them back: the new holder treats them as orphans.
 */
import type { Clock } from "@/server/core/clock";
import { LeasedWork, type LeaseStore } from "@/server/core/lease";
import type { SchedulerStatus } from "./scheduler/scheduler";
import type { EngineStatusReport, EngineStatusStore, SchedulerSwitchStore } from "./use-cases";
import type { FailureStreak } from "@/server/core/failure-streak";

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
  onSchedulerChange?: (
    running: boolean,
    reason: "switched-on" | "switched-off" | "lease-lost" | "engine-stopped",
  ) => void;
};

const REASONS = {
  acquired: "switched-on",
  unwanted: "switched-off",
  lost: "lease-lost",
  stopped: "engine-stopped",
} as const;

export class SchedulerSupervisor {
  private readonly reportEveryMs: number;
  private readonly leased: LeasedWork;
  private scheduler: SupervisedScheduler | undefined;
  private nextReportAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SchedulerSupervisorOptions) {
    this.reportEveryMs = options.reportEveryMs ?? 2_000;
    this.leased = new LeasedWork({
      key: options.leaseKey,
      owner: options.owner,
      leases: options.leases,
      clock: options.clock,
      pollMs: options.pollMs,
      leaseMs: options.leaseMs,
      wanted: () => options.switches.isEnabled(),
      start: () => {
        this.scheduler = options.createScheduler();
        this.scheduler.start();
      },
      stop: (change) => this.stopScheduler(change !== "lost"),
      onRound: () => this.report(false),
      onChange: (running, change) => {
        options.onSchedulerChange?.(running, REASONS[change]);
        this.report(true);
      },
      onError: options.onError,
    });
  }

  start(): void {
    void this.leased.start();
  }

  /** Rounds whose lease store failed in a row. */
  get failures(): FailureStreak {
    return this.leased.failures;
  }

  /** One round now (after a switch written in this process, so it takes effect at once). */
  poll(): Promise<void> {
    return this.leased.poll();
  }

  /** Stops watching, hands the held executions back, gives the lease up and withdraws this engine's report. */
  async stop(): Promise<void> {
    await this.leased.stop();
    this.attempt("status removal", () => this.options.statuses.remove(this.options.owner));
  }

  /**
   * Hands the held executions back unless the lease was lost (the new holder treats them as orphans), then stops
   * the scheduler. Handing back first is safe: setEnabled(false) waits for the step in flight and no later step
   * delays anything; and a scheduler in a process of its own can hand back only while that process runs.
   */
  private async stopScheduler(handBack: boolean): Promise<void> {
    const current = this.scheduler;
    if (!current) return;
    if (handBack)
      await current
        .setEnabled(false)
        .catch((error: unknown) => this.options.onError?.(error, "releasing held executions"));
    // Forgotten only once stopped: a stop that failed is tried again on the next round (LeasedWork).
    await current.stop();
    this.scheduler = undefined;
  }

  /** Writes this engine's status when something changed, else every reportEveryMs. */
  private report(changed: boolean): void {
    const now = this.options.clock.now();
    if (!changed && now < this.nextReportAt) return;
    this.nextReportAt = now + this.reportEveryMs;
    this.attempt("status report", () =>
      this.options.statuses.write({
        ...this.options.report(),
        owner: this.options.owner,
        scheduler: this.scheduler?.status() ?? null,
        at: now,
      }),
    );
  }

  private attempt(during: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.options.onError?.(error, during);
    }
  }
}
