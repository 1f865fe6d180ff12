import { describe, expect, it } from "vitest";
import { DatabaseSimulation } from "../dbsim/simulation";
import { CostEstimatorService } from "../estimation/estimator-service";
import type { CostVector } from "../estimation/types";
import { SimulationDatabaseApi } from "../testing/simulation-database-api";
import type { DatabaseApi } from "./database-api";
import { DEFAULT_PLANNER_OPTIONS as DEFAULTS, planWindow, windowSpread, type PlannerItem } from "./planner";
import { inBand } from "../band";
import { Scheduler, type CostModel, type SchedulingPolicy } from "./scheduler";

function trueCosts(simulation: DatabaseSimulation): CostModel {
  const truth = new Map<string, CostVector>(
    simulation.templates.map((template) => [template.id, { ...template.cost }]),
  );
  return { cost: (templateId) => truth.get(templateId) };
}

/** Runs `seconds` of the simulation under a scheduler; returns the share of seconds in band and the added delays. */
async function run(simulation: DatabaseSimulation, scheduler: Scheduler | undefined, seconds: number) {
  let inBandSeconds = 0;
  let counted = 0;
  const added: number[] = [];
  const firstTick = simulation.currentTick;
  for (let tick = 0; tick < seconds * 10; tick++) {
    await scheduler?.step();
    const result = simulation.tick();
    for (const execution of result.executed)
      added.push(execution.totalDelayTicks - simulation.parameters.defaultDelayTicks);
    if (result.window && result.window.firstTick >= firstTick) {
      counted++;
      if (inBand(result.window.cpu) && inBand(result.window.io) && inBand(result.window.memory)) inBandSeconds++;
    }
  }
  added.sort((a, b) => a - b);
  return { band: inBandSeconds / counted, p95: added[Math.floor(added.length * 0.95)] ?? 0, max: added.at(-1) ?? 0 };
}

describe("the window planner", () => {
  it("pairs complementary executions so that every tick of the window carries the same load", () => {
    const cpuHeavy = { cpu: 60, io: 40, memory: 40 };
    const ioHeavy = { cpu: 40, io: 60, memory: 40 };
    const items: PlannerItem[] = [];
    for (let i = 0; i < 10; i++) {
      items.push({ executionId: `c${i}`, templateId: "cpu", cost: cpuHeavy, queuedTick: i, deadlineTick: 99 });
      items.push({ executionId: `i${i}`, templateId: "io", cost: ioHeavy, queuedTick: i, deadlineTick: 99 });
    }
    const plan = planWindow(items, 10, 10, { ...DEFAULTS, reserve: 0, arrivalsPerWindow: 20 });
    expect(plan.balanced).toBe(true);
    const loads = Array.from({ length: 10 }, () => ({ cpu: 0, io: 0, memory: 0 }));
    for (const [id, tick] of plan.assignments) {
      const cost = id.startsWith("c") ? cpuHeavy : ioHeavy;
      loads[tick - 10]!.cpu += cost.cpu;
      loads[tick - 10]!.io += cost.io;
      loads[tick - 10]!.memory += cost.memory;
    }
    expect(windowSpread(loads)).toBeLessThanOrEqual(0.1);
    expect(loads.every((load) => load.cpu > 0)).toBe(true);
  });

  it("prefers the balanced window that runs the executions closest to their deadline", () => {
    // Two ways to fill the window with ten complementary pairs: cpu + io (slack of four windows) or
    // cpu + memory (due in the next window). The urgent ones must go first.
    const items: PlannerItem[] = [];
    for (let i = 0; i < 10; i++) {
      items.push({
        executionId: `late-c${i}`,
        templateId: "cpu",
        cost: { cpu: 60, io: 40, memory: 40 },
        queuedTick: 5,
        deadlineTick: 59,
      });
      items.push({
        executionId: `late-i${i}`,
        templateId: "io",
        cost: { cpu: 40, io: 60, memory: 40 },
        queuedTick: 5,
        deadlineTick: 59,
      });
      items.push({
        executionId: `soon-c${i}`,
        templateId: "cpu2",
        cost: { cpu: 62, io: 41, memory: 39 },
        queuedTick: 0,
        deadlineTick: 29,
      });
      items.push({
        executionId: `soon-m${i}`,
        templateId: "memory",
        cost: { cpu: 38, io: 41, memory: 61 },
        queuedTick: 0,
        deadlineTick: 29,
      });
    }
    const plan = planWindow(items, 10, 10, { ...DEFAULTS, reserve: 0, arrivalsPerWindow: 20 });
    expect(plan.balanced).toBe(true);
    expect(plan.groupSize).toBe(2);
    expect([...plan.assignments.keys()].every((id) => id.startsWith("soon-"))).toBe(true);
  });

  it("builds the pair window around a due execution that only fits one kind of pair", () => {
    // One memory-heavy execution is due: only cpu + memory pairs can hold it, although cpu + io pairs are plentiful.
    const items: PlannerItem[] = [
      {
        executionId: "due-m",
        templateId: "memory",
        cost: { cpu: 40, io: 40, memory: 60 },
        queuedTick: 0,
        deadlineTick: 19,
      },
    ];
    for (let i = 0; i < 10; i++) {
      items.push({
        executionId: `c${i}`,
        templateId: "cpu",
        cost: { cpu: 60, io: 40, memory: 40 },
        queuedTick: 5,
        deadlineTick: 59,
      });
      items.push({
        executionId: `i${i}`,
        templateId: "io",
        cost: { cpu: 40, io: 60, memory: 40 },
        queuedTick: 5,
        deadlineTick: 59,
      });
      if (i < 9)
        items.push({
          executionId: `m${i}`,
          templateId: "memory",
          cost: { cpu: 40, io: 40, memory: 60 },
          queuedTick: 8,
          deadlineTick: 69,
        });
    }
    const plan = planWindow(items, 10, 10, { ...DEFAULTS, reserve: 0, arrivalsPerWindow: 20 });
    expect(plan.balanced).toBe(true);
    expect(plan.assignments.has("due-m")).toBe(true);
    expect([...plan.assignments.keys()].some((id) => id.startsWith("i"))).toBe(false);
  });

  it("always runs the executions due in the window, even when no balanced plan exists", () => {
    const items: PlannerItem[] = [
      { executionId: "due", templateId: "a", cost: { cpu: 90, io: 10, memory: 10 }, queuedTick: 0, deadlineTick: 19 },
      { executionId: "later", templateId: "b", cost: { cpu: 10, io: 90, memory: 10 }, queuedTick: 5, deadlineTick: 59 },
    ];
    const plan = planWindow(items, 10, 10);
    expect(plan.balanced).toBe(false);
    expect(plan.assignments.get("due")).toBeGreaterThanOrEqual(10);
    expect(plan.assignments.get("due")).toBeLessThanOrEqual(19);
    expect(plan.assignments.has("later")).toBe(false);
  });
});

describe("the scheduler on a seeded simulation", () => {
  it("keeps far more seconds in band than no scheduling or the greedy scheduler, within the delay bound", async () => {
    const results: Record<string, { band: number; p95: number; max: number }> = {};
    for (const policy of ["none", "greedy", "planner"] as SchedulingPolicy[]) {
      const simulation = new DatabaseSimulation({ seed: 11 });
      const scheduler =
        policy === "none"
          ? undefined
          : new Scheduler({
              api: new SimulationDatabaseApi(simulation),
              costs: trueCosts(simulation),
              policy,
              maxAddedDelayTicks: 50,
            });
      results[policy] = await run(simulation, scheduler, 150);
    }
    console.log("seconds in band (all three) over 150 s:", JSON.stringify(results));
    expect(results.none!.band).toBeLessThan(0.05);
    expect(results.planner!.band).toBeGreaterThan(0.4);
    expect(results.planner!.band).toBeGreaterThan(results.greedy!.band + 0.3);
    expect(results.planner!.max).toBeLessThanOrEqual(50);
  });

  it("keeps nearly every second in band at 4x the arrival rate with the costs it estimated itself", async () => {
    const simulation = new DatabaseSimulation({ seed: 12, arrivalScale: 4 });
    const estimator = new CostEstimatorService();
    for (let tick = 0; tick < 1200; tick++) {
      const result = simulation.tick();
      estimator.recordExecutions(result.executed);
      if (result.window) estimator.recordWindow(result.window);
    }
    estimator.refit();
    const scheduler = new Scheduler({
      api: new SimulationDatabaseApi(simulation),
      costs: estimator,
      maxAddedDelayTicks: 30,
    });
    const result = await run(simulation, scheduler, 60);
    expect(result.band).toBeGreaterThan(0.9);
    expect(result.p95).toBeLessThan(30);
  });

  it("resumes after a restart from the system state: orphans are released in planned windows, none is lost or late", async () => {
    const simulation = new DatabaseSimulation({ seed: 13, arrivalScale: 4 });
    const api = new SimulationDatabaseApi(simulation);
    const costs = trueCosts(simulation);
    const first = new Scheduler({ api, costs, maxAddedDelayTicks: 30 });
    await run(simulation, first, 20);
    const heldAtRestart = simulation
      .queued()
      .filter((execution) => execution.addedDelayTicks !== 0)
      .map((execution) => execution.id);
    expect(heldAtRestart.length).toBeGreaterThan(10);

    // A new instance knows nothing but what the database shows.
    const second = new Scheduler({ api, costs, maxAddedDelayTicks: 30 });
    const executedTicks = new Map<string, number>();
    let inBandSeconds = 0;
    let counted = 0;
    const restartTick = simulation.currentTick;
    for (let tick = 0; tick < 400; tick++) {
      await second.step();
      const result = simulation.tick();
      for (const execution of result.executed) executedTicks.set(execution.id, execution.executedTick);
      // Judge the band once the orphans are gone (they are released within bound + two windows).
      if (result.window && result.window.firstTick >= restartTick + 60) {
        counted++;
        if (inBand(result.window.cpu) && inBand(result.window.io) && inBand(result.window.memory)) inBandSeconds++;
      }
    }
    expect(second.status().windowsPlanned).toBeGreaterThan(0);
    for (const id of heldAtRestart) {
      expect(executedTicks.has(id)).toBe(true);
      expect(executedTicks.get(id)!).toBeLessThanOrEqual(restartTick + 30 + 20 + 1);
    }
    expect(inBandSeconds / counted).toBeGreaterThan(0.9);
    // Nothing stays queued for longer than the bound plus the orphan park.
    for (const execution of simulation.queued())
      expect(simulation.currentTick - execution.queuedTick).toBeLessThanOrEqual(30 + 20 + 2);
  });

  it("releases everything it holds when switched off, and reports its status", async () => {
    const simulation = new DatabaseSimulation({ seed: 14 });
    const scheduler = new Scheduler({ api: new SimulationDatabaseApi(simulation), costs: trueCosts(simulation) });
    await run(simulation, scheduler, 20);
    expect(scheduler.status().backlog).toBeGreaterThan(0);
    expect(scheduler.status().seconds).toBeGreaterThan(0);
    await scheduler.setEnabled(false);
    expect(scheduler.isEnabled()).toBe(false);
    simulation.tick();
    expect(simulation.queued().every((execution) => execution.addedDelayTicks === 0)).toBe(true);
  });

  it("switched off while a step is sending delays, releases only after that step: no delay of the step follows the release", async () => {
    const simulation = new DatabaseSimulation({ seed: 15, arrivalScale: 4 });
    const inner = new SimulationDatabaseApi(simulation);
    const calls: number[] = [];
    let gate: Promise<void> | undefined;
    let openGate: () => void = () => undefined;
    let blocked = false;
    const api: DatabaseApi = {
      observe: () => inner.observe(),
      async delay(executionId, ticks) {
        if (gate) {
          blocked = true;
          const wait = gate;
          gate = undefined;
          await wait;
        }
        calls.push(ticks);
        return inner.delay(executionId, ticks);
      },
    };
    const scheduler = new Scheduler({ api, costs: trueCosts(simulation), maxAddedDelayTicks: 30 });
    await run(simulation, scheduler, 20);
    // Hold the next step inside one of its delay requests.
    let inFlight: Promise<void> | undefined;
    for (let attempt = 0; attempt < 50 && !blocked; attempt++) {
      simulation.tick();
      gate = new Promise((resolve) => (openGate = resolve));
      inFlight = scheduler.step();
      await new Promise((resolve) => setImmediate(resolve));
      if (!blocked) {
        gate = undefined;
        await inFlight;
      }
    }
    expect(blocked).toBe(true);
    const before = calls.length;
    const switchingOff = scheduler.setEnabled(false);
    await new Promise((resolve) => setImmediate(resolve));
    openGate();
    await Promise.all([inFlight, switchingOff]);
    const after = calls.slice(before);
    const firstRelease = after.findIndex((ticks) => ticks <= -1_000_000);
    expect(firstRelease).toBeGreaterThanOrEqual(0);
    expect(after.slice(firstRelease).every((ticks) => ticks <= -1_000_000)).toBe(true);
    simulation.tick();
    expect(simulation.queued().every((execution) => execution.addedDelayTicks === 0)).toBe(true);
  });

  it("forgets an execution only when the database rejects its delay; a network failure keeps it tracked and is reported", async () => {
    const simulation = new DatabaseSimulation({ seed: 16, arrivalScale: 4 });
    const inner = new SimulationDatabaseApi(simulation);
    let failing = false;
    const api: DatabaseApi = {
      observe: () => inner.observe(),
      async delay(executionId, ticks) {
        if (failing) throw new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1:8080");
        return inner.delay(executionId, ticks);
      },
    };
    const errors: unknown[] = [];
    const scheduler = new Scheduler({
      api,
      costs: trueCosts(simulation),
      maxAddedDelayTicks: 30,
      onError: (error) => errors.push(error),
    });
    await run(simulation, scheduler, 5);
    failing = true;
    simulation.tick();
    await scheduler.step();
    const backlog = scheduler.status().backlog;
    expect(backlog).toBeGreaterThan(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(scheduler.status().lastError).toContain("ECONNREFUSED");
    // Every queued execution is still in the ledger: none was taken for executed.
    expect(backlog).toBe(simulation.queued().length);

    // A rejected delay (the execution ran meanwhile) drops exactly that execution.
    failing = false;
    // One that is still queued after the next tick (it runs later), so that its delay reaches the database.
    const executed = simulation.queued().find((execution) => execution.remainingDelayTicks > 2)!;
    const rejecting = new Scheduler({
      api: {
        ...api,
        delay: async (executionId, ticks) =>
          executionId === executed.id
            ? inner.delay("00000000-0000-4000-8000-000000000000", ticks)
            : inner.delay(executionId, ticks),
      },
      costs: trueCosts(simulation),
      maxAddedDelayTicks: 30,
    });
    simulation.tick();
    await rejecting.step();
    expect(rejecting.status().backlog).toBe(simulation.queued().length - 1);
    expect(rejecting.status().lastError).toBeUndefined();
  });
});
