import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabases } from "@/db/client";
import { auditLog } from "@/db/schema";
import { parseConfig } from "@/server/core/config";
import { ManualClock } from "@/server/core/clock";
import { DEMO_USERS } from "@/server/jobs/demo-ids";
import { createRuntime, startEngines, stopEngines, type Runtime } from "@/server/jobs/runtime";
import { createCaller } from "../root";
import type { SessionUser } from "../init";

let directory: string;
let runtime: Runtime;

const as = (user: SessionUser | null) => createCaller({ user, consoles: runtime.consoles });
const responder: SessionUser = { id: "usr_responder_test", email: "resp@example.com", name: "Resp", role: "responder" };
const viewer: SessionUser = { id: "usr_viewer_test", email: "view@example.com", name: "View", role: "viewer" };

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
