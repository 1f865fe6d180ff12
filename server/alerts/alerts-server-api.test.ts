import { describe, expect, it } from "vitest";
import { parseServerAlerts } from "./alerts-server-api";
import { ruleInputSchema } from "./rule";
import { parseSimulatedQuery, SimulatedValues } from "./simulated-values";
import { SeededRandom } from "@/server/core/random";

const good = {
  name: "alert-1",
  query: "test-query-1",
  intervalSecs: 30,
  repeatIntervalSecs: 300,
  warn: { value: 100, message: "alert-1-warning" },
  critical: { value: 200, message: "alert-1-critical" },
};

describe("parsing /alerts", () => {
  it("loads the original shape, accepting unknown fields; sustainSecs 0 keeps the contract's behaviour", () => {
    const { rules, rejected } = parseServerAlerts([{ ...good, sustainSecs: 0, somethingNew: true }]);
    expect(rejected).toEqual([]);
    expect(rules[0]).toMatchObject({
      name: "alert-1",
      sourceKind: "alerts-server",
      intervalSecs: 30,
      warn: { value: 100 },
      forSecs: 0,
      keepFiringForSecs: 0,
    });
  });

  it("reads a non-zero sustainSecs as the rule's for, and refuses a negative one naming the field", () => {
    const { rules, rejected } = parseServerAlerts([
      { ...good, name: "sustained", sustainSecs: 30 },
      { ...good, name: "negative", sustainSecs: -1 },
    ]);
    expect(rules.map((rule) => [rule.name, rule.forSecs])).toEqual([["sustained", 30]]);
    expect(rejected[0]!.reason).toContain("forSecs: Pending for (seconds) must be 0 or more");
  });

  it("uses a 300 s repeat interval when it is missing or 0", () => {
    const { rules } = parseServerAlerts([
      { ...good, repeatIntervalSecs: 0 },
      { ...good, name: "alert-2", repeatIntervalSecs: undefined },
    ]);
    expect(rules.map((rule) => rule.repeatIntervalSecs)).toEqual([300, 300]);
  });

  it("rejects bad items by name and keeps the others", () => {
    const { rules, rejected } = parseServerAlerts([
      good,
      { ...good, name: "zero-interval", intervalSecs: 0 },
      { ...good, name: "inverted", warn: { value: 300, message: "w" } },
      { ...good, name: "text-threshold", critical: { value: "high", message: "c" } },
      { query: "no name" },
    ]);
    expect(rules.map((rule) => rule.name)).toEqual(["alert-1"]);
    expect(rejected.map((item) => item.name)).toEqual(["zero-interval", "inverted", "text-threshold", null]);
    expect(rejected[0]!.reason).toContain("intervalSecs");
    expect(rejected[1]!.reason).toContain("warn.value: Warn above (300) must not exceed Critical above (200)");
  });

  it("says clearly when the body is not an array", () => {
    expect(parseServerAlerts({ alerts: [] }).rejected[0]!.reason).toBe("GET /alerts did not return a JSON array");
  });
});

describe("rule validation", () => {
  it("explains an interval of 0 and warn above critical", () => {
    const result = ruleInputSchema.safeParse({
      ...good,
      sourceKind: "simulated",
      query: "constant?value=1",
      intervalSecs: 0,
      warn: { value: 300, message: "w" },
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => issue.message).join(" | ");
    expect(messages).toContain("Interval (seconds) must be at least 0.1");
  });

  it("rejects a simulated query it cannot run, saying how to write one", () => {
    const result = ruleInputSchema.safeParse({ ...good, sourceKind: "simulated", query: "script?values=1,x" });
    expect(result.error!.issues[0]!.message).toContain("not all numbers");
  });
});

describe("simulated values", () => {
  it("plays a script step by step from its origin and repeats it", () => {
    const values = new SimulatedValues(new SeededRandom(1), 0);
    expect([0, 4_999, 5_000, 10_000, 15_000].map((ms) => values.valueOf("script?values=1,2,3&step=5", ms))).toEqual([
      1, 1, 2, 3, 1,
    ]);
  });

  it("keeps a random walk within its bounds and replays under the same seed", () => {
    const walk = (seed: number) => {
      const values = new SimulatedValues(new SeededRandom(seed), 0);
      return Array.from({ length: 200 }, () => values.valueOf("random-walk?start=50&step=30&min=0&max=100", 0));
    };
    expect(walk(5)).toEqual(walk(5));
    expect(Math.min(...walk(5))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...walk(5))).toBeLessThanOrEqual(100);
  });

  it("names unknown kinds", () => {
    expect(parseSimulatedQuery("cosine?x=1")).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown kind "cosine"'),
    });
  });
});
