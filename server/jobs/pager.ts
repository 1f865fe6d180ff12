/**
 * Wires the pager (server/pager) to its adapters: the SQLite unit of work, read model, outbox and timer queue,
 * the SMTP and SMS senders chosen from the configuration, and the event bus. The engine (server/pager/engine.ts)
 * owns the relay, the timer poller, the bus subscription and the dead letters' retention; the console
 * (server/pager/console.ts) is what the router and the ingest route call.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { pagerPolicy } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { SmtpMailer } from "@/server/pager/adapters/smtp-mailer";
import { SqliteDeliveryOutbox } from "@/server/pager/adapters/sqlite-delivery-outbox";
import { SqliteDueTimerQueue } from "@/server/pager/adapters/sqlite-due-timer-queue";
import { SqlitePagerQueries } from "@/server/pager/adapters/sqlite-pager-queries";
import { SqlitePagerStore } from "@/server/pager/adapters/sqlite-pager-store";
import { TwilioSms } from "@/server/pager/adapters/twilio-sms";
import { createPagerConsole, type PagerConsole } from "@/server/pager/console";
import { DEMO_INTEGRATION_KEYS, DEMO_STANDARD_POLICY } from "@/server/pager/demo-data";
import { PagerEngine } from "@/server/pager/engine";
import { PagerInbound } from "@/server/pager/inbound";
import type { EmailSender, SmsSender } from "@/server/pager/ports";
import type { PagerReadModel } from "@/server/pager/read-model";
import { PagerUseCases } from "@/server/pager/use-cases";
import { DEMO_POLICIES, DEMO_SERVICES } from "./demo-ids";
import type { EngineDependencies, EngineModule } from "./engine";

export type PagerModuleOptions = {
  /** Overrides the senders built from SMTP_URL / SMS_API_URL (tests); `null` means "not configured". */
  email?: EmailSender | null;
  sms?: SmsSender | null;
  pollIntervalMs?: number;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** The outbox relay's owner heartbeat and lease (tests); the defaults meet the 15 s takeover after a crash. */
  relay?: { ownerId?: string; heartbeatEveryMs?: number; ownerTimeoutMs?: number; leaseMs?: number };
};

export type PagerModule = EngineModule<PagerConsole> & { engine: PagerEngine };

/** The wired pager: the module, plus the use cases, inbound handler and read model that the test harness drives directly. */
export type PagerWiring = PagerModule & { useCases: PagerUseCases; inbound: PagerInbound; readModel: PagerReadModel };

export function createPagerModule(dependencies: EngineDependencies, options: PagerModuleOptions = {}): PagerModule {
  const wiring = wirePager(dependencies, options);
  return { engine: wiring.engine, console: wiring.console };
}

export function wirePager(dependencies: EngineDependencies, options: PagerModuleOptions = {}): PagerWiring {
  const { config, db, clock, random, bus } = dependencies;
  const logger = dependencies.logger.child({ engine: "pager" });
  const store = new SqlitePagerStore(db, clock);
  const queries = new SqlitePagerQueries(db, clock);
  const useCases = new PagerUseCases({ store, clock, baseUrl: config.WATCHPOST_BASE_URL });
  const email =
    options.email !== undefined
      ? (options.email ?? undefined)
      : config.SMTP_URL
        ? new SmtpMailer(config.SMTP_URL, config.SMTP_FROM)
        : undefined;
  const sms =
    options.sms !== undefined
      ? (options.sms ?? undefined)
      : config.SMS_API_URL
        ? new TwilioSms({
            apiUrl: config.SMS_API_URL,
            accountSid: config.SMS_ACCOUNT_SID,
            authToken: config.SMS_AUTH_TOKEN,
            from: config.SMS_FROM,
          })
        : undefined;
  const inbound = new PagerInbound({
    useCases,
    findServiceByIntegrationKey: (key) => queries.findServiceByIntegrationKey(key),
    recordDeadLetter: (source, reason, rawBody) => queries.recordDeadLetter(source, reason, rawBody),
  });
  const engine = new PagerEngine({
    useCases,
    inbound,
    outbox: new SqliteDeliveryOutbox(db),
    timers: new SqliteDueTimerQueue(db),
    deadLetters: queries,
    email,
    sms,
    emailMissingReason: "No mail provider is configured: SMTP_URL is not set.",
    smsMissingReason: "No SMS provider is configured: SMS_API_URL is not set.",
    bus,
    clock,
    random,
    logger,
    pollIntervalMs: options.pollIntervalMs,
    retry: options.retry,
    relay: options.relay,
  });
  const pagerConsole = createPagerConsole({
    useCases,
    readModel: queries,
    inbound,
    newIntegrationKey: () => `wpk_${randomBytes(16).toString("hex")}`,
  });
  return { engine, console: pagerConsole, useCases, inbound, readModel: queries };
}

/**
 * Adds the pager demo rows on first start (demo mode): the standard policy, three services, one open incident.
 * The check and every insert are one IMMEDIATE transaction (the use cases' own transactions nest as savepoints
 * on the same connection), so two processes starting on a new database cannot both insert the fixed ids, and a
 * failure half-way leaves nothing behind.
 */
export function seedPagerDemo(dependencies: EngineDependencies): void {
  const { db, clock, config } = dependencies;
  const useCases = new PagerUseCases({
    store: new SqlitePagerStore(db, clock),
    clock,
    baseUrl: config.WATCHPOST_BASE_URL,
  });
  db.$client.transaction(() => seedPagerDemoRows(db, useCases)).immediate();
}

function seedPagerDemoRows(db: EngineDependencies["db"], useCases: PagerUseCases): void {
  if (db.select({ id: pagerPolicy.id }).from(pagerPolicy).where(eq(pagerPolicy.id, DEMO_POLICIES.standard)).get())
    return;
  const actor = systemActor("demo-seed");
  useCases.createPolicy(DEMO_STANDARD_POLICY, actor, DEMO_POLICIES.standard);
  const services = [
    {
      id: DEMO_SERVICES.checkout,
      name: "Checkout",
      description: "Cart, payment and order confirmation.",
      key: DEMO_INTEGRATION_KEYS.checkout,
    },
    {
      id: DEMO_SERVICES.search,
      name: "Search",
      description: "Product search and suggestions.",
      key: DEMO_INTEGRATION_KEYS.search,
    },
    {
      id: DEMO_SERVICES.database,
      name: "Orders database",
      description: "The primary SQL database behind orders.",
      key: DEMO_INTEGRATION_KEYS.database,
    },
  ];
  for (const service of services) {
    useCases.createService(
      { name: service.name, description: service.description, policyId: DEMO_POLICIES.standard },
      service.key,
      actor,
      service.id,
    );
  }
  useCases.receiveAlert({
    serviceId: DEMO_SERVICES.database,
    summary: "Replication lag above 30 s on the orders replica",
    dedupKey: "demo-replication-lag",
    actor,
  });
}
