/**
 * Wires the digest engine (server/digests) to its adapters. Without NATS_URL: the in-process transport (fed by
 * the alert engine's state changes) and SQLite state. With NATS_URL: the JetStream transport (so any NATS
 * client can publish AlarmStatusChanged / SendAlarmDigest and subscribe to AlarmDigest) and, by default, the
 * NATS KV state so that replicas on several machines share it. Dead letters stay in the SQLite database.
 * The mode rule, the engine and the console live in server/digests; this file only builds and connects them.
 */
import { createAuditRecorder } from "@/db/audit";
import type { AuditEntry } from "@/server/core/audit";
import { createId } from "@/server/core/ids";
import type { AlarmStatusChange } from "@/server/digests/alarm-state";
import { parseChangedAt, epochMsToRfc3339 } from "@/server/digests/alarm-time";
import { createDigestsConsole, type DigestsConsole } from "@/server/digests/console";
import { DigestsEngine } from "@/server/digests/engine";
import { resolveDigestsMode, type DigestsModeRequest } from "@/server/digests/mode";
import type { DigestReadModel, DigestStateStore, DigestTransport } from "@/server/digests/ports";
import { DigestsUseCases } from "@/server/digests/use-cases";
import { InProcessDigestTransport } from "@/server/digests/adapters/in-process-transport";
import { LazyNatsConnection } from "@/server/digests/adapters/nats-connection";
import { NatsDigestTransport } from "@/server/digests/adapters/nats-transport";
import { NatsKvDigestStateStore } from "@/server/digests/adapters/nats-kv-state-store";
import { SqliteDeadLetterStore } from "@/server/digests/adapters/sqlite-dead-letters";
import { SqliteDigestStateStore } from "@/server/digests/adapters/sqlite-state-store";
import { DEMO_USERS } from "./demo-ids";
import type { EngineDependencies, EngineModule } from "./engine";

export type DigestModuleOptions = DigestsModeRequest & {
  ackWaitMs?: number;
  maxBatch?: number;
};

export function createDigestModule(
  dependencies: EngineDependencies,
  options: DigestModuleOptions = {},
): EngineModule<DigestsConsole> {
  const { config, db, clock, bus, logger, people } = dependencies;
  const mode = resolveDigestsMode(config.NATS_URL, options);
  const log = logger.child({ module: "digest" });
  const connection = config.NATS_URL
    ? new LazyNatsConnection(config.NATS_URL, `watchpost-digest-${process.pid}`, {
        connections: dependencies.connections,
      })
    : null;
  const recordAudit = async (entry: AuditEntry) => createAuditRecorder(db, clock).record(entry);
  const transport: DigestTransport =
    mode.transport === "nats"
      ? new NatsDigestTransport({
          connection: connection!,
          prefix: config.NATS_PREFIX,
          subjects: mode.subjects,
          ackWaitMs: options.ackWaitMs,
          maxBatch: options.maxBatch,
          logger: log,
        })
      : new InProcessDigestTransport(clock, mode.subjects);
  const store: DigestStateStore & DigestReadModel =
    mode.state === "nats-kv"
      ? new NatsKvDigestStateStore({
          connection: connection!,
          prefix: config.NATS_PREFIX,
          clock,
          recordAudit,
          onWarning: (fields, message) => log.warn(fields, message),
        })
      : new SqliteDigestStateStore(db, clock);
  const deadLetters = new SqliteDeadLetterStore(db);
  const useCases = new DigestsUseCases({
    store,
    deadLetters,
    transport,
    clock,
    newId: () => createId("dig"),
    recordAudit,
    logger: log,
  });
  const engine = new DigestsEngine({
    useCases,
    transport,
    bus,
    mode,
    logger: log,
    afterStop: async () => connection?.close(),
  });
  return { engine, console: createDigestsConsole({ useCases, reads: store, deadLetters, people, mode }) };
}

/** The demo: some active (and one cleared) alarms for the demo users, so that the Digests page has content. */
export function demoAlarmChanges(nowMs: number): AlarmStatusChange[] {
  const minutesAgo = (minutes: number, extraNanos: number) => epochMsToRfc3339(nowMs - minutes * 60_000, extraNanos);
  const rows: [string, string, AlarmStatusChange["status"], string][] = [
    [DEMO_USERS.admin.id, "alarm-checkout-latency", "CRITICAL", minutesAgo(42, 123_456)],
    [DEMO_USERS.admin.id, "alarm-search-error-rate", "WARNING", minutesAgo(17, 654_321)],
    [DEMO_USERS.admin.id, "alarm-database-cpu", "CLEARED", minutesAgo(5, 1)],
    [DEMO_USERS.responder.id, "alarm-checkout-latency", "CRITICAL", minutesAgo(42, 123_456)],
    [DEMO_USERS.responder.id, "alarm-database-replication-lag", "WARNING", minutesAgo(64, 7)],
    [DEMO_USERS.responder.id, "alarm-search-disk-usage", "WARNING", minutesAgo(9, 999_999)],
    [DEMO_USERS.viewer.id, "alarm-search-error-rate", "WARNING", minutesAgo(17, 654_321)],
  ];
  return rows.map(([userId, alarmId, status, changedAt]) => ({
    userId,
    alarmId,
    status,
    changedAt,
    changedAtNanos: parseChangedAt(changedAt).nanos,
  }));
}

/** Adds the digest demo rows on first start (demo mode). */
export function seedDigestDemo(dependencies: EngineDependencies, options: DigestModuleOptions = {}): void {
  const mode = resolveDigestsMode(dependencies.config.NATS_URL, options);
  const changes = demoAlarmChanges(dependencies.clock.now());
  if (mode.state === "sqlite") {
    new SqliteDigestStateStore(dependencies.db, dependencies.clock).applyChangesNow(changes);
    return;
  }
  // KV is async and the seed is sync: publish the demo as ordinary AlarmStatusChanged; a worker applies them.
  const connection = new LazyNatsConnection(dependencies.config.NATS_URL!, "watchpost-digest-seed");
  const transport = new NatsDigestTransport({
    connection,
    prefix: dependencies.config.NATS_PREFIX,
    subjects: mode.subjects,
  });
  void (async () => {
    for (const change of changes)
      await transport.publishStatusChanged(
        JSON.stringify({
          AlarmID: change.alarmId,
          UserID: change.userId,
          Status: change.status,
          ChangedAt: change.changedAt,
        }),
      );
  })()
    .catch((error: unknown) => dependencies.logger.warn({ err: error }, "could not publish the digest demo to NATS"))
    .finally(() => void connection.close());
}
