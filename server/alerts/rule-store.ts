/**
 * The rule-management port: what the console's use cases (use-cases.ts) write through. Each mutating method
 * commits the change and its audit record in one transaction. What the console reads is read-model.ts.
 */
import type { Actor } from "@/server/core/audit";
import type { AlertRule, AlertState, ValidRuleInput } from "./rule";

export type RuleView = AlertRule & {
  state: AlertState;
  lastValue: number | null;
  lastEvaluatedAtMs: number | null;
  lastNotifiedAtMs: number | null;
  stateChangedAtMs: number | null;
  /** PENDING: a value above warn waits out `for` since then, toward that state (null when nothing is pending). */
  pendingSinceMs: number | null;
  pendingState: Exclude<AlertState, "PASS"> | null;
  /** Firing but recovering: a value in PASS waits out `keep firing for` since then. */
  recoveringSinceMs: number | null;
  lastError: string | null;
  createdAtMs: number;
};

export type ImportSummary = { created: string[]; updated: string[]; skipped: Array<{ name: string; reason: string }> };

export interface RuleStore {
  createRule(input: ValidRuleInput, origin: AlertRule["origin"], actor: Actor): RuleView;
  /** Null when no rule has that id. */
  updateRule(id: string, input: ValidRuleInput, actor: Actor): RuleView | null;
  deleteRule(id: string, actor: Actor): boolean;
  /** Names are unique: the use cases check a new or renamed rule against this. */
  findRuleByName(name: string): RuleView | null;
  /** Creates or updates the alerts loaded from an alerts-server; never overwrites a console rule of the same name. */
  importServerRules(inputs: ValidRuleInput[], actor: Actor): ImportSummary;
  recordDeadLetter(source: string, reason: string, raw: string): void;
}
