/**
 * The pager's long-running part, from its ports: the outbox relay (claims, owner heartbeat, retries, lease) and
 * the durable-timer poller on the Clock, the subscription to the alert engine's state changes, and the dead
 * letters' retention applied once a minute. The wiring (server/jobs/pager.ts) hands it adapters; this is where
 * start and stop, the order of things and the timers live.
 */
import type { Clock } from "@/server/core/clock";
import type { EventBus } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import type { PagerInbound } from "./inbound";
import { OutboxRelay } from "./outbox-relay";
import type { DeadLetterLog, DeliveryOutbox, DueTimerQueue, EmailSender, SmsSender } from "./ports";
import { TimerPoller } from "./timer-poller";
import type { PagerUseCases } from "./use-cases";
import { firstProblem, healthOf, type EngineHealth } from "@/server/core/failure-streak";

const DEAD_LETTER_PRUNE_INTERVAL_MS = 60_000;

export type PagerEngineOptions = {
  useCases: PagerUseCases;
  inbound: PagerInbound;
  outbox: DeliveryOutbox;
  timers: DueTimerQueue;
  deadLetters: DeadLetterLog;
  /** Absent: the channel is not configured, and its deliveries are settled `not_sent` with the reason. */
  email?: EmailSender;
  sms?: SmsSender;
  emailMissingReason?: string;
  smsMissingReason?: string;
  bus: EventBus;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  pollIntervalMs?: number;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** The relay's owner heartbeat (defaults: every 2 s, 10 s ahead) and its claims' hard end (5 min). */
  relay?: { ownerId?: string; heartbeatEveryMs?: number; ownerTimeoutMs?: number; leaseMs?: number };
};

export class PagerEngine {
  readonly name = "pager";
  private readonly relay: OutboxRelay;
  private readonly poller: TimerPoller;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: PagerEngineOptions) {
    const { useCases, clock, random, logger } = options;
    this.relay = new OutboxRelay({
      outbox: options.outbox,
      clock,
      random,
      logger: logger.child({ component: "outbox-relay" }),
      email: options.email,
      sms: options.sms,
      emailMissingReason: options.emailMissingReason,
      smsMissingReason: options.smsMissingReason,
      ...options.retry,
      ...options.relay,
    });
    this.poller = new TimerPoller({
      timers: options.timers,
      clock,
      useCases,
      logger: logger.child({ component: "timer-poller" }),
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      onTick: () => this.onTick(),
    });
    useCases.setListener({ deliveriesQueued: () => this.relay.kick() });
  }

  async start(): Promise<void> {
    const { bus, inbound, logger } = this.options;
    this.unsubscribe = bus.subscribe("alert.state-changed", (event) => {
      const result = inbound.handleAlertStateChanged(event);
      logger.info({ eventId: event.eventId, ruleId: event.ruleId, outcome: result.outcome }, result.message);
    });
    this.poller.start();
    this.relay.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.poller.stop();
    await this.relay.stop();
  }

  /** Failing once the relay or the timer poller has failed every pass for 30 s; else running. */
  status(): EngineHealth {
    return healthOf(firstProblem([...this.relay.failures, this.poller.failures]));
  }

  /** Resolves once the relay has no pass in flight (every send done or left to its lease). */
  async whenIdle(): Promise<void> {
    await this.relay.whenIdle();
  }

  /**
   * Each tick also kicks the relay: it picks up rows other processes queued and rows whose owner died. And, once
   * a minute, applies the dead letters' retention, so bad requests cannot grow the table for ever.
   */
  private onTick(): void {
    const { clock, deadLetters, logger } = this.options;
    this.relay.kick();
    if (clock.now() - this.lastPruneMs >= DEAD_LETTER_PRUNE_INTERVAL_MS) {
      this.lastPruneMs = clock.now();
      const pruned = deadLetters.pruneDeadLetters();
      if (pruned > 0) logger.info({ pruned }, "dead letters past their retention removed");
    }
  }
}
