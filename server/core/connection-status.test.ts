import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { ConnectionStatusBoard, withoutCredentials } from "./connection-status";
import type { Logger } from "./logger";

function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push({ level, message, fields });
  return { lines, logger: { info: at("info"), warn: at("warn") } as unknown as Logger };
}

describe("ConnectionTracker", () => {
  it("logs a disconnect as a warning and the reconnect with the outage's length, and keeps the last outage", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { lines, logger } = recordingLogger();
    const board = new ConnectionStatusBoard(clock, logger);
    const tracker = board.track({ name: "event bus", service: "NATS", target: "nats://user:secret@nats:4222" });
    expect(board.list()[0]).toMatchObject({ state: "idle", sinceMs: null, target: "nats://nats:4222" });

    tracker.connecting();
    tracker.connected();
    const connectedAt = clock.now();
    await clock.advance(60_000);
    tracker.event({ type: "disconnect", server: "nats:4222" });
    const lostAt = clock.now();
    await clock.advance(2_000);
    // The client repeats reconnecting and disconnect while down: the outage began at the first.
    tracker.event({ type: "reconnecting" });
    tracker.event({ type: "disconnect", server: "nats:4222" });
    expect(board.list()[0]).toMatchObject({ state: "disconnected", sinceMs: lostAt });
    await clock.advance(10_500);
    tracker.event({ type: "reconnect", server: "nats:4222" });

    expect(board.list()[0]).toMatchObject({
      state: "connected",
      sinceMs: lostAt + 12_500,
      outages: 1,
      lastOutage: { startedAtMs: lostAt, endedAtMs: lostAt + 12_500, durationMs: 12_500 },
      lastError: null,
    });
    expect(connectedAt).toBeLessThan(lostAt);
    expect(lines.map(({ level, message }) => `${level}: ${message}`)).toEqual([
      "info: NATS connection (event bus) open",
      "warn: NATS connection (event bus) lost to nats:4222; reconnecting",
      "info: NATS connection (event bus) restored after 12.5 s",
    ]);
    expect(lines[2]!.fields).toMatchObject({ outageMs: 12_500 });
  });

  it("counts a first connect that fails and later works as an outage, with the error while down", async () => {
    const clock = new ManualClock();
    const { lines, logger } = recordingLogger();
    const tracker = new ConnectionStatusBoard(clock, logger).track({
      name: "digests",
      service: "NATS",
      target: "nats://127.0.0.1:4222",
    });
    tracker.connecting();
    tracker.failed(new Error("CONNECTION_REFUSED"));
    await clock.advance(5_000);
    tracker.connecting();
    tracker.failed(new Error("CONNECTION_REFUSED"));
    expect(tracker.snapshot()).toMatchObject({ state: "disconnected", lastError: "CONNECTION_REFUSED" });
    await clock.advance(5_000);
    tracker.connecting();
    tracker.connected();
    expect(tracker.snapshot()).toMatchObject({
      state: "connected",
      lastOutage: { durationMs: 10_000 },
      lastError: null,
    });
    expect(lines.filter((line) => line.level === "warn")).toHaveLength(1);
    expect(lines.at(-1)!.message).toBe("NATS connection (digests) restored after 10.0 s");
  });

  it("marks a closed connection closed, and opens it again on the next use", () => {
    const clock = new ManualClock();
    const tracker = new ConnectionStatusBoard(clock, recordingLogger().logger).track({
      name: "digests",
      service: "NATS",
      target: "nats://h:1",
    });
    tracker.connecting();
    tracker.connected();
    tracker.event({ type: "close" });
    expect(tracker.snapshot().state).toBe("closed");
    tracker.connecting();
    expect(tracker.snapshot().state).toBe("connecting");
  });

  it("strips credentials from a URL", () => {
    expect(withoutCredentials("nats://a:b@host:4222")).toBe("nats://host:4222");
    expect(withoutCredentials("nats://host:4222")).toBe("nats://host:4222");
  });
});
