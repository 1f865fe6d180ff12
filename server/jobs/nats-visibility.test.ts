/**
 * NATS visibility against a real nats-server of this test's own (started, killed and restarted here; the
 * machine's shared server is never touched): both connections (the event bus and the digests') report the outage
 * to the board, log it with its length, and readiness answers not ready while NATS is down.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/server/core/free-port";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { ManualClock } from "@/server/core/clock";
import { ConnectionStatusBoard } from "@/server/core/connection-status";
import type { AlertStateChanged } from "@/server/core/events";
import type { Logger } from "@/server/core/logger";
import { LazyNatsConnection } from "@/server/digests/adapters/nats-connection";
import { waitUntil } from "@/server/digests/testing/adapters/nats-test-kit";
import { NatsEventBus } from "./nats-event-bus";
import { createPlatformConsole } from "./platform";

let directory: string;
let port: number;
let server: ChildProcess | null = null;
let database: TestDatabase;

async function startServer(): Promise<void> {
  const started = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", directory], {
    stdio: "ignore",
  });
  server = started;
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createServer().listen(port, "127.0.0.1");
        // Listening succeeds only while nothing holds the port: the server is up once it fails.
        socket.once("listening", () => socket.close(() => resolve(false)));
        socket.once("error", () => resolve(true));
      }),
    10_000,
    "nats-server to listen",
  );
}

function killServer(): Promise<void> {
  const running = server;
  server = null;
  if (!running || running.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    running.once("exit", () => resolve());
    running.kill("SIGKILL");
  });
}

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "watchpost-nats-visibility-"));
  port = await freePort();
  database = createTestDatabase();
  await startServer();
});

afterAll(async () => {
  await killServer();
  database.close();
  rmSync(directory, { recursive: true, force: true });
});

const event: AlertStateChanged = {
  eventId: "evt_visibility_1",
  ruleId: "rule_1",
  ruleName: "CPU",
  serviceId: null,
  subscriberUserIds: [],
  previousState: "PASS",
  newState: "WARN",
  value: 1,
  message: "",
  changedAt: "2026-01-01T00:00:00Z",
  changedAtMs: 0,
};

describe("NATS visibility", () => {
  it("logs and shows a NATS outage of both connections with its length, and is not ready while it lasts", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const lines: { level: string; message: string }[] = [];
    const logger = {
      info: (_fields: unknown, message: string) => void lines.push({ level: "info", message }),
      warn: (_fields: unknown, message: string) => void lines.push({ level: "warn", message }),
    } as unknown as Logger;
    const board = new ConnectionStatusBoard(clock, logger);
    const url = `nats://127.0.0.1:${port}`;
    const bus = new NatsEventBus({ url, prefix: "t_visibility", connections: board });
    const digests = new LazyNatsConnection(url, "watchpost-digest-test", { connections: board });
    const platform = createPlatformConsole({
      db: database.db,
      clock,
      testClock: undefined,
      engines: [],
      connections: board,
      config: { WATCHPOST_BASE_URL: "http://localhost:3000", PORT: 3000, NATS_URL: url },
    });
    try {
      // Readiness opens what nothing has opened yet, and finds both up.
      const first = await platform.readiness();
      expect(first.failing).toEqual([]);
      expect(first.nats.connections.map((connection) => [connection.name, connection.state])).toEqual([
        ["event bus", "connected"],
        ["digests", "connected"],
      ]);
      await bus.publish("alert.state-changed", event);
      await digests.get();

      await killServer();
      const lostAt = clock.now();
      await waitUntil(
        () => board.list().every((connection) => connection.state === "disconnected"),
        15_000,
        "both connections to notice the server is gone",
      );
      const down = await platform.readiness();
      expect(down.status).toBe("not ready");
      expect(down.failing).toEqual(["nats:event bus", "nats:digests"]);
      expect(down.message).toContain(
        `NATS (event bus, ${url}) is disconnected since ${new Date(lostAt).toISOString()}`,
      );
      expect(platform.status().connections[0]).toMatchObject({ state: "disconnected", sinceMs: lostAt });

      await clock.advance(4_000);
      await startServer();
      await waitUntil(
        () => board.list().every((connection) => connection.state === "connected"),
        20_000,
        "both connections to reconnect",
      );
      for (const connection of platform.status().connections)
        expect(connection).toMatchObject({
          outages: 1,
          lastOutage: { startedAtMs: lostAt, durationMs: 4_000 },
          lastError: null,
        });
      expect((await platform.readiness()).status).toBe("ready");
      for (const name of ["event bus", "digests"]) {
        expect(lines).toContainEqual({
          level: "warn",
          message: expect.stringMatching(`NATS connection \\(${name}\\) lost`),
        });
        expect(lines).toContainEqual({ level: "info", message: `NATS connection (${name}) restored after 4.0 s` });
      }
    } finally {
      await bus.close().catch(() => undefined);
      await digests.close().catch(() => undefined);
    }
  }, 60_000);
});
