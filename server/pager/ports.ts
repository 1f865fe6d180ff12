/**
 * The pager's ports. `PagerStore.transact` is the unit of work: everything a use case changes (state, timeline,
 * timers, outbox rows, audit) goes through the `PagerUnitOfWork` it hands out and commits together, or not at
 * all. The SQLite adapter runs it as one synchronous IMMEDIATE transaction, which serialises writers across
 * processes sharing the file. Senders are the outbound channels the outbox relay delivers through; the
 * `DeliveryOutbox` is the relay's view of the queued deliveries (claims held by a heartbeating owner, with a
 * lease; owner and lease end are the claim's token), and `DueTimerQueue` the timer poller's view of the
 * acknowledgement timers.
 */
import type { AuditRecorder } from "@/server/core/audit";
import type { Channel, EscalationPolicy, Health, Incident, MonitoredService, TimelineKind } from "./model";

export type NewDelivery = {
  id: string;
  incidentId: string;
  step: number;
  level: number;
  round: number;
  channel: Channel;
  address: string;
  idempotencyKey: string;
  subject: string;
  body: string;
  createdAtMs: number;
};

export type ActiveIncidentRef = { id: string; state: "open" | "acknowledged"; dedupKey: string | null };

export type TimerRow = {
  id: string;
  incidentId: string;
  step: number;
  dueAtMs: number;
  state: "pending" | "fired" | "cancelled";
};

export interface PagerUnitOfWork {
  readonly audit: AuditRecorder;
  /** False when the event id was seen before (the caller then does nothing). */
  markEventSeen(eventId: string, atMs: number): boolean;

  getService(id: string): MonitoredService | undefined;
  setServiceHealth(id: string, health: Health, atMs: number): void;
  insertService(service: MonitoredService, atMs: number): void;
  updateService(id: string, fields: { name: string; description: string; policyId: string }): void;

  getPolicy(id: string): EscalationPolicy | undefined;
  insertPolicy(policy: EscalationPolicy, atMs: number): void;
  updatePolicy(policy: EscalationPolicy, atMs: number): void;

  getIncident(id: string): Incident | undefined;
  /** The service's incident that is open or acknowledged, if any. */
  findActiveIncident(serviceId: string): Incident | undefined;
  /** The same, reduced to what deduplicating an alert needs (the hot path: no policy snapshot to parse). */
  findActiveIncidentRef(serviceId: string): ActiveIncidentRef | undefined;
  /** Inserts unless the service already has an active incident (database-enforced); true when inserted. */
  tryInsertIncident(incident: Incident): boolean;
  /** Counts one more alert on the incident and remembers its dedup key. */
  recordDuplicateAlert(incidentId: string, atMs: number, dedupKey: string | null): void;
  hasDedupKey(incidentId: string, dedupKey: string): boolean;
  /** Forgets one dedup key of the incident (its alert cleared); true when it was there. */
  forgetDedupKey(incidentId: string, dedupKey: string): boolean;
  /** How many dedup keys the incident still carries (alerts not cleared yet). */
  countDedupKeys(incidentId: string): number;
  /** Conditional writes: true only when the incident was in the expected state (and step). */
  advanceEscalation(incidentId: string, fromStep: number, toStep: number): boolean;
  acknowledgeIncident(incidentId: string, atMs: number, by: string): boolean;
  resolveIncident(incidentId: string, atMs: number, by: string, resolution: "resolved" | "healthy"): boolean;

  appendTimeline(
    incidentId: string,
    entry: { atMs: number; kind: TimelineKind; actor: string; details?: Record<string, unknown> },
  ): void;

  setTimer(timer: { id: string; incidentId: string; step: number; dueAtMs: number }): void;
  getTimer(id: string): TimerRow | undefined;
  /** Settles a pending timer; false when it was settled already (a second firing). */
  settleTimer(id: string, state: "fired" | "cancelled", atMs: number, outcome: string): boolean;
  /** Cancels every pending timer of the incident (after ack, resolve, healthy). */
  cancelTimers(incidentId: string, atMs: number, outcome: string): void;

  /** Queues a notification; false when one with the same idempotency key exists already. */
  enqueueDelivery(delivery: NewDelivery): boolean;
}

export interface PagerStore {
  /** Runs `work` in one transaction; no awaiting inside. */
  transact<T>(work: (unitOfWork: PagerUnitOfWork) => T): T;
}

export type OutgoingEmail = { to: string; subject: string; text: string; idempotencyKey: string };
export type OutgoingSms = { to: string; body: string; idempotencyKey: string };
export type SendResult = { providerMessageId: string };

/**
 * A sender bounds each send: `maxSendMs` is the longest one `send` can take before it rejects (its own
 * timeouts), so the relay can prove its whole retry budget fits inside its lease. `signal` aborts a send
 * (shutdown); the sender then rejects promptly.
 */
export interface EmailSender {
  readonly maxSendMs: number;
  send(message: OutgoingEmail, signal?: AbortSignal): Promise<SendResult>;
}

export interface SmsSender {
  readonly maxSendMs: number;
  send(message: OutgoingSms, signal?: AbortSignal): Promise<SendResult>;
}

/**
 * A failure that retrying cannot fix (a provider's 4xx other than 429): a sender throws an error carrying
 * `permanent: true` and the relay gives up at once. A property, not a class, so the relay needs no adapter.
 */
export function isPermanentSendFailure(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true;
}

/**
 * Which claim a write belongs to: the relay owner that claimed the row and the lease end it wrote. A takeover
 * writes another owner (or, for the owner's own row past its lease, a later lease end), so an old token matches
 * nothing.
 */
export type ClaimToken = { owner: string; leaseUntilMs: number };

/** A delivery the relay holds: what it sends, the attempts so far, and its claim. */
export type ClaimedDelivery = {
  id: string;
  channel: Channel;
  address: string;
  subject: string;
  body: string;
  idempotencyKey: string;
  attempts: number;
  claim: ClaimToken;
};

export type DeliveryResult =
  | { status: "sent"; providerMessageId: string; attempts: number }
  | { status: "not_sent" | "failed"; reason: string; attempts: number };

/**
 * The outbox as the relay sees it. A claim is exclusive: two relays (two processes) never hold one row at once.
 * Claims belong to an owner (one per relay start) that keeps a heartbeat: a row whose owner is not alive any more
 * is claimable at once by any other owner, whatever its lease says; a row whose lease ended is claimable by anyone
 * (the backstop for a live owner whose send hangs past its bounds). Every write after the claim names the claim's
 * token and lands only while the row still carries it.
 */
export interface DeliveryOutbox {
  /** The owner's heartbeat: it counts as alive until `aliveUntilMs` (inserted on the first call). */
  renewOwner(owner: string, nowMs: number, aliveUntilMs: number): void;
  /** The owner stops: it is dead from now on, so other relays take its rows over at their next poll. */
  releaseOwner(owner: string): void;
  /**
   * Claims up to `limit` rows for `owner`, oldest first: pending rows, rows whose lease ended before `nowMs`, and
   * rows of another owner that is not alive at `nowMs`. Each claim lasts until `leaseUntilMs`.
   */
  claimDue(request: { owner: string; nowMs: number; leaseUntilMs: number; limit: number }): ClaimedDelivery[];
  /** Records the attempt count while the claim holds; false (nothing written) once another relay took the row over. */
  recordAttempt(deliveryId: string, claim: ClaimToken, attempts: number): boolean;
  /** Writes the result and ends the lease while the claim holds; false (nothing written) after a takeover. */
  settle(deliveryId: string, claim: ClaimToken, result: DeliveryResult, atMs: number): boolean;
}

/** The acknowledgement timers as the poller sees them. */
export interface DueTimerQueue {
  /** Ids of pending timers due at `nowMs`, earliest first, at most `limit`. */
  dueTimerIds(nowMs: number, limit: number): string[];
}

/** Dead letters kept: the newest 1,000, none older than 7 days. */
export const DEAD_LETTER_RETENTION = { keepNewest: 1000, maxAgeMs: 7 * 24 * 60 * 60_000 };

/** Where refused inbound requests go, with the reason and the raw body; and their retention. */
export interface DeadLetterLog {
  recordDeadLetter(source: string, reason: string, rawBody: string): void;
  /** Drops those older than `maxAgeMs` and all but the newest `keepNewest`; returns how many went. */
  pruneDeadLetters(retention?: { keepNewest: number; maxAgeMs: number }): number;
}

/** What the use cases tell the engine after a commit, so it can deliver without waiting for a poll. */
export interface PagerActivityListener {
  deliveriesQueued(): void;
}
