/**
 * Delivers the pager's outbox after the commit, through the `DeliveryOutbox` port. A relay claims rows with a
 * lease, so two relays — two processes — never send the same row; a row whose sender died is taken over once its
 * lease ran out. Each send is retried with backoff on the Clock, and carries the row's idempotency key to the
 * provider. With no provider configured the row is settled as `not_sent` with the reason, so the console shows
 * it instead of it vanishing.
 *
 * The lease is only safe if a claim cannot outlive it: every sender bounds one send (`maxSendMs`), the
 * constructor refuses retry settings whose worst case (attempts × maxSendMs + every backoff delay) does not fit
 * the lease, and no attempt starts that could end after it. The lease's end is also the claim token: progress
 * and the final result are written only while the row still carries it, so a relay whose lease was taken over
 * cannot overwrite the new owner's result. stop() aborts backoff waits and sends in flight; an abandoned row
 * stays `sending` until its lease runs out and another relay (or the next start) takes it over.
 *
 * The kick / stop loop is server/core/drain-loop.ts, shared with the alerts' relay. It does not poll by itself:
 * the pager engine's timer tick kicks it, which also picks up rows other processes queued and dead senders' rows.
 */
import type { Clock } from "@/server/core/clock";
import { DrainLoop } from "@/server/core/drain-loop";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { RetryExhaustedError, retryWithBackoff } from "@/server/core/retry";
import {
  isPermanentSendFailure,
  type ClaimedDelivery,
  type DeliveryOutbox,
  type DeliveryResult,
  type EmailSender,
  type SendResult,
  type SmsSender,
} from "./ports";

export type OutboxRelayOptions = {
  outbox: DeliveryOutbox;
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

const DEFAULTS = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000, leaseMs: 5 * 60_000, batchSize: 50 };

/** Another relay took the row over (our lease ran out): stop working on it and write nothing more. */
export class LeaseLostError extends Error {
  constructor(deliveryId: string) {
    super(`the lease on delivery ${deliveryId} was taken over by another relay`);
    this.name = "LeaseLostError";
  }
}

/** The longest a claim can take with these settings: every attempt at its sender's bound plus every backoff wait at its cap. */
export function worstCaseClaimMs(settings: {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  maxSendMs: number;
}): number {
  let waits = 0;
  for (let retry = 0; retry < settings.maxAttempts - 1; retry++)
    waits += Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** retry);
  return settings.maxAttempts * settings.maxSendMs + waits;
}

export class OutboxRelay {
  private readonly loop: DrainLoop;
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
    this.loop = new DrainLoop({
      batch: () => this.deliverBatch(),
      onError: (error) => options.logger.error({ err: error }, "outbox relay pass failed; the next pass retries"),
      clock: options.clock,
    });
  }

  /** Accepts kicks and delivers what is queued now. Until then (a module not started yet) kicks are ignored. */
  start(): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.loop.start();
    this.kick();
  }

  /** Stops taking passes and aborts backoff waits and sends in flight, so it returns promptly. */
  async stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.abort.abort(new Error("the outbox relay is stopping"));
    await stopped;
  }

  /** Starts a pass now, or another one right after the pass in flight. */
  kick(): void {
    this.loop.kick();
  }

  /** Resolves when no pass is in flight. */
  async whenIdle(): Promise<void> {
    await this.loop.whenIdle();
  }

  /** Claims and delivers up to one batch; returns how many rows it claimed. */
  async deliverBatch(): Promise<number> {
    const now = this.options.clock.now();
    const claimed = this.options.outbox.claimDue(now, now + this.settings.leaseMs, this.settings.batchSize);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { outbox, clock, random, logger } = this.options;
    const { maxAttempts, initialDelayMs, maxDelayMs, maxSendMs } = this.settings;
    // The lease end written at claim is this claim's token: a takeover writes a later one.
    const token = delivery.leaseUntilMs;
    const signal = this.abort.signal;
    const sender = this.senderFor(delivery);
    if (typeof sender === "string") {
      this.settle(delivery, token, { status: "not_sent", reason: sender, attempts: delivery.attempts });
      logger.warn({ deliveryId: delivery.id, channel: delivery.channel, reason: sender }, "notification not sent");
      return;
    }
    let attempts = delivery.attempts;
    try {
      const result = await retryWithBackoff(
        async () => {
          attempts++;
          if (!outbox.recordAttempt(delivery.id, token, attempts)) throw new LeaseLostError(delivery.id);
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
          shouldRetry: (error) => !(error instanceof LeaseLostError) && !isPermanentSendFailure(error),
          onRetry: (error, attempt, delayMs) =>
            logger.warn({ deliveryId: delivery.id, attempt, delayMs, err: error }, "notification failed; retrying"),
        },
      );
      this.settle(delivery, token, { status: "sent", providerMessageId: result.providerMessageId, attempts });
    } catch (error) {
      const cause = error instanceof RetryExhaustedError ? error.lastError : error;
      if (cause instanceof LeaseLostError) {
        logger.warn({ deliveryId: delivery.id }, "lease taken over by another relay; leaving the delivery to it");
        return;
      }
      if (signal.aborted) {
        // Shutting down: leave the row `sending`; once its lease runs out another relay (or the next start) sends it.
        logger.info(
          { deliveryId: delivery.id, attempts },
          "relay stopping; delivery left for a later relay once its lease runs out",
        );
        return;
      }
      const reason = `${cause instanceof Error ? cause.message : String(cause)} (after ${attempts} attempt(s))`;
      this.settle(delivery, token, { status: "failed", reason, attempts });
      logger.error({ deliveryId: delivery.id, channel: delivery.channel, reason }, "notification failed for good");
    }
  }

  private senderFor(delivery: ClaimedDelivery): ((signal: AbortSignal) => Promise<SendResult>) | string {
    const { email, sms } = this.options;
    if (delivery.channel === "email") {
      if (!email) return this.options.emailMissingReason ?? "No mail provider is configured (set SMTP_URL).";
      return (signal) =>
        email.send(
          {
            to: delivery.address,
            subject: delivery.subject,
            text: delivery.body,
            idempotencyKey: delivery.idempotencyKey,
          },
          signal,
        );
    }
    if (!sms) return this.options.smsMissingReason ?? "No SMS provider is configured (set SMS_API_URL).";
    return (signal) =>
      sms.send({ to: delivery.address, body: delivery.body, idempotencyKey: delivery.idempotencyKey }, signal);
  }

  /** Writes the result only if the claim is still ours; false (and nothing written) after a takeover. */
  private settle(delivery: ClaimedDelivery, token: number, result: DeliveryResult): boolean {
    const { outbox, clock, logger } = this.options;
    const settled = outbox.settle(delivery.id, token, result, clock.now());
    if (!settled)
      logger.warn(
        { deliveryId: delivery.id, status: result.status },
        "lease taken over by another relay; our result was not written",
      );
    return settled;
  }
}
