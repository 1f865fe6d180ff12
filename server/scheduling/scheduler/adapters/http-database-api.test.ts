import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "@/server/core/clock";
import { DbsimServer } from "../../dbsim/adapters/http-server";
import type { CostVector } from "../../estimation/types";
import { inBand } from "../../band";
import { Scheduler } from "../scheduler";
import { DelayRejectedError } from "../database-api";
import { HttpDatabaseApi } from "./http-database-api";

let server: DbsimServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startServer(arrivalScale = 1) {
  const clock = new ManualClock();
  server = new DbsimServer({ clock, port: 0, parameters: { seed: 21, arrivalScale } });
  await server.start();
  return { clock, server, api: new HttpDatabaseApi({ baseUrl: server.url, clock }) };
}

describe("the HTTP adapter of the scheduler's database port", () => {
  it("maps the fixed timestamps of /queued and /resources back to the server's ticks", async () => {
    const { clock, server, api } = await startServer();
    await clock.advance(2_500);
    const timing = await api.timing();
    expect(timing.lastTick).toBe(server.simulation.currentTick - 1);
    expect(timing.windowTicks).toBe(10);
    const queued = await api.queued();
    const truth = new Map(server.simulation.queued().map((execution) => [execution.id, execution.queuedTick]));
    expect(queued.length).toBe(truth.size);
    for (const execution of queued) expect(execution.queuedTick).toBe(truth.get(execution.executionId));
    const window = await api.resources();
    expect(window?.lastTick).toBe(server.simulation.lastWindow?.lastTick);
    expect(window?.cpu).toEqual(server.simulation.lastWindow?.cpu);
  });

  it("delays a queued execution through POST /delay and reports a rejected one", async () => {
    const { clock, server, api } = await startServer(4);
    await clock.advance(300);
    const [execution] = await api.queued();
    expect(execution).toBeDefined();
    await api.delay(execution!.executionId, 7);
    expect(server.simulation.queued().find((queued) => queued.id === execution!.executionId)?.addedDelayTicks).toBe(7);
    await expect(api.delay("6f1c2d3e-0000-4000-8000-000000000000", 1)).rejects.toBeInstanceOf(DelayRejectedError);
  });

  it('reports only the server\'s "Failed to delay query" answer as a rejected delay, not another failure', async () => {
    const answer =
      (status: number, body: string): typeof fetch =>
      async () =>
        new Response(body, { status });
    const clock = new ManualClock();
    const rejected = new HttpDatabaseApi({
      baseUrl: "http://127.0.0.1:1",
      clock,
      fetch: answer(500, "Failed to delay query\n"),
    });
    await expect(rejected.delay("6f1c2d3e-0000-4000-8000-000000000000", 1)).rejects.toBeInstanceOf(DelayRejectedError);
    for (const [status, body] of [
      [502, "Bad gateway"],
      [500, "Internal server error"],
      [400, "Invalid request body"],
    ] as const) {
      const api = new HttpDatabaseApi({ baseUrl: "http://127.0.0.1:1", clock, fetch: answer(status, body) });
      const failure = await api.delay("6f1c2d3e-0000-4000-8000-000000000000", 1).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(DelayRejectedError);
    }
  });

  it("lets the scheduler balance the database over HTTP", async () => {
    const { clock, server, api } = await startServer(4);
    const truth = new Map<string, CostVector>(
      server.simulation.templates.map((template) => [template.id, { ...template.cost }]),
    );
    const scheduler = new Scheduler({ api, costs: { cost: (id) => truth.get(id) }, maxAddedDelayTicks: 30 });
    let seen = -1;
    let counted = 0;
    let balanced = 0;
    for (let tick = 0; tick < 400; tick++) {
      await clock.advance(100);
      await scheduler.step();
      const window = server.simulation.lastWindow;
      if (window && window.lastTick !== seen && tick > 60) {
        seen = window.lastTick;
        counted++;
        if (inBand(window.cpu) && inBand(window.io) && inBand(window.memory)) balanced++;
      }
    }
    expect(balanced / counted).toBeGreaterThan(0.85);
  });
});
