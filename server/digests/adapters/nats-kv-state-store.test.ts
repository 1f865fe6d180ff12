/**
 * The NATS KV state store against the real NATS server (NATS_URL, default 127.0.0.1:4222), with two replicas
 * (two stores, each its own connection, on one bucket): simultaneous digests for one user never both include an
 * alarm; a digest waits for a user's lock held by another replica, and a lock whose holder died is taken over
 * once it stayed unchanged (judged by the waiter's own clock, never the holder's).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { ManualClock, SystemClock } from "@/server/core/clock";
import { createTestDatabase } from "@/db/test-database";
import { parseChangedAt } from "../alarm-time";
import type { AlarmStatusChange } from "../alarm-state";
import { LazyNatsConnection } from "./nats-connection";
import { NatsKvDigestStateStore } from "./nats-kv-state-store";
import { SqliteDigestStateStore } from "./sqlite-state-store";
import { deleteRun, plainClient, TEST_NATS_URL, uniqueRun } from "../testing/adapters/nats-test-kit";

let nc: NatsConnection;
let prefix: string;
let connections: LazyNatsConnection[];

beforeEach(async () => {
  nc = await plainClient();
  prefix = uniqueRun("kv").prefix;
  connections = [];
});

afterEach(async () => {
  for (const connection of connections) await connection.close();
  await deleteRun(nc, prefix);
  await nc.drain();
});

function replica(name: string, options: { lockTakeoverMs?: number; warnings?: string[] } = {}): NatsKvDigestStateStore {
  const connection = new LazyNatsConnection(TEST_NATS_URL, name);
  connections.push(connection);
  return new NatsKvDigestStateStore({
    connection,
    prefix,
    clock: new SystemClock(),
    recordAudit: async () => {},
    lockTakeoverMs: options.lockTakeoverMs,
    onWarning: (_fields, message) => options.warnings?.push(message),
  });
}

function change(userId: string, alarmId: string, changedAt: string): AlarmStatusChange {
  return { userId, alarmId, status: "CRITICAL", changedAt, changedAtNanos: parseChangedAt(changedAt).nanos };
}

let ids = 0;
const newId = () => `dig_${String(++ids).padStart(6, "0")}`;

describe("NATS KV digest state, two replicas", () => {
  it("gives each active alarm to one of two simultaneous digests for the same user, never both", async () => {
    const a = replica("kv-a");
    const b = replica("kv-b");
    const alarms = Array.from({ length: 20 }, (_, index) =>
      change("user-1", `alarm-${index}`, `2026-01-01T00:00:${String(index).padStart(2, "0")}.5Z`),
    );
    await a.applyChanges(alarms);
    for (let round = 0; round < 5; round++) {
      const request = (key: string) => ({
        requestKey: `${key}-${round}`,
        userId: "user-1",
        requestedAtMs: 0,
        requestedBy: "test",
      });
      const [fromA, fromB] = await Promise.all([
        a.prepareDigest(request("a"), newId),
        b.prepareDigest(request("b"), newId),
      ]);
      const sent = [...fromA.record.alarms, ...fromB.record.alarms].map((alarm) => alarm.alarmId);
      // The first round sends all 20 alarms once between the two; later rounds send nothing (nothing changed).
      expect(sent.sort()).toEqual(round === 0 ? alarms.map((alarm) => alarm.alarmId).sort() : []);
    }
  }, 30_000);

  it("waits for a user's digest lock held by another replica, and takes over one left unchanged (its holder died)", async () => {
    const warnings: string[] = [];
    // A short takeover period, so that the test waits a fraction of a second for the dead holder's lock.
    const store = replica("kv-survivor", { lockTakeoverMs: 300, warnings });
    await store.applyChanges([
      change("user-2", "alarm-1", "2026-01-01T00:00:01Z"),
      change("user-3", "alarm-9", "2026-01-01T00:00:02Z"),
    ]);
    const { js } = await connections[0]!.get();
    const kv = await new Kvm(js).open(store.bucketName);
    const lockOf = (userId: string) => `l.${Buffer.from(userId, "utf8").toString("base64url")}`;
    const request = (key: string, userId: string) => ({
      requestKey: key,
      userId,
      requestedAtMs: Date.now(),
      requestedBy: "test",
    });
    const tracked = <T>(promise: Promise<T>) => {
      const state = { settled: false, result: promise.finally(() => (state.settled = true)) };
      return state;
    };

    // Another replica holds user-3's lock: the digest waits for its release, then goes on.
    const held = await kv.put(lockOf("user-3"), JSON.stringify({ owner: "busy-replica", at: Date.now() }));
    const waiting = tracked(store.prepareDigest(request("while-held", "user-3"), newId));
    for (let roundTrip = 0; roundTrip < 10; roundTrip++) await kv.get(lockOf("user-3"));
    expect(waiting.settled).toBe(false);
    await kv.delete(lockOf("user-3"), { previousSeq: held });
    expect((await waiting.result).record.alarms.map((alarm) => alarm.alarmId)).toEqual(["alarm-9"]);
    expect(warnings).toEqual([]);

    // A replica died holding user-2's lock: nobody releases it, and it is taken over once it stayed unchanged.
    await kv.put(lockOf("user-2"), JSON.stringify({ owner: "dead-replica", at: Date.now() }));
    const afterCrash = tracked(store.prepareDigest(request("after-crash", "user-2"), newId));
    for (let roundTrip = 0; roundTrip < 10; roundTrip++) await kv.get(lockOf("user-2"));
    expect(afterCrash.settled).toBe(false);
    expect((await afterCrash.result).record.alarms.map((alarm) => alarm.alarmId)).toEqual(["alarm-1"]);
    expect(warnings).toEqual([expect.stringContaining("took over the digest lock of user user-2 from dead-replica")]);
    expect(await kv.get(lockOf("user-2")).then((entry) => entry?.operation)).not.toBe("PUT");
  }, 30_000);

  it("reads the console's users page, with each user's first alarms and sent markers, as the SQLite store does", async () => {
    const kv = replica("kv-reader");
    const database = createTestDatabase();
    try {
      const sqlite = new SqliteDigestStateStore(database.db, new ManualClock());
      const changes = [
        ...Array.from({ length: 7 }, (_, index) =>
          change("user-b", `alarm-${6 - index}`, `2026-01-01T00:00:0${index}Z`),
        ),
        change("user-a", "alarm-1", "2026-01-01T00:00:09.25Z"),
        change("user-a", "alarm-2", "2026-01-01T00:00:01+03:00"),
        { ...change("user-c", "alarm-1", "2026-01-01T00:00:03Z"), status: "CLEARED" as const },
        { ...change("user-d", "alarm-1", "2026-01-01T00:00:03Z"), status: "WARNING" as const },
      ];
      for (const store of [kv, sqlite]) {
        await store.applyChanges(changes);
        await store.prepareDigest(
          { requestKey: "d1", userId: "user-a", requestedAtMs: 0, requestedBy: "test" },
          () => "dig_000001",
        );
        await store.applyChanges([change("user-a", "alarm-1", "2026-01-01T00:00:10Z")]);
      }
      for (const page of [
        { page: 1, pageSize: 2 },
        { page: 2, pageSize: 2 },
        { page: 3, pageSize: 2 },
      ]) {
        const fromKv = await kv.listUsersWithActiveAlarms(page, 5);
        expect(fromKv).toEqual(await sqlite.listUsersWithActiveAlarms(page, 5));
        expect(fromKv.total).toBe(3);
      }
      const [userA, userB] = (await kv.listUsersWithActiveAlarms({ page: 1, pageSize: 10 }, 5)).items;
      expect(userA?.firstAlarms.map((alarm) => [alarm.alarmId, alarm.lastSent !== null])).toEqual([
        ["alarm-2", true],
        ["alarm-1", true],
      ]);
      expect(userB).toMatchObject({ activeCount: 7, latestChangedAt: "2026-01-01T00:00:06Z" });
      expect(userB?.firstAlarms.map((alarm) => alarm.alarmId)).toEqual([
        "alarm-6",
        "alarm-5",
        "alarm-4",
        "alarm-3",
        "alarm-2",
      ]);
    } finally {
      database.close();
    }
  }, 30_000);
});
