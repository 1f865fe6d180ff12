/**
 * Builds the platform console (server/core/platform.ts) over this process's database, clock, engines and
 * connection board: liveness (the database answers), readiness (the database takes a write, the NATS
 * connections are up, the engines run) and the status the Overview shows.
 */
import { checkDatabase } from "@/db/health";
import type { AppDatabase } from "@/db/client";
import { setting } from "@/db/schema";
import type { Clock, OffsetClock } from "@/server/core/clock";
import { trustedOriginsFor } from "@/server/auth/auth";
import type { Config } from "@/server/core/config";
import type { ConnectionStatus, ConnectionStatusBoard } from "@/server/core/connection-status";
import { refuseForeignOrigin } from "@/server/core/console-origins";
import type {
  DatabaseWriteCheck,
  EngineReadiness,
  PlatformConsole,
  ReadinessReport,
  TestClockReading,
} from "@/server/core/platform";
import type { Engine } from "./engine";

/** Where the runner is with an engine (server/jobs/runtime.ts keeps it). */
export type EngineRunState = "not started" | "starting" | "started" | "stopping" | "stopped" | "failed";

/** How long readiness waits for an idle NATS connection to open before calling it disconnected. */
const OPEN_TIMEOUT_MS = 2_000;

/**
 * Writes one row and commits: a read-only file, a full disk or a lost directory fail here as they would fail the
 * next state change. A read alone (the liveness check) passes on all three.
 */
export function probeDatabaseWrite(db: AppDatabase, clock: Clock): DatabaseWriteCheck {
  const startedAt = performance.now();
  try {
    const now = new Date(clock.now());
    db.transaction((tx) => {
      tx.insert(setting)
        .values({ key: "ready.probe", value: now.toISOString(), updatedAt: now })
        .onConflictDoUpdate({ target: setting.key, set: { value: now.toISOString(), updatedAt: now } })
        .run();
    });
    return { state: "writable", latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const message = (value: unknown) => (value instanceof Error ? value.message : String(value));
    return { state: "unwritable", error: cause ? `${message(error)}: ${message(cause)}` : message(error) };
  }
}

function engineReadiness(engine: Engine, run: EngineRunState): EngineReadiness {
  if (run !== "started") return { name: engine.name, status: run === "stopping" ? "stopped" : run, ok: false };
  const health = engine.status?.() ?? { state: "running" };
  const ok = health.state === "running" || health.state === "standby";
  return { name: engine.name, status: health.state, ok, ...(health.problem ? { problem: health.problem } : {}) };
}

function describeConnection(connection: ConnectionStatus): string {
  const since = connection.sinceMs === null ? "" : ` since ${new Date(connection.sinceMs).toISOString()}`;
  return `${connection.service} (${connection.name}, ${connection.target}) is ${connection.state}${since}${connection.lastError ? `: ${connection.lastError}` : ""}`;
}

async function openIdle(board: ConnectionStatusBoard): Promise<void> {
  const idle = board.all().filter((tracker) => tracker.snapshot().state === "idle" && tracker.open);
  await Promise.all(
    idle.map((tracker) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, OPEN_TIMEOUT_MS)));
      // A failed open is recorded by the tracker itself (state and error); readiness only reads it.
      return Promise.race([tracker.open!().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
    }),
  );
}

export function createPlatformConsole(options: {
  db: AppDatabase;
  clock: Clock;
  testClock: OffsetClock | undefined;
  engines: readonly Engine[];
  /** The runner's view of each engine; without it every engine counts as started (tests of the console alone). */
  engineRunState?: (engine: Engine) => EngineRunState;
  connections: ConnectionStatusBoard;
  config: Pick<Config, "WATCHPOST_BASE_URL" | "PORT" | "NATS_URL">;
}): PlatformConsole {
  const { db, clock, testClock, engines, connections, config } = options;
  const natsConfigured = !!config.NATS_URL;
  const trustedOrigins = trustedOriginsFor(config.WATCHPOST_BASE_URL, config.PORT);
  const originSetting = { baseUrl: config.WATCHPOST_BASE_URL, port: config.PORT };
  const runState = options.engineRunState ?? (() => "started" as const);
  const reading = (offsetClock: OffsetClock): TestClockReading => ({
    now: new Date(clock.now()).toISOString(),
    offsetMs: offsetClock.offset(),
  });
  const engineList = () => engines.map((engine) => engineReadiness(engine, runState(engine)));
  return {
    health() {
      const database = checkDatabase(db);
      return {
        status: database.state === "ok" ? "ok" : "error",
        database,
        engines: engines.map((engine) => engine.name),
        time: new Date(clock.now()).toISOString(),
      };
    },
    async readiness(): Promise<ReadinessReport> {
      const database = probeDatabaseWrite(db, clock);
      if (natsConfigured) await openIdle(connections);
      const connectionList = connections.list();
      const engineStates = engineList();
      const problems: { part: string; text: string }[] = [];
      if (database.state === "unwritable")
        problems.push({
          part: "database",
          text: `the database cannot be written (${database.error}); check the file's and its directory's permissions and the free disk space`,
        });
      for (const connection of connectionList)
        if (connection.state !== "connected")
          problems.push({ part: `nats:${connection.name}`, text: describeConnection(connection) });
      for (const engine of engineStates)
        if (!engine.ok)
          problems.push({
            part: `engine:${engine.name}`,
            text: `engine ${engine.name} is ${engine.status}${engine.problem ? `: ${engine.problem}` : ""}`,
          });
      return {
        status: problems.length === 0 ? "ready" : "not ready",
        message: problems.length === 0 ? "ready" : `not ready: ${problems.map((problem) => problem.text).join("; ")}`,
        failing: problems.map((problem) => problem.part),
        database,
        nats: { configured: natsConfigured, connections: connectionList },
        engines: engineStates,
        time: new Date(clock.now()).toISOString(),
      };
    },
    status: () => ({
      natsConfigured,
      connections: connections.list(),
      engines: engineList(),
      time: new Date(clock.now()).toISOString(),
    }),
    refuseForeignOrigin: (origin) => refuseForeignOrigin(origin, trustedOrigins, originSetting),
    testClock: () => (testClock ? reading(testClock) : null),
    advanceTestClock(milliseconds) {
      if (!testClock) return null;
      testClock.advance(milliseconds);
      return reading(testClock);
    },
  };
}
