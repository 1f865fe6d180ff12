/**
 * The scheduling engine's read ports over the captured history, as plain types (no drizzle row types leak):
 * - CapturedHistory: what the engine reads back (the warm-up history, the latest second for the metrics) and
 *   the estimates it writes;
 * - SchedulingReadModel: what the console shows (bucketed series, band and latency, executions, templates, gaps).
 * Both are implemented on SQLite by capture/adapters/capture-queries.ts; the capture's own writes are the
 * CaptureStore (capture/capture-client.ts).
 */
import type { ExecutionObservation } from "./estimation/types";

export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type ResourceKey = "cpu" | "io" | "memory";
export type ResourceStatistics = { average: number; min: number; max: number };

/** One stored 1-second window of the database's resources. */
export type StoredResourceSecond = {
  firstTick: number;
  lastTick: number;
  cpuAverage: number;
  cpuMin: number;
  cpuMax: number;
  ioAverage: number;
  ioMin: number;
  ioMax: number;
  memoryAverage: number;
  memoryMin: number;
  memoryMax: number;
};

export interface CapturedHistory {
  /** The windows of log `logId` since `sinceMs` (oldest first) and the executions from the first of them on: for warming the estimator after a restart. */
  recentHistory(
    logId: string,
    sinceMs: number,
  ): { windows: StoredResourceSecond[]; executions: ExecutionObservation[] };
  /** The newest stored second, if any. */
  latestSecond(): StoredResourceSecond | undefined;
  /** Atomically: the templates' estimated costs, stamped `at`. */
  saveEstimates(
    estimates: Array<{ templateId: string; cost: { cpu: number; io: number; memory: number } }>,
    at: number,
  ): void;
}

export type SeriesPoint = {
  /** Bucket start, Unix ms. */
  at: number;
  seconds: number;
  cpu: ResourceStatistics;
  io: ResourceStatistics;
  memory: ResourceStatistics;
  /** Share of the bucket's seconds inside the ±10% band on all three resources. */
  inBand: number;
};

export type BandSummary = {
  seconds: number;
  fraction: { cpu: number; io: number; memory: number; all: number };
  /** Mean (max - min) / avg over the seconds with a non-zero average. */
  meanSpread: { cpu: number; io: number; memory: number };
};

export type LatencySummary = {
  executions: number;
  addedDelayTicks: { p50: number; p95: number; max: number };
  totalDelayTicks: { p50: number; p95: number };
};

export type CapturedExecution = {
  id: string;
  templateId: string;
  /** null when the template was never announced. */
  templateIndex: number | null;
  logId: string;
  queuedTick: number;
  queuedAt: Date;
  executedTick: number;
  executedAt: Date;
  totalDelayTicks: number;
  /** What the execution really waited beyond the default delay (total − default), the figure people read. */
  addedDelayTicks: number;
  /** The sum of the delays requested for it, as the database server logs it (a release requests a large negative one). */
  requestedDelayTicks: number;
};

export type TemplateView = {
  id: string;
  index: number;
  profile: "cpu" | "io" | "memory";
  trueCost: { cpu: number; memory: number; io: number };
  estimatedCpu: number | null;
  estimatedMemory: number | null;
  estimatedIo: number | null;
  estimatedAt: Date | null;
  probability: number;
  executions: number;
};

export type CaptureGap = {
  id: string;
  logId: string;
  /** First and last missing sequence numbers; null when unknown (the old log is gone). */
  fromSeq: number | null;
  toSeq: number | null;
  reason: "server_log_replaced" | "retention_exceeded";
  detectedAt: Date;
};

export interface SchedulingReadModel {
  /** Per-second rows from `sinceMs`, grouped into at most `maxPoints` buckets of whole seconds. */
  series(sinceMs: number, untilMs: number, maxPoints: number): { bucketSeconds: number; points: SeriesPoint[] };
  band(sinceMs: number): BandSummary;
  latency(sinceMs: number): LatencySummary;
  /** Newest first; `template` matches an id prefix or a template index (`#3` or `3`). */
  executions(input: { page: number; pageSize: number; template?: string }): Page<CapturedExecution>;
  templates(input: { page: number; pageSize: number }): Page<TemplateView>;
  /** The newest gaps, at most `limit`. */
  gaps(limit?: number): CaptureGap[];
}
