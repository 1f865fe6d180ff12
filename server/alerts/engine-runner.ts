/**
 * Runs the alerts engine and its outbox relay in one process at a time, under the `alerts-engine` lease
 * (server/core/lease.ts): every process that runs the alerts engine (WATCHPOST_ENGINES) stands by, and one takes
 * over within the lease's 10 s once the holder stops or dies. Two engines on the same rules would each notify.
 * In compatible mode the holder first loads the alerts-server's /alerts (retried every 30 s until it works).
 */
import { systemActor } from "@/server/core/audit";
import type { Clock, TimerHandle } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import { LeasedWork, type LeaseStore } from "@/server/core/lease";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { retryWithBackoff } from "@/server/core/retry";
import type { AlertsServer } from "./ports";
import type { AlertsUseCases } from "./use-cases";
import { firstProblem, healthOf, type EngineHealth, type FailureStreak } from "@/server/core/failure-streak";

/** The lease under which one process runs the alerts engine. */
export const ALERTS_ENGINE_LEASE = "alerts-engine";

/** The process holding the alerts engine's lease. */
export type EngineHolder = { owner: string; sinceMs: number; untilMs: number };

/** The lease port, and who holds a lease now (the console shows it). */
export interface AlertsLeaseStore extends LeaseStore {
  holder(key: string): { owner: string; acquiredAt: number; expiresAt: number } | undefined;
}

/** What the runner starts and stops: the engine and its relay, with the passes of theirs that failed in a row. */
export interface StartableWork {
  start(): void;
  stop(): Promise<void>;
}

export type AlertsEngineRunnerOptions = {
  engine: StartableWork & { readonly failures: readonly FailureStreak[] };
  relay: StartableWork & { readonly failures: readonly FailureStreak[] };
  leases: AlertsLeaseStore;
  /** Lease expiries are compared across processes: wall time in production, even under the browser tests' movable clock. */
  leaseClock: Clock;
  /** The engine's clock (the retry of /alerts waits on it). */
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  /** Compatible mode (ALERTS_SERVER_URL): the server whose /alerts load at each start; its connections close at stop. */
  alertsServer: { url: string; server: AlertsServer } | null;
  useCases: Pick<AlertsUseCases, "importServerAlerts">;
};

export class AlertsEngineRunner {
  private readonly owner = createId("eng");
  private readonly leased: LeasedWork;
  private loadTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly options: AlertsEngineRunnerOptions) {
    const { engine, relay, leases, leaseClock, clock, logger } = options;
    const owner = this.owner;
    this.leased = new LeasedWork({
      key: ALERTS_ENGINE_LEASE,
      owner,
      leases,
      clock: leaseClock,
      start: async () => {
        this.stopped = false;
        await this.loadServerAlerts();
        relay.start();
        engine.start();
      },
      stop: async () => {
        this.stopped = true;
        if (this.loadTimer) clock.clearTimeout(this.loadTimer);
        this.loadTimer = null;
        try {
          await engine.stop();
        } finally {
          await relay.stop();
        }
      },
      onError: (error, during) => logger.error({ err: error, owner }, `alerts engine lease: ${during} failed`),
      onChange: (holding, change) =>
        logger.info(
          { owner, change },
          holding
            ? "this process runs the alerts engine (lease acquired)"
            : `alerts engine stopped here (${change === "lost" ? "lease lost to another process" : change === "stopped" ? "process stopping" : "it could not start; the lease is given back"})`,
        ),
    });
  }

  /** Starts competing for the lease; resolves once the first round is done (and the engine started, if this process took it). */
  async start(): Promise<void> {
    await this.leased.start();
    if (!this.leased.isHolding())
      this.options.logger.info(
        { owner: this.owner, holder: this.options.leases.holder(ALERTS_ENGINE_LEASE)?.owner },
        "another process runs the alerts engine; this one stands by and takes over if that one stops",
      );
  }

  /** Stops the engine here (if running) and gives the lease back, then closes the alerts-server's connections. */
  async stop(): Promise<void> {
    await this.leased.stop();
    await this.options.alertsServer?.server.close();
  }

  /**
   * Standby while another process holds the lease; failing once renewing the lease, the outbox relay or the
   * engine's writes have failed every time for 30 s; else running.
   */
  status(): EngineHealth {
    const { relay, engine } = this.options;
    const holding = this.leased.isHolding();
    const problem = firstProblem([this.leased.failures, ...(holding ? [...relay.failures, ...engine.failures] : [])]);
    return healthOf(problem, holding ? "running" : "standby");
  }

  /** The process holding the lease now, if any (an expired lease is held by no one). */
  holder(): EngineHolder | undefined {
    const holder = this.options.leases.holder(ALERTS_ENGINE_LEASE);
    return holder && holder.expiresAt > this.options.leaseClock.now()
      ? { owner: holder.owner, sinceMs: holder.acquiredAt, untilMs: holder.expiresAt }
      : undefined;
  }

  /** Loads /alerts once at start (the original server never changes them); retried every 30 s until it works. */
  private async loadServerAlerts(): Promise<void> {
    const { alertsServer, clock, random, logger, useCases } = this.options;
    if (!alertsServer || this.stopped) return;
    try {
      const body = await retryWithBackoff(() => alertsServer.server.listAlerts(), { clock, random, maxAttempts: 5 });
      const summary = useCases.importServerAlerts(body, systemActor("alerts-server-import"));
      logger.info({ url: alertsServer.url, ...summary }, "loaded alerts from the alerts-server");
    } catch (error) {
      logger.error(
        { url: alertsServer.url, err: error },
        "could not load /alerts from the alerts-server; trying again in 30 s",
      );
      if (!this.stopped) this.loadTimer = clock.setTimeout(() => void this.loadServerAlerts(), 30_000);
    }
  }
}
