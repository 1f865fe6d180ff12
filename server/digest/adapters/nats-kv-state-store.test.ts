/**
 * The NATS KV state store against the real NATS server (NATS_URL, default 127.0.0.1:4222), with two replicas
 * (two stores, each its own connection, on one bucket): simultaneous digests for one user never both include an
 * alarm; a digest waits for a user's lock held by another replica, and a lock whose holder died does not block
 * that user for good.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { SystemClock } from "@/server/core/clock";
import { parseChangedAt } from "../alarm-time";
import type { AlarmStatusChange } from "../alarm-state";
import { LazyNatsConnection } from "./nats-connection";
import { NatsKvDigestStateStore } from "./nats-kv-state-store";
import { deleteRun, plainClient, TEST_NATS_URL, uniqueRun } from "./nats-test-kit";

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

function replica(name: string): NatsKvDigestStateStore {
  const connection = new LazyNatsConnection(TEST_NATS_URL, name);
  connections.push(connection);
  return new NatsKvDigestStateStore({ connection, prefix, clock: new SystemClock(), recordAudit: async () => {} });
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
    const alarms = Array.from({ length: 20 }, (_, index) => change("user-1", `alarm-${index}`, `2026-01-01T00:00:${String(index).padStart(2, "0")}.5Z`));
    await a.applyChanges(alarms);
    for (let round = 0; round < 5; round++) {
      const request = (key: string) => ({ requestKey: `${key}-${round}`, userId: "user-1", requestedAtMs: 0, requestedBy: "test" });
      const [fromA, fromB] = await Promise.all([a.prepareDigest(request("a"), newId), b.prepareDigest(request("b"), newId)]);
      const sent = [...fromA.record.alarms, ...fromB.record.alarms].map((alarm) => alarm.alarmId);
      // The first round sends all 20 alarms once between the two; later rounds send nothing (nothing changed).
      expect(sent.sort()).toEqual(round === 0 ? alarms.map((alarm) => alarm.alarmId).sort() : []);
    }
  }, 30_000);

  it("waits for a user's digest lock held by another replica, and takes over one whose holder died once it expired", async () => {
    const store = replica("kv-survivor");
    await store.applyChanges([change("user-2", "alarm-1", "2026-01-01T00:00:01Z"), change("user-3", "alarm-9", "2026-01-01T00:00:02Z")]);
    const { js } = await connections[0]!.get();
    const kv = await new Kvm(js).open(store.bucketName);
    const lockOf = (userId: string) => `l.${Buffer.from(userId, "utf8").toString("base64url")}`;

    // A replica died holding user-2's lock, which has expired by now: the next digest takes it over.
    await kv.put(lockOf("user-2"), JSON.stringify({ owner: "dead-replica", until: Date.now() - 1 }));
    const afterCrash = await store.prepareDigest({ requestKey: "after-crash", userId: "user-2", requestedAtMs: Date.now(), requestedBy: "test" }, newId);
    expect(afterCrash.record.alarms.map((alarm) => alarm.alarmId)).toEqual(["alarm-1"]);
    expect(await kv.get(lockOf("user-2")).then((entry) => entry?.operation)).not.toBe("PUT");

    // Another replica holds user-3's lock now: the digest waits for its release, then goes on.
    const held = await kv.put(lockOf("user-3"), JSON.stringify({ owner: "busy-replica", until: Date.now() + 60_000 }));
    let settled = false;
    const waiting = store.prepareDigest({ requestKey: "while-held", userId: "user-3", requestedAtMs: Date.now(), requestedBy: "test" }, newId).then((result) => {
      settled = true;
      return result;
    });
    for (let roundTrip = 0; roundTrip < 20; roundTrip++) await kv.get(lockOf("user-3"));
    expect(settled).toBe(false);
    await kv.delete(lockOf("user-3"), { previousSeq: held });
    expect((await waiting).record.alarms.map((alarm) => alarm.alarmId)).toEqual(["alarm-9"]);
  }, 30_000);
});
