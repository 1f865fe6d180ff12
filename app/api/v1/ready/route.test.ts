import BetterSqlite3 from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDatabase } from "@/db/client";
import * as schema from "@/db/schema";
import { ManualClock } from "@/server/core/clock";
import { ConnectionStatusBoard } from "@/server/core/connection-status";
import { createLogger } from "@/server/core/logger";
import type { ReadinessReport } from "@/server/core/platform";
import type { Engine, EngineHealth } from "@/server/jobs/engine";
import { createPlatformConsole, probeDatabaseWrite, type EngineRunState } from "@/server/jobs/platform";
import { startRouteRuntime, type RouteRuntime } from "@/server/jobs/testing/route-runtime";
import { DEMO_USERS } from "@/server/jobs/demo-ids";
import { POST as trpcPost } from "../../trpc/[trpc]/route";
import { POST as ingest } from "../pager/events/route";
import { GET as health } from "../health/route";
import { GET } from "./route";

let routes: RouteRuntime;

beforeAll(async () => {
  routes = await startRouteRuntime();
});

afterAll(() => routes.close());

const ready = async () => {
  const response = await GET();
  return { status: response.status, body: (await response.json()) as ReadinessReport };
};

describe("GET /api/v1/ready", () => {
  it("answers 200 with each part's state when the database takes a write and nothing else is needed", async () => {
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ready", failing: [], database: { state: "writable" } });
    expect(body.nats).toEqual({ configured: false, connections: [] });
  });

  it("answers 503 naming the database when it cannot be written, while health (liveness) still says ok; ingest and tRPC mutations answer 503 with JSON", async () => {
    const sqlite = routes.runtime.db.$client;
    const key = await routes.integrationKey();
    const base = "http://console.example.com";
    const signIn = await routes.runtime.consoles.auth.handle(
      new Request(`${base}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base },
        body: JSON.stringify({ email: DEMO_USERS.admin.email, password: DEMO_USERS.admin.password }),
      }),
    );
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(";", 1)[0])
      .join("; ");
    // query_only makes every write on this connection fail with SQLITE_READONLY, as a read-only file does (chmod
    // does not stop root, who runs these tests).
    sqlite.pragma("query_only = ON");
    try {
      const { status, body } = await ready();
      expect(status).toBe(503);
      expect(body.failing).toEqual(["database"]);
      expect(body.message).toMatch(/the database cannot be written \(.*readonly/i);
      expect((await health()).status).toBe(200);

      const response = await ingest(
        new Request("http://127.0.0.1:3000/api/v1/pager/events", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            routing_key: key,
            event_action: "trigger",
            payload: { summary: "disk full", source: "db-1", severity: "critical" },
          }),
        }),
      );
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("30");
      const answer = (await response.json()) as { message: string };
      expect(answer.message).toMatch(/database cannot be written \(SQLITE_READONLY/);

      const mutation = await trpcPost(
        new Request(`${base}/api/trpc/pager.policy.create`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: base, cookie },
          body: JSON.stringify({
            json: {
              name: "Night",
              levels: [{ delayMinutes: 15, targets: [{ channel: "email", address: "ops@example.com" }] }],
              repeatCount: 0,
            },
          }),
        }),
      );
      const refusal = (await mutation.json()) as { error: { json: { message: string; data: { code: string } } } };
      expect(mutation.status, JSON.stringify(refusal)).toBe(503);
      expect(refusal.error.json.data.code).toBe("SERVICE_UNAVAILABLE");
      expect(refusal.error.json.message).toMatch(
        /Nothing was changed: the database cannot be written \(SQLITE_READONLY/,
      );
    } finally {
      sqlite.pragma("query_only = OFF");
    }
    expect((await ready()).status).toBe(200);
  });

  it("finds a database file opened read-only unwritable", () => {
    const sqlite = new BetterSqlite3(routes.databasePath, { readonly: true });
    try {
      const db = drizzle({ client: sqlite, schema }) as AppDatabase;
      const check = probeDatabaseWrite(db, new ManualClock());
      expect(check.state).toBe("unwritable");
      expect(check.state === "unwritable" && check.error).toMatch(/readonly/i);
    } finally {
      sqlite.close();
    }
  });

  it("answers 503 naming an engine this process should run that has stopped or keeps failing; a leased engine standing by is fine", async () => {
    const engine = (name: string, status?: () => EngineHealth): Engine => ({
      name,
      start: async () => {},
      stop: async () => {},
      status,
    });
    const relayProblem =
      "the pager's outbox relay has failed 31 times in 31 s without a success (latest: disk I/O error)";
    const pager = engine("pager", () => ({ state: "failing", problem: relayProblem }));
    const alerts = engine("alerts", () => ({ state: "standby" }));
    const digests = engine("digests", () => ({ state: "stopped" }));
    const scheduling = engine("scheduling");
    const runStates = new Map<Engine, EngineRunState>([
      [pager, "started"],
      [alerts, "started"],
      [digests, "started"],
      [scheduling, "stopped"],
    ]);
    const platform = createPlatformConsole({
      db: routes.runtime.db,
      clock: new ManualClock(),
      testClock: undefined,
      engines: [pager, alerts, digests, scheduling],
      engineRunState: (which) => runStates.get(which)!,
      connections: new ConnectionStatusBoard(new ManualClock(), createLogger("test")),
      config: { WATCHPOST_BASE_URL: "http://localhost:3000", PORT: 3000, NATS_URL: undefined },
    });
    const report = await platform.readiness();
    expect(report.status).toBe("not ready");
    expect(report.failing).toEqual(["engine:pager", "engine:digests", "engine:scheduling"]);
    expect(report.engines).toEqual([
      { name: "pager", status: "failing", ok: false, problem: relayProblem },
      { name: "alerts", status: "standby", ok: true },
      { name: "digests", status: "stopped", ok: false },
      { name: "scheduling", status: "stopped", ok: false },
    ]);
    expect(report.message).toContain("engine digests is stopped");
    expect(report.message).toContain(`engine pager is failing: ${relayProblem}`);
  });

  it("counts the engines of a process whose runner has not started them as not ready", async () => {
    const other = await startRouteRuntime({ WATCHPOST_ENGINES: "pager", WATCHPOST_DEMO: "false" });
    try {
      const report = await other.runtime.consoles.platform.readiness();
      expect(report.failing).toEqual(["engine:pager"]);
      expect(report.engines).toEqual([{ name: "pager", status: "not started", ok: false }]);
    } finally {
      // close() closes every database of the process (closeDatabases), the first runtime's too: this test runs last.
      other.close();
    }
  });
});
