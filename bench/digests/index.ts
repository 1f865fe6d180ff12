/**
 * Digest benchmark against the real NATS server (NATS_URL, default nats://127.0.0.1:4222). Prints:
 *  - AlarmStatusChanged applied per second by one digest worker process and by two (SQLite state shared on
 *    this machine), each as a ratio of a bare consume-and-ack consumer measured in the same run with the same
 *    client library and the same consumer settings;
 *  - the same for one worker on the NATS KV state (compare-and-set per message), for information;
 *  - digest latency (SendAlarmDigest published → AlarmDigest received) for a user with 1,000 active alarms,
 *    every alarm changed since the previous digest so that each digest carries all 1,000.
 * Method: consumers start first; then the bench publishes N messages with plain core NATS and times from the
 * first publish until the durable consumer has nothing pending and nothing unacknowledged.
 * Targets (issue 5): 20,000 msg/s on one worker, two workers >= 1.6x one, ratio >= 0.5, p99 < 20 ms.
 */
import { percentile } from "@/server/core/percentile";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { LazyNatsConnection } from "@/server/digests/adapters/nats-connection";
import { NatsDigestTransport, digestStreamNames } from "@/server/digests/adapters/nats-transport";
import {
  collectDigests,
  workerNodeOptions,
  deleteRun,
  plainClient,
  startWorkerProcess,
  TEST_NATS_URL,
  uniqueRun,
  waitForConsumerDrained,
  type WorkerProcess,
} from "@/server/digests/testing/adapters/nats-test-kit";
import { openDatabase } from "@/db/client";

const MESSAGES = Number(process.env.DIGEST_BENCH_MESSAGES ?? 100_000);
const KV_MESSAGES = Math.min(MESSAGES, 20_000);
const LATENCY_SAMPLES = 100;
const USERS = 200;
/** DIGEST_BENCH_PARTS=bare1,bare2,worker1,worker2,kv1,kv2,latency (default: all) runs only those parts. */
const PARTS = new Set(
  (process.env.DIGEST_BENCH_PARTS ?? "bare1,bare2,worker1,worker2,kv1,kv2,latency")
    .split(",")
    .map((part) => part.trim()),
);

/**
 * CPU seconds used so far by a process and its descendants (tsx runs the script in a child node process), from
 * /proc: a figure that other load on the machine does not inflate, unlike messages per second.
 */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    const children = readdirSafe(`/proc/${pid}/task`).flatMap((task) =>
      readFileSafe(`/proc/${pid}/task/${task}/children`).split(" ").filter(Boolean).map(Number),
    );
    return own + children.reduce((sum, child) => sum + cpuSeconds(child), 0);
  } catch {
    return 0;
  }
}

function readdirSafe(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** The nats-server's pid, found by name in /proc (it shares this machine's cores with the consumers). */
function natsServerPid(): number | null {
  for (const entry of readdirSafe("/proc")) {
    if (/^\d+$/.test(entry) && readFileSafe(`/proc/${entry}/comm`).trim() === "nats-server") return Number(entry);
  }
  return null;
}

/** Busy CPU seconds of the whole machine (every process, other jobs included), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = readFileSafe("/proc/stat").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((sum, value) => sum + value, 0) - idle) / 100;
}

/**
 * Messages per second and where the CPU went during the run, in cores (CPU seconds per second of the run):
 * the consumers, the NATS server, this bench process (the publisher), and the whole machine (other jobs too).
 */
export type Rate = {
  perSecond: number;
  cpuMicrosPerMessage: number;
  cores: { consumers: number; server: number; publisher: number; machine: number };
};

function statusMessage(index: number, round = 0): string {
  const second = String(index % 60).padStart(2, "0");
  const minute = String(Math.floor(index / 60) % 60).padStart(2, "0");
  return JSON.stringify({
    AlarmID: `alarm-${index}`,
    UserID: `user-${index % USERS}`,
    Status: index % 7 === 0 ? "CLEARED" : index % 2 ? "CRITICAL" : "WARNING",
    ChangedAt: `2021-06-07T1${round % 10}:${minute}:${second}.${String(round).padStart(3, "0")}123456Z`,
  });
}

export async function publishBurst(
  nc: NatsConnection,
  subject: string,
  count: number,
  body: (index: number) => string,
): Promise<void> {
  for (let index = 0; index < count; index++) {
    nc.publish(subject, body(index));
    // Let the socket drain now and then, so that the client buffers stay small.
    if (index % 2000 === 1999) await nc.flush();
  }
  await nc.flush();
}

/** Times the drain of `count` messages published after the consumers are ready, and the consumers' CPU. */
async function timeDrain(
  nc: NatsConnection,
  prefix: string,
  subject: string,
  count: number,
  pids: number[],
): Promise<Rate> {
  const serverPid = natsServerPid();
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const serverBefore = serverPid ? cpuSeconds(serverPid) : 0;
  const publisherBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  await publishBurst(nc, subject, count, (index) => statusMessage(index));
  await waitForConsumerDrained(nc, prefix, "statusConsumer", 300_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
  const publisher = process.cpuUsage(publisherBefore);
  const cores = {
    consumers: cpu / seconds,
    server: serverPid ? (cpuSeconds(serverPid) - serverBefore) / seconds : NaN,
    publisher: (publisher.user + publisher.system) / 1e6 / seconds,
    machine: (machineBusySeconds() - machineBefore) / seconds,
  };
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.info(digestStreamNames(prefix).inbound, digestStreamNames(prefix).statusConsumer);
  if (info.delivered.stream_seq < count)
    throw new Error(`only ${info.delivered.stream_seq} of ${count} messages reached the stream`);
  return { perSecond: count / seconds, cpuMicrosPerMessage: (cpu / count) * 1e6, cores };
}

export async function createStreams(prefix: string, subjects: ReturnType<typeof uniqueRun>["subjects"]): Promise<void> {
  const connection = new LazyNatsConnection(TEST_NATS_URL, "digest-bench-setup");
  await new NatsDigestTransport({ connection, prefix, subjects, ackWaitMs: 30_000 }).ensureStreams();
  await connection.close();
}

async function bareRate(nc: NatsConnection, consumers: number): Promise<Rate> {
  const { prefix, subjects } = uniqueRun("bench_bare");
  await createStreams(prefix, subjects);
  const names = digestStreamNames(prefix);
  const children = Array.from({ length: consumers }, () =>
    spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(process.cwd(), "bench/digests/bare-consumer.ts"),
        TEST_NATS_URL,
        names.inbound,
        names.statusConsumer,
      ],
      { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_OPTIONS: workerNodeOptions() } },
    ),
  );
  try {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
            child.once("exit", (code) => reject(new Error(`bare consumer exited ${code}`)));
          }),
      ),
    );
    return await timeDrain(
      nc,
      prefix,
      subjects.statusChanged,
      MESSAGES,
      children.map((child) => child.pid!),
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await deleteRun(nc, prefix);
  }
}

async function workerRate(
  nc: NatsConnection,
  workers: number,
  state: "sqlite" | "nats-kv",
  count: number,
): Promise<Rate> {
  const { prefix, subjects } = uniqueRun(`bench_w${workers}`);
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-digest-bench-"));
  const databasePath = path.join(directory, "bench.db");
  openDatabase(databasePath).$client.close();
  await createStreams(prefix, subjects);
  const started: WorkerProcess[] = Array.from({ length: workers }, () =>
    startWorkerProcess({ prefix, databasePath, state, ackWaitMs: 30_000 }),
  );
  try {
    await Promise.all(started.map((worker) => worker.ready));
    return await timeDrain(
      nc,
      prefix,
      subjects.statusChanged,
      count,
      started.map((worker) => worker.child.pid!),
    );
  } finally {
    for (const worker of started) worker.child.kill("SIGTERM");
    await Promise.all(started.map((worker) => worker.exited));
    await deleteRun(nc, prefix);
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Digest latency against a worker already consuming `subjects`: each round changes every one of one user's 1,000
 * alarms (a newer WARNING, so that each digest carries all 1,000 again), waits for the drain, then times one
 * SendAlarmDigest until its AlarmDigest arrives. Round 0 warms the worker up (JIT, statement cache) and is not
 * counted. Returns the timings (ms, sorted) and the alarms in the last digest.
 */
export async function timeDigestRounds(
  nc: NatsConnection,
  prefix: string,
  subjects: ReturnType<typeof uniqueRun>["subjects"],
  rounds: number,
): Promise<{ samples: number[]; alarms: number }> {
  const collector = collectDigests(nc, subjects.digest);
  const samples: number[] = [];
  let alarms = 0;
  for (let round = 0; round <= rounds; round++) {
    await publishBurst(nc, subjects.statusChanged, 1000, (index) =>
      JSON.stringify({
        AlarmID: `alarm-${index}`,
        UserID: "busy-user",
        Status: "WARNING",
        ChangedAt: `2021-06-07T12:00:${String(index % 60).padStart(2, "0")}.${String(round).padStart(4, "0")}${String(index).padStart(5, "0")}Z`,
      }),
    );
    await waitForConsumerDrained(nc, prefix, "statusConsumer", 60_000);
    const before = collector.digests.length;
    const sentAt = performance.now();
    nc.publish(subjects.digestRequest, JSON.stringify({ UserID: "busy-user" }));
    await collector.waitFor(before + 1, 10_000);
    if (round > 0) samples.push(performance.now() - sentAt);
    alarms = collector.digests[before]!.ActiveAlarms.length;
  }
  samples.sort((a, b) => a - b);
  return { samples, alarms };
}

/** p50, p99 (nearest rank) and max of sorted timings. */
export function latencyFigures(sorted: number[]): { p50: number; p99: number; max: number } {
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1]! };
}

async function digestLatency(nc: NatsConnection): Promise<{ p50: number; p99: number; max: number; alarms: number }> {
  const { prefix, subjects } = uniqueRun("bench_latency");
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-digest-bench-"));
  const databasePath = path.join(directory, "bench.db");
  openDatabase(databasePath).$client.close();
  await createStreams(prefix, subjects);
  const worker = startWorkerProcess({ prefix, databasePath, state: "sqlite", ackWaitMs: 30_000 });
  try {
    await worker.ready;
    const { samples, alarms } = await timeDigestRounds(nc, prefix, subjects, LATENCY_SAMPLES);
    return { ...latencyFigures(samples), alarms };
  } finally {
    worker.child.kill("SIGTERM");
    await worker.exited;
    await deleteRun(nc, prefix);
    rmSync(directory, { recursive: true, force: true });
  }
}

const fmt = (value: number) => Math.round(value).toLocaleString("en-US");

export async function runDigestBench(): Promise<void> {
  const nc = await plainClient();
  try {
    console.log(`digest bench: NATS ${TEST_NATS_URL}, ${fmt(MESSAGES)} AlarmStatusChanged per run, ${USERS} users`);
    const cpu = (rate: Rate) =>
      `${rate.cpuMicrosPerMessage.toFixed(1)} µs CPU/msg   cores busy: consumers ${rate.cores.consumers.toFixed(2)}, nats-server ${rate.cores.server.toFixed(2)}, publisher ${rate.cores.publisher.toFixed(2)}, machine ${rate.cores.machine.toFixed(2)} of ${availableParallelism()}`;
    const none: Rate = {
      perSecond: NaN,
      cpuMicrosPerMessage: NaN,
      cores: { consumers: NaN, server: NaN, publisher: NaN, machine: NaN },
    };
    const bare = PARTS.has("bare1") ? await bareRate(nc, 1) : none;
    if (PARTS.has("bare1"))
      console.log(`bare consume-and-ack consumer:          ${fmt(bare.perSecond)} msg/s   ${cpu(bare)}`);
    if (PARTS.has("bare2")) {
      const bareTwo = await bareRate(nc, 2);
      console.log(
        `bare consume-and-ack consumers x2:      ${fmt(bareTwo.perSecond)} msg/s   ${cpu(bareTwo)}   x${(bareTwo.perSecond / bare.perSecond).toFixed(2)} of one (this machine's ceiling for scaling out)`,
      );
    }
    const one = PARTS.has("worker1") ? await workerRate(nc, 1, "sqlite", MESSAGES) : none;
    if (PARTS.has("worker1"))
      console.log(
        `digest worker x1 (SQLite state):        ${fmt(one.perSecond)} msg/s   ${cpu(one)}   ratio to bare ${(one.perSecond / bare.perSecond).toFixed(2)}   (target >= 20,000 msg/s, ratio >= 0.5)`,
      );
    if (PARTS.has("worker2")) {
      const two = await workerRate(nc, 2, "sqlite", MESSAGES);
      console.log(
        `digest workers x2 (SQLite state):       ${fmt(two.perSecond)} msg/s   ${cpu(two)}   ratio to bare ${(two.perSecond / bare.perSecond).toFixed(2)}   x${(two.perSecond / one.perSecond).toFixed(2)} of one worker (target >= 1.6)`,
      );
    }
    const kv = PARTS.has("kv1") ? await workerRate(nc, 1, "nats-kv", KV_MESSAGES) : none;
    if (PARTS.has("kv1"))
      console.log(
        `digest worker x1 (NATS KV state, CAS):  ${fmt(kv.perSecond)} msg/s   ${cpu(kv)}   ratio to bare ${(kv.perSecond / bare.perSecond).toFixed(2)}   (information; ${fmt(KV_MESSAGES)} messages)`,
      );
    if (PARTS.has("kv2")) {
      const kvTwo = await workerRate(nc, 2, "nats-kv", KV_MESSAGES);
      console.log(
        `digest workers x2 (NATS KV state, CAS): ${fmt(kvTwo.perSecond)} msg/s   ${cpu(kvTwo)}   x${(kvTwo.perSecond / kv.perSecond).toFixed(2)} of one KV worker (information)`,
      );
    }
    if (PARTS.has("latency")) {
      const latency = await digestLatency(nc);
      console.log(
        `digest latency, user with ${latency.alarms} active alarms (${LATENCY_SAMPLES} digests): p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms (target p99 < 20 ms)`,
      );
    }
  } finally {
    await nc.drain();
  }
}

// `tsx bench/digests/index.ts` runs it directly.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname ?? "", "index.ts")) {
  runDigestBench().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
