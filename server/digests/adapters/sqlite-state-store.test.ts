import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "@/server/core/clock";
import { SeededRandom } from "@/server/core/random";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import {
  ALARM_STATUSES,
  compareReports,
  nextSentMarker,
  selectDigestAlarms,
  supersedes,
  type AlarmState,
  type AlarmStatusChange,
} from "../alarm-state";
import { parseChangedAt } from "../alarm-time";
import { SqliteDigestStateStore } from "./sqlite-state-store";

let database: TestDatabase;
beforeEach(() => (database = createTestDatabase()));
afterEach(() => database.close());

// Few instants in several spellings, so that equal instants and equal statuses come up often.
const SPELLINGS = [
  "2021-06-07T20:40:15Z",
  "2021-06-07T23:40:15+03:00",
  "2021-06-07T20:40:15.000Z",
  "2021-06-07T20:40:15.5Z",
  "2021-06-07T20:40:15.500000001Z",
  "2021-06-07T19:40:15.5-01:00",
  "2021-06-07T20:40:14.999999999Z",
];

describe("SqliteDigestStateStore", () => {
  it("keeps for every alarm the report the domain's order ranks last, whatever the order and the batching", async () => {
    const random = new SeededRandom(3);
    const store = new SqliteDigestStateStore(database.db, new ManualClock());
    const expected = new Map<string, AlarmStatusChange>();
    const reports: AlarmStatusChange[] = [];
    for (let alarm = 0; alarm < 60; alarm++) {
      for (let report = 0; report < 6; report++) {
        const changedAt = SPELLINGS[random.integer(0, SPELLINGS.length - 1)]!;
        const change: AlarmStatusChange = {
          userId: "u",
          alarmId: `a${alarm}`,
          status: ALARM_STATUSES[random.integer(0, 2)]!,
          changedAt,
          changedAtNanos: parseChangedAt(changedAt).nanos,
        };
        reports.push(change);
        const best = expected.get(change.alarmId);
        if (!best || compareReports(change, best) > 0) expected.set(change.alarmId, change);
      }
    }
    for (let index = reports.length - 1; index > 0; index--) {
      const other = random.integer(0, index);
      [reports[index], reports[other]] = [reports[other]!, reports[index]!];
    }
    for (let start = 0; start < reports.length;) {
      const size = random.integer(1, 40);
      await store.applyChanges(reports.slice(start, start + size));
      start += size;
    }
    const stored = database.db.$client.prepare("SELECT alarm_id, status, changed_at FROM digest_alarm_state").all() as {
      alarm_id: string;
      status: string;
      changed_at: string;
    }[];
    expect(new Map(stored.map((row) => [row.alarm_id, `${row.status} ${row.changed_at}`]))).toEqual(
      new Map([...expected].map(([alarmId, change]) => [alarmId, `${change.status} ${change.changedAt}`])),
    );
  });

  it("puts in each digest exactly what the domain's selectDigestAlarms picks, in its order, and marks it sent", async () => {
    const random = new SeededRandom(11);
    const store = new SqliteDigestStateStore(database.db, new ManualClock());
    // Ids whose order differs between UTF-8 bytes (SQLite) and UTF-16 code units (JavaScript), at equal instants.
    const alarmIds = ["a", "b", "\uFF5E", "\u{1F600}", "z", "\uE000x", "\u{10000}y"];
    const model = new Map<string, AlarmState>();
    let digests = 0;
    for (let step = 0; step < 300; step++) {
      if (random.integer(0, 9) === 0) {
        const expected = selectDigestAlarms(model.values());
        const { record } = await store.prepareDigest(
          { requestKey: `r${step}`, userId: "u", requestedAtMs: step, requestedBy: "test" },
          () => `d${step}`,
        );
        expect(record.alarms).toEqual(expected);
        for (const alarm of expected) {
          const state = model.get(alarm.alarmId)!;
          state.lastSent = nextSentMarker(state.lastSent, alarm);
        }
        const again = await store.prepareDigest(
          { requestKey: `r${step}`, userId: "u", requestedAtMs: step, requestedBy: "test" },
          () => "unused",
        );
        expect(again).toMatchObject({ reused: true, record: { id: `d${step}`, alarms: expected } });
        digests++;
        continue;
      }
      const changedAt = SPELLINGS[random.integer(0, SPELLINGS.length - 1)]!;
      const change: AlarmStatusChange = {
        userId: "u",
        alarmId: alarmIds[random.integer(0, alarmIds.length - 1)]!,
        status: ALARM_STATUSES[random.integer(0, 2)]!,
        changedAt,
        changedAtNanos: parseChangedAt(changedAt).nanos,
      };
      await store.applyChanges([change]);
      const current = model.get(change.alarmId);
      if (supersedes(change, current)) model.set(change.alarmId, { ...change, lastSent: current?.lastSent ?? null });
    }
    expect(digests).toBeGreaterThan(10);
  });
});
