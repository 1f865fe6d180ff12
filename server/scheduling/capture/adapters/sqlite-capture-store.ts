/**
 * The capture store on the console's SQLite database (drizzle). Each page is one immediate transaction: the
 * executions, the resources windows, dead letters, any gap, and the cursor commit together or not at all.
 * Executions are keyed by their execution id, windows by (log, window index): a page stored twice (impossible
 * through the cursor, but cheap to guard) changes nothing.
 */
import { and, eq } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import {
  schedulingCaptureCursor,
  schedulingCaptureGap,
  schedulingDeadLetter,
  schedulingExecution,
  schedulingResourceSecond,
  schedulingTemplate,
} from "@/db/schema";
import { createId } from "@/server/core/ids";
import type { CaptureCursor, CaptureStore } from "../capture-client";
import type { FeedPage, FeedTemplate } from "../feed";

const CURSOR_ID = "dbsim";

export class SqliteCaptureStore implements CaptureStore {
  constructor(private readonly db: AppDatabase) {}

  cursor(): CaptureCursor | undefined {
    const row = this.db.select().from(schedulingCaptureCursor).where(eq(schedulingCaptureCursor.id, CURSOR_ID)).get();
    return row ? { logId: row.logId, lastSeq: row.lastSeq, logChanges: row.logChanges } : undefined;
  }

  storePage(input: { logId: string; previousSeq: number; lastSeq: number; page: FeedPage; at: number }): {
    executions: number;
    windows: number;
  } {
    const { logId, previousSeq, lastSeq, page, at } = input;
    return this.db.transaction(
      (tx) => {
        // Re-check the cursor inside the transaction: two clients on one database must not both store a page.
        const current = tx
          .select()
          .from(schedulingCaptureCursor)
          .where(eq(schedulingCaptureCursor.id, CURSOR_ID))
          .get();
        if (!current || current.logId !== logId || current.lastSeq !== previousSeq)
          return { executions: 0, windows: 0 };
        let executions = 0;
        let windows = 0;
        for (const event of page.events) {
          if (event.seq <= previousSeq) continue;
          if (event.type === "executed") {
            const result = tx
              .insert(schedulingExecution)
              .values({
                id: event.executionId,
                templateId: event.templateId,
                logId,
                seq: event.seq,
                queuedTick: event.queuedTick,
                queuedAt: new Date(event.queuedAt),
                executedTick: event.executedTick,
                executedAt: new Date(event.executedAt),
                totalDelayTicks: event.totalDelayTicks,
                addedDelayTicks: event.addedDelayTicks,
              })
              .onConflictDoNothing()
              .run();
            executions += result.changes;
          } else if (event.type === "resources") {
            const result = tx
              .insert(schedulingResourceSecond)
              .values({
                logId,
                windowIndex: event.windowIndex,
                at: new Date(event.at),
                firstTick: event.firstTick,
                lastTick: event.lastTick,
                cpuAverage: event.cpu.average,
                cpuMin: event.cpu.min,
                cpuMax: event.cpu.max,
                ioAverage: event.io.average,
                ioMin: event.io.min,
                ioMax: event.io.max,
                memoryAverage: event.memory.average,
                memoryMin: event.memory.min,
                memoryMax: event.memory.max,
              })
              .onConflictDoNothing()
              .run();
            windows += result.changes;
          }
        }
        for (const bad of page.badEvents) {
          tx.insert(schedulingDeadLetter)
            .values({
              id: createId("dlq"),
              source: `dbsim:${logId}:${bad.seq ?? "?"}`,
              reason: bad.reason,
              rawBody: bad.raw,
              receivedAt: new Date(at),
            })
            .run();
        }
        if (page.truncated && page.firstSeq - 1 > previousSeq) {
          tx.insert(schedulingCaptureGap)
            .values({
              id: createId("gap"),
              logId,
              fromSeq: previousSeq + 1,
              toSeq: page.firstSeq - 1,
              reason: "retention_exceeded",
              detectedAt: new Date(at),
            })
            .run();
        }
        tx.update(schedulingCaptureCursor)
          .set({ lastSeq, updatedAt: new Date(at) })
          .where(eq(schedulingCaptureCursor.id, CURSOR_ID))
          .run();
        return { executions, windows };
      },
      { behavior: "immediate" },
    );
  }

  switchLog(input: { logId: string; at: number }): void {
    const { logId, at } = input;
    this.db.transaction(
      (tx) => {
        const current = tx
          .select()
          .from(schedulingCaptureCursor)
          .where(eq(schedulingCaptureCursor.id, CURSOR_ID))
          .get();
        if (current?.logId === logId) return;
        if (current) {
          tx.insert(schedulingCaptureGap)
            .values({
              id: createId("gap"),
              logId: current.logId,
              fromSeq: current.lastSeq + 1,
              toSeq: null,
              reason: "server_log_replaced",
              detectedAt: new Date(at),
            })
            .run();
          tx.update(schedulingCaptureCursor)
            .set({ logId, lastSeq: 0, logChanges: current.logChanges + 1, updatedAt: new Date(at) })
            .where(eq(schedulingCaptureCursor.id, CURSOR_ID))
            .run();
        } else {
          tx.insert(schedulingCaptureCursor)
            .values({ id: CURSOR_ID, logId, lastSeq: 0, logChanges: 0, updatedAt: new Date(at) })
            .run();
        }
      },
      { behavior: "immediate" },
    );
  }

  saveTemplates(logId: string, templates: FeedTemplate[], at: number): void {
    this.db.transaction(
      (tx) => {
        for (const template of templates) {
          const values = {
            logId,
            templateIndex: template.index,
            profile: template.profile,
            trueCpu: template.cost.cpu,
            trueMemory: template.cost.memory,
            trueIo: template.cost.io,
            probability: template.probability,
            updatedAt: new Date(at),
          };
          tx.insert(schedulingTemplate)
            .values({ id: template.id, ...values })
            .onConflictDoUpdate({ target: schedulingTemplate.id, set: values })
            .run();
        }
      },
      { behavior: "immediate" },
    );
  }

  /** Execution ids stored for a log, for tests and checks. */
  executionIds(logId?: string): string[] {
    const query = this.db.select({ id: schedulingExecution.id }).from(schedulingExecution);
    return (logId ? query.where(and(eq(schedulingExecution.logId, logId))) : query).all().map((row) => row.id);
  }
}
