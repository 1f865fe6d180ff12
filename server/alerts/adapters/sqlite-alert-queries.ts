/**
 * The console's read side of the alerts engine (`AlertReadModel`): rules with their live state (paginated,
 * worst first, with per-state totals), one rule, its evaluation and transition rings, the dead letters. Reads
 * never change anything; every list is bounded.
 */
import { and, asc, count, desc, eq, like, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { alertDeadLetter, alertEvaluation, alertRule, alertStatus, alertTransition } from "@/db/schema";
import type {
  AlertReadModel,
  DeadLetter,
  EvaluationPoint,
  RuleListPage,
  RuleListQuery,
  RuleRings,
} from "../read-model";
import type { AlertState } from "../rule";
import type { RuleView } from "../rule-store";
import { EVALUATION_RING_SIZE, type Sample } from "./evaluation-ring";
import { selectRuleViews, toView } from "./sqlite-alert-rows";

export class SqliteAlertQueries implements AlertReadModel {
  constructor(private readonly db: AppDatabase) {}

  getRule(id: string): RuleView | null {
    const row = selectRuleViews(this.db).where(eq(alertRule.id, id)).get();
    return row ? toView(row) : null;
  }

  listRules(query: RuleListQuery): RuleListPage {
    const search = query.search?.trim();
    const searchFilter = search
      ? like(alertRule.name, `%${search.replace(/[%_\\]/g, (match) => `\\${match}`)}%`)
      : undefined;
    const stateExpression = sql<AlertState>`coalesce(${alertStatus.state}, 'PASS')`;
    const where = and(searchFilter, query.state ? sql`${stateExpression} = ${query.state}` : undefined);
    const total =
      this.db
        .select({ n: count() })
        .from(alertRule)
        .leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id))
        .where(where)
        .get()?.n ?? 0;
    const rows = selectRuleViews(this.db)
      .where(where)
      // Worst first, so that what needs attention is on page one.
      .orderBy(sql`CASE ${stateExpression} WHEN 'CRITICAL' THEN 0 WHEN 'WARN' THEN 1 ELSE 2 END`, asc(alertRule.name))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .all();
    const countRows = this.db
      .select({ state: stateExpression, n: count() })
      .from(alertRule)
      .leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id))
      .where(searchFilter)
      .groupBy(stateExpression)
      .all();
    const counts: Record<AlertState, number> = { PASS: 0, WARN: 0, CRITICAL: 0 };
    for (const row of countRows) counts[row.state] = row.n;
    return { items: rows.map(toView), total, page: query.page, pageSize: query.pageSize, counts };
  }

  history(ruleId: string): (RuleRings & { rule: RuleView }) | null {
    // One read transaction: the rule's state and latest value, its chart and its transitions as of one moment.
    return this.db.$client.transaction(() => {
      const rule = this.getRule(ruleId);
      return rule ? { rule, ...this.rings(ruleId) } : null;
    })();
  }

  private rings(ruleId: string): RuleRings {
    const rows = this.db
      .select({
        atMs: alertEvaluation.at,
        value: alertEvaluation.value,
        state: alertEvaluation.state,
        outcome: alertEvaluation.outcome,
        error: alertEvaluation.error,
        samples: alertEvaluation.samples,
      })
      .from(alertEvaluation)
      .where(eq(alertEvaluation.ruleId, ruleId))
      .orderBy(asc(alertEvaluation.sequence))
      .all();
    const all: EvaluationPoint[] = [];
    for (const { samples, ...row } of rows) {
      if (samples === null) {
        all.push(row);
        continue;
      }
      for (const [atMs, value, state, outcome, error] of JSON.parse(samples) as Sample[])
        all.push({ atMs, value, state, outcome, error });
    }
    const evaluations = all.length > EVALUATION_RING_SIZE ? all.slice(all.length - EVALUATION_RING_SIZE) : all;
    const transitions = this.db
      .select({
        atMs: alertTransition.at,
        previousState: alertTransition.previousState,
        newState: alertTransition.newState,
        value: alertTransition.value,
        action: alertTransition.action,
        message: alertTransition.message,
      })
      .from(alertTransition)
      .where(eq(alertTransition.ruleId, ruleId))
      .orderBy(desc(alertTransition.sequence))
      .all();
    return { evaluations, transitions };
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.db.select().from(alertDeadLetter).orderBy(desc(alertDeadLetter.id)).limit(limit).all();
  }
}
