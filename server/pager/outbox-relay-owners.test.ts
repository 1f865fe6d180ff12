/**
 * Claims belong to a live owner (under the manual clock): a relay whose owner stops heartbeating — a process
 * frozen or killed, modelled by a relay whose own clock never moves again — loses its claims to a live relay
 * within 15 s, and the page is delivered once; a relay started after the crash does the same; a live owner in a
 * long backoff keeps its claim; and the dead owner's late writes are refused by the claim token.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pagerDelivery, pagerRelayOwner } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { ManualClock, type Clock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";
import { SmtpMailer } from "./adapters/smtp-mailer";
import { SqliteDeliveryOutbox } from "./adapters/sqlite-delivery-outbox";
import { TwilioSms } from "./adapters/twilio-sms";
import { OutboxRelay, RELAY_DEFAULTS, TAKEOVER_TARGET_MS, type OutboxRelayOptions } from "./outbox-relay";
import type { EmailSender, OutgoingEmail, OutgoingSms, SendResult, SmsSender } from "./ports";

const system = systemActor("test");
let harness: PagerHarness | undefined;
const relays: OutboxRelay[] = [];
const mailers: SmtpMailer[] = [];

afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.stop();
  for (const mailer of mailers.splice(0)) mailer.close();
  await harness?.close();
  harness = undefined;
});

/** A sender whose sends wait until the test settles them (or the relay aborts them). */
class HeldSender implements EmailSender, SmsSender {
  readonly maxSendMs = 1000;
  readonly held: { to: string; resolve: (result: SendResult) => void; reject: (error: Error) => void }[] = [];
  send(message: OutgoingEmail | OutgoingSms, signal?: AbortSignal): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.held.push({ to: message.to, resolve, reject });
      signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
    });
  }
}

async function until(condition: () => boolean) {
  await vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5000, interval: 5 });
}

function deliveries(h: PagerHarness) {
  return h.database.db.select().from(pagerDelivery).all();
}

/** Every row is (or was, once settled) claimed by this relay. */
function claimedBy(h: PagerHarness, relay: OutboxRelay): boolean {
  return deliveries(h).every((row) => row.claimedBy === relay.ownerId);
}

function relayOn(h: PagerHarness, clock: Clock, options: Partial<OutboxRelayOptions>): OutboxRelay {
  const relay = new OutboxRelay({
    outbox: new SqliteDeliveryOutbox(h.database.db),
    clock,
    random: new SeededRandom(3),
    logger: createLogger("relay-test"),
    ...options,
  });
  relays.push(relay);
  return relay;
}

/** A relay sending to the harness's real SMTP and SMS receivers, as a second process would. */
function realRelayOn(h: PagerHarness, clock: Clock, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  const mailer = new SmtpMailer(h.smtp!.url, "Watchpost <pager@test.local>");
  mailers.push(mailer);
  return relayOn(h, clock, {
    email: mailer,
    sms: new TwilioSms({ apiUrl: h.sms!.url, accountSid: "ACtest", from: "+15550100" }),
    ...options,
  });
}

/** Moves the clock one second at a time until `done`, letting the relays work between steps; returns the ms moved. */
async function advanceUntil(clock: ManualClock, done: () => boolean, limitMs: number): Promise<number> {
  const started = clock.now();
  while (!done() && clock.now() - started < limitMs) {
    await clock.advance(1000);
    const working = [...relays.map((relay) => relay.whenIdle()), harness?.engine.whenIdle() ?? Promise.resolve()];
    await Promise.race([Promise.all(working), new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  return clock.now() - started;
}

/** A relay that claims both level-1 rows and then freezes: its clock never moves again, so it never heartbeats. */
async function frozenOwner(h: PagerHarness, options: Partial<OutboxRelayOptions> = {}) {
  const frozenClock = new ManualClock(h.clock.now());
  const sender = new HeldSender();
  const relay = relayOn(h, frozenClock, { email: sender, sms: sender, ...options });
  relay.start();
  await until(() => sender.held.length === 2);
  expect(deliveries(h).map((row) => [row.status, row.claimedBy])).toEqual([
    ["sending", relay.ownerId],
    ["sending", relay.ownerId],
  ]);
  return { relay, sender, clock: frozenClock };
}

describe("claims belong to a live owner", () => {
  it("retries the claim of an owner that stopped heartbeating within 15 s, on another relay, and delivers it once", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const crashedAt = harness.clock.now();
    const dead = await frozenOwner(harness);
    const survivor = realRelayOn(harness, harness.clock);
    survivor.start();

    const h = harness;
    const tookMs = await advanceUntil(harness.clock, () => claimedBy(h, survivor), 60_000);
    // Not before the owner's heartbeat ran out (its claims were not stolen early), within the target after.
    expect(tookMs).toBeGreaterThan(RELAY_DEFAULTS.ownerTimeoutMs);
    expect(harness.clock.now() - crashedAt).toBeLessThanOrEqual(TAKEOVER_TARGET_MS);
    // The sends themselves take real time, not clock time.
    await survivor.whenIdle();
    expect(harness.smtp!.messages).toHaveLength(1);
    expect(harness.sms!.messages).toHaveLength(1);
    expect(deliveries(harness).map((row) => [row.status, row.claimedBy, row.attempts])).toEqual([
      ["sent", survivor.ownerId, 2],
      ["sent", survivor.ownerId, 2],
    ]);
    // Once: nothing more reaches the providers, however long the clock runs on.
    await advanceUntil(harness.clock, () => false, 30_000);
    expect(harness.smtp!.messages).toHaveLength(1);
    expect(harness.sms!.arrivals).toHaveLength(1);
    expect(dead.sender.held).toHaveLength(2);
  });

  it("lets a relay started after the crash (a restarted process) take the dead owner's claims over within 15 s", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const crashedAt = harness.clock.now();
    await frozenOwner(harness);
    await harness.clock.advance(3_000);
    const restarted = realRelayOn(harness, harness.clock);
    restarted.start();

    const h = harness;
    await advanceUntil(harness.clock, () => claimedBy(h, restarted), 60_000);
    expect(harness.clock.now() - crashedAt).toBeLessThanOrEqual(TAKEOVER_TARGET_MS);
    await restarted.whenIdle();
    expect(harness.smtp!.messages).toHaveLength(1);
    expect(harness.sms!.messages).toHaveLength(1);
    expect(deliveries(harness).every((row) => row.status === "sent" && row.claimedBy === restarted.ownerId)).toBe(true);
  });

  it("keeps a live owner's claim through a long backoff: no other relay sends it", async () => {
    harness = await createPagerHarness({
      module: { retry: { initialDelayMs: 8_000, maxDelayMs: 30_000 }, relay: { ownerId: "rly_patient" } },
    });
    harness.sms!.failNext(4);
    await harness.engine.start();
    // Another process's relay polls all along; it would send from another number.
    const other = relayOn(harness, harness.clock, {
      sms: new TwilioSms({ apiUrl: harness.sms!.url, accountSid: "ACtest", from: "+15550199" }),
      email: new HeldSender(),
    });
    other.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });

    const h = harness;
    const tookMs = await advanceUntil(harness.clock, () => h.sms!.messages.length === 1, 5 * 60_000);

    const sms = deliveries(harness).find((row) => row.channel === "sms")!;
    expect(sms).toMatchObject({ status: "sent", attempts: 5, claimedBy: "rly_patient" });
    // The four waits between five attempts far outlast the owner timeout; every attempt came from the owner.
    expect(tookMs).toBeGreaterThan(3 * RELAY_DEFAULTS.ownerTimeoutMs);
    expect(harness.sms!.arrivals.map((arrival) => arrival.from)).toEqual(Array(5).fill("+15550100"));
  });

  it("refuses the late writes of an owner whose claims were taken over: its result and its next attempt", async () => {
    harness = await createPagerHarness({ providers: false });
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const dead = await frozenOwner(harness, { maxAttempts: 2, initialDelayMs: 0, maxDelayMs: 0 });
    const next = new HeldSender();
    const survivor = relayOn(harness, harness.clock, { email: next, sms: next });
    survivor.start();
    await advanceUntil(harness.clock, () => next.held.length === 2, 60_000);
    expect(next.held).toHaveLength(2);

    // The stale owner wakes up: one send succeeded (its result must not land), one failed (its retry must not
    // start: the attempt is refused before anything is sent).
    dead.sender.held[0]!.resolve({ providerMessageId: "from-the-dead-owner" });
    dead.sender.held[1]!.reject(new Error("dead owner's send failed"));
    await dead.clock.advance(0); // its backoff wait (0 ms) ends; the retry asks to record its attempt
    await dead.relay.whenIdle();
    expect(dead.sender.held).toHaveLength(2);
    expect(deliveries(harness).map((row) => [row.status, row.claimedBy, row.attempts])).toEqual([
      ["sending", survivor.ownerId, 2],
      ["sending", survivor.ownerId, 2],
    ]);

    next.held[0]!.resolve({ providerMessageId: "survivor-1" });
    next.held[1]!.resolve({ providerMessageId: "survivor-2" });
    await survivor.whenIdle();
    expect(
      deliveries(harness)
        .map((row) => [row.status, row.providerMessageId])
        .sort(),
    ).toEqual([
      ["sent", "survivor-1"],
      ["sent", "survivor-2"],
    ]);
  });

  it("gives the owner up on stop and keeps no owner rows of relays long dead", async () => {
    harness = await createPagerHarness({ providers: false });
    const { db } = harness.database;
    const outbox = new SqliteDeliveryOutbox(db);
    outbox.renewOwner("rly_long_gone", harness.clock.now() - 3 * 60 * 60_000, harness.clock.now() - 2 * 60 * 60_000);
    const relay = relayOn(harness, harness.clock, {});
    relay.start();
    const owners = () => db.select().from(pagerRelayOwner).all();
    expect(owners().map((row) => row.ownerId)).toEqual([relay.ownerId]);
    expect(owners()[0]!.aliveUntilMs).toBe(harness.clock.now() + RELAY_DEFAULTS.ownerTimeoutMs);

    await harness.clock.advance(RELAY_DEFAULTS.heartbeatEveryMs);
    expect(owners()[0]!.aliveUntilMs).toBe(harness.clock.now() + RELAY_DEFAULTS.ownerTimeoutMs);
    await relay.stop();
    expect(db.select().from(pagerRelayOwner).where(eq(pagerRelayOwner.ownerId, relay.ownerId)).all()).toEqual([]);
  });
});
