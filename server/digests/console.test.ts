import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAuditRecorder } from "@/db/audit";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { ManualClock } from "@/server/core/clock";
import type { PeopleDirectory } from "@/server/core/people";
import { MAX_NAMED_IDS } from "@/server/core/names";
import { describePeople } from "@/server/core/names";
import { createDigestsConsole, type DigestsConsole } from "./console";
import { resolveDigestsMode } from "./mode";
import { DigestsUseCases } from "./use-cases";
import { InProcessDigestTransport } from "./adapters/in-process-transport";
import { SqliteDeadLetterStore } from "./adapters/sqlite-dead-letters";
import { SqliteDigestStateStore } from "./adapters/sqlite-state-store";

let database: TestDatabase;
let transport: InProcessDigestTransport;
let digestsConsole: DigestsConsole;

const people: PeopleDirectory = {
  describe: (ids) =>
    new Map(ids.filter((id) => id === "user-1").map((id) => [id, { name: "Ann", email: "ann@example.com" }])),
};
const responder = { kind: "user", userId: "usr_1", email: "ann@example.com", role: "responder" } as const;

beforeEach(async () => {
  database = createTestDatabase();
  const clock = new ManualClock();
  transport = new InProcessDigestTransport(clock);
  const store = new SqliteDigestStateStore(database.db, clock);
  const deadLetters = new SqliteDeadLetterStore(database.db);
  let sequence = 0;
  const useCases = new DigestsUseCases({
    store,
    deadLetters,
    transport,
    clock,
    newId: () => `dig_${++sequence}`,
    recordAudit: async (entry) => createAuditRecorder(database.db, clock).record(entry),
  });
  await transport.start({
    onStatusChanged: (batch) => useCases.handleStatusChanged(batch),
    onDigestRequest: async (message) => void (await useCases.handleDigestRequest(message)),
  });
  digestsConsole = createDigestsConsole({
    useCases,
    reads: store,
    deadLetters,
    people,
    mode: resolveDigestsMode(undefined),
  });
});

afterEach(() => database.close());

const report = (AlarmID: string, Status: string, ChangedAt: string, UserID = "user-1") =>
  transport.publishStatusChanged(JSON.stringify({ AlarmID, UserID, Status, ChangedAt }));

describe("the digests console", () => {
  it("lists users with their active alarms, paginated with the total, named when they are console users", async () => {
    for (let index = 0; index < 5; index++)
      await report(`a${index}`, index % 2 ? "CRITICAL" : "WARNING", `2021-06-07T20:40:1${index}Z`, `user-${index % 3}`);
    await report("x", "CLEARED", "2021-06-07T20:40:15Z", "user-9");
    const users = await digestsConsole.listUsers({ page: 1, pageSize: 2 });
    expect(users).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(users.items).toEqual([
      {
        userId: "user-0",
        userLabel: "user-0",
        person: null,
        activeCount: 2,
        criticalCount: 1,
        latestChangedAt: "2021-06-07T20:40:13Z",
        alarms: [expect.objectContaining({ alarmId: "a0" }), expect.objectContaining({ alarmId: "a3" })],
      },
      {
        userId: "user-1",
        userLabel: "Ann (ann@example.com)",
        person: { id: "user-1", name: "Ann", email: "ann@example.com" },
        activeCount: 2,
        criticalCount: 1,
        latestChangedAt: "2021-06-07T20:40:14Z",
        alarms: [
          {
            alarmId: "a1",
            status: "CRITICAL",
            changedAt: "2021-06-07T20:40:11Z",
            changedAtMs: Date.UTC(2021, 5, 7, 20, 40, 11),
            sent: false,
          },
          {
            alarmId: "a4",
            status: "WARNING",
            changedAt: "2021-06-07T20:40:14Z",
            changedAtMs: Date.UTC(2021, 5, 7, 20, 40, 14),
            sent: false,
          },
        ],
      },
    ]);
    const alarms = await digestsConsole.listAlarms("user-1", { page: 1, pageSize: 1 });
    expect(alarms).toMatchObject({ total: 2, items: [{ alarmId: "a1" }] });
    // A page past the last user still gives the total.
    expect(await digestsConsole.listUsers({ page: 3, pageSize: 2 })).toEqual({
      items: [],
      total: 3,
      page: 3,
      pageSize: 2,
    });
  });

  it("shows the first five active alarms inline, oldest first, from one prepared statement whatever the number of users", async () => {
    for (let user = 0; user < 4; user++)
      for (let alarm = 0; alarm < 7; alarm++)
        await report(`alarm-${6 - alarm}`, "WARNING", `2021-06-07T20:40:0${alarm}Z`, `user-${user}`);
    const prepare = vi.spyOn(database.db.$client, "prepare");
    const users = await digestsConsole.listUsers({ page: 1, pageSize: 10 });
    expect(prepare).not.toHaveBeenCalled();
    prepare.mockRestore();
    expect(users.total).toBe(4);
    for (const user of users.items) {
      expect(user.activeCount).toBe(7);
      expect(user.alarms.map((alarm) => alarm.alarmId)).toEqual([
        "alarm-6",
        "alarm-5",
        "alarm-4",
        "alarm-3",
        "alarm-2",
      ]);
      expect(user.latestChangedAt).toBe("2021-06-07T20:40:06Z");
    }
  });

  it("marks an alarm sent once a digest carried it unchanged, and unsent again when a newer report comes", async () => {
    await report("a", "WARNING", "2021-06-07T20:40:15Z");
    const sent = await digestsConsole.sendDigestNow("user-1", responder);
    expect(sent).toMatchObject({
      mode: "sent",
      message: "Sent user-1 a digest with 1 alarm.",
      digest: {
        requestedBy: "ann@example.com",
        alarms: [{ alarmId: "a", changedAtMs: Date.UTC(2021, 5, 7, 20, 40, 15) }],
      },
    });
    expect((await digestsConsole.listUsers({ page: 1, pageSize: 10 })).items[0]?.alarms).toEqual([
      expect.objectContaining({ alarmId: "a", sent: true }),
    ]);
    expect((await digestsConsole.sendDigestNow("user-1", responder)).message).toBe(
      "Sent user-1 an empty digest: nothing changed since the last one.",
    );
    await report("a", "WARNING", "2021-06-07T20:40:16Z");
    expect((await digestsConsole.listUsers({ page: 1, pageSize: 10 })).items[0]?.alarms).toEqual([
      expect.objectContaining({ alarmId: "a", sent: false }),
    ]);
    const history = await digestsConsole.listHistory({ userId: "user-1" }, { page: 1, pageSize: 10 });
    expect(history.total).toBe(2);
    expect(digestsConsole.status()).toMatchObject({
      transport: "in-process",
      state: "sqlite",
      counters: { applied: 2, digestsPublished: 2 },
    });
  });

  it("names the user of each digest, and shows a console user's id that no longer resolves as deleted", async () => {
    await report("a", "WARNING", "2021-06-07T20:40:15Z");
    await report("b", "WARNING", "2021-06-07T20:40:16Z", "usr_gone");
    await report("c", "WARNING", "2021-06-07T20:40:17Z", "producer-user");
    for (const userId of ["user-1", "usr_gone", "producer-user"]) await digestsConsole.sendDigestNow(userId, responder);
    const history = await digestsConsole.listHistory({}, { page: 1, pageSize: 10 });
    const users = new Map(history.items.map((digest) => [digest.userId, digest.user]));
    expect(users.get("user-1")).toEqual({ id: "user-1", name: "Ann", email: "ann@example.com" });
    expect(users.get("usr_gone")).toEqual({ id: "usr_gone", name: null, email: null });
    expect(users.get("producer-user")).toBeNull();
    const listed = await digestsConsole.listUsers({ page: 1, pageSize: 10 });
    expect(listed.items.find((user) => user.userId === "usr_gone")).toMatchObject({
      userLabel: "usr_gone",
      person: { id: "usr_gone", name: null },
    });
  });

  it("describes people in one bounded read of the directory", () => {
    const describe = vi.fn(people.describe);
    const many = Array.from({ length: 600 }, (_, index) => `usr_${index}`);
    const refs = describePeople({ describe }, ["user-1", "user-1", ...many]);
    expect(describe).toHaveBeenCalledTimes(1);
    expect(describe.mock.calls[0]?.[0]).toHaveLength(MAX_NAMED_IDS);
    expect(refs.get("user-1")).toEqual({ id: "user-1", name: "Ann", email: "ann@example.com" });
    expect(refs.get("usr_0")).toEqual({ id: "usr_0", name: null, email: null });
    expect(refs.size).toBe(MAX_NAMED_IDS);
    expect(describePeople({ describe }, [])).toEqual(new Map());
  });

  it("lists the dead letters", async () => {
    await transport.publishStatusChanged("{oops");
    expect(await digestsConsole.listDeadLetters({ page: 1, pageSize: 10 })).toMatchObject({
      total: 1,
      items: [{ rawBody: "{oops", subject: "AlarmStatusChanged" }],
    });
  });
});
