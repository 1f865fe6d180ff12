/**
 * Notifications leave through the outbox after the commit: real SMTP (smtp-server) and a local Twilio-shaped
 * HTTP receiver get exactly what the relay sends; retries wait on the ManualClock; an unconfigured provider is
 * recorded as not sent with the reason.
 */
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pagerDelivery } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";
import { messageIdFor, SmtpMailer } from "./adapters/smtp-mailer";
import { SqliteDeliveryOutbox } from "./adapters/sqlite-delivery-outbox";
import { TwilioSms } from "./adapters/twilio-sms";
import { OutboxRelay, RELAY_DEFAULTS, TAKEOVER_TARGET_MS, takeoverBoundMs, worstCaseClaimMs } from "./outbox-relay";
import type { EmailSender, OutgoingEmail, OutgoingSms, SendResult, SmsSender } from "./ports";

const system = systemActor("test");
let harness: PagerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A sender whose sends wait until the test settles them (or the relay aborts them), to hold a claim open. */
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

/** Moves the manual clock in small steps while the relay waits between retries. */
async function driveRetries(h: PagerHarness) {
  for (let round = 0; round < 200; round++) {
    await h.clock.advance(1000);
    let idle = false;
    await Promise.race([
      h.engine.whenIdle().then(() => (idle = true)),
      new Promise((resolve) => setTimeout(resolve, 5)),
    ]);
    if (idle) return;
  }
}

describe("the outbox relay", () => {
  it("sends each e-mail over SMTP and each text message to the SMS API once, with the delivery's idempotency key", async () => {
    harness = await createPagerHarness();
    await harness.engine.start();
    const opened = harness.pager.useCases.receiveAlert({
      serviceId: harness.serviceId,
      summary: "disk full",
      actor: system,
    });
    await harness.settle();

    expect(harness.smtp!.messages).toHaveLength(1);
    const mail = harness.smtp!.messages[0]!;
    expect(mail.to).toEqual(["first@example.com"]);
    expect(mail.subject).toContain("disk full");
    expect(mail.idempotencyKey).toMatch(/level-1\/round-0\/email:first@example\.com$/);
    // Every send of this page carries the same Message-ID, derived from the key: a copy is recognisable.
    expect(mail.raw).toMatch(new RegExp(`^Message-ID: ${messageIdFor(mail.idempotencyKey!)}\r?$`, "mi"));
    expect(messageIdFor(mail.idempotencyKey!)).toMatch(/^<[0-9a-f]{32}@watchpost>$/);
    expect(harness.sms!.messages).toHaveLength(1);
    const text = harness.sms!.messages[0]!;
    expect(text).toMatchObject({
      path: "/2010-04-01/Accounts/ACtest/Messages.json",
      to: "+15550000001",
      from: "+15550100",
    });
    expect(text.idempotencyToken).toMatch(/sms:\+15550000001$/);
    expect(text.authorization).toBe(`Basic ${Buffer.from("ACtest:secret-token").toString("base64")}`);
    expect(text.body).toContain(opened.outcome === "opened" ? opened.incidentId : "?");
    expect(deliveries(harness).map((row) => [row.status, row.attempts])).toEqual([
      ["sent", 1],
      ["sent", 1],
    ]);
  });

  it("retries a failing SMS provider with backoff on the clock and sends the message once it answers", async () => {
    harness = await createPagerHarness();
    harness.sms!.failNext(2);
    await harness.engine.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    await driveRetries(harness);

    expect(harness.sms!.messages).toHaveLength(1);
    const sms = deliveries(harness).find((row) => row.channel === "sms")!;
    expect(sms).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("gives up on a permanent 4xx from the SMS provider and records why", async () => {
    harness = await createPagerHarness();
    harness.sms!.failNext(1, 400);
    await harness.engine.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    await harness.settle();

    const sms = deliveries(harness).find((row) => row.channel === "sms")!;
    expect(sms.status).toBe("failed");
    expect(sms.attempts).toBe(1);
    expect(sms.reason).toContain("400");
  });

  it("records a delivery as not sent, with the reason, when no provider is configured", async () => {
    harness = await createPagerHarness({ providers: false });
    await harness.engine.start();
    const opened = harness.pager.useCases.receiveAlert({
      serviceId: harness.serviceId,
      summary: "disk full",
      actor: system,
    });
    await harness.settle();

    const page = harness.pager.readModel.getIncident(opened.outcome === "opened" ? opened.incidentId : "")!;
    expect(page.deliveries.map((row) => [row.channel, row.status, row.reason])).toEqual([
      ["email", "not_sent", "No mail provider is configured: SMTP_URL is not set."],
      ["sms", "not_sent", "No SMS provider is configured: SMS_API_URL is not set."],
    ]);
  });

  it("keeps deliveries queued while the engine is stopped and sends them when it starts", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    await harness.settle();
    expect(deliveries(harness).every((row) => row.status === "pending")).toBe(true);

    await harness.engine.start();
    await harness.settle();
    expect(harness.smtp!.messages).toHaveLength(1);
    expect(deliveries(harness).every((row) => row.status === "sent")).toBe(true);
  });

  it("never sends a row twice when two relays (two processes) work on the same outbox", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const { db } = harness.database;
    const makeRelay = () =>
      new OutboxRelay({
        outbox: new SqliteDeliveryOutbox(db),
        clock: harness!.clock,
        random: new SeededRandom(3),
        logger: createLogger("relay-test"),
        email: new SmtpMailer(harness!.smtp!.url, "Watchpost <pager@test.local>"),
        sms: new TwilioSms({ apiUrl: harness!.sms!.url, accountSid: "ACtest", from: "+15550100" }),
      });
    const first = makeRelay();
    const second = makeRelay();
    await Promise.all([first.deliverBatch(), second.deliverBatch(), first.deliverBatch()]);

    expect(harness.smtp!.messages).toHaveLength(1);
    expect(harness.sms!.messages).toHaveLength(1);
  });

  it("takes a live owner's row over only once its lease ran out (a send hanging past its bounds)", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const { db } = harness.database;
    const outbox = new SqliteDeliveryOutbox(db);
    // An owner whose heartbeat stays alive for the whole test, holding the e-mail with a lease of one minute.
    outbox.renewOwner("rly_hung", harness.clock.now(), harness.clock.now() + 10 * 60_000);
    db.update(pagerDelivery)
      .set({ status: "sending", claimedBy: "rly_hung", leaseUntilMs: harness.clock.now() + 60_000 })
      .where(eq(pagerDelivery.channel, "email"))
      .run();
    await harness.engine.start();
    await harness.clock.advance(59_000);
    await harness.settle();
    expect(harness.smtp!.messages).toHaveLength(0);

    await harness.clock.advance(2_000);
    await harness.settle();
    expect(harness.smtp!.messages).toHaveLength(1);
  });

  it("does not let a relay whose lease was taken over overwrite the new owner's result", async () => {
    harness = await createPagerHarness({ providers: false });
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const { db } = harness.database;
    const makeRelay = (sender: HeldSender) =>
      new OutboxRelay({
        outbox: new SqliteDeliveryOutbox(db),
        clock: harness!.clock,
        random: new SeededRandom(3),
        logger: createLogger("relay-test"),
        email: sender,
        sms: sender,
        leaseMs: 60_000,
        maxAttempts: 1,
      });
    const slow = new HeldSender();
    const slowPass = makeRelay(slow).deliverBatch();
    await until(() => slow.held.length === 2);

    // The slow relay's lease runs out; another relay takes both rows over and starts sending.
    await harness.clock.advance(61_000);
    const next = new HeldSender();
    const nextPass = makeRelay(next).deliverBatch();
    await until(() => next.held.length === 2);

    // The slow relay finishes late — one send succeeded, one failed: neither result may land.
    slow.held[0]!.resolve({ providerMessageId: "from-the-slow-relay" });
    slow.held[1]!.reject(new Error("slow relay failed"));
    await slowPass;
    expect(deliveries(harness).map((row) => row.status)).toEqual(["sending", "sending"]);

    next.held[0]!.resolve({ providerMessageId: "next-1" });
    next.held[1]!.resolve({ providerMessageId: "next-2" });
    await nextPass;
    expect(
      deliveries(harness)
        .map((row) => [row.status, row.providerMessageId, row.reason])
        .sort(),
    ).toEqual([
      ["sent", "next-1", null],
      ["sent", "next-2", null],
    ]);
  });

  it("refuses an owner timeout that one late heartbeat could outrun; the defaults take over within 15 s", async () => {
    harness = await createPagerHarness({ providers: false });
    const base = {
      outbox: new SqliteDeliveryOutbox(harness.database.db),
      clock: harness.clock,
      random: new SeededRandom(3),
      logger: createLogger("relay-test"),
    };
    expect(() => new OutboxRelay({ ...base, heartbeatEveryMs: 5_000, ownerTimeoutMs: 10_000 })).toThrow(
      /must exceed two heartbeat periods/,
    );
    expect(takeoverBoundMs(RELAY_DEFAULTS)).toBeLessThanOrEqual(TAKEOVER_TARGET_MS);
    expect(TAKEOVER_TARGET_MS).toBe(15_000);
  });

  it("refuses retry settings whose worst case outlives the lease; the defaults fit with room to spare", async () => {
    harness = await createPagerHarness({ providers: false });
    const base = {
      outbox: new SqliteDeliveryOutbox(harness.database.db),
      clock: harness.clock,
      random: new SeededRandom(3),
      logger: createLogger("relay-test"),
    };
    const email = new SmtpMailer("smtp://127.0.0.1:1", "Watchpost <pager@test.local>");
    const sms = new TwilioSms({ apiUrl: "http://127.0.0.1:1", accountSid: "ACtest", from: "+15550100" });
    expect(email.maxSendMs).toBeLessThanOrEqual(30_000);
    expect(() => new OutboxRelay({ ...base, email, sms, maxAttempts: 10, leaseMs: 5 * 60_000 })).toThrow(
      /do not fit the lease/,
    );
    expect(() => new OutboxRelay({ ...base, email, sms })).not.toThrow();
    expect(
      worstCaseClaimMs({ maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 30_000, maxSendMs: email.maxSendMs }),
    ).toBeLessThan(0.6 * 5 * 60_000);
    email.close();
  });

  it("gives up on an SMTP server that accepts the connection but never greets, within the greeting timeout", async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve()));
    const { port } = silent.address() as AddressInfo;
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, "Watchpost <pager@test.local>", {
      greetingTimeoutMs: 200,
      sendTimeoutMs: 5000,
    });
    try {
      const started = performance.now();
      await expect(mailer.send({ to: "a@example.com", subject: "s", text: "t", idempotencyKey: "k" })).rejects.toThrow(
        /greeting/i,
      );
      expect(performance.now() - started).toBeLessThan(4000);
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("returns from stop() promptly while a send is backing off, and leaves the row to another relay at once", async () => {
    harness = await createPagerHarness();
    harness.sms!.failNext(10);
    await harness.engine.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const sms = () => deliveries(harness!).find((row) => row.channel === "sms")!;
    // The poller's tick and the relay's heartbeat are two pending timers; the backoff wait of the failed SMS the third.
    await until(
      () => sms().attempts === 1 && harness!.clock.pendingTimers() >= 3 && harness!.smtp!.messages.length === 1,
    );

    const outcome = await Promise.race([
      harness.engine.stop().then(() => "stopped"),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2000)),
    ]);
    expect(outcome).toBe("stopped");
    expect(sms()).toMatchObject({ status: "sending", attempts: 1 });
    expect(sms().leaseUntilMs).toBeGreaterThan(harness.clock.now());
    expect(harness.sms!.messages).toHaveLength(0);

    // The stopped relay gave its owner up: another relay takes the row over now, long before the lease ends.
    harness.sms!.failNext(0);
    const next = new OutboxRelay({
      outbox: new SqliteDeliveryOutbox(harness.database.db),
      clock: harness.clock,
      random: new SeededRandom(3),
      logger: createLogger("relay-test"),
      sms: new TwilioSms({ apiUrl: harness.sms!.url, accountSid: "ACtest", from: "+15550100" }),
    });
    expect(await next.deliverBatch()).toBe(1);
    expect(sms()).toMatchObject({ status: "sent", attempts: 2, claimedBy: next.ownerId });
    expect(harness.sms!.messages).toHaveLength(1);
  });
});
