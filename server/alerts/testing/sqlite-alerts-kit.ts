/**
 * Test kit of the alerts engine's SQLite adapters: the stores over one test database, wired as in production,
 * plus what only tests ask: a rule added in one call (parsed, without the use cases' checks) and the count of
 * outbox events not yet published.
 */
import { count, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { alertOutbox } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import { createSqliteAlertStores, type SqliteAlertStores } from "../adapters/sqlite-alert-stores";
import { ruleInputSchema, type RuleInput } from "../rule";
import type { RuleView } from "../rule-store";

export type AlertsSqliteKit = SqliteAlertStores & {
  addRule(input: RuleInput): RuleView;
  pendingOutboxCount(): number;
};

export function createAlertsSqliteKit(db: AppDatabase, clock: Clock): AlertsSqliteKit {
  const stores = createSqliteAlertStores(db, clock);
  const actor = systemActor("test");
  return {
    ...stores,
    addRule: (input) => stores.rules.createRule(ruleInputSchema.parse(input), "console", actor),
    pendingOutboxCount: () =>
      db
        .select({ n: count() })
        .from(alertOutbox)
        .where(sql`${alertOutbox.publishedAt} IS NULL`)
        .get()?.n ?? 0,
  };
}
