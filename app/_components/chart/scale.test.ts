import { describe, expect, it } from "vitest";
import { niceTicks } from "./scale";

describe("chart ticks", () => {
  it("lands on round numbers that cover the values", () => {
    expect(niceTicks(243)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it("reaches below zero when values do", () => {
    expect(niceTicks(30, 5, -12)).toEqual([-20, -10, 0, 10, 20, 30]);
  });

  it("makes steps round in a larger unit (KiB)", () => {
    expect(niceTicks(5 * 1024, 5, 0, 1024)).toEqual([0, 1024, 2048, 3072, 4096, 5120]);
  });
});
