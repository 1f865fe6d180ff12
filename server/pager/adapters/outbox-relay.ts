/**
 * Delivers the pager's outbox (pager_delivery) after the commit. A relay claims a row with a conditional
 * update (pending → sending, with a lease), so two relays — two processes — never send the same row; a row
 * whose sender died is taken over once its lease ran out. Each send is retried with backoff on the Clock, and
 * carries the row's idempotency key to the provider. With no provider configured the row is settled as
 * `not_sent` with the reason, so the console shows it instead of it vanishing.
 */
import { and, asc, eq, lt, or } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { pagerDelivery } from "@/db/schema";
import type { Clock } from "@/server/core/clock";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { RetryExhaustedError, retryWithBackoff } from "@/server/core/retry";
import type { EmailSender, SendResult, SmsSender } from "../ports";
import { SmsProviderError } from "./twilio-sms";

export type OutboxRelayOptions = {
  db: AppDatabase;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  email?: EmailSender;
  sms?: SmsSender;
  /** Why e-mail is not sent when `email` is absent (shown in the console). */
  emailMissingReason?: string;
  smsMissingReason?: string;
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How long a claim holds before another relay may take the row over. */
  leaseMs?: number;
  batchSize?: number;
};

type DeliveryRow = typeof pagerDelivery.$inferSelect;

export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  /** Starts a pass now, or another one right after the pass in flight. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no pass is in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Stops taking passes without waiting (a module not started yet). */
  pause(): void {
    this.stopped = true;
  }

  resume(): void {
    this.stopped = false;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        while ((await this.deliverBatch()) > 0 && !this.stopped);
      } catch (error) {
        this.options.logger.error({ err: error }, "outbox relay pass failed; the next pass retries");
      }
    } while (this.again && !this.stopped);
  }

  /** Claims and delivers up to one batch; returns how many rows it settled. */
  async deliverBatch(): Promise<number> {
    const { db, clock, batchSize = 50, leaseMs = 5 * 60_000 } = this.options;
    const now = clock.now();
    const candidates = db
      .select({ id: pagerDelivery.id })
      .from(pagerDelivery)
      .where(or(eq(pagerDelivery.status, "pending"), and(eq(pagerDelivery.status, "sending"), lt(pagerDelivery.leaseUntilMs, now))))
      .orderBy(asc(pagerDelivery.createdAtMs))
      .limit(batchSize)
      .all();
    const claimed: DeliveryRow[] = [];
    for (const { id } of candidates) {
      const row = db
        .update(pagerDelivery)
        .set({ status: "sending", leaseUntilMs: now + leaseMs })
        .where(and(eq(pagerDelivery.id, id), or(eq(pagerDelivery.status, "pending"), and(eq(pagerDelivery.status, "sending"), lt(pagerDelivery.leaseUntilMs, now)))))
        .returning()
        .get();
      if (row) claimed.push(row);
    }
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private async deliver(row: DeliveryRow): Promise<void> {
    const { db, clock, random, logger, maxAttempts = 5 } = this.options;
    const sender = this.senderFor(row);
    if (typeof sender === "string") {
      this.settle(row.id, { status: "not_sent", reason: sender, attempts: row.attempts });
      logger.warn({ deliveryId: row.id, channel: row.channel, reason: sender }, "notification not sent");
      return;
    }
    let attempts = row.attempts;
    try {
      const result = await retryWithBackoff(
        async () => {
          attempts++;
          db.update(pagerDelivery).set({ attempts }).where(eq(pagerDelivery.id, row.id)).run();
          return sender();
        },
        {
          clock,
          random,
          maxAttempts,
          initialDelayMs: this.options.initialDelayMs ?? 500,
          maxDelayMs: this.options.maxDelayMs ?? 30_000,
          shouldRetry: (error) => !(error instanceof SmsProviderError && error.permanent),
          onRetry: (error, attempt, delayMs) => logger.warn({ deliveryId: row.id, attempt, delayMs, err: error }, "notification failed; retrying"),
        },
      );
      this.settle(row.id, { status: "sent", providerMessageId: result.providerMessageId, attempts, reason: null });
    } catch (error) {
      const cause = error instanceof RetryExhaustedError ? error.lastError : error;
      const reason = `${cause instanceof Error ? cause.message : String(cause)} (after ${attempts} attempt(s))`;
      this.settle(row.id, { status: "failed", reason, attempts });
      logger.error({ deliveryId: row.id, channel: row.channel, reason }, "notification failed for good");
    }
  }

  private senderFor(row: DeliveryRow): (() => Promise<SendResult>) | string {
    const { email, sms } = this.options;
    if (row.channel === "email") {
      if (!email) return this.options.emailMissingReason ?? "No mail provider is configured (set SMTP_URL).";
      return () => email.send({ to: row.address, subject: row.subject, text: row.body, idempotencyKey: row.idempotencyKey });
    }
    if (!sms) return this.options.smsMissingReason ?? "No SMS provider is configured (set SMS_API_URL).";
    return () => sms.send({ to: row.address, body: row.body, idempotencyKey: row.idempotencyKey });
  }

  private settle(id: string, fields: { status: "sent" | "not_sent" | "failed"; reason?: string | null; providerMessageId?: string; attempts: number }): void {
    const { db, clock } = this.options;
    db.update(pagerDelivery)
      .set({ ...fields, leaseUntilMs: null, finishedAtMs: clock.now() })
      .where(and(eq(pagerDelivery.id, id), eq(pagerDelivery.status, "sending")))
      .run();
  }
}
