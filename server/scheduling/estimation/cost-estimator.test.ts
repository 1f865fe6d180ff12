import { describe, expect, it } from "vitest";
import { DatabaseSimulation } from "../dbsim/simulation";
import { estimateCosts, estimateError } from "./cost-estimator";
import type { CostVector, ExecutionObservation, WindowObservation } from "./types";

function seededHistory(seed: number, seconds: number) {
  const simulation = new DatabaseSimulation({ seed });
  const executions: ExecutionObservation[] = [];
  const windows: WindowObservation[] = [];
  for (let tick = 0; tick < seconds * 10; tick++) {
    const result = simulation.tick();
    for (const execution of result.executed)
      executions.push({ templateId: execution.templateId, executedTick: execution.executedTick });
    if (result.window) windows.push(result.window);
  }
  const truth = new Map<string, CostVector>(
    simulation.templates.map((template) => [
      template.id,
      { cpu: template.cost.cpu, io: template.cost.io, memory: template.cost.memory },
    ]),
  );
  return { executions, windows, truth };
}

describe("cost estimation from the execution history and the 1-second metrics", () => {
  it("converges to the true integer costs on a seeded run, reporting the error per resource", () => {
    const errors: Array<{ seconds: number; cpu: number; io: number; memory: number; exact: number }> = [];
    for (const seconds of [60, 120, 300]) {
      const { executions, windows, truth } = seededHistory(7, seconds);
      const estimates = estimateCosts(executions, windows);
      const error = estimateError(estimates.templates, truth);
      errors.push({
        seconds,
        cpu: error.cpu.meanRelative,
        io: error.io.meanRelative,
        memory: error.memory.meanRelative,
        exact: error.cpu.exactShare,
      });
    }
    console.log(
      "estimate error (mean |est − true| / true) by history length:\n" +
        errors
          .map(
            (e) =>
              `  ${e.seconds} s: cpu ${(e.cpu * 100).toFixed(2)}%, io ${(e.io * 100).toFixed(2)}%, memory ${(e.memory * 100).toFixed(2)}%, exact cpu ${(e.exact * 100).toFixed(0)}%`,
          )
          .join("\n"),
    );
    const final = errors.at(-1)!;
    for (const resource of ["cpu", "io", "memory"] as const) expect(final[resource]).toBeLessThan(0.01);
    expect(final.exact).toBeGreaterThan(0.85);
    expect(final.cpu).toBeLessThan(errors[0]!.cpu);
  });

  it("marks rarely seen templates as not confident and leaves their estimates unrounded", () => {
    const { executions, windows } = seededHistory(3, 30);
    const estimates = estimateCosts(executions, windows);
    const unconfident = [...estimates.templates.values()].filter((template) => !template.confident);
    expect(unconfident.length).toBeGreaterThan(0);
    for (const template of estimates.templates.values()) {
      for (const value of Object.values(template.cost)) expect(value).toBeGreaterThanOrEqual(0);
    }
  });

  it("ignores windows the history does not cover instead of pulling the costs down", () => {
    const { executions, windows, truth } = seededHistory(5, 300);
    // Drop the executions of the last minute: those windows report load with no recorded execution.
    const lastTick = windows.at(-1)!.lastTick;
    const partial = executions.filter((execution) => execution.executedTick < lastTick - 600);
    const error = estimateError(estimateCosts(partial, windows).templates, truth);
    expect(error.cpu.meanRelative).toBeLessThan(0.02);
  });

  it("returns nothing for an empty history", () => {
    expect(estimateCosts([], []).templates.size).toBe(0);
  });
});
