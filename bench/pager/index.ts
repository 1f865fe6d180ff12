/**
 * The pager's benchmark: alerts ingested per second while deduplicated onto the service's open incident (the
 * use case, and the HTTP ingest's body handling), the acknowledgement latency, and — in the same run, on the
 * same kind of database file — the raw better-sqlite3 single-row transaction rate as the reference.
 * Targets (issue 4): at least 5,000 alerts/s and at least 0.3 of the raw rate. Figures are printed, not asserted.
 */
import { percentile } from "@/server/core/percentile";
import { performance } from "node:perf_hooks";
import { createTestDatabase } from "@/db/test-database";
import { systemActor, type Actor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import { SqlitePagerQueries } from "@/server/pager/adapters/sqlite-pager-queries";
import { SqlitePagerStore } from "@/server/pager/adapters/sqlite-pager-store";
import { PagerInbound } from "@/server/pager/inbound";
import { PagerUseCases } from "@/server/pager/use-cases";

export type PagerBenchResult = {
  rawTransactionsPerSecond: number;
  alertsPerSecond: number;
  ingestBodiesPerSecond: number;
  ratioToRaw: number;
  acknowledgementLatencyMs: { p50: number; p99: number; max: number };
};

const TARGET_ALERTS_PER_SECOND = 5_000;
const TARGET_RATIO = 0.3;

function ratePerSecond(count: number, run: () => void): number {
  const started = performance.now();
  run();
  return count / ((performance.now() - started) / 1000);
}

export async function runPagerBench(
  options: { alerts?: number; acknowledgements?: number } = {},
): Promise<PagerBenchResult> {
  const alertCount = options.alerts ?? 50_000;
  const ackCount = options.acknowledgements ?? 2_000;
  const database = createTestDatabase();
  try {
    const { db } = database;
    const sqlite = db.$client;
    const clock = new SystemClock();
    const store = new SqlitePagerStore(db, clock);
    const useCases = new PagerUseCases({ store, clock, baseUrl: "http://localhost:3000" });
    const queries = new SqlitePagerQueries(db, clock);
    const inbound = new PagerInbound({
      useCases,
      findServiceByIntegrationKey: (key) => queries.findServiceByIntegrationKey(key),
      recordDeadLetter: (source, reason, raw) => queries.recordDeadLetter(source, reason, raw),
    });
    const actor: Actor = systemActor("bench");

    // Reference: one row changed per transaction, prepared statement, same file settings (WAL, synchronous=NORMAL).
    sqlite.exec("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)");
    sqlite.prepare("INSERT INTO bench_raw (id, value) VALUES (1, 0)").run();
    const bump = sqlite.prepare("UPDATE bench_raw SET value = value + 1 WHERE id = 1");
    const rawTransaction = sqlite.transaction(() => bump.run());
    for (let warm = 0; warm < 2_000; warm++) rawTransaction();
    const rawTransactionsPerSecond = ratePerSecond(alertCount, () => {
      for (let index = 0; index < alertCount; index++) rawTransaction();
    });

    const policy = useCases.createPolicy(
      {
        name: "Bench",
        levels: [{ delayMinutes: 15, targets: [{ channel: "email", address: "bench@example.com" }] }],
        repeatCount: 0,
      },
      actor,
    );
    const service = useCases.createService(
      { name: "Bench service", description: "", policyId: policy.id },
      "wpk_bench",
      actor,
    );
    const opened = useCases.receiveAlert({ serviceId: service.id, summary: "first", dedupKey: "bench", actor });
    if (opened.outcome !== "opened") throw new Error(`expected the first alert to open an incident: ${opened.message}`);
    for (let warm = 0; warm < 2_000; warm++)
      useCases.receiveAlert({ serviceId: service.id, summary: "warm", dedupKey: "bench", actor });

    const alertsPerSecond = ratePerSecond(alertCount, () => {
      for (let index = 0; index < alertCount; index++) {
        const outcome = useCases.receiveAlert({ serviceId: service.id, summary: "again", dedupKey: "bench", actor });
        if (outcome.outcome !== "deduplicated") throw new Error(`alert ${index} was ${outcome.outcome}`);
      }
    });

    const body = JSON.stringify({
      routing_key: "wpk_bench",
      event_action: "trigger",
      dedup_key: "bench",
      payload: { summary: "again", source: "bench", severity: "critical" },
    });
    const ingestCount = Math.max(1_000, Math.floor(alertCount / 5));
    const ingestBodiesPerSecond = ratePerSecond(ingestCount, () => {
      for (let index = 0; index < ingestCount; index++) {
        const result = inbound.ingest({ rawBody: body });
        if (result.kind !== "accepted") throw new Error(result.message);
      }
    });

    // Acknowledgement latency: one open incident per service, each acknowledged once.
    const incidentIds: string[] = [];
    for (let index = 0; index < ackCount; index++) {
      const other = useCases.createService(
        { name: `Ack ${index}`, description: "", policyId: policy.id },
        `wpk_ack_${index}`,
        actor,
      );
      const outcome = useCases.receiveAlert({ serviceId: other.id, summary: "down", actor });
      if (outcome.outcome === "opened") incidentIds.push(outcome.incidentId);
    }
    const responder: Actor = { kind: "user", userId: "usr_bench", email: "bench@example.com", role: "responder" };
    const latencies = incidentIds.map((incidentId) => {
      const started = performance.now();
      const outcome = useCases.acknowledge(incidentId, responder);
      const elapsed = performance.now() - started;
      if (outcome.outcome !== "acknowledged") throw new Error(outcome.message);
      return elapsed;
    });
    latencies.sort((a, b) => a - b);

    const result: PagerBenchResult = {
      rawTransactionsPerSecond: Math.round(rawTransactionsPerSecond),
      alertsPerSecond: Math.round(alertsPerSecond),
      ingestBodiesPerSecond: Math.round(ingestBodiesPerSecond),
      ratioToRaw: Math.round((alertsPerSecond / rawTransactionsPerSecond) * 1000) / 1000,
      acknowledgementLatencyMs: {
        p50: Math.round(percentile(latencies, 0.5) * 1000) / 1000,
        p99: Math.round(percentile(latencies, 0.99) * 1000) / 1000,
        max: Math.round(latencies[latencies.length - 1]! * 1000) / 1000,
      },
    };
    const verdict = (ok: boolean) => (ok ? "meets target" : "BELOW TARGET");
    console.log(
      `raw better-sqlite3 single-row transactions: ${result.rawTransactionsPerSecond.toLocaleString("en")} /s (reference)`,
    );
    console.log(
      `alerts deduplicated onto the open incident: ${result.alertsPerSecond.toLocaleString("en")} /s — target ${TARGET_ALERTS_PER_SECOND.toLocaleString("en")} /s: ${verdict(result.alertsPerSecond >= TARGET_ALERTS_PER_SECOND)}`,
    );
    console.log(
      `ratio to raw: ${result.ratioToRaw} — target ≥ ${TARGET_RATIO}: ${verdict(result.ratioToRaw >= TARGET_RATIO)}`,
    );
    console.log(
      `PagerDuty Events v2 bodies through the ingest (JSON + zod + use case): ${result.ingestBodiesPerSecond.toLocaleString("en")} /s`,
    );
    console.log(
      `acknowledgement latency over ${latencies.length} incidents: p50 ${result.acknowledgementLatencyMs.p50} ms, p99 ${result.acknowledgementLatencyMs.p99} ms, max ${result.acknowledgementLatencyMs.max} ms`,
    );
    return result;
  } finally {
    database.close();
  }
}
