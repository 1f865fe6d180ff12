import { describe, expect, it } from "vitest";
import { classify, decide, holdBack, NO_HOLD } from "./state-machine";
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

describe("holding a state back (`for`, `keep firing for`)", () => {
  const states = ["PASS", "WARN", "CRITICAL"] as const;
  const none = { forSecs: 0, keepFiringForSecs: 0 };

  it("with both at 0 acts on the observed state at once, holding nothing (the contract)", () => {
    for (const previous of states)
      for (const observed of states)
        expect(holdBack(previous, observed, NO_HOLD, none, 1_000)).toEqual({ next: observed, hold: NO_HOLD });
  });

  it("waits out `for` from the first crossing, toward the latest severity", () => {
    const rule = { forSecs: 30, keepFiringForSecs: 0 };
    const first = holdBack("PASS", "WARN", NO_HOLD, rule, 1_000);
    expect(first).toEqual({
      next: "PASS",
      hold: { pendingSinceMs: 1_000, pendingState: "WARN", recoveringSinceMs: null },
    });
    const later = holdBack("PASS", "CRITICAL", first.hold, rule, 30_999);
    expect(later).toEqual({
      next: "PASS",
      hold: { pendingSinceMs: 1_000, pendingState: "CRITICAL", recoveringSinceMs: null },
    });
    expect(holdBack("PASS", "CRITICAL", later.hold, rule, 31_000)).toEqual({ next: "CRITICAL", hold: NO_HOLD });
    expect(holdBack("PASS", "PASS", later.hold, rule, 20_000)).toEqual({ next: "PASS", hold: NO_HOLD });
  });

  it("waits out `keep firing for` from the first value in PASS; a value above warn ends the wait", () => {
    const rule = { forSecs: 0, keepFiringForSecs: 20 };
    const first = holdBack("CRITICAL", "PASS", NO_HOLD, rule, 5_000);
    expect(first).toEqual({
      next: "CRITICAL",
      hold: { pendingSinceMs: null, pendingState: null, recoveringSinceMs: 5_000 },
    });
    expect(holdBack("CRITICAL", "PASS", first.hold, rule, 25_000)).toEqual({ next: "PASS", hold: NO_HOLD });
    expect(holdBack("CRITICAL", "WARN", first.hold, rule, 10_000)).toEqual({ next: "WARN", hold: NO_HOLD });
  });
});
