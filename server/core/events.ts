/**
 * The event bus port: how engines meet without importing each other. Delivery is at least once, so every
 * handler is idempotent. The in-process bus awaits every handler and rejects when one failed, so that the
 * publisher (an outbox relay) retries; NATS-backed buses give the same contract across processes.
 */
import { createLogger } from "./logger";

export type AlertState = "PASS" | "WARN" | "CRITICAL";

/** Published by the alert engine after a transition was committed (and its notify/resolve succeeded). */
export type AlertStateChanged = {
  /** Unique per transition: consumers deduplicate on it. */
  eventId: string;
  ruleId: string;
  ruleName: string;
  /** The monitored service the rule pages, if any (`svc_…`). */
  serviceId: string | null;
  /** Users subscribed to the rule: they get it in their digests. */
  subscriberUserIds: string[];
  previousState: AlertState;
  newState: AlertState;
  value: number;
  message: string;
  /** RFC 3339 with nanoseconds, as the digest contract wants. */
  changedAt: string;
  changedAtMs: number;
};

export interface DomainEvents {
  "alert.state-changed": AlertStateChanged;
}

export type EventTopic = keyof DomainEvents;
export type EventHandler<K extends EventTopic> = (event: DomainEvents[K]) => Promise<void> | void;

export interface EventBus {
  publish<K extends EventTopic>(topic: K, event: DomainEvents[K]): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe<K extends EventTopic>(topic: K, handler: EventHandler<K>): () => void;
  /** Releases connections, when the bus holds any. */
  close?(): Promise<void>;
}

export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<EventTopic, Set<EventHandler<EventTopic>>>();
  private readonly log = createLogger("event-bus");

  async publish<K extends EventTopic>(topic: K, event: DomainEvents[K]): Promise<void> {
    const handlers = [...(this.handlers.get(topic) ?? [])];
    const results = await Promise.allSettled(handlers.map(async (handler) => handler(event)));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failures.length > 0) {
      for (const failure of failures)
        this.log.warn({ topic, err: failure.reason }, "event handler failed; the publisher will retry");
      throw new AggregateError(
        failures.map((failure) => failure.reason),
        `${failures.length} handler(s) of ${topic} failed`,
      );
    }
  }

  subscribe<K extends EventTopic>(topic: K, handler: EventHandler<K>): () => void {
    const set = this.handlers.get(topic) ?? new Set();
    set.add(handler as EventHandler<EventTopic>);
    this.handlers.set(topic, set);
    return () => set.delete(handler as EventHandler<EventTopic>);
  }
}
