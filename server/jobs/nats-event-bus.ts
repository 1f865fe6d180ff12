/**
 * The EventBus port over NATS JetStream, used when NATS_URL is set so that engines in separate processes meet.
 * Every topic is a subject under `<NATS_PREFIX>.events.` captured by one file-backed stream; each subscribing
 * engine gets a durable pull consumer, shared by that engine's replicas (each event handled once per engine,
 * at least once: acknowledged after the handler resolved, redelivered when it failed or the process died).
 * Connecting is async and the composition root is sync, so the bus connects on first use.
 *
 * Its connection's state (connected, disconnected since…, the last outage) goes to the process's connection board
 * when one is given (readiness, the Overview); disconnects and reconnects are logged with the outage's length.
 *
 * Durable names: pass `{ consumer: "pager" }` as the third argument of subscribe; without it the name is
 * derived from the topic and a hash of the handler's source, which is the same in every replica of an engine
 * and different between engines.
 */
import { createHash } from "node:crypto";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from "@nats-io/jetstream";
import {
  followConnectionEvents,
  type ConnectionStatusBoard,
  type ConnectionTracker,
} from "@/server/core/connection-status";
import type { DomainEvents, EventBus, EventHandler, EventTopic } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";

export type NatsEventBusOptions = {
  url: string;
  prefix: string;
  /** How long a handler may run before the event goes to another replica (default 60 s). */
  ackWaitMs?: number;
  /** Where this bus reports its connection's state (the runtime's board); none in tests that do not look. */
  connections?: ConnectionStatusBoard;
};

type Handles = { nc: NatsConnection; js: JetStreamClient };

export class NatsEventBus implements EventBus {
  private handles: Promise<Handles> | null = null;
  private readonly log = createLogger("nats-event-bus");
  readonly streamName: string;
  private readonly tracker: ConnectionTracker | undefined;

  constructor(private readonly options: NatsEventBusOptions) {
    this.streamName = `${options.prefix}_events`;
    this.tracker = options.connections?.track({
      name: "event bus",
      service: "NATS",
      target: options.url,
      open: () => this.connection(),
    });
  }

  subjectOf(topic: EventTopic): string {
    return `${this.options.prefix}.events.${topic}`;
  }

  private connection(): Promise<Handles> {
    this.handles ??= (async () => {
      this.tracker?.connecting();
      const nc = await connect({
        servers: this.options.url.replace(/^nats:\/\//, ""),
        name: `watchpost-events-${process.pid}`,
        maxReconnectAttempts: -1,
      }).catch((error: unknown) => {
        this.tracker?.failed(error);
        throw error;
      });
      if (this.tracker) {
        this.tracker.connected();
        followConnectionEvents(nc.status(), this.tracker);
      }
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(this.streamName);
      } catch {
        await jsm.streams
          .add({
            name: this.streamName,
            subjects: [`${this.options.prefix}.events.>`],
            storage: StorageType.File,
            retention: RetentionPolicy.Limits,
            discard: DiscardPolicy.Old,
            max_age: nanos(7 * 24 * 3600_000),
            duplicate_window: nanos(2 * 60_000),
          })
          .catch(async (error: unknown) => {
            // Another process may have created it at the same moment.
            await jsm.streams.info(this.streamName).catch(() => Promise.reject(error));
          });
      }
      return { nc, js: jetstream(nc) };
    })().catch((error: unknown) => {
      this.handles = null;
      throw error;
    });
    return this.handles;
  }

  async publish<K extends EventTopic>(topic: K, event: DomainEvents[K]): Promise<void> {
    const { js } = await this.connection();
    const eventId = (event as { eventId?: unknown }).eventId;
    // The event id as Nats-Msg-Id: an outbox relay that retries a publish does not store the event twice.
    await js.publish(
      this.subjectOf(topic),
      JSON.stringify(event),
      typeof eventId === "string" ? { msgID: eventId } : undefined,
    );
  }

  subscribe<K extends EventTopic>(topic: K, handler: EventHandler<K>, options: { consumer?: string } = {}): () => void {
    const hash = createHash("sha256").update(`${topic}\n${handler.toString()}`).digest("hex").slice(0, 12);
    const durable = `${this.options.prefix}_events_${(options.consumer ?? hash).replace(/[^A-Za-z0-9_-]/g, "_")}_${topic.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    let messages: ConsumerMessages | null = null;
    let stopped = false;
    let queue: Promise<void> = Promise.resolve();
    const handle = (message: JsMsg) => {
      // One event at a time per subscription, in arrival order; ack only once the handler succeeded.
      queue = queue.then(async () => {
        try {
          await handler(message.json<DomainEvents[K]>());
          message.ack();
        } catch (error) {
          this.log.warn({ topic, durable, err: error }, "event handler failed; the event will be redelivered");
          message.nak(1000);
        }
      });
    };
    const attach = async (): Promise<void> => {
      const { js, nc } = await this.connection();
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.info(this.streamName, durable).catch(() =>
        jsm.consumers.add(this.streamName, {
          durable_name: durable,
          filter_subject: this.subjectOf(topic),
          ack_policy: AckPolicy.Explicit,
          // A new engine starts with the events published from now on; existing durables resume where they were.
          deliver_policy: DeliverPolicy.New,
          ack_wait: nanos(this.options.ackWaitMs ?? 60_000),
          max_deliver: -1,
        }),
      );
      if (stopped) return;
      const consumer = await js.consumers.get(this.streamName, durable);
      messages = await consumer.consume({ max_messages: 256, callback: handle });
    };
    const attachWithRetry = (): void => {
      attach().catch((error: unknown) => {
        this.log.error(
          { topic, durable, err: error },
          "could not subscribe on NATS; events wait in the stream; retrying in 5 s",
        );
        if (!stopped) setTimeout(attachWithRetry, 5000).unref();
      });
    };
    attachWithRetry();
    return () => {
      stopped = true;
      void messages?.close();
    };
  }

  async close(): Promise<void> {
    const handles = this.handles;
    this.handles = null;
    if (handles) await (await handles).nc.drain();
  }
}
