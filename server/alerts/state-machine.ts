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
