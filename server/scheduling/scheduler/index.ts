/**
 * The query scheduler (issue 6, Part 2) — public API for the module wiring and the tRPC router.
 *
 *   const estimator = new CostEstimatorService();            // estimation/estimator-service.ts
 *   estimator.recordExecutions(capturedRows);                 // { templateId, executedTick }[] from the capture
 *   estimator.recordWindow(window);                           // each 1-second resources window (with its ticks)
 *   estimator.refit();                                        // NNLS fit; estimator.estimates() → per template
 *
 *   const scheduler = createScheduler({
 *     api: new HttpDatabaseApi({ baseUrl: "http://127.0.0.1:8080", clock }),   // adapters/http-database-api.ts
 *     costs: estimator,                                       // any CostModel: { cost(templateId) }
 *     clock,                                                  // polls the database every pollMs (20 ms)
 *     maxAddedDelayTicks: 50,                                 // bound on the added delay (5 s at 10 ticks/s)
 *   });
 *   scheduler.start(); await scheduler.stop();
 *   scheduler.isEnabled(); await scheduler.setEnabled(false); // off: held executions are released at once
 *   scheduler.status();  // { bandFraction: {cpu, io, memory, all}, addedDelayTicks: {p50, p95, max}, backlog, … }
 *
 * The port is DatabaseApi (database-api.ts): queued(), delay(id, ticks), resources(), timing(). Its adapters:
 * HttpDatabaseApi (production, against the database server) and SimulationDatabaseApi (in-process, benches and
 * tests). Policies: "planner" (ours: balanced windows from a backlog, planner.ts), "greedy" (the comparison,
 * greedy.ts), "none". An oracle is the planner given the true costs as its CostModel.
 * See docs/scheduling-planner.md.
 */
import { Scheduler, type SchedulerOptions } from "./scheduler";

export { Scheduler, inBand } from "./scheduler";
export type { CostModel, SchedulerOptions, SchedulerStatus, SchedulingPolicy, BandFigures } from "./scheduler";
export type { DatabaseApi, DatabaseTiming, QueuedExecutionView } from "./database-api";
export { planWindow, windowSpread, DEFAULT_PLANNER_OPTIONS } from "./planner";
export type { PlannerItem, PlannerOptions, WindowPlan } from "./planner";
export { planGreedyTick } from "./greedy";
export { CostEstimatorService } from "../estimation/estimator-service";
export { estimateCosts, estimateError } from "../estimation/cost-estimator";
export type { CostEstimates, CostVector, TemplateCostEstimate, ExecutionObservation, WindowObservation } from "../estimation/types";

export function createScheduler(options: SchedulerOptions): Scheduler {
  return new Scheduler(options);
}
