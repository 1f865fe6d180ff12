/**
 * The composition root: one Runtime per process, cached on globalThis (Next.js may load modules twice). It
 * parses the configuration, opens and migrates the database, builds the clock, the bus and every engine
 * module, and bootstraps the first admin and the demo. The tRPC context and the HTTP routes get its consoles
 * only (`getConsoles()`); the runner (instrumentation.ts or worker.ts) starts and stops its engines.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { closeDatabases, getDatabase, type AppDatabase } from "@/db/client";
import { setting } from "@/db/schema";
import { createAuth } from "@/server/auth/auth";
import { createAuthConsole, type AuthConsole } from "@/server/auth/console";
import { SqliteSignInAttemptStore } from "@/server/auth/adapters/sqlite-sign-in-attempts";
import { createSignInGuard } from "@/server/auth/sign-in-guard";
import { SignInLimiter } from "@/server/auth/sign-in-limit";
import type { AlertsConsole } from "@/server/alerts/console";
import type { DigestsConsole } from "@/server/digests/console";
import type { PagerConsole } from "@/server/pager/console";
import type { SchedulingConsole } from "@/server/scheduling/console";
import { UserDirectory } from "@/server/auth/users";
import { OffsetClock, SystemClock, type Clock } from "@/server/core/clock";
import { getConfig, type Config } from "@/server/core/config";
import { ConnectionStatusBoard } from "@/server/core/connection-status";
import { InProcessEventBus, type EventBus } from "@/server/core/events";
import { createLogger, type Logger } from "@/server/core/logger";
import type { PlatformConsole } from "@/server/core/platform";
import { createRandomSource } from "@/server/core/random";
import { systemActor } from "@/server/core/audit";
import type { Engine, EngineDependencies } from "./engine";
import { createAlertsModule, seedAlertsDemo } from "./alerts";
import { createPagerModule, seedPagerDemo } from "./pager";
import { createDigestModule, seedDigestDemo } from "./digests";
import { createSchedulingModule, seedSchedulingDemo } from "./scheduling";
import { DEMO_USERS } from "./demo-ids";
import { NatsEventBus } from "./nats-event-bus";
import { createPlatformConsole, type EngineRunState } from "./platform";

/** What the tRPC routers and the HTTP routes may call: one console per area, nothing else of the runtime. */
export type Consoles = {
  auth: AuthConsole;
  alerts: AlertsConsole;
  pager: PagerConsole;
  digests: DigestsConsole;
  scheduling: SchedulingConsole;
  platform: PlatformConsole;
};

export type Runtime = {
  config: Config;
  db: AppDatabase;
  clock: Clock;
  /** Set only when WATCHPOST_TEST_CLOCK is on: lets browser tests move time forward. */
  testClock: OffsetClock | undefined;
  bus: EventBus;
  logger: Logger;
  users: UserDirectory;
  consoles: Consoles;
  engines: Engine[];
  /** Where the runner is with each engine (readiness reads it). */
  engineStates: Map<Engine, EngineRunState>;
  /** This process's long-lived connections (NATS), for readiness and the Overview. */
  connections: ConnectionStatusBoard;
  /** Resolves once bootstrapping (first admin, demo seed) is done. */
  ready: Promise<void>;
};

const globalForRuntime = globalThis as unknown as { watchpostRuntime?: Runtime };

export function getRuntime(): Runtime {
  globalForRuntime.watchpostRuntime ??= createRuntime(getConfig());
  return globalForRuntime.watchpostRuntime;
}

/** The consoles of this process's runtime, once its bootstrap (first admin, demo seed) is done. */
export async function getConsoles(): Promise<Consoles> {
  const runtime = getRuntime();
  await runtime.ready;
  return runtime.consoles;
}

/** Builds a runtime; tests pass their own configuration and clock. */
export function createRuntime(config: Config, options: { clock?: Clock; bus?: EventBus } = {}): Runtime {
  const logger = createLogger("runtime");
  const db = getDatabase(config.DATABASE_PATH);
  const testClock = !options.clock && config.WATCHPOST_TEST_CLOCK ? new OffsetClock() : undefined;
  const clock = options.clock ?? testClock ?? new SystemClock();
  // Outages are real time even under the browser tests' movable clock: the log and the Overview show them as such.
  const connections = new ConnectionStatusBoard(new SystemClock(), createLogger("connections"));
  const bus =
    options.bus ??
    (config.NATS_URL
      ? new NatsEventBus({ url: config.NATS_URL, prefix: config.NATS_PREFIX, connections })
      : new InProcessEventBus());
  const users = new UserDirectory(db, clock);
  const dependencies: EngineDependencies = {
    config,
    db,
    clock,
    random: createRandomSource(),
    bus,
    logger,
    people: users,
    connections,
  };
  const auth = createAuth({
    db,
    secret: config.WATCHPOST_AUTH_SECRET ?? storedAuthSecret(db, clock),
    baseUrl: config.WATCHPOST_BASE_URL,
    port: config.PORT,
  });
  const signInGuard = createSignInGuard({
    limiter: new SignInLimiter({
      store: new SqliteSignInAttemptStore(db),
      clock,
      attemptsPerAddressPerMinute: config.WATCHPOST_SIGN_IN_RATE_LIMIT,
    }),
    trustedProxies: config.WATCHPOST_TRUSTED_PROXIES,
    baseUrl: config.WATCHPOST_BASE_URL,
    onUnknownClient: () =>
      logger.warn(
        "a sign-in request came without the connection's address (not served by scripts/serve.mjs): such requests share one sign-in limit",
      ),
  });
  const demoAccounts = config.WATCHPOST_DEMO
    ? Object.values(DEMO_USERS).map(({ email, password, role }) => ({ email, password, role }))
    : [];
  const scheduling = createSchedulingModule(dependencies);
  const modules = {
    scheduling,
    pager: createPagerModule(dependencies),
    digests: createDigestModule(dependencies),
    alerts: createAlertsModule(dependencies, { dbsimMetrics: scheduling.metrics }),
  };
  const wanted = new Set(config.WATCHPOST_ENGINES);
  const engines = Object.entries(modules)
    .filter(([name]) => !wanted.has("none") && (wanted.has("all") || wanted.has(name as never)))
    .map(([, module]) => module.engine);
  const engineStates = new Map<Engine, EngineRunState>(engines.map((engine) => [engine, "not started"]));
  const runtime: Runtime = {
    config,
    db,
    clock,
    testClock,
    bus,
    logger,
    users,
    consoles: {
      auth: createAuthConsole({ auth, users, demoAccounts, signInGuard }),
      alerts: modules.alerts.console,
      pager: modules.pager.console,
      digests: modules.digests.console,
      scheduling: modules.scheduling.console,
      platform: createPlatformConsole({
        db,
        clock,
        testClock,
        engines,
        engineRunState: (engine) => engineStates.get(engine) ?? "not started",
        connections,
        config,
      }),
    },
    engines,
    engineStates,
    connections,
    ready: Promise.resolve(),
  };
  runtime.ready = bootstrap(runtime, dependencies);
  return runtime;
}

/** The session-signing secret: generated once and kept in the database, so sessions survive restarts. */
function storedAuthSecret(db: AppDatabase, clock: Clock): string {
  const existing = db.select().from(setting).where(eq(setting.key, "auth.secret")).get();
  if (existing) return existing.value;
  // Two processes starting together may both get here: the first insert wins and both read it back.
  db.insert(setting)
    .values({ key: "auth.secret", value: randomBytes(32).toString("base64url"), updatedAt: new Date(clock.now()) })
    .onConflictDoNothing()
    .run();
  return db.select().from(setting).where(eq(setting.key, "auth.secret")).get()!.value;
}

/**
 * Claims a one-time bootstrap step for this process. Several processes may start together on a new database
 * (the web console and its workers): the first to insert the marker row does the step, the others skip it.
 */
function claimBootstrapStep(db: AppDatabase, clock: Clock, step: string): boolean {
  const result = db
    .insert(setting)
    .values({ key: `bootstrap.${step}`, value: "done", updatedAt: new Date(clock.now()) })
    .onConflictDoNothing()
    .run();
  return result.changes === 1;
}

async function bootstrap(runtime: Runtime, dependencies: EngineDependencies): Promise<void> {
  const { config, users, logger, db, clock } = runtime;
  const actor = systemActor("bootstrap");
  if (
    users.countAdmins() === 0 &&
    !users.findByEmail(config.WATCHPOST_ADMIN_EMAIL) &&
    claimBootstrapStep(db, clock, "first-admin")
  ) {
    const generated = !config.WATCHPOST_ADMIN_PASSWORD;
    const password = config.WATCHPOST_ADMIN_PASSWORD ?? randomBytes(12).toString("base64url");
    await users.create({ email: config.WATCHPOST_ADMIN_EMAIL, name: "Administrator", role: "admin", password }, actor);
    if (generated) {
      // Printed once, on the console only, so the first person can sign in; it is never stored in clear.
      process.stdout.write(
        `\nWatchpost created the first admin: ${config.WATCHPOST_ADMIN_EMAIL} / ${password}\nSign in and change it (Admin page). This password is not shown again.\n\n`,
      );
    } else {
      logger.info(
        { email: config.WATCHPOST_ADMIN_EMAIL },
        "created the first admin from WATCHPOST_ADMIN_EMAIL / WATCHPOST_ADMIN_PASSWORD",
      );
    }
  }
  if (config.WATCHPOST_DEMO && claimBootstrapStep(db, clock, "demo")) {
    for (const demo of Object.values(DEMO_USERS)) {
      if (!users.findByEmail(demo.email))
        await users.create(
          { email: demo.email, name: demo.name, role: demo.role, password: demo.password },
          actor,
          demo.id,
        );
    }
    seedSchedulingDemo(dependencies);
    seedPagerDemo(dependencies);
    seedAlertsDemo(dependencies);
    seedDigestDemo(dependencies);
    logger.info("seeded the demo data");
  }
}

/** Starts the engines this process runs (WATCHPOST_ENGINES). */
export async function startEngines(runtime: Runtime): Promise<void> {
  await runtime.ready;
  for (const engine of runtime.engines) {
    runtime.engineStates.set(engine, "starting");
    try {
      await engine.start();
    } catch (error) {
      runtime.engineStates.set(engine, "failed");
      throw error;
    }
    runtime.engineStates.set(engine, "started");
    runtime.logger.info({ engine: engine.name }, "engine started");
  }
}

/**
 * Stops the engines in reverse order (each lets its work in flight finish or leaves it retryable), then
 * closes the bus (draining a NATS connection) and the database (checkpointing its WAL).
 */
export async function stopEngines(runtime: Runtime): Promise<void> {
  for (const engine of [...runtime.engines].reverse()) {
    runtime.engineStates.set(engine, "stopping");
    try {
      await engine.stop();
      runtime.engineStates.set(engine, "stopped");
      runtime.logger.info({ engine: engine.name }, "engine stopped");
    } catch (error) {
      runtime.engineStates.set(engine, "failed");
      runtime.logger.error({ engine: engine.name, err: error }, "engine failed to stop cleanly");
    }
  }
  try {
    await runtime.bus.close?.();
  } catch (error) {
    runtime.logger.warn({ err: error }, "the event bus did not close cleanly");
  }
  closeDatabases();
}
