import { describe, expect, it } from "vitest";
import { classify, decide } from "./state-machine";
import type { AlertState } from "./rule";

const rule = { warn: { value: 100, message: "w" }, critical: { value: 200, message: "c" }, repeatIntervalSecs: 300 };
const NOW = 1_000_000;

describe("classify", () => {
  it("is PASS at or below warn, WARN above warn up to critical, CRITICAL strictly above critical", () => {
    expect(classify(-5, rule)).toBe("PASS");
    expect(classify(100, rule)).toBe("PASS");
    expect(classify(100.0001, rule)).toBe("WARN");
    expect(classify(200, rule)).toBe("WARN");
    expect(classify(200.5, rule)).toBe("CRITICAL");
  });
});

describe("decide: every cell of the transition table", () => {
  const recent = NOW - 10_000;
  const old = NOW - 300_000;
  const cells: Array<[AlertState, AlertState, number | null, ReturnType<typeof decide>]> = [
    ["PASS", "PASS", null, { kind: "none" }],
    ["PASS", "WARN", null, { kind: "notify", message: "w", repeat: false }],
    ["PASS", "CRITICAL", null, { kind: "notify", message: "c", repeat: false }],
    ["WARN", "PASS", recent, { kind: "resolve" }],
    ["WARN", "WARN", recent, { kind: "none" }],
    ["WARN", "WARN", old, { kind: "notify", message: "w", repeat: true }],
    ["WARN", "CRITICAL", recent, { kind: "notify", message: "c", repeat: false }],
    ["CRITICAL", "PASS", recent, { kind: "resolve" }],
    ["CRITICAL", "WARN", recent, { kind: "notify", message: "w", repeat: false }],
    ["CRITICAL", "CRITICAL", recent, { kind: "none" }],
    ["CRITICAL", "CRITICAL", old, { kind: "notify", message: "c", repeat: true }],
  ];
  for (const [previous, next, lastNotified, expected] of cells) {
    it(`${previous} → ${next} (${lastNotified === null ? "never notified" : `notified ${(NOW - lastNotified) / 1000} s ago`}) gives ${expected.kind}`, () => {
      expect(decide(previous, next, rule, lastNotified, NOW)).toEqual(expected);
    });
  }

  it("re-notifies exactly when the repeat interval has passed, not a millisecond before", () => {
    expect(decide("WARN", "WARN", rule, NOW - 299_999, NOW)).toEqual({ kind: "none" });
    expect(decide("WARN", "WARN", rule, NOW - 300_000, NOW)).toEqual({ kind: "notify", message: "w", repeat: true });
  });
});
