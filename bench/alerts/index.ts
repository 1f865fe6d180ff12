/**
 * The alert engine's benchmark (issue 3).
 * 1. In process: 10,000 alerts at 1 s intervals on the simulated source for 30 s, with the real SQLite store:
 *    evaluations per second, schedule lag (start of evaluation minus its due time) p50/p99, CPU time per
 *    evaluation. Target: lag p99 under 50 ms.
 * 2. Over HTTP, against the simulator in a child process: the engine's request rate (more alerts than the server
 *    can answer, so the engine is the limit) as a ratio of a bare keep-alive client on the same transport
 *    (undici's dispatch API, as the engine's adapter) with the same number of connections, measured before and
 *    after the engine in the same run; the engine is measured after the first history write of every alert
 *    (the steady state). A bare client on undici's request() API is printed for reference. Target: at least 0.8.
 * Figures are printed, never asserted.
 */
import { percentile } from "@/server/core/percentile";
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import type { AppDatabase } from "@/db/client";
import { createTestDatabase } from "@/db/test-database";
import { alertRule, alertStatus } from "@/db/schema";
import { SystemClock, type Clock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { AlertsServerClient } from "@/server/alerts/adapters/alerts-server-client";
import { HISTORY_WRITE_EVERY_MS } from "@/server/alerts/adapters/evaluation-ring";
import { SqliteAlertEngineStore } from "@/server/alerts/adapters/sqlite-alert-engine-store";
import { AlertEngine, type EvaluationTiming } from "@/server/alerts/engine";
import { AlertIoError, type AlertEngineStore, type AlertSources, type AlertValueSource } from "@/server/alerts/ports";
import { ruleInputSchema } from "@/server/alerts/rule";
import { SimulatedSource } from "@/server/alerts/sources";

export type AlertsBenchResult = {
  inProcess: {
    alerts: number;
    seconds: number;
    evaluationsPerSecond: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
    cpuMicrosPerEvaluation: number;
    transitions: number;
  };
  http: {
    connections: number;
    alerts: number;
    bareRequestsPerSecond: number;
    engineRequestsPerSecond: number;
    ratio: number;
    bareCpuMicrosPerRequest: number;
    engineCpuMicrosPerRequest: number;
    /** The same bare loop on undici's request() API (a Readable body and a promise per request), for reference. */
    requestApiRequestsPerSecond: number;
    requestApiCpuMicrosPerRequest: number;
  };
};

const TARGET_LAG_P99_MS = 50;
const TARGET_HTTP_RATIO = 0.8;
/** Distinct query targets of the bare client (the engine's alerts query test-query-0 … test-query-N). */
const BARE_TARGETS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unused: AlertValueSource = {
  async query() {
    throw new AlertIoError("not used in this benchmark", false);
  },
};

/** Bulk setup (the rule use case audits each rule; here only the engine is measured). */
function createRules(db: AppDatabase, count: number, make: (index: number) => unknown) {
  const now = new Date();
  db.$client.transaction(() => {
    for (let start = 0; start < count; start += 500) {
      const rows = [];
      for (let index = start; index < Math.min(count, start + 500); index++) {
        const rule = ruleInputSchema.parse(make(index));
        rows.push({
          id: `rule_bench_${index}`,
          name: rule.name,
          origin: "console" as const,
          sourceKind: rule.sourceKind,
          query: rule.query,
          intervalSecs: rule.intervalSecs,
          repeatIntervalSecs: rule.repeatIntervalSecs,
          warnValue: rule.warn.value,
          warnMessage: rule.warn.message,
          criticalValue: rule.critical.value,
          criticalMessage: rule.critical.message,
          serviceId: null,
          subscriberUserIds: [],
          enabled: true,
          createdAt: now,
          updatedAt: now,
        });
      }
      db.insert(alertRule).values(rows).run();
      db.insert(alertStatus)
        .values(rows.map((row) => ({ ruleId: row.id, state: "PASS" as const })))
        .run();
    }
  })();
}

function buildEngine(
  clock: Clock,
  store: AlertEngineStore,
  sources: AlertSources,
  maxInFlight: number,
  onEvaluated: (timing: EvaluationTiming) => void,
) {
  return new AlertEngine({
    clock,
    random: new SeededRandom(11),
    // Transitions log at info in production; here the log would measure the terminal, not the engine.
    logger: createLogger("alerts-bench").child({}, { level: "warn" }),
    store,
    sources,
    notifierFor: () => null,
    maxInFlight,
    onEvaluated,
  });
}

export async function benchInProcess(
  alerts: number,
  seconds: number,
  options: { onMeasureStart?: () => Promise<void>; onMeasureEnd?: () => Promise<void> } = {},
): Promise<AlertsBenchResult["inProcess"]> {
  const database = createTestDatabase();
  const clock = new SystemClock();
  const store = new SqliteAlertEngineStore(database.db, clock);
  createRules(database.db, alerts, (index) => ({
    name: `bench-${index}`,
    sourceKind: "simulated",
    // Each alert its own walk (the `id` parameter only makes the query unique). Most stay in PASS, as real
    // alerts do; those that start near a threshold cross it now and then (the count is printed).
    query: `random-walk?start=${20 + (index % 140)}&step=3&min=0&max=300&id=${index}`,
    intervalSecs: 1,
    warn: { value: 150, message: "warn" },
    critical: { value: 250, message: "critical" },
  }));
  const simulated = new SimulatedSource(clock, new SeededRandom(5));
  const warmUpMs = 2_000;
  let measuring = false;
  const lags: number[] = [];
  let evaluations = 0;
  const engine = buildEngine(clock, store, { simulated, dbsim: unused, "alerts-server": unused }, 64, (timing) => {
    if (!measuring) return;
    evaluations++;
    lags.push(timing.startedAtMs - timing.dueAtMs);
  });
  engine.start();
  await sleep(warmUpMs);
  await options.onMeasureStart?.();
  const transitionsBefore = engine.counters.transitions;
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  measuring = false;
  await options.onMeasureEnd?.();
  const transitions = engine.counters.transitions - transitionsBefore;
  await engine.stop();
  database.close();
  lags.sort((a, b) => a - b);
  return {
    alerts,
    seconds: Math.round(elapsed * 10) / 10,
    evaluationsPerSecond: Math.round(evaluations / elapsed),
    lagP50Ms: percentile(lags, 0.5),
    lagP99Ms: percentile(lags, 0.99),
    lagMaxMs: lags.at(-1) ?? Number.NaN,
    cpuMicrosPerEvaluation: Math.round(((cpu.user + cpu.system) / evaluations) * 10) / 10,
    transitions,
  };
}

export async function startSimulatorProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(process.cwd(), "bench", "alerts", "simulator-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { url: string }).url));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the simulator process exited with ${code}`)));
  });
  return { child, url };
}

/** One GET on undici's dispatch API, the body collected by a minimal handler: the least a client can do per request. */
function dispatchGet(pool: Pool, path: string): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    const chunks: Buffer[] = [];
    pool.dispatch(
      { path, method: "GET", headersTimeout: 10_000, bodyTimeout: 10_000 },
      {
        onConnect() {},
        onError: reject,
        onUpgrade() {},
        onHeaders(status: number) {
          statusCode = status;
          return true;
        },
        onData(chunk: Buffer) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          resolve({
            statusCode,
            text: chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"),
          });
        },
      },
    );
  });
}

async function requestGet(pool: Pool, path: string): Promise<{ statusCode: number; text: string }> {
  const response = await pool.request({ path, method: "GET", headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { statusCode: response.statusCode, text: await response.body.text() };
}

/**
 * A bare keep-alive client: `connections` loops, each sending the next GET /query as soon as the last answered.
 * Same pool options as the engine's client, and targets from the same `test-query-N` space as the engine's
 * alerts, so that the simulator does the same work per request in both runs. `dispatch` is undici's lowest API
 * (the one the engine's adapter uses) and the baseline of the ratio; `request` is the everyday API, for reference.
 */
export async function bareClientRate(
  url: string,
  connections: number,
  seconds: number,
  api: "dispatch" | "request" = "dispatch",
): Promise<{ rate: number; cpuMicrosPerRequest: number }> {
  const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
  const get = api === "dispatch" ? dispatchGet : requestGet;
  let stop = false;
  let count = 0;
  const loop = async (worker: number) => {
    let index = worker;
    while (!stop) {
      const response = await get(pool, `/query?target=${encodeURIComponent(`test-query-${index % BARE_TARGETS}`)}`);
      index += connections;
      if (response.statusCode === 200) count++;
    }
  };
  const loops = Array.from({ length: connections }, (_, worker) => loop(worker));
  await sleep(1000);
  const before = count;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const rate = (count - before) / ((performance.now() - started) / 1000);
  const cpuMicrosPerRequest = (cpu.user + cpu.system) / (count - before);
  stop = true;
  await Promise.all(loops);
  await pool.close();
  return { rate, cpuMicrosPerRequest };
}

export async function engineRate(
  url: string,
  connections: number,
  alerts: number,
  seconds: number,
  options: { onMeasureStart?: () => Promise<void>; onMeasureEnd?: () => Promise<void> } = {},
): Promise<{ rate: number; cpuMicrosPerRequest: number }> {
  const database = createTestDatabase();
  const clock = new SystemClock();
  const store = new SqliteAlertEngineStore(database.db, clock);
  createRules(database.db, alerts, (index) => ({
    name: `http-${index}`,
    sourceKind: "alerts-server",
    query: `test-query-${index}`,
    intervalSecs: 1,
    warn: { value: 1e9, message: "warn" },
    critical: { value: 2e9, message: "critical" },
  }));
  const client = new AlertsServerClient({ baseUrl: url, timeoutMs: 10_000, connections });
  let requests = 0;
  const engine = buildEngine(
    clock,
    store,
    { "alerts-server": client, simulated: unused, dbsim: unused },
    connections,
    (timing) => {
      requests += timing.requests;
    },
  );
  engine.start();
  // Past the first history write of every alert, so that the window measures the steady state.
  await sleep(HISTORY_WRITE_EVERY_MS + 1_000);
  await options.onMeasureStart?.();
  const before = requests;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const rate = (requests - before) / ((performance.now() - started) / 1000);
  const cpuMicrosPerRequest = (cpu.user + cpu.system) / (requests - before);
  await options.onMeasureEnd?.();
  await engine.stop();
  await client.close();
  database.close();
  return { rate, cpuMicrosPerRequest };
}

export async function benchHttp(seconds: number): Promise<AlertsBenchResult["http"]> {
  const connections = 64;
  const { child, url } = await startSimulatorProcess();
  try {
    const bareBefore = await bareClientRate(url, connections, seconds);
    // Enough alerts at 1 s that the engine wants more requests than the server answers: the engine is the limit.
    const alerts = Math.max(1_000, Math.ceil(bareBefore.rate * 1.5));
    const engine = await engineRate(url, connections, alerts, seconds);
    const engineRequestsPerSecond = engine.rate;
    const bareAfter = await bareClientRate(url, connections, seconds);
    const requestApi = await bareClientRate(url, connections, seconds, "request");
    const bareRequestsPerSecond = (bareBefore.rate + bareAfter.rate) / 2;
    return {
      connections,
      alerts,
      bareCpuMicrosPerRequest:
        Math.round(((bareBefore.cpuMicrosPerRequest + bareAfter.cpuMicrosPerRequest) / 2) * 10) / 10,
      engineCpuMicrosPerRequest: Math.round(engine.cpuMicrosPerRequest * 10) / 10,
      requestApiRequestsPerSecond: Math.round(requestApi.rate),
      requestApiCpuMicrosPerRequest: Math.round(requestApi.cpuMicrosPerRequest * 10) / 10,
      bareRequestsPerSecond: Math.round(bareRequestsPerSecond),
      engineRequestsPerSecond: Math.round(engineRequestsPerSecond),
      ratio: Math.round((engineRequestsPerSecond / bareRequestsPerSecond) * 100) / 100,
    };
  } finally {
    child.send("stop");
  }
}

export async function runAlertsBench(
  options: { alerts?: number; seconds?: number; httpSeconds?: number } = {},
): Promise<AlertsBenchResult> {
  const inProcess = await benchInProcess(options.alerts ?? 10_000, options.seconds ?? 30);
  console.log(
    `alerts, in process: ${inProcess.alerts} alerts at 1 s for ${inProcess.seconds} s (SQLite store, simulated source)`,
  );
  console.log(`  evaluations/s          ${inProcess.evaluationsPerSecond}`);
  console.log(
    `  schedule lag p50 / p99 ${inProcess.lagP50Ms.toFixed(1)} ms / ${inProcess.lagP99Ms.toFixed(1)} ms (max ${inProcess.lagMaxMs.toFixed(1)} ms; target p99 < ${TARGET_LAG_P99_MS} ms: ${inProcess.lagP99Ms < TARGET_LAG_P99_MS ? "met" : "NOT met"})`,
  );
  console.log(`  CPU per evaluation     ${inProcess.cpuMicrosPerEvaluation} µs`);
  console.log(`  transitions committed  ${inProcess.transitions}`);
  if (options.httpSeconds === 0)
    return {
      inProcess,
      http: {
        connections: 0,
        alerts: 0,
        bareRequestsPerSecond: 0,
        engineRequestsPerSecond: 0,
        ratio: 0,
        bareCpuMicrosPerRequest: 0,
        engineCpuMicrosPerRequest: 0,
        requestApiRequestsPerSecond: 0,
        requestApiCpuMicrosPerRequest: 0,
      },
    };
  const http = await benchHttp(options.httpSeconds ?? 5);
  console.log(
    `alerts, over HTTP against the simulator (separate process, ${http.connections} keep-alive connections):`,
  );
  console.log(
    `  bare client (undici dispatch, the baseline) ${http.bareRequestsPerSecond} requests/s, ${http.bareCpuMicrosPerRequest} µs CPU per request (client side; mean of a run before and after the engine)`,
  );
  console.log(
    `  bare client (undici request(), reference)  ${http.requestApiRequestsPerSecond} requests/s, ${http.requestApiCpuMicrosPerRequest} µs CPU per request`,
  );
  console.log(
    `  engine (${http.alerts} alerts at 1 s) ${http.engineRequestsPerSecond} requests/s, ${http.engineCpuMicrosPerRequest} µs CPU per request (query, evaluation, history write)`,
  );
  console.log(
    `  ratio                  ${http.ratio} (target ≥ ${TARGET_HTTP_RATIO}: ${http.ratio >= TARGET_HTTP_RATIO ? "met" : "NOT met"}); CPU per request, bare / engine: ${Math.round((http.bareCpuMicrosPerRequest / http.engineCpuMicrosPerRequest) * 100) / 100}`,
  );
  console.log(
    `  (both share this machine's cores with the simulator process; run on an idle machine for stable figures)`,
  );
  return { inProcess, http };
}
