/**
 * The scheduler switch and what every process shows about the scheduling engine, as use cases over ports:
 * - the switch (`scheduling.scheduler.enabled`) is written with its audit entry in one transaction; the engine
 *   that runs the scheduler watches it (scheduler-supervisor.ts), so the switch works from any process;
 * - the engines report their capture, scheduler and estimator status to the database every few seconds, and the
 *   console reads the freshest reports, so a web process without engines shows them too.
 * Reports and leases carry wall-clock times: they are compared across processes (and with the database
 * server's timestamps), never with a test's movable clock.
 */
import type { Actor, AuditEntry } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { CaptureCursor, CaptureStatus } from "./capture/capture-client";
import type { SchedulerStatus } from "./scheduler/scheduler";

export const SCHEDULER_ENABLED_SETTING = "scheduling.scheduler.enabled";

/** The switch. The store writes the value and the audit entry in one transaction. */
export interface SchedulerSwitchStore {
  isEnabled(): boolean;
  /** Atomically: writes the switch and the audit entry built from the value it replaces. */
  write(input: { enabled: boolean; at: number; audit: (previous: boolean | undefined) => AuditEntry }): void;
  /** Atomically: writes the switch and its audit entry only when it was never set. Returns whether it wrote. */
  writeIfAbsent(input: { enabled: boolean; at: number; audit: AuditEntry }): boolean;
}

export type EstimatorStatus = { fittedAt: number | undefined; windows: number; templates: number };

export type EngineStatusReport = {
  /** The engine process that wrote it. */
  owner: string;
  dbsimUrl: string | undefined;
  capture: CaptureStatus;
  /** The scheduler's status while this engine runs it, else null. */
  scheduler: SchedulerStatus | null;
  estimator: EstimatorStatus;
  /** Wall time of the report. */
  at: number;
};

export interface EngineStatusStore {
  write(report: EngineStatusReport): void;
  /** Reports written at or after `since`, newest first, at most `limit`. */
  recent(since: number, limit: number): EngineStatusReport[];
  remove(owner: string): void;
}

/** A report older than this belongs to an engine that stopped or died. */
export const STATUS_STALE_AFTER_MS = 10_000;

export type EngineStatusView = {
  /** Whether any engine reported lately. */
  reporting: boolean;
  /** The freshest engine's capture; "stopped" at the stored cursor when no engine reports. */
  capture: CaptureStatus;
  scheduler: SchedulerStatus | undefined;
  estimator: EstimatorStatus | undefined;
  dbsimUrl: string | undefined;
};

export class SchedulingUseCases {
  constructor(
    private readonly options: {
      switches: SchedulerSwitchStore;
      statuses: EngineStatusStore;
      /** Stamps the switch and its audit entry (the runtime's clock, like every other audited change). */
      clock: Clock;
      /** Judges the age of the engines' reports, which they stamp with wall time. */
      wallClock: Clock;
      /** Where the capture stands in the database (shown when no engine reports). */
      captureCursor: () => CaptureCursor | undefined;
      /** Called after the switch committed (the local engine, if any, follows at once rather than on its next poll). */
      onSwitched?: (enabled: boolean) => void;
    },
  ) {}

  schedulerEnabled(): boolean {
    return this.options.switches.isEnabled();
  }

  /** Switches the scheduler on or off, audited in the same transaction; the engine holding the lease follows within a second or two. */
  setSchedulerEnabled(enabled: boolean, actor: Actor): void {
    this.options.switches.write({
      enabled,
      at: this.options.clock.now(),
      audit: (previous) => ({
        actor,
        action: enabled ? "scheduling.scheduler.enable" : "scheduling.scheduler.disable",
        target: SCHEDULER_ENABLED_SETTING,
        details: { enabled, previous: previous ?? null },
      }),
    });
    this.options.onSwitched?.(enabled);
  }

  /** First start of a demo: the switch starts off (so the spikes show), unless someone set it already. */
  seedSchedulerSwitch(actor: Actor): void {
    this.options.switches.writeIfAbsent({
      enabled: false,
      at: this.options.clock.now(),
      audit: {
        actor,
        action: "scheduling.scheduler.disable",
        target: SCHEDULER_ENABLED_SETTING,
        details: { enabled: false, reason: "demo starts unscheduled" },
      },
    });
  }

  /** What the engines last reported: the freshest capture, and the scheduler of the engine running it. */
  engineStatus(): EngineStatusView {
    const reports = this.options.statuses.recent(this.options.wallClock.now() - STATUS_STALE_AFTER_MS, 20);
    const latest = reports[0];
    const scheduling = reports.find((report) => report.scheduler !== null);
    const cursor = latest ? undefined : this.options.captureCursor();
    return {
      reporting: latest !== undefined,
      capture: latest?.capture ?? {
        state: "stopped",
        logId: cursor?.logId,
        lastSeq: cursor?.lastSeq ?? 0,
        lag: 0,
        lastSuccessAt: undefined,
        lastError: undefined,
        consecutiveFailures: 0,
        logChanges: cursor?.logChanges ?? 0,
      },
      scheduler: scheduling?.scheduler ?? undefined,
      estimator: (scheduling ?? latest)?.estimator,
      dbsimUrl: (scheduling ?? latest)?.dbsimUrl,
    };
  }
}
