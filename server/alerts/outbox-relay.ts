/**
 * Publishes the alert engine's outbox on the event bus after commit: oldest first, one at a time, marking each
 * row published only once every handler accepted it. A failed publish is retried later with backoff; rows
 * left by a crash go out on the next start. Delivery is at least once: consumers deduplicate on `eventId`.
 * The kick / poll / stop loop is server/core/drain-loop.ts, shared with the pager's relay; this file is what
 * one batch does.
 */
import type { Clock } from "@/server/core/clock";
import { DrainLoop } from "@/server/core/drain-loop";
import type { FailureStreak } from "@/server/core/failure-streak";
import type { DomainEvents, EventBus, EventTopic } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import type { OutboxStore } from "./ports";

export type OutboxRelayOptions = {
  store: OutboxStore;
  bus: EventBus;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  pollEveryMs?: number;
  batchSize?: number;
};

export class OutboxRelay {
  private readonly loop: DrainLoop;

  constructor(private readonly options: OutboxRelayOptions) {
    this.loop = new DrainLoop({
      batch: () => this.publishBatch(),
      onError: (error) =>
        options.logger.error({ err: error }, "alert outbox pass failed; the next kick or poll retries"),
      clock: options.clock,
      pollEveryMs: options.pollEveryMs ?? 1000,
      what: "the alerts' outbox relay",
    });
  }

  /** Passes that failed in a row (the engine's status reads it). */
  get failures(): readonly FailureStreak[] {
    return [this.loop.failures];
  }

  start(): void {
    this.loop.start();
    this.kick();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Publishes what is due now; called after each commit. */
  kick(): void {
    this.loop.kick();
  }

  /** Resolves once nothing is being published (tests). */
  async whenIdle(): Promise<void> {
    await this.loop.whenIdle();
  }

  /** Publishes one batch of due rows; returns how many it took (0: nothing was due). */
  private async publishBatch(): Promise<number> {
    const { store, bus, clock, random, logger } = this.options;
    const batch = store.duePending(clock.now(), this.options.batchSize ?? 100);
    for (const item of batch) {
      try {
        await bus.publish(item.topic as EventTopic, item.payload as DomainEvents[EventTopic]);
        store.markPublished(item.id, clock.now());
      } catch (error) {
        const attempts = item.attempts + 1;
        const backoffMs = Math.min(60_000, 500 * 2 ** Math.min(attempts, 10));
        const delayMs = backoffMs / 2 + (random.next() * backoffMs) / 2;
        const message = error instanceof Error ? error.message : String(error);
        store.markFailed(item.id, attempts, clock.now() + delayMs, message);
        logger.warn(
          { eventId: item.eventId, topic: item.topic, attempts, err: error },
          "publishing an alert event failed; it will be retried",
        );
      }
    }
    return batch.length;
  }
}
