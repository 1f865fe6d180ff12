/**
 * The contract's state machine, as pure functions: which state a value means, and what one evaluation must
 * send given the previous state and the time of the last successful notify.
 */
import type { AlertRule, AlertState } from "./rule";
import { messageFor } from "./rule";

/** PASS if value <= warn; WARN if warn < value <= critical; CRITICAL if value > critical (strict `>`). */
export function classify(value: number, rule: Pick<AlertRule, "warn" | "critical">): AlertState {
  if (value > rule.critical.value) return "CRITICAL";
  if (value > rule.warn.value) return "WARN";
  return "PASS";
}

/**
 * What holds a state back (Prometheus's `for` and `keep_firing_for`): since when a firing value has been seen
 * while the alert still passes (pending, and toward which state), and since when a passing value has been seen
 * while it still fires (recovering). Persisted with the alert's status, so a restart keeps it.
 */
export type Hold = {
  pendingSinceMs: number | null;
  pendingState: Exclude<AlertState, "PASS"> | null;
  recoveringSinceMs: number | null;
};

export const NO_HOLD: Hold = Object.freeze({ pendingSinceMs: null, pendingState: null, recoveringSinceMs: null });

export function sameHold(a: Hold, b: Hold): boolean {
  return (
    a.pendingSinceMs === b.pendingSinceMs &&
    a.pendingState === b.pendingState &&
    a.recoveringSinceMs === b.recoveringSinceMs
  );
}

/**
 * The state the engine acts on, after `for` and `keep firing for`: a passing alert fires only once its value has
 * stayed above warn for `forSecs` (a dip back to PASS starts the wait again; the severity is the latest one seen);
 * a firing alert resolves only once its value has stayed in PASS for `keepFiringForSecs` (a value back above warn
 * ends the recovery). Between WARN and CRITICAL it moves at once. With both at 0 it is `observed`: the contract.
 */
export function holdBack(
  previous: AlertState,
  observed: AlertState,
  hold: Hold,
  rule: Pick<AlertRule, "forSecs" | "keepFiringForSecs">,
  nowMs: number,
): { next: AlertState; hold: Hold } {
  if (previous === "PASS") {
    if (observed === "PASS") return { next: "PASS", hold: NO_HOLD };
    const since = hold.pendingSinceMs ?? nowMs;
    if (nowMs - since >= rule.forSecs * 1000) return { next: observed, hold: NO_HOLD };
    return { next: "PASS", hold: { pendingSinceMs: since, pendingState: observed, recoveringSinceMs: null } };
  }
  if (observed !== "PASS") return { next: observed, hold: NO_HOLD };
  const since = hold.recoveringSinceMs ?? nowMs;
  if (nowMs - since >= rule.keepFiringForSecs * 1000) return { next: "PASS", hold: NO_HOLD };
  return { next: previous, hold: { pendingSinceMs: null, pendingState: null, recoveringSinceMs: since } };
}

export type Decision = { kind: "none" } | { kind: "notify"; message: string; repeat: boolean } | { kind: "resolve" };

/** Shared: "nothing to send" is the answer of almost every evaluation, and needs no allocation. */
const NONE: Decision = Object.freeze({ kind: "none" });

/**
 * The transition table. A re-notify of an unchanged WARN/CRITICAL waits `repeatIntervalSecs` from the last
 * successful notify; an alert in WARN/CRITICAL with no notify on record (never the case after a commit) is
 * notified at once, so that nothing is lost.
 */
export function decide(
  previous: AlertState,
  next: AlertState,
  rule: Pick<AlertRule, "warn" | "critical" | "repeatIntervalSecs">,
  lastNotifiedAtMs: number | null,
  nowMs: number,
): Decision {
  if (next === "PASS") return previous === "PASS" ? NONE : { kind: "resolve" };
  if (previous !== next) return { kind: "notify", message: messageFor(rule, next), repeat: false };
  if (lastNotifiedAtMs === null || nowMs - lastNotifiedAtMs >= rule.repeatIntervalSecs * 1000) {
    return { kind: "notify", message: messageFor(rule, next), repeat: true };
  }
  return NONE;
}
