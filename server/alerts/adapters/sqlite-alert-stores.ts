/**
 * The alerts engine's SQLite adapters over one database, built together because two of them share a process's
 * state: a rule deleted through the rule store makes the engine's store drop the evaluations it buffered for it.
 */
import type { AppDatabase } from "@/db/client";
import type { Clock } from "@/server/core/clock";
import { SqliteAlertEngineStore } from "./sqlite-alert-engine-store";
import { SqliteAlertOutbox } from "./sqlite-alert-outbox";
import { SqliteAlertQueries } from "./sqlite-alert-queries";
import { SqliteRuleStore } from "./sqlite-rule-store";

export type SqliteAlertStores = {
  /** What the use cases write through (rules, imports, dead letters). */
  rules: SqliteRuleStore;
  /** What the console reads. */
  queries: SqliteAlertQueries;
  /** The engine's rules, states, history and transitions. */
  engine: SqliteAlertEngineStore;
  /** What the outbox relay publishes. */
  outbox: SqliteAlertOutbox;
};

export function createSqliteAlertStores(db: AppDatabase, clock: Clock): SqliteAlertStores {
  const engine = new SqliteAlertEngineStore(db, clock);
  return {
    rules: new SqliteRuleStore(db, clock, { onRuleDeleted: (ruleId) => engine.forgetRule(ruleId) }),
    queries: new SqliteAlertQueries(db),
    engine,
    outbox: new SqliteAlertOutbox(db),
  };
}
