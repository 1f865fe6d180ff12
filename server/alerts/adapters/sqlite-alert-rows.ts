/**
 * Row mappers of the alerts tables, shared by the SQLite adapters: a rule row to an `AlertRule`, a rule with its
 * status and newest evaluation to a `RuleView` (the select that builds it, too), a rule input to its columns.
 */
import { eq, sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import { alertRule, alertStatus } from "@/db/schema";
import type { AlertRule, ValidRuleInput } from "../rule";
import type { RuleView } from "../rule-store";
import { RULE_UNITS, type RuleUnit } from "../units";

const isRuleUnit = (unit: string): unit is RuleUnit => (RULE_UNITS as readonly string[]).includes(unit);

type RuleRow = typeof alertRule.$inferSelect;
type StatusRow = typeof alertStatus.$inferSelect;

export function toRule(row: RuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    origin: row.origin,
    sourceKind: row.sourceKind,
    query: row.query,
    unit: isRuleUnit(row.unit) ? row.unit : "",
    intervalSecs: row.intervalSecs,
    repeatIntervalSecs: row.repeatIntervalSecs,
    forSecs: row.forSecs,
    keepFiringForSecs: row.keepFiringForSecs,
    warn: { value: row.warnValue, message: row.warnMessage },
    critical: { value: row.criticalValue, message: row.criticalMessage },
    serviceId: row.serviceId,
    subscriberUserIds: row.subscriberUserIds,
    enabled: row.enabled,
    updatedAtMs: row.updatedAt.getTime(),
  };
}

/** The newest evaluation of the rule in the outer query, as a JSON array [value, at, error]. */
const latestEvaluation = sql<
  string | null
>`(SELECT json_array(e.value, e.at, e.error) FROM alert_evaluation e WHERE e.rule_id = ${alertRule.id} ORDER BY e.sequence DESC LIMIT 1)`;

type ViewRow = { rule: RuleRow; status: StatusRow | null; latest: string | null };

export function toView({ rule, status, latest }: ViewRow): RuleView {
  const [value, atMs, error] = latest
    ? (JSON.parse(latest) as [number | null, number, string | null])
    : [null, null, null];
  return {
    ...toRule(rule),
    state: status?.state ?? "PASS",
    lastValue: latest ? value : (status?.lastValue ?? null),
    lastEvaluatedAtMs: atMs,
    lastNotifiedAtMs: status?.lastNotifiedAt ?? null,
    stateChangedAtMs: status?.stateChangedAt ?? null,
    pendingSinceMs: status?.pendingSince ?? null,
    pendingState: status?.pendingSince != null ? (status.pendingState ?? null) : null,
    recoveringSinceMs: status?.recoveringSince ?? null,
    lastError: error,
    createdAtMs: rule.createdAt.getTime(),
  };
}

/** Rules with their status and newest evaluation; add a where clause and map the rows with `toView`. */
export function selectRuleViews(db: AppDatabase) {
  return db
    .select({ rule: alertRule, status: alertStatus, latest: latestEvaluation })
    .from(alertRule)
    .leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id));
}

export function ruleColumns(input: ValidRuleInput) {
  return {
    name: input.name,
    sourceKind: input.sourceKind,
    query: input.query,
    unit: input.unit,
    intervalSecs: input.intervalSecs,
    repeatIntervalSecs: input.repeatIntervalSecs,
    forSecs: input.forSecs,
    keepFiringForSecs: input.keepFiringForSecs,
    warnValue: input.warn.value,
    warnMessage: input.warn.message,
    criticalValue: input.critical.value,
    criticalMessage: input.critical.message,
    serviceId: input.serviceId,
    subscriberUserIds: input.subscriberUserIds,
    enabled: input.enabled,
  };
}
