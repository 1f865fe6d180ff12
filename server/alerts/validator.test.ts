import { describe, expect, it } from "vitest";
import { validateCalls, type RecordedCall, type ValidatorAlert } from "./validator";

const alert: ValidatorAlert = {
  name: "a",
  query: "script?values=50,150,250,50&step=10",
  intervalSecs: 1,
  repeatIntervalSecs: 300,
  warn: { value: 100, message: "a-warn" },
  critical: { value: 200, message: "a-crit" },
};
const origin = 1_000_000;
const at = (seconds: number) => origin + seconds * 1000;
const good: RecordedCall[] = [
  { kind: "notify", alertName: "a", message: "a-warn", atMs: at(10.5) },
  { kind: "notify", alertName: "a", message: "a-crit", atMs: at(20.4) },
  { kind: "resolve", alertName: "a", atMs: at(30.9) },
];

const run = (calls: RecordedCall[], alerts = [alert]) =>
  validateCalls({ alerts, calls, originMs: origin, endMs: at(39) });

describe("validator", () => {
  it("accepts the scripted sequence", () => {
    expect(run(good)).toMatchObject({ ok: true, problems: [] });
  });

  it("reports a missing resolve", () => {
    expect(run(good.slice(0, 2)).problems).toEqual([
      { alertName: "a", kind: "missing", detail: expect.stringContaining("resolve") },
    ]);
  });

  it("reports an extra notify sent twice", () => {
    const calls = [...good.slice(0, 1), { ...good[0]!, atMs: at(12) }, ...good.slice(1)];
    expect(run(calls).problems).toEqual([
      { alertName: "a", kind: "early", detail: expect.stringContaining("re-notify") },
    ]);
  });

  it("reports a notify sent before the value changed as early", () => {
    const calls = [{ ...good[0]! }, { ...good[1]!, atMs: at(18) }, good[2]!];
    expect(run(calls).problems.map((problem) => problem.kind)).toContain("early");
  });

  it("reports a call far later than its change as late", () => {
    const calls = [good[0]!, good[1]!, { ...good[2]!, atMs: at(38) }];
    expect(run(calls).problems).toEqual([{ alertName: "a", kind: "late", detail: expect.any(String) }]);
  });

  it("reports calls for alerts the script does not define", () => {
    expect(run([...good, { kind: "resolve", alertName: "ghost", atMs: at(5) }]).problems).toEqual([
      { alertName: "ghost", kind: "extra", detail: expect.any(String) },
    ]);
  });

  it("expects re-notifies once the repeat interval has passed", () => {
    const repeating = { ...alert, query: "constant?value=150", repeatIntervalSecs: 10 };
    const calls: RecordedCall[] = [0.5, 10.6, 20.7, 30.8].map((seconds) => ({
      kind: "notify",
      alertName: "a",
      message: "a-warn",
      atMs: at(seconds),
    }));
    expect(run(calls, [repeating]).ok).toBe(true);
    expect(run(calls.slice(0, 2), [repeating]).problems.map((problem) => problem.kind)).toEqual(["missing", "missing"]);
  });
});
