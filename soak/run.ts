/**
 * `npm run soak`: the chaos soak with a loss ledger (issue 11, point 8; docs/soak.md). On one SQLite file and a
 * NATS server of its own it runs the web tier and two workers, drives mixed load (PagerDuty triggers,
 * acknowledgements and resolves over HTTP; alert rules on a flapping simulated source; digest traffic over NATS;
 * the scheduling capture of a simulated database served from this process), SIGKILLs a random process every few
 * seconds and starts it again, restarts NATS once, lets everything settle and prints the ledger. Exit code 1
 * when any loss count is not 0 (and, with SOAK_ASSERT_PAGE_DELAY=1, when the page-delay target is missed).
 *
 * SOAK_SECONDS (default 300) · SOAK_SEED (default: from the clock, printed) · SOAK_SETTLE_SECONDS (default 75)
 * · SOAK_LEDGER_FILE (the ledger as JSON) · SOAK_KEEP=1 (keep the directory with the database and the logs).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { closeDatabases } from "@/db/client";
import { systemActor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { SeededRandom } from "@/server/core/random";
import { createRuntime } from "@/server/jobs/runtime";
import { startSmsReceiver, startSmtpReceiver } from "@/server/pager/testing/provider-receivers";
import { startDbsimServer } from "@/server/scheduling/dbsim/adapters/http-server";
import type { ExecutedEvent } from "@/server/scheduling/dbsim/event-log";
import {
  ManagedProcess,
  answersOk,
  freePort,
  missingPrerequisite,
  natsCommand,
  outputContains,
  sleep,
  webTierCommand,
  workerCommand,
} from "./cluster";
import { DigestLoad } from "./digest-load";
import {
  acceptedEventsLost,
  captureLedger,
  pageLedger,
  type DeliveryRow,
  type IncidentKeyRow,
  type IncidentRow,
  type Kill,
  type Receipt,
  type TimerRow,
} from "./ledger";
import { PagerLoad, type SoakService } from "./pager-load";

// The soak's own process (the simulated database, the seeding) logs only what is wrong; its children log in full.
process.env.LOG_LEVEL ??= "warn";

const PAGE_DELAY_TARGET_MS = 20_000;

function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${name}: expected a positive number of seconds (got "${raw}")`);
    process.exit(2);
  }
  return value;
}

const seconds = numberSetting("SOAK_SECONDS", 300);
const settleSeconds = numberSetting("SOAK_SETTLE_SECONDS", 75);
const seed = Math.floor(numberSetting("SOAK_SEED", Date.now() % 2 ** 31));
const random = new SeededRandom(seed);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const log = (line: string) => console.log(`[soak ${elapsed()}] ${line}`);

const problem = missingPrerequisite();
if (problem) {
  console.error(problem);
  process.exit(2);
}

const directory = mkdtempSync(path.join(tmpdir(), "watchpost-soak-"));
const databasePath = path.join(directory, "soak.db");
const children: ManagedProcess[] = [];
process.on("exit", () => {
  for (const child of children) child.killNow();
});
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    console.error(`\nsoak interrupted; its files are in ${directory}`);
    process.exit(130);
  });

async function main(): Promise<number> {
  log(`seed ${seed}, ${seconds} s of chaos, then up to ${settleSeconds} s to settle; files in ${directory}`);
  const [natsPort, webPort, dbsimPort] = [await freePort(), await freePort(), await freePort()];
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const baseUrl = `http://127.0.0.1:${webPort}`;

  // Providers: what they receive, and when, is the truth about pages.
  const receipts: Receipt[] = [];
  const smtp = await startSmtpReceiver();
  const sms = await startSmsReceiver();
  stampArrivals(smtp.messages, (mail) =>
    receipts.push({ key: mail.idempotencyKey, channel: "email", atMs: Date.now() }),
  );
  stampArrivals(sms.messages, (text) =>
    receipts.push({ key: text.idempotencyToken, channel: "sms", atMs: Date.now() }),
  );

  // The simulated database, served from here so that its own event log is at hand for the ledger.
  const dbsim = await startDbsimServer({ clock: new SystemClock(), port: dbsimPort, parameters: { seed } });

  const env: NodeJS.ProcessEnv = {
    ...withoutWatchpostSettings(process.env),
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_PATH: databasePath,
    NATS_URL: natsUrl,
    NATS_PREFIX: "soak",
    WATCHPOST_BASE_URL: baseUrl,
    WATCHPOST_DEMO: "false",
    WATCHPOST_ADMIN_EMAIL: "admin@soak.watchpost.local",
    WATCHPOST_ADMIN_PASSWORD: "soak-admin-password",
    WATCHPOST_AUTH_SECRET: "soak-secret-soak-secret-soak-secret-0001",
    SMTP_URL: smtp.url,
    SMS_API_URL: sms.url,
    SMS_AUTH_TOKEN: "soak-token",
    DBSIM_URL: dbsim.url,
    LOG_LEVEL: "info",
  };
  const services = await seedSoakData(env);
  log(`seeded ${services.all.length} services, 1 policy, ${services.ruleServices.length} flapping rules`);

  const nats = new ManagedProcess(
    "nats",
    "nats",
    () => natsCommand(natsPort, path.join(directory, "nats")),
    outputContains("Server is ready"),
    path.join(directory, "nats.log"),
  );
  const web = new ManagedProcess(
    "web",
    "web",
    () => webTierCommand(webPort, { ...env, WATCHPOST_ENGINES: "none" }),
    answersOk(`${baseUrl}/api/v1/health`),
    path.join(directory, "web.log"),
  );
  const workers = [1, 2].map(
    (index) =>
      new ManagedProcess(
        `worker-${index}`,
        "worker",
        () => workerCommand({ ...env, WATCHPOST_ENGINES: "all" }),
        outputContains("worker running"),
        path.join(directory, `worker-${index}.log`),
      ),
  );
  children.push(nats, web, ...workers);
  await nats.start();
  await Promise.all([web.start(), ...workers.map((worker) => worker.start())]);
  log(`NATS, the web tier and two workers are up (${Date.now() - started} ms)`);

  const pagerLoad = new PagerLoad({
    baseUrl,
    services: services.pagerDuty,
    escalating: services.escalating,
    requestsPerSecond: 4,
    random: new SeededRandom(seed + 1),
  });
  const digestLoad = new DigestLoad({
    natsUrl,
    prefix: "soak",
    users: 6,
    alarmsPerUser: 5,
    random: new SeededRandom(seed + 2),
    log,
  });
  await digestLoad.start();
  pagerLoad.start();

  // Chaos: one process down at a time, so that a surviving worker could always carry on.
  const kills: Kill[] = [];
  const chaosEnd = Date.now() + seconds * 1000;
  const natsRestartAt = Date.now() + seconds * 1000 * (0.3 + random.next() * 0.3);
  let natsRestarted = false;
  const victims = [web, ...workers];
  while (Date.now() < chaosEnd) {
    await sleep(random.integer(3_000, 7_000));
    if (Date.now() >= chaosEnd) break;
    if (!natsRestarted && Date.now() >= natsRestartAt) {
      natsRestarted = true;
      log("restarting NATS (SIGTERM, 2 s down)");
      kills.push({ atMs: Date.now(), target: "nats", kind: "nats" });
      await nats.stop("SIGTERM");
      await sleep(2_000);
      await nats.start();
      log("NATS is back");
      continue;
    }
    const victim = victims[random.integer(0, victims.length - 1)]!;
    kills.push({ atMs: Date.now(), target: victim.name, kind: victim.kind });
    await victim.stop("SIGKILL");
    log(`SIGKILL ${victim.name}`);
    await sleep(random.integer(300, 2_000));
    const restartedAt = Date.now();
    await victim.start().catch((error: unknown) => log(`${victim.name} failed to start again: ${String(error)}`));
    log(`${victim.name} back after ${((Date.now() - restartedAt) / 1000).toFixed(1)} s`);
  }
  const chaosEndedAt = Date.now();
  log(`chaos over: ${kills.length} kills; settling`);
  for (const child of children) if (!child.running) await child.start();
  await pagerLoad.stop();
  const captureTarget = dbsim.log.read(0, 1).lastSeq;
  await digestLoad.stop();

  // Settle: until every page due during the chaos is settled, every alert change reached the pager, and the
  // capture read the simulated database's log up to where it stood when the chaos ended.
  const reader = new Database(databasePath, { readonly: true, fileMustExist: true });
  reader.pragma("busy_timeout = 5000");
  const settleDeadline = Date.now() + settleSeconds * 1000;
  let settled = false;
  while (Date.now() < settleDeadline) {
    const open = reader
      .prepare(
        `SELECT
          (SELECT count(*) FROM pager_delivery WHERE status IN ('pending', 'sending') AND created_at_ms < ?) AS deliveries,
          (SELECT count(*) FROM pager_timer WHERE state = 'pending' AND due_at_ms < ?) AS timers,
          (SELECT count(*) FROM alert_outbox o WHERE o.created_at < ? AND (o.published_at IS NULL OR
             (json_extract(o.payload, '$.serviceId') IS NOT NULL AND
              NOT EXISTS (SELECT 1 FROM pager_inbound_event e WHERE e.event_id = o.event_id)))) AS events,
          (SELECT coalesce(max(last_seq), 0) FROM scheduling_capture_cursor WHERE log_id = ?) AS cursor`,
      )
      .get(chaosEndedAt, chaosEndedAt, chaosEndedAt, dbsim.log.logId) as {
      deliveries: number;
      timers: number;
      events: number;
      cursor: number;
    };
    if (open.deliveries === 0 && open.timers === 0 && open.events === 0 && open.cursor >= captureTarget) {
      settled = true;
      break;
    }
    await sleep(1_000);
  }
  const endMs = Date.now();
  log(settled ? "settled" : `not settled within ${settleSeconds} s: the ledger counts what is still open`);

  const ledger = buildLedger({
    reader,
    kills,
    receipts,
    pagerLoad,
    digestLoad,
    chaosEndedAt,
    endMs,
    captureTarget,
    executed: readExecuted(dbsim.log, captureTarget),
    logId: dbsim.log.logId,
  });
  reader.close();
  const report = {
    seed,
    seconds,
    settled,
    kills: kills.map((kill) => ({ ...kill, atSecond: Number(((kill.atMs - started) / 1000).toFixed(1)) })),
    ...ledger,
  };
  printLedger(report);
  if (process.env.SOAK_LEDGER_FILE) writeFileSync(process.env.SOAK_LEDGER_FILE, JSON.stringify(report, null, 2));

  for (const child of [...workers, web]) await child.stop("SIGKILL");
  await nats.stop("SIGTERM");
  for (const child of children) child.close();
  await dbsim.stop();
  await Promise.all([smtp.close(), sms.close()]);
  const failed = ledger.totalLosses > 0 || (process.env.SOAK_ASSERT_PAGE_DELAY === "1" && !ledger.pageDelay.met);
  if (failed || process.env.SOAK_KEEP === "1") console.log(`The database and every process's log: ${directory}`);
  else rmSync(directory, { recursive: true, force: true });
  return failed ? 1 : 0;
}

/** The services, the policy and the flapping rules, written through the consoles before any process starts. */
async function seedSoakData(env: NodeJS.ProcessEnv) {
  const config = parseConfig({ ...env, NATS_URL: undefined, WATCHPOST_ENGINES: "none", LOG_LEVEL: "warn" });
  const runtime = createRuntime(config, { bus: new InProcessEventBus() });
  await runtime.ready;
  const actor = systemActor("soak");
  const { pager, alerts } = runtime.consoles;
  const policy = pager.createPolicy(
    {
      name: "Soak on-call",
      levels: [
        {
          delayMinutes: 1,
          targets: [
            { channel: "email", address: "first@soak.watchpost.local" },
            { channel: "sms", address: "+15550100001" },
          ],
        },
        {
          delayMinutes: 1,
          targets: [
            { channel: "email", address: "second@soak.watchpost.local" },
            { channel: "sms", address: "+15550100002" },
          ],
        },
        { delayMinutes: 1, targets: [{ channel: "email", address: "manager@soak.watchpost.local" }] },
      ],
      repeatCount: 0,
    },
    actor,
  );
  const service = (name: string): SoakService => {
    const created = pager.createService({ name, description: "soak", policyId: policy.id }, actor);
    return { id: created.id, name: created.name, integrationKey: created.integrationKey };
  };
  const pagerDuty = [1, 2, 3, 4, 5].map((index) => service(`Soak events ${index}`));
  const escalating = [1, 2].map((index) => service(`Soak escalating ${index}`));
  const ruleServices = [3, 4, 5, 6].map((step) => {
    const bound = service(`Soak flapping ${step} s`);
    alerts.createRule(
      {
        name: `soak-flapping-${step}s`,
        sourceKind: "simulated",
        query: `script?values=20,250&step=${step}`,
        intervalSecs: 1,
        warn: { value: 100, message: "soak: above 100" },
        critical: { value: 200, message: "soak: above 200" },
        serviceId: bound.id,
      },
      actor,
    );
    return bound;
  });
  closeDatabases();
  return { pagerDuty, escalating, ruleServices, all: [...pagerDuty, ...escalating, ...ruleServices] };
}

/** The settings the soak chooses for its children; anything of the caller's is left out so it cannot leak in. */
function withoutWatchpostSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = /^(WATCHPOST_|NATS_|ALERTS_|SMTP_|SMS_|DBSIM_|DATABASE_|PORT$|LOG_LEVEL$|NODE_ENV$)/;
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.test(name))) as NodeJS.ProcessEnv;
}

/** The kit's receivers keep what arrived; the soak also needs when, so it stamps each arrival as it is kept. */
function stampArrivals<T>(messages: T[], onArrival: (message: T) => void): void {
  const push = messages.push.bind(messages);
  messages.push = (...items: T[]) => {
    for (const item of items) onArrival(item);
    return push(...items);
  };
}

function readExecuted(
  eventLog: { read: (after: number, limit: number) => { events: { seq: number; type: string }[] } },
  through: number,
) {
  const executed: ExecutedEvent[] = [];
  let after = 0;
  while (after < through) {
    const page = eventLog.read(after, 5_000);
    if (page.events.length === 0) break;
    for (const event of page.events) if (event.type === "executed") executed.push(event as ExecutedEvent);
    after = page.events[page.events.length - 1]!.seq;
  }
  return executed;
}

function buildLedger(input: {
  reader: Database.Database;
  kills: Kill[];
  receipts: Receipt[];
  pagerLoad: PagerLoad;
  digestLoad: DigestLoad;
  chaosEndedAt: number;
  endMs: number;
  captureTarget: number;
  executed: ExecutedEvent[];
  logId: string;
}) {
  const { reader, kills, receipts, pagerLoad, digestLoad, chaosEndedAt, endMs } = input;
  const incidents = reader
    .prepare(
      `SELECT id, service_id AS serviceId, state, dedup_key AS dedupKey, opened_at_ms AS openedAtMs,
              acknowledged_at_ms AS acknowledgedAtMs, resolved_at_ms AS resolvedAtMs FROM pager_incident`,
    )
    .all() as IncidentRow[];
  const keys = reader
    .prepare(`SELECT incident_id AS incidentId, dedup_key AS dedupKey FROM pager_incident_key`)
    .all() as IncidentKeyRow[];
  const events = acceptedEventsLost(pagerLoad.records, incidents, keys);

  // Alert state changes that page a service must reach the pager (committed → published → handled once).
  const alertChanges = reader
    .prepare(
      `SELECT o.event_id AS eventId, o.created_at AS createdAt, o.published_at AS publishedAt, e.received_at_ms AS handledAt,
              json_extract(o.payload, '$.serviceId') AS serviceId
         FROM alert_outbox o LEFT JOIN pager_inbound_event e ON e.event_id = o.event_id
        WHERE o.topic = 'alert.state-changed' AND o.created_at < ?`,
    )
    .all(chaosEndedAt) as {
    eventId: string;
    createdAt: number;
    publishedAt: number | null;
    handledAt: number | null;
    serviceId: string | null;
  }[];
  const lostChanges = alertChanges.filter((change) => change.serviceId && change.handledAt === null);
  const changeLatencies = alertChanges
    .filter((change) => change.handledAt !== null)
    .map((change) => change.handledAt! - change.createdAt);

  // An incident an alert rule opened: its first pages were due when the rule's change was committed.
  const openedBy = new Map(
    (
      reader
        .prepare(
          `SELECT i.id AS incidentId, min(o.created_at) AS committedAt FROM pager_incident i
             JOIN pager_inbound_event e ON e.received_at_ms = i.opened_at_ms
             JOIN alert_outbox o ON o.event_id = e.event_id AND json_extract(o.payload, '$.serviceId') = i.service_id
            GROUP BY i.id`,
        )
        .all() as { incidentId: string; committedAt: number }[]
    ).map((row) => [row.incidentId, row.committedAt]),
  );
  const deliveries = reader
    .prepare(
      `SELECT idempotency_key AS idempotencyKey, incident_id AS incidentId, step, level, channel, address, status,
              created_at_ms AS createdAtMs, reason FROM pager_delivery`,
    )
    .all() as DeliveryRow[];
  const timers = reader
    .prepare(`SELECT incident_id AS incidentId, step, due_at_ms AS dueAtMs FROM pager_timer`)
    .all() as TimerRow[];
  const pages = pageLedger({ deliveries, receipts, timers, kills, openedBy, cutoffMs: chaosEndedAt, endMs });

  const captured = reader.prepare(`SELECT id, seq FROM scheduling_execution WHERE log_id = ?`).all(input.logId) as {
    id: string;
    seq: number;
  }[];
  const capture = captureLedger(input.executed, captured, input.captureTarget);

  const digestsWrong = digestLoad.problems.length;
  const losses = {
    acceptedEventsLost: events.lost.length,
    alertChangesLost: lostChanges.length,
    notificationsSentTwice: pages.duplicates.length,
    pagesNotDelivered: pages.undelivered.length + pages.notSent.length + pages.sentNotReceived.length,
    digestsWrong,
    executionsMissing: capture.missing.length + capture.mismatched.length,
    executionsDuplicated: capture.duplicated.length,
  };
  const delay = pages.longestDelayAfterCrash;
  return {
    losses,
    totalLosses: Object.values(losses).reduce((sum, count) => sum + count, 0),
    pageDelay: {
      targetMs: PAGE_DELAY_TARGET_MS,
      longestAfterCrashMs: delay?.ms ?? 0,
      stillUndelivered: delay?.undelivered ?? false,
      met: (delay?.ms ?? 0) < PAGE_DELAY_TARGET_MS && !(delay?.undelivered ?? false),
      page: delay?.key,
      kill: delay?.kill,
      medianMs: pages.medianDelayMs,
      longestMs: pages.longestDelayMs,
    },
    details: {
      ingest: { ...pagerLoad.summary(), outcomes: events.outcomes, lost: events.lost.slice(0, 10) },
      alertChanges: {
        committed: alertChanges.length,
        lost: lostChanges.slice(0, 10),
        longestToPagerMs: changeLatencies.length ? Math.max(...changeLatencies) : null,
      },
      pages: {
        rows: pages.pages,
        received: pages.received,
        inFlightRepeats: pages.inFlightRepeats.length,
        duplicates: pages.duplicates.slice(0, 10),
        undelivered: pages.undelivered.slice(0, 10),
        notSent: pages.notSent.slice(0, 10),
        sentNotReceived: pages.sentNotReceived.slice(0, 10),
        unknownReceipts: pages.unknownReceipts,
      },
      digests: {
        cycles: digestLoad.cycles,
        statusChangesPublished: digestLoad.published,
        requested: digestLoad.requested,
        received: digestLoad.received,
        checked: digestLoad.checked,
        unanswered: digestLoad.unanswered,
        unexpected: digestLoad.unexpected,
        problems: digestLoad.problems.slice(0, 10),
      },
      capture: {
        throughSeq: input.captureTarget,
        expected: capture.expected,
        captured: capture.captured,
        missing: capture.missing.slice(0, 10),
        mismatched: capture.mismatched.slice(0, 10),
        duplicated: capture.duplicated.slice(0, 10),
      },
    },
  };
}

function printLedger(report: {
  seed: number;
  seconds: number;
  settled: boolean;
  kills: Kill[];
  losses: Record<string, number>;
  totalLosses: number;
  pageDelay: ReturnType<typeof buildLedger>["pageDelay"];
  details: ReturnType<typeof buildLedger>["details"];
}) {
  const { losses, details, pageDelay } = report;
  const byKind = (kind: string) => report.kills.filter((kill) => kill.kind === kind).length;
  const s = (ms: number | null) => (ms === null ? "–" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
  const row = (label: string, count: number | string, note: string) =>
    console.log(`${label.padEnd(34)}${String(count).padStart(8)}   ${note}`);
  console.log(
    `\n=== soak ledger: seed ${report.seed}, ${report.seconds} s of chaos, ${byKind("web")} web-tier and ${byKind("worker")} worker kills, NATS restarted ${byKind("nats")}×${report.settled ? "" : ", NOT SETTLED"} ===`,
  );
  row(
    "accepted events lost",
    losses.acceptedEventsLost!,
    `${details.ingest.accepted} accepted (202) of ${details.ingest.sent} sent; ${details.ingest.unanswered} unanswered while the web tier was down, ${details.ingest.refused} refused`,
  );
  row(
    "alert state changes lost",
    losses.alertChangesLost!,
    `${details.alertChanges.committed} committed; longest commit → pager ${s(details.alertChanges.longestToPagerMs)}`,
  );
  row(
    "notifications sent twice",
    losses.notificationsSentTwice!,
    `per incident, target, level and channel; besides ${details.pages.inFlightRepeats} repeat(s) of a send in flight at a kill (same idempotency key)`,
  );
  row(
    "pages not delivered",
    losses.pagesNotDelivered!,
    `${details.pages.rows} pages, ${details.pages.received} receipts; ${details.pages.undelivered.length} still open, ${details.pages.notSent.length} failed or not sent, ${details.pages.sentNotReceived.length} recorded sent but never received`,
  );
  row(
    "digests wrong",
    losses.digestsWrong!,
    `${details.digests.checked} checked of ${details.digests.requested} requested (${details.digests.statusChangesPublished} status changes); ${details.digests.unanswered} unanswered, ${details.digests.unexpected} unasked`,
  );
  row(
    "captured executions missing",
    losses.executionsMissing!,
    `${details.capture.expected} executed up to seq ${details.capture.throughSeq}, ${details.capture.captured} captured`,
  );
  row("captured executions duplicated", losses.executionsDuplicated!, "");
  row(
    "longest page delay after a crash",
    `${pageDelay.stillUndelivered ? "≥ " : ""}${s(pageDelay.longestAfterCrashMs)}`,
    `target < ${s(pageDelay.targetMs)}: ${pageDelay.met ? "met" : "MISSED"}${pageDelay.page ? ` (${pageDelay.page}, after the kill of ${pageDelay.kill?.target})` : ""}; every page due → delivered: median ${s(pageDelay.medianMs)}, longest ${s(pageDelay.longestMs)}`,
  );
  console.log(`${report.totalLosses === 0 ? "no losses" : `${report.totalLosses} LOSSES`}`);
  const explain = [
    ...details.ingest.lost.map((lost) => `lost event: ${lost.record.action} ${lost.record.dedupKey}: ${lost.why}`),
    ...details.alertChanges.lost.map((change) => `alert change ${change.eventId} never reached the pager`),
    ...details.pages.duplicates.map(
      (duplicate) =>
        `sent twice: ${duplicate.key} at ${duplicate.receipts.map((at) => new Date(at).toISOString()).join(", ")}`,
    ),
    ...details.pages.undelivered.map(
      (page) =>
        `undelivered: ${page.idempotencyKey} (${page.status}, created ${new Date(page.createdAtMs).toISOString()})`,
    ),
    ...details.pages.notSent.map((page) => `not sent: ${page.idempotencyKey} (${page.status}: ${page.reason})`),
    ...details.pages.sentNotReceived.map((page) => `recorded sent, never received: ${page.idempotencyKey}`),
    ...details.digests.problems.map((entry) => `digest for ${entry.userId}: ${entry.problems.join("; ")}`),
    ...details.capture.missing.map((id) => `execution missing: ${id}`),
    ...details.capture.mismatched.map((id) => `execution stored with another sequence number: ${id}`),
    ...details.capture.duplicated.map((id) => `execution stored twice: ${id}`),
  ];
  for (const line of explain.slice(0, 40)) console.log(`  - ${line}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`The soak failed to run: ${error instanceof Error ? error.stack : String(error)}`);
    console.error(`Its files are in ${directory}`);
    process.exit(2);
  },
);
