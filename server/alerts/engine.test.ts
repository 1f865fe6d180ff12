import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { InProcessEventBus, type AlertStateChanged } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import { AlertEngine } from "./engine";
import { OutboxRelay } from "./outbox-relay";
import { AlertIoError, type AlertNotifier, type AlertValueSource } from "./ports";
import type { AlertRule, RuleInput } from "./rule";
import { createAlertsSqliteKit, type AlertsSqliteKit } from "./testing/sqlite-alerts-kit";

const actor = systemActor("test");

/** A source whose next value per rule the test sets: a number, an error, or a promise it settles itself. */
class ControlledSource implements AlertValueSource {
  readonly values = new Map<string, number | Error | (() => Promise<number>)>();
  queries = 0;
  /** Queries per rule name, and those not yet answered. */
  readonly queriesOf = new Map<string, number>();
  readonly unanswered = new Map<string, number>();
  async query(rule: AlertRule): Promise<number> {
    this.queries++;
    this.queriesOf.set(rule.name, (this.queriesOf.get(rule.name) ?? 0) + 1);
    this.unanswered.set(rule.name, (this.unanswered.get(rule.name) ?? 0) + 1);
    try {
      const next = this.values.get(rule.name);
      if (next === undefined) throw new AlertIoError(`no value set for ${rule.name}`, false);
      if (next instanceof Error) throw next;
      if (typeof next === "function") return await next();
      return next;
    } finally {
      this.unanswered.set(rule.name, this.unanswered.get(rule.name)! - 1);
    }
  }
}

/** Records notify/resolve; fails the next `failures` calls with a retryable error. */
class RecordingNotifier implements AlertNotifier {
  readonly calls: Array<{ kind: "notify" | "resolve"; alert: string; message?: string; atMs: number }> = [];
  failures = 0;
  constructor(private readonly clock: ManualClock) {}
  async notify(rule: AlertRule, message: string): Promise<void> {
    this.maybeFail();
    this.calls.push({ kind: "notify", alert: rule.name, message, atMs: this.clock.now() });
  }
  async resolve(rule: AlertRule): Promise<void> {
    this.maybeFail();
    this.calls.push({ kind: "resolve", alert: rule.name, atMs: this.clock.now() });
  }
  private maybeFail() {
    if (this.failures > 0) {
      this.failures--;
      throw new AlertIoError("HTTP 500 (test)", true);
    }
  }
}

type Harness = {
  clock: ManualClock;
  stores: AlertsSqliteKit;
  source: ControlledSource;
  notifier: RecordingNotifier;
  engine: AlertEngine;
  relay: OutboxRelay;
  events: AlertStateChanged[];
};

let database: TestDatabase;
const running: Harness[] = [];

function rule(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "alert-1",
    sourceKind: "alerts-server",
    query: "q",
    intervalSecs: 10,
    repeatIntervalSecs: 60,
    warn: { value: 100, message: "alert-1-warning" },
    critical: { value: 200, message: "alert-1-critical" },
    ...overrides,
  };
}

function startHarness(
  options: { clock?: ManualClock; maxInFlight?: number; source?: ControlledSource; notifier?: RecordingNotifier } = {},
): Harness {
  const clock = options.clock ?? new ManualClock();
  const stores = createAlertsSqliteKit(database.db, clock);
  const source = options.source ?? new ControlledSource();
  const notifier = options.notifier ?? new RecordingNotifier(clock);
  const bus = new InProcessEventBus();
  const events: AlertStateChanged[] = [];
  bus.subscribe("alert.state-changed", (event) => {
    events.push(event);
  });
  const logger = createLogger("alerts-test");
  const random = new SeededRandom(7);
  const relay = new OutboxRelay({ store: stores.outbox, bus, clock, random, logger });
  const engine = new AlertEngine({
    clock,
    random,
    logger,
    store: stores.engine,
    sources: { "alerts-server": source, dbsim: source, simulated: source },
    notifierFor: () => notifier,
    maxInFlight: options.maxInFlight ?? 8,
    onCommitted: () => relay.kick(),
  });
  relay.start();
  engine.start();
  const harness = { clock, stores, source, notifier, engine, relay, events };
  running.push(harness);
  return harness;
}

async function stopHarness(harness: Harness) {
  await harness.engine.stop();
  await harness.relay.stop();
  running.splice(running.indexOf(harness), 1);
}

beforeEach(() => {
  database = createTestDatabase();
});

afterEach(async () => {
  for (const harness of [...running]) await stopHarness(harness);
  database.close();
});

/** Sets the value, moves one interval on, and returns the calls that interval produced. */
async function step(harness: Harness, value: number | Error, name = "alert-1", intervalMs = 10_000) {
  harness.source.values.set(name, value);
  const before = harness.notifier.calls.length;
  // The evaluation (and any retry sleeps) falls inside the interval: no need to wait for idleness.
  await harness.clock.advance(intervalMs);
  return harness.notifier.calls.slice(before).map(({ kind, message }) => (message ? `${kind}:${message}` : kind));
}

describe("alert engine under a manual clock", () => {
  it("starts in PASS and sends nothing while the value stays at or below warn", async () => {
    startHarness().stores.addRule(rule());
    const harness = running[0]!;
    harness.engine.refresh();
    expect(await step(harness, 50)).toEqual([]);
    expect(await step(harness, 100)).toEqual([]);
    expect(harness.notifier.calls).toEqual([]);
  });

  it("walks every cell of the transition table with the right notify/resolve", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule());
    const harness = startHarness({ clock });
    expect(await step(harness, 50)).toEqual([]); // PASS → PASS
    expect(await step(harness, 150)).toEqual(["notify:alert-1-warning"]); // PASS → WARN
    expect(await step(harness, 150)).toEqual([]); // WARN → WARN within the repeat interval
    expect(await step(harness, 250)).toEqual(["notify:alert-1-critical"]); // WARN → CRITICAL
    expect(await step(harness, 250)).toEqual([]); // CRITICAL → CRITICAL within the repeat interval
    expect(await step(harness, 150)).toEqual(["notify:alert-1-warning"]); // CRITICAL → WARN
    expect(await step(harness, 50)).toEqual(["resolve"]); // WARN → PASS
    expect(await step(harness, 250)).toEqual(["notify:alert-1-critical"]); // PASS → CRITICAL
    expect(await step(harness, 40)).toEqual(["resolve"]); // CRITICAL → PASS
    expect(harness.events.map((event) => `${event.previousState}→${event.newState}`)).toEqual([
      "PASS→WARN",
      "WARN→CRITICAL",
      "CRITICAL→WARN",
      "WARN→PASS",
      "PASS→CRITICAL",
      "CRITICAL→PASS",
    ]);
  });

  it("re-notifies WARN and CRITICAL only once the repeat interval has passed since the last notify", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule({ repeatIntervalSecs: 30 }));
    const harness = startHarness({ clock });
    await step(harness, 50);
    const warnCalls: string[] = [];
    for (let cycle = 0; cycle < 7; cycle++) warnCalls.push(...(await step(harness, 150)));
    // Notified at cycle 0, then every 30 s (3 intervals of 10 s): cycles 3 and 6.
    expect(warnCalls).toEqual(["notify:alert-1-warning", "notify:alert-1-warning", "notify:alert-1-warning"]);
    const times = harness.notifier.calls.map((call) => call.atMs);
    expect(times[1]! - times[0]!).toBe(30_000);
    const criticalCalls: string[] = [];
    for (let cycle = 0; cycle < 4; cycle++) criticalCalls.push(...(await step(harness, 300)));
    expect(criticalCalls).toEqual(["notify:alert-1-critical", "notify:alert-1-critical"]);
    // Re-notifies publish no state change: only PASS→WARN and WARN→CRITICAL.
    expect(harness.events).toHaveLength(2);
  });

  it("never treats a failed query as a value: no transition, no notify, no resolve", async () => {
    const clock = new ManualClock();
    const created = createAlertsSqliteKit(database.db, clock).addRule(rule());
    const harness = startHarness({ clock });
    await step(harness, 250);
    expect(await step(harness, new AlertIoError("HTTP 500", true))).toEqual([]);
    expect(await step(harness, new AlertIoError("not a number", false))).toEqual([]);
    expect(harness.stores.queries.getRule(created.id)!.state).toBe("CRITICAL");
    expect(await step(harness, 250)).toEqual([]);
    expect(harness.notifier.calls).toHaveLength(1);
  });

  it("retries a 5xx query with backoff within the interval and uses the value it finally gets", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule());
    const harness = startHarness({ clock });
    await step(harness, 50);
    let attempts = 0;
    harness.source.values.set("alert-1", async () => {
      attempts++;
      if (attempts < 3) throw new AlertIoError("HTTP 500", true);
      return 150;
    });
    await clock.advance(10_000);
    await clock.advance(2_000); // the backoff delays (about 100 ms, then 200 ms)
    await harness.engine.whenIdle();
    expect(attempts).toBe(3);
    expect(harness.notifier.calls.map((call) => call.message)).toEqual(["alert-1-warning"]);
  });

  it("moves the state only after notify succeeded, and retries a failed notify on the next cycle without sending twice", async () => {
    const clock = new ManualClock();
    const created = createAlertsSqliteKit(database.db, clock).addRule(rule({ intervalSecs: 1 }));
    const harness = startHarness({ clock });
    await step(harness, 50, "alert-1", 1000);
    harness.notifier.failures = 1_000; // every attempt in this cycle fails
    expect(await step(harness, 250, "alert-1", 1000)).toEqual([]);
    expect(harness.stores.queries.getRule(created.id)!.state).toBe("PASS");
    expect(harness.events).toHaveLength(0);
    harness.notifier.failures = 0;
    expect(await step(harness, 250, "alert-1", 1000)).toEqual(["notify:alert-1-critical"]);
    expect(await step(harness, 250, "alert-1", 1000)).toEqual([]);
    expect(harness.events.map((event) => event.newState)).toEqual(["CRITICAL"]);
  });

  it("runs each alert on its own interval: a hanging alert does not delay the others", async () => {
    const clock = new ManualClock();
    const stores = createAlertsSqliteKit(database.db, clock);
    stores.addRule(rule({ name: "slow", intervalSecs: 5 }));
    stores.addRule(rule({ name: "fast", intervalSecs: 2 }));
    const harness = startHarness({ clock, maxInFlight: 4 });
    harness.source.values.set("slow", () => new Promise<number>(() => {})); // never answers
    harness.source.values.set("fast", 150);
    for (let second = 0; second < 20; second++) await clock.advance(1000);
    expect(harness.notifier.calls.map((call) => call.alert)).toEqual(["fast"]);
    // fast ran about every 2 s for 20 s despite slow hanging since its first tick; slow was queried once and
    // is not queued again while it hangs.
    expect(harness.source.queries).toBeGreaterThanOrEqual(10);
    expect(harness.source.queriesOf.get("slow")).toBe(1);
    expect(harness.source.unanswered.get("slow")).toBe(1);
  });

  it("caps evaluations in flight at ALERTS_MAX_IN_FLIGHT", async () => {
    const clock = new ManualClock();
    const stores = createAlertsSqliteKit(database.db, clock);
    for (let index = 0; index < 10; index++) stores.addRule(rule({ name: `a${index}`, intervalSecs: 1 }));
    const harness = startHarness({ clock, maxInFlight: 3 });
    let active = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    for (let index = 0; index < 10; index++) {
      harness.source.values.set(`a${index}`, () => {
        active++;
        peak = Math.max(peak, active);
        return new Promise<number>((resolve) =>
          release.push(() => {
            active--;
            resolve(10);
          }),
        );
      });
    }
    await clock.advance(1000);
    expect(active).toBe(3);
    while (release.length) {
      release.shift()!();
      await clock.advance(0);
    }
    expect(peak).toBe(3);
  });

  it("after a restart, a CRITICAL alert notified 10 s before is not notified again before its repeat interval", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule({ repeatIntervalSecs: 60 }));
    const first = startHarness({ clock });
    await step(first, 250);
    expect(first.notifier.calls).toHaveLength(1);
    const notifiedAt = first.notifier.calls[0]!.atMs;
    await stopHarness(first);

    clock.set(notifiedAt + 10_000); // the process was down; it comes back 10 s after the notify
    const notifier = new RecordingNotifier(clock);
    const second = startHarness({ clock, notifier });
    second.source.values.set("alert-1", 250);
    await clock.advance(40_000);
    await second.engine.whenIdle();
    expect(notifier.calls).toEqual([]);
    await clock.advance(20_000);
    await second.engine.whenIdle();
    expect(notifier.calls.map((call) => call.message)).toEqual(["alert-1-critical"]);
    expect(notifier.calls[0]!.atMs - notifiedAt).toBeGreaterThanOrEqual(60_000);
  });

  it("with `for`, fires only once the value stayed above warn that long; a dip during pending starts it again", async () => {
    const clock = new ManualClock();
    const kit = createAlertsSqliteKit(database.db, clock);
    kit.addRule(rule({ forSecs: 30 }));
    const harness = startHarness({ clock });
    expect(await step(harness, 50)).toEqual([]);
    expect(await step(harness, 150)).toEqual([]); // pending starts at the first value above warn
    const [view] = kit.queries.listRules({ page: 1, pageSize: 10 }).items;
    expect(view).toMatchObject({ state: "PASS", pendingState: "WARN" });
    expect(await step(harness, 150)).toEqual([]); // 10 s pending
    expect(await step(harness, 50)).toEqual([]); // a dip: pending ends
    expect(kit.queries.listRules({ page: 1, pageSize: 10 }).items[0]).toMatchObject({ pendingState: null });
    expect(await step(harness, 150)).toEqual([]); // pending again from here
    expect(await step(harness, 150)).toEqual([]); // 10 s
    expect(await step(harness, 150)).toEqual([]); // 20 s
    expect(await step(harness, 150)).toEqual(["notify:alert-1-warning"]); // 30 s: fires
    expect(harness.events.map((event) => `${event.previousState}→${event.newState}`)).toEqual(["PASS→WARN"]);
    expect(kit.queries.listRules({ page: 1, pageSize: 10 }).items[0]).toMatchObject({
      state: "WARN",
      pendingState: null,
      pendingSinceMs: null,
    });
  });

  it("fires with the latest severity when it changes while pending, and moves between WARN and CRITICAL at once", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule({ forSecs: 20 }));
    const harness = startHarness({ clock });
    expect(await step(harness, 150)).toEqual([]); // pending toward WARN
    expect(await step(harness, 250)).toEqual([]); // still pending, now toward CRITICAL (the clock runs on)
    expect(await step(harness, 250)).toEqual(["notify:alert-1-critical"]); // 20 s above warn: CRITICAL
    expect(await step(harness, 150)).toEqual(["notify:alert-1-warning"]); // CRITICAL → WARN needs no wait
  });

  it("with `keep firing for`, resolves only after the value stayed in PASS that long; a re-crossing keeps it firing", async () => {
    const clock = new ManualClock();
    const kit = createAlertsSqliteKit(database.db, clock);
    kit.addRule(rule({ keepFiringForSecs: 20, repeatIntervalSecs: 3600 }));
    const harness = startHarness({ clock });
    expect(await step(harness, 250)).toEqual(["notify:alert-1-critical"]); // `for` is 0: at once
    expect(await step(harness, 50)).toEqual([]); // recovering starts
    expect(kit.queries.listRules({ page: 1, pageSize: 10 }).items[0]).toMatchObject({ state: "CRITICAL" });
    expect(kit.queries.listRules({ page: 1, pageSize: 10 }).items[0]!.recoveringSinceMs).not.toBeNull();
    expect(await step(harness, 50)).toEqual([]); // 10 s in PASS
    expect(await step(harness, 250)).toEqual([]); // back above critical: still CRITICAL, nothing to send
    expect(kit.queries.listRules({ page: 1, pageSize: 10 }).items[0]!.recoveringSinceMs).toBeNull();
    expect(await step(harness, 50)).toEqual([]); // recovering again from here
    expect(await step(harness, 50)).toEqual([]); // 10 s
    expect(await step(harness, 50)).toEqual(["resolve"]); // 20 s in PASS: resolved
    expect(harness.events.map((event) => `${event.previousState}→${event.newState}`)).toEqual([
      "PASS→CRITICAL",
      "CRITICAL→PASS",
    ]);
  });

  it("keeps a pending start across a restart: it fires when `for` has passed since the value first crossed", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule({ forSecs: 60 }));
    const first = startHarness({ clock });
    await step(first, 150); // pending starts
    const pendingSince = createAlertsSqliteKit(database.db, clock).queries.listRules({ page: 1, pageSize: 10 })
      .items[0]!.pendingSinceMs!;
    await step(first, 150); // 10 s pending
    await stopHarness(first);

    clock.set(pendingSince + 40_000); // down for a while; back with 20 s of `for` left
    const notifier = new RecordingNotifier(clock);
    const second = startHarness({ clock, notifier });
    second.source.values.set("alert-1", 150);
    await clock.advance(15_000);
    await second.engine.whenIdle();
    expect(notifier.calls).toEqual([]);
    await clock.advance(15_000);
    await second.engine.whenIdle();
    expect(notifier.calls.map((call) => call.message)).toEqual(["alert-1-warning"]);
    expect(notifier.calls[0]!.atMs - pendingSince).toBeGreaterThanOrEqual(60_000);
  });

  it("a failed query during pending or recovery neither fires, resolves nor restarts the wait", async () => {
    const clock = new ManualClock();
    createAlertsSqliteKit(database.db, clock).addRule(rule({ forSecs: 20 }));
    const harness = startHarness({ clock });
    expect(await step(harness, 150)).toEqual([]); // pending
    expect(await step(harness, new AlertIoError("down", false))).toEqual([]);
    expect(await step(harness, 150)).toEqual(["notify:alert-1-warning"]); // 20 s since the first crossing
  });

  it("publishes each committed state change through the outbox, with RFC 3339 nanosecond time, even if the bus failed at first", async () => {
    const clock = new ManualClock();
    const stores = createAlertsSqliteKit(database.db, clock);
    stores.addRule(rule({ serviceId: "svc_x", subscriberUserIds: ["usr_a"] }));
    const harness = startHarness({ clock });
    harness.source.values.set("alert-1", 250);
    await clock.advance(10_000);
    await harness.engine.whenIdle();
    await harness.relay.whenIdle();
    expect(harness.events).toHaveLength(1);
    const event = harness.events[0]!;
    expect(event).toMatchObject({
      ruleName: "alert-1",
      previousState: "PASS",
      newState: "CRITICAL",
      value: 250,
      serviceId: "svc_x",
      subscriberUserIds: ["usr_a"],
    });
    expect(event.changedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(harness.stores.pendingOutboxCount()).toBe(0);
  });

  it("keeps an event in the outbox while the bus fails and delivers it later", async () => {
    const clock = new ManualClock();
    const stores = createAlertsSqliteKit(database.db, clock);
    stores.addRule(rule());
    const bus = new InProcessEventBus();
    let failing = true;
    const received: AlertStateChanged[] = [];
    bus.subscribe("alert.state-changed", (event) => {
      if (failing) throw new Error("consumer down");
      received.push(event);
    });
    const relay = new OutboxRelay({
      store: stores.outbox,
      bus,
      clock,
      random: new SeededRandom(1),
      logger: createLogger("test"),
    });
    relay.start();
    const notifier = new RecordingNotifier(clock);
    const source = new ControlledSource();
    source.values.set("alert-1", 150);
    const engine = new AlertEngine({
      clock,
      random: new SeededRandom(1),
      logger: createLogger("test"),
      store: stores.engine,
      sources: { "alerts-server": source, dbsim: source, simulated: source },
      notifierFor: () => notifier,
      maxInFlight: 2,
      onCommitted: () => relay.kick(),
    });
    engine.start();
    await clock.advance(10_000);
    await relay.whenIdle();
    expect(stores.pendingOutboxCount()).toBe(1);
    failing = false;
    await clock.advance(5_000);
    await relay.whenIdle();
    expect(received.map((event) => event.newState)).toEqual(["WARN"]);
    expect(stores.pendingOutboxCount()).toBe(0);
    await engine.stop();
    await relay.stop();
  });

  it("keeps a bounded history of evaluations and transitions", async () => {
    const clock = new ManualClock();
    const stores = createAlertsSqliteKit(database.db, clock);
    const created = stores.addRule(rule({ intervalSecs: 1 }));
    const harness = startHarness({ clock });
    harness.source.values.set("alert-1", 10);
    await clock.advance(800_000);
    await harness.engine.whenIdle();
    harness.stores.engine.flush();
    const history = stores.queries.history(created.id)!;
    expect(history.evaluations.length).toBe(720);
    expect(history.evaluations.at(-1)!.atMs).toBeGreaterThan(history.evaluations[0]!.atMs);
  });

  it("picks up a rule created while running and drops a deleted one", async () => {
    const clock = new ManualClock();
    const harness = startHarness({ clock });
    const created = harness.stores.addRule(rule({ name: "late" }));
    harness.source.values.set("late", 300);
    harness.engine.refresh();
    await clock.advance(0);
    await harness.engine.whenIdle();
    expect(harness.notifier.calls.map((call) => call.alert)).toEqual(["late"]);
    harness.stores.rules.deleteRule(created.id, actor);
    harness.engine.refresh();
    expect(harness.engine.size).toBe(0);
  });
});
