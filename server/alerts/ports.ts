/**
 * The ports of the alerts engine. Sources give values, notifiers deliver notify/resolve, the engine's store keeps
 * rules, state and history, the outbox store feeds the relay; adapters (server/alerts/adapters) implement them for
 * SQLite and the alerts-server. The console's ports are rule-store.ts (writes) and read-model.ts (reads).
 */
import type { AlertStateChanged } from "@/server/core/events";
import type { Hold } from "./state-machine";
import type { AlertRule, AlertState, SourceKind } from "./rule";

/** Gives the current value of a rule's query. Throws on failure; `retryable` errors are retried within the interval. */
export interface AlertValueSource {
  query(rule: AlertRule, signal: AbortSignal): Promise<number>;
}

/** Delivers notify/resolve for a rule. Resolves only on success. */
export interface AlertNotifier {
  notify(rule: AlertRule, message: string, signal: AbortSignal): Promise<void>;
  resolve(rule: AlertRule, signal: AbortSignal): Promise<void>;
}

export type AlertSources = Record<SourceKind, AlertValueSource>;

/** The alerts-server of compatible mode: a source and a notifier that also lists its alerts; `close` ends its connections. */
export interface AlertsServer extends AlertValueSource, AlertNotifier {
  /** GET /alerts: the raw JSON body (parse it with parseServerAlerts). */
  listAlerts(signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

/** An error a source or notifier raises; only retryable ones (transport errors, 5xx) are tried again at once. */
export class AlertIoError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AlertIoError";
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof AlertIoError ? error.retryable : true;
}

export type PersistedStatus = {
  state: AlertState;
  lastValue: number | null;
  lastNotifiedAtMs: number | null;
  /** What `for` and `keep firing for` hold back (none when both are 0). */
  hold: Hold;
};

export type EvaluationOutcome = "ok" | "query-failed" | "notify-failed" | "resolve-failed";

export type EvaluationRecord = {
  ruleId: string;
  atMs: number;
  value: number | null;
  /** The state after this evaluation (unchanged when it failed). */
  state: AlertState;
  outcome: EvaluationOutcome;
  error: string | null;
  /** The rule's interval: the store keeps about EVALUATION_RING_SIZE intervals of history. Without it only the ring's row count bounds the history. */
  intervalSecs?: number;
};

export type TransitionCommit = {
  rule: AlertRule;
  atMs: number;
  previousState: AlertState;
  newState: AlertState;
  value: number;
  action: "notify" | "renotify" | "resolve";
  message: string;
  /** What still holds the new state back (a re-notify while recovering keeps its recovery). */
  hold: Hold;
  /** The event to publish through the outbox (present when the state changed). */
  event: AlertStateChanged | null;
  /** The evaluation that made the change: written with it, after the rule's buffered ones, so the history, the
   * latest value and the state always agree (the console reads them together). */
  evaluation: EvaluationRecord;
};

/** What the engine needs from storage. Every method is synchronous (better-sqlite3). */
export interface AlertEngineStore {
  listActiveRules(): AlertRule[];
  /** Cheap fingerprint of the rule table: when it changes, the engine reloads its rules. */
  rulesFingerprint(): string;
  loadStatuses(): Map<string, PersistedStatus>;
  /**
   * May buffer; `flush` writes everything buffered, `flushDue` what has waited long enough (called often).
   * Evaluations are observations, not state: a crash may lose the last few seconds of them.
   */
  recordEvaluation(record: EvaluationRecord): void;
  flush(): void;
  flushDue(nowMs: number): void;
  /** One transaction: status, transition history, the outbox event and the rule's evaluations up to this one. */
  commitTransition(commit: TransitionCommit): void;
  /** Writes what holds the alert's state back (a pending or recovering value began or ended), so a restart keeps it. */
  saveHold(ruleId: string, hold: Hold): void;
}

export type OutboxItem = { id: number; eventId: string; topic: string; payload: unknown; attempts: number };

export interface OutboxStore {
  /** Unpublished items due at `nowMs`, oldest first. */
  duePending(nowMs: number, limit: number): OutboxItem[];
  markPublished(id: number, atMs: number): void;
  markFailed(id: number, attempts: number, nextAttemptAtMs: number, error: string): void;
}
