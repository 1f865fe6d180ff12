/**
 * Whether the scheduler may add delay now, and what real time has done to it. A scheduler that falls behind
 * (its steps late or missed, the database slow to take a delay, the resources reports stale, estimates resting on
 * too little history, or its seconds not balancing) must stop adding delay: delaying queries without balancing
 * them is worse than not scheduling. The guard reads what the scheduler reports each step and decides:
 *
 * - active: plan and delay as usual;
 * - standing aside: hand everything back, leave new arrivals alone (they run after the default delay), and say why.
 *
 * It resumes once the reason has cleared for `resumeAfterTicks` ticks in a row (5 s by default); a stand-aside
 * for poor balance (the outcome itself) lasts `outcomeRetryTicks` (a minute) before it tries again. Plain logic
 * over numbers: the scheduler owns the clock and the calls, so tests drive this directly.
 */
import { percentile } from "@/server/core/percentile";

export type GuardMode = "active" | "standing aside";

export type GuardOptions = {
  tickMs: number;
  /** Ticks looked back over for late and missed ticks (default 50 = 5 s). */
  lookBackTicks?: number;
  /** Late or missed ticks in the look-back that make the scheduler stand aside (default 5: one in ten). */
  maxLateTicks?: number;
  /**
   * The p90 of the recent steps' delay batches (first call sent to last answered) above which the database counts
   * as slow (default half a tick). Batches, not single calls: calls run 16 at a time, so one call waits for others.
   */
  slowDelayCallMs?: number;
  /** Seconds without a new resources report after which the metrics count as stale (default 3). */
  staleMetricsSeconds?: number;
  /** History the estimates must rest on before the scheduler adds delay (default 120 s). */
  minHistorySeconds?: number;
  /** Ticks in a row without a reason before it resumes (default 50). */
  resumeAfterTicks?: number;
  /** Seconds of active scheduling over which the outcome is judged (default 60), and the floor (default 5%). */
  outcomeSeconds?: number;
  minInBandShare?: number;
  /** Ticks a stand-aside for poor balance lasts (default 600 = a minute). */
  outcomeRetryTicks?: number;
};

export type StepReport = {
  tick: number;
  /** Ticks the database ran since the previous step that no step saw (0 normally). */
  missedTicks: number;
  /** The step (its arrivals parked) ended after the next tick began, or began more than half a tick late. */
  late: boolean;
  /** How long after the tick ran the step observed it, in ms (undefined without real time). */
  latenessMs: number | undefined;
  /** The tick of the newest resources report seen. */
  latestWindowTick: number | undefined;
  /** Seconds of history the cost estimates rest on. */
  historySeconds: number;
};

export type GuardTiming = {
  ticksActed: number;
  ticksLate: number;
  ticksMissed: number;
  /** Duration of the recent delay calls. */
  delayCallMs: { p50: number; p99: number };
  /** How long after each tick ran the scheduler saw it. */
  stepLatenessMs: { p50: number; p99: number };
};

const RECENT_CALLS = 500;

/** The timing of a scheduler that has not acted yet. */
export const NO_TIMING: GuardTiming = {
  ticksActed: 0,
  ticksLate: 0,
  ticksMissed: 0,
  delayCallMs: { p50: 0, p99: 0 },
  stepLatenessMs: { p50: 0, p99: 0 },
};

export class RealTimeGuard {
  private modeValue: GuardMode = "active";
  private reasonValue: string | undefined;
  private readonly recentSteps: { tick: number; late: boolean; missed: number }[] = [];
  private readonly delayCalls: number[] = [];
  private readonly delayBatches: { tick: number; ms: number }[] = [];
  private lastTick = 0;
  private readonly latenesses: number[] = [];
  private readonly activeSeconds: boolean[] = [];
  private clearSinceTick: number | undefined;
  private outcomeHoldUntilTick: number | undefined;
  private outcomeReason: string | undefined;
  private ticksStoodAside = 0;
  private counters = { acted: 0, late: 0, missed: 0 };
  private readonly settings: Required<GuardOptions>;

  constructor(options: GuardOptions) {
    this.settings = {
      lookBackTicks: 50,
      maxLateTicks: 5,
      slowDelayCallMs: options.tickMs / 2,
      staleMetricsSeconds: 3,
      minHistorySeconds: 120,
      resumeAfterTicks: 50,
      outcomeSeconds: 60,
      minInBandShare: 0.05,
      outcomeRetryTicks: 600,
      ...options,
    };
  }

  get mode(): GuardMode {
    return this.modeValue;
  }

  get reason(): string | undefined {
    return this.reasonValue;
  }

  /** Seconds spent standing aside since this scheduler started. */
  get secondsStoodAside(): number {
    return (this.ticksStoodAside * this.settings.tickMs) / 1000;
  }

  recordDelayCall(milliseconds: number): void {
    this.delayCalls.push(milliseconds);
    if (this.delayCalls.length > RECENT_CALLS) this.delayCalls.shift();
  }

  /** How long one step's delays took together (the database's answer time as the scheduler lives it). */
  recordDelayBatch(milliseconds: number): void {
    this.delayBatches.push({ tick: this.lastTick, ms: milliseconds });
    if (this.delayBatches.length > RECENT_CALLS) this.delayBatches.shift();
  }

  /** A resources second observed while active (the outcome the guard judges). */
  recordSecond(inBandAllThree: boolean): void {
    if (this.modeValue !== "active") return;
    this.activeSeconds.push(inBandAllThree);
    if (this.activeSeconds.length > this.settings.outcomeSeconds) this.activeSeconds.shift();
  }

  /** Records one step and returns the mode for the rest of it (and whether it just changed). */
  step(report: StepReport): { mode: GuardMode; changed: boolean } {
    const { lookBackTicks } = this.settings;
    this.lastTick = report.tick;
    this.counters.acted++;
    if (report.late) this.counters.late++;
    this.counters.missed += report.missedTicks;
    if (report.latenessMs !== undefined) {
      this.latenesses.push(report.latenessMs);
      if (this.latenesses.length > RECENT_CALLS) this.latenesses.shift();
    }
    this.recentSteps.push({ tick: report.tick, late: report.late, missed: report.missedTicks });
    while (this.recentSteps.length > 0 && this.recentSteps[0]!.tick <= report.tick - lookBackTicks)
      this.recentSteps.shift();
    if (this.modeValue === "standing aside") this.ticksStoodAside += 1 + report.missedTicks;

    const reason = this.currentReason(report);
    const before = this.modeValue;
    if (reason) {
      this.clearSinceTick = undefined;
      this.reasonValue = reason;
      if (this.modeValue === "active") this.modeValue = "standing aside";
    } else if (this.modeValue === "standing aside") {
      this.clearSinceTick ??= report.tick;
      const waited = report.tick - this.clearSinceTick;
      if (waited >= this.settings.resumeAfterTicks) {
        this.modeValue = "active";
        this.reasonValue = undefined;
        this.clearSinceTick = undefined;
        this.activeSeconds.length = 0;
      } else {
        this.reasonValue = `caught up; resuming in ${Math.ceil(((this.settings.resumeAfterTicks - waited) * this.settings.tickMs) / 1000)} s if it stays so`;
      }
    }
    return { mode: this.modeValue, changed: before !== this.modeValue };
  }

  timing(): GuardTiming {
    const sortedCalls = [...this.delayCalls].sort((a, b) => a - b);
    const sortedLateness = [...this.latenesses].sort((a, b) => a - b);
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      ticksActed: this.counters.acted,
      ticksLate: this.counters.late,
      ticksMissed: this.counters.missed,
      delayCallMs: { p50: round(percentile(sortedCalls, 0.5)), p99: round(percentile(sortedCalls, 0.99)) },
      stepLatenessMs: { p50: round(percentile(sortedLateness, 0.5)), p99: round(percentile(sortedLateness, 0.99)) },
    };
  }

  /** Why the scheduler must not add delay at this step, or undefined when it may. */
  private currentReason(report: StepReport): string | undefined {
    const s = this.settings;
    const seconds = (ticks: number) => `${Math.round((ticks * s.tickMs) / 100) / 10} s`;
    if (report.historySeconds < s.minHistorySeconds) {
      const left = Math.max(1, Math.ceil(s.minHistorySeconds - report.historySeconds));
      return `warming up: the cost estimates rest on ${Math.floor(report.historySeconds)} s of history, and delays would not balance before ${s.minHistorySeconds} s (about ${left} s more)`;
    }
    const behind = this.recentSteps.reduce((sum, step) => sum + (step.late ? 1 : 0) + step.missed, 0);
    if (behind >= s.maxLateTicks)
      return `falling behind: ${behind} of the last ${s.lookBackTicks} ticks were acted on late or missed`;
    // Only the look-back's batches: standing aside sends none, so an old slow spell ends and the next one is probed.
    const recent = this.delayBatches
      .filter((batch) => batch.tick > report.tick - s.lookBackTicks)
      .map((batch) => batch.ms)
      .sort((a, b) => a - b);
    if (recent.length >= 10) {
      const p90 = percentile(recent, 0.9);
      if (p90 > s.slowDelayCallMs)
        return `the database is slow to take delays: a step's delays took ${Math.round(p90)} ms (p90), over the ${Math.round(s.slowDelayCallMs)} ms a step can spend`;
    }
    const windowTicks = Math.round(1000 / s.tickMs);
    if (
      report.latestWindowTick !== undefined &&
      report.tick - report.latestWindowTick > s.staleMetricsSeconds * windowTicks
    )
      return `the database's resources reports are stale: the newest is ${seconds(report.tick - report.latestWindowTick)} old`;
    if (this.outcomeHoldUntilTick !== undefined && report.tick < this.outcomeHoldUntilTick) return this.outcomeReason;
    this.outcomeHoldUntilTick = undefined;
    if (this.modeValue === "active" && this.activeSeconds.length >= s.outcomeSeconds) {
      const share = this.activeSeconds.filter(Boolean).length / this.activeSeconds.length;
      if (share < s.minInBandShare) {
        this.outcomeHoldUntilTick = report.tick + s.outcomeRetryTicks;
        return (this.outcomeReason = `not balancing: only ${(share * 100).toFixed(0)}% of the last ${s.outcomeSeconds} s stayed within ±10%; trying again in ${seconds(s.outcomeRetryTicks)}`);
      }
    }
    return undefined;
  }
}
