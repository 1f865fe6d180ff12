/**
 * What the cost estimator reads and returns. Kept free of the simulation's own types so that the estimator can
 * be fed from the captured history (database rows), from the HTTP API, or from an in-process run alike.
 */

export const COST_RESOURCES = ["cpu", "io", "memory"] as const;
export type CostResource = (typeof COST_RESOURCES)[number];
export type CostVector = { cpu: number; io: number; memory: number };

/** One executed query as Part 1 captures it: which template ran, and in which tick. */
export type ExecutionObservation = { templateId: string; executedTick: number };

export type WindowStatistics = { average: number; min: number; max: number };

/**
 * One per-second resources report: the per-tick min, max and floor average of the ticks firstTick..lastTick
 * (`samples` of them). The average is `floor(sum / samples)`, so the window's true sum lies in
 * [average × samples, average × samples + samples − 1].
 */
export type WindowObservation = {
  firstTick: number;
  lastTick: number;
  samples: number;
  cpu: WindowStatistics;
  io: WindowStatistics;
  memory: WindowStatistics;
};

export type TemplateCostEstimate = {
  templateId: string;
  cost: CostVector;
  /** Executions of the template inside the windows the estimate used. */
  observations: number;
  /** Exact equations (a window's min or max tick identified) in which the template took part. */
  exactEquations: number;
  /** True when the estimate is pinned by enough data to plan with it as if it were the true cost. */
  confident: boolean;
};

export type CostEstimates = {
  templates: Map<string, TemplateCostEstimate>;
  /** Windows used (those fully covered by the execution history). */
  windows: number;
  /** Root-mean-square residual of the exact (min/max) equations after the fit, per resource. */
  exactResidual: CostVector;
};
