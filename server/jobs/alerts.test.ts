/**
 * The wired alerts module (createAlertsModule). Under its lease: two processes started on one database (each
 * its own connection, bus and manual clock) notify each state change once; when the holder stops, the other
 * takes over and the rules keep being evaluated. In compatible mode, end to end over HTTP: the engine
 * (ALERTS_SERVER_URL) against the simulator with 20% HTTP 500s and 200 ms latency injected; the validator must
 * find exactly the scripted notify/resolve sequence (real time, the latency is real: about 20 s).
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type AppDatabase } from "@/db/client";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { UserDirectory } from "@/server/auth/users";
import { systemActor } from "@/server/core/audit";
import { ManualClock, SystemClock, type Clock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus, type AlertStateChanged } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { AlertsSimulator, type SimulatorAlert } from "@/server/alerts/adapters/alerts-simulator";
import { validateCalls } from "@/server/alerts/validator";
import { createAlertsModule, type AlertsModuleOptions } from "./alerts";

const START = Date.UTC(2026, 0, 1);
let database: TestDatabase | undefined;
let simulator: AlertsSimulator | undefined;

afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
  database?.close();
  database = undefined;
});

/** One process's alerts module on `db`, with its own bus; the events it publishes. */
function alertsProcess(
  db: AppDatabase,
  options: { clock: Clock; seed: number; env?: Record<string, string>; module?: AlertsModuleOptions },
) {
  const { clock } = options;
  const bus = new InProcessEventBus();
  const events: AlertStateChanged[] = [];
  bus.subscribe("alert.state-changed", (event) => {
    events.push(event);
  });
  const alerts = createAlertsModule(
    {
      config: parseConfig({ NODE_ENV: "test", ...options.env }),
      db,
      clock,
      random: new SeededRandom(options.seed),
      bus,
      logger: createLogger("alerts-module-test"),
      people: new UserDirectory(db, clock),
    },
    { dbsimMetrics: { read: () => undefined, names: () => [] } },
    options.module,
  );
  return { module: alerts, events };
}

describe("the alerts engine under its lease", () => {
  it("evaluates in one of two processes (the other stands by), and in the other once the first stops", async () => {
    database = createTestDatabase();
    const clock = new ManualClock(START);
    // Each process its own connection.
    const a = alertsProcess(openDatabase(database.filePath), { clock, seed: 1, module: { leaseClock: clock } });
    const b = alertsProcess(openDatabase(database.filePath), { clock, seed: 2, module: { leaseClock: clock } });
    // CRITICAL for 20 s, PASS for 20 s, and again: each process would publish every change if both ran.
    a.module.console.createRule(
      {
        name: "flapping",
        sourceKind: "simulated",
        query: "script?values=250,50&step=20",
        intervalSecs: 1,
        warn: { value: 100, message: "warn" },
        critical: { value: 200, message: "critical" },
      },
      systemActor("test"),
    );
    await a.module.engine.start();
    await b.module.engine.start();
    const ownerA = a.module.console.engineStats().holder?.owner;
    expect(ownerA).toMatch(/^eng_/);
    await clock.advance(30_000);
    expect(a.module.console.engineStats().alerts).toBe(1);
    expect(b.module.console.engineStats().alerts).toBe(0);
    expect(a.events.map((event) => event.newState)).toEqual(["CRITICAL", "PASS"]);
    expect(b.events).toEqual([]);
    expect(a.module.engine.status?.()).toEqual({ state: "running" });
    expect(b.module.engine.status?.()).toEqual({ state: "standby" });

    await a.module.engine.stop();
    await clock.advance(30_000);
    expect(b.module.console.engineStats().alerts).toBe(1);
    // B goes on from the stored state (PASS), so the next CRITICAL is the only change it publishes here.
    expect(b.events.map((event) => event.newState)).toEqual(["CRITICAL"]);
    expect(b.module.console.engineStats().holder?.owner).toMatch(/^eng_/);
    expect(b.module.console.engineStats().holder?.owner).not.toBe(ownerA);
    expect(b.module.engine.status?.()).toEqual({ state: "running" });
    await b.module.engine.stop();
    expect(b.module.console.engineStats().holder).toBeNull();
  });
});

const SCRIPTED: SimulatorAlert[] = [
  {
    name: "alert-rising",
    query: "script?values=50,150,250,250,250,50&step=3",
    intervalSecs: 1,
    repeatIntervalSecs: 4,
    warn: { value: 100, message: "alert-rising-warning" },
    critical: { value: 200, message: "alert-rising-critical" },
  },
  {
    name: "alert-flapping",
    query: "script?values=250,250,50,150,150,50&step=3",
    intervalSecs: 1,
    repeatIntervalSecs: 300,
    warn: { value: 100, message: "alert-flapping-warning" },
    critical: { value: 200, message: "alert-flapping-critical" },
  },
];

async function realSleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("compatible mode against the simulator over HTTP", () => {
  it("sends exactly the scripted notify/resolve sequence with 20% HTTP 500s and 200 ms latency", async () => {
    simulator = new AlertsSimulator({
      alerts: [
        ...SCRIPTED,
        {
          name: "broken",
          query: "x",
          intervalSecs: 0,
          warn: { value: 1, message: "m" },
          critical: { value: 2, message: "m" },
        } as SimulatorAlert,
      ],
      failureRate: 0.2,
      latencyMs: 200,
      seed: 42,
    });
    const { url } = await simulator.start();
    database = createTestDatabase();
    const { module: alertsModule, events } = alertsProcess(database.db, {
      clock: new SystemClock(),
      seed: 3,
      env: { ALERTS_SERVER_URL: url, ALERTS_MAX_IN_FLIGHT: "8" },
    });
    simulator.reset();
    await alertsModule.engine.start();
    // The bad alert (interval 0) is rejected by name; the two good ones load and run.
    expect(alertsModule.console.deadLetters().map((letter) => letter.reason)).toEqual([
      expect.stringContaining('alert "broken"'),
    ]);
    expect(alertsModule.console.engineStats().alerts).toBe(2);
    await realSleep(18_500);
    await alertsModule.engine.stop();
    const endMs = Date.now();

    const report = validateCalls({
      alerts: SCRIPTED,
      calls: simulator.calls(),
      originMs: simulator.startedAtMs,
      endMs,
    });
    expect(report.problems).toEqual([]);
    const sequence = (name: string) =>
      simulator!
        .calls()
        .filter((call) => call.alertName === name)
        .map((call) => (call.kind === "resolve" ? "resolve" : call.message));
    // Re-notifies of alert-rising's CRITICAL (repeat 4 s over 9 s) may be one or two, depending on timing.
    expect(sequence("alert-rising").filter((call) => call !== "alert-rising-critical")).toEqual([
      "alert-rising-warning",
      "resolve",
    ]);
    expect(sequence("alert-rising").filter((call) => call === "alert-rising-critical").length).toBeGreaterThanOrEqual(
      2,
    );
    expect(sequence("alert-flapping")).toEqual([
      "alert-flapping-critical",
      "resolve",
      "alert-flapping-warning",
      "resolve",
    ]);
    expect(events.filter((event) => event.ruleName === "alert-flapping").map((event) => event.newState)).toEqual([
      "CRITICAL",
      "PASS",
      "WARN",
      "PASS",
    ]);
  }, 60_000);
});
