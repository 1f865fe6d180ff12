/**
 * Whether a background loop keeps failing: each pass reports `succeeded()` or `failed(error)`; once every pass
 * has failed for `failingAfterMs` (default 30 s) without a success between, `problem()` names the loop, how long
 * it has failed and the latest error, so that the engine can report itself failing and readiness can say why.
 * One failed pass alone is not a problem: loops retry on their next tick, and most failures end there.
 */
import type { Clock } from "./clock";

export const DEFAULT_FAILING_AFTER_MS = 30_000;

export class FailureStreak {
  private firstFailureMs: number | null = null;
  private failures = 0;
  private lastError = "";

  constructor(
    /** What the loop does, as the problem's subject, e.g. "the outbox relay". */
    readonly what: string,
    private readonly clock: Clock,
    private readonly failingAfterMs = DEFAULT_FAILING_AFTER_MS,
  ) {}

  succeeded(): void {
    this.firstFailureMs = null;
    this.failures = 0;
    this.lastError = "";
  }

  failed(error: unknown): void {
    this.firstFailureMs ??= this.clock.now();
    this.failures += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Null while the loop works (or has failed for less than the threshold); else what is wrong, in a sentence. */
  problem(): string | null {
    if (this.firstFailureMs === null) return null;
    const failingMs = this.clock.now() - this.firstFailureMs;
    if (failingMs < this.failingAfterMs) return null;
    const times = this.failures === 1 ? "once" : `${this.failures} times`;
    return `${this.what} has failed ${times} in ${Math.round(failingMs / 1000)} s without a success (latest: ${this.lastError})`;
  }
}

/**
 * Whether an engine does its work here: running; standby (a leased engine another process runs now, ready to
 * take over: not a failure); failing (started, but a loop of it has failed every pass for a while: `problem`
 * says which and why); stopped (never started, stopped, or its work ended). Declared here, beside the streaks
 * it is read from, so that the engines (which never import server/jobs) and the runner share one type.
 */
export type EngineStatus = "running" | "standby" | "failing" | "stopped";

export type EngineHealth = { state: EngineStatus; problem?: string };

/** Failing with `problem` when there is one, else `otherwise`. */
export function healthOf(problem: string | null, otherwise: EngineStatus = "running"): EngineHealth {
  return problem ? { state: "failing", problem } : { state: otherwise };
}

/** The first problem of several loops, or null when none has one. */
export function firstProblem(streaks: readonly FailureStreak[]): string | null {
  for (const streak of streaks) {
    const problem = streak.problem();
    if (problem) return problem;
  }
  return null;
}
