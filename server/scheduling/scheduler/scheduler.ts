/**
 * The client-side scheduler. Its only lever is POST /delay. It keeps a ledger of the queued executions it has
 * seen and the tick each one is planned to run in (queued tick + default delay + every delay it applied), so a
 * relative delay always moves an execution to an exact tick.
 *
 * Each step (after every database tick):
 *  1. the queued list is read; executions gone from it have run;
 *  2. a new arrival is parked at its deadline (the last window boundary within the bound on added delay), so
 *     that if the scheduler dies every execution still runs within the bound;
 *  3. at a window boundary the policy plans the coming window (planner: balanced groups from the backlog;
 *     greedy: tick by tick) and the delays that move the chosen executions to their ticks are sent.
 *
 * Restart: a fresh instance has an empty ledger. Executions already queued that it did not park are "orphans"
 * whose remaining delay it cannot know. It parks them further out (+ the bound plus two windows, beyond any
 * plan a previous instance could have made) and, when the planner puts one in tick t, releases it on the step
 * before t with a very negative delay, which the database runs on its next tick: exact placement without
 * knowing the remaining delay. So the scheduler resumes from the system state alone.
 */
import { percentile } from "@/server/core/percentile";
import type { Clock, TimerHandle } from "@/server/core/clock";
import { inBand } from "../band";
import type { CostVector, WindowObservation } from "../estimation/types";
import { DelayRejectedError, type DatabaseApi, type DatabaseTiming, type QueuedExecutionView } from "./database-api";
import { NO_TIMING, RealTimeGuard, type GuardMode, type GuardOptions, type GuardTiming } from "./real-time-guard";
import { planGreedyTick } from "./greedy";
import { DEFAULT_PLANNER_OPTIONS, planWindow, type PlannerItem, type PlannerOptions } from "./planner";

export type SchedulingPolicy = "planner" | "greedy" | "none";

/** Where the scheduler reads each template's cost: the estimator (ours) or the true costs (the oracle). */
export interface CostModel {
  cost(templateId: string): CostVector | undefined;
}

export type SchedulerOptions = {
  api: DatabaseApi;
  costs: CostModel;
  policy?: SchedulingPolicy;
  /** Bound on the delay the scheduler adds to an execution, in ticks (default 50 = 5 s). */
  maxAddedDelayTicks?: number;
  /** The same bound in ms (turned into ticks with the database's tick length); wins over maxAddedDelayTicks. */
  maxAddedDelayMs?: number;
  planner?: Partial<PlannerOptions>;
  /** For start(): the clock and how often to poll the database (ms, default a fifth of a tick). */
  clock?: Clock;
  pollMs?: number;
  /** Seconds kept for status() (default 600). */
  statusWindowSeconds?: number;
  onError?: (error: unknown) => void;
  /**
   * Plan each window this many ticks earlier than the step before it (default 1: two ticks, 200 ms, before its
   * first tick), so that its delays are in place even when a step runs late. Each tick of lead leaves that tick's
   * arrivals out of the plan: in the simulated bench lead 0 / 1 / 3 keep 83.8% / 83.2% / 81.0% at the defaults.
   */
  planLeadTicks?: number;
  /** Delay calls in flight at once (default 16): a step's parks must land before the next tick. */
  maxConcurrentDelays?: number;
  /** Seconds of history the cost estimates rest on (the guard waits for enough); without it, enough. */
  historySeconds?: () => number;
  /** When the scheduler should stand aside (real time: late ticks, a slow database, stale reports, warm-up). */
  guard?: Partial<Omit<GuardOptions, "tickMs">>;
  /** Called when it stands aside or resumes, with the reason. */
  onModeChange?: (mode: GuardMode, reason: string | undefined) => void;
};

export type BandFigures = { cpu: number; io: number; memory: number; all: number };

export type SchedulerStatus = {
  enabled: boolean;
  running: boolean;
  policy: SchedulingPolicy;
  /** Seconds observed in the status window. */
  seconds: number;
  /** Fraction of those seconds with min and max within ±10% of the average (idle seconds count as outside). */
  bandFraction: BandFigures;
  /** Added delay of the executions the scheduler saw run, in ticks. */
  addedDelayTicks: { p50: number; p95: number; max: number; count: number };
  backlog: number;
  orphans: number;
  windowsPlanned: number;
  windowsBalanced: number;
  lastError?: string;
  /** active: planning and delaying; standing aside: adding no delay (reason says why), e.g. when behind. */
  mode: GuardMode;
  reason?: string;
  secondsStoodAside: number;
  /** What real time did to it: ticks acted on, late, missed; delay call durations; how late it saw each tick. */
  timing: GuardTiming;
};

type LedgerEntry = {
  executionId: string;
  templateId: string;
  queuedTick: number;
  /** The tick it will run in; undefined for an orphan whose remaining delay is unknown. */
  plannedTick: number | undefined;
  deadlineTick: number;
  /** Held back by this instance (a fresh arrival moved to its deadline, or an orphan pushed out). */
  parked: boolean;
  /** Orphans only: the tick it is released for (a very negative delay sent on the step before). */
  releaseTick?: number;
};

const RELEASE_DELAY = -1_000_000;

export class Scheduler {
  private readonly api: DatabaseApi;
  private readonly costs: CostModel;
  private policy: SchedulingPolicy;
  private maxAddedDelayTicks: number;
  private readonly plannerOptions: PlannerOptions;
  private readonly ledger = new Map<string, LedgerEntry>();
  private readonly releases = new Map<number, string[]>();
  private enabled = true;
  private lastStepTick: number | undefined;
  private lastPlannedWindow: number | undefined;
  private lastWindowSeen: number | undefined;
  private readonly seconds: Array<{ cpu: boolean; io: boolean; memory: boolean }> = [];
  private readonly latencies: number[] = [];
  private windowsPlanned = 0;
  private windowsBalanced = 0;
  private arrivalsPerTick: number | undefined;
  private meanArrivalCost: CostVector | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private stepping: Promise<void> | undefined;
  private lastError: string | undefined;
  private guard: RealTimeGuard | undefined;
  private readonly planLeadTicks: number;
  private nextWakeAtMs: number | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.api = options.api;
    this.costs = options.costs;
    this.policy = options.policy ?? "planner";
    this.maxAddedDelayTicks = options.maxAddedDelayTicks ?? 50;
    this.plannerOptions = { ...DEFAULT_PLANNER_OPTIONS, ...options.planner };
    this.planLeadTicks = options.planLeadTicks ?? 1;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Off: new arrivals are left alone (they run after the default delay) and parked ones are released. A step
   * in flight finishes first, so no delay of its own can follow (and undo) the release.
   */
  async setEnabled(on: boolean): Promise<void> {
    if (on === this.enabled) return;
    this.enabled = on;
    if (!on) {
      await this.stepping;
      await this.handBack();
    }
  }

  /**
   * Hands everything back at once: the executions held run on the next tick. A release that failed (the network,
   * not a refusal) is tried twice more; one that still fails runs at its deadline, within the bound.
   */
  private async handBack(): Promise<void> {
    // Held: parked by this instance, or an orphan an earlier one may hold. A fresh arrival nobody moved runs after
    // the default delay anyway: no call for it (standing aside, that is every arrival of every step).
    let held = [...this.ledger.values()].filter((entry) => entry.parked || entry.plannedTick === undefined);
    this.ledger.clear();
    this.releases.clear();
    for (let attempt = 0; attempt < 3 && held.length > 0; attempt++) {
      const failed: LedgerEntry[] = [];
      await this.inParallel(held, async (entry) => {
        if (!(await this.tryDelay(entry.executionId, RELEASE_DELAY, false))) failed.push(entry);
      });
      held = failed;
    }
  }

  setPolicy(policy: SchedulingPolicy): void {
    this.policy = policy;
  }

  /** Polls the database with the clock until stop(); a step runs whenever the database has run a new tick. */
  start(): void {
    if (this.running) return;
    const clock = this.options.clock;
    if (!clock) throw new Error("Scheduler.start() needs a clock in the options");
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      this.step()
        .catch((error: unknown) => this.report(error))
        .finally(() => {
          if (!this.running) return;
          // Wake just after the next tick is due when its time is known; else poll.
          const wakeIn =
            this.nextWakeAtMs !== undefined && this.nextWakeAtMs > clock.now()
              ? this.nextWakeAtMs - clock.now()
              : (this.options.pollMs ?? 5);
          this.timer = clock.setTimeout(loop, Math.min(wakeIn, 200));
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer && this.options.clock) this.options.clock.clearTimeout(this.timer);
    await this.stepping;
  }

  status(): SchedulerStatus {
    const count = this.seconds.length;
    const share = (pick: (second: { cpu: boolean; io: boolean; memory: boolean }) => boolean) =>
      count ? this.seconds.filter(pick).length / count : 0;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const quantile = (q: number) => percentile(sorted, q);
    return {
      enabled: this.enabled,
      running: this.running,
      policy: this.policy,
      seconds: count,
      bandFraction: {
        cpu: share((s) => s.cpu),
        io: share((s) => s.io),
        memory: share((s) => s.memory),
        all: share((s) => s.cpu && s.io && s.memory),
      },
      addedDelayTicks: { p50: quantile(0.5), p95: quantile(0.95), max: sorted.at(-1) ?? 0, count: sorted.length },
      backlog: this.ledger.size,
      orphans: [...this.ledger.values()].filter((entry) => entry.plannedTick === undefined).length,
      windowsPlanned: this.windowsPlanned,
      windowsBalanced: this.windowsBalanced,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      mode: this.guard?.mode ?? "active",
      ...(this.guard?.reason ? { reason: this.guard.reason } : {}),
      secondsStoodAside: this.guard?.secondsStoodAside ?? 0,
      timing: this.guard?.timing() ?? NO_TIMING,
    };
  }

  /** One scheduling step; does nothing when the database has not run a tick since the last step. */
  step(): Promise<void> {
    const run = this.runStep();
    // Kept so that stop() and setEnabled(false) can wait for it (its failure is the caller's to handle).
    this.stepping = run.catch(() => undefined);
    return run;
  }

  private report(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    this.options.onError?.(error);
  }

  private async runStep(): Promise<void> {
    const observation = await this.api.observe();
    const { timing } = observation;
    const now = timing.lastTick;
    const clock = this.options.clock;
    // When the tick ran, in real time (a clock here and a database that says when); undefined in a simulation.
    const tickRanAt = clock ? timing.lastTickAtMs : undefined;
    if (tickRanAt !== undefined) this.nextWakeAtMs = tickRanAt + timing.tickMs + 2;
    if (this.lastStepTick !== undefined && now < this.lastStepTick - timing.windowTicks) {
      // The database's ticks went back: it restarted without its state. What we held is gone with it.
      this.ledger.clear();
      this.releases.clear();
      this.lastStepTick = undefined;
      this.lastPlannedWindow = undefined;
      this.lastWindowSeen = undefined;
    }
    if (this.lastStepTick !== undefined && now <= this.lastStepTick) {
      // The database has not run a new tick yet: look again shortly.
      if (tickRanAt !== undefined) this.nextWakeAtMs = clock!.now() + 3;
      return;
    }
    const firstStep = this.lastStepTick === undefined;
    if (firstStep && this.options.maxAddedDelayMs !== undefined)
      this.maxAddedDelayTicks = Math.max(1, Math.round(this.options.maxAddedDelayMs / timing.tickMs));
    const missedTicks = firstStep ? 0 : now - this.lastStepTick! - 1;
    this.lastStepTick = now;
    this.guard ??= new RealTimeGuard({ tickMs: timing.tickMs, ...this.options.guard });
    const latenessMs = tickRanAt !== undefined ? clock!.now() - tickRanAt : undefined;
    this.observeResources(observation.window);
    this.syncLedger(observation.queued, now, timing, firstStep);
    if (!this.enabled || this.policy === "none") {
      this.ledger.clear();
      return;
    }
    if (this.guard.mode === "active") {
      const parkStartedMs = clock?.now() ?? 0;
      if ((await this.parkArrivals(now, timing)) > 0 && tickRanAt !== undefined)
        this.guard.recordDelayBatch(clock!.now() - parkStartedMs);
    }
    const late =
      tickRanAt !== undefined && (latenessMs! > timing.tickMs / 2 || clock!.now() > tickRanAt + timing.tickMs);
    const report = {
      tick: now,
      missedTicks,
      late,
      latenessMs,
      latestWindowTick: this.lastWindowSeen,
      historySeconds: this.options.historySeconds?.() ?? Number.POSITIVE_INFINITY,
    };
    // The guard decides for the planner, what is deployed; greedy stays a plain baseline for the bench.
    const verdict = this.policy === "planner" ? this.guard.step(report) : { mode: "active" as const, changed: false };
    if (verdict.changed) this.options.onModeChange?.(verdict.mode, this.guard.reason);
    if (verdict.mode === "standing aside") {
      // Add no delay while behind: what is held runs now, new arrivals after the default delay.
      await this.handBack();
      return;
    }
    if (this.policy === "greedy") await this.planGreedy(now);
    else if ((now + 1 + this.planLeadTicks - timing.windowOrigin) % timing.windowTicks === 0)
      await this.planNextWindow(now, timing);
    await this.sendReleases(now);
  }

  private observeResources(window: WindowObservation | undefined): void {
    if (!window || window.lastTick === this.lastWindowSeen) return;
    this.lastWindowSeen = window.lastTick;
    const second = { cpu: inBand(window.cpu), io: inBand(window.io), memory: inBand(window.memory) };
    this.guard?.recordSecond(second.cpu && second.io && second.memory);
    this.seconds.push(second);
    const keep = this.options.statusWindowSeconds ?? 600;
    if (this.seconds.length > keep) this.seconds.splice(0, this.seconds.length - keep);
  }

  private deadlineFor(queuedTick: number, timing: DatabaseTiming): number {
    // The last tick that closes a window, no later than the bound: the planner then never has to split a due
    // execution's window, and the bound holds.
    const latest = queuedTick + timing.defaultDelayTicks + this.maxAddedDelayTicks;
    const aligned = this.alignDown(latest, timing);
    return aligned > queuedTick + timing.defaultDelayTicks ? aligned : latest;
  }

  private syncLedger(queued: QueuedExecutionView[], now: number, timing: DatabaseTiming, firstStep: boolean): void {
    const present = new Set<string>();
    let arrivals = 0;
    const arrivalCost = { cpu: 0, io: 0, memory: 0 };
    for (const execution of queued) {
      present.add(execution.executionId);
      if (this.ledger.has(execution.executionId)) continue;
      const fresh = execution.queuedTick + timing.defaultDelayTicks > now;
      const entry: LedgerEntry = {
        executionId: execution.executionId,
        templateId: execution.templateId,
        queuedTick: execution.queuedTick,
        plannedTick: fresh ? execution.queuedTick + timing.defaultDelayTicks : undefined,
        deadlineTick: this.deadlineFor(execution.queuedTick, timing),
        parked: false,
      };
      this.ledger.set(entry.executionId, entry);
      if (execution.queuedTick === now) {
        arrivals++;
        const cost = this.costOf(execution.templateId);
        arrivalCost.cpu += cost.cpu;
        arrivalCost.io += cost.io;
        arrivalCost.memory += cost.memory;
      }
    }
    for (const [executionId, entry] of this.ledger) {
      if (present.has(executionId)) continue;
      this.ledger.delete(executionId);
      const ran = entry.plannedTick ?? entry.releaseTick;
      if (ran !== undefined) this.recordLatency(ran - entry.queuedTick - timing.defaultDelayTicks);
    }
    if (!firstStep) {
      // Recent arrival rate and cost per tick, for the planner's throughput and the greedy target.
      const alpha = 0.01;
      this.arrivalsPerTick =
        this.arrivalsPerTick === undefined
          ? arrivals
          : this.arrivalsPerTick + alpha * (arrivals - this.arrivalsPerTick);
      const previous = this.meanArrivalCost ?? arrivalCost;
      this.meanArrivalCost = {
        cpu: previous.cpu + alpha * (arrivalCost.cpu - previous.cpu),
        io: previous.io + alpha * (arrivalCost.io - previous.io),
        memory: previous.memory + alpha * (arrivalCost.memory - previous.memory),
      };
    }
  }

  private recordLatency(ticks: number): void {
    this.latencies.push(Math.max(0, ticks));
    if (this.latencies.length > 20_000) this.latencies.splice(0, this.latencies.length - 20_000);
  }

  /** Parks what is not parked yet; returns how many it tried. */
  private async parkArrivals(now: number, timing: DatabaseTiming): Promise<number> {
    const unparked = [...this.ledger.values()].filter((entry) => !entry.parked);
    await this.inParallel(unparked, async (entry) => {
      if (entry.plannedTick === undefined) {
        // An orphan: push it beyond any plan a previous instance could have made; the planner releases it.
        const park = this.maxAddedDelayTicks + 2 * timing.windowTicks;
        if (await this.tryDelay(entry.executionId, park)) {
          entry.parked = true;
          entry.deadlineTick = this.alignDown(now + park, timing);
        }
        return;
      }
      // Parked only once the database took the delay; a failed request is tried again on the next step.
      entry.parked = await this.moveTo(entry, entry.deadlineTick);
    });
    return unparked.length;
  }

  /** Runs `work` over `items`, at most maxConcurrentDelays at once. */
  private async inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
    let next = 0;
    const lanes = Math.min(items.length, this.options.maxConcurrentDelays ?? 16);
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < items.length) await work(items[next++]!);
      }),
    );
  }

  /** The last window-closing tick at or before `tick`. */
  private alignDown(tick: number, timing: DatabaseTiming): number {
    const offset = (((tick + 1 - timing.windowOrigin) % timing.windowTicks) + timing.windowTicks) % timing.windowTicks;
    return tick - offset;
  }

  private costOf(templateId: string): CostVector {
    return this.costs.cost(templateId) ?? this.meanArrivalCost ?? { cpu: 50, io: 50, memory: 50 };
  }

  /** What may still be placed at or after `fromTick`: executions not yet running before it, nor released. */
  private backlog(fromTick: number): PlannerItem[] {
    const items: PlannerItem[] = [];
    for (const entry of this.ledger.values()) {
      if (entry.plannedTick === undefined && (!entry.parked || entry.releaseTick !== undefined)) continue;
      if (entry.plannedTick !== undefined && entry.plannedTick < fromTick) continue;
      items.push({
        executionId: entry.executionId,
        templateId: entry.templateId,
        cost: this.costOf(entry.templateId),
        queuedTick: entry.queuedTick,
        deadlineTick: entry.deadlineTick,
      });
    }
    return items;
  }

  /** Plans the window that starts planLeadTicks after the next tick. */
  private async planNextWindow(now: number, timing: DatabaseTiming): Promise<void> {
    const firstTick = now + 1 + this.planLeadTicks;
    if (this.lastPlannedWindow === firstTick) return;
    this.lastPlannedWindow = firstTick;
    const items = this.backlog(firstTick);
    const arrivalsPerWindow =
      (this.arrivalsPerTick ?? items.length / Math.max(1, this.maxAddedDelayTicks)) * timing.windowTicks;
    const plan = planWindow(items, firstTick, timing.windowTicks, {
      ...this.plannerOptions,
      arrivalsPerWindow,
      reserve: Math.max(this.plannerOptions.reserve, arrivalsPerWindow * this.plannerOptions.reserveWindows),
    });
    this.windowsPlanned++;
    if (plan.balanced) this.windowsBalanced++;
    await this.inParallel([...plan.assignments], async ([executionId, tick]) => {
      const entry = this.ledger.get(executionId);
      if (entry) await this.moveTo(entry, tick);
    });
  }

  private async planGreedy(now: number): Promise<void> {
    const tick = now + 1;
    const target = this.meanArrivalCost ?? { cpu: 0, io: 0, memory: 0 };
    const assignments = planGreedyTick(this.backlog(tick), tick, target);
    for (const [executionId, at] of assignments) {
      const entry = this.ledger.get(executionId);
      if (entry) await this.moveTo(entry, at);
    }
  }

  /** Moves an execution to run in `tick`: a relative delay when its planned tick is known, a release otherwise. */
  private async moveTo(entry: LedgerEntry, tick: number): Promise<boolean> {
    if (entry.plannedTick === undefined) {
      entry.releaseTick = tick;
      const list = this.releases.get(tick - 1) ?? [];
      list.push(entry.executionId);
      this.releases.set(tick - 1, list);
      return true;
    }
    const change = tick - entry.plannedTick;
    if (change === 0) return true;
    if (!(await this.tryDelay(entry.executionId, change))) return false;
    entry.plannedTick = tick;
    return true;
  }

  private async sendReleases(now: number): Promise<void> {
    for (const [at, ids] of this.releases) {
      if (at > now) continue;
      this.releases.delete(at);
      await this.inParallel(ids, (executionId) => this.tryDelay(executionId, RELEASE_DELAY));
    }
  }

  /** Sends a delay; false when it failed. A refusal (the database no longer holds it) forgets it when `forget`. */
  private async tryDelay(executionId: string, ticks: number, forget = true): Promise<boolean> {
    const clock = this.options.clock;
    const startedMs = clock?.now();
    try {
      await this.api.delay(executionId, ticks);
      if (clock && startedMs !== undefined) this.guard?.recordDelayCall(clock.now() - startedMs);
      return true;
    } catch (error) {
      if (error instanceof DelayRejectedError) {
        // The database no longer holds it (executed, or lost in a server restart): forget it.
        if (forget) this.ledger.delete(executionId);
        else return true;
      } else {
        // A network error or another answer says nothing about the execution: keep it; the next steps retry.
        this.report(error);
      }
      return false;
    }
  }
}
