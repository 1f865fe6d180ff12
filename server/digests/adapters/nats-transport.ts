/**
 * The NATS JetStream transport. A file-backed work-queue stream captures AlarmStatusChanged and SendAlarmDigest
 * (plain core NATS publishes included, once the stream exists); each subject has one durable pull consumer that
 * every replica shares, so each message goes to one replica and each digest request is answered once. Status
 * changes are applied in batches and each message is acknowledged only after its batch committed; a failed
 * batch is negatively acknowledged and comes back. Digests go out on AlarmDigest through a second stream, with
 * the digest id as Nats-Msg-Id so that a republished digest is dropped by the duplicate window.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { Logger } from "@/server/core/logger";
import { DEFAULT_SUBJECTS, type AlarmDigestMessage, type DigestSubjects } from "../messages";
import type { DigestTransport, DigestTransportHandlers, InboundMessage } from "../ports";
import type { LazyNatsConnection } from "./nats-connection";

export type NatsDigestTransportOptions = {
  connection: LazyNatsConnection;
  /** NATS_PREFIX: every stream and consumer name starts with it. */
  prefix: string;
  subjects?: DigestSubjects;
  /** How long a replica may hold a message unacknowledged before it goes to another (default 30 s). */
  ackWaitMs?: number;
  /** Unacknowledged messages in flight over all replicas, per consumer. */
  maxAckPending?: number;
  /** Largest batch applied in one commit. */
  maxBatch?: number;
  logger?: Logger;
};

/**
 * Status changes pulled at once per replica, and the largest batch committed at once. Large on purpose: the
 * state is one random-key upsert per message, and a commit writes every B-tree page it dirtied to the WAL, so
 * the pages (and the CPU) per message fall steeply with the batch (on this machine ~6.5 µs per row at 500 rows
 * per commit, ~3.7 µs at 4,000, little less beyond). A commit blocks the event loop (better-sqlite3 is
 * synchronous), so a batch stops at 4,096 (~15 ms) to keep a digest request from waiting long behind it. A batch
 * is what arrived while the previous one committed, so a quiet stream still commits each message at once.
 */
export const STATUS_PULL_MESSAGES = 8192;
export const STATUS_MAX_BATCH = 4096;
/** Unacknowledged status changes over all replicas: room for two replicas' full pulls. */
export const DEFAULT_MAX_ACK_PENDING = 2 * STATUS_PULL_MESSAGES;

export function digestStreamNames(prefix: string) {
  return {
    inbound: `${prefix}_digest_inbound`,
    outbound: `${prefix}_digest_outbound`,
    statusConsumer: `${prefix}_digest_status`,
    requestConsumer: `${prefix}_digest_requests`,
  };
}

export class NatsDigestTransport implements DigestTransport {
  readonly kind = "nats" as const;
  readonly names;
  readonly subjects: DigestSubjects;
  private readonly ackWaitMs: number;
  private readonly maxAckPending: number;
  private readonly maxBatch: number;
  private ensured: Promise<void> | null = null;
  /** The inbound stream's name and creation time: sequences restart when a stream is recreated. */
  private keyPrefix: string;
  private subscriptions: ConsumerMessages[] = [];
  private statusBuffer: JsMsg[] = [];
  private statusDraining: Promise<void> | null = null;
  private requestQueue: JsMsg[] = [];
  private requestDraining: Promise<void> | null = null;
  private handlers: DigestTransportHandlers | null = null;

  constructor(private readonly options: NatsDigestTransportOptions) {
    this.names = digestStreamNames(options.prefix);
    this.subjects = options.subjects ?? DEFAULT_SUBJECTS;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.maxAckPending = options.maxAckPending ?? DEFAULT_MAX_ACK_PENDING;
    this.maxBatch = options.maxBatch ?? STATUS_MAX_BATCH;
    this.keyPrefix = this.names.inbound;
  }

  /** Creates the streams and consumers if missing; safe to call from every replica at once. */
  ensureStreams(): Promise<void> {
    this.ensured ??= this.createStreams().catch((error: unknown) => {
      this.ensured = null;
      throw error;
    });
    return this.ensured;
  }

  private async createStreams(): Promise<void> {
    const { jsm } = await this.options.connection.get();
    await this.ensureStream(
      this.names.inbound,
      [this.subjects.statusChanged, this.subjects.digestRequest],
      RetentionPolicy.Workqueue,
    );
    await this.ensureStream(this.names.outbound, [this.subjects.digest], RetentionPolicy.Limits);
    this.keyPrefix = `${this.names.inbound}@${(await jsm.streams.info(this.names.inbound)).created}`;
    for (const [durable, subject] of [
      [this.names.statusConsumer, this.subjects.statusChanged],
      [this.names.requestConsumer, this.subjects.digestRequest],
    ] as const) {
      const config = {
        durable_name: durable,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.ackWaitMs),
        max_ack_pending: this.maxAckPending,
        max_deliver: -1,
      };
      try {
        await jsm.consumers.info(this.names.inbound, durable);
        await jsm.consumers.update(this.names.inbound, durable, {
          ack_wait: config.ack_wait,
          max_ack_pending: config.max_ack_pending,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await jsm.consumers.add(this.names.inbound, config);
      }
    }
  }

  private async ensureStream(name: string, subjects: string[], retention: RetentionPolicy): Promise<void> {
    const { jsm } = await this.options.connection.get();
    try {
      await jsm.streams.info(name);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        retention,
        discard: DiscardPolicy.Old,
        // Outbound digests are a record for late subscribers; a week is plenty. Inbound work is kept until done.
        max_age: retention === RetentionPolicy.Limits ? nanos(7 * 24 * 3600_000) : 0,
        duplicate_window: nanos(2 * 60_000),
      });
    } catch (error) {
      if (error instanceof Error && /overlap/i.test(error.message)) {
        throw new Error(
          `Another JetStream stream already captures ${subjects.join(", ")}; stop the other deployment or change NATS_PREFIX and the subjects. (${error.message})`,
          { cause: error },
        );
      }
      // Another replica created it between our info and add.
      await jsm.streams.info(name);
    }
  }

  async start(handlers: DigestTransportHandlers): Promise<void> {
    this.handlers = handlers;
    await this.ensureStreams();
    const { js } = await this.options.connection.get();
    const status = await js.consumers.get(this.names.inbound, this.names.statusConsumer);
    const requests = await js.consumers.get(this.names.inbound, this.names.requestConsumer);
    this.subscriptions = [
      await status.consume({
        max_messages: Math.min(this.maxAckPending, STATUS_PULL_MESSAGES),
        callback: (message) => this.onStatusMessage(message),
      }),
      await requests.consume({ max_messages: 64, callback: (message) => this.onRequestMessage(message) }),
    ];
  }

  async stop(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((subscription) => subscription.close().catch(() => undefined)));
    await Promise.all([this.statusDraining, this.requestDraining]);
    this.handlers = null;
  }

  private onStatusMessage(message: JsMsg): void {
    this.statusBuffer.push(message);
    // Messages arriving in one burst are applied in one commit: the callback is sync, the flush runs next turn.
    this.statusDraining ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drainStatus())
      .finally(() => (this.statusDraining = null));
  }

  private async drainStatus(): Promise<void> {
    while (this.statusBuffer.length > 0 && this.handlers) {
      const batch = this.statusBuffer.splice(0, this.maxBatch);
      try {
        await this.handlers.onStatusChanged(batch.map((message) => this.toInbound(message)));
        for (const message of batch) message.ack();
      } catch (error) {
        this.options.logger?.error(
          { err: error, count: batch.length },
          "could not apply a batch of AlarmStatusChanged; it will be redelivered",
        );
        for (const message of batch) message.nak(1000);
      }
      // One event-loop turn between commits: a waiting digest request gets its turn, and what arrives meanwhile
      // joins the next batch.
      if (this.statusBuffer.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Stopped with messages buffered: they are simply not acknowledged, so the server redelivers them.
    this.statusBuffer = [];
  }

  private onRequestMessage(message: JsMsg): void {
    this.requestQueue.push(message);
    this.requestDraining ??= this.drainRequests().finally(() => (this.requestDraining = null));
  }

  private async drainRequests(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.requestQueue.length > 0 && this.handlers) {
      const message = this.requestQueue.shift()!;
      try {
        await this.handlers.onDigestRequest(this.toInbound(message));
        message.ack();
      } catch (error) {
        this.options.logger?.error({ err: error }, "could not answer a SendAlarmDigest; it will be redelivered");
        message.nak(1000);
      }
    }
    this.requestQueue = [];
  }

  private toInbound(message: JsMsg): InboundMessage {
    return new JsInboundMessage(message, this.keyPrefix);
  }

  async publishStatusChanged(body: string): Promise<void> {
    await this.ensureStreams();
    const { js } = await this.options.connection.get();
    await js.publish(this.subjects.statusChanged, body);
  }

  async publishDigestRequest(body: string): Promise<void> {
    await this.ensureStreams();
    const { js } = await this.options.connection.get();
    await js.publish(this.subjects.digestRequest, body);
  }

  async publishDigest(digest: AlarmDigestMessage, idempotencyKey: string): Promise<void> {
    await this.ensureStreams();
    const { js } = await this.options.connection.get();
    await js.publish(this.subjects.digest, JSON.stringify(digest), { msgID: idempotencyKey });
  }

  /** Deletes this prefix's streams (tests and benches clean up after themselves). */
  async deleteStreams(): Promise<void> {
    const { jsm } = await this.options.connection.get();
    for (const name of [this.names.inbound, this.names.outbound]) await jsm.streams.delete(name).catch(() => undefined);
    this.ensured = null;
  }
}

/**
 * A JetStream message as the engine sees it. The key and the receive time come from the reply subject, which
 * the client parses on demand; only a dead letter or a digest request needs them, so they are read lazily and
 * the hot path (status changes that parse) never pays for them.
 */
class JsInboundMessage implements InboundMessage {
  readonly subject: string;
  readonly body: string;

  constructor(
    private readonly message: JsMsg,
    private readonly keyPrefix: string,
  ) {
    this.subject = message.subject;
    this.body = message.string();
  }

  /** The stream sequence does not change on redelivery; the prefix (stream name and creation time) keeps keys apart across streams and across a stream deleted and created again. */
  get key(): string {
    return `${this.keyPrefix}:${this.message.seq}`;
  }

  get receivedAtMs(): number {
    return Math.floor(Number(this.message.info.timestampNanos) / 1_000_000);
  }
}

function isNotFound(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === 404 || /not found/i.test(error.message);
  return error instanceof Error && /not found/i.test(error.message);
}
