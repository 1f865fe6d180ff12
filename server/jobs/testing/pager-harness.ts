/**
 * Test support for the pager (used only by tests): a migrated temporary database, a ManualClock, the real
 * wired pager (server/jobs/pager.ts, so tests run what production runs), and real SMTP and SMS receivers
 * (server/pager/testing/provider-receivers.ts). It lives under server/jobs/ because it needs the wiring, which
 * server/pager/ must never import.
 */
import { UserDirectory } from "@/server/auth/users";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { SmtpMailer } from "@/server/pager/adapters/smtp-mailer";
import { TwilioSms } from "@/server/pager/adapters/twilio-sms";
import type { PagerEngine } from "@/server/pager/engine";
import type { PolicyInput } from "@/server/pager/model";
import { startSmsReceiver, startSmtpReceiver } from "@/server/pager/testing/provider-receivers";
import type { EngineDependencies } from "../engine";
import { wirePager, type PagerModuleOptions, type PagerWiring } from "../pager";

export const TWO_LEVEL_POLICY: PolicyInput = {
  name: "Two levels",
  levels: [
    {
      delayMinutes: 15,
      targets: [
        { channel: "email", address: "first@example.com" },
        { channel: "sms", address: "+15550000001" },
      ],
    },
    {
      delayMinutes: 15,
      targets: [
        { channel: "email", address: "second@example.com" },
        { channel: "sms", address: "+15550000002" },
      ],
    },
  ],
  repeatCount: 0,
};

export type PagerHarness = {
  database: TestDatabase;
  clock: ManualClock;
  bus: InProcessEventBus;
  dependencies: EngineDependencies;
  engine: PagerEngine;
  /** The wired pager: its console, and the use cases, inbound handler and read model that tests drive directly. */
  pager: PagerWiring;
  smtp: Awaited<ReturnType<typeof startSmtpReceiver>> | undefined;
  sms: Awaited<ReturnType<typeof startSmsReceiver>> | undefined;
  serviceId: string;
  /** Lets the relay finish every send in flight. */
  settle: () => Promise<void>;
  close: () => Promise<void>;
};

export async function createPagerHarness(
  options: { providers?: boolean; policy?: PolicyInput; database?: TestDatabase; module?: PagerModuleOptions } = {},
): Promise<PagerHarness> {
  const database = options.database ?? createTestDatabase();
  const clock = new ManualClock();
  const bus = new InProcessEventBus();
  const smtp = options.providers === false ? undefined : await startSmtpReceiver();
  const sms = options.providers === false ? undefined : await startSmsReceiver();
  const config = parseConfig({ WATCHPOST_BASE_URL: "http://console.test", NODE_ENV: "test" });
  const dependencies: EngineDependencies = {
    config,
    db: database.db,
    clock,
    random: new SeededRandom(7),
    bus,
    logger: createLogger("pager-test"),
    people: new UserDirectory(database.db, clock),
  };
  const pager = wirePager(dependencies, {
    email: smtp ? new SmtpMailer(smtp.url, "Watchpost <pager@test.local>") : null,
    sms: sms
      ? new TwilioSms({ apiUrl: sms.url, accountSid: "ACtest", authToken: "secret-token", from: "+15550100" })
      : null,
    ...options.module,
  });
  const actor = systemActor("test");
  const policy = pager.useCases.createPolicy(options.policy ?? TWO_LEVEL_POLICY, actor);
  const service = pager.console.createService({ name: "Checkout", description: "", policyId: policy.id }, actor);
  return {
    database,
    clock,
    bus,
    dependencies,
    engine: pager.engine,
    pager,
    smtp,
    sms,
    serviceId: service.id,
    settle: async () => {
      await pager.engine.whenIdle();
    },
    close: async () => {
      await pager.engine.stop();
      await smtp?.close();
      await sms?.close();
      if (!options.database) database.close();
    },
  };
}
