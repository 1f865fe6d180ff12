/**
 * The platform console: what the process-level HTTP routes and the Overview may call (liveness, readiness, the
 * state of this process's connections and engines, the browser tests' movable clock). Implemented by the
 * composition root (server/jobs/platform.ts), which owns the database handle.
 */
import type { ConnectionStatus } from "./connection-status";

export type DatabaseHealth =
  { state: "ok"; journalMode: string; latencyMs: number } | { state: "unavailable"; error: string };

export type HealthReport = { status: "ok" | "error"; database: DatabaseHealth; engines: string[]; time: string };

/** The write probe: a committed one-row upsert (`setting` row `ready.probe`). */
export type DatabaseWriteCheck = { state: "writable"; latencyMs: number } | { state: "unwritable"; error: string };

/** An engine this process should run, as the runner and the engine see it. */
export type EngineReadiness = {
  name: string;
  /** not started: the runner has not started it (yet); standby: a leased engine another process runs now. */
  status: "running" | "standby" | "failing" | "stopped" | "not started" | "starting" | "failed";
  ok: boolean;
  /** What is wrong, while failing (e.g. a relay whose every pass has failed for 30 s, with the error). */
  problem?: string;
};

export type ReadinessReport = {
  status: "ready" | "not ready";
  /** Says which parts fail and why; "ready" when none does. */
  message: string;
  /** The failing parts: "database", "nats:<connection>", "engine:<name>". */
  failing: string[];
  database: DatabaseWriteCheck;
  nats: { configured: boolean; connections: ConnectionStatus[] };
  engines: EngineReadiness[];
  time: string;
};

/** What the Overview shows of the process: its NATS connections and engines. */
export type PlatformStatus = {
  natsConfigured: boolean;
  connections: ConnectionStatus[];
  engines: EngineReadiness[];
  time: string;
};

export type TestClockReading = { now: string; offsetMs: number };

export interface PlatformConsole {
  /** Liveness: the database answers, and which engines this process runs. */
  health(): HealthReport;
  /**
   * Readiness: the database can be written, every configured NATS connection is up (an idle one is opened to
   * find out), and every engine this process should run runs or stands by.
   */
  readiness(): Promise<ReadinessReport>;
  /** The connections and engines of this process, for the Overview (no probe: cheap enough to poll). */
  status(): PlatformStatus;
  /**
   * Null when `origin` (a request's Origin header, null when absent) is the console's own (WATCHPOST_BASE_URL,
   * or loopback on the console's port); otherwise the refusal's message, which names WATCHPOST_BASE_URL.
   */
  refuseForeignOrigin(origin: string | null): string | null;
  /** The browser tests' movable clock; null unless WATCHPOST_TEST_CLOCK is on. */
  testClock(): TestClockReading | null;
  /** Moves the test clock forward; null unless WATCHPOST_TEST_CLOCK is on. */
  advanceTestClock(milliseconds: number): TestClockReading | null;
}
