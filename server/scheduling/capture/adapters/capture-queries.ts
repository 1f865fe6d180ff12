/**
 * Read model over the captured history for the console and the estimator (the ports CapturedHistory and
 * SchedulingReadModel of ../../ports.ts): per-second resources bucketed on the server, the band fraction and
 * added-latency figures, captured executions paginated and filtered by template, and the templates with their
 * true and estimated costs. Every list is bounded.
 */
import { percentile } from "@/server/core/percentile";
import { and, asc, count, desc, eq, gte, like, or, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { schedulingCaptureGap, schedulingExecution, schedulingResourceSecond, schedulingTemplate } from "@/db/schema";
import { inBand } from "../../band";
import type {
  BandSummary,
  CapturedHistory,
  LatencySummary,
  ResourceKey,
  SchedulingReadModel,
  SeriesPoint,
} from "../../ports";

const RESOURCE_KEYS: ResourceKey[] = ["cpu", "io", "memory"];

type SecondRow = typeof schedulingResourceSecond.$inferSelect;

function statistics(row: SecondRow, key: ResourceKey) {
  return { average: row[`${key}Average`], min: row[`${key}Min`], max: row[`${key}Max`] };
}

export class CaptureQueries implements CapturedHistory, SchedulingReadModel {
  constructor(private readonly db: AppDatabase) {}

  private secondsSince(sinceMs: number): SecondRow[] {
    return this.db
      .select()
      .from(schedulingResourceSecond)
      .where(gte(schedulingResourceSecond.at, new Date(sinceMs)))
      .orderBy(asc(schedulingResourceSecond.at))
      .limit(20_000)
      .all();
  }

  latestSecond(): SecondRow | undefined {
    return this.db.select().from(schedulingResourceSecond).orderBy(desc(schedulingResourceSecond.at)).limit(1).get();
  }

  /** Per-second rows from `sinceMs`, grouped into at most `maxPoints` buckets of whole seconds. */
  series(sinceMs: number, untilMs: number, maxPoints: number): { bucketSeconds: number; points: SeriesPoint[] } {
    const spanSeconds = Math.max(1, Math.ceil((untilMs - sinceMs) / 1000));
    const bucketSeconds = Math.max(1, Math.ceil(spanSeconds / maxPoints));
    const bucketMs = bucketSeconds * 1000;
    const buckets = new Map<number, SecondRow[]>();
    for (const row of this.secondsSince(sinceMs)) {
      const at = Math.floor(row.at.getTime() / bucketMs) * bucketMs;
      const list = buckets.get(at) ?? [];
      list.push(row);
      buckets.set(at, list);
    }
    const points = [...buckets.entries()].map(([at, rows]) => {
      const mean = (key: ResourceKey) => {
        const values = rows.map((row) => statistics(row, key));
        const average = (pick: (value: { average: number; min: number; max: number }) => number) =>
          values.reduce((sum, value) => sum + pick(value), 0) / values.length;
        return {
          average: average((value) => value.average),
          min: average((value) => value.min),
          max: average((value) => value.max),
        };
      };
      const inside =
        rows.filter((row) => RESOURCE_KEYS.every((key) => inBand(statistics(row, key)))).length / rows.length;
      return { at, seconds: rows.length, cpu: mean("cpu"), io: mean("io"), memory: mean("memory"), inBand: inside };
    });
    return { bucketSeconds, points };
  }

  band(sinceMs: number): BandSummary {
    const rows = this.secondsSince(sinceMs);
    const fraction = { cpu: 0, io: 0, memory: 0, all: 0 };
    const spreadSum = { cpu: 0, io: 0, memory: 0 };
    const spreadCount = { cpu: 0, io: 0, memory: 0 };
    for (const row of rows) {
      let all = true;
      for (const key of RESOURCE_KEYS) {
        const value = statistics(row, key);
        if (inBand(value)) fraction[key]++;
        else all = false;
        if (value.average > 0) {
          spreadSum[key] += (value.max - value.min) / value.average;
          spreadCount[key]++;
        }
      }
      if (all) fraction.all++;
    }
    const n = Math.max(1, rows.length);
    return {
      seconds: rows.length,
      fraction: { cpu: fraction.cpu / n, io: fraction.io / n, memory: fraction.memory / n, all: fraction.all / n },
      meanSpread: {
        cpu: spreadSum.cpu / Math.max(1, spreadCount.cpu),
        io: spreadSum.io / Math.max(1, spreadCount.io),
        memory: spreadSum.memory / Math.max(1, spreadCount.memory),
      },
    };
  }

  latency(sinceMs: number, defaultDelayTicks = 1): LatencySummary {
    const rows = this.db
      .select({ total: schedulingExecution.totalDelayTicks })
      .from(schedulingExecution)
      .where(gte(schedulingExecution.executedAt, new Date(sinceMs)))
      .limit(50_000)
      .all();
    const totals = rows.map((row) => row.total).sort((a, b) => a - b);
    const added = totals.map((total) => Math.max(0, total - defaultDelayTicks));
    return {
      executions: totals.length,
      addedDelayTicks: { p50: percentile(added, 0.5), p95: percentile(added, 0.95), max: added.at(-1) ?? 0 },
      totalDelayTicks: { p50: percentile(totals, 0.5), p95: percentile(totals, 0.95) },
    };
  }

  executions(input: { page: number; pageSize: number; template?: string }, defaultDelayTicks = 1) {
    const search = input.template?.trim().toLowerCase();
    const templateIndex = search && /^#?\d+$/.test(search) ? Number(search.replace("#", "")) : undefined;
    const matchingTemplates =
      templateIndex !== undefined
        ? this.db
            .select({ id: schedulingTemplate.id })
            .from(schedulingTemplate)
            .where(eq(schedulingTemplate.templateIndex, templateIndex))
            .all()
            .map((row) => row.id)
        : [];
    const filter = search
      ? or(
          like(schedulingExecution.templateId, `${search.replace(/[%_]/g, "")}%`),
          ...matchingTemplates.map((id) => eq(schedulingExecution.templateId, id)),
        )
      : undefined;
    const total = this.db.select({ value: count() }).from(schedulingExecution).where(filter).get()!.value;
    const items = this.db
      .select({
        id: schedulingExecution.id,
        templateId: schedulingExecution.templateId,
        templateIndex: schedulingTemplate.templateIndex,
        logId: schedulingExecution.logId,
        queuedTick: schedulingExecution.queuedTick,
        queuedAt: schedulingExecution.queuedAt,
        executedTick: schedulingExecution.executedTick,
        executedAt: schedulingExecution.executedAt,
        totalDelayTicks: schedulingExecution.totalDelayTicks,
        requestedDelayTicks: schedulingExecution.addedDelayTicks,
      })
      .from(schedulingExecution)
      .leftJoin(schedulingTemplate, eq(schedulingTemplate.id, schedulingExecution.templateId))
      .where(filter)
      .orderBy(desc(schedulingExecution.executedAt), desc(schedulingExecution.seq))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize)
      .all()
      .map((row) => ({ ...row, addedDelayTicks: Math.max(0, row.totalDelayTicks - defaultDelayTicks) }));
    return { items, total, page: input.page, pageSize: input.pageSize };
  }

  templates(input: { page: number; pageSize: number }) {
    const total = this.db.select({ value: count() }).from(schedulingTemplate).get()!.value;
    // Qualified by hand: inside a sub-select drizzle's bare column names would resolve to the inner table.
    const executionCounts = sql<number>`(select count(*) from "scheduling_execution" as "counted" where "counted"."template_id" = "scheduling_template"."id")`;
    const items = this.db
      .select({
        id: schedulingTemplate.id,
        index: schedulingTemplate.templateIndex,
        profile: schedulingTemplate.profile,
        trueCost: {
          cpu: schedulingTemplate.trueCpu,
          memory: schedulingTemplate.trueMemory,
          io: schedulingTemplate.trueIo,
        },
        estimatedCpu: schedulingTemplate.estimatedCpu,
        estimatedMemory: schedulingTemplate.estimatedMemory,
        estimatedIo: schedulingTemplate.estimatedIo,
        estimatedAt: schedulingTemplate.estimatedAt,
        probability: schedulingTemplate.probability,
        executions: executionCounts,
      })
      .from(schedulingTemplate)
      .orderBy(asc(schedulingTemplate.templateIndex))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize)
      .all();
    return { items, total, page: input.page, pageSize: input.pageSize };
  }

  /** Recent history for warming the estimator after a restart. */
  recentHistory(logId: string, sinceMs: number) {
    const windows = this.db
      .select()
      .from(schedulingResourceSecond)
      .where(and(eq(schedulingResourceSecond.logId, logId), gte(schedulingResourceSecond.at, new Date(sinceMs))))
      .orderBy(asc(schedulingResourceSecond.windowIndex))
      .limit(3600)
      .all();
    const firstTick = windows[0]?.firstTick ?? Number.MAX_SAFE_INTEGER;
    const executions = this.db
      .select({ templateId: schedulingExecution.templateId, executedTick: schedulingExecution.executedTick })
      .from(schedulingExecution)
      .where(and(eq(schedulingExecution.logId, logId), gte(schedulingExecution.executedTick, firstTick)))
      .limit(200_000)
      .all();
    return { windows, executions };
  }

  saveEstimates(
    estimates: Array<{ templateId: string; cost: { cpu: number; io: number; memory: number } }>,
    at: number,
  ): void {
    this.db.transaction(
      (tx) => {
        for (const estimate of estimates) {
          tx.update(schedulingTemplate)
            .set({
              estimatedCpu: estimate.cost.cpu,
              estimatedMemory: estimate.cost.memory,
              estimatedIo: estimate.cost.io,
              estimatedAt: new Date(at),
            })
            .where(eq(schedulingTemplate.id, estimate.templateId))
            .run();
        }
      },
      { behavior: "immediate" },
    );
  }

  gaps(limit = 20) {
    return this.db
      .select()
      .from(schedulingCaptureGap)
      .orderBy(desc(schedulingCaptureGap.detectedAt))
      .limit(limit)
      .all();
  }
}
