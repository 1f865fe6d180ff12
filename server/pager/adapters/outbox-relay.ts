/**
 * Delivers the pager's outbox (pager_delivery) after the commit. A relay claims a row with a conditional
 * update (pending → sending, with a lease), so two relays — two processes — never send the same row; a row
 * whose sender died is taken over once its lease ran out. Each send is retried with backoff on the Clock, and
 * carries the row's idempotency key to the provider. With no provider configured the row is settled as
 * `not_sent` with the reason, so the console shows it instead of it vanishing.
 *
 * The lease is only safe if a claim cannot outlive it: every sender bounds one send (`maxSendMs`), the
 * constructor refuses retry settings whose worst case (attempts × maxSendMs + every backoff delay) does not fit
 * the lease, and no attempt starts that could end after it. The lease's end is also the claim token: progress
 * and the final result are written only while the row still carries it, so a relay whose lease was taken over
 * cannot overwrite the new owner's result. stop() aborts backoff waits and sends in flight; an abandoned row
 * stays `sending` until its lease runs out and another relay (or the next start) takes it over.
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
type ClaimedRow = DeliveryRow & { leaseUntilMs: number };

const DEFAULTS = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000, leaseMs: 5 * 60_000, batchSize: 50 };

/** Another relay took the row over (our lease ran out): stop working on it and write nothing more. */
export class LeaseLostError extends Error {
  constructor(deliveryId: string) {
    super(`the lease on delivery ${deliveryId} was taken over by another relay`);
    this.name = "LeaseLostError";
  }
}

/** The longest a claim can take with these settings: every attempt at its sender's bound plus every backoff wait at its cap. */
export function worstCaseClaimMs(settings: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number; maxSendMs: number }): number {
  let waits = 0;
  for (let retry = 0; retry < settings.maxAttempts - 1; retry++) waits += Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** retry);
  return settings.maxAttempts * settings.maxSendMs + waits;
}

export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private abort = new AbortController();
  private readonly settings: typeof DEFAULTS & { maxSendMs: number };

  constructor(private readonly options: OutboxRelayOptions) {
    const maxSendMs = Math.max(options.email?.maxSendMs ?? 0, options.sms?.maxSendMs ?? 0);
    this.settings = {
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      initialDelayMs: options.initialDelayMs ?? DEFAULTS.initialDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
      leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      maxSendMs,
    };
    const worstCase = worstCaseClaimMs(this.settings);
    if (worstCase >= this.settings.leaseMs) {
      throw new Error(
        `Outbox relay settings do not fit the lease: ${this.settings.maxAttempts} attempts of up to ${maxSendMs} ms plus backoff take up to ${worstCase} ms, ` +
          `the lease is ${this.settings.leaseMs} ms. Lower the attempts, the backoff or the senders' timeouts, or lengthen the lease.`,
      );
    }
  }

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

  /** Stops taking passes and aborts backoff waits and sends in flight, so it returns promptly. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort(new Error("the outbox relay is stopping"));
    await this.idle();
  }

  /** Stops taking passes without waiting (a module not started yet). */
  pause(): void {
    this.stopped = true;
  }

  resume(): void {
    this.stopped = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
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
    const { db, clock } = this.options;
    const { batchSize, leaseMs } = this.settings;
    const now = clock.now();
    const candidates = db
      .select({ id: pagerDelivery.id })
      .from(pagerDelivery)
      .where(or(eq(pagerDelivery.status, "pending"), and(eq(pagerDelivery.status, "sending"), lt(pagerDelivery.leaseUntilMs, now))))
      .orderBy(asc(pagerDelivery.createdAtMs))
      .limit(batchSize)
      .all();
    const claimed: ClaimedRow[] = [];
    for (const { id } of candidates) {
      const row = db
        .update(pagerDelivery)
        .set({ status: "sending", leaseUntilMs: now + leaseMs })
        .where(and(eq(pagerDelivery.id, id), or(eq(pagerDelivery.status, "pending"), and(eq(pagerDelivery.status, "sending"), lt(pagerDelivery.leaseUntilMs, now)))))
        .returning()
        .get();
      if (row) claimed.push(row as ClaimedRow);
    }
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const { db, clock, random, logger } = this.options;
    const { maxAttempts, initialDelayMs, maxDelayMs, maxSendMs } = this.settings;
    // The lease end written at claim is this claim's token: a takeover writes a later one.
    const token = row.leaseUntilMs;
    const signal = this.abort.signal;
    const sender = this.senderFor(row);
    if (typeof sender === "string") {
      this.settle(row, token, { status: "not_sent", reason: sender, attempts: row.attempts });
      logger.warn({ deliveryId: row.id, channel: row.channel, reason: sender }, "notification not sent");
      return;
    }
    let attempts = row.attempts;
    try {
      const result = await retryWithBackoff(
        async () => {
          attempts++;
          const stillOurs = db.update(pagerDelivery).set({ attempts }).where(this.ownedBy(row.id, token)).run().changes === 1;
          if (!stillOurs) throw new LeaseLostError(row.id);
          return sender(signal);
        },
        {
          clock,
          random,
          maxAttempts,
          initialDelayMs,
          maxDelayMs,
          // No attempt starts that could still be running when the lease ends.
          deadlineMs: token - maxSendMs,
          signal,
          shouldRetry: (error) => !(error instanceof LeaseLostError) && !(error instanceof SmsProviderError && error.permanent),
          onRetry: (error, attempt, delayMs) => logger.warn({ deliveryId: row.id, attempt, delayMs, err: error }, "notification failed; retrying"),
        },
      );
      this.settle(row, token, { status: "sent", providerMessageId: result.providerMessageId, attempts, reason: null });
    } catch (error) {
      const cause = error instanceof RetryExhaustedError ? error.lastError : error;
      if (cause instanceof LeaseLostError) {
        logger.warn({ deliveryId: row.id }, "lease taken over by another relay; leaving the delivery to it");
        return;
      }
      if (signal.aborted) {
        // Shutting down: leave the row `sending`; once its lease runs out another relay (or the next start) sends it.
        logger.info({ deliveryId: row.id, attempts }, "relay stopping; delivery left for a later relay once its lease runs out");
        return;
      }
      const reason = `${cause instanceof Error ? cause.message : String(cause)} (after ${attempts} attempt(s))`;
      this.settle(row, token, { status: "failed", reason, attempts });
      logger.error({ deliveryId: row.id, channel: row.channel, reason }, "notification failed for good");
    }
  }

  /** The row is still this claim's: `sending` with the lease end written at claim. */
  private ownedBy(id: string, token: number) {
    return and(eq(pagerDelivery.id, id), eq(pagerDelivery.status, "sending"), eq(pagerDelivery.leaseUntilMs, token));
  }

  private senderFor(row: DeliveryRow): ((signal: AbortSignal) => Promise<SendResult>) | string {
    const { email, sms } = this.options;
    if (row.channel === "email") {
      if (!email) return this.options.emailMissingReason ?? "No mail provider is configured (set SMTP_URL).";
      return (signal) => email.send({ to: row.address, subject: row.subject, text: row.body, idempotencyKey: row.idempotencyKey }, signal);
    }
    if (!sms) return this.options.smsMissingReason ?? "No SMS provider is configured (set SMS_API_URL).";
    return (signal) => sms.send({ to: row.address, body: row.body, idempotencyKey: row.idempotencyKey }, signal);
  }

  /** Writes the result only if the claim is still ours; false (and nothing written) after a takeover. */
  private settle(row: DeliveryRow, token: number, fields: { status: "sent" | "not_sent" | "failed"; reason?: string | null; providerMessageId?: string; attempts: number }): boolean {
    const { db, clock, logger } = this.options;
    const settled = db.update(pagerDelivery).set({ ...fields, leaseUntilMs: null, finishedAtMs: clock.now() }).where(this.ownedBy(row.id, token)).run().changes === 1;
    if (!settled) logger.warn({ deliveryId: row.id, status: fields.status }, "lease taken over by another relay; our result was not written");
    return settled;
  }
}
