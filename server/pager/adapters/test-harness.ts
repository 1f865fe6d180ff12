/**
 * Test support for the pager (used only by *.test.ts): a migrated temporary database, a ManualClock, the real
 * pager module, a real in-process SMTP server (smtp-server) and a local HTTP receiver shaped like Twilio's
 * Messages API — so tests check what the providers actually receive.
 */
import { UserDirectory } from "@/server/auth/users";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createPagerModule, type PagerModuleOptions, type PagerServices } from "@/server/jobs/pager";
import type { Engine, EngineDependencies } from "@/server/jobs/engine";
import type { PolicyInput } from "../model";
import { SmtpMailer } from "./smtp-mailer";
import { TwilioSms } from "./twilio-sms";

export type ReceivedMail = { to: string[]; raw: string; subject: string; idempotencyKey: string | undefined };

export async function startSmtpReceiver(): Promise<{ url: string; messages: ReceivedMail[]; close: () => Promise<void> }> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const headers = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
        const header = (name: string) => headers.match(new RegExp(`^${name}: (.*)$`, "mi"))?.[1]?.trim();
        messages.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, subject: header("Subject") ?? "", idempotencyKey: header("X-Watchpost-Idempotency-Key") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export type ReceivedSms = { path: string; to: string; from: string; body: string; idempotencyToken: string | undefined; authorization: string | undefined };

/** A local Twilio-shaped receiver; `failNext` makes the next N requests answer 503. */
export async function startSmsReceiver(): Promise<{ url: string; messages: ReceivedSms[]; failNext: (count: number, status?: number) => void; close: () => Promise<void> }> {
  const messages: ReceivedSms[] = [];
  let failures = 0;
  let failureStatus = 503;
  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
  const server: Server = createServer(async (request, response) => {
    const form = new URLSearchParams(await readBody(request));
    if (failures > 0) {
      failures--;
      response.writeHead(failureStatus, { "content-type": "application/json" }).end(JSON.stringify({ message: "try later" }));
      return;
    }
    messages.push({
      path: request.url ?? "",
      to: form.get("To") ?? "",
      from: form.get("From") ?? "",
      body: form.get("Body") ?? "",
      idempotencyToken: request.headers["i-twilio-idempotency-token"] as string | undefined,
      authorization: request.headers.authorization,
    });
    response.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ sid: `SM${messages.length.toString().padStart(32, "0")}`, status: "queued" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    failNext: (count, status = 503) => {
      failures = count;
      failureStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const TWO_LEVEL_POLICY: PolicyInput = {
  name: "Two levels",
  levels: [
    { delayMinutes: 15, targets: [{ channel: "email", address: "first@example.com" }, { channel: "sms", address: "+15550000001" }] },
    { delayMinutes: 15, targets: [{ channel: "email", address: "second@example.com" }, { channel: "sms", address: "+15550000002" }] },
  ],
  repeatCount: 0,
};

export type PagerHarness = {
  database: TestDatabase;
  clock: ManualClock;
  bus: InProcessEventBus;
  dependencies: EngineDependencies;
  engine: Engine;
  pager: PagerServices;
  smtp: Awaited<ReturnType<typeof startSmtpReceiver>> | undefined;
  sms: Awaited<ReturnType<typeof startSmsReceiver>> | undefined;
  serviceId: string;
  /** Lets the relay finish every send in flight. */
  settle: () => Promise<void>;
  close: () => Promise<void>;
};

export async function createPagerHarness(options: { providers?: boolean; policy?: PolicyInput; database?: TestDatabase; module?: PagerModuleOptions } = {}): Promise<PagerHarness> {
  const database = options.database ?? createTestDatabase();
  const clock = new ManualClock();
  const bus = new InProcessEventBus();
  const smtp = options.providers === false ? undefined : await startSmtpReceiver();
  const sms = options.providers === false ? undefined : await startSmsReceiver();
  const config = parseConfig({ WATCHPOST_BASE_URL: "http://console.test", NODE_ENV: "test" });
  const dependencies: EngineDependencies = { config, db: database.db, clock, random: new SeededRandom(7), bus, logger: createLogger("pager-test"), people: new UserDirectory(database.db, clock) };
  const pagerModule = createPagerModule(dependencies, {
    email: smtp ? new SmtpMailer(smtp.url, "Watchpost <pager@test.local>") : null,
    sms: sms ? new TwilioSms({ apiUrl: sms.url, accountSid: "ACtest", authToken: "secret-token", from: "+15550100" }) : null,
    ...options.module,
  });
  const pager = pagerModule.console;
  const actor = systemActor("test");
  const policy = pager.useCases.createPolicy(options.policy ?? TWO_LEVEL_POLICY, actor);
  const service = pager.useCases.createService({ name: "Checkout", description: "", policyId: policy.id }, pager.newIntegrationKey(), actor);
  return {
    database,
    clock,
    bus,
    dependencies,
    engine: pagerModule.engine,
    pager,
    smtp,
    sms,
    serviceId: service.id,
    settle: async () => {
      await pager.relay.idle();
    },
    close: async () => {
      await pagerModule.engine.stop();
      await smtp?.close();
      await sms?.close();
      if (!options.database) database.close();
    },
  };
}
