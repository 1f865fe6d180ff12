/**
 * The scheduling console: exactly what the tRPC router `scheduling` may call. It composes the read model over
 * the captured history (SchedulingReadModel) with the engines' reports and the scheduler switch
 * (SchedulingUseCases), so that any process — one that runs no engine included — shows the same figures.
 * "The last hour" is the database server's wall time, the time base of the captured history.
 */
import type { Actor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { CaptureStatus } from "./capture/capture-client";
import type {
  BandSummary,
  CaptureGap,
  CapturedExecution,
  LatencySummary,
  Page,
  SchedulingReadModel,
  SeriesPoint,
  TemplateView,
} from "./ports";
import type { SchedulerStatus } from "./scheduler/scheduler";
import type { EstimatorStatus, SchedulingUseCases } from "./use-cases";

/** The charts' ranges: the span shown and the most buckets it is cut into. */
const RESOURCE_RANGES = { live: { seconds: 120, points: 120 }, hour: { seconds: 3600, points: 120 } } as const;
export type ResourceRange = keyof typeof RESOURCE_RANGES;

/** Gaps shown with the summary. */
const SUMMARY_GAPS = 5;

export type ResourceSeries = { range: ResourceRange; now: number; bucketSeconds: number; points: SeriesPoint[] };

export type SchedulingSummary = {
  windowSeconds: number;
  band: BandSummary;
  latency: LatencySummary;
  capture: CaptureStatus;
  scheduler: { enabled: boolean; status: SchedulerStatus | null };
  estimator: EstimatorStatus;
  dbsimUrl: string | null;
  gaps: CaptureGap[];
};

export interface SchedulingConsole {
  /** The per-second resources of the range, bucketed on the server. */
  resourceSeries(range: ResourceRange): ResourceSeries;
  /** Band and latency over the last `windowSeconds`, the engines' reported capture, scheduler and estimator, the switch, the newest gaps. */
  summary(windowSeconds: number): SchedulingSummary;
  executions(input: { page: number; pageSize: number; template?: string }): Page<CapturedExecution>;
  templates(input: { page: number; pageSize: number }): Page<TemplateView>;
  /** Audited; the engine holding the server's lease follows within a second or two. */
  setSchedulerEnabled(enabled: boolean, actor: Actor): { enabled: boolean };
}

export function createSchedulingConsole(options: {
  readModel: SchedulingReadModel;
  useCases: SchedulingUseCases;
  /** The time base of the captured history (the database server's wall clock). */
  wallClock: Clock;
}): SchedulingConsole {
  const { readModel, useCases, wallClock } = options;
  return {
    resourceSeries(range) {
      const { seconds, points } = RESOURCE_RANGES[range];
      const now = wallClock.now();
      return { range, now, ...readModel.series(now - seconds * 1000, now, points) };
    },
    summary(windowSeconds) {
      const since = wallClock.now() - windowSeconds * 1000;
      // Read from the engines' reports in the database: this process may run no engine (WATCHPOST_ENGINES=none).
      const engines = useCases.engineStatus();
      return {
        windowSeconds,
        band: readModel.band(since),
        latency: readModel.latency(since),
        capture: engines.capture,
        scheduler: { enabled: useCases.schedulerEnabled(), status: engines.scheduler ?? null },
        estimator: engines.estimator ?? { fittedAt: undefined, windows: 0, templates: 0 },
        dbsimUrl: engines.dbsimUrl ?? null,
        gaps: readModel.gaps(SUMMARY_GAPS),
      };
    },
    executions: (input) => readModel.executions(input),
    templates: (input) => readModel.templates(input),
    setSchedulerEnabled(enabled, actor) {
      useCases.setSchedulerEnabled(enabled, actor);
      return { enabled };
    },
  };
}
