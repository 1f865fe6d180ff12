import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "@/server/core/clock";
import { SeededRandom } from "@/server/core/random";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { auditLog } from "@/db/schema";
import { createAuditRecorder } from "@/db/audit";
import type { AlertStateChanged } from "@/server/core/events";
import { DigestsUseCases } from "./use-cases";
import type { AlarmDigestMessage } from "./messages";
import { InProcessDigestTransport } from "./adapters/in-process-transport";
import { SqliteDeadLetterStore } from "./adapters/sqlite-dead-letters";
import { SqliteDigestStateStore } from "./adapters/sqlite-state-store";
import { expectedDigestAfter, scriptedHistory } from "./testing/scripted-history";

let database: TestDatabase;
let clock: ManualClock;
let transport: InProcessDigestTransport;
let store: SqliteDigestStateStore;
let deadLetters: SqliteDeadLetterStore;
let service: DigestsUseCases;
let digests: AlarmDigestMessage[];

beforeEach(async () => {
  database = createTestDatabase();
  clock = new ManualClock();
  transport = new InProcessDigestTransport(clock);
  let sequence = 0;
  store = new SqliteDigestStateStore(database.db, clock);
  deadLetters = new SqliteDeadLetterStore(database.db);
  service = new DigestsUseCases({
    store,
    deadLetters,
    transport,
    clock,
    newId: () => `dig_${++sequence}`,
    recordAudit: async (entry) => createAuditRecorder(database.db, clock).record(entry),
  });
  await transport.start({
    onStatusChanged: (batch) => service.handleStatusChanged(batch),
    onDigestRequest: async (message) => void (await service.handleDigestRequest(message)),
  });
  digests = [];
  transport.onDigest((digest) => digests.push(digest));
});

afterEach(() => database.close());

const change = (AlarmID: string, Status: string, ChangedAt: string, UserID = "user-1") =>
  JSON.stringify({ AlarmID, UserID, Status, ChangedAt });
const requestDigest = (UserID = "user-1") => transport.publishDigestRequest(JSON.stringify({ UserID }));

describe("DigestsUseCases on SQLite, in process", () => {
  it("gives the expected digest whatever the order and however often each message is delivered", async () => {
    const history = scriptedHistory();
    const random = new SeededRandom(7);
    const deliveries = [...history, ...history.filter(() => random.next() < 0.5)];
    for (let index = deliveries.length - 1; index > 0; index--) {
      const other = random.integer(0, index);
      [deliveries[index], deliveries[other]] = [deliveries[other]!, deliveries[index]!];
    }
    for (const message of deliveries) await transport.publishStatusChanged(JSON.stringify(message));
    for (const userId of ["u-ann", "u-bob", "u-cid"]) await requestDigest(userId);
    expect(digests).toEqual(["u-ann", "u-bob", "u-cid"].map((userId) => expectedDigestAfter(history, userId)));
  });

  it("answers a request with an empty ActiveAlarms when nothing is active", async () => {
    await transport.publishStatusChanged(change("a", "CLEARED", "2021-06-07T20:40:15Z"));
    await requestDigest();
    await requestDigest("nobody");
    expect(digests).toEqual([
      { UserID: "user-1", ActiveAlarms: [] },
      { UserID: "nobody", ActiveAlarms: [] },
    ]);
  });

  it("does not send an unchanged alarm twice, and sends it again once a newer report came in", async () => {
    await transport.publishStatusChanged(change("a", "WARNING", "2021-06-07T20:40:15.1Z"));
    await requestDigest();
    await requestDigest();
    // The CLEARED in between arrives after the new WARNING: the WARNING is still newer than what was sent.
    await transport.publishStatusChanged(change("a", "WARNING", "2021-06-07T20:40:17Z"));
    await transport.publishStatusChanged(change("a", "CLEARED", "2021-06-07T20:40:16Z"));
    await requestDigest();
    expect(digests.map((digest) => digest.ActiveAlarms)).toEqual([
      [{ AlarmID: "a", Status: "WARNING", LatestChangedAt: "2021-06-07T20:40:15.1Z" }],
      [],
      [{ AlarmID: "a", Status: "WARNING", LatestChangedAt: "2021-06-07T20:40:17Z" }],
    ]);
  });

  it("returns the digest already prepared when a request is redelivered, without publishing it twice", async () => {
    await transport.publishStatusChanged(change("a", "CRITICAL", "2021-06-07T20:40:15Z"));
    const message = {
      key: "stream:42",
      subject: "SendAlarmDigest",
      body: JSON.stringify({ UserID: "user-1" }),
      receivedAtMs: clock.now(),
    };
    const first = await service.handleDigestRequest(message);
    const again = await service.handleDigestRequest(message);
    expect(again?.id).toBe(first?.id);
    expect(digests).toHaveLength(1);
    expect(service.counters.digestsRepublished).toBe(1);
  });

  it.each([
    ["bad JSON", "{not json", /not JSON/],
    ["unknown status", change("a", "MELTING", "2021-06-07T20:40:15Z"), /Status must be one of/],
    ["bad timestamp", change("a", "WARNING", "2021-06-07 20:40"), /not an RFC 3339/],
    ["missing field", JSON.stringify({ AlarmID: "a", Status: "WARNING", ChangedAt: "2021-06-07T20:40:15Z" }), /UserID/],
  ])("dead-letters a message with %s, with the reason and raw body, and goes on", async (_name, body, reason) => {
    await transport.publishStatusChanged(body);
    await transport.publishStatusChanged(change("b", "WARNING", "2021-06-07T20:40:15Z"));
    const letters = await deadLetters.list({ page: 1, pageSize: 10 });
    expect(letters.total).toBe(1);
    expect(letters.items[0]).toMatchObject({ subject: "AlarmStatusChanged", rawBody: body });
    expect(letters.items[0]?.reason).toMatch(reason);
    await requestDigest();
    expect(digests[0]?.ActiveAlarms.map((alarm) => alarm.AlarmID)).toEqual(["b"]);
  });

  it("records who pressed Send digest now in the same commit as the digest", async () => {
    await transport.publishStatusChanged(change("a", "WARNING", "2021-06-07T20:40:15Z"));
    const result = await service.sendDigestNow("user-1", {
      kind: "user",
      userId: "usr_1",
      email: "ann@example.com",
      role: "responder",
    });
    expect(result.mode).toBe("sent");
    const history = await store.listDigests({ userId: "user-1" }, { page: 1, pageSize: 10 });
    expect(history.items[0]).toMatchObject({
      requestedBy: "ann@example.com",
      alarms: [expect.objectContaining({ alarmId: "a" })],
    });
    expect(history.items[0]?.publishedAtMs).not.toBeNull();
    const audit = database.db.select().from(auditLog).all();
    expect(audit).toEqual([
      expect.objectContaining({ action: "digests.digest.send", target: "user-1", actorLabel: "ann@example.com" }),
    ]);
  });

  it("turns the alert engine's transitions into alarm reports for each subscribed user", async () => {
    const event = (newState: AlertStateChanged["newState"], changedAt: string): AlertStateChanged => ({
      eventId: `evt_${changedAt}`,
      ruleId: "rule_cpu",
      ruleName: "CPU",
      serviceId: null,
      subscriberUserIds: ["user-1", "user-2"],
      previousState: "PASS",
      newState,
      value: 1,
      message: "",
      changedAt,
      changedAtMs: 0,
    });
    await service.ingestAlertStateChanged(event("CRITICAL", "2026-01-01T00:00:01.000000001Z"));
    await service.ingestAlertStateChanged(event("PASS", "2026-01-01T00:00:02Z"));
    await service.ingestAlertStateChanged(event("WARN", "2026-01-01T00:00:01.5Z"));
    await requestDigest("user-2");
    await service.ingestAlertStateChanged(event("WARN", "2026-01-01T00:00:03Z"));
    await requestDigest("user-1");
    expect(digests).toEqual([
      { UserID: "user-2", ActiveAlarms: [] },
      {
        UserID: "user-1",
        ActiveAlarms: [{ AlarmID: "rule_cpu", Status: "WARNING", LatestChangedAt: "2026-01-01T00:00:03Z" }],
      },
    ]);
  });
});
