/**
 * The digest engine's ports. Transport: where messages come from and digests go (in process, or NATS
 * JetStream). State: the latest report per user and alarm, what each user was sent, and the digests themselves
 * (SQLite, or a NATS KV bucket with compare-and-set); the console reads it through the read model. Dead letters:
 * malformed messages with reason and raw body.
 */
import type { AuditEntry } from "@/server/core/audit";
import type { AlarmState, AlarmStatusChange, DigestAlarm } from "./alarm-state";
import type { AlarmDigestMessage } from "./messages";

/** A message as the transport hands it over: its raw body and a key stable across redeliveries. */
export type InboundMessage = {
  /** Stable across redeliveries of one message (the stream sequence on NATS). */
  key: string;
  subject: string;
  body: string;
  receivedAtMs: number;
};

export interface DigestTransportHandlers {
  /** Resolves once every message of the batch is committed (applied, ignored as stale, or dead-lettered). */
  onStatusChanged(batch: InboundMessage[]): Promise<void>;
  /** Resolves once the digest is committed and published. */
  onDigestRequest(message: InboundMessage): Promise<void>;
}

export interface DigestTransport {
  readonly kind: "in-process" | "nats";
  start(handlers: DigestTransportHandlers): Promise<void>;
  /** Stops taking messages; those in flight finish, or stay unacknowledged and are redelivered. */
  stop(): Promise<void>;
  /** Publishes an AlarmStatusChanged (used to feed the alert engine's changes in). */
  publishStatusChanged(body: string): Promise<void>;
  /** Publishes a SendAlarmDigest (the console's "Send digest now"). */
  publishDigestRequest(body: string): Promise<void>;
  /** Publishes an AlarmDigest; `idempotencyKey` lets the broker drop a republished copy. */
  publishDigest(digest: AlarmDigestMessage, idempotencyKey: string): Promise<void>;
}

export type ApplyOutcome = "applied" | "ignored";

export type DigestRequest = {
  /** Stable across redeliveries: a redelivered request gets the digest already prepared, not a new one. */
  requestKey: string;
  userId: string;
  requestedAtMs: number;
  /** Who asked: `nats`, or the console user's e-mail. */
  requestedBy: string;
};

export type DigestRecord = {
  id: string;
  userId: string;
  requestKey: string;
  requestedBy: string;
  createdAtMs: number;
  alarms: DigestAlarm[];
  publishedAtMs: number | null;
};

export type PageRequest = { page: number; pageSize: number };
export type PageResult<T> = { items: T[]; total: number; page: number; pageSize: number };

export type UserAlarmSummary = {
  userId: string;
  activeCount: number;
  criticalCount: number;
  /** The most recent change among the user's active alarms, as the producer wrote it. */
  latestChangedAt: string | null;
};

export interface DigestStateStore {
  /** Applies each change if it supersedes the stored one; atomic per change (and per batch on SQLite). */
  applyChanges(changes: readonly AlarmStatusChange[]): Promise<ApplyOutcome[]>;
  /**
   * Atomically: returns the digest already prepared for this request, or selects the user's unsent active
   * alarms, marks them sent, and stores the new digest (with `audit` in the same commit where the store can).
   */
  prepareDigest(
    request: DigestRequest,
    newId: () => string,
    audit?: AuditEntry,
  ): Promise<{ record: DigestRecord; reused: boolean }>;
  markPublished(record: DigestRecord, atMs: number): Promise<void>;
}

/** A user with active alarms and the first of them, oldest first (ties by alarm id). */
export type UserWithActiveAlarms = UserAlarmSummary & { firstAlarms: AlarmState[] };

/** What the console reads of the digest state (both state stores implement it beside DigestStateStore). */
export interface DigestReadModel {
  /**
   * One page of the users with active alarms (by user id), each with its first `inlineAlarms` active alarms, in
   * one read of the store (never one per user); `total` counts every user with an active alarm.
   */
  listUsersWithActiveAlarms(page: PageRequest, inlineAlarms: number): Promise<PageResult<UserWithActiveAlarms>>;
  /** A user's active alarms, oldest first (ties by alarm id). */
  listActiveAlarms(userId: string, page: PageRequest): Promise<PageResult<AlarmState>>;
  /** Digests, newest first, of one user or of all. */
  listDigests(filter: { userId?: string }, page: PageRequest): Promise<PageResult<DigestRecord>>;
}

export type DeadLetter = {
  id: string;
  messageKey: string;
  subject: string;
  reason: string;
  rawBody: string;
  receivedAtMs: number;
};

export interface DeadLetterStore {
  /** Idempotent on `messageKey`: a redelivered bad message is recorded once. */
  record(letter: Omit<DeadLetter, "id">): Promise<void>;
  list(page: PageRequest): Promise<PageResult<DeadLetter>>;
}
