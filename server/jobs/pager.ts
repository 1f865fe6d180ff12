/**
 * Wires the pager engine (server/pager) to its adapters for the runner and the tRPC routers: the SQLite unit
 * of work, the outbox relay with the SMTP and SMS senders chosen from the configuration, the durable-timer
 * poller on the runtime Clock, and the subscription to the alert engine's state changes.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { pagerPolicy } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { OutboxRelay } from "@/server/pager/adapters/outbox-relay";
import { SmtpMailer } from "@/server/pager/adapters/smtp-mailer";
import { SqlitePagerQueries } from "@/server/pager/adapters/sqlite-pager-queries";
import { SqlitePagerStore } from "@/server/pager/adapters/sqlite-pager-store";
import { TimerPoller } from "@/server/pager/adapters/timer-poller";
import { TwilioSms } from "@/server/pager/adapters/twilio-sms";
import { DEMO_INTEGRATION_KEYS, DEMO_STANDARD_POLICY } from "@/server/pager/demo-data";
import { PagerInbound } from "@/server/pager/inbound";
import type { EmailSender, SmsSender } from "@/server/pager/ports";
import { PagerUseCases } from "@/server/pager/use-cases";
import { DEMO_POLICIES, DEMO_SERVICES } from "./demo-ids";
import type { EngineDependencies, EngineModule } from "./engine";

export interface PagerServices {
  useCases: PagerUseCases;
  queries: SqlitePagerQueries;
  inbound: PagerInbound;
  relay: OutboxRelay;
  poller: TimerPoller;
  /** A fresh integration key for a new service. */
  newIntegrationKey(): string;
}

const DEAD_LETTER_PRUNE_INTERVAL_MS = 60_000;

export type PagerModuleOptions = {
  /** Overrides the senders built from SMTP_URL / SMS_API_URL (tests); `null` means "not configured". */
  email?: EmailSender | null;
  sms?: SmsSender | null;
  pollIntervalMs?: number;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
};

export function createPagerModule(dependencies: EngineDependencies, options: PagerModuleOptions = {}): EngineModule<PagerServices> {
  const { config, db, clock, random, bus } = dependencies;
  const logger = dependencies.logger.child({ engine: "pager" });
  let lastPruneMs = Number.NEGATIVE_INFINITY;
  const store = new SqlitePagerStore(db, clock);
  const queries = new SqlitePagerQueries(db, clock);
  const useCases = new PagerUseCases({ store, clock, baseUrl: config.WATCHPOST_BASE_URL });
  const email = options.email !== undefined ? (options.email ?? undefined) : config.SMTP_URL ? new SmtpMailer(config.SMTP_URL, config.SMTP_FROM) : undefined;
  const sms =
    options.sms !== undefined
      ? (options.sms ?? undefined)
      : config.SMS_API_URL
        ? new TwilioSms({ apiUrl: config.SMS_API_URL, accountSid: config.SMS_ACCOUNT_SID, authToken: config.SMS_AUTH_TOKEN, from: config.SMS_FROM })
        : undefined;
  const relay = new OutboxRelay({
    db,
    clock,
    random,
    logger: logger.child({ component: "outbox-relay" }),
    email,
    sms,
    emailMissingReason: "No mail provider is configured: SMTP_URL is not set.",
    smsMissingReason: "No SMS provider is configured: SMS_API_URL is not set.",
    ...options.retry,
  });
  relay.pause();
  const poller = new TimerPoller({
    db,
    clock,
    useCases,
    logger: logger.child({ component: "timer-poller" }),
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    // Each tick also wakes the relay: it picks up rows other processes queued and rows whose sender died.
    // And, once a minute, applies the dead letters' retention, so bad requests cannot grow the table for ever.
    onTick: () => {
      relay.wake();
      if (clock.now() - lastPruneMs >= DEAD_LETTER_PRUNE_INTERVAL_MS) {
        lastPruneMs = clock.now();
        const pruned = queries.pruneDeadLetters();
        if (pruned > 0) logger.info({ pruned }, "dead letters past their retention removed");
      }
    },
  });
  const inbound = new PagerInbound({
    useCases,
    findServiceByIntegrationKey: (key) => queries.findServiceByIntegrationKey(key),
    recordDeadLetter: (source, reason, rawBody) => queries.recordDeadLetter(source, reason, rawBody),
  });
  useCases.setListener({ deliveriesQueued: () => relay.wake() });

  let unsubscribe: (() => void) | undefined;
  return {
    engine: {
      name: "pager",
      async start() {
        relay.resume();
        unsubscribe = bus.subscribe("alert.state-changed", (event) => {
          const result = inbound.handleAlertStateChanged(event);
          logger.info({ eventId: event.eventId, ruleId: event.ruleId, outcome: result.outcome }, result.message);
        });
        poller.start();
        relay.wake();
      },
      async stop() {
        unsubscribe?.();
        unsubscribe = undefined;
        poller.stop();
        await relay.stop();
      },
    },
    console: { useCases, queries, inbound, relay, poller, newIntegrationKey: () => `wpk_${randomBytes(16).toString("hex")}` },
  };
}

/**
 * Adds the pager demo rows on first start (demo mode): the standard policy, three services, one open incident.
 * The check and every insert are one IMMEDIATE transaction (the use cases' own transactions nest as savepoints
 * on the same connection), so two processes starting on a new database cannot both insert the fixed ids, and a
 * failure half-way leaves nothing behind.
 */
export function seedPagerDemo(dependencies: EngineDependencies): void {
  const { db, clock, config } = dependencies;
  const useCases = new PagerUseCases({ store: new SqlitePagerStore(db, clock), clock, baseUrl: config.WATCHPOST_BASE_URL });
  db.$client.transaction(() => seedPagerDemoRows(db, useCases)).immediate();
}

function seedPagerDemoRows(db: EngineDependencies["db"], useCases: PagerUseCases): void {
  if (db.select({ id: pagerPolicy.id }).from(pagerPolicy).where(eq(pagerPolicy.id, DEMO_POLICIES.standard)).get()) return;
  const actor = systemActor("demo-seed");
  useCases.createPolicy(DEMO_STANDARD_POLICY, actor, DEMO_POLICIES.standard);
  const services = [
    { id: DEMO_SERVICES.checkout, name: "Checkout", description: "Cart, payment and order confirmation.", key: DEMO_INTEGRATION_KEYS.checkout },
    { id: DEMO_SERVICES.search, name: "Search", description: "Product search and suggestions.", key: DEMO_INTEGRATION_KEYS.search },
    { id: DEMO_SERVICES.database, name: "Orders database", description: "The primary SQL database behind orders.", key: DEMO_INTEGRATION_KEYS.database },
  ];
  for (const service of services) {
    useCases.createService({ name: service.name, description: service.description, policyId: DEMO_POLICIES.standard }, service.key, actor, service.id);
  }
  useCases.receiveAlert({ serviceId: DEMO_SERVICES.database, summary: "Replication lag above 30 s on the orders replica", dedupKey: "demo-replication-lag", actor });
}
