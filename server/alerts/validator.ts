/**
 * The validator: compares the notify/resolve calls a server recorded with what a script of values requires.
 * For each scripted alert it derives the state changes from the script (with the contract's thresholds), then
 * walks the recorded calls in time order: each must be the next expected change (not before the value changed,
 * not later than the tolerance) or a re-notify of the current state no earlier than the repeat interval.
 * Anything else is extra; expected changes never seen are missing. Alerts on unscripted targets are listed
 * but not judged.
 */
import type { AlertDefinition } from "./alerts-server-api";
import type { AlertState } from "./rule";
import { parseSimulatedQuery, scriptedValueAt, type SimulatedSpec } from "./simulated-values";
import { classify } from "./state-machine";

export type RecordedCall = { kind: "notify" | "resolve"; alertName: string; message?: string; atMs: number };

export type ValidatorAlert = AlertDefinition;

export type ValidationProblem = { alertName: string; kind: "missing" | "extra" | "early" | "late"; detail: string };

export type ValidationReport = {
  ok: boolean;
  problems: ValidationProblem[];
  /** Per judged alert, the state changes the script implies within the window. */
  expected: Record<string, Array<{ atMs: number; state: AlertState }>>;
  unscripted: string[];
};

export type ValidateOptions = {
  alerts: ValidatorAlert[];
  calls: RecordedCall[];
  /** When the scripts began (the simulator's start or reset). */
  originMs: number;
  /** The end of the observed window. */
  endMs: number;
  /** How long after a value change its call may arrive; default two intervals plus one second. */
  toleranceMs?: (alert: ValidatorAlert) => number;
};

type TimeSpec = Extract<SimulatedSpec, { kind: "script" | "constant" | "sine" }>;

function expectedChanges(
  alert: ValidatorAlert,
  spec: TimeSpec,
  originMs: number,
  endMs: number,
): Array<{ atMs: number; state: AlertState }> {
  const changes: Array<{ atMs: number; state: AlertState }> = [];
  let previous: AlertState = "PASS";
  const consider = (atMs: number) => {
    const state = classify(scriptedValueAt(spec, atMs, originMs), alert);
    if (state !== previous) changes.push({ atMs, state });
    previous = state;
  };
  if (spec.kind === "script") {
    const stepMs = spec.stepSecs * 1000;
    for (let atMs = originMs; atMs < endMs; atMs += stepMs) consider(atMs);
  } else if (spec.kind === "constant") {
    consider(originMs);
  } else {
    for (let atMs = originMs; atMs < endMs; atMs += 100) consider(atMs);
  }
  return changes;
}

export function validateCalls(options: ValidateOptions): ValidationReport {
  const report: ValidationReport = { ok: true, problems: [], expected: {}, unscripted: [] };
  const byName = new Map(options.alerts.map((alert) => [alert.name, alert]));
  for (const call of options.calls) {
    if (!byName.has(call.alertName))
      report.problems.push({
        alertName: call.alertName,
        kind: "extra",
        detail: `${call.kind} for an alert the script does not define`,
      });
  }
  for (const alert of options.alerts) {
    const parsed = parseSimulatedQuery(alert.query);
    if (!parsed.ok || parsed.spec.kind === "random-walk") {
      report.unscripted.push(alert.name);
      continue;
    }
    const spec = parsed.spec;
    const toleranceMs = options.toleranceMs?.(alert) ?? 2 * alert.intervalSecs * 1000 + 1000;
    const repeatMs = (alert.repeatIntervalSecs || 300) * 1000;
    const changes = expectedChanges(alert, spec, options.originMs, options.endMs);
    report.expected[alert.name] = changes;
    const problem = (kind: ValidationProblem["kind"], detail: string) =>
      report.problems.push({ alertName: alert.name, kind, detail });
    const matches = (call: RecordedCall, state: AlertState) =>
      state === "PASS"
        ? call.kind === "resolve"
        : call.kind === "notify" &&
          call.message === (state === "CRITICAL" ? alert.critical.message : alert.warn.message);
    const describeCall = (call: RecordedCall) =>
      `${call.kind}${call.message ? `(${call.message})` : ""} at +${((call.atMs - options.originMs) / 1000).toFixed(2)} s`;
    const describeChange = (change: { atMs: number; state: AlertState }) =>
      `${change.state === "PASS" ? "resolve" : `notify(${change.state})`} for the change at +${((change.atMs - options.originMs) / 1000).toFixed(2)} s`;

    let nextChange = 0;
    let current: AlertState = "PASS";
    let lastNotifyAtMs: number | null = null;
    const checkMissedRepeats = (untilMs: number) => {
      while (current !== "PASS" && lastNotifyAtMs !== null && lastNotifyAtMs + repeatMs + toleranceMs < untilMs) {
        problem(
          "missing",
          `re-notify of ${current} due by +${((lastNotifyAtMs + repeatMs + toleranceMs - options.originMs) / 1000).toFixed(2)} s`,
        );
        lastNotifyAtMs += repeatMs;
      }
    };
    const calls = options.calls.filter((call) => call.alertName === alert.name).sort((a, b) => a.atMs - b.atMs);
    for (const call of calls) {
      checkMissedRepeats(Math.min(call.atMs, changes[nextChange]?.atMs ?? Number.POSITIVE_INFINITY));
      // The next expected change, or a later one when a short phase was legitimately not observed.
      let matched = -1;
      for (let index = nextChange; index < changes.length; index++) {
        const change = changes[index]!;
        if (change.atMs > call.atMs + 5) break;
        if (matches(call, change.state) && (index === nextChange || call.atMs <= change.atMs + toleranceMs))
          matched = index;
      }
      if (matched >= 0) {
        for (let skipped = nextChange; skipped < matched; skipped++)
          problem("missing", describeChange(changes[skipped]!));
        const change = changes[matched]!;
        if (call.atMs > change.atMs + toleranceMs)
          problem("late", `${describeCall(call)}, more than ${toleranceMs} ms after its change`);
        current = change.state;
        lastNotifyAtMs = call.kind === "notify" ? call.atMs : null;
        nextChange = matched + 1;
        continue;
      }
      const upcoming = changes[nextChange];
      if (upcoming && matches(call, upcoming.state)) {
        problem(
          "early",
          `${describeCall(call)} before the value changed at +${((upcoming.atMs - options.originMs) / 1000).toFixed(2)} s`,
        );
        continue;
      }
      if (current !== "PASS" && matches(call, current)) {
        if (lastNotifyAtMs !== null && call.atMs < lastNotifyAtMs + repeatMs) {
          problem(
            "early",
            `re-notify ${describeCall(call)} only ${call.atMs - lastNotifyAtMs} ms after the last notify (repeat interval ${repeatMs} ms)`,
          );
        }
        lastNotifyAtMs = call.atMs;
        continue;
      }
      problem("extra", describeCall(call));
    }
    checkMissedRepeats(Math.min(options.endMs, changes[nextChange]?.atMs ?? Number.POSITIVE_INFINITY));
    for (let index = nextChange; index < changes.length; index++) {
      const change = changes[index]!;
      if (change.atMs + toleranceMs <= options.endMs) problem("missing", describeChange(change));
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}
