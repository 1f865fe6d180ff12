/**
 * Delivers the pager's outbox after the commit, through the `DeliveryOutbox` port. A relay claims rows, so two
 * relays — two processes — never send the same row. Each send is retried with backoff on the Clock, and carries
 * the row's idempotency key to the provider. With no provider configured the row is settled as `not_sent` with
 * the reason, so the console shows it instead of it vanishing.
 *
 * Claims belong to a live owner. Each relay start is an owner (a process-unique id) that renews a heartbeat every
 * `heartbeatEveryMs` (2 s), each time `ownerTimeoutMs` (10 s) ahead. A row whose owner's heartbeat ran out was
 * claimed by a process that died: any live relay takes it over at its next poll (every heartbeat, and every kick
 * of the engine's tick), whatever the row's lease says — within `takeoverBoundMs` (12 s with the defaults) of the
 * crash. A live owner's claims are never taken for being slow: its heartbeat keeps them through every backoff.
 *
 * The per-row lease (`leaseMs`, 5 min) is the hard end of any claim, a live owner's too: the constructor refuses
 * retry settings whose worst case (attempts × maxSendMs + every backoff delay) does not fit it, and no attempt
 * starts that could end after it; past it the row is claimable by anyone (the backstop for an owner that keeps
 * heartbeating while a send hangs past its bounds). Owner and lease end are the claim token: progress and the
 * final result are written only while the row still carries them, so a relay whose claim was taken over cannot
 * overwrite the new owner's result. A send in flight when its owner died may reach the provider twice; both carry
 * the same idempotency key.
 *
 * Claiming does not wait for sending: a pass claims and starts deliveries (at most `maxInFlight` at once) and
 * returns, so a delivery in a long backoff never delays the takeover of a dead owner's rows. stop() aborts backoff
 * waits and sends in flight, then gives the owner up, so another relay takes the abandoned rows over at once.
 *
 * The kick / stop loop is server/core/drain-loop.ts, shared with the alerts' relay.
 */
import type { Clock, TimerHandle } from "@/server/core/clock";
import { DrainLoop } from "@/server/core/drain-loop";
import { FailureStreak } from "@/server/core/failure-streak";
import { createId } from "@/server/core/ids";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import { RetryExhaustedError, retryWithBackoff } from "@/server/core/retry";
import {
  isPermanentSendFailure,
  type ClaimedDelivery,
  type ClaimToken,
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
  /** The hard end of a claim, even while its owner lives: every retry must fit in it. */
  leaseMs?: number;
  batchSize?: number;
  /** Deliveries this relay works on at once. */
  maxInFlight?: number;
  /** This relay's owner id; one per relay start (default: a new `rly_…` id). */
  ownerId?: string;
  /** How often the owner's heartbeat is renewed; the relay also polls for work at that period. */
  heartbeatEveryMs?: number;
  /** How far ahead each heartbeat reaches: an owner silent for this long is dead and its claims are taken over. */
  ownerTimeoutMs?: number;
};

type RelaySettings = {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  leaseMs: number;
  batchSize: number;
  maxInFlight: number;
  heartbeatEveryMs: number;
  ownerTimeoutMs: number;
};

export const RELAY_DEFAULTS: RelaySettings = {
  maxAttempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  leaseMs: 5 * 60_000,
  batchSize: 50,
  maxInFlight: 50,
  heartbeatEveryMs: 2_000,
  ownerTimeoutMs: 10_000,
};

/** What the pager promises: a dead process's pages are retried by a live one within this long of the crash. */
export const TAKEOVER_TARGET_MS = 15_000;

/** Another relay took the row over (our owner was taken for dead, or our lease ran out): write nothing more. */
export class LeaseLostError extends Error {
  constructor(deliveryId: string) {
    super(`the claim on delivery ${deliveryId} was taken over by another relay`);
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

/**
 * The longest from a crash until a live relay claims the dead owner's rows: the owner's last heartbeat may have
 * been just before the crash, so it looks dead `ownerTimeoutMs` later, and a live relay polls every
 * `heartbeatEveryMs` (the engine's tick kicks it more often still).
 */
export function takeoverBoundMs(settings: { heartbeatEveryMs: number; ownerTimeoutMs: number }): number {
  return settings.ownerTimeoutMs + settings.heartbeatEveryMs;
}

export class OutboxRelay {
  /** This relay's owner id: the claims it makes are this owner's, kept alive by its heartbeat. */
  readonly ownerId: string;
  private readonly loop: DrainLoop;
  private readonly heartbeatFailures: FailureStreak;
  private abort = new AbortController();
  private readonly settings: RelaySettings & { maxSendMs: number };
  private readonly inFlight = new Set<Promise<void>>();
  /** A pass found no room (maxInFlight): the next delivery to finish starts another. */
  private saturated = false;
  private running = false;
  private heartbeatTimer: TimerHandle | undefined;
  /** When the last heartbeat was written (clock time); claims are only made shortly after one. */
  private renewedAtMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: OutboxRelayOptions) {
    const maxSendMs = Math.max(options.email?.maxSendMs ?? 0, options.sms?.maxSendMs ?? 0);
    const pick = <K extends keyof RelaySettings>(key: K) => options[key] ?? RELAY_DEFAULTS[key];
    this.settings = {
      maxAttempts: pick("maxAttempts"),
      initialDelayMs: pick("initialDelayMs"),
      maxDelayMs: pick("maxDelayMs"),
      leaseMs: pick("leaseMs"),
      batchSize: pick("batchSize"),
      maxInFlight: pick("maxInFlight"),
      heartbeatEveryMs: pick("heartbeatEveryMs"),
      ownerTimeoutMs: pick("ownerTimeoutMs"),
      maxSendMs,
    };
    this.ownerId = options.ownerId ?? createId("rly");
    const worstCase = worstCaseClaimMs(this.settings);
    if (worstCase >= this.settings.leaseMs) {
      throw new Error(
        `Outbox relay settings do not fit the lease: ${this.settings.maxAttempts} attempts of up to ${maxSendMs} ms plus backoff take up to ${worstCase} ms, ` +
          `the lease is ${this.settings.leaseMs} ms. Lower the attempts, the backoff or the senders' timeouts, or lengthen the lease.`,
      );
    }
    const { heartbeatEveryMs, ownerTimeoutMs } = this.settings;
    if (!(heartbeatEveryMs > 0) || !(ownerTimeoutMs > 2 * heartbeatEveryMs)) {
      throw new Error(
        `Outbox relay owner timeout (${ownerTimeoutMs} ms) must exceed two heartbeat periods (${heartbeatEveryMs} ms each), ` +
          `so that one late or failed heartbeat does not hand a live relay's claims to another. Lengthen ownerTimeoutMs or shorten heartbeatEveryMs.`,
      );
    }
    this.heartbeatFailures = new FailureStreak("the pager's outbox relay heartbeat", options.clock);
    this.loop = new DrainLoop({
      batch: async () => this.claimAndStart(),
      onError: (error) => options.logger.error({ err: error }, "outbox relay pass failed; the next pass retries"),
      clock: options.clock,
      what: "the pager's outbox relay",
    });
  }

  /** Accepts kicks, starts the heartbeat (which also polls) and delivers what is queued now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    this.renewHeartbeat();
    this.loop.start();
    this.scheduleHeartbeat();
    this.kick();
  }

  /**
   * Stops taking passes, aborts backoff waits and sends in flight (so it returns promptly), then gives the owner
   * up: the rows it abandoned are taken over by another relay's next poll, not after a timeout.
   */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.heartbeatTimer) this.options.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const stopped = this.loop.stop();
    this.abort.abort(new Error("the outbox relay is stopping"));
    await stopped;
    await this.deliveriesDone();
    if (!wasRunning) return;
    try {
      this.options.outbox.releaseOwner(this.ownerId);
    } catch (error) {
      this.options.logger.warn(
        { err: error, ownerId: this.ownerId },
        "could not give the relay owner up; its rows are taken over once its heartbeat runs out",
      );
    }
  }

  /** Starts a pass now, or another one right after the pass in flight. */
  kick(): void {
    this.loop.kick();
  }

  /** Heartbeats and passes that failed in a row (the engine's status reads them). */
  get failures(): readonly FailureStreak[] {
    return [this.heartbeatFailures, this.loop.failures];
  }

  /** Resolves when no pass and no delivery is in flight. */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.loop.whenIdle();
      if (this.inFlight.size === 0) return;
      await this.deliveriesDone();
    }
  }

  /** Claims up to one batch and delivers it, waiting for those deliveries; returns how many rows it claimed. */
  async deliverBatch(): Promise<number> {
    const claimed = this.claim(this.settings.batchSize);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  /** One batch of a pass: claims what there is room for and starts delivering it, without waiting. */
  private claimAndStart(): number {
    const room = this.settings.maxInFlight - this.inFlight.size;
    if (room <= 0) {
      this.saturated = true;
      return 0;
    }
    const claimed = this.claim(Math.min(this.settings.batchSize, room));
    for (const delivery of claimed) {
      const delivering = this.deliver(delivery)
        .catch((error: unknown) =>
          // A write that failed (the database busy past its timeout): the row stays ours until its lease ends.
          this.options.logger.error(
            { err: error, deliveryId: delivery.id },
            "delivery stopped by an unexpected error; another relay takes it over once its lease ends",
          ),
        )
        .finally(() => {
          this.inFlight.delete(delivering);
          if (this.saturated) {
            this.saturated = false;
            this.kick();
          }
        });
      this.inFlight.add(delivering);
    }
    return claimed.length;
  }

  private claim(limit: number): ClaimedDelivery[] {
    const { outbox, clock } = this.options;
    const { heartbeatEveryMs, leaseMs } = this.settings;
    // Claim only on a fresh heartbeat: a row claimed under a stale one would look like a dead owner's at once.
    if (clock.now() - this.renewedAtMs >= heartbeatEveryMs && !this.renewHeartbeat()) return [];
    const now = clock.now();
    return outbox.claimDue({ owner: this.ownerId, nowMs: now, leaseUntilMs: now + leaseMs, limit });
  }

  /** Writes the heartbeat; false (logged) when the store refused it. */
  private renewHeartbeat(): boolean {
    const { outbox, clock, logger } = this.options;
    const now = clock.now();
    try {
      outbox.renewOwner(this.ownerId, now, now + this.settings.ownerTimeoutMs);
      this.renewedAtMs = now;
      this.heartbeatFailures.succeeded();
      return true;
    } catch (error) {
      this.heartbeatFailures.failed(error);
      logger.warn(
        { err: error, ownerId: this.ownerId },
        "outbox relay heartbeat failed; claiming nothing until it succeeds (our claims pass to other relays if it keeps failing)",
      );
      return false;
    }
  }

  /** Every heartbeat period: renew, then poll (rows other processes queued, dead owners' rows). */
  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.options.clock.setTimeout(() => {
      if (!this.running) return;
      this.renewHeartbeat();
      this.kick();
      this.scheduleHeartbeat();
    }, this.settings.heartbeatEveryMs);
  }

  private async deliveriesDone(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { outbox, clock, random, logger } = this.options;
    const { maxAttempts, initialDelayMs, maxDelayMs, maxSendMs } = this.settings;
    // Owner and lease end written at claim are this claim's token: a takeover writes another.
    const token = delivery.claim;
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
          deadlineMs: token.leaseUntilMs - maxSendMs,
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
        logger.warn({ deliveryId: delivery.id }, "claim taken over by another relay; leaving the delivery to it");
        return;
      }
      if (signal.aborted) {
        // Shutting down: leave the row `sending`; stop() then gives the owner up and another relay (or the next
        // start) takes the row over at its next poll.
        logger.info({ deliveryId: delivery.id, attempts }, "relay stopping; delivery left for another relay");
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
  private settle(delivery: ClaimedDelivery, token: ClaimToken, result: DeliveryResult): boolean {
    const { outbox, clock, logger } = this.options;
    const settled = outbox.settle(delivery.id, token, result, clock.now());
    if (!settled)
      logger.warn(
        { deliveryId: delivery.id, status: result.status },
        "claim taken over by another relay; our result was not written",
      );
    return settled;
  }
}
