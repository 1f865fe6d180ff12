/**
 * The alerts engine runs in one process at a time: two processes started on one database (each its own
 * connection, bus and manual clock) notify each state change once; when the holder stops, the other takes over
 * and the rules keep being evaluated.
 */
import { UserDirectory } from "@/server/auth/users";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus, type AlertStateChanged } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { ruleInputSchema } from "@/server/alerts/rule";
import { createAlertsModule } from "./alerts";

const START = Date.UTC(2026, 0, 1);
let database: TestDatabase | undefined;

afterEach(() => {
  database?.close();
  database = undefined;
});

function alertsProcess(filePath: string, clock: ManualClock, seed: number) {
  const bus = new InProcessEventBus();
  const events: AlertStateChanged[] = [];
  bus.subscribe("alert.state-changed", (event) => {
    events.push(event);
  });
  const db = openDatabase(filePath);
  const alerts = createAlertsModule(
    { config: parseConfig({ NODE_ENV: "test" }), db, clock, random: new SeededRandom(seed), bus, logger: createLogger("alerts-lease-test"), people: new UserDirectory(db, clock) },
    { dbsimMetrics: { read: () => undefined, names: () => [] } },
    { leaseClock: clock },
  );
  return { module: alerts, events };
}

describe("the alerts engine under its lease", () => {
  it("evaluates in one of two processes, and in the other once the first stops", async () => {
    database = createTestDatabase();
    const clock = new ManualClock(START);
    const a = alertsProcess(database.filePath, clock, 1);
    const b = alertsProcess(database.filePath, clock, 2);
    // CRITICAL for 20 s, PASS for 20 s, and again: each process would publish every change if both ran.
    a.module.console.store.createRule(
      ruleInputSchema.parse({ name: "flapping", sourceKind: "simulated", query: "script?values=250,50&step=20", intervalSecs: 1, warn: { value: 100, message: "warn" }, critical: { value: 200, message: "critical" } }),
      "console",
      systemActor("test"),
    );
    await a.module.engine.start();
    await b.module.engine.start();
    const ownerA = a.module.console.engineHolder()?.owner;
    expect(ownerA).toMatch(/^eng_/);
    await clock.advance(30_000);
    expect(a.module.console.engine.size).toBe(1);
    expect(b.module.console.engine.size).toBe(0);
    expect(a.events.map((event) => event.newState)).toEqual(["CRITICAL", "PASS"]);
    expect(b.events).toEqual([]);

    await a.module.engine.stop();
    await clock.advance(30_000);
    expect(b.module.console.engine.size).toBe(1);
    // B goes on from the stored state (PASS), so the next CRITICAL is the only change it publishes here.
    expect(b.events.map((event) => event.newState)).toEqual(["CRITICAL"]);
    expect(b.module.console.engineHolder()?.owner).toMatch(/^eng_/);
    expect(b.module.console.engineHolder()?.owner).not.toBe(ownerA);
    await b.module.engine.stop();
    expect(b.module.console.engineHolder()).toBeUndefined();
  });
});
