/**
 * The platform console: what the process-level HTTP routes may call (health, the browser tests' movable
 * clock). Implemented by the composition root (server/jobs/platform.ts), which owns the database handle.
 */
export type DatabaseHealth =
  { state: "ok"; journalMode: string; latencyMs: number } | { state: "unavailable"; error: string };

export type HealthReport = { status: "ok" | "error"; database: DatabaseHealth; engines: string[]; time: string };

export type TestClockReading = { now: string; offsetMs: number };

export interface PlatformConsole {
  /** Liveness: the database answers, and which engines this process runs. */
  health(): HealthReport;
  /** The browser tests' movable clock; null unless WATCHPOST_TEST_CLOCK is on. */
  testClock(): TestClockReading | null;
  /** Moves the test clock forward; null unless WATCHPOST_TEST_CLOCK is on. */
  advanceTestClock(milliseconds: number): TestClockReading | null;
}
