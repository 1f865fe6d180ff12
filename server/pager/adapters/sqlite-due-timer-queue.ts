/** The acknowledgement timers (pager_timer) as the poller's `DueTimerQueue`: pending rows due by now, earliest first. */
import { and, asc, eq, lte } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { pagerTimer } from "@/db/schema";
import type { DueTimerQueue } from "../ports";

export class SqliteDueTimerQueue implements DueTimerQueue {
  constructor(private readonly db: AppDatabase) {}

  dueTimerIds(nowMs: number, limit: number): string[] {
    return this.db
      .select({ id: pagerTimer.id })
      .from(pagerTimer)
      .where(and(eq(pagerTimer.state, "pending"), lte(pagerTimer.dueAtMs, nowMs)))
      .orderBy(asc(pagerTimer.dueAtMs))
      .limit(limit)
      .all()
      .map((row) => row.id);
  }
}
