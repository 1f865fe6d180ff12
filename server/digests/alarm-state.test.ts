import { describe, expect, it } from "vitest";
import { compareReports, selectDigestAlarms, supersedes, type AlarmState, type AlarmStatus } from "./alarm-state";
import { parseChangedAt } from "./alarm-time";

const report = (status: AlarmStatus, changedAt: string) => ({
  status,
  changedAt,
  changedAtNanos: parseChangedAt(changedAt).nanos,
});
const state = (
  alarmId: string,
  status: AlarmStatus,
  changedAt: string,
  lastSent: AlarmState["lastSent"] = null,
): AlarmState => ({ userId: "u", alarmId, ...report(status, changedAt), lastSent });

describe("supersedes", () => {
  it("rejects an older WARNING arriving after the CLEARED that followed it", () => {
    const cleared = report("CLEARED", "2021-06-07T20:40:16Z");
    expect(supersedes(report("WARNING", "2021-06-07T20:40:15.999999999Z"), cleared)).toBe(false);
    expect(supersedes(report("WARNING", "2021-06-07T20:40:16.000000001Z"), cleared)).toBe(true);
  });

  it("ignores an exact duplicate", () => {
    expect(supersedes(report("WARNING", "2021-06-07T20:40:15Z"), report("WARNING", "2021-06-07T20:40:15Z"))).toBe(
      false,
    );
  });

  it("breaks equal instants by severity, then by the string, the same way whatever the arrival order", () => {
    const a = report("CLEARED", "2021-06-07T20:40:15Z");
    const b = report("CRITICAL", "2021-06-07T23:40:15+03:00");
    const c = report("CRITICAL", "2021-06-07T20:40:15Z");
    expect(compareReports(a, b)).toBeLessThan(0);
    expect(compareReports(b, a)).toBeGreaterThan(0);
    expect(Math.sign(compareReports(b, c))).toBe(-Math.sign(compareReports(c, b)));
    expect(compareReports(b, c)).not.toBe(0);
  });
});

describe("selectDigestAlarms", () => {
  it("lists active alarms oldest first by exact instant, not by string", () => {
    const alarms = selectDigestAlarms([
      state("late", "CRITICAL", "2021-06-07T21:23:01.828161292Z"),
      state("early-offset", "WARNING", "2021-06-07T23:00:00.5+03:00"),
      state("cleared", "CLEARED", "2021-06-07T19:00:00Z"),
      state("early", "WARNING", "2021-06-07T20:40:15.598765212Z"),
    ]);
    expect(alarms.map((alarm) => alarm.alarmId)).toEqual(["early-offset", "early", "late"]);
    expect(alarms[1]?.changedAt).toBe("2021-06-07T20:40:15.598765212Z");
  });

  it("leaves out an alarm sent before with the same status and instant, and sends it again once it changed", () => {
    const at = "2021-06-07T20:40:15Z";
    const sent = { status: "WARNING" as const, changedAtNanos: parseChangedAt(at).nanos };
    expect(selectDigestAlarms([state("a", "WARNING", at, sent)])).toEqual([]);
    expect(
      selectDigestAlarms([state("a", "WARNING", "2021-06-07T20:50:00Z", sent)]).map((alarm) => alarm.alarmId),
    ).toEqual(["a"]);
    expect(selectDigestAlarms([state("a", "CRITICAL", at, sent)]).map((alarm) => alarm.alarmId)).toEqual(["a"]);
  });
});
