/**
 * LeasedWork with the SQLite lease store: two processes (each its own connection to one database file and its
 * own manual clock) compete for one piece of work; exactly one runs it, and the other takes it over when the
 * holder stops (at once) or dies (once the lease expired), never before.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { SqliteLeaseStore } from "@/db/lease";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { ManualClock } from "./clock";
import { LeasedWork, type LeaseStore } from "./lease";

const START = Date.UTC(2026, 0, 1);
const KEY = "test-work";

let database: TestDatabase;

beforeEach(() => {
  database = createTestDatabase();
});

afterEach(() => {
  database.close();
});

/** One process: its connection, its clock, its LeasedWork, and what its work did. */
function processWith(
  owner: string,
  clock: ManualClock,
  options: { leases?: LeaseStore; failStart?: boolean; failStops?: number; wanted?: () => boolean } = {},
) {
  let stopsToFail = options.failStops ?? 0;
  const leases = options.leases ?? new SqliteLeaseStore(openDatabase(database.filePath));
  const log: string[] = [];
  const work = new LeasedWork({
    key: KEY,
    owner,
    leases,
    clock,
    start: () => {
      if (options.failStart) throw new Error("cannot start");
      log.push("start");
    },
    stop: (change) => {
      if (stopsToFail > 0) {
        stopsToFail--;
        throw new Error("cannot stop");
      }
      log.push(`stop (${change})`);
    },
    wanted: options.wanted,
    onError: (_error, during) => log.push(`error: ${during}`),
  });
  return { work, log };
}

describe("LeasedWork", () => {
  it("runs the work in one process; the other takes over at once when the holder stops", async () => {
    const clock = new ManualClock(START);
    const a = processWith("eng_a", clock);
    const b = processWith("eng_b", clock);
    await a.work.start();
    await b.work.start();
    await clock.advance(30_000);
    expect(a.work.isHolding()).toBe(true);
    expect(b.work.isHolding()).toBe(false);
    expect(a.log).toEqual(["start"]);
    expect(b.log).toEqual([]);

    await a.work.stop();
    expect(a.log).toEqual(["start", "stop (stopped)"]);
    await clock.advance(1_000);
    expect(b.work.isHolding()).toBe(true);
    expect(b.log).toEqual(["start"]);
    expect(new SqliteLeaseStore(database.db).holder(KEY)?.owner).toBe("eng_b");
  });

  it("takes the work over from a holder that died only once its lease expired", async () => {
    const clockA = new ManualClock(START);
    const clockB = new ManualClock(START);
    const a = processWith("eng_a", clockA);
    const b = processWith("eng_b", clockB);
    await a.work.start();
    await b.work.start();
    // A dies: its clock never moves again, so it never renews. Its lease (10 s) was last renewed at START.
    await clockB.advance(9_000);
    expect(b.work.isHolding()).toBe(false);
    await clockB.advance(2_000);
    expect(b.work.isHolding()).toBe(true);
    expect(b.log).toEqual(["start"]);
  });

  it("stops the work when the lease is lost to another process, and gives a lease back when its work cannot start", async () => {
    const clock = new ManualClock(START);
    const leases = new SqliteLeaseStore(database.db);
    const a = processWith("eng_a", clock, { leases });
    await a.work.start();
    expect(a.work.isHolding()).toBe(true);
    // Another process takes the lease over (as if A had stalled past its expiry).
    leases.release({ key: KEY, owner: "eng_a" });
    expect(leases.acquire({ key: KEY, owner: "eng_c", now: clock.now(), expiresAt: clock.now() + 60_000 })).toBe(true);
    await clock.advance(1_000);
    expect(a.work.isHolding()).toBe(false);
    expect(a.log).toEqual(["start", "stop (lost)"]);
    await a.work.stop();

    leases.release({ key: KEY, owner: "eng_c" });
    const broken = processWith("eng_d", clock, { leases, failStart: true });
    await broken.work.start();
    expect(broken.log).toEqual(["error: starting the work", "stop (unwanted)"]);
    expect(broken.work.isHolding()).toBe(false);
    expect(leases.holder(KEY)).toBeUndefined();
    await broken.work.stop();
  });

  it("neither takes nor keeps the lease while the work is switched off, so a process where it is on takes it at once", async () => {
    const clock = new ManualClock(START);
    let onInA = true;
    const a = processWith("eng_a", clock, { wanted: () => onInA });
    const b = processWith("eng_b", clock);
    await a.work.start();
    await b.work.start();
    expect(a.work.isHolding()).toBe(true);
    onInA = false;
    await clock.advance(1_000);
    expect(a.log).toEqual(["start", "stop (unwanted)"]);
    expect(new SqliteLeaseStore(database.db).holder(KEY)?.owner).toBe("eng_b");
    expect(b.log).toEqual(["start"]);
    await a.work.stop();
    await b.work.stop();
  });

  it("keeps the lease while its work failed to stop, tries the stop again every round, and gives the lease back once it stopped", async () => {
    const clock = new ManualClock(START);
    let on = true;
    const leases = new SqliteLeaseStore(database.db);
    const a = processWith("eng_a", clock, { leases, wanted: () => on, failStops: 2 });
    await a.work.start();
    on = false;
    await clock.advance(1_000);
    await clock.advance(1_000);
    // Two failed stops: the lease is still renewed, so nobody else starts the work beside what may still run here.
    expect(leases.holder(KEY)?.expiresAt).toBe(clock.now() + 10_000);
    expect(a.log).toEqual(["start", "error: stopping the work", "error: stopping the work"]);
    expect(leases.holder(KEY)?.owner).toBe("eng_a");
    await clock.advance(1_000);
    expect(a.log).toEqual(["start", "error: stopping the work", "error: stopping the work", "stop (unwanted)"]);
    expect(leases.holder(KEY)).toBeUndefined();
    // Switched on again, it starts afresh.
    on = true;
    await clock.advance(1_000);
    expect(a.log.at(-1)).toBe("start");
    await a.work.stop();
  });
});
