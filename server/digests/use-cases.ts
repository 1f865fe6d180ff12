/**
 * The digest engine's use cases: apply AlarmStatusChanged batches, answer SendAlarmDigest, send a digest from
 * the console, feed the alert engine's transitions in. Transport- and store-agnostic: the composition
 * (server/jobs/digests.ts) picks the adapters. Messages are acknowledged by the transport only after these
 * handlers resolve. The console's reads go through the read model (console.ts), not through here.
 */
import type { Actor, AuditEntry } from "@/server/core/audit";
import { describeActor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { AlertState, AlertStateChanged } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import type { AlarmStatus, AlarmStatusChange } from "./alarm-state";
import {
  parseAlarmStatusChanged,
  parseSendAlarmDigest,
  toAlarmDigestMessage,
  type AlarmStatusChangedMessage,
} from "./messages";
import type { DeadLetterStore, DigestRecord, DigestStateStore, DigestTransport, InboundMessage } from "./ports";

export type DigestCounters = {
  applied: number;
  ignored: number;
  deadLettered: number;
  digestsPublished: number;
  digestsRepublished: number;
};

export type DigestsUseCasesDependencies = {
  store: DigestStateStore;
  deadLetters: DeadLetterStore;
  transport: DigestTransport;
  clock: Clock;
  newId: () => string;
  /** Writes an audit entry on its own, for requests that the store cannot commit together with the change. */
  recordAudit: (entry: AuditEntry) => Promise<void>;
  logger?: Logger;
};

export class DigestsUseCases {
  readonly counters: DigestCounters = {
    applied: 0,
    ignored: 0,
    deadLettered: 0,
    digestsPublished: 0,
    digestsRepublished: 0,
  };

  constructor(private readonly deps: DigestsUseCasesDependencies) {}

  /** Applies a batch of AlarmStatusChanged; malformed ones go to the dead letters. */
  async handleStatusChanged(batch: readonly InboundMessage[]): Promise<void> {
    const changes: AlarmStatusChange[] = [];
    for (const message of batch) {
      const parsed = parseAlarmStatusChanged(message.body);
      if (parsed.ok) changes.push(parsed.value);
      else await this.deadLetter(message, parsed.reason);
    }
    if (changes.length === 0) return;
    const outcomes = await this.deps.store.applyChanges(changes);
    for (const outcome of outcomes) this.counters[outcome === "applied" ? "applied" : "ignored"]++;
  }

  /** Answers a SendAlarmDigest: always publishes a digest, with an empty ActiveAlarms when nothing is new. */
  async handleDigestRequest(message: InboundMessage): Promise<DigestRecord | null> {
    const parsed = parseSendAlarmDigest(message.body);
    if (!parsed.ok) {
      await this.deadLetter(message, parsed.reason);
      return null;
    }
    const { record } = await this.deps.store.prepareDigest(
      {
        requestKey: message.key,
        userId: parsed.value.userId,
        requestedAtMs: this.deps.clock.now(),
        requestedBy: "SendAlarmDigest",
      },
      this.deps.newId,
    );
    await this.publish(record);
    return record;
  }

  /**
   * The console's "Send digest now". In process it prepares and publishes at once, with the audit record in
   * the digest's own commit; on NATS it records the audit and publishes a SendAlarmDigest that one replica
   * answers (so the console never bypasses the work queue).
   */
  async sendDigestNow(
    userId: string,
    actor: Actor,
  ): Promise<{ mode: "sent"; record: DigestRecord } | { mode: "queued" }> {
    const audit: AuditEntry = {
      actor,
      action: "digests.digest.send",
      target: userId,
      details: { transport: this.deps.transport.kind },
    };
    if (this.deps.transport.kind === "nats") {
      await this.deps.recordAudit(audit);
      await this.deps.transport.publishDigestRequest(JSON.stringify({ UserID: userId }));
      return { mode: "queued" };
    }
    const { record } = await this.deps.store.prepareDigest(
      {
        requestKey: this.deps.newId(),
        userId,
        requestedAtMs: this.deps.clock.now(),
        requestedBy: describeActor(actor),
      },
      this.deps.newId,
      audit,
    );
    await this.publish(record);
    return { mode: "sent", record };
  }

  /** Feeds the alert engine's transitions in as AlarmStatusChanged, one per subscribed user. */
  async ingestAlertStateChanged(event: AlertStateChanged): Promise<void> {
    for (const message of alertStateChangedToMessages(event))
      await this.deps.transport.publishStatusChanged(JSON.stringify(message));
  }

  private async publish(record: DigestRecord): Promise<void> {
    // Published before (a crash before markPublished republishes the same digest under the same id, which the
    // broker's duplicate window drops); never published twice once marked.
    if (record.publishedAtMs !== null) {
      this.counters.digestsRepublished++;
      return;
    }
    const digest = toAlarmDigestMessage(record.userId, record.alarms);
    await this.deps.transport.publishDigest(digest, record.id);
    await this.deps.store.markPublished(record, this.deps.clock.now());
    this.counters.digestsPublished++;
  }

  private async deadLetter(message: InboundMessage, reason: string): Promise<void> {
    await this.deps.deadLetters.record({
      messageKey: message.key,
      subject: message.subject,
      reason,
      rawBody: message.body,
      receivedAtMs: message.receivedAtMs,
    });
    this.counters.deadLettered++;
    this.deps.logger?.warn({ subject: message.subject, reason }, "dead-lettered a malformed digest message");
  }
}

const ALERT_TO_ALARM: Record<AlertState, AlarmStatus> = { PASS: "CLEARED", WARN: "WARNING", CRITICAL: "CRITICAL" };

/** One AlarmStatusChanged per subscribed user: the rule is the alarm, PASS clears it. */
export function alertStateChangedToMessages(event: AlertStateChanged): AlarmStatusChangedMessage[] {
  return event.subscriberUserIds.map((userId) => ({
    AlarmID: event.ruleId,
    UserID: userId,
    Status: ALERT_TO_ALARM[event.newState],
    ChangedAt: event.changedAt,
  }));
}
