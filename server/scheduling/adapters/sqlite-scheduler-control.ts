/**
 * The scheduler switch and the engines' status reports on the console's SQLite database (the scheduler's lease
 * is db/lease.ts). The switch commits with its audit row in one immediate transaction.
 */
import { desc, eq, gte } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import { schedulingEngineStatus, setting } from "@/db/schema";
import type { AuditEntry } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { CaptureStatus } from "../capture/capture-client";
import type { SchedulerStatus } from "../scheduler/scheduler";
import {
  SCHEDULER_ENABLED_SETTING,
  type EngineStatusReport,
  type EngineStatusStore,
  type EstimatorStatus,
  type SchedulerSwitchStore,
} from "../use-cases";

export class SqliteSchedulerSwitchStore implements SchedulerSwitchStore {
  constructor(
    private readonly db: AppDatabase,
    /** Stamps the audit rows. */
    private readonly clock: Clock,
  ) {}

  isEnabled(): boolean {
    return this.db.select().from(setting).where(eq(setting.key, SCHEDULER_ENABLED_SETTING)).get()?.value === "true";
  }

  write(input: { enabled: boolean; at: number; audit: (previous: boolean | undefined) => AuditEntry }): void {
    const value = String(input.enabled);
    this.db.transaction(
      (tx) => {
        const previous = tx.select().from(setting).where(eq(setting.key, SCHEDULER_ENABLED_SETTING)).get();
        tx.insert(setting)
          .values({ key: SCHEDULER_ENABLED_SETTING, value, updatedAt: new Date(input.at) })
          .onConflictDoUpdate({ target: setting.key, set: { value, updatedAt: new Date(input.at) } })
          .run();
        createAuditRecorder(tx, this.clock).record(input.audit(previous ? previous.value === "true" : undefined));
      },
      { behavior: "immediate" },
    );
  }

  writeIfAbsent(input: { enabled: boolean; at: number; audit: AuditEntry }): boolean {
    return this.db.transaction(
      (tx) => {
        const inserted = tx
          .insert(setting)
          .values({ key: SCHEDULER_ENABLED_SETTING, value: String(input.enabled), updatedAt: new Date(input.at) })
          .onConflictDoNothing()
          .run();
        if (inserted.changes === 0) return false;
        createAuditRecorder(tx, this.clock).record(input.audit);
        return true;
      },
      { behavior: "immediate" },
    );
  }
}

export class SqliteEngineStatusStore implements EngineStatusStore {
  constructor(private readonly db: AppDatabase) {}

  write(report: EngineStatusReport): void {
    const values = {
      dbsimUrl: report.dbsimUrl ?? null,
      capture: report.capture as unknown as Record<string, unknown>,
      scheduler: report.scheduler as unknown as Record<string, unknown> | null,
      estimator: report.estimator as unknown as Record<string, unknown>,
      updatedAt: new Date(report.at),
    };
    this.db
      .insert(schedulingEngineStatus)
      .values({ owner: report.owner, ...values })
      .onConflictDoUpdate({ target: schedulingEngineStatus.owner, set: values })
      .run();
  }

  recent(since: number, limit: number): EngineStatusReport[] {
    // Our own rows, written by write() above: their JSON has the shapes it was given.
    return this.db
      .select()
      .from(schedulingEngineStatus)
      .where(gte(schedulingEngineStatus.updatedAt, new Date(since)))
      .orderBy(desc(schedulingEngineStatus.updatedAt))
      .limit(limit)
      .all()
      .map((row) => ({
        owner: row.owner,
        dbsimUrl: row.dbsimUrl ?? undefined,
        capture: row.capture as unknown as CaptureStatus,
        scheduler: row.scheduler as unknown as SchedulerStatus | null,
        estimator: row.estimator as unknown as EstimatorStatus,
        at: row.updatedAt.getTime(),
      }));
  }

  remove(owner: string): void {
    this.db.delete(schedulingEngineStatus).where(eq(schedulingEngineStatus.owner, owner)).run();
  }
}
