import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabases } from "@/db/client";
import { auditLog } from "@/db/schema";
import { parseConfig } from "@/server/core/config";
import { ManualClock } from "@/server/core/clock";
import { parseChangedAt } from "@/server/digests/alarm-time";
import { SqliteDigestStateStore } from "@/server/digests/adapters/sqlite-state-store";
import { DEMO_ALERT_RULES } from "@/server/jobs/alerts";
import { DEMO_SERVICES, DEMO_USERS } from "@/server/jobs/demo-ids";
import { createRuntime, startEngines, stopEngines, type Runtime } from "@/server/jobs/runtime";
import { createCaller } from "../root";
import type { SessionUser } from "../init";

let directory: string;
let runtime: Runtime;

const as = (user: SessionUser | null) => createCaller({ user, consoles: runtime.consoles });
const responder: SessionUser = { id: "usr_responder_test", email: "resp@example.com", name: "Resp", role: "responder" };
const viewer: SessionUser = { id: "usr_viewer_test", email: "view@example.com", name: "View", role: "viewer" };
const admin: SessionUser = { id: "usr_admin_test", email: "admin@example.com", name: "Adm", role: "admin" };

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "watchpost-digests-"));
  const config = parseConfig({
    DATABASE_PATH: path.join(directory, "test.db"),
    WATCHPOST_DEMO: "true",
    WATCHPOST_ADMIN_PASSWORD: "first-admin-password",
    WATCHPOST_ENGINES: "digests",
  });
  runtime = createRuntime(config, { clock: new ManualClock(Date.UTC(2026, 10, 22)) });
  await startEngines(runtime);
});

afterAll(async () => {
  await stopEngines(runtime);
  closeDatabases();
  rmSync(directory, { recursive: true, force: true });
});

describe("digests router", () => {
  it("lists the demo users with their active alarms, oldest first, paginated", async () => {
    const page = await as(viewer).digests.user.list({ page: 1, pageSize: 2 });
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    const responderRow = (await as(viewer).digests.user.list({ page: 1, pageSize: 10 })).items.find(
      (item) => item.userId === DEMO_USERS.responder.id,
    );
    expect(responderRow?.alarms.map((alarm) => alarm.alarmId)).toEqual([
      "alarm-database-replication-lag",
      "alarm-checkout-latency",
      "alarm-search-disk-usage",
    ]);
  });

  it("lets a responder send a digest now, audited, and shows it in the history", async () => {
    const result = await as(responder).digests.digest.send({ userId: DEMO_USERS.responder.id });
    expect(result.mode).toBe("sent");
    expect(result.message).toMatch(/a digest with 3 alarms/);
    const history = await as(viewer).digests.history.list({ page: 1, pageSize: 10, userId: DEMO_USERS.responder.id });
    expect(history.total).toBe(1);
    expect(history.items[0]).toMatchObject({
      requestedBy: "resp@example.com",
      alarms: [
        { alarmId: "alarm-database-replication-lag" },
        { alarmId: "alarm-checkout-latency" },
        { alarmId: "alarm-search-disk-usage" },
      ],
    });
    const audit = runtime.db
      .select()
      .from(auditLog)
      .all()
      .filter((row) => row.action === "digests.digest.send");
    expect(audit).toEqual([
      expect.objectContaining({ target: DEMO_USERS.responder.id, actorLabel: "resp@example.com" }),
    ]);
    // Nothing changed since: the next digest answers, empty.
    expect((await as(responder).digests.digest.send({ userId: DEMO_USERS.responder.id })).message).toMatch(
      /empty digest/,
    );
  });

  it("refuses Send digest now to a viewer and to nobody signed in, and says why", async () => {
    await expect(as(viewer).digests.digest.send({ userId: DEMO_USERS.admin.id })).rejects.toThrow(
      /Only a responder or an admin/,
    );
    await expect(as(null).digests.user.list({ page: 1, pageSize: 10 })).rejects.toThrow(/not signed in/);
    await expect(as(responder).digests.digest.send({ userId: "" })).rejects.toThrow(/userId is required/);
  });

  it("lists dead letters, empty at first", async () => {
    expect(await as(viewer).digests.deadLetter.list({ page: 1, pageSize: 10 })).toMatchObject({ total: 0, items: [] });
  });
});

describe("names in the digests and alerts answers", () => {
  const ruleNamed = (name: string) => {
    const rule = runtime.consoles.alerts.listRules({ page: 1, pageSize: 50 }).items.find((item) => item.name === name);
    if (!rule) throw new Error(`no demo rule named ${name}`);
    return rule;
  };
  const report = (userId: string, alarmId: string, changedAt: string) => ({
    userId,
    alarmId,
    status: "WARNING" as const,
    changedAt,
    changedAtNanos: parseChangedAt(changedAt).nanos,
  });

  it("names a rule's AlarmID in the users list and the history, a deleted rule's id as deleted, and the users", async () => {
    const checkout = ruleNamed("checkout-latency-p99");
    new SqliteDigestStateStore(runtime.db, runtime.clock).applyChangesNow([
      report(DEMO_USERS.viewer.id, checkout.id, "2026-11-21T23:00:00.123456789Z"),
      report(DEMO_USERS.viewer.id, "rule_deleted_long_ago", "2026-11-21T23:00:01Z"),
      report("usr_deleted_user", "alarm-from-elsewhere", "2026-11-21T23:00:02Z"),
    ]);
    const users = await as(viewer).digests.user.list({ page: 1, pageSize: 10 });
    const viewerRow = users.items.find((item) => item.userId === DEMO_USERS.viewer.id);
    expect(viewerRow?.person).toEqual({
      id: DEMO_USERS.viewer.id,
      name: DEMO_USERS.viewer.name,
      email: DEMO_USERS.viewer.email,
    });
    const rules = new Map(viewerRow?.alarms.map((alarm) => [alarm.alarmId, alarm.rule]));
    expect(rules.get(checkout.id)).toEqual({ id: checkout.id, name: "checkout-latency-p99" });
    expect(rules.get("rule_deleted_long_ago")).toEqual({ id: "rule_deleted_long_ago", name: null });
    // An AlarmID from another producer is no rule: it is shown as it is.
    expect(rules.get("alarm-search-error-rate")).toBeNull();
    const goneRow = users.items.find((item) => item.userId === "usr_deleted_user");
    expect(goneRow?.person).toEqual({ id: "usr_deleted_user", name: null, email: null });
    expect(goneRow?.alarms[0]?.rule).toBeNull();

    const alarms = await as(viewer).digests.alarm.list({ page: 1, pageSize: 10, userId: DEMO_USERS.viewer.id });
    expect(alarms.items.find((alarm) => alarm.alarmId === checkout.id)?.rule?.name).toBe("checkout-latency-p99");

    await as(responder).digests.digest.send({ userId: DEMO_USERS.viewer.id });
    const history = await as(viewer).digests.history.list({ page: 1, pageSize: 10, userId: DEMO_USERS.viewer.id });
    expect(history.items[0]?.user).toEqual({
      id: DEMO_USERS.viewer.id,
      name: DEMO_USERS.viewer.name,
      email: DEMO_USERS.viewer.email,
    });
    expect(history.items[0]?.alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          alarmId: checkout.id,
          changedAt: "2026-11-21T23:00:00.123456789Z",
          rule: { id: checkout.id, name: "checkout-latency-p99" },
        }),
        expect.objectContaining({
          alarmId: "rule_deleted_long_ago",
          rule: { id: "rule_deleted_long_ago", name: null },
        }),
      ]),
    );
  });

  it("names a rule's monitored service and subscribers, and a service or person that no longer resolves as deleted", async () => {
    const checkout = ruleNamed("checkout-latency-p99");
    const history = await as(viewer).alerts.rule.history({ id: checkout.id, maxPoints: 240 });
    expect(history.names.service).toEqual({ id: DEMO_SERVICES.checkout, name: "Checkout" });
    expect(checkout.subscriberUserIds).toHaveLength(3);
    expect(history.names.subscribers).toEqual(
      checkout.subscriberUserIds.map((id) => {
        const person = Object.values(DEMO_USERS).find((user) => user.id === id)!;
        return { id, name: person.name, email: person.email };
      }),
    );

    const orphan = await as(admin).alerts.rule.create({
      ...DEMO_ALERT_RULES[0]!,
      name: "names-test-orphan",
      serviceId: "svc_deleted_service",
      subscriberUserIds: [DEMO_USERS.admin.id, "usr_deleted_user"],
    });
    const orphanHistory = await as(viewer).alerts.rule.history({ id: orphan.id, maxPoints: 240 });
    expect(orphanHistory.names).toEqual({
      service: { id: "svc_deleted_service", name: null },
      subscribers: [
        { id: DEMO_USERS.admin.id, name: DEMO_USERS.admin.name, email: DEMO_USERS.admin.email },
        { id: "usr_deleted_user", name: null, email: null },
      ],
    });

    const noService = await as(admin).alerts.rule.create({
      ...DEMO_ALERT_RULES[0]!,
      name: "names-test-no-service",
      serviceId: null,
      subscriberUserIds: [],
    });
    expect((await as(viewer).alerts.rule.history({ id: noService.id, maxPoints: 240 })).names).toEqual({
      service: null,
      subscribers: [],
    });
  });
});

describe("digests router with the console on NATS", () => {
  it("seeds through NATS, lists from the KV state, and queues Send digest now for a worker to answer", async () => {
    const { plainClient, deleteRun, uniqueRun, waitUntil, withDefaultSubjects, TEST_NATS_URL } =
      await import("@/server/digests/testing/adapters/nats-test-kit");
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const { prefix } = uniqueRun("console");
    const natsDirectory = mkdtempSync(path.join(tmpdir(), "watchpost-digests-nats-"));
    const config = parseConfig({
      DATABASE_PATH: path.join(natsDirectory, "test.db"),
      NATS_URL: TEST_NATS_URL,
      NATS_PREFIX: prefix,
      WATCHPOST_DEMO: "true",
      WATCHPOST_ADMIN_PASSWORD: "first-admin-password",
      WATCHPOST_ENGINES: "digests",
    });
    // The console uses the default subject names: hold them while this runs (another test file uses them too).
    await withDefaultSubjects(async () => {
      const natsRuntime = createRuntime(config, { clock: new ManualClock(Date.UTC(2026, 10, 22)) });
      const nc = await plainClient();
      try {
        await startEngines(natsRuntime);
        expect(natsRuntime.consoles.digests.status()).toMatchObject({ transport: "nats", state: "nats-kv" });
        const caller = createCaller({ user: responder, consoles: natsRuntime.consoles });
        await waitUntil(
          async () => (await caller.digests.user.list({ page: 1, pageSize: 10 })).total === 3,
          15_000,
          "the demo alarms to arrive through NATS",
        );
        const result = await caller.digests.digest.send({ userId: DEMO_USERS.viewer.id });
        expect(result.mode).toBe("queued");
        await waitUntil(
          async () =>
            (await caller.digests.history.list({ page: 1, pageSize: 10, userId: DEMO_USERS.viewer.id })).total === 1,
          15_000,
          "a worker to answer the request",
        );
        const history = await caller.digests.history.list({ page: 1, pageSize: 10, userId: DEMO_USERS.viewer.id });
        expect(history.items[0]?.alarms.map((alarm) => alarm.alarmId)).toEqual(["alarm-search-error-rate"]);
      } finally {
        await stopEngines(natsRuntime);
        await deleteRun(nc, prefix);
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(`${prefix}_events`).catch(() => undefined);
        await nc.drain();
        rmSync(natsDirectory, { recursive: true, force: true });
      }
    });
  }, 90_000);
});
