import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NO_HOLD } from "./state-machine";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { auditLog } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { createLogger } from "@/server/core/logger";
import type { RuleInput } from "./rule";
import { createAlertsSqliteKit, type AlertsSqliteKit } from "./testing/sqlite-alerts-kit";
import { AlertsError, AlertsUseCases } from "./use-cases";

const actor = systemActor("test");
let database: TestDatabase;
let clock: ManualClock;
let stores: AlertsSqliteKit;
let service: AlertsUseCases;
let changes: number;

const rule = (overrides: Partial<RuleInput> = {}): RuleInput => ({
  name: "cpu",
  sourceKind: "simulated",
  query: "constant?value=10",
  intervalSecs: 1,
  warn: { value: 100, message: "w" },
  critical: { value: 200, message: "c" },
  ...overrides,
});

beforeEach(() => {
  database = createTestDatabase();
  clock = new ManualClock();
  stores = createAlertsSqliteKit(database.db, clock);
  changes = 0;
  service = new AlertsUseCases({
    rules: stores.rules,
    reads: stores.queries,
    logger: createLogger("test"),
    alertsServerConfigured: false,
    onRulesChanged: () => changes++,
  });
});
afterEach(() => database.close());

describe("alert rule use cases", () => {
  it("creates a rule with the default repeat interval, audits it and tells the engine", () => {
    const created = service.createRule(rule(), actor);
    expect(created).toMatchObject({ name: "cpu", repeatIntervalSecs: 300, state: "PASS", origin: "console" });
    expect(changes).toBe(1);
    expect(
      database.db
        .select()
        .from(auditLog)
        .all()
        .map((row) => row.action),
    ).toEqual(["alerts.rule.create"]);
  });

  it("refuses a duplicate name, an interval of 0, warn above critical, and the alerts-server source without its URL", () => {
    service.createRule(rule(), actor);
    const attempt = (input: unknown) => {
      try {
        service.createRule(input, actor);
        return "created";
      } catch (error) {
        return error instanceof AlertsError ? `${error.code}: ${error.message}` : String(error);
      }
    };
    expect(attempt(rule())).toContain('CONFLICT: A rule named "cpu" already exists');
    expect(attempt(rule({ name: "b", intervalSecs: 0 }))).toContain("Interval (seconds) must be at least 0.1");
    expect(attempt(rule({ name: "c", warn: { value: 500, message: "w" } }))).toContain(
      "Warn above (500) must not exceed Critical above (200)",
    );
    expect(attempt(rule({ name: "d", sourceKind: "alerts-server", query: "q" }))).toContain("needs ALERTS_SERVER_URL");
  });

  it("lists rules worst first, filters by state, paginates, and counts per state", () => {
    for (const name of ["a", "b", "c"]) service.createRule(rule({ name }), actor);
    const b = stores.rules.findRuleByName("b")!;
    stores.engine.commitTransition({
      rule: b,
      atMs: clock.now(),
      previousState: "PASS",
      newState: "CRITICAL",
      value: 300,
      action: "notify",
      message: "c",
      event: null,
      hold: NO_HOLD,
      evaluation: { ruleId: b.id, atMs: clock.now(), value: 300, state: "CRITICAL", outcome: "ok", error: null },
    });
    const all = service.listRules({ page: 1, pageSize: 2 });
    expect(all.items.map((item) => item.name)).toEqual(["b", "a"]);
    expect(all.total).toBe(3);
    expect(all.counts).toEqual({ PASS: 2, WARN: 0, CRITICAL: 1 });
    expect(service.listRules({ page: 1, pageSize: 10, state: "PASS" }).items.map((item) => item.name)).toEqual([
      "a",
      "c",
    ]);
  });

  it("buckets the history for the chart and shows the latest value and error", () => {
    const created = service.createRule(rule(), actor);
    for (let second = 0; second < 600; second++)
      stores.engine.recordEvaluation({
        ruleId: created.id,
        atMs: clock.now() + second * 1000,
        value: second,
        state: "PASS",
        outcome: "ok",
        error: null,
      });
    stores.engine.recordEvaluation({
      ruleId: created.id,
      atMs: clock.now() + 600_000,
      value: null,
      state: "PASS",
      outcome: "query-failed",
      error: "HTTP 500",
    });
    stores.engine.flush();
    const history = service.history(created.id, 100);
    expect(history.series.length).toBeLessThanOrEqual(101);
    expect(history.series[0]).toMatchObject({ min: 0, samples: 7 });
    expect(service.getRule(created.id)).toMatchObject({ lastValue: null, lastError: "HTTP 500" });
  });

  it("places each bucket at its newest evaluation, so the chart ends where the transitions do", () => {
    const created = service.createRule(rule({ intervalSecs: 5 }), actor);
    const start = clock.now();
    // Every 5 s but a millisecond early each time, as a timer drifts: a grid of 5 s buckets from the first
    // evaluation would put each value one bucket (5 s) before it was measured.
    const times = [0, 4_999, 9_998, 14_997].map((offset) => start + offset);
    times.forEach((atMs, index) =>
      stores.engine.recordEvaluation({
        ruleId: created.id,
        atMs,
        value: index * 10,
        state: "PASS",
        outcome: "ok",
        error: null,
      }),
    );
    stores.engine.flush();
    const { series } = service.history(created.id, 240);
    expect(series.map((bucket) => [bucket.atMs, bucket.avg])).toEqual(times.map((atMs, index) => [atMs, index * 10]));
    expect(series.at(-1)!.atMs).toBe(service.getRule(created.id).lastEvaluatedAtMs);
  });

  it("loads good /alerts items, dead-letters bad ones by name, and never overwrites a console rule", () => {
    service.createRule(rule({ name: "alert-2" }), actor);
    const summary = service.importServerAlerts(
      [
        {
          name: "alert-1",
          query: "q1",
          intervalSecs: 5,
          warn: { value: 1, message: "w" },
          critical: { value: 2, message: "c" },
        },
        {
          name: "alert-2",
          query: "q2",
          intervalSecs: 5,
          warn: { value: 1, message: "w" },
          critical: { value: 2, message: "c" },
        },
        {
          name: "alert-3",
          query: "q3",
          intervalSecs: "soon",
          warn: { value: 1, message: "w" },
          critical: { value: 2, message: "c" },
        },
      ],
      actor,
    );
    expect(summary).toMatchObject({ created: ["alert-1"], updated: [], rejected: 1, skipped: [{ name: "alert-2" }] });
    expect(stores.queries.deadLetters(50).map((letter) => letter.reason)).toEqual([
      expect.stringContaining('alert "alert-3": intervalSecs'),
    ]);
    expect(
      service.importServerAlerts(
        [
          {
            name: "alert-1",
            query: "q1",
            intervalSecs: 5,
            warn: { value: 1, message: "w" },
            critical: { value: 2, message: "c" },
          },
        ],
        actor,
      ),
    ).toMatchObject({ created: [], updated: [] });
  });
});
