/**
 * The comparison scheduler from the contract: before every tick, release queued executions in arrival order
 * until the tick reaches the target load (the recent mean load per tick). Executions at their deadline run
 * regardless. It smooths the average but not the per-tick granularity, so it rarely lands a second in the band.
 */
import type { CostVector } from "../estimation/types";
import type { PlannerItem } from "./planner";

export function planGreedyTick(items: readonly PlannerItem[], tick: number, target: CostVector): Map<string, number> {
  const load = { cpu: 0, io: 0, memory: 0 };
  const assignments = new Map<string, number>();
  const full = () => load.cpu >= target.cpu || load.io >= target.io || load.memory >= target.memory;
  const ordered = [...items].sort((a, b) => a.queuedTick - b.queuedTick || (a.executionId < b.executionId ? -1 : 1));
  for (const item of ordered) {
    if (item.deadlineTick > tick) continue;
    assignments.set(item.executionId, tick);
    load.cpu += item.cost.cpu;
    load.io += item.cost.io;
    load.memory += item.cost.memory;
  }
  for (const item of ordered) {
    if (full()) break;
    if (assignments.has(item.executionId)) continue;
    assignments.set(item.executionId, tick);
    load.cpu += item.cost.cpu;
    load.io += item.cost.io;
    load.memory += item.cost.memory;
  }
  return assignments;
}
