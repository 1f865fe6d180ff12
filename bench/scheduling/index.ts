/**
 * The scheduling bench: how well each scheduler keeps every second's min and max within ±10% of its average,
 * and what it costs in latency. It drives the simulated database in-process (SimulationDatabaseApi, the same
 * shape as the HTTP API) tick by tick, far faster than real time.
 *
 * Each run: a warm-up with no scheduling (the capture and the metrics the estimator learns from), then the
 * measured period under the scheduler. Rows: no scheduling, greedy (estimated costs), ours (the planner with
 * the costs it estimated itself, refitted every minute), oracle (the planner with the true costs). Presets: the
 * default parameters and 4× / 8× the arrival rate.
 *
 * Run: `npx tsx bench/scheduling/run.ts` (env SCHEDULING_BENCH_SECONDS, SCHEDULING_BENCH_SEEDS, …).
 */
import { DatabaseSimulation } from "@/server/scheduling/dbsim/simulation";
import { CostEstimatorService } from "@/server/scheduling/estimation/estimator-service";
import { estimateError } from "@/server/scheduling/estimation/cost-estimator";
import type { CostVector, WindowObservation } from "@/server/scheduling/estimation/types";
import { SimulationDatabaseApi } from "@/server/scheduling/testing/simulation-database-api";
import type { PlannerOptions } from "@/server/scheduling/scheduler/planner";
import { secondsFigures } from "./figures";
import { Scheduler, type CostModel, type SchedulingPolicy } from "@/server/scheduling/scheduler/scheduler";

export type BenchRowName = "none" | "greedy" | "ours" | "oracle";

export type ScenarioOptions = {
  seed: number;
  arrivalScale: number;
  row: BenchRowName;
  warmupSeconds: number;
  seconds: number;
  maxAddedDelayTicks: number;
  /** Refit the estimate every this many simulated seconds during the measured period (ours, greedy). */
  refitSeconds: number;
  planner?: Partial<PlannerOptions>;
};

export type ScenarioResult = {
  row: BenchRowName;
  seconds: number;
  band: { cpu: number; io: number; memory: number; all: number };
  /** Mean (max − min) / avg over the seconds with load. */
  spread: { cpu: number; io: number; memory: number; all: number };
  latencyTicks: { p50: number; p95: number; max: number };
  /** Seconds with no load at all (min = max = average = 0): counted outside the band, see docs/scheduling-planner.md. */
  idleSeconds: number;
  estimateError?: { cpu: number; io: number; memory: number };
  wallMs: number;
  windowsPlanned?: number;
  windowsBalanced?: number;
};

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const simulation = new DatabaseSimulation({ seed: options.seed, arrivalScale: options.arrivalScale });
  const { metricsWindowTicks, defaultDelayTicks } = simulation.parameters;
  const api = new SimulationDatabaseApi(simulation);
  const estimator = new CostEstimatorService();
  const truth = new Map<string, CostVector>(
    simulation.templates.map((template) => [
      template.id,
      { cpu: template.cost.cpu, io: template.cost.io, memory: template.cost.memory },
    ]),
  );
  const oracle: CostModel = { cost: (templateId) => truth.get(templateId) };
  const policy: SchedulingPolicy = options.row === "none" ? "none" : options.row === "greedy" ? "greedy" : "planner";
  const usesEstimate = options.row === "ours" || options.row === "greedy";

  const feed = (result: ReturnType<DatabaseSimulation["tick"]>) => {
    if (!usesEstimate) return;
    estimator.recordExecutions(result.executed);
    if (result.window) estimator.recordWindow(result.window);
  };
  for (let tick = 0; tick < options.warmupSeconds * metricsWindowTicks; tick++) feed(simulation.tick());
  if (usesEstimate) estimator.refit();

  const scheduler = new Scheduler({
    api,
    costs: options.row === "oracle" ? oracle : estimator,
    policy,
    maxAddedDelayTicks: options.maxAddedDelayTicks,
    ...(options.planner ? { planner: options.planner } : {}),
  });
  const windows: WindowObservation[] = [];
  const latencies: number[] = [];
  const measuredTicks = options.seconds * metricsWindowTicks;
  const firstMeasured = simulation.currentTick;
  for (let tick = 0; tick < measuredTicks; tick++) {
    await scheduler.step();
    const result = simulation.tick();
    feed(result);
    // Seconds that began before the scheduler started are not counted.
    if (result.window && result.window.firstTick >= firstMeasured) windows.push(result.window);
    for (const execution of result.executed) latencies.push(execution.totalDelayTicks - defaultDelayTicks);
    if (usesEstimate && result.window && estimator.pendingWindows >= options.refitSeconds) estimator.refit();
  }

  const figures = secondsFigures(windows, latencies);
  let error: ScenarioResult["estimateError"];
  if (usesEstimate && estimator.estimates()) {
    const measured = estimateError(estimator.estimates()!.templates, truth);
    error = { cpu: measured.cpu.meanRelative, io: measured.io.meanRelative, memory: measured.memory.meanRelative };
  }
  return {
    row: options.row,
    ...figures,
    ...(error ? { estimateError: error } : {}),
    wallMs: performance.now() - started,
    windowsPlanned: scheduler.status().windowsPlanned,
    windowsBalanced: scheduler.status().windowsBalanced,
  };
}

export type BenchPreset = { name: string; arrivalScale: number; maxAddedDelayTicks: number };

export const BENCH_PRESETS: BenchPreset[] = [
  { name: "defaults", arrivalScale: 1, maxAddedDelayTicks: 50 },
  { name: "4x arrivals", arrivalScale: 4, maxAddedDelayTicks: 30 },
  { name: "8x arrivals", arrivalScale: 8, maxAddedDelayTicks: 30 },
];

export type SchedulingBenchOptions = {
  seconds?: number;
  warmupSeconds?: number;
  seeds?: number[];
  presets?: BenchPreset[];
  rows?: BenchRowName[];
  log?: (line: string) => void;
};

export type SchedulingBenchResult = Array<{ preset: BenchPreset; rows: ScenarioResult[] }>;

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Averages the per-seed results of one row. */
function combine(results: ScenarioResult[]): ScenarioResult {
  const pick = (f: (r: ScenarioResult) => number) => mean(results.map(f));
  return {
    row: results[0]!.row,
    seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    band: {
      cpu: pick((r) => r.band.cpu),
      io: pick((r) => r.band.io),
      memory: pick((r) => r.band.memory),
      all: pick((r) => r.band.all),
    },
    spread: {
      cpu: pick((r) => r.spread.cpu),
      io: pick((r) => r.spread.io),
      memory: pick((r) => r.spread.memory),
      all: pick((r) => r.spread.all),
    },
    latencyTicks: {
      p50: pick((r) => r.latencyTicks.p50),
      p95: pick((r) => r.latencyTicks.p95),
      max: Math.max(...results.map((r) => r.latencyTicks.max)),
    },
    idleSeconds: results.reduce((sum, r) => sum + r.idleSeconds, 0),
    ...(results[0]!.estimateError
      ? {
          estimateError: {
            cpu: pick((r) => r.estimateError?.cpu ?? 0),
            io: pick((r) => r.estimateError?.io ?? 0),
            memory: pick((r) => r.estimateError?.memory ?? 0),
          },
        }
      : {}),
    wallMs: results.reduce((sum, r) => sum + r.wallMs, 0),
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(7);

export function formatTable(result: SchedulingBenchResult, tickMs = 100): string {
  const lines: string[] = [];
  lines.push(
    "| preset | scheduler | in band cpu | io | memory | all three | idle s | mean (max−min)/avg cpu / io / memory | added latency p50 / p95 | est. error cpu / io / memory | sim s | wall s |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const { preset, rows } of result) {
    for (const row of rows) {
      const seconds = (ticks: number) => `${((ticks * tickMs) / 1000).toFixed(1)} s`;
      const error = row.estimateError
        ? `${percent(row.estimateError.cpu)} / ${percent(row.estimateError.io)} / ${percent(row.estimateError.memory)}`
        : "—";
      lines.push(
        `| ${preset.name} | ${row.row} | ${percent(row.band.cpu)} | ${percent(row.band.io)} | ${percent(row.band.memory)} | ${percent(row.band.all)} | ${row.idleSeconds} | ${row.spread.cpu.toFixed(3)} / ${row.spread.io.toFixed(3)} / ${row.spread.memory.toFixed(3)} | ${seconds(row.latencyTicks.p50)} / ${seconds(row.latencyTicks.p95)} | ${error} | ${row.seconds} | ${(row.wallMs / 1000).toFixed(1)} |`,
      );
    }
  }
  return lines.join("\n");
}

export async function runSchedulingBench(options: SchedulingBenchOptions = {}): Promise<SchedulingBenchResult> {
  const seconds = options.seconds ?? 600;
  const warmupSeconds = options.warmupSeconds ?? 300;
  const seeds = options.seeds ?? [1, 2, 3];
  const presets = options.presets ?? BENCH_PRESETS;
  const rows = options.rows ?? ["none", "greedy", "ours", "oracle"];
  const log = options.log ?? ((line: string) => console.log(line));
  const result: SchedulingBenchResult = [];
  log(
    `scheduling bench: ${seconds} simulated s measured after ${warmupSeconds} s of unscheduled warm-up, seeds ${seeds.join(", ")}`,
  );
  for (const preset of presets) {
    const presetRows: ScenarioResult[] = [];
    for (const row of rows) {
      const perSeed: ScenarioResult[] = [];
      for (const seed of seeds) {
        perSeed.push(
          await runScenario({
            seed,
            arrivalScale: preset.arrivalScale,
            row,
            warmupSeconds,
            seconds,
            maxAddedDelayTicks: preset.maxAddedDelayTicks,
            refitSeconds: 60,
          }),
        );
      }
      const combined = combine(perSeed);
      presetRows.push(combined);
      log(
        `  ${preset.name} / ${row}: all three in band ${percent(combined.band.all)} (per seed ${perSeed.map((r) => percent(r.band.all).trim()).join(", ")}), p95 +${combined.latencyTicks.p95.toFixed(1)} ticks (${(combined.wallMs / 1000).toFixed(1)} s wall)`,
      );
    }
    result.push({ preset, rows: presetRows });
  }
  log("");
  log(formatTable(result));
  return result;
}
