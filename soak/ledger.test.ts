import { describe, expect, it } from "vitest";
import { DigestModel, formatChangedAt, type StatusReport } from "./digest-model";
import {
  acceptedEventsLost,
  captureLedger,
  pageLedger,
  type DeliveryRow,
  type IncidentRow,
  type IngestRecord,
  type Kill,
} from "./ledger";

const incident = (overrides: Partial<IncidentRow> = {}): IncidentRow => ({
  id: "inc_1",
  serviceId: "svc_1",
  state: "open",
  dedupKey: "k1",
  openedAtMs: 0,
  acknowledgedAtMs: null,
  resolvedAtMs: null,
  ...overrides,
});

const accepted = (overrides: Partial<IngestRecord>): IngestRecord => ({
  action: "trigger",
  serviceId: "svc_1",
  dedupKey: "k1",
  sentAtMs: 0,
  status: 202,
  outcome: "opened",
  incidentId: "inc_1",
  ...overrides,
});

describe("accepted events", () => {
  it("counts nothing lost when every 202 left its trace", () => {
    const result = acceptedEventsLost(
      [
        accepted({}),
        accepted({ dedupKey: "k2", outcome: "deduplicated" }),
        accepted({ action: "acknowledge", outcome: "acknowledged" }),
        accepted({ action: "acknowledge", outcome: "already-acknowledged" }),
        accepted({ status: null, outcome: undefined, incidentId: undefined }),
      ],
      [incident({ acknowledgedAtMs: 5, state: "acknowledged" })],
      [{ incidentId: "inc_1", dedupKey: "k2" }],
    );
    expect(result.accepted).toBe(4);
    expect(result.lost).toEqual([]);
  });

  it("counts a 202 whose incident, dedup key, acknowledgement or resolve is not in the database", () => {
    const result = acceptedEventsLost(
      [
        accepted({ incidentId: "inc_gone" }),
        accepted({ dedupKey: "k-unrecorded", outcome: "deduplicated" }),
        accepted({ action: "acknowledge", outcome: "acknowledged" }),
        accepted({ action: "resolve", outcome: "resolved" }),
      ],
      [incident()],
      [],
    );
    expect(result.lost.map((lost) => lost.why)).toEqual([
      expect.stringContaining("not in the database"),
      expect.stringContaining("k-unrecorded is not recorded"),
      expect.stringContaining("never acknowledged"),
      expect.stringContaining("not resolved"),
    ]);
  });
});

const delivery = (key: string, overrides: Partial<DeliveryRow> = {}): DeliveryRow => ({
  idempotencyKey: key,
  incidentId: "inc_1",
  step: 0,
  level: 0,
  channel: "email",
  address: "a@example.com",
  status: "sent",
  createdAtMs: 1_000,
  reason: null,
  ...overrides,
});

describe("pages", () => {
  const workerKill: Kill = { atMs: 2_000, target: "worker-1", kind: "worker" };

  it("takes a repeat right after a worker's death for the send in flight, and any other repeat for a double send", () => {
    const ledger = pageLedger({
      deliveries: [delivery("a"), delivery("b"), delivery("c")],
      receipts: [
        { key: "a", channel: "email", atMs: 1_900 },
        { key: "a", channel: "email", atMs: 9_000 },
        { key: "b", channel: "email", atMs: 1_100 },
        { key: "b", channel: "email", atMs: 1_200 },
        { key: "c", channel: "email", atMs: 1_500 },
      ],
      timers: [],
      kills: [workerKill, { atMs: 1_150, target: "web", kind: "web" }],
      cutoffMs: 10_000,
      endMs: 20_000,
    });
    expect(ledger.inFlightRepeats.map((repeat) => repeat.key)).toEqual(["a"]);
    expect(ledger.duplicates.map((duplicate) => duplicate.key)).toEqual(["b"]);
  });

  it("measures a page held by a dead worker from the kill, and one never delivered up to the end", () => {
    const delivered = pageLedger({
      deliveries: [delivery("a")],
      receipts: [{ key: "a", channel: "email", atMs: 14_000 }],
      timers: [],
      kills: [workerKill],
      cutoffMs: 10_000,
      endMs: 20_000,
    });
    expect(delivered.longestDelayAfterCrash).toMatchObject({ ms: 12_000, undelivered: false });
    expect(delivered.undelivered).toEqual([]);

    const stuck = pageLedger({
      deliveries: [delivery("a", { status: "sending" }), delivery("late", { createdAtMs: 15_000, status: "pending" })],
      receipts: [],
      timers: [],
      kills: [workerKill],
      cutoffMs: 10_000,
      endMs: 20_000,
    });
    expect(stuck.undelivered.map((row) => row.idempotencyKey)).toEqual(["a"]);
    expect(stuck.longestDelayAfterCrash).toMatchObject({ ms: 18_000, undelivered: true });
  });

  it("dates an escalation from its timer and a rule's page from the rule's change", () => {
    const ledger = pageLedger({
      deliveries: [delivery("escalation", { step: 1, createdAtMs: 30_000 }), delivery("rule", { incidentId: "inc_2" })],
      receipts: [
        { key: "escalation", channel: "email", atMs: 30_100 },
        { key: "rule", channel: "email", atMs: 1_100 },
      ],
      timers: [{ incidentId: "inc_1", step: 0, dueAtMs: 10_000 }],
      kills: [{ atMs: 12_000, target: "worker-2", kind: "worker" }],
      openedBy: new Map([["inc_2", 400]]),
      cutoffMs: 40_000,
      endMs: 50_000,
    });
    expect(ledger.longestDelayAfterCrash).toMatchObject({ ms: 18_100, key: "escalation" });
    expect(ledger.longestDelayMs).toBe(20_100);
  });

  it("counts pages settled as failed and pages recorded sent that no receiver saw", () => {
    const ledger = pageLedger({
      deliveries: [delivery("failed", { status: "failed", reason: "refused" }), delivery("ghost")],
      receipts: [{ key: "unknown", channel: "sms", atMs: 1 }],
      timers: [],
      kills: [],
      cutoffMs: 10_000,
      endMs: 20_000,
    });
    expect(ledger.notSent.map((row) => row.idempotencyKey)).toEqual(["failed"]);
    expect(ledger.sentNotReceived.map((row) => row.idempotencyKey)).toEqual(["ghost"]);
    expect(ledger.unknownReceipts).toBe(1);
  });
});

describe("the digest model", () => {
  const report = (alarm: string, status: StatusReport["Status"], nanos: bigint, offset = 0): StatusReport => ({
    AlarmID: alarm,
    UserID: "u1",
    Status: status,
    ChangedAt: formatChangedAt(nanos, offset),
    nanos,
  });
  const base = 1_796_650_000_000_000_000n;

  it("prints Go's RFC 3339: trailing zeros dropped, the offset's local time", () => {
    expect(formatChangedAt(base + 120_000_000n, 0)).toBe("2026-12-07T13:26:40.12Z");
    expect(formatChangedAt(base, 180)).toBe("2026-12-07T16:26:40+03:00");
    expect(formatChangedAt(base + 1n, -300)).toBe("2026-12-07T08:26:40.000000001-05:00");
  });

  it("expects the latest report of each active alarm, oldest first, whatever the arrival order", () => {
    const model = new DigestModel();
    model.record(report("b", "WARNING", base + 2n));
    model.record(report("a", "CRITICAL", base + 5n, 180));
    model.record(report("a", "WARNING", base + 1n)); // older: loses
    model.record(report("c", "CRITICAL", base + 3n));
    model.record(report("c", "CLEARED", base + 4n));
    expect(model.expected("u1").map((alarm) => [alarm.AlarmID, alarm.Status])).toEqual([
      ["b", "WARNING"],
      ["a", "CRITICAL"],
    ]);
  });

  it("finds a missing active alarm, a cleared one included, a stale status, a repeat and the wrong order", () => {
    const model = new DigestModel();
    model.record(report("a", "WARNING", base + 1n));
    model.record(report("b", "CRITICAL", base + 2n));
    model.record(report("c", "CLEARED", base + 3n));
    const a = { AlarmID: "a", Status: "WARNING", LatestChangedAt: formatChangedAt(base + 1n, 0) };
    const b = { AlarmID: "b", Status: "CRITICAL", LatestChangedAt: formatChangedAt(base + 2n, 0) };
    const c = { AlarmID: "c", Status: "WARNING", LatestChangedAt: formatChangedAt(base, 0) };
    expect(model.check({ UserID: "u1", ActiveAlarms: [b, a] })).toEqual([expect.stringContaining("out of order")]);
    // Both were sent: sending them again unchanged is wrong, and so is a cleared alarm.
    expect(model.check({ UserID: "u1", ActiveAlarms: [a, a, c] })).toEqual([
      expect.stringContaining("sent again unchanged"),
      "a listed twice",
      expect.stringContaining("sent again unchanged"),
      expect.stringContaining("included although cleared"),
    ]);
    model.record(report("b", "WARNING", base + 9n));
    expect(model.check({ UserID: "u1", ActiveAlarms: [] })).toEqual([expect.stringContaining("active b (WARNING")]);
    // An alarm left out stays owed: the next digest must still bring it.
    expect(model.check({ UserID: "u1", ActiveAlarms: [] })).toHaveLength(1);
    expect(
      model.check({
        UserID: "u1",
        ActiveAlarms: [{ ...b, Status: "WARNING", LatestChangedAt: formatChangedAt(base + 9n, 0) }],
      }),
    ).toEqual([]);
  });
});

describe("the capture", () => {
  it("counts executions the log holds and the database does not, or holds twice", () => {
    const result = captureLedger(
      [
        { executionId: "x", seq: 1 },
        { executionId: "y", seq: 2 },
        { executionId: "z", seq: 9 },
      ],
      [
        { id: "x", seq: 1 },
        { id: "x", seq: 1 },
      ],
      5,
    );
    expect(result).toMatchObject({ expected: 2, missing: ["y"], duplicated: ["x"] });
  });
});
