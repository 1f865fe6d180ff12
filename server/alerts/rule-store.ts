/**
 * The rule-management port: what the console's use cases (alerts-service.ts) need from storage. Each mutating
 * method commits the change and its audit record in one transaction.
 */
import type { Actor } from "@/server/core/audit";
import type { AlertRule, AlertState, ValidRuleInput } from "./rule";

export type RuleView = AlertRule & {
  state: AlertState;
  lastValue: number | null;
  lastEvaluatedAtMs: number | null;
  lastNotifiedAtMs: number | null;
  stateChangedAtMs: number | null;
  lastError: string | null;
  createdAtMs: number;
};

export type RuleListQuery = { page: number; pageSize: number; state?: AlertState; search?: string };
export type RuleListPage = { items: RuleView[]; total: number; page: number; pageSize: number; counts: Record<AlertState, number> };

export type EvaluationPoint = { atMs: number; value: number | null; state: AlertState; outcome: string; error: string | null };
export type TransitionPoint = { atMs: number; previousState: AlertState; newState: AlertState; value: number; action: string; message: string };

export type ImportSummary = { created: string[]; updated: string[]; skipped: Array<{ name: string; reason: string }> };

export interface RuleStore {
  createRule(input: ValidRuleInput, origin: AlertRule["origin"], actor: Actor): RuleView;
  /** Null when no rule has that id. */
  updateRule(id: string, input: ValidRuleInput, actor: Actor): RuleView | null;
  deleteRule(id: string, actor: Actor): boolean;
  getRule(id: string): RuleView | null;
  findRuleByName(name: string): RuleView | null;
  listRules(query: RuleListQuery): RuleListPage;
  /** The latest evaluations (oldest first, at most the ring size) and transitions of one rule. */
  history(ruleId: string): { evaluations: EvaluationPoint[]; transitions: TransitionPoint[] };
  /** Creates or updates the alerts loaded from an alerts-server; never overwrites a console rule of the same name. */
  importServerRules(inputs: ValidRuleInput[], actor: Actor): ImportSummary;
  recordDeadLetter(source: string, reason: string, raw: string): void;
}
