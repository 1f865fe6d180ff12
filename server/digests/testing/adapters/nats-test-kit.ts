/**
 * Test support for the NATS integration tests and the bench (not used in production): a unique prefix per
 * run, a plain NATS client that publishes like the challenge's producers and collects AlarmDigest, worker
 * child processes, and clean-up of the run's streams and bucket.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { subjectsWithPrefix, type AlarmDigestMessage, type DigestSubjects } from "../../messages";
import { digestStreamNames } from "../../adapters/nats-transport";

export const TEST_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

export function uniqueRun(label: string): { prefix: string; subjects: DigestSubjects } {
  const prefix = `t_${label}_${randomBytes(4).toString("hex")}`;
  return { prefix, subjects: subjectsWithPrefix(prefix) };
}

export async function plainClient(): Promise<NatsConnection> {
  return connect({ servers: TEST_NATS_URL.replace(/^nats:\/\//, "") });
}

/** Collects every AlarmDigest published on `subject`, as a core NATS subscriber would. */
export function collectDigests(
  nc: NatsConnection,
  subject: string,
): { digests: AlarmDigestMessage[]; waitFor: (count: number, timeoutMs?: number) => Promise<AlarmDigestMessage[]> } {
  const digests: AlarmDigestMessage[] = [];
  // Waiters are woken on arrival (no polling), so that the bench's latency figures are not rounded up.
  const waiters = new Set<() => void>();
  // Delivery is at least once: a digest republished after a redelivered request carries the same Nats-Msg-Id
  // (JetStream drops it from the stream, but a core subscriber sees both). Count each digest once, as a
  // JetStream consumer of AlarmDigest would.
  const seenIds = new Set<string>();
  nc.subscribe(subject, {
    callback: (_error, message) => {
      const digestId = message.headers?.get("Nats-Msg-Id");
      if (digestId) {
        if (seenIds.has(digestId)) return;
        seenIds.add(digestId);
      }
      digests.push(message.json<AlarmDigestMessage>());
      for (const wake of [...waiters]) wake();
    },
  });
  const waitFor = (count: number, timeoutMs = 20_000) =>
    new Promise<AlarmDigestMessage[]>((resolve, reject) => {
      const check = () => {
        if (digests.length < count) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(digests);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${count} digest(s) on ${subject} (got ${digests.length})`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { digests, waitFor };
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the consumer has nothing pending and nothing unacknowledged. */
export async function waitForConsumerDrained(
  nc: NatsConnection,
  prefix: string,
  consumer: "statusConsumer" | "requestConsumer",
  timeoutMs = 30_000,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const names = digestStreamNames(prefix);
  await waitUntil(
    async () => {
      const info = await jsm.consumers.info(names.inbound, names[consumer]).catch(() => null);
      return info !== null && info.num_pending === 0 && info.num_ack_pending === 0;
    },
    timeoutMs,
    `consumer ${names[consumer]} to drain`,
  );
}

export async function deleteRun(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const names = digestStreamNames(prefix);
  for (const stream of [names.inbound, names.outbound, `KV_${prefix}_digest_state`])
    await jsm.streams.delete(stream).catch(() => undefined);
}

/**
 * NODE_OPTIONS for a digest worker process, as docs/digests.md recommends for production: a 64 MiB young
 * generation, so that a batch of status changes (thousands of messages alive until their commit) is collected
 * young instead of promoted; it cuts the worker's garbage-collection time by about a third.
 */
export function workerNodeOptions(): string {
  return [process.env.NODE_OPTIONS, "--max-semi-space-size=64"].filter(Boolean).join(" ");
}

export type WorkerProcess = { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> };

/** Starts server/jobs/digests-worker.ts as a child process and resolves `ready` once it consumes. */
export function startWorkerProcess(options: {
  prefix: string;
  databasePath: string;
  state: "sqlite" | "nats-kv";
  ackWaitMs?: number;
  maxBatch?: number;
}): WorkerProcess {
  const root = process.cwd();
  // node itself with tsx's loader, not the tsx CLI: the CLI runs the script in a second process, so killing the
  // CLI (SIGKILL above all) left the worker running, orphaned — a "killed" worker that went on acknowledging.
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(root, "server/jobs/digests-worker.ts"),
      `--state=${options.state}`,
      `--subject-prefix=${options.prefix}`,
      `--ack-wait-ms=${options.ackWaitMs ?? 2000}`,
      ...(options.maxBatch ? [`--max-batch=${options.maxBatch}`] : []),
      "--exit-with-parent",
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_OPTIONS: workerNodeOptions(),
        NATS_URL: TEST_NATS_URL,
        NATS_PREFIX: options.prefix,
        DATABASE_PATH: options.databasePath,
        LOG_LEVEL: "warn",
        WATCHPOST_DEMO: "false",
        NODE_ENV: "test",
      },
      // Standard input stays open while this (test) process lives: if it dies without cleaning up, the worker ends.
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("digest worker ready")) resolve();
    });
    // The child's stack frames are left out of the message: vitest would try to map them to source maps of
    // files it never loaded (tsx's own loader) and fail on that instead of reporting this error.
    void exited.then((code) =>
      reject(
        new Error(
          `digest worker exited (${code}) before it was ready: ${stderr
            .split("\n")
            .filter((line) => !/^\s+at /.test(line))
            .join("\n")}`,
        ),
      ),
    );
  });
  return { child, ready, exited };
}

/**
 * A generated history with a known outcome: `alarms` alarms over `users` users, each reported WARNING, then
 * some CRITICAL one nanosecond later, then some CLEARED. Returns the messages and each user's expected
 * active alarms, oldest first.
 */
export function generatedHistory(alarms: number, users: number) {
  const messages: { AlarmID: string; UserID: string; Status: string; ChangedAt: string }[] = [];
  const expected = new Map<string, { AlarmID: string; Status: string; LatestChangedAt: string }[]>();
  for (let index = 0; index < alarms; index++) {
    const userId = `user-${index % users}`;
    const alarmId = `alarm-${String(index).padStart(6, "0")}`;
    const second = String(index % 60).padStart(2, "0");
    const minute = String(Math.floor(index / 60) % 60).padStart(2, "0");
    const hour = String(Math.floor(index / 3600) % 24).padStart(2, "0");
    const base = `2021-06-07T${hour}:${minute}:${second}.1234567`;
    messages.push({ AlarmID: alarmId, UserID: userId, Status: "WARNING", ChangedAt: `${base}Z` });
    let latest = { Status: "WARNING", LatestChangedAt: `${base}Z` };
    if (index % 2 === 0) {
      messages.push({ AlarmID: alarmId, UserID: userId, Status: "CRITICAL", ChangedAt: `${base}01Z` });
      latest = { Status: "CRITICAL", LatestChangedAt: `${base}01Z` };
    }
    if (index % 3 === 0)
      messages.push({ AlarmID: alarmId, UserID: userId, Status: "CLEARED", ChangedAt: `${base}02Z` });
    else expected.set(userId, [...(expected.get(userId) ?? []), { AlarmID: alarmId, ...latest }]);
  }
  return { messages, expected };
}

/**
 * Runs `body` while holding a machine-wide lock on the default subject names (AlarmStatusChanged, …): only one
 * JetStream stream may capture a subject, and test files run in parallel processes.
 */
export async function withDefaultSubjects<T>(body: () => Promise<T>): Promise<T> {
  const { openSync, closeSync, unlinkSync, statSync } = await import("node:fs");
  const lockPath = path.join(tmpdir(), "watchpost-digest-default-subjects.lock");
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      closeSync(openSync(lockPath, "wx"));
      break;
    } catch {
      // A lock left by a killed run is stale after a minute.
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > 60_000) unlinkSync(lockPath);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`could not take ${lockPath} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await body();
  } finally {
    unlinkSync(lockPath);
  }
}
