/**
 * Notifications leave through the outbox after the commit: real SMTP (smtp-server) and a local Twilio-shaped
 * HTTP receiver get exactly what the relay sends; retries wait on the ManualClock; an unconfigured provider is
 * recorded as not sent with the reason.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { pagerDelivery } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { OutboxRelay } from "./outbox-relay";
import { SmtpMailer } from "./smtp-mailer";
import { createPagerHarness, type PagerHarness } from "./test-harness";
import { TwilioSms } from "./twilio-sms";

const system = systemActor("test");
let harness: PagerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function deliveries(h: PagerHarness) {
  return h.database.db.select().from(pagerDelivery).all();
}

/** Moves the manual clock in small steps while the relay waits between retries. */
async function driveRetries(h: PagerHarness, relay = h.pager.relay) {
  for (let round = 0; round < 200; round++) {
    await h.clock.advance(1000);
    let idle = false;
    await Promise.race([relay.idle().then(() => (idle = true)), new Promise((resolve) => setTimeout(resolve, 5))]);
    if (idle) return;
  }
}

describe("the outbox relay", () => {
  it("sends each e-mail over SMTP and each text message to the SMS API once, with the delivery's idempotency key", async () => {
    harness = await createPagerHarness();
    await harness.engine.start();
    const opened = harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    await harness.settle();

    expect(harness.smtp!.messages).toHaveLength(1);
    const mail = harness.smtp!.messages[0]!;
    expect(mail.to).toEqual(["first@example.com"]);
    expect(mail.subject).toContain("disk full");
    expect(mail.idempotencyKey).toMatch(/level-1\/round-0\/email:first@example\.com$/);
    expect(harness.sms!.messages).toHaveLength(1);
    const text = harness.sms!.messages[0]!;
    expect(text).toMatchObject({ path: "/2010-04-01/Accounts/ACtest/Messages.json", to: "+15550000001", from: "+15550100" });
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
    const opened = harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    await harness.settle();

    const page = harness.pager.queries.getIncident(opened.outcome === "opened" ? opened.incidentId : "")!;
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
        db,
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

  it("takes over a row whose sender died once its lease ran out", async () => {
    harness = await createPagerHarness();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "disk full", actor: system });
    const { db } = harness.database;
    db.update(pagerDelivery).set({ status: "sending", leaseUntilMs: harness.clock.now() + 60_000 }).where(eq(pagerDelivery.channel, "email")).run();
    await harness.engine.start();
    await harness.settle();
    expect(harness.smtp!.messages).toHaveLength(0);

    await harness.clock.advance(61_000);
    await harness.settle();
    expect(harness.smtp!.messages).toHaveLength(1);
  });
});
