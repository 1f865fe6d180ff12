/**
 * Reliability against the real NATS server (NATS_URL, default 127.0.0.1:4222). Producers publish with plain
 * core NATS, like the challenge's; digests are collected by a plain core subscriber.
 */
import { UserDirectory } from "@/server/auth/users";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { SystemClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { createDigestModule, type DigestModuleOptions } from "@/server/jobs/digests";
import { DEFAULT_SUBJECTS, type DigestSubjects } from "../messages";
import { digestStreamNames } from "./nats-transport";
import { expectedDigestAfter, scriptedHistory } from "../testing/scripted-history";
import {
  collectDigests,
  withDefaultSubjects,
  deleteRun,
  generatedHistory,
  plainClient,
  startWorkerProcess,
  TEST_NATS_URL,
  uniqueRun,
  waitForConsumerDrained,
  waitUntil,
  type WorkerProcess,
} from "../testing/adapters/nats-test-kit";

let database: TestDatabase;
let nc: NatsConnection;
let prefixes: string[];
let stops: (() => Promise<void>)[];
let children: WorkerProcess[];

beforeEach(async () => {
  database = createTestDatabase();
  nc = await plainClient();
  prefixes = [];
  stops = [];
  children = [];
});

afterEach(async () => {
  for (const worker of children) if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  for (const stop of stops) await stop().catch(() => undefined);
  for (const prefix of prefixes) await deleteRun(nc, prefix);
  await nc.drain();
  database.close();
});

async function startInProcessWorker(prefix: string, subjects: DigestSubjects, options: DigestModuleOptions = {}) {
  prefixes.push(prefix);
  const config = parseConfig({
    NATS_URL: TEST_NATS_URL,
    NATS_PREFIX: prefix,
    DATABASE_PATH: database.filePath,
    WATCHPOST_DEMO: "false",
  });
  const digestModule = createDigestModule(
    {
      config,
      db: database.db,
      clock: new SystemClock(),
      random: new SeededRandom(1),
      bus: new InProcessEventBus(),
      logger: createLogger("test"),
      people: new UserDirectory(database.db, new SystemClock()),
    },
    { transport: "nats", subjects, ackWaitMs: 2000, ...options },
  );
  await digestModule.engine.start();
  stops.push(() => digestModule.engine.stop());
  return digestModule.console;
}

function shuffledWithDuplicates<T>(items: T[], seed: number): T[] {
  const random = new SeededRandom(seed);
  const copy = [...items, ...items.filter(() => random.next() < 0.6)];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.integer(0, index);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe.each(["sqlite", "nats-kv"] as const)("the digest worker on NATS JetStream with %s state", (state) => {
  it("gives exactly the expected digests from a shuffled, duplicated delivery of a scripted history", async () => {
    const { prefix, subjects } = uniqueRun("shuffle");
    await startInProcessWorker(prefix, subjects, { state });
    const collector = collectDigests(nc, subjects.digest);
    for (const message of shuffledWithDuplicates(scriptedHistory(), 11))
      nc.publish(subjects.statusChanged, JSON.stringify(message));
    await nc.flush();
    await waitForConsumerDrained(nc, prefix, "statusConsumer");
    for (const userId of ["u-ann", "u-bob", "u-cid"])
      nc.publish(subjects.digestRequest, JSON.stringify({ UserID: userId }));
    const digests = await collector.waitFor(3);
    expect(digests).toEqual(
      ["u-ann", "u-bob", "u-cid"].map((userId) => expectedDigestAfter(scriptedHistory(), userId)),
    );
    // Asked again with nothing changed: an answer, but no alarm twice.
    nc.publish(subjects.digestRequest, JSON.stringify({ UserID: "u-ann" }));
    expect((await collector.waitFor(4))[3]).toEqual({ UserID: "u-ann", ActiveAlarms: [] });
  });

  it("dead-letters malformed messages with reason and raw body and goes on", async () => {
    const { prefix, subjects } = uniqueRun("dlq");
    const digestsConsole = await startInProcessWorker(prefix, subjects, { state });
    const collector = collectDigests(nc, subjects.digest);
    const bad = [
      "{oops",
      JSON.stringify({ AlarmID: "a", UserID: "u", Status: "ON_FIRE", ChangedAt: "2021-06-07T20:40:15Z" }),
      JSON.stringify({ AlarmID: "a", UserID: "u", Status: "WARNING", ChangedAt: "June 7th" }),
      JSON.stringify({ AlarmID: "a", Status: "WARNING", ChangedAt: "2021-06-07T20:40:15Z" }),
    ];
    for (const body of bad) nc.publish(subjects.statusChanged, body);
    nc.publish(subjects.digestRequest, "not json either");
    nc.publish(
      subjects.statusChanged,
      JSON.stringify({ AlarmID: "good", UserID: "u", Status: "CRITICAL", ChangedAt: "2021-06-07T20:40:15Z" }),
    );
    await nc.flush();
    await waitForConsumerDrained(nc, prefix, "statusConsumer");
    await waitForConsumerDrained(nc, prefix, "requestConsumer");
    nc.publish(subjects.digestRequest, JSON.stringify({ UserID: "u" }));
    expect((await collector.waitFor(1))[0]).toEqual({
      UserID: "u",
      ActiveAlarms: [{ AlarmID: "good", Status: "CRITICAL", LatestChangedAt: "2021-06-07T20:40:15Z" }],
    });
    const letters = await digestsConsole.listDeadLetters({ page: 1, pageSize: 50 });
    expect(letters.items.map((letter) => letter.rawBody).sort()).toEqual([...bad, "not json either"].sort());
    const reasons = letters.items.map((letter) => letter.reason).join("\n");
    for (const pattern of [/not JSON/, /Status must be one of/, /not an RFC 3339/, /UserID/])
      expect(reasons).toMatch(pattern);
  });
});

describe("the source document's manual test", () => {
  it(
    "publishing its example messages with a plain NATS client yields the AlarmDigest it describes",
    () =>
      withDefaultSubjects(async () => {
        // The default subject names, exactly as `nats pub AlarmStatusChanged …` uses them.
        const { prefix } = uniqueRun("manual");
        await startInProcessWorker(prefix, { ...DEFAULT_SUBJECTS }, { state: "sqlite" });
        const collector = collectDigests(nc, "AlarmDigest");
        // nats-cli fills {{ID}} with a fresh id and {{TimeStamp}} with the current time on every publish.
        let sequence = 0;
        const id = () => `${Date.now().toString(16)}-${++sequence}`;
        const timestamp = () => new Date().toISOString().replace("Z", `${String(++sequence).padStart(6, "0")}Z`);
        const published = [
          { UserID: "1", AlarmID: id(), Status: "CRITICAL", ChangedAt: timestamp() },
          { UserID: "2", AlarmID: id(), Status: "CRITICAL", ChangedAt: timestamp() },
          { UserID: "2", AlarmID: id(), Status: "CLEARED", ChangedAt: timestamp() },
          { UserID: "3", AlarmID: id(), Status: "CRITICAL", ChangedAt: timestamp() },
        ];
        for (const message of published) nc.publish("AlarmStatusChanged", JSON.stringify(message));
        await nc.flush();
        // A person typing the commands leaves the worker time to apply them; the two subjects have separate
        // consumers, so a request overtaking reports is answered with what has arrived (the rest comes next time).
        await waitForConsumerDrained(nc, prefix, "statusConsumer");
        nc.publish("SendAlarmDigest", JSON.stringify({ UserID: "2" }));
        // User 2's CLEARED is for another alarm ({{ID}} differs), so the digest holds user 2's CRITICAL alarm only.
        const [digest] = await collector.waitFor(1);
        expect(digest).toEqual({
          UserID: "2",
          ActiveAlarms: [
            { AlarmID: published[1]!.AlarmID, Status: "CRITICAL", LatestChangedAt: published[1]!.ChangedAt },
          ],
        });
        // Release the default subjects before the lock goes: stop the worker and delete this run's streams.
        for (const stop of stops.splice(0)) await stop();
        await deleteRun(nc, prefix);
      }),
    90_000,
  );
});

describe("worker processes", () => {
  it("loses nothing when a worker is killed mid-stream without acknowledging, once it is restarted", async () => {
    const { prefix, subjects } = uniqueRun("crash");
    prefixes.push(prefix);
    const { messages, expected } = generatedHistory(12_000, 5);
    // The stream must exist before plain publishes are captured: the first worker creates it, then stops.
    const first = startWorkerProcess({ prefix, databasePath: database.filePath, state: "sqlite" });
    children.push(first);
    await first.ready;
    first.child.kill("SIGTERM");
    await first.exited;
    for (const message of messages) nc.publish(subjects.statusChanged, JSON.stringify(message));
    await nc.flush();
    // Small commits, so that it is reliably killed mid-stream (at full batch size it can drain before the kill).
    const doomed = startWorkerProcess({ prefix, databasePath: database.filePath, state: "sqlite", maxBatch: 64 });
    children.push(doomed);
    await doomed.ready;
    const applied = () =>
      (database.db.$client.prepare("SELECT count(*) AS n FROM digest_alarm_state").get() as { n: number }).n;
    await waitUntil(() => applied() > 0, 20_000, "the worker to commit a first batch");
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const jsm = await jetstreamManager(nc);
    const names = digestStreamNames(prefix);
    const afterKill = await jsm.consumers.info(names.inbound, names.statusConsumer);
    // Killed mid-stream: some messages were still waiting or delivered without an acknowledgement.
    expect(afterKill.num_pending + afterKill.num_ack_pending).toBeGreaterThan(0);
    const restarted = startWorkerProcess({ prefix, databasePath: database.filePath, state: "sqlite" });
    children.push(restarted);
    await restarted.ready;
    await waitForConsumerDrained(nc, prefix, "statusConsumer", 60_000);
    const collector = collectDigests(nc, subjects.digest);
    for (const userId of expected.keys()) nc.publish(subjects.digestRequest, JSON.stringify({ UserID: userId }));
    const digests = await collector.waitFor(expected.size, 30_000);
    expect(new Map(digests.map((digest) => [digest.UserID, digest.ActiveAlarms]))).toEqual(expected);
  }, 120_000);

  it.each(["nats-kv", "sqlite"] as const)(
    "two worker processes on one stream (%s state) produce the same digests as one, no alarm lost or duplicated",
    async (state) => {
      const { messages, expected } = generatedHistory(3_000, 4);
      const shuffled = shuffledWithDuplicates(messages, 5);
      const runWith = async (workers: number) => {
        const { prefix, subjects } = uniqueRun(`w${workers}`);
        prefixes.push(prefix);
        // SQLite workers share one file; each run gets its own so that the two runs do not see each other's state.
        const databasePath = state === "sqlite" ? `${database.filePath}.${workers}` : database.filePath;
        // A long ack wait: this test is about sharing the stream, not redelivery (the crash test covers that).
        const started = Array.from({ length: workers }, () =>
          startWorkerProcess({ prefix, databasePath, state, ackWaitMs: 15_000 }),
        );
        children.push(...started);
        await Promise.all(started.map((worker) => worker.ready));
        for (const message of shuffled) nc.publish(subjects.statusChanged, JSON.stringify(message));
        await nc.flush();
        await waitForConsumerDrained(nc, prefix, "statusConsumer", 90_000);
        const collector = collectDigests(nc, subjects.digest);
        // Each user asks twice: the second digest must be empty (nothing sent twice), and exactly one answer each.
        for (const round of [1, 2]) {
          for (const userId of expected.keys()) nc.publish(subjects.digestRequest, JSON.stringify({ UserID: userId }));
          await collector.waitFor(expected.size * round, 30_000);
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const worker of started) worker.child.kill("SIGTERM");
        return collector.digests;
      };
      const one = await runWith(1);
      const two = await runWith(2);
      for (const digests of [one, two]) {
        expect(digests).toHaveLength(expected.size * 2);
        const firsts = new Map(digests.slice(0, expected.size).map((digest) => [digest.UserID, digest.ActiveAlarms]));
        expect(firsts).toEqual(expected);
        expect(digests.slice(expected.size).every((digest) => digest.ActiveAlarms.length === 0)).toBe(true);
      }
      expect(new Map(two.map((digest) => [digest.UserID, digest]))).toEqual(
        new Map(one.map((digest) => [digest.UserID, digest])),
      );
    },
    180_000,
  );
});
