import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ManualClock } from "@/server/core/clock";
import { DbsimServer } from "./http-server";
import { decodeDelayRequest } from "../delay-request";

/** Raw HTTP (fetch refuses bodies on some methods and hides HEAD details). */
function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode!,
          contentType: response.headers["content-type"],
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

type ProbeResult = {
  note: string;
  method: string;
  path: string;
  req_body: string | null;
  status: number;
  body: string;
};
const probe = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "contract-probe.json"), "utf8")) as {
  results: ProbeResult[];
};

describe("dbsim HTTP server", () => {
  let clock: ManualClock;
  let server: DbsimServer;

  beforeEach(async () => {
    clock = new ManualClock();
    server = new DbsimServer({ clock, port: 0, autoTick: false, parameters: { seed: 11 } });
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
  });

  it("answers 204 with no body while the queue is empty, then a JSON array with real queued times", async () => {
    expect(await call(server.url, "GET", "/queued")).toMatchObject({ status: 204, body: "" });
    let result = server.runTick();
    while (result.queued.length === 0) {
      await clock.advance(100);
      result = server.runTick();
    }
    const queuedAt = clock.now();
    const response = await call(server.url, "GET", "/queued?foo=bar");
    expect(response.status).toBe(200);
    expect(response.contentType).toBe("application/json");
    expect(response.body.endsWith("\n")).toBe(true);
    const items = JSON.parse(response.body) as Array<{
      query: { id: string };
      execution: { id: string; timestamp: number };
    }>;
    expect(items.map((item) => item.execution.id)).toEqual(result.queued.map((execution) => execution.id));
    expect(items[0]!.query.id).toBe(result.queued[0]!.templateId);
    expect(items[0]!.execution.timestamp).toBe(queuedAt);
  });

  it("reports zeros before the first second, then the last window's integers", async () => {
    const before = JSON.parse((await call(server.url, "GET", "/resources")).body);
    expect(before).toEqual({
      cpu: { average: 0, min: 0, max: 0 },
      io: { average: 0, min: 0, max: 0 },
      memory: { average: 0, min: 0, max: 0 },
      timestamp: server.startedAt,
    });
    let window;
    for (let tick = 0; tick < 10; tick++) {
      await clock.advance(100);
      window = server.runTick().window ?? window;
    }
    const after = JSON.parse((await call(server.url, "GET", "/resources")).body);
    expect(after).toEqual({ cpu: window!.cpu, io: window!.io, memory: window!.memory, timestamp: clock.now() });
  });

  it("answers every case of the original's contract probe with the same status and body", async () => {
    // Keep an execution queued to stand for the probe's "valid id" cases.
    let result = server.runTick();
    while (result.queued.length === 0) result = server.runTick();
    const liveId = result.queued[0]!.id;
    server.simulation.delay(liveId, 1000);
    const probeIds = new Set(["2acdfef2-d6fb-42f8-b939-201d082df48d", "a931de4e-b82e-42d9-a3a6-db97d2679948"]);
    let checked = 0;
    for (const item of probe.results) {
      if (item.path.startsWith("/queued") || item.path === "/resources") {
        if (item.method === "GET") continue; // covered above: depends on the moment
      }
      if (item.note === "id of an already executed execution") continue; // covered below
      let body = item.req_body ?? undefined;
      for (const id of probeIds) if (body?.includes(id)) body = body.replace(id, liveId);
      const response = await call(server.url, item.method, item.path, body);
      expect({ note: item.note, status: response.status, body: response.body }).toEqual({
        note: item.note,
        status: item.status,
        body: item.body,
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it("keeps an execution delayed by 20 queued 21 ticks, then refuses to delay it again with 500", async () => {
    let result = server.runTick();
    while (result.queued.length === 0) result = server.runTick();
    const target = result.queued[0]!;
    const ok = await call(server.url, "POST", "/delay", JSON.stringify({ id: target.id, delay: 20 }));
    expect(ok).toMatchObject({ status: 200, body: "" });
    let ranAt: number | undefined;
    for (let tick = 0; tick < 25 && ranAt === undefined; tick++) {
      const next = server.runTick();
      if (next.executed.some((execution) => execution.id === target.id)) ranAt = next.tick;
    }
    expect(ranAt! - target.queuedTick).toBe(21);
    const again = await call(server.url, "POST", "/delay", JSON.stringify({ id: target.id, delay: 5 }));
    expect(again).toMatchObject({
      status: 500,
      body: "Failed to delay query\n",
      contentType: "text/plain; charset=utf-8",
    });
  });

  it("serves the event log by sequence, with bad paging parameters refused in plain text", async () => {
    for (let tick = 0; tick < 30; tick++) server.runTick();
    const page = JSON.parse((await call(server.url, "GET", "/events?after=0&limit=5")).body);
    expect(page.events.map((event: { seq: number }) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(page.logId).toBe(server.log.logId);
    const next = JSON.parse((await call(server.url, "GET", "/events?after=5&limit=5")).body);
    expect(next.events[0].seq).toBe(6);
    expect(await call(server.url, "GET", "/events?after=-1")).toMatchObject({ status: 400 });
    expect(await call(server.url, "GET", "/events?limit=0")).toMatchObject({ status: 400 });
    expect(await call(server.url, "POST", "/events")).toMatchObject({ status: 405, body: "Method not allowed\n" });
    const templates = JSON.parse((await call(server.url, "GET", "/templates")).body);
    expect(templates.templates).toHaveLength(100);
  });

  it("ticks by itself from the clock, ten times a second", async () => {
    const ticking = new DbsimServer({ clock, port: 0 });
    await ticking.start();
    await clock.advance(1000);
    expect(ticking.simulation.currentTick).toBe(10);
    await clock.advance(2500);
    expect(ticking.simulation.currentTick).toBe(35);
    await ticking.stop();
  });
});

describe("decodeDelayRequest (Go encoding/json + google/uuid semantics)", () => {
  const id = "a931de4e-b82e-42d9-a3a6-db97d2679948";
  it.each([
    ["not json", "Invalid request body"],
    ["", "Invalid request body"],
    ['{"id":"not-a-uuid","delay":5}', "Invalid request body"],
    ['{"id":123,"delay":5}', "Invalid request body"],
    [`{"id":"${id}","delay":"5"}`, "Invalid request body"],
    [`{"id":"${id}","delay":1.5}`, "Invalid request body"],
    [`{"id":"${id}","delay":5.0}`, "Invalid request body"],
    [`{"id":"${id}","delay":1e2}`, "Invalid request body"],
    ["[]", "Invalid request body"],
    ['"text"', "Invalid request body"],
    ['{"id":"00000000-0000-0000-0000-000000000000","delay":5}', "Missing execution ID"],
    ['{"delay":5}', "Missing execution ID"],
    ["{}", "Missing execution ID"],
    ["null", "Missing execution ID"],
  ])("refuses %j with %s", (body, message) => {
    expect(decodeDelayRequest(body)).toEqual({ ok: false, status: 400, message });
  });

  it.each([
    [`{"id":"${id}","delay":3} trailing-garbage`, 3],
    [`{"id":"${id}","delay":3,"extra":true}`, 3],
    [`{"id":"{${id}}","delay":3}`, 3],
    [`{"ID":"${id.toUpperCase()}","Delay":-5}`, -5],
    [`{"id":"urn:uuid:${id}"}`, 0],
    [`{"id":"${id.replaceAll("-", "")}","delay":0}`, 0],
  ])("accepts %j", (body, delay) => {
    expect(decodeDelayRequest(body)).toEqual({ ok: true, request: { id, delay } });
  });
});

describe("dbsim snapshot for a scheduler", () => {
  it("gives the queued executions with their ticks, the timing and the latest window in one answer", async () => {
    const clock = new ManualClock();
    const server = new DbsimServer({ clock, port: 0, autoTick: false, parameters: { seed: 12 } });
    await server.start();
    for (let tick = 0; tick < 15; tick++) server.runTick();
    const snapshot = JSON.parse((await call(server.url, "GET", "/snapshot")).body);
    expect(snapshot.queued).toEqual(
      server.simulation.queued().map((execution) => ({
        executionId: execution.id,
        templateId: execution.templateId,
        queuedTick: execution.queuedTick,
      })),
    );
    expect(snapshot).toMatchObject({
      lastTick: 14,
      windowTicks: 10,
      windowOrigin: 0,
      defaultDelayTicks: 1,
      tickMs: 100,
      window: { firstTick: 0, lastTick: 9, samples: 10 },
    });
    await server.stop();
  });

  it("stamps a tick the clock drives with its due time, even when it runs late", async () => {
    const clock = new ManualClock();
    const server = new DbsimServer({ clock, port: 0, parameters: { seed: 12 } });
    await server.start();
    clock.set(clock.now() + 1000); // the process stalled a second: ten ticks are due at once
    await clock.advance(0);
    expect(server.simulation.currentTick).toBe(10);
    const page = server.log.read(0, 1000);
    for (const event of page.events)
      if (event.type === "queued") expect(event.at).toBe(server.startedAt + (event.tick + 1) * 100);
    await server.stop();
  });
});
