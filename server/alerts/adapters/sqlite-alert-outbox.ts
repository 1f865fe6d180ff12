/**
 * SQLite implementation of the alert engine's outbox (`OutboxStore`, read by the outbox relay): the rows are
 * written by the engine's store with each state change (sqlite-alert-engine-store.ts); this side hands out the
 * due ones and records their publication, and prunes published rows after a day.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { alertOutbox } from "@/db/schema";
import type { OutboxItem, OutboxStore } from "../ports";

export class SqliteAlertOutbox implements OutboxStore {
  private publishedSincePrune = 0;

  constructor(private readonly db: AppDatabase) {}

  duePending(nowMs: number, limit: number): OutboxItem[] {
    return this.db
      .select({
        id: alertOutbox.id,
        eventId: alertOutbox.eventId,
        topic: alertOutbox.topic,
        payload: alertOutbox.payload,
        attempts: alertOutbox.attempts,
      })
      .from(alertOutbox)
      .where(and(sql`${alertOutbox.publishedAt} IS NULL`, sql`${alertOutbox.nextAttemptAt} <= ${nowMs}`))
      .orderBy(asc(alertOutbox.id))
      .limit(limit)
      .all();
  }

  markPublished(id: number, atMs: number): void {
    this.db.update(alertOutbox).set({ publishedAt: atMs, lastError: null }).where(eq(alertOutbox.id, id)).run();
    // Published rows are kept a day for inspection, then dropped so the table stays small.
    if (++this.publishedSincePrune >= 1000) {
      this.publishedSincePrune = 0;
      this.db
        .delete(alertOutbox)
        .where(sql`${alertOutbox.publishedAt} IS NOT NULL AND ${alertOutbox.publishedAt} < ${atMs - 86_400_000}`)
        .run();
    }
  }

  markFailed(id: number, attempts: number, nextAttemptAtMs: number, error: string): void {
    this.db
      .update(alertOutbox)
      .set({ attempts, nextAttemptAt: nextAttemptAtMs, lastError: error.slice(0, 1000) })
      .where(eq(alertOutbox.id, id))
      .run();
  }
}
