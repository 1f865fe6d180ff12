import { describe, expect, it } from "vitest";
import {
  DatabaseSimulation,
  UnknownExecutionError,
  aggregateWindow,
  loadScalar,
  DEFAULT_SIMULATION_PARAMETERS,
} from "./simulation";

/** Statistics of the first 10 simulated minutes (6000 ticks), as the contract's reference table measures them. */
function firstTenMinutes(seed: number) {
  const simulation = new DatabaseSimulation({ seed });
  let arrivals = 0;
  let emptyTicks = 0;
  let windows = 0;
  let minZero = 0;
  let maxOverAverage = 0;
  let cpuAverage = 0;
  for (let tick = 0; tick < 6000; tick++) {
    const result = simulation.tick();
    arrivals += result.queued.length;
    if (result.executed.length === 0) emptyTicks++;
    if (result.window) {
      windows++;
      if (result.window.cpu.min === 0) minZero++;
      if (result.window.cpu.average > 0) maxOverAverage += result.window.cpu.max / result.window.cpu.average;
      cpuAverage += result.window.cpu.average;
    }
  }
  return {
    sumOfProbabilities: simulation.templates.reduce((sum, template) => sum + template.probability, 0),
    arrivalsPerSecond: arrivals / 600,
    arrivalsPerTick: arrivals / 6000,
    emptyShare: emptyTicks / 6000,
    minZeroShare: minZero / windows,
    meanMaxOverAverage: maxOverAverage / windows,
    meanCpuAverage: cpuAverage / windows,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe("DatabaseSimulation", () => {
  it("matches the original's statistics over 30 seeds of 10 simulated minutes (contract reference table)", () => {
    const runs = Array.from({ length: 30 }, (_, index) => firstTenMinutes(index + 1));
    const pick = (key: keyof (typeof runs)[number]) => median(runs.map((run) => run[key]));
    // Medians of the reference: 0.999, 18.0 /s, 16.5 %, 0.827, 2.377, 83.1; p5–p95 ranges below.
    expect(pick("sumOfProbabilities")).toBeGreaterThan(0.9);
    expect(pick("sumOfProbabilities")).toBeLessThan(1.1);
    expect(pick("arrivalsPerSecond")).toBeGreaterThan(16.5);
    expect(pick("arrivalsPerSecond")).toBeLessThan(19.5);
    expect(pick("arrivalsPerTick")).toBeGreaterThan(1.5);
    expect(pick("arrivalsPerTick")).toBeLessThan(2);
    expect(pick("emptyShare")).toBeGreaterThan(0.14);
    expect(pick("emptyShare")).toBeLessThan(0.19);
    expect(pick("minZeroShare")).toBeGreaterThan(0.77);
    expect(pick("minZeroShare")).toBeLessThan(0.88);
    expect(pick("meanMaxOverAverage")).toBeGreaterThan(2.3);
    expect(pick("meanMaxOverAverage")).toBeLessThan(2.46);
    expect(pick("meanCpuAverage")).toBeGreaterThan(75);
    expect(pick("meanCpuAverage")).toBeLessThan(92);
    for (const run of runs) {
      expect(run.emptyShare).toBeGreaterThan(0.05);
      expect(run.emptyShare).toBeLessThan(0.35);
    }
  });

  it("draws costs by profile: dominant resource about 58, the others about 42", () => {
    const sums = { dominant: 0, other: 0, dominantCount: 0, otherCount: 0 };
    for (let seed = 1; seed <= 50; seed++) {
      for (const template of new DatabaseSimulation({ seed }).templates) {
        for (const resource of ["cpu", "memory", "io"] as const) {
          expect(Number.isInteger(template.cost[resource])).toBe(true);
          if (resource === template.profile) {
            sums.dominant += template.cost[resource];
            sums.dominantCount++;
          } else {
            sums.other += template.cost[resource];
            sums.otherCount++;
          }
        }
        expect(template.profile).toBe(["cpu", "io", "memory"][template.index % 3]);
      }
    }
    expect(sums.dominant / sums.dominantCount).toBeGreaterThan(56);
    expect(sums.dominant / sums.dominantCount).toBeLessThan(60);
    expect(sums.other / sums.otherCount).toBeGreaterThan(40);
    expect(sums.other / sums.otherCount).toBeLessThan(44);
  });

  it("replays the same templates, arrivals and ids for the same seed, and differs for another", () => {
    const run = (seed: number) => {
      const simulation = new DatabaseSimulation({ seed });
      const ids = [];
      for (let tick = 0; tick < 200; tick++) ids.push(...simulation.tick().queued.map((execution) => execution.id));
      return { templates: simulation.templates.map((template) => template.id), ids };
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7).templates).not.toEqual(run(8).templates);
  });

  it("runs an execution on the tick after it was queued with the default delay", () => {
    const simulation = new DatabaseSimulation({ seed: 3 });
    const queuedAt = new Map<string, number>();
    for (let tick = 0; tick < 500; tick++) {
      const result = simulation.tick();
      for (const execution of result.executed) {
        expect(execution.executedTick - queuedAt.get(execution.id)!).toBe(1);
        expect(execution.totalDelayTicks).toBe(1);
      }
      for (const execution of result.queued) queuedAt.set(execution.id, execution.queuedTick);
    }
  });

  it("adds a delay: delay 20 keeps an execution queued 21 ticks; a negative delay runs it on the next tick", () => {
    const simulation = new DatabaseSimulation({ seed: 4 });
    let result = simulation.tick();
    while (result.queued.length < 2) result = simulation.tick();
    const [delayed, hurried] = result.queued;
    simulation.delay(delayed!.id, 20);
    simulation.delay(hurried!.id, -5);
    const executedAt = new Map<string, number>();
    for (let tick = 0; tick < 30; tick++)
      for (const execution of simulation.tick().executed) executedAt.set(execution.id, execution.executedTick);
    expect(executedAt.get(delayed!.id)! - delayed!.queuedTick).toBe(21);
    expect(executedAt.get(hurried!.id)! - hurried!.queuedTick).toBe(1);
    expect(() => simulation.delay(delayed!.id, 5)).toThrow(UnknownExecutionError);
    expect(() => simulation.delay("fa11a3d2-47cd-4c9b-b1c9-699ac78cb4bd", 5)).toThrow(UnknownExecutionError);
  });

  it("executes every queued execution exactly once and nothing else", () => {
    const simulation = new DatabaseSimulation({ seed: 5 });
    const queued = new Set<string>();
    const executed: string[] = [];
    for (let tick = 0; tick < 2000; tick++) {
      const result = simulation.tick();
      executed.push(...result.executed.map((execution) => execution.id));
      for (const execution of result.queued) {
        queued.add(execution.id);
        if (tick % 7 === 0) simulation.delay(execution.id, 3);
      }
    }
    for (let tick = 0; tick < 10; tick++) {
      const result = simulation.tick();
      executed.push(...result.executed.map((execution) => execution.id));
      for (const execution of result.queued) queued.add(execution.id);
    }
    const stillQueued = simulation.queued().map((execution) => execution.id);
    expect(new Set(executed).size).toBe(executed.length);
    expect(new Set([...executed, ...stillQueued])).toEqual(queued);
    expect(executed.length + stillQueued.length).toBe(queued.size);
  });

  it("sends one sample per tick (zeros included) and aggregates each second with floor average, min and max", () => {
    const simulation = new DatabaseSimulation({ seed: 6 });
    const samples = [];
    let windows = 0;
    for (let tick = 0; tick < 100; tick++) {
      const result = simulation.tick();
      samples.push(result.sample);
      const cost = result.executed.reduce(
        (sum, execution) => sum + simulation.template(execution.templateId)!.cost.cpu,
        0,
      );
      expect(result.sample.cpu).toBe(cost);
      if (result.window) {
        windows++;
        const last = samples.slice(-10).map((sample) => sample.cpu);
        expect(result.window.cpu.average).toBe(Math.floor(last.reduce((a, b) => a + b, 0) / 10));
        expect(result.window.cpu.min).toBe(Math.min(...last));
        expect(result.window.cpu.max).toBe(Math.max(...last));
        expect(result.window.lastTick).toBe(tick);
      }
    }
    expect(windows).toBe(10);
    expect(aggregateWindow([], 0, 0).cpu).toEqual({ average: 0, min: 0, max: 0 });
  });

  it("keeps the load scalar in [1, 2] with a 20,000-tick period, and scales arrivals with arrivalScale", () => {
    expect(loadScalar(DEFAULT_SIMULATION_PARAMETERS, 500)).toBeCloseTo(1.5);
    expect(loadScalar(DEFAULT_SIMULATION_PARAMETERS, 5500)).toBeCloseTo(2);
    expect(loadScalar(DEFAULT_SIMULATION_PARAMETERS, 15500)).toBeCloseTo(1);
    const count = (arrivalScale: number) => {
      const simulation = new DatabaseSimulation({ seed: 2, arrivalScale });
      let arrivals = 0;
      for (let tick = 0; tick < 3000; tick++) arrivals += simulation.tick().queued.length;
      return arrivals;
    };
    expect(count(4) / count(1)).toBeGreaterThan(3.5);
    expect(count(4) / count(1)).toBeLessThan(4.5);
  });

  it("refuses nonsense parameters with a message naming them", () => {
    expect(() => new DatabaseSimulation({ tickRateHz: 0 })).toThrow(/tickRateHz/);
    expect(() => new DatabaseSimulation({ templateCount: 2.5 })).toThrow(/templateCount/);
  });

  it("continues tick numbering after a restart without re-issuing execution ids", () => {
    const first = new DatabaseSimulation({ seed: 9 });
    const ids = new Set<string>();
    for (let tick = 0; tick < 300; tick++) for (const execution of first.tick().queued) ids.add(execution.id);
    const second = new DatabaseSimulation({ seed: 9 }, { startTick: 300 });
    expect(second.templates.map((template) => template.id)).toEqual(first.templates.map((template) => template.id));
    const result = second.tick();
    expect(result.tick).toBe(300);
    for (let tick = 0; tick < 300; tick++)
      for (const execution of second.tick().queued) expect(ids.has(execution.id)).toBe(false);
  });
});
