/**
 * Pages survive a crash within seconds, with real processes and wall time: a child process running a relay with
 * the default heartbeat claims the level-1 e-mail and SMS, sends the e-mail, and is killed with SIGKILL while its
 * SMS request is in flight (the provider took it and has not answered). A relay in this process, polling all
 * along, leaves the live owner's claim alone and sends the SMS within 15 s of the kill. The in-flight request
 * reached the provider too: both carry the same idempotency key, which is what lets the provider drop the copy.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pagerDelivery } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";
import { OutboxRelay, RELAY_DEFAULTS, TAKEOVER_TARGET_MS, takeoverBoundMs } from "../outbox-relay";
import { SmtpMailer } from "./smtp-mailer";
import { SqliteDeliveryOutbox } from "./sqlite-delivery-outbox";
import { TwilioSms } from "./twilio-sms";

let harness: PagerHarness | undefined;
let child: ChildProcess | undefined;
let survivor: OutboxRelay | undefined;
let mailer: SmtpMailer | undefined;

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await survivor?.stop();
  mailer?.close();
  await harness?.close();
  harness = child = survivor = mailer = undefined;
});

function startCrashingRelay(databasePath: string, smtpUrl: string, smsUrl: string) {
  const process_ = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "../testing/outbox-relay-process.fixture.ts"),
      databasePath,
      smtpUrl,
      smsUrl,
    ],
    { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
  );
  const owner = new Promise<string>((resolve, reject) => {
    createInterface({ input: process_.stdout! }).on("line", (line) => {
      if (line.startsWith("owner ")) resolve(line.slice("owner ".length));
    });
    process_.once("exit", (code, signal) => reject(new Error(`the relay process exited early (${code ?? signal})`)));
  });
  const exited = new Promise<void>((resolve) => process_.once("exit", () => resolve()));
  return { process: process_, owner, exited };
}

describe("a relay process killed mid-delivery", () => {
  it("has its SMS sent by the surviving relay within 15 s of wall time, with the same idempotency key", async () => {
    expect(takeoverBoundMs(RELAY_DEFAULTS)).toBeLessThanOrEqual(TAKEOVER_TARGET_MS);
    harness = await createPagerHarness();
    const { smtp, sms } = harness;
    sms!.holdNext(1);
    harness.pager.useCases.receiveAlert({
      serviceId: harness.serviceId,
      summary: "disk full",
      actor: systemActor("test"),
    });
    const { db } = harness.database;
    const rows = () => db.select().from(pagerDelivery).all();
    const smsRow = () => rows().find((row) => row.channel === "sms")!;

    const crashing = startCrashingRelay(harness.database.filePath, smtp!.url, sms!.url);
    child = crashing.process;
    const deadOwner = await crashing.owner;
    await vi.waitFor(() => expect(sms!.arrivals).toHaveLength(1), { timeout: 20_000, interval: 20 });
    await vi.waitFor(() => expect(smtp!.messages).toHaveLength(1), { timeout: 10_000, interval: 20 });

    // The survivor, with the defaults, polls beside the live owner: the owner's claim stays its own.
    mailer = new SmtpMailer(smtp!.url, "Watchpost <pager@test.local>");
    survivor = new OutboxRelay({
      outbox: new SqliteDeliveryOutbox(db),
      clock: new SystemClock(),
      random: new SeededRandom(5),
      logger: createLogger("surviving-relay"),
      email: mailer,
      sms: new TwilioSms({ apiUrl: sms!.url, accountSid: "ACtest", from: "+15550100" }),
    });
    survivor.start();
    await new Promise((resolve) => setTimeout(resolve, RELAY_DEFAULTS.heartbeatEveryMs + 500));
    expect(smsRow()).toMatchObject({ status: "sending", claimedBy: deadOwner });
    expect(sms!.arrivals).toHaveLength(1);

    child.kill("SIGKILL");
    const killedAt = performance.now();
    await crashing.exited;
    await vi.waitFor(() => expect(sms!.messages).toHaveLength(1), { timeout: 30_000, interval: 20 });
    const delayMs = performance.now() - killedAt;

    expect(delayMs).toBeLessThan(TAKEOVER_TARGET_MS);
    await survivor.whenIdle();
    expect(smsRow()).toMatchObject({ status: "sent", claimedBy: survivor.ownerId, attempts: 2 });
    // The in-flight request reached the provider as well: the same key on both.
    expect(sms!.arrivals).toHaveLength(2);
    expect(sms!.arrivals[1]!.idempotencyToken).toBe(sms!.arrivals[0]!.idempotencyToken);
    expect(sms!.arrivals[0]!.idempotencyToken).toBe(smsRow().idempotencyKey);
    // The e-mail the dead process had sent is not sent again.
    expect(smtp!.messages).toHaveLength(1);
    expect(rows().find((row) => row.channel === "email")).toMatchObject({ status: "sent", claimedBy: deadOwner });
    console.info(`SMS of the killed relay sent by the survivor ${Math.round(delayMs)} ms after SIGKILL`);
  }, 90_000);
});
