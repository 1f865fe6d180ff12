/**
 * Publishes the alert engine's outbox on the event bus after commit: oldest first, one at a time, marking each
 * row published only once every handler accepted it. A failed publish is retried later with backoff; rows
 * left by a crash go out on the next start. Delivery is at least once: consumers deduplicate on `eventId`.
 */
import type { Clock, TimerHandle } from "@/server/core/clock";
import type { DomainEvents, EventBus, EventTopic } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import type { OutboxStore } from "./ports";

export type OutboxRelayOptions = { store: OutboxStore; bus: EventBus; clock: Clock; random: RandomSource; logger: Logger; pollEveryMs?: number; batchSize?: number };

export class OutboxRelay {
  private timer: TimerHandle | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private running = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.running = true;
    this.kick();
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    await this.draining;
  }

  /** Publishes what is due now; called after each commit. */
  kick(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves once nothing is being published (tests). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    const { store, bus, clock, random, logger } = this.options;
    for (;;) {
      const batch = store.duePending(clock.now(), this.options.batchSize ?? 100);
      if (batch.length === 0) return;
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
          logger.warn({ eventId: item.eventId, topic: item.topic, attempts, err: error }, "publishing an alert event failed; it will be retried");
        }
      }
      if (!this.running) return;
    }
  }

  private schedulePoll(): void {
    this.timer = this.options.clock.setTimeout(() => {
      if (!this.running) return;
      this.kick();
      this.schedulePoll();
    }, this.options.pollEveryMs ?? 1000);
  }
}
