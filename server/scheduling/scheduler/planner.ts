/**
 * The window planner: decides which queued executions run in each tick of the coming metrics window.
 *
 * Why a whole window at once: the database reports, per second, the min, max and average of its ten per-tick
 * loads, and a query costs its whole vector in one tick. A second is inside the ±10% band only if all ten
 * ticks carry nearly the same (cpu, io, memory) vector. With 1–2 queries per tick at the defaults, that means
 * choosing, from a backlog held back with POST /delay, ten groups of k queries whose summed vectors match:
 * ten pairs of complementary queries (a CPU-heavy with an IO-heavy, …), or ten near-identical singles, or at
 * higher arrival rates ten groups of k ≈ arrivals-per-tick queries filled to a common target.
 *
 * Group sizes are tried nearest the arrival rate first. Pairs (k = 2, most windows at the defaults) come from a
 * search over target boxes centred on the pair sums of the due and most urgent executions (searchPairs): in each
 * box the due executions are matched first, then the others by urgency, and the balanced plan that runs the most
 * urgent work wins — executions left to age would all come due together, in mixes no box can hold. Other sizes
 * seed groups with the due executions, fill them by urgency and fit, then improve them by swaps (within the
 * window and with the backlog) until every tick lies inside the band with a safety margin. Executions whose
 * deadline (queued tick + default delay + the bound on added delay) falls in the window must run in it: they
 * seed the groups first, and when no balanced plan includes them the window is given up ("lost") and only
 * the due executions run, spread so the spike stays as small as it can.
 *
 * Pure: no I/O, no clock, deterministic for a given input.
 */
import type { CostVector } from "../estimation/types";

export type PlannerItem = {
  executionId: string;
  templateId: string;
  cost: CostVector;
  /** The tick it joined the queue. */
  queuedTick: number;
  /** The last tick it may run in (the bound on added delay). */
  deadlineTick: number;
};

export type PlannerOptions = {
  /** Half-width of the band the planner aims for (0.1 is the target; less leaves room for estimation error). */
  bandMargin: number;
  /** Items the planner tries to keep in the backlog so that the next windows still find matching groups. */
  reserve: number;
  /** The reserve is at least this many windows of arrivals (the scheduler scales it with the arrival rate). */
  reserveWindows: number;
  /** In a window that cannot be balanced, also run the executions due within this many further windows. */
  flushWindows: number;
  /** Pair matching takes the items with the fewest candidate partners first (after the due ones). */
  hardestFirst: boolean;
  /** For pairs: how many urgent items, and partners of each, centre a target box. */
  pairTargets: number;
  /** Expected arrivals per window (an estimate from recent history). */
  arrivalsPerWindow: number;
  /** Most group sizes tried per window. */
  maxGroupSizes: number;
  /** Swap rounds of the improvement pass. */
  improvementRounds: number;
  /** Pair search: how many anchor items centre the candidate boxes (each on its pairs with every other item). */
  pairAnchors: number;
  /** Use the pair search (searchPairs) for k = 2 instead of the target boxes. */
  pairSearch: boolean;
  /** A pair plan whose spread is below this is handed to the swap pass when no box balances outright. */
  repairSpread: number;
  /** Urgency weight: 1 / (1 + slack in windows) ^ urgencyPower. */
  urgencyPower: number;
  /** Groups of three or more: how much a slot prefers urgent items over a closer fit (per unit of rank share). */
  fillUrgency: number;
};

export const DEFAULT_PLANNER_OPTIONS: PlannerOptions = {
  bandMargin: 0.09,
  reserve: 30,
  reserveWindows: 1,
  flushWindows: 0,
  hardestFirst: false,
  pairTargets: 8,
  arrivalsPerWindow: 18,
  maxGroupSizes: 4,
  improvementRounds: 200,
  pairAnchors: 30,
  pairSearch: true,
  repairSpread: 0.2,
  urgencyPower: 2,
  fillUrgency: 0.6,
};

export type WindowPlan = {
  /** Execution id → the tick it must run in. Every due item is included. */
  assignments: Map<string, number>;
  /** True when the plan is balanced (every tick within the margin); false for a lost window. */
  balanced: boolean;
  groupSize: number;
  /** Largest relative deviation of a tick from the window's mean, over the three resources (planned). */
  spread: number;
};

const RESOURCES = ["cpu", "io", "memory"] as const;

type Load = { cpu: number; io: number; memory: number };

function addTo(load: Load, cost: CostVector, sign = 1): void {
  load.cpu += sign * cost.cpu;
  load.io += sign * cost.io;
  load.memory += sign * cost.memory;
}

/** Largest |load − target| / target over the resources. */
function deviation(load: Load, target: Load): number {
  let worst = 0;
  for (const resource of RESOURCES) {
    const t = target[resource];
    const d = t > 0 ? Math.abs(load[resource] - t) / t : load[resource] > 0 ? Infinity : 0;
    if (d > worst) worst = d;
  }
  return worst;
}

/** The window's real figure of merit: the largest relative distance of a tick from the ticks' mean. */
export function windowSpread(loads: readonly Load[]): number {
  if (loads.length === 0) return 0;
  const mean: Load = { cpu: 0, io: 0, memory: 0 };
  for (const load of loads) addTo(mean, load);
  for (const resource of RESOURCES) mean[resource] /= loads.length;
  let worst = 0;
  for (const load of loads) worst = Math.max(worst, deviation(load, mean));
  return worst;
}

type Group = { items: number[]; load: Load };

class Attempt {
  readonly groups: Group[];
  readonly used: Uint8Array;
  constructor(
    readonly items: readonly PlannerItem[],
    readonly ticks: number,
  ) {
    this.groups = Array.from({ length: ticks }, () => ({ items: [], load: { cpu: 0, io: 0, memory: 0 } }));
    this.used = new Uint8Array(items.length);
  }
  put(group: Group, index: number): void {
    group.items.push(index);
    addTo(group.load, this.items[index]!.cost);
    this.used[index] = 1;
  }
  spread(): number {
    return windowSpread(this.groups.map((group) => group.load));
  }
}

/**
 * Builds one attempt: k items per tick around `target`, seeded with the most urgent items. `order` lists item
 * indices by urgency. Returns the attempt after the improvement pass.
 */
function buildAttempt(
  items: readonly PlannerItem[],
  order: readonly number[],
  forcedCount: number,
  ticks: number,
  k: number,
  target: Load,
  options: PlannerOptions,
): Attempt {
  const attempt = new Attempt(items, ticks);
  // Seed: forced (due) items first, spread one per tick, heaviest first so the others can complement them.
  const seeds = order.slice(0, Math.max(forcedCount, 0));
  let cursor = 0;
  for (const index of seeds) {
    // Put each forced item in the group where it best approaches the target, among groups with room.
    let bestGroup: Group | undefined;
    let bestScore = Infinity;
    for (const group of attempt.groups) {
      if (group.items.length >= k) continue;
      const load = { ...group.load };
      addTo(load, items[index]!.cost);
      const partialTarget = scale(target, (group.items.length + 1) / k);
      const score = deviation(load, partialTarget);
      if (score < bestScore) {
        bestScore = score;
        bestGroup = group;
      }
    }
    if (!bestGroup) break;
    attempt.put(bestGroup, index);
  }
  // Every tick gets at least one seed: the most urgent remaining items.
  for (const group of attempt.groups) {
    if (group.items.length > 0) continue;
    while (cursor < order.length && attempt.used[order[cursor]!]) cursor++;
    if (cursor >= order.length) break;
    attempt.put(group, order[cursor]!);
  }
  // Complete each group slot by slot: the candidate that brings the load closest to the partial target,
  // with a small preference for urgent items so that old executions are not starved.
  const urgencyRank = new Float64Array(items.length);
  order.forEach((index, rank) => (urgencyRank[index] = rank / Math.max(1, order.length)));
  for (let slot = 1; slot < k; slot++) {
    for (const group of attempt.groups) {
      if (group.items.length > slot) continue;
      const partialTarget = scale(target, (group.items.length + 1) / k);
      let best = -1;
      let bestScore = Infinity;
      for (let index = 0; index < items.length; index++) {
        if (attempt.used[index]) continue;
        const load = { ...group.load };
        addTo(load, items[index]!.cost);
        const score = deviation(load, partialTarget) + options.fillUrgency * urgencyRank[index]!;
        if (score < bestScore) {
          bestScore = score;
          best = index;
        }
      }
      if (best < 0) break;
      attempt.put(group, best);
    }
  }
  improve(attempt, forcedCount, order, options);
  return attempt;
}

function scale(load: Load, factor: number): Load {
  return { cpu: load.cpu * factor, io: load.io * factor, memory: load.memory * factor };
}

/**
 * Swap pass. The objective is a sum over ticks of a penalty on each tick's relative distance from the window's
 * mean (quadratic, much steeper beyond the margin), so that every move is judged by the one or two ticks it
 * touches. Moves: replace an item of a tick by an unused backlog item, or exchange items between two ticks.
 * Forced items may move between ticks but never leave the window. The mean is refreshed after every accepted
 * move; the loop stops when a full round finds no improving move or the whole window sits in the band.
 */
function improve(attempt: Attempt, forcedCount: number, order: readonly number[], options: PlannerOptions): void {
  const { items, groups, used } = attempt;
  const forced = new Uint8Array(items.length);
  for (const index of order.slice(0, forcedCount)) forced[index] = 1;
  const threshold = options.bandMargin * 0.75;
  const penalty = (load: Load, mean: Load): number => {
    let total = 0;
    for (const resource of RESOURCES) {
      const m = mean[resource];
      const d = m > 0 ? Math.abs(load[resource] - m) / m : 0;
      total += d * d + (d > threshold ? 25 * (d - threshold) * (d - threshold) : 0);
    }
    return total;
  };
  const meanLoad = (): Load => {
    const sum: Load = { cpu: 0, io: 0, memory: 0 };
    for (const group of groups) addTo(sum, group.load);
    return scale(sum, 1 / groups.length);
  };
  const probe: Load = { cpu: 0, io: 0, memory: 0 };
  const probeB: Load = { cpu: 0, io: 0, memory: 0 };
  const shifted = (target: Load, base: Load, out: CostVector, inn: CostVector) => {
    target.cpu = base.cpu - out.cpu + inn.cpu;
    target.io = base.io - out.io + inn.io;
    target.memory = base.memory - out.memory + inn.memory;
  };
  const unusedList = () => {
    const list: number[] = [];
    for (let index = 0; index < items.length; index++) if (!used[index]) list.push(index);
    return list;
  };
  for (let round = 0; round < options.improvementRounds; round++) {
    if (attempt.spread() <= threshold) return;
    const mean = meanLoad();
    const unused = unusedList();
    let bestGain = 1e-9;
    let apply: (() => void) | undefined;
    for (const group of groups) {
      const before = penalty(group.load, mean);
      if (before < 1e-6) continue;
      for (let slot = 0; slot < group.items.length; slot++) {
        const outgoing = group.items[slot]!;
        const outCost = items[outgoing]!.cost;
        if (!forced[outgoing]) {
          for (const incoming of unused) {
            shifted(probe, group.load, outCost, items[incoming]!.cost);
            const gain = before - penalty(probe, mean);
            if (gain > bestGain) {
              bestGain = gain;
              apply = () => {
                addTo(group.load, outCost, -1);
                addTo(group.load, items[incoming]!.cost);
                group.items[slot] = incoming;
                used[outgoing] = 0;
                used[incoming] = 1;
              };
            }
          }
        }
        for (const other of groups) {
          if (other === group) continue;
          const otherBefore = penalty(other.load, mean);
          for (let otherSlot = 0; otherSlot < other.items.length; otherSlot++) {
            const partner = other.items[otherSlot]!;
            const partnerCost = items[partner]!.cost;
            shifted(probe, group.load, outCost, partnerCost);
            shifted(probeB, other.load, partnerCost, outCost);
            const gain = before + otherBefore - penalty(probe, mean) - penalty(probeB, mean);
            if (gain > bestGain) {
              bestGain = gain;
              apply = () => {
                addTo(group.load, outCost, -1);
                addTo(group.load, partnerCost);
                addTo(other.load, partnerCost, -1);
                addTo(other.load, outCost);
                group.items[slot] = partner;
                other.items[otherSlot] = outgoing;
              };
            }
          }
        }
      }
    }
    if (!apply) return;
    apply();
  }
}

/**
 * k = 1 and k = 2, where most windows at the default rate are decided: groups are matched to a target box.
 * Singles: the ten most urgent items within the box. Pairs: every pair whose summed vector lies within the box
 * is a candidate; items are matched in order of urgency, each to the partner with the fewest other candidate
 * partners (the greedy rule that keeps a matching large). Due items without a partner make the attempt fail.
 */
function buildMatchedAttempt(
  items: readonly PlannerItem[],
  order: readonly number[],
  forcedCount: number,
  ticks: number,
  k: 1 | 2,
  target: Load,
  options: PlannerOptions,
): Attempt | undefined {
  const attempt = new Attempt(items, ticks);
  const box = options.bandMargin;
  const n = items.length;
  const forced = new Uint8Array(n);
  for (const index of order.slice(0, forcedCount)) forced[index] = 1;
  const load: Load = { cpu: 0, io: 0, memory: 0 };
  if (k === 1) {
    let next = 0;
    for (const index of order) {
      if (deviation(items[index]!.cost, target) > box) {
        if (forced[index]) return undefined;
        continue;
      }
      if (next >= ticks) return forced[index] ? undefined : attempt;
      attempt.put(attempt.groups[next++]!, index);
    }
    return next === ticks ? attempt : undefined;
  }
  const partners: number[][] = Array.from({ length: n }, () => []);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      load.cpu = items[a]!.cost.cpu + items[b]!.cost.cpu;
      load.io = items[a]!.cost.io + items[b]!.cost.io;
      load.memory = items[a]!.cost.memory + items[b]!.cost.memory;
      if (deviation(load, target) <= box) {
        partners[a]!.push(b);
        partners[b]!.push(a);
      }
    }
  }
  const matched = new Uint8Array(n);
  const freeCount = partners.map((list) => list.length);
  let group = 0;
  const take = (index: number) => {
    matched[index] = 1;
    for (const other of partners[index]!) freeCount[other]!--;
  };
  // Due items first, then the hardest to match (fewest candidate partners), then the oldest.
  const rank = new Map(order.map((index, position) => [index, position]));
  const matchOrder = [...order].sort(
    (a, b) =>
      forced[b]! - forced[a]! ||
      (options.hardestFirst ? partners[a]!.length - partners[b]!.length : 0) ||
      rank.get(a)! - rank.get(b)!,
  );
  for (const index of matchOrder) {
    if (group >= ticks) break;
    if (matched[index]) continue;
    let best = -1;
    for (const candidate of partners[index]!) {
      if (matched[candidate]) continue;
      if (
        best < 0 ||
        forced[candidate]! > forced[best]! ||
        (forced[candidate] === forced[best] && freeCount[candidate]! < freeCount[best]!)
      )
        best = candidate;
    }
    if (best < 0) {
      if (forced[index]) return undefined;
      continue;
    }
    take(index);
    take(best);
    const slot = attempt.groups[group++]!;
    attempt.put(slot, index);
    attempt.put(slot, best);
  }
  if (group < ticks) return undefined;
  for (let index = 0; index < n; index++) if (forced[index] && !matched[index]) return undefined;
  return attempt;
}

/** Candidate target vectors for groups of k: the backlog's mean, and the mean of the most urgent items. */
function targets(
  items: readonly PlannerItem[],
  order: readonly number[],
  k: number,
  ticks: number,
  options: PlannerOptions,
): Load[] {
  const meanOf = (indices: readonly number[]): Load => {
    const sum: Load = { cpu: 0, io: 0, memory: 0 };
    for (const index of indices) addTo(sum, items[index]!.cost);
    return scale(sum, 1 / Math.max(1, indices.length));
  };
  const result: Load[] = [];
  result.push(scale(meanOf(order.slice(0, k * ticks)), k));
  result.push(scale(meanOf(order), k));
  if (k === 1) {
    // Singles must be near-identical: centre on each of the most urgent items in turn.
    for (const index of order.slice(0, 8)) result.push({ ...items[index]!.cost });
  }
  if (k === 2) {
    // Centre on the most urgent item paired with the partners that bring it nearest the backlog's mean pair.
    const meanPair = result[1]!;
    for (const first of order.slice(0, options.pairTargets)) {
      const candidates = order
        .filter((index) => index !== first)
        .map((index) => {
          const load = { ...items[first]!.cost };
          addTo(load, items[index]!.cost);
          return { load, distance: deviation(load, meanPair) };
        })
        .sort((a, b) => a.distance - b.distance)
        .slice(0, options.pairTargets);
      for (const candidate of candidates) result.push(candidate.load);
    }
  }
  return result;
}

/**
 * Plans the window of `ticks` ticks starting at `firstTick`. `items` is the whole backlog (queued executions not
 * yet run); those due inside the window are always assigned.
 */
export function planWindow(
  items: readonly PlannerItem[],
  firstTick: number,
  ticks: number,
  options: PlannerOptions = DEFAULT_PLANNER_OPTIONS,
): WindowPlan {
  const lastTick = firstTick + ticks - 1;
  const order = items
    .map((_, index) => index)
    .sort(
      (a, b) =>
        items[a]!.deadlineTick - items[b]!.deadlineTick ||
        items[a]!.queuedTick - items[b]!.queuedTick ||
        (items[a]!.executionId < items[b]!.executionId ? -1 : 1),
    );
  const forcedCount = order.filter((index) => items[index]!.deadlineTick <= lastTick).length;
  if (items.length === 0) return { assignments: new Map(), balanced: false, groupSize: 0, spread: 0 };

  const minimumK = Math.max(1, Math.ceil(forcedCount / ticks));
  const maximumK = Math.floor(items.length / ticks);
  let best: { attempt: Attempt; k: number; spread: number } | undefined;
  if (maximumK >= minimumK) {
    // Group sizes near the arrival rate first: a larger k drains the backlog that the next windows need to find
    // matching groups; larger ones only when the backlog stays above the reserve after this window.
    const natural = Math.max(1, Math.round(options.arrivalsPerWindow / ticks));
    const candidates: number[] = [];
    for (let k = minimumK; k <= maximumK; k++) {
      if (k > natural && k > minimumK && items.length - ticks * k + options.arrivalsPerWindow < options.reserve)
        continue;
      candidates.push(k);
    }
    candidates.sort((a, b) => Math.abs(a - natural) - Math.abs(b - natural) || b - a);
    for (const k of candidates.slice(0, options.maxGroupSizes)) {
      if (best) break;
      for (const target of targets(items, order, k, ticks, options)) {
        let attempt: Attempt | undefined;
        if (k === 2 && options.pairSearch) {
          attempt = searchPairs(items, order, forcedCount, ticks, lastTick, options);
          if (!attempt) break;
        } else if (k <= 2) {
          attempt = buildMatchedAttempt(items, order, forcedCount, ticks, k as 1 | 2, target, options);
          if (attempt && attempt.spread() > options.bandMargin) improve(attempt, forcedCount, order, options);
        } else attempt = buildAttempt(items, order, forcedCount, ticks, k, target, options);
        if (!attempt) continue;
        const spread = attempt.spread();
        if (spread > options.bandMargin) continue;
        best = { attempt, k, spread };
        break;
      }
    }
  }
  if (best) {
    const assignments = new Map<string, number>();
    best.attempt.groups.forEach((group, offset) => {
      for (const index of group.items) assignments.set(items[index]!.executionId, firstTick + offset);
    });
    return { assignments, balanced: true, groupSize: best.k, spread: best.spread };
  }
  // A lost window is lost whatever runs in it: flush the executions that would be due soon, so that the next
  // windows start without a crowd of due, hard-to-match executions.
  const flushUntil = lastTick + options.flushWindows * ticks;
  const flushCount = Math.max(forcedCount, order.filter((index) => items[index]!.deadlineTick <= flushUntil).length);
  return lostWindow(items, order, flushCount, firstTick, ticks);
}

/**
 * No balanced plan: run the due items (they cannot wait), spread over the ticks largest-first onto the lightest
 * tick, so the spike is as small as it can be. Everything else keeps waiting for a window that balances.
 */
function lostWindow(
  items: readonly PlannerItem[],
  order: readonly number[],
  forcedCount: number,
  firstTick: number,
  ticks: number,
): WindowPlan {
  const forced = order.slice(0, forcedCount).sort((a, b) => totalCost(items[b]!.cost) - totalCost(items[a]!.cost));
  const loads = Array.from({ length: ticks }, () => ({ cpu: 0, io: 0, memory: 0 }));
  const assignments = new Map<string, number>();
  for (const index of forced) {
    let lightest = 0;
    for (let offset = 1; offset < ticks; offset++)
      if (totalCost(loads[offset]!) < totalCost(loads[lightest]!)) lightest = offset;
    addTo(loads[lightest]!, items[index]!.cost);
    // A due item may not run after its deadline: clamp to it.
    const tick = Math.min(firstTick + lightest, items[index]!.deadlineTick);
    assignments.set(items[index]!.executionId, Math.max(firstTick, tick));
  }
  return { assignments, balanced: false, groupSize: 0, spread: windowSpread(loads) };
}

function totalCost(cost: CostVector): number {
  return cost.cpu + cost.io + cost.memory;
}

/** How much an item wants to run in the window ending at `lastTick`: 1 when due, falling with its slack. */
function urgencyOf(item: PlannerItem, lastTick: number, ticks: number, power: number): number {
  const slack = Math.max(0, (item.deadlineTick - lastTick) / ticks);
  return 1 / Math.pow(1 + slack, power);
}

/**
 * Ten pairs for the window, searched over target boxes. A balanced pair window must contain every due item, so
 * the boxes are centred on the pair sums of the due items that are hardest to place (the farthest from the
 * backlog's mean), or of the most urgent items when nothing is due. In each box, due items are matched first
 * (fewest candidate partners first), then the rest by urgency; the plan kept is the balanced one that runs the
 * most urgent work (sum of urgency weights), so that executions close to their deadline leave with a balanced
 * window instead of piling up into a lost one.
 */
function searchPairs(
  items: readonly PlannerItem[],
  order: readonly number[],
  forcedCount: number,
  ticks: number,
  lastTick: number,
  options: PlannerOptions,
): Attempt | undefined {
  const n = items.length;
  if (n < 2 * ticks || forcedCount > 2 * ticks) return undefined;
  const forced = new Uint8Array(n);
  for (const index of order.slice(0, forcedCount)) forced[index] = 1;
  const weight = new Float64Array(n);
  for (let index = 0; index < n; index++)
    weight[index] = urgencyOf(items[index]!, lastTick, ticks, options.urgencyPower);
  const rank = new Int32Array(n);
  order.forEach((index, position) => (rank[index] = position));

  // Every pair's summed vector, sorted by cpu so a box's candidates are one contiguous run.
  const pairCount = (n * (n - 1)) / 2;
  const first = new Int32Array(pairCount);
  const second = new Int32Array(pairCount);
  const sums = new Float64Array(pairCount * 3);
  let p = 0;
  for (let a = 0; a < n; a++) {
    const ca = items[a]!.cost;
    for (let b = a + 1; b < n; b++) {
      const cb = items[b]!.cost;
      first[p] = a;
      second[p] = b;
      sums[3 * p] = ca.cpu + cb.cpu;
      sums[3 * p + 1] = ca.io + cb.io;
      sums[3 * p + 2] = ca.memory + cb.memory;
      p++;
    }
  }
  const byCpu = Array.from({ length: pairCount }, (_, index) => index).sort((x, y) => sums[3 * x]! - sums[3 * y]!);
  const cpuSorted = Float64Array.from(byCpu, (index) => sums[3 * index]!);
  const lowerBound = (value: number) => {
    let lo = 0;
    let hi = pairCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cpuSorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // Anchors: the due items farthest from the backlog's mean (the hardest to place), else the most urgent.
  const mean: Load = { cpu: 0, io: 0, memory: 0 };
  for (const item of items) addTo(mean, item.cost);
  const meanItem = scale(mean, 1 / n);
  const byHardness = (pool: readonly number[]) =>
    [...pool].sort(
      (x, y) => deviation(items[y]!.cost, meanItem) - deviation(items[x]!.cost, meanItem) || rank[x]! - rank[y]!,
    );
  const anchors = byHardness(order.slice(0, forcedCount)).slice(0, options.pairAnchors);
  if (anchors.length < options.pairAnchors)
    anchors.push(...order.slice(forcedCount, forcedCount + options.pairAnchors - anchors.length));

  const box = options.bandMargin;
  const partners: number[][] = Array.from({ length: n }, () => []);
  const matched = new Uint8Array(n);
  const free = new Int32Array(n);
  let best: { pairs: Array<[number, number]>; score: number; spread: number } | undefined;
  let nearMiss: { pairs: Array<[number, number]>; score: number; spread: number } | undefined;
  const tried = new Set<string>();
  for (const anchor of anchors) {
    for (let other = 0; other < n; other++) {
      if (other === anchor) continue;
      const a = Math.min(anchor, other);
      const b = Math.max(anchor, other);
      const centre = items[a]!.cost;
      const partner = items[b]!.cost;
      const c: Load = {
        cpu: centre.cpu + partner.cpu,
        io: centre.io + partner.io,
        memory: centre.memory + partner.memory,
      };
      const key = `${c.cpu},${c.io},${c.memory}`;
      if (tried.has(key)) continue;
      tried.add(key);
      // The compatible pairs: the summed vector within the box on every resource.
      for (let index = 0; index < n; index++) partners[index]!.length = 0;
      const end = lowerBound(c.cpu * (1 + box) + 1e-9);
      let compatible = 0;
      for (let position = lowerBound(c.cpu * (1 - box) - 1e-9); position < end; position++) {
        const q = byCpu[position]!;
        if (Math.abs(sums[3 * q + 1]! - c.io) > box * c.io || Math.abs(sums[3 * q + 2]! - c.memory) > box * c.memory)
          continue;
        partners[first[q]!]!.push(second[q]!);
        partners[second[q]!]!.push(first[q]!);
        compatible++;
      }
      if (compatible < ticks) continue;
      let feasible = true;
      for (let index = 0; index < n && feasible; index++)
        if (forced[index] && partners[index]!.length === 0) feasible = false;
      if (!feasible) continue;
      const pairs = matchPairs(n, partners, forced, weight, rank, order, ticks, matched, free);
      if (!pairs) continue;
      const loads = pairs.map(([x, y]) => {
        const load = { ...items[x]!.cost };
        addTo(load, items[y]!.cost);
        return load;
      });
      const spread = windowSpread(loads);
      let score = 0;
      for (const [x, y] of pairs) score += weight[x]! + weight[y]!;
      if (spread > box) {
        if (spread < options.repairSpread && (!nearMiss || score > nearMiss.score)) nearMiss = { pairs, score, spread };
        continue;
      }
      if (!best || score > best.score + 1e-9 || (Math.abs(score - best.score) <= 1e-9 && spread < best.spread))
        best = { pairs, score, spread };
    }
  }
  if (!best && nearMiss) {
    // No box gave a balanced window outright: let the swap pass repair the most urgent near miss.
    const attempt = new Attempt(items, ticks);
    nearMiss.pairs.forEach(([x, y], offset) => {
      attempt.put(attempt.groups[offset]!, x);
      attempt.put(attempt.groups[offset]!, y);
    });
    improve(attempt, forcedCount, order, options);
    return attempt.spread() <= box ? attempt : undefined;
  }
  if (!best) return undefined;
  const attempt = new Attempt(items, ticks);
  best.pairs.forEach(([x, y], offset) => {
    attempt.put(attempt.groups[offset]!, x);
    attempt.put(attempt.groups[offset]!, y);
  });
  return attempt;
}

/**
 * Greedy matching in one box: due items first, fewest candidate partners first, each to a due partner if it has
 * one, else to the partner with the fewest candidates; then the others by urgency, each to its most urgent free
 * partner. Undefined when a due item stays alone or fewer than `ticks` pairs form.
 */
function matchPairs(
  n: number,
  partners: number[][],
  forced: Uint8Array,
  weight: Float64Array,
  rank: Int32Array,
  order: readonly number[],
  ticks: number,
  matched: Uint8Array,
  free: Int32Array,
): Array<[number, number]> | undefined {
  matched.fill(0);
  for (let index = 0; index < n; index++) free[index] = partners[index]!.length;
  const pairs: Array<[number, number]> = [];
  const take = (index: number) => {
    matched[index] = 1;
    for (const other of partners[index]!) free[other]!--;
  };
  const due: number[] = [];
  for (let index = 0; index < n; index++) if (forced[index]) due.push(index);
  while (due.length > 0) {
    // The due item with the fewest free partners goes next (recomputed as partners are taken).
    let pick = -1;
    for (let position = 0; position < due.length; position++) {
      const index = due[position]!;
      if (matched[index]) continue;
      if (
        pick < 0 ||
        free[index]! < free[due[pick]!]! ||
        (free[index] === free[due[pick]!] && rank[index]! < rank[due[pick]!]!)
      )
        pick = position;
    }
    if (pick < 0) break;
    const index = due[pick]!;
    due.splice(pick, 1);
    let partner = -1;
    for (const candidate of partners[index]!) {
      if (matched[candidate]) continue;
      if (
        partner < 0 ||
        forced[candidate]! > forced[partner]! ||
        (forced[candidate] === forced[partner] &&
          (free[candidate]! < free[partner]! ||
            (free[candidate] === free[partner] && rank[candidate]! < rank[partner]!)))
      )
        partner = candidate;
    }
    if (partner < 0) return undefined;
    take(index);
    take(partner);
    pairs.push([index, partner]);
    if (pairs.length > ticks) return undefined;
  }
  for (const index of order) {
    if (pairs.length >= ticks) break;
    if (matched[index]) continue;
    let partner = -1;
    for (const candidate of partners[index]!) {
      if (matched[candidate]) continue;
      if (
        partner < 0 ||
        weight[candidate]! > weight[partner]! + 1e-12 ||
        (Math.abs(weight[candidate]! - weight[partner]!) <= 1e-12 && free[candidate]! < free[partner]!)
      )
        partner = candidate;
    }
    if (partner < 0) continue;
    take(index);
    take(partner);
    pairs.push([index, partner]);
  }
  return pairs.length === ticks ? pairs : undefined;
}
