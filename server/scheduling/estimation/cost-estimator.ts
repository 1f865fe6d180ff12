/**
 * Per-template cost vectors from the captured execution history and the per-second resources reports.
 *
 * What the data gives, per one-second window and per resource:
 *  - the window's SUM, up to the floor division: avg × n ≤ sum ≤ avg × n + n − 1. One noisy linear equation
 *    Σ count(template) × cost(template) ≈ avg × n + (n − 1) / 2, noise uniform with sd ≈ 2.9 at n = 10.
 *  - the MAX and the MIN: each is the exact load of one tick of the window. Which tick is not reported, but the
 *    history says which templates ran in each tick, so once the costs are roughly known the tick whose predicted
 *    load matches the reported max (min) is found, and the window yields an EXACT integer equation.
 *  - every other tick's load lies in [min, max]: a prediction outside the bounds is pulled back to it.
 *
 * The fit is a non-negative least-squares problem (ml-fcnnls, Fast Combinatorial NNLS). First the sum equations,
 * which share one design matrix across the three resources, are solved together (multiple right-hand sides);
 * then, per resource, the min/max ticks are identified with the current estimate and the exact equations are
 * added with a high weight, a few rounds over. Costs are integers in the simulated database: a template whose
 * estimate is pinned by exact equations is rounded, which removes the last fraction of error.
 *
 * The normal equations are accumulated sparsely (a tick holds a handful of templates) and handed to the NNLS
 * solver through their Cholesky factor, an equivalent square system: min ‖Xc − y‖² = min ‖Rc − R⁻ᵀXᵀy‖² + const
 * with XᵀX = RᵀR. That keeps an hour of history (36,000 rows) as cheap as a minute.
 */
import { fcnnls } from "ml-fcnnls";
import { CholeskyDecomposition, Matrix } from "ml-matrix";
import {
  COST_RESOURCES,
  type CostEstimates,
  type CostResource,
  type CostVector,
  type ExecutionObservation,
  type TemplateCostEstimate,
  type WindowObservation,
} from "./types";

export type CostEstimatorOptions = {
  /** Identification rounds after the sum-only fit (default 4). */
  rounds?: number;
  /** Standard deviation given to an exact min/max equation, in cost units (default 0.25). */
  exactSd?: number;
  /** Standard deviation given to a bound (a tick predicted above the max or below the min) (default 3). */
  boundSd?: number;
  /** Round the estimates pinned by exact equations to integers (default true: the simulated costs are integers). */
  roundToIntegers?: boolean;
  /** Observations a template needs, besides one exact equation, to count as confident (default 2). */
  minObservations?: number;
};

type TickComposition = { key: string; entries: Array<[column: number, count: number]> };

type PreparedWindow = {
  window: WindowObservation;
  /** Counts per template column over the whole window. */
  totals: Map<number, number>;
  /** Non-empty ticks only. */
  ticks: TickComposition[];
  emptyTicks: number;
};

/** Accumulates XᵀX and Xᵀy for sparse weighted rows. */
class NormalEquations {
  readonly gram: Float64Array;
  readonly rhs: Float64Array;
  constructor(readonly size: number) {
    this.gram = new Float64Array(size * size);
    this.rhs = new Float64Array(size);
  }
  add(entries: ReadonlyArray<readonly [number, number]>, target: number, weight: number): void {
    const w2 = weight * weight;
    for (const [i, xi] of entries) {
      this.rhs[i]! += w2 * xi * target;
      for (const [j, xj] of entries) this.gram[i * this.size + j]! += w2 * xi * xj;
    }
  }
  clone(): NormalEquations {
    const copy = new NormalEquations(this.size);
    copy.gram.set(this.gram);
    copy.rhs.set(this.rhs);
    return copy;
  }
}

/** Solves min ‖Xc − y‖², c ≥ 0, given XᵀX and Xᵀy for one or more right-hand sides, with ml-fcnnls. */
function solveNonNegative(gram: Float64Array, rhs: Float64Array[], size: number): number[][] {
  // A tiny ridge keeps the factorisation defined for templates that never appear apart from one another; the
  // matrix is symmetrised because summing in a different order leaves rounding differences across the diagonal.
  let cholesky: CholeskyDecomposition | undefined;
  for (let ridge = 1e-6; !cholesky; ridge *= 100) {
    const rows: number[][] = [];
    for (let i = 0; i < size; i++) {
      const row: number[] = [];
      for (let j = 0; j < size; j++) row.push((gram[i * size + j]! + gram[j * size + i]!) / 2 + (i === j ? ridge : 0));
      rows.push(row);
    }
    const candidate = new CholeskyDecomposition(new Matrix(rows));
    if (candidate.isPositiveDefinite() || ridge > 1e3) cholesky = candidate;
  }
  const lower = cholesky.lowerTriangularMatrix; // XᵀX = L Lᵀ, so R = Lᵀ
  const targets = new Matrix(size, rhs.length);
  for (let k = 0; k < rhs.length; k++) {
    // Forward substitution: L z = Xᵀy.
    const z = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      let value = rhs[k]![i]!;
      for (let j = 0; j < i; j++) value -= lower.get(i, j) * z[j]!;
      z[i] = value / lower.get(i, i);
    }
    for (let i = 0; i < size; i++) targets.set(i, k, z[i]!);
  }
  const { K } = fcnnls(lower.transpose(), targets, { maxIterations: size * 10 });
  const solution: number[][] = [];
  for (let k = 0; k < rhs.length; k++) solution.push(Array.from({ length: size }, (_, i) => Math.max(0, K.get(i, k))));
  return solution;
}

function windowSumTarget(window: WindowObservation, resource: CostResource): number {
  return window[resource].average * window.samples + (window.samples - 1) / 2;
}

function windowSumSd(samples: number): number {
  return Math.max(0.3, Math.sqrt((samples * samples - 1) / 12));
}

function predictedLoad(entries: TickComposition["entries"], costs: number[]): number {
  let load = 0;
  for (const [column, count] of entries) load += count * costs[column]!;
  return load;
}

/**
 * Finds the tick whose load equals `observed` under the current estimate, if only one composition fits:
 * the closest within `tolerance`, with every other composition at least twice as far.
 */
function identifyTick(
  ticks: TickComposition[],
  costs: number[],
  observed: number,
  tolerance: number,
): TickComposition | undefined {
  let best: TickComposition | undefined;
  let bestDistance = Infinity;
  let secondDistance = Infinity;
  for (const tick of ticks) {
    const distance = Math.abs(predictedLoad(tick.entries, costs) - observed);
    if (best && tick.key === best.key) {
      bestDistance = Math.min(bestDistance, distance);
      continue;
    }
    if (distance < bestDistance) {
      if (best) secondDistance = Math.min(secondDistance, bestDistance);
      best = tick;
      bestDistance = distance;
    } else if (distance < secondDistance) {
      secondDistance = distance;
    }
  }
  if (!best || bestDistance > tolerance || secondDistance < Math.max(2 * tolerance, bestDistance + tolerance))
    return undefined;
  return best;
}

export function estimateCosts(
  executions: readonly ExecutionObservation[],
  windows: readonly WindowObservation[],
  options: CostEstimatorOptions = {},
): CostEstimates {
  const rounds = options.rounds ?? 4;
  const exactSd = options.exactSd ?? 0.25;
  const boundSd = options.boundSd ?? 3;
  const roundToIntegers = options.roundToIntegers ?? true;
  const minObservations = options.minObservations ?? 2;

  // Index the history by tick, and the templates by column.
  const columns = new Map<string, number>();
  const templateIds: string[] = [];
  const byTick = new Map<number, Map<number, number>>();
  let firstExecutionTick = Infinity;
  let lastExecutionTick = -Infinity;
  for (const execution of executions) {
    let column = columns.get(execution.templateId);
    if (column === undefined) {
      column = templateIds.length;
      columns.set(execution.templateId, column);
      templateIds.push(execution.templateId);
    }
    let tick = byTick.get(execution.executedTick);
    if (!tick) byTick.set(execution.executedTick, (tick = new Map()));
    tick.set(column, (tick.get(column) ?? 0) + 1);
    firstExecutionTick = Math.min(firstExecutionTick, execution.executedTick);
    lastExecutionTick = Math.max(lastExecutionTick, execution.executedTick);
  }
  const size = templateIds.length;
  const emptyResult: CostEstimates = { templates: new Map(), windows: 0, exactResidual: { cpu: 0, io: 0, memory: 0 } };
  if (size === 0) return emptyResult;

  const prepared: PreparedWindow[] = [];
  for (const window of windows) {
    const totals = new Map<number, number>();
    const ticks: TickComposition[] = [];
    let emptyTicks = 0;
    for (let tickNumber = window.firstTick; tickNumber <= window.lastTick; tickNumber++) {
      const tick = byTick.get(tickNumber);
      if (!tick || tick.size === 0) {
        emptyTicks++;
        continue;
      }
      const entries = [...tick.entries()].sort((a, b) => a[0] - b[0]);
      for (const [column, count] of entries) totals.set(column, (totals.get(column) ?? 0) + count);
      ticks.push({ key: entries.map(([column, count]) => `${column}x${count}`).join(","), entries });
    }
    const reportedLoad = window.cpu.max + window.io.max + window.memory.max;
    // A window with load but no recorded execution is not covered by the history (or the history lost rows):
    // it would pull every estimate down, so it is left out. Windows outside the history's span likewise.
    if (window.firstTick < firstExecutionTick || window.lastTick > lastExecutionTick + window.samples) continue;
    if (ticks.length === 0 && reportedLoad > 0) continue;
    if (ticks.length === 0) continue;
    prepared.push({ window, totals, ticks, emptyTicks });
  }
  if (prepared.length === 0) return emptyResult;

  // Stage 1: the sum equations, one design shared by the three resources.
  const sums = new NormalEquations(size);
  const sumRhs = COST_RESOURCES.map(() => new Float64Array(size));
  for (const { window, totals } of prepared) {
    const entries = [...totals.entries()];
    const weight = 1 / windowSumSd(window.samples);
    sums.add(entries, 0, weight);
    COST_RESOURCES.forEach((resource, k) => {
      const target = windowSumTarget(window, resource);
      for (const [i, xi] of entries) sumRhs[k]![i]! += weight * weight * xi * target;
    });
  }
  let estimate = solveNonNegative(sums.gram, sumRhs, size);

  // Stage 2: per resource, identify the min and max ticks and add their exact equations.
  const exactCounts = COST_RESOURCES.map(() => new Int32Array(size));
  const exactResidual: CostVector = { cpu: 0, io: 0, memory: 0 };
  COST_RESOURCES.forEach((resource, k) => {
    let costs = estimate[k]!;
    let tolerance = 6;
    for (let round = 0; round < rounds; round++) {
      const equations = new NormalEquations(size);
      equations.gram.set(sums.gram);
      equations.rhs.set(sumRhs[k]!);
      const exactRows: Array<{ entries: TickComposition["entries"]; target: number }> = [];
      for (const { window, ticks, emptyTicks } of prepared) {
        const { min, max } = window[resource];
        const maxTick = identifyTick(ticks, costs, max, tolerance);
        if (maxTick) exactRows.push({ entries: maxTick.entries, target: max });
        if (emptyTicks === 0 && min > 0 && min !== max) {
          const minTick = identifyTick(ticks, costs, min, tolerance);
          if (minTick) exactRows.push({ entries: minTick.entries, target: min });
        }
        // Every tick lies within [min, max]: predictions outside are pulled back to the bound.
        for (const tick of ticks) {
          if (tick === maxTick) continue;
          const load = predictedLoad(tick.entries, costs);
          if (load > max) equations.add(tick.entries, max, 1 / boundSd);
          else if (emptyTicks === 0 && load < min) equations.add(tick.entries, min, 1 / boundSd);
        }
      }
      for (const row of exactRows) equations.add(row.entries, row.target, 1 / exactSd);
      costs = solveNonNegative(equations.gram, [equations.rhs], size)[0]!;
      let squared = 0;
      for (const row of exactRows) squared += (predictedLoad(row.entries, costs) - row.target) ** 2;
      const rmse = exactRows.length > 0 ? Math.sqrt(squared / exactRows.length) : tolerance;
      if (round === rounds - 1) {
        exactResidual[resource] = rmse;
        for (const row of exactRows) for (const [column] of row.entries) exactCounts[k]![column]! += 1;
      }
      tolerance = Math.max(1.5, Math.min(tolerance, 4 * rmse + 1));
    }
    estimate[k] = costs;
  });
  estimate = estimate.map((column) => [...column]);

  const observations = new Int32Array(size);
  for (const { totals } of prepared) for (const [column, count] of totals) observations[column]! += count;

  const templates = new Map<string, TemplateCostEstimate>();
  templateIds.forEach((templateId, column) => {
    const exactEquations = Math.min(...COST_RESOURCES.map((_, k) => exactCounts[k]![column]!));
    const confident = exactEquations >= 1 && observations[column]! >= minObservations;
    const value = (k: number) => {
      const raw = estimate[k]![column]!;
      return roundToIntegers && confident ? Math.round(raw) : raw;
    };
    if (observations[column] === 0) return;
    templates.set(templateId, {
      templateId,
      cost: { cpu: value(0), io: value(1), memory: value(2) },
      observations: observations[column]!,
      exactEquations,
      confident,
    });
  });
  return { templates, windows: prepared.length, exactResidual };
}

/** Relative error of an estimate against the true costs, per resource: mean |est − true| / true, and the max. */
export function estimateError(
  estimates: ReadonlyMap<string, { cost: CostVector }>,
  truth: ReadonlyMap<string, CostVector>,
): Record<CostResource, { meanRelative: number; maxRelative: number; meanAbsolute: number; exactShare: number }> & {
  templates: number;
} {
  const result = {} as Record<
    CostResource,
    { meanRelative: number; maxRelative: number; meanAbsolute: number; exactShare: number }
  >;
  let templates = 0;
  for (const resource of COST_RESOURCES) {
    let relative = 0;
    let absolute = 0;
    let maxRelative = 0;
    let exact = 0;
    let count = 0;
    for (const [templateId, estimate] of estimates) {
      const trueCost = truth.get(templateId);
      if (!trueCost) continue;
      const error = Math.abs(estimate.cost[resource] - trueCost[resource]);
      const rel = error / Math.max(1, trueCost[resource]);
      relative += rel;
      absolute += error;
      maxRelative = Math.max(maxRelative, rel);
      if (error < 0.5) exact++;
      count++;
    }
    templates = count;
    result[resource] = {
      meanRelative: count ? relative / count : 0,
      maxRelative,
      meanAbsolute: count ? absolute / count : 0,
      exactShare: count ? exact / count : 0,
    };
  }
  return { ...result, templates };
}
