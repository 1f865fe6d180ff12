/**
 * The scheduler in (manual) real time: the database runs a tick every 100 ms of the clock and says when; the test
 * decides how late each step runs, how slow a delay call is, and when the database goes away or restarts. Point 3
 * of the live-scheduler issue: whenever it falls behind it stops adding delay (and hands back what it holds), says
 * why, and resumes by itself once it has caught up.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "@/server/core/clock";
import { DatabaseSimulation } from "../dbsim/simulation";
import type { CostVector } from "../estimation/types";
import { SimulationDatabaseApi } from "../testing/simulation-database-api";
import type { DatabaseApi, DatabaseObservation } from "./database-api";
import { Scheduler } from "./scheduler";

const START = Date.UTC(2026, 11, 7, 12);

/** A database on the manual clock: ticks it runs are stamped with the clock; it can be down, slow, or restarted. */
class TimedDatabase implements DatabaseApi {
  simulation: DatabaseSimulation;
  private inner: SimulationDatabaseApi;
  private lastTickAt: number | undefined;
  down = false;
  delayCallMs = 0;
  readonly executedAddedDelays: number[] = [];

  constructor(
    private readonly clock: ManualClock,
    private readonly seed: number,
  ) {
    this.simulation = new DatabaseSimulation({ seed, arrivalScale: 4 });
    this.inner = new SimulationDatabaseApi(this.simulation);
  }

  tick(): void {
    const result = this.simulation.tick();
    this.lastTickAt = this.clock.now();
    for (const execution of result.executed) this.executedAddedDelays.push(execution.addedDelayTicks);
  }

  restart(): void {
    this.simulation = new DatabaseSimulation({ seed: this.seed + 1, arrivalScale: 4 });
    this.inner = new SimulationDatabaseApi(this.simulation);
  }

  async observe(): Promise<DatabaseObservation> {
    if (this.down) throw new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1:8080");
    const observation = await this.inner.observe();
    return { ...observation, timing: { ...observation.timing, lastTickAtMs: this.lastTickAt } };
  }

  async delay(executionId: string, ticks: number): Promise<void> {
    if (this.down) throw new TypeError("fetch failed: connect ECONNREFUSED 127.0.0.1:8080");
    if (this.delayCallMs > 0) await this.clock.advance(this.delayCallMs);
    return this.inner.delay(executionId, ticks);
  }

  costs() {
    const truth = new Map<string, CostVector>(this.simulation.templates.map((t) => [t.id, { ...t.cost }]));
    return { cost: (templateId: string) => truth.get(templateId) };
  }
}

function setUp() {
  const clock = new ManualClock(START);
  const database = new TimedDatabase(clock, 21);
  const modes: string[] = [];
  const stepErrors: unknown[] = [];
  const scheduler = new Scheduler({
    api: database,
    costs: database.costs(),
    clock,
    maxAddedDelayTicks: 30,
    onError: () => undefined,
    onModeChange: (mode, reason) => modes.push(`${mode}${reason ? `: ${reason}` : ""}`),
  });
  /** Runs `ticks` ticks; each step runs `stepAfterMs` after its tick (a failed step is what the loop logs). */
  const run = async (ticks: number, stepAfterMs = 3) => {
    for (let tick = 0; tick < ticks; tick++) {
      await clock.advance(100 - stepAfterMs);
      database.tick();
      await clock.advance(stepAfterMs);
      await scheduler.step().catch((error: unknown) => stepErrors.push(error));
    }
  };
  const heldBack = () => database.simulation.queued().filter((execution) => execution.remainingDelayTicks > 1);
  return { clock, database, scheduler, modes, run, heldBack, stepErrors };
}

describe("the scheduler in real time", () => {
  it("acts on time, measures its lateness and delay calls, and delays queries", async () => {
    const { scheduler, run, heldBack } = setUp();
    await run(300);
    const status = scheduler.status();
    expect(status.mode).toBe("active");
    expect(status.timing).toMatchObject({ ticksActed: 300, ticksLate: 0, ticksMissed: 0 });
    expect(status.timing.stepLatenessMs).toEqual({ p50: 3, p99: 3 });
    expect(status.bandFraction.all).toBeGreaterThan(0.5);
    expect(heldBack().length).toBeGreaterThan(0);
  });

  it("stands aside when its steps run late, hands back what it holds, adds no delay, and resumes once on time", async () => {
    const { scheduler, run, modes, heldBack, database } = setUp();
    await run(200);
    await run(10, 80); // every step 80 ms after its tick: too late to park the tick's arrivals
    expect(scheduler.status().mode).toBe("standing aside");
    expect(scheduler.status().reason).toMatch(/^falling behind: \d+ of the last 50 ticks were acted on late or missed/);
    expect(heldBack()).toEqual([]);
    expect(scheduler.status().backlog).toBe(0);
    const executedBefore = database.executedAddedDelays.length;
    await run(30, 80);
    expect(database.executedAddedDelays.slice(executedBefore).every((added) => added <= 0)).toBe(true);
    await run(120);
    expect(scheduler.status().mode).toBe("active");
    expect(modes).toEqual([expect.stringMatching(/^standing aside: falling behind/), "active"]);
    expect(heldBack().length).toBeGreaterThan(0);
  });

  it("stands aside while the database is slow to take delays, and resumes once it is fast again", async () => {
    const { scheduler, run, database, modes } = setUp();
    await run(100);
    database.delayCallMs = 60;
    await run(30);
    expect(scheduler.status().mode).toBe("standing aside");
    expect(modes[0]).toMatch(/^standing aside: (the database is slow to take delays|falling behind)/);
    database.delayCallMs = 0;
    await run(200);
    expect(scheduler.status().mode).toBe("active");
  });

  it("keeps the bound while the database is away for a minute, then stands aside and resumes by itself", async () => {
    const { scheduler, run, database, stepErrors } = setUp();
    await run(100);
    database.down = true;
    await run(600);
    expect(stepErrors).toHaveLength(600);
    expect(String(stepErrors[0])).toMatch(/ECONNREFUSED/);
    database.down = false;
    await run(1);
    expect(scheduler.status().mode).toBe("standing aside");
    expect(scheduler.status().reason).toMatch(/falling behind/);
    // Everything it had parked ran within the bound (30 ticks) while it was gone.
    expect(Math.max(...database.executedAddedDelays)).toBeLessThanOrEqual(30);
    await run(150);
    expect(scheduler.status().mode).toBe("active");
  });

  it("starts over when the database restarts without its state (its ticks go back)", async () => {
    const { scheduler, run, database, heldBack } = setUp();
    await run(200);
    database.restart();
    await run(200);
    expect(scheduler.status().mode).toBe("active");
    expect(heldBack().length).toBeGreaterThan(0);
    expect(Math.max(...database.executedAddedDelays)).toBeLessThanOrEqual(30);
  });
});

describe("standing aside", () => {
  it("sends no call for arrivals it never moved: only what it held is handed back", async () => {
    const clock = new ManualClock(START);
    const database = new TimedDatabase(clock, 22);
    const calls: number[] = [];
    const api: DatabaseApi = {
      observe: () => database.observe(),
      delay: async (executionId, ticks) => {
        calls.push(ticks);
        return database.delay(executionId, ticks);
      },
    };
    // Warming up from the first step: it never parks, so it never has anything to hand back.
    const scheduler = new Scheduler({ api, costs: database.costs(), clock, historySeconds: () => 10 });
    for (let tick = 0; tick < 100; tick++) {
      await clock.advance(97);
      database.tick();
      await clock.advance(3);
      await scheduler.step();
    }
    expect(scheduler.status().mode).toBe("standing aside");
    // At most the first step's parks (made before its first verdict) were sent, and released once.
    expect(calls.length).toBeLessThanOrEqual(2 * 12);
    expect(Math.max(0, ...database.executedAddedDelays)).toBe(0);
  });
});
