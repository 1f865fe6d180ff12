/**
 * End to end over HTTP: the engine in compatible mode (ALERTS_SERVER_URL) against the simulator with 20% HTTP
 * 500s and 200 ms latency injected; the validator must find exactly the scripted notify/resolve sequence.
 * Real time (the latency is real): about 20 s.
 */
import { UserDirectory } from "@/server/auth/users";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { SystemClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus, type AlertStateChanged } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { createAlertsModule } from "@/server/jobs/alerts";
import { validateCalls } from "../validator";
import { AlertsSimulator, type SimulatorAlert } from "./alerts-simulator";

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

let database: TestDatabase | undefined;
let simulator: AlertsSimulator | undefined;

afterEach(async () => {
  await simulator?.stop();
  database?.close();
});

async function realSleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("compatible mode against the simulator over HTTP", () => {
  it("sends exactly the scripted notify/resolve sequence with 20% HTTP 500s and 200 ms latency", async () => {
    simulator = new AlertsSimulator({
      alerts: [...SCRIPTED, { name: "broken", query: "x", intervalSecs: 0, warn: { value: 1, message: "m" }, critical: { value: 2, message: "m" } } as SimulatorAlert],
      failureRate: 0.2,
      latencyMs: 200,
      seed: 42,
    });
    const { url } = await simulator.start();
    database = createTestDatabase();
    const clock = new SystemClock();
    const bus = new InProcessEventBus();
    const events: AlertStateChanged[] = [];
    bus.subscribe("alert.state-changed", (event) => {
      events.push(event);
    });
    const config = parseConfig({ ALERTS_SERVER_URL: url, ALERTS_MAX_IN_FLIGHT: "8", NODE_ENV: "test" });
    const alertsModule = createAlertsModule(
      { config, db: database.db, clock, random: new SeededRandom(3), bus, logger: createLogger("compat-test"), people: new UserDirectory(database.db, clock) },
      { dbsimMetrics: { read: () => undefined, names: () => [] } },
    );
    simulator.reset();
    await alertsModule.engine.start();
    // The bad alert (interval 0) is rejected by name; the two good ones load and run.
    expect(alertsModule.console.store.deadLetters().map((letter) => letter.reason)).toEqual([expect.stringContaining('alert "broken"')]);
    expect(alertsModule.console.engine.size).toBe(2);
    await realSleep(18_500);
    await alertsModule.engine.stop();
    const endMs = Date.now();

    const report = validateCalls({ alerts: SCRIPTED, calls: simulator.calls(), originMs: simulator.startedAtMs, endMs });
    expect(report.problems).toEqual([]);
    const sequence = (name: string) =>
      simulator!
        .calls()
        .filter((call) => call.alertName === name)
        .map((call) => (call.kind === "resolve" ? "resolve" : call.message));
    // Re-notifies of alert-rising's CRITICAL (repeat 4 s over 9 s) may be one or two, depending on timing.
    expect(sequence("alert-rising").filter((call) => call !== "alert-rising-critical")).toEqual(["alert-rising-warning", "resolve"]);
    expect(sequence("alert-rising").filter((call) => call === "alert-rising-critical").length).toBeGreaterThanOrEqual(2);
    expect(sequence("alert-flapping")).toEqual(["alert-flapping-critical", "resolve", "alert-flapping-warning", "resolve"]);
    expect(events.filter((event) => event.ruleName === "alert-flapping").map((event) => event.newState)).toEqual(["CRITICAL", "PASS", "WARN", "PASS"]);
  }, 60_000);
});
