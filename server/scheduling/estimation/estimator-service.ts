/**
 * The estimator service: keeps a bounded history of executed queries and resources windows (fed from the
 * capture, or by a bench), refits the per-template cost vectors on demand, and answers the scheduler's
 * CostModel. The fit itself is cost-estimator.ts.
 */
import { estimateCosts, type CostEstimatorOptions } from "./cost-estimator";
import type { CostEstimates, CostVector, ExecutionObservation, TemplateCostEstimate, WindowObservation } from "./types";

export type EstimatorServiceOptions = CostEstimatorOptions & {
  /** Most recent windows kept for the fit (default 1800 = 30 minutes). */
  maxWindows?: number;
};

export class CostEstimatorService {
  private executions: ExecutionObservation[] = [];
  private windows: WindowObservation[] = [];
  private current: CostEstimates | undefined;
  private fittedAtWindows = 0;

  constructor(private readonly options: EstimatorServiceOptions = {}) {}

  recordExecutions(executions: readonly ExecutionObservation[]): void {
    for (const execution of executions)
      this.executions.push({ templateId: execution.templateId, executedTick: execution.executedTick });
  }

  recordWindow(window: WindowObservation): void {
    this.windows.push(window);
    const max = this.options.maxWindows ?? 1800;
    if (this.windows.length > max * 1.25) {
      this.windows = this.windows.slice(-max);
      const firstTick = this.windows[0]!.firstTick;
      this.executions = this.executions.filter((execution) => execution.executedTick >= firstTick);
    }
  }

  /** Windows recorded since the last fit. */
  get pendingWindows(): number {
    return this.windows.length - this.fittedAtWindows;
  }

  refit(): CostEstimates {
    this.current = estimateCosts(this.executions, this.windows, this.options);
    this.fittedAtWindows = this.windows.length;
    return this.current;
  }

  estimates(): CostEstimates | undefined {
    return this.current;
  }

  estimate(templateId: string): TemplateCostEstimate | undefined {
    return this.current?.templates.get(templateId);
  }

  /** The CostModel the scheduler reads: the estimated cost vector, undefined before a template was seen. */
  cost(templateId: string): CostVector | undefined {
    return this.current?.templates.get(templateId)?.cost;
  }
}
