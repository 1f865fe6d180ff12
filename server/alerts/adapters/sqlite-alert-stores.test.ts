import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NO_HOLD } from "../state-machine";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { ruleInputSchema } from "../rule";
import { createAlertsSqliteKit } from "../testing/sqlite-alerts-kit";
import {
  EVALUATION_CHUNK_RING_SIZE,
  EVALUATION_RING_SIZE,
  HISTORY_WRITE_EVERY_MS,
  MAX_SAMPLES_PER_CHUNK,
  evaluationRingRows,
} from "./evaluation-ring";

const actor = systemActor("test");
let database: TestDatabase;

beforeEach(() => {
  database = createTestDatabase();
});
afterEach(() => database.close());

function setup() {
  const clock = new ManualClock();
  const stores = createAlertsSqliteKit(database.db, clock);
  const { engine: store, queries } = stores;
  const rule = stores.addRule({
    name: "a",
    sourceKind: "simulated",
    query: "constant?value=1",
    intervalSecs: 1,
    warn: { value: 100, message: "w" },
    critical: { value: 200, message: "c" },
  });
  const record = (value: number | null) =>
    store.recordEvaluation({
      ruleId: rule.id,
      atMs: clock.now(),
      value,
      state: "PASS",
      outcome: value === null ? "query-failed" : "ok",
      error: value === null ? "HTTP 500" : null,
    });
  const rows = () => (database.db.get(sql`SELECT count(*) AS n FROM alert_evaluation`) as { n: number }).n;
  return { clock, store, queries, rules: stores.rules, addRule: stores.addRule, rule, record, rows };
}

describe("the SQLite evaluation history (engine store, rule store, queries)", () => {
  it("writes a rule's buffered evaluations as one chunk once they have waited HISTORY_WRITE_EVERY_MS", () => {
    const { clock, store, queries, rule, record, rows } = setup();
    for (let second = 0; second < 4; second++) {
      record(second);
      clock.set(clock.now() + 1000);
      store.flushDue(clock.now());
    }
    expect(rows()).toBe(0);
    clock.set(clock.now() + HISTORY_WRITE_EVERY_MS);
    store.flushDue(clock.now());
    expect(rows()).toBe(1);
    expect(queries.history(rule.id)!.evaluations.map((point) => point.value)).toEqual([0, 1, 2, 3]);
    // The newest evaluation is the rule's latest value.
    expect(queries.getRule(rule.id)!.lastValue).toBe(3);
  });

  it("writes a transition with the rule's buffered evaluations: state, latest value and history agree at once", () => {
    const { clock, store, queries, rule, record } = setup();
    record(150);
    clock.set(clock.now() + 1000);
    record(180);
    clock.set(clock.now() + 1000);
    const atMs = clock.now();
    store.commitTransition({
      rule: queries.getRule(rule.id)!,
      atMs,
      previousState: "PASS",
      newState: "CRITICAL",
      value: 250,
      action: "notify",
      message: "c",
      event: null,
      hold: NO_HOLD,
      evaluation: { ruleId: rule.id, atMs, value: 250, state: "CRITICAL", outcome: "ok", error: null, intervalSecs: 1 },
    });
    // No flush: the evaluations are in the database with the transition, nothing older is left behind.
    const read = queries.history(rule.id)!;
    expect(read.rule).toMatchObject({ state: "CRITICAL", lastValue: 250, lastEvaluatedAtMs: atMs });
    expect(read.evaluations.map((point) => [point.value, point.state])).toEqual([
      [150, "PASS"],
      [180, "PASS"],
      [250, "CRITICAL"],
    ]);
    expect(read.transitions[0]).toMatchObject({ atMs, newState: "CRITICAL" });
    // Later evaluations buffer again and land after it.
    clock.set(clock.now() + 1000);
    record(260);
    store.flush();
    expect(queries.history(rule.id)!.evaluations.map((point) => point.value)).toEqual([150, 180, 250, 260]);
  });

  it("keeps the buffered evaluations when a transition cannot be written", () => {
    const { clock, store, queries, rule, record } = setup();
    record(150);
    const atMs = clock.now();
    const commit = {
      rule: queries.getRule(rule.id)!,
      atMs,
      previousState: "PASS" as const,
      newState: "CRITICAL" as const,
      value: 250,
      action: "notify" as const,
      message: "c",
      event: null,
      hold: NO_HOLD,
      evaluation: {
        ruleId: rule.id,
        atMs,
        value: 250,
        state: "CRITICAL" as const,
        outcome: "ok" as const,
        error: null,
      },
    };
    database.db.run(
      sql`CREATE TRIGGER refuse BEFORE INSERT ON alert_transition BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    expect(() => store.commitTransition(commit)).toThrow("disk full");
    expect(queries.history(rule.id)!.evaluations).toEqual([]);
    database.db.run(sql`DROP TRIGGER refuse`);
    store.commitTransition(commit);
    expect(queries.history(rule.id)!.evaluations.map((point) => point.value)).toEqual([150, 250]);
  });

  it("writes a full chunk at once, keeps failures with their error, and flush writes everything", () => {
    const { store, queries, rule, record, rows } = setup();
    for (let index = 0; index < MAX_SAMPLES_PER_CHUNK; index++) record(index);
    store.flushDue(0);
    expect(rows()).toBe(1);
    record(null);
    store.flush();
    expect(rows()).toBe(2);
    expect(queries.history(rule.id)!.evaluations.at(-1)).toMatchObject({
      value: null,
      outcome: "query-failed",
      error: "HTTP 500",
    });
    expect(queries.getRule(rule.id)).toMatchObject({ lastValue: null, lastError: "HTTP 500" });
  });

  it("stays bounded: at most EVALUATION_CHUNK_RING_SIZE rows per rule, the newest EVALUATION_RING_SIZE evaluations shown", () => {
    const { store, queries, rule, record, rows } = setup();
    for (let chunk = 0; chunk < EVALUATION_CHUNK_RING_SIZE + 50; chunk++) {
      record(chunk * 2);
      record(chunk * 2 + 1);
      store.flush();
    }
    expect(rows()).toBe(EVALUATION_CHUNK_RING_SIZE);
    const values = queries.history(rule.id)!.evaluations.map((point) => point.value);
    expect(values).toHaveLength(EVALUATION_RING_SIZE);
    expect(values.at(-1)).toBe((EVALUATION_CHUNK_RING_SIZE + 50) * 2 - 1);
  });

  it("keeps about EVALUATION_RING_SIZE intervals of a fast rule's history, not the whole ring of chunk rows", () => {
    const { clock, store, queries, rules, rule, rows } = setup();
    // 40 minutes of a 1 s rule: chunks of ~5 evaluations, so the ring alone would keep 720 rows (an hour).
    for (let second = 0; second < 2_400; second++) {
      store.recordEvaluation({
        ruleId: rule.id,
        atMs: clock.now(),
        value: second,
        state: "PASS",
        outcome: "ok",
        error: null,
        intervalSecs: 1,
      });
      clock.set(clock.now() + 1_000);
      store.flushDue(clock.now());
    }
    // 180 rows of ~5 evaluations: 15 minutes, of which the console shows the newest 720 evaluations.
    expect(evaluationRingRows(1)).toBe(180);
    expect(rows()).toBe(180);
    const values = queries.history(rule.id)!.evaluations.map((point) => point.value);
    expect(values).toHaveLength(EVALUATION_RING_SIZE);
    expect(values.at(-1)).toBeGreaterThanOrEqual(2_400 - 6);

    // Made faster still, the rule's ring shrinks: the newest chunks stay, renumbered into the smaller ring.
    const newest = values.slice(-EVALUATION_RING_SIZE / 2);
    rules.updateRule(
      rule.id,
      ruleInputSchema.parse({
        name: "a",
        sourceKind: "simulated",
        query: "constant?value=1",
        intervalSecs: 0.5,
        warn: { value: 100, message: "w" },
        critical: { value: 200, message: "c" },
      }),
      actor,
    );
    expect(rows()).toBe(evaluationRingRows(0.5));
    expect(
      queries
        .history(rule.id)!
        .evaluations.map((point) => point.value)
        .slice(-newest.length),
    ).toEqual(newest);
    for (let second = 0; second < 600; second++) {
      store.recordEvaluation({
        ruleId: rule.id,
        atMs: clock.now(),
        value: 10_000 + second,
        state: "PASS",
        outcome: "ok",
        error: null,
        intervalSecs: 0.5,
      });
      clock.set(clock.now() + 500);
      store.flushDue(clock.now());
    }
    expect(rows()).toBe(evaluationRingRows(0.5));
    expect(queries.history(rule.id)!.evaluations.at(-1)?.value).toBeGreaterThanOrEqual(10_590);
    // Slower rules use the whole ring: their chunks hold one or two evaluations.
    expect(evaluationRingRows(5)).toBe(EVALUATION_CHUNK_RING_SIZE);
  });

  it("drops the buffered evaluations of a deleted rule instead of failing the batch", () => {
    const { store, queries, addRule, rule, record, rows } = setup();
    const other = addRule({
      name: "b",
      sourceKind: "simulated",
      query: "constant?value=1",
      intervalSecs: 1,
      warn: { value: 100, message: "w" },
      critical: { value: 200, message: "c" },
    });
    record(1);
    store.recordEvaluation({ ruleId: other.id, atMs: 0, value: 5, state: "PASS", outcome: "ok", error: null });
    // Deleted behind the store's back (another process): the batch is written again without that rule's rows.
    database.db.run(sql`DELETE FROM alert_rule WHERE id = ${rule.id}`);
    store.flush();
    expect(rows()).toBe(1);
    expect(queries.history(other.id)!.evaluations.map((point) => point.value)).toEqual([5]);
  });
});
