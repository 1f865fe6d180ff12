/**
 * The alert execution engine. Each alert has its own timer on the Clock, on a fixed-rate grid from its first
 * due time, so one slow alert never delays another; p-limit caps how many evaluations run at once (its queue is
 * a linked list: O(1) per alert even with tens of thousands waiting). The timer is armed again only when the
 * alert's evaluation ends: ticks that fall while it runs are skipped, never piled up.
 *
 * One evaluation: query (retried with backoff until the end of the interval) → classify → decide → deliver
 * notify/resolve (retried the same way) → commit the new state. A failed query changes nothing; a failed
 * notify/resolve leaves the state where it was, so the next cycle tries again and nothing is sent twice.
 */
import { setMaxListeners } from "node:events";
import pLimit, { type LimitFunction } from "p-limit";
import type { Clock, TimerHandle } from "@/server/core/clock";
import type { AlertStateChanged } from "@/server/core/events";
import { createId } from "@/server/core/ids";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { retryWithBackoff } from "@/server/core/retry";
import { isRetryable, type AlertEngineStore, type AlertNotifier, type AlertSources } from "./ports";
import type { AlertRule, AlertState } from "./rule";
import { classify, decide } from "./state-machine";

export type EvaluationTiming = { ruleId: string; dueAtMs: number; startedAtMs: number; finishedAtMs: number; requests: number };

export type AlertEngineOptions = {
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  store: AlertEngineStore;
  sources: AlertSources;
  /** The notifier of a rule, or null when the published state change is its only delivery. */
  notifierFor: (rule: AlertRule) => AlertNotifier | null;
  maxInFlight: number;
  /** Called after each committed state change, e.g. to wake the outbox relay. */
  onCommitted?: () => void;
  /** Timing of every evaluation, for the benchmark and metrics. */
  onEvaluated?: (timing: EvaluationTiming) => void;
  /** How often buffered evaluations are written. */
  flushEveryMs?: number;
  /** How often the rule table is checked for changes made elsewhere (another process, the console). */
  syncEveryMs?: number;
};

type AlertSlot = {
  rule: AlertRule;
  state: AlertState;
  lastValue: number | null;
  lastNotifiedAtMs: number | null;
  nextDueAtMs: number;
  timer: TimerHandle | null;
  running: boolean;
  /** Edited while running: evaluate again as soon as the running evaluation ends. */
  dueNow: boolean;
  removed: boolean;
};

export type LiveAlert = { ruleId: string; name: string; state: AlertState; lastValue: number | null; lastNotifiedAtMs: number | null; running: boolean };

export type EngineCounters = { evaluations: number; skippedTicks: number; queryFailures: number; deliveryFailures: number; transitions: number };

/** RFC 3339 with nine fractional digits (the digest contract's format); the clock has millisecond precision. */
export function toRfc3339Nanos(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { lastError?: unknown }).lastError;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}

export class AlertEngine {
  private readonly slots = new Map<string, AlertSlot>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limit: LimitFunction;
  private abort = new AbortController();
  /** Rejecters of the port calls in flight: `stop` settles them at once, even if a port ignores the signal. */
  private readonly pendingCalls = new Set<(reason: unknown) => void>();
  private housekeepingTimer: TimerHandle | null = null;
  private lastFingerprint = "";
  private lastSyncMs = 0;
  private running = false;
  readonly counters: EngineCounters = { evaluations: 0, skippedTicks: 0, queryFailures: 0, deliveryFailures: 0, transitions: 0 };

  constructor(private readonly options: AlertEngineOptions) {
    this.limit = pLimit(options.maxInFlight);
  }

  /** Loads rules and persisted states, and arms every alert's timer with its start spread over one interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A fresh stop signal per run, so that a stopped engine can be started again.
    this.abort = new AbortController();
    // Retry sleeps of every evaluation in flight listen on the one stop signal.
    setMaxListeners(0, this.abort.signal);
    const statuses = this.options.store.loadStatuses();
    this.lastFingerprint = this.options.store.rulesFingerprint();
    const now = this.options.clock.now();
    for (const rule of this.options.store.listActiveRules()) {
      const status = statuses.get(rule.id);
      // Spread first evaluations over one interval so that thousands of alerts do not all fire on one tick.
      this.addSlot(rule, status ? { state: status.state, lastValue: status.lastValue, lastNotifiedAtMs: status.lastNotifiedAtMs } : undefined, Math.round(now + this.options.random.next() * rule.intervalSecs * 1000));
    }
    this.lastSyncMs = now;
    this.scheduleHousekeeping();
    this.options.logger.info({ alerts: this.slots.size, maxInFlight: this.options.maxInFlight }, "alert engine started");
  }

  /** Stops every timer, aborts retries in flight, waits for running evaluations, and writes what is buffered. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.housekeepingTimer) this.options.clock.clearTimeout(this.housekeepingTimer);
    for (const slot of this.slots.values()) this.cancel(slot);
    const reason = new Error("alert engine stopping");
    this.abort.abort(reason);
    for (const reject of this.pendingCalls) reject(reason);
    this.pendingCalls.clear();
    await Promise.allSettled([...this.inFlight]);
    this.options.store.flush();
  }

  /** Resolves when no evaluation is running (tests and the benchmark). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Re-reads the rule table now (after a change in the console) instead of at the next sync. */
  refresh(): void {
    if (!this.running) return;
    this.syncRules(true);
  }

  liveAlerts(): LiveAlert[] {
    return [...this.slots.values()].map((slot) => ({
      ruleId: slot.rule.id,
      name: slot.rule.name,
      state: slot.state,
      lastValue: slot.lastValue,
      lastNotifiedAtMs: slot.lastNotifiedAtMs,
      running: slot.running,
    }));
  }

  get size(): number {
    return this.slots.size;
  }

  private addSlot(rule: AlertRule, status: Pick<AlertSlot, "state" | "lastValue" | "lastNotifiedAtMs"> | undefined, firstDueAtMs: number): void {
    const slot: AlertSlot = {
      rule,
      state: status?.state ?? "PASS",
      lastValue: status?.lastValue ?? null,
      lastNotifiedAtMs: status?.lastNotifiedAtMs ?? null,
      nextDueAtMs: firstDueAtMs,
      timer: null,
      running: false,
      dueNow: false,
      removed: false,
    };
    this.slots.set(rule.id, slot);
    this.arm(slot);
  }

  private arm(slot: AlertSlot): void {
    const delay = Math.max(0, slot.nextDueAtMs - this.options.clock.now());
    slot.timer = this.options.clock.setTimeout(() => this.onDue(slot), delay);
  }

  private cancel(slot: AlertSlot): void {
    if (slot.timer) this.options.clock.clearTimeout(slot.timer);
    slot.timer = null;
  }

  /**
   * Settles with `work`, or rejects when the engine stops. One shared set instead of an abort listener per call:
   * listeners on a single AbortSignal cost O(n) to add and remove with thousands of calls in flight.
   */
  private untilStopped<T>(work: Promise<T>): Promise<T> {
    if (this.abort.signal.aborted) {
      work.catch(() => {}); // its outcome no longer matters, but must not surface as unhandled
      return Promise.reject(this.abort.signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.pendingCalls.add(reject);
      work.then(
        (value) => {
          this.pendingCalls.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.pendingCalls.delete(reject);
          reject(error);
        },
      );
    });
  }

  private onDue(slot: AlertSlot): void {
    slot.timer = null;
    if (!this.running || slot.removed) return;
    const dueAtMs = slot.nextDueAtMs;
    slot.running = true;
    const work = this.limit(() => this.evaluate(slot, dueAtMs))
      .catch((error: unknown) => this.options.logger.error({ alert: slot.rule.name, err: error }, "alert evaluation failed unexpectedly"))
      .finally(() => {
        slot.running = false;
        this.inFlight.delete(work);
        this.armNext(slot, dueAtMs);
      });
    this.inFlight.add(work);
  }

  /**
   * Fixed rate: the next tick is the first point of the alert's grid (its first due time plus whole intervals)
   * after now. Ticks that fell while the evaluation was waiting or running are skipped, not queued: the timer is
   * armed only once the evaluation is over, so a saturated engine holds each alert once, never a backlog.
   */
  private armNext(slot: AlertSlot, dueAtMs: number): void {
    if (!this.running || slot.removed || slot.timer) return;
    const now = this.options.clock.now();
    if (slot.dueNow) {
      slot.dueNow = false;
      slot.nextDueAtMs = now;
    } else {
      const intervalMs = Math.round(slot.rule.intervalSecs * 1000);
      const steps = Math.max(1, Math.floor((now - dueAtMs) / intervalMs) + 1);
      if (steps > 1) {
        this.counters.skippedTicks += steps - 1;
        this.options.logger.debug({ alert: slot.rule.name, skipped: steps - 1 }, "evaluation outlasted its interval; ticks skipped");
      }
      slot.nextDueAtMs = dueAtMs + steps * intervalMs;
    }
    this.arm(slot);
  }

  private async evaluate(slot: AlertSlot, dueAtMs: number): Promise<void> {
    const { clock, random, logger, store } = this.options;
    const rule = slot.rule;
    const startedAtMs = clock.now();
    const deadlineMs = dueAtMs + rule.intervalSecs * 1000;
    const signal = this.abort.signal;
    // Stopped while this evaluation waited for a slot: nothing to do (and no request to abort).
    if (signal.aborted) return;
    let requests = 0;
    const retryOptions = {
      clock,
      random,
      maxAttempts: 50,
      deadlineMs,
      shouldRetry: isRetryable,
      signal,
    };
    const finish = () => {
      this.counters.evaluations++;
      this.options.onEvaluated?.({ ruleId: rule.id, dueAtMs, startedAtMs, finishedAtMs: clock.now(), requests });
    };

    let value: number;
    try {
      value = await retryWithBackoff(async () => {
        requests++;
        const result = await this.untilStopped(this.options.sources[rule.sourceKind].query(rule, signal));
        if (typeof result !== "number" || !Number.isFinite(result)) throw new Error(`the ${rule.sourceKind} source returned a non-numeric value (${String(result)})`);
        return result;
      }, retryOptions);
    } catch (error) {
      if (signal.aborted) return;
      this.counters.queryFailures++;
      const message = describeError(error);
      logger.warn({ alert: rule.name, ruleId: rule.id, source: rule.sourceKind, query: rule.query, error: message }, `alert "${rule.name}": query failed; state stays ${slot.state}`);
      store.recordEvaluation({ ruleId: rule.id, atMs: clock.now(), value: null, state: slot.state, outcome: "query-failed", error: message });
      finish();
      return;
    }

    const previous = slot.state;
    const next = classify(value, rule);
    const nowMs = clock.now();
    const decision = decide(previous, next, rule, slot.lastNotifiedAtMs, nowMs);
    slot.lastValue = value;
    if (decision.kind === "none") {
      store.recordEvaluation({ ruleId: rule.id, atMs: nowMs, value, state: previous, outcome: "ok", error: null });
      finish();
      return;
    }

    const notifier = this.options.notifierFor(rule);
    if (notifier) {
      try {
        await retryWithBackoff(async () => {
          requests++;
          await this.untilStopped(decision.kind === "resolve" ? notifier.resolve(rule, signal) : notifier.notify(rule, decision.message, signal));
        }, retryOptions);
      } catch (error) {
        if (signal.aborted) return;
        this.counters.deliveryFailures++;
        const message = describeError(error);
        logger.warn({ alert: rule.name, ruleId: rule.id, action: decision.kind, error: message }, `alert "${rule.name}": ${decision.kind} failed; state stays ${previous} and the next cycle tries again`);
        store.recordEvaluation({ ruleId: rule.id, atMs: clock.now(), value, state: previous, outcome: decision.kind === "resolve" ? "resolve-failed" : "notify-failed", error: message });
        finish();
        return;
      }
    }

    // The rule may have been deleted while its notify was in flight: nothing left to commit to.
    if (slot.removed) return;
    const committedAtMs = clock.now();
    const message = decision.kind === "resolve" ? `${rule.name} resolved` : decision.message;
    const event: AlertStateChanged | null =
      previous === next
        ? null
        : {
            eventId: createId("evt"),
            ruleId: rule.id,
            ruleName: rule.name,
            serviceId: rule.serviceId,
            subscriberUserIds: rule.subscriberUserIds,
            previousState: previous,
            newState: next,
            value,
            message,
            changedAt: toRfc3339Nanos(committedAtMs),
            changedAtMs: committedAtMs,
          };
    try {
      store.commitTransition({
        rule,
        atMs: committedAtMs,
        previousState: previous,
        newState: next,
        value,
        action: decision.kind === "resolve" ? "resolve" : decision.repeat ? "renotify" : "notify",
        message,
        event,
      });
    } catch (error) {
      logger.error({ alert: rule.name, err: error }, `alert "${rule.name}": could not store the ${previous} → ${next} change; the next cycle tries again`);
      finish();
      return;
    }
    slot.state = next;
    if (decision.kind === "notify") slot.lastNotifiedAtMs = committedAtMs;
    if (decision.kind === "resolve") slot.lastNotifiedAtMs = null;
    this.counters.transitions++;
    store.recordEvaluation({ ruleId: rule.id, atMs: committedAtMs, value, state: next, outcome: "ok", error: null });
    if (event) logger.info({ alert: rule.name, from: previous, to: next, value }, `alert "${rule.name}" ${previous} → ${next}`);
    this.options.onCommitted?.();
    finish();
  }

  private scheduleHousekeeping(): void {
    const flushEveryMs = this.options.flushEveryMs ?? 100;
    this.housekeepingTimer = this.options.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        this.options.store.flush();
        if (this.options.clock.now() - this.lastSyncMs >= (this.options.syncEveryMs ?? 5000)) this.syncRules(false);
      } catch (error) {
        this.options.logger.error({ err: error }, "alert engine housekeeping failed; retrying on the next round");
      }
      this.scheduleHousekeeping();
    }, flushEveryMs);
  }

  /** Adds new rules, drops deleted or disabled ones, and takes edits. */
  private syncRules(force: boolean): void {
    const store = this.options.store;
    const now = this.options.clock.now();
    this.lastSyncMs = now;
    const fingerprint = store.rulesFingerprint();
    if (!force && fingerprint === this.lastFingerprint) return;
    this.lastFingerprint = fingerprint;
    const rules = store.listActiveRules();
    const seen = new Set<string>();
    const statuses = rules.some((rule) => !this.slots.has(rule.id)) ? store.loadStatuses() : new Map();
    for (const rule of rules) {
      seen.add(rule.id);
      const slot = this.slots.get(rule.id);
      if (!slot) {
        this.addSlot(rule, statuses.get(rule.id), now);
        continue;
      }
      if (slot.rule.updatedAtMs === rule.updatedAtMs) continue;
      // An edited rule is evaluated at once with its new definition, then on its (possibly new) interval.
      slot.rule = rule;
      if (slot.running) {
        slot.dueNow = true; // armed when the running evaluation ends
        continue;
      }
      this.cancel(slot);
      slot.nextDueAtMs = now;
      this.arm(slot);
    }
    for (const [id, slot] of this.slots) {
      if (seen.has(id)) continue;
      slot.removed = true;
      this.cancel(slot);
      this.slots.delete(id);
    }
  }
}
