/**
 * The alert execution engine. Each alert runs on its own fixed-rate grid from its first due time, so one slow
 * alert never delays another. One Clock timer drives them all: it is armed for the earliest due alert of a
 * min-heap (due-queue.ts), and when it fires every alert now due joins a FIFO of ready alerts, from which at most
 * `maxInFlight` evaluations run at once. An alert is rescheduled only when its evaluation ends: ticks that fall
 * while it waits or runs are skipped, never piled up. (One timer plus a heap instead of a timer and a p-limit
 * task per alert per tick: the same behaviour, a fraction of the allocations at 10,000 alerts per second.)
 *
 * One evaluation: query (retried with backoff until the end of the interval) → classify → decide → deliver
 * notify/resolve (retried the same way) → commit the new state. A failed query changes nothing; a failed
 * notify/resolve leaves the state where it was, so the next cycle tries again and nothing is sent twice.
 * Evaluations that change nothing are buffered by the store and written in batches; a state change commits at
 * once in its own transaction.
 */
import { setMaxListeners } from "node:events";
import type { Clock, TimerHandle } from "@/server/core/clock";
import type { AlertStateChanged } from "@/server/core/events";
import { FailureStreak } from "@/server/core/failure-streak";
import { createId } from "@/server/core/ids";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { retryWithBackoff, type RetryOptions } from "@/server/core/retry";
import { DueQueue } from "./due-queue";
import { isRetryable, type AlertEngineStore, type AlertNotifier, type AlertSources } from "./ports";
import type { AlertRule, AlertState } from "./rule";
import { classify, decide, holdBack, NO_HOLD, sameHold, type Hold, type Decision } from "./state-machine";

export type EvaluationTiming = {
  ruleId: string;
  dueAtMs: number;
  startedAtMs: number;
  finishedAtMs: number;
  requests: number;
};

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
  /** How often the store is asked to write the evaluation history that is due (it batches further itself). */
  flushEveryMs?: number;
  /** How often the rule table is checked for changes made elsewhere (another process, the console). */
  syncEveryMs?: number;
};

type AlertSlot = {
  rule: AlertRule;
  state: AlertState;
  lastValue: number | null;
  lastNotifiedAtMs: number | null;
  /** What `for` and `keep firing for` hold back (as persisted). */
  hold: Hold;
  /** The due time this alert has in the schedule (or had, while it waits or runs). */
  dueAtMs: number;
  order: number;
  heapIndex: number;
  /** Next in the FIFO of ready alerts. */
  nextReady: AlertSlot | null;
  /** Due: waiting for an evaluation slot or evaluating. */
  running: boolean;
  /** Edited while running: evaluate again as soon as the running evaluation ends. */
  dueNow: boolean;
  removed: boolean;
  /** Requests made by the current evaluation (for the benchmark's timing). */
  requests: number;
  /** Rejects the port call this alert awaits, so that `stop` settles it even if the port ignores the signal. */
  pendingReject: ((reason: unknown) => void) | null;
};

export type EngineCounters = {
  evaluations: number;
  skippedTicks: number;
  queryFailures: number;
  deliveryFailures: number;
  transitions: number;
};

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

function checkedValue(rule: AlertRule, result: unknown): number {
  if (typeof result !== "number" || !Number.isFinite(result))
    throw new Error(`the ${rule.sourceKind} source returned a non-numeric value (${String(result)})`);
  return result;
}

export class AlertEngine {
  private readonly slots = new Map<string, AlertSlot>();
  private readonly schedule = new DueQueue<AlertSlot>();
  private readyHead: AlertSlot | null = null;
  private readyTail: AlertSlot | null = null;
  /** Evaluations running now (at most maxInFlight). */
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  /** The one timer of the schedule, and the time it is armed for. */
  private timer: TimerHandle | null = null;
  private timerDueAtMs = Number.POSITIVE_INFINITY;
  private readonly onTimer = () => this.fireDue();
  private abort = new AbortController();
  /** Retry options of this run; each retry copies them with its own deadline. */
  private retryBase: Omit<RetryOptions, "deadlineMs"> | null = null;
  private housekeepingTimer: TimerHandle | null = null;
  private lastFingerprint = "";
  private lastSyncMs = 0;
  private running = false;
  private readonly debugEnabled: boolean;
  readonly counters: EngineCounters = {
    evaluations: 0,
    skippedTicks: 0,
    queryFailures: 0,
    deliveryFailures: 0,
    transitions: 0,
  };
  /** Writes that failed in a row: history and rule syncs (housekeeping), and state changes (commits). */
  readonly failures: readonly FailureStreak[];
  private readonly housekeepingFailures: FailureStreak;
  private readonly commitFailures: FailureStreak;

  constructor(private readonly options: AlertEngineOptions) {
    if (!(options.maxInFlight >= 1)) throw new Error(`maxInFlight must be at least 1 (got ${options.maxInFlight})`);
    this.housekeepingFailures = new FailureStreak("the alert engine's history and rule sync", options.clock);
    this.commitFailures = new FailureStreak("storing the alerts' state changes", options.clock);
    this.failures = [this.housekeepingFailures, this.commitFailures];
    // Checked once: a debug line per skipped tick would build its fields even when debug is off.
    this.debugEnabled =
      typeof options.logger.isLevelEnabled === "function" ? options.logger.isLevelEnabled("debug") : false;
  }

  /** Loads rules and persisted states, and schedules every alert with its start spread over one interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A fresh stop signal per run, so that a stopped engine can be started again.
    this.abort = new AbortController();
    // Retry sleeps of every evaluation in flight listen on the one stop signal.
    setMaxListeners(0, this.abort.signal);
    const { clock, random } = this.options;
    this.retryBase = { clock, random, maxAttempts: 50, shouldRetry: isRetryable, signal: this.abort.signal };
    const statuses = this.options.store.loadStatuses();
    this.lastFingerprint = this.options.store.rulesFingerprint();
    const now = clock.now();
    for (const rule of this.options.store.listActiveRules()) {
      const status = statuses.get(rule.id);
      // Spread first evaluations over one interval so that thousands of alerts do not all fire on one tick.
      this.addSlot(
        rule,
        status
          ? {
              state: status.state,
              lastValue: status.lastValue,
              lastNotifiedAtMs: status.lastNotifiedAtMs,
              hold: status.hold,
            }
          : undefined,
        Math.round(now + random.next() * rule.intervalSecs * 1000),
      );
    }
    this.lastSyncMs = now;
    this.scheduleHousekeeping();
    this.options.logger.info(
      { alerts: this.slots.size, maxInFlight: this.options.maxInFlight },
      "alert engine started",
    );
  }

  /** Stops the schedule, aborts retries in flight, waits for running evaluations, and writes what is buffered. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.housekeepingTimer) this.options.clock.clearTimeout(this.housekeepingTimer);
    this.housekeepingTimer = null;
    this.disarm();
    this.schedule.clear();
    // Alerts waiting for an evaluation slot are dropped: nothing was started for them.
    for (let slot = this.readyHead; slot; slot = slot.nextReady) slot.running = false;
    this.readyHead = this.readyTail = null;
    const reason = new Error("alert engine stopping");
    this.abort.abort(reason);
    for (const slot of this.slots.values()) {
      const reject = slot.pendingReject;
      slot.pendingReject = null;
      reject?.(reason);
    }
    await this.whenIdle();
    this.options.store.flush();
  }

  /** Resolves when no evaluation is running or waiting for a slot (tests and the benchmark). */
  async whenIdle(): Promise<void> {
    while (this.active > 0 || this.readyHead) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Re-reads the rule table now (after a change in the console) instead of at the next sync. */
  refresh(): void {
    if (!this.running) return;
    this.syncRules(true);
  }

  /** Alerts scheduled in this engine (the console's figure). */
  get size(): number {
    return this.slots.size;
  }

  private addSlot(
    rule: AlertRule,
    status: Pick<AlertSlot, "state" | "lastValue" | "lastNotifiedAtMs" | "hold"> | undefined,
    firstDueAtMs: number,
  ): void {
    const slot: AlertSlot = {
      rule,
      state: status?.state ?? "PASS",
      lastValue: status?.lastValue ?? null,
      lastNotifiedAtMs: status?.lastNotifiedAtMs ?? null,
      hold: status?.hold ?? NO_HOLD,
      dueAtMs: firstDueAtMs,
      order: 0,
      heapIndex: -1,
      nextReady: null,
      running: false,
      dueNow: false,
      removed: false,
      requests: 0,
      pendingReject: null,
    };
    this.slots.set(rule.id, slot);
    this.scheduleAt(slot, firstDueAtMs);
  }

  // ---- the schedule ------------------------------------------------------------------------------------

  private scheduleAt(slot: AlertSlot, dueAtMs: number): void {
    this.schedule.schedule(slot, dueAtMs);
    if (dueAtMs < this.timerDueAtMs) this.arm(dueAtMs);
  }

  /** Arms the one timer for `dueAtMs` (replacing a later one). */
  private arm(dueAtMs: number): void {
    this.disarm();
    const clock = this.options.clock;
    this.timerDueAtMs = dueAtMs;
    this.timer = clock.setTimeout(this.onTimer, Math.max(0, dueAtMs - clock.now()));
  }

  private disarm(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerDueAtMs = Number.POSITIVE_INFINITY;
  }

  /** Moves every alert now due to the ready FIFO, starts what the cap allows, and re-arms for the next one. */
  private fireDue(): void {
    this.timer = null;
    this.timerDueAtMs = Number.POSITIVE_INFINITY;
    if (!this.running) return;
    const now = this.options.clock.now();
    for (let slot = this.schedule.popDue(now); slot; slot = this.schedule.popDue(now)) {
      slot.running = true;
      slot.nextReady = null;
      if (this.readyTail) this.readyTail.nextReady = slot;
      else this.readyHead = slot;
      this.readyTail = slot;
    }
    this.pump();
    // Everything due at `now` was taken, so the next alert is due later (a system timer that fires a hair before
    // the wall clock reaches its due time takes nothing and is simply armed again).
    const next = this.schedule.peek();
    if (next) this.arm(next.dueAtMs);
  }

  /** Starts ready alerts while fewer than maxInFlight evaluations run. */
  private pump(): void {
    const max = this.options.maxInFlight;
    while (this.active < max && this.readyHead) {
      const slot = this.readyHead;
      this.readyHead = slot.nextReady;
      if (!this.readyHead) this.readyTail = null;
      slot.nextReady = null;
      if (slot.removed || !this.running) {
        slot.running = false;
        continue;
      }
      this.active++;
      void this.run(slot, slot.dueAtMs);
    }
    if (this.active === 0 && !this.readyHead && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /**
   * Fixed rate: the next tick is the first point of the alert's grid (its first due time plus whole intervals)
   * after now. Ticks that fell while the evaluation was waiting or running are skipped, not queued: an alert is
   * rescheduled only once its evaluation is over, so a saturated engine holds each alert once, never a backlog.
   */
  private scheduleNext(slot: AlertSlot, dueAtMs: number): void {
    if (!this.running || slot.removed || slot.heapIndex >= 0) return;
    const now = this.options.clock.now();
    if (slot.dueNow) {
      slot.dueNow = false;
      this.scheduleAt(slot, now);
      return;
    }
    const intervalMs = Math.round(slot.rule.intervalSecs * 1000);
    const steps = Math.max(1, Math.floor((now - dueAtMs) / intervalMs) + 1);
    if (steps > 1) {
      this.counters.skippedTicks += steps - 1;
      if (this.debugEnabled)
        this.options.logger.debug(
          { alert: slot.rule.name, skipped: steps - 1 },
          "evaluation outlasted its interval; ticks skipped",
        );
    }
    this.scheduleAt(slot, dueAtMs + steps * intervalMs);
  }

  // ---- one evaluation ----------------------------------------------------------------------------------

  /**
   * Settles with `work`, or rejects when the engine stops (the rejecter is kept on the slot: no listener on
   * the shared stop signal, which would cost O(n) to add and remove with thousands of calls in flight).
   */
  private untilStopped<T>(slot: AlertSlot, work: Promise<T>): Promise<T> {
    if (this.abort.signal.aborted) {
      work.catch(() => {}); // its outcome no longer matters, but must not surface as unhandled
      return Promise.reject(this.abort.signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      slot.pendingReject = reject;
      work.then(resolve, reject);
    });
  }

  private async queryOnce(slot: AlertSlot, signal: AbortSignal): Promise<number> {
    const rule = slot.rule;
    slot.requests++;
    const result = await this.untilStopped(slot, this.options.sources[rule.sourceKind].query(rule, signal));
    slot.pendingReject = null;
    return checkedValue(rule, result);
  }

  private async deliverOnce(
    slot: AlertSlot,
    decision: Exclude<Decision, { kind: "none" }>,
    notifier: AlertNotifier,
    signal: AbortSignal,
  ): Promise<void> {
    const rule = slot.rule;
    slot.requests++;
    await this.untilStopped(
      slot,
      decision.kind === "resolve" ? notifier.resolve(rule, signal) : notifier.notify(rule, decision.message, signal),
    );
    slot.pendingReject = null;
  }

  /**
   * After a first attempt failed with `firstError`: the same retries as retryWithBackoff from the start (the
   * failed attempt counts as attempt 1, then backoff), built only when needed — most calls succeed at once.
   */
  private retryAfter<T>(firstError: unknown, deadlineMs: number, attempt: () => Promise<T>): Promise<T> {
    if (this.abort.signal.aborted || !isRetryable(firstError)) return Promise.reject(firstError);
    let replayed = false;
    return retryWithBackoff(
      () => {
        if (!replayed) {
          replayed = true;
          return Promise.reject(firstError);
        }
        return attempt();
      },
      { ...this.retryBase!, deadlineMs },
    );
  }

  private finish(slot: AlertSlot, dueAtMs: number, startedAtMs: number): void {
    this.counters.evaluations++;
    const onEvaluated = this.options.onEvaluated;
    if (onEvaluated)
      onEvaluated({
        ruleId: slot.rule.id,
        dueAtMs,
        startedAtMs,
        finishedAtMs: this.options.clock.now(),
        requests: slot.requests,
      });
  }

  /**
   * A pending or recovering value began or ended: written at once (not buffered as evaluations are), so a restart
   * mid-pending keeps its start. A failed write keeps the hold in memory and is tried again on the next change.
   */
  private saveHold(slot: AlertSlot, hold: Hold): void {
    slot.hold = hold;
    try {
      this.options.store.saveHold(slot.rule.id, hold);
    } catch (error) {
      this.options.logger.warn(
        { alert: slot.rule.name, err: error },
        `alert "${slot.rule.name}": could not store its pending or recovering start; a restart would begin it again`,
      );
    }
  }

  /** One evaluation, then the bookkeeping that frees its place (one async frame per evaluation: this is the hot path). */
  private async run(slot: AlertSlot, dueAtMs: number): Promise<void> {
    try {
      const { clock, logger, store } = this.options;
      const rule = slot.rule;
      const signal = this.abort.signal;
      // Stopped while this evaluation waited for a slot: nothing to do (and no request to abort).
      if (signal.aborted) return;
      const startedAtMs = clock.now();
      const deadlineMs = dueAtMs + rule.intervalSecs * 1000;
      slot.requests = 0;

      let value: number;
      try {
        try {
          // The first attempt inline (queryOnce is the same, for retries).
          slot.requests++;
          const result = await this.untilStopped(slot, this.options.sources[rule.sourceKind].query(rule, signal));
          slot.pendingReject = null;
          value = checkedValue(rule, result);
        } catch (firstError) {
          value = await this.retryAfter(firstError, deadlineMs, () => this.queryOnce(slot, signal));
        }
      } catch (error) {
        if (signal.aborted) return;
        this.counters.queryFailures++;
        const message = describeError(error);
        logger.warn(
          { alert: rule.name, ruleId: rule.id, source: rule.sourceKind, query: rule.query, error: message },
          `alert "${rule.name}": query failed; state stays ${slot.state}`,
        );
        store.recordEvaluation({
          ruleId: rule.id,
          atMs: clock.now(),
          value: null,
          state: slot.state,
          outcome: "query-failed",
          error: message,
          intervalSecs: rule.intervalSecs,
        });
        this.finish(slot, dueAtMs, startedAtMs);
        return;
      }

      const previous = slot.state;
      const nowMs = clock.now();
      // `for` and `keep firing for` may hold the observed state back (both 0: the contract's behaviour).
      const { next, hold } = holdBack(previous, classify(value, rule), slot.hold, rule, nowMs);
      const decision = decide(previous, next, rule, slot.lastNotifiedAtMs, nowMs);
      slot.lastValue = value;
      if (decision.kind === "none") {
        if (!sameHold(hold, slot.hold)) this.saveHold(slot, hold);
        store.recordEvaluation({
          ruleId: rule.id,
          atMs: nowMs,
          value,
          state: previous,
          outcome: "ok",
          error: null,
          intervalSecs: rule.intervalSecs,
        });
        this.finish(slot, dueAtMs, startedAtMs);
        return;
      }

      const notifier = this.options.notifierFor(rule);
      if (notifier) {
        try {
          try {
            await this.deliverOnce(slot, decision, notifier, signal);
          } catch (firstError) {
            await this.retryAfter(firstError, deadlineMs, () => this.deliverOnce(slot, decision, notifier, signal));
          }
        } catch (error) {
          if (signal.aborted) return;
          this.counters.deliveryFailures++;
          const message = describeError(error);
          logger.warn(
            { alert: rule.name, ruleId: rule.id, action: decision.kind, error: message },
            `alert "${rule.name}": ${decision.kind} failed; state stays ${previous} and the next cycle tries again`,
          );
          store.recordEvaluation({
            ruleId: rule.id,
            atMs: clock.now(),
            value,
            state: previous,
            outcome: decision.kind === "resolve" ? "resolve-failed" : "notify-failed",
            error: message,
            intervalSecs: rule.intervalSecs,
          });
          this.finish(slot, dueAtMs, startedAtMs);
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
          hold,
          evaluation: {
            ruleId: rule.id,
            atMs: committedAtMs,
            value,
            state: next,
            outcome: "ok",
            error: null,
            intervalSecs: rule.intervalSecs,
          },
        });
        this.commitFailures.succeeded();
      } catch (error) {
        this.commitFailures.failed(error);
        logger.error(
          { alert: rule.name, err: error },
          `alert "${rule.name}": could not store the ${previous} → ${next} change; the next cycle tries again`,
        );
        this.finish(slot, dueAtMs, startedAtMs);
        return;
      }
      slot.state = next;
      slot.hold = hold;
      if (decision.kind === "notify") slot.lastNotifiedAtMs = committedAtMs;
      if (decision.kind === "resolve") slot.lastNotifiedAtMs = null;
      this.counters.transitions++;
      if (event)
        logger.info(
          { alert: rule.name, from: previous, to: next, value },
          `alert "${rule.name}" ${previous} → ${next}`,
        );
      this.options.onCommitted?.();
      this.finish(slot, dueAtMs, startedAtMs);
    } catch (error) {
      this.options.logger.error({ alert: slot.rule.name, err: error }, "alert evaluation failed unexpectedly");
    } finally {
      slot.running = false;
      slot.pendingReject = null;
      this.active--;
      this.scheduleNext(slot, dueAtMs);
      this.pump();
    }
  }

  private scheduleHousekeeping(): void {
    const flushEveryMs = this.options.flushEveryMs ?? 100;
    this.housekeepingTimer = this.options.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        this.options.store.flushDue(this.options.clock.now());
        if (this.options.clock.now() - this.lastSyncMs >= (this.options.syncEveryMs ?? 5000)) this.syncRules(false);
        this.housekeepingFailures.succeeded();
      } catch (error) {
        this.housekeepingFailures.failed(error);
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
      this.scheduleAt(slot, now);
    }
    for (const [id, slot] of this.slots) {
      if (seen.has(id)) continue;
      slot.removed = true;
      this.schedule.remove(slot);
      this.slots.delete(id);
    }
  }
}
