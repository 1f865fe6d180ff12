/**
 * The console's read model of the alerts engine: what the rule list, the rule page and the admin's dead-letter
 * list read (implemented for SQLite in adapters/sqlite-alert-queries.ts). Every list is bounded.
 */
import type { AlertState } from "./rule";
import type { RuleView } from "./rule-store";

export type RuleListQuery = { page: number; pageSize: number; state?: AlertState; search?: string };
export type RuleListPage = {
  items: RuleView[];
  total: number;
  page: number;
  pageSize: number;
  counts: Record<AlertState, number>;
};

export type EvaluationPoint = {
  atMs: number;
  value: number | null;
  state: AlertState;
  outcome: string;
  error: string | null;
};
export type TransitionPoint = {
  atMs: number;
  previousState: AlertState;
  newState: AlertState;
  value: number;
  action: string;
  message: string;
};
/** A rule's latest evaluations (oldest first, at most the ring size) and transitions (newest first). */
export type RuleRings = { evaluations: EvaluationPoint[]; transitions: TransitionPoint[] };

/** An input we could not use (a malformed /alerts item), with the reason and the raw text; `at` in epoch ms. */
export type DeadLetter = { id: number; at: number; source: string; reason: string; raw: string };

export interface AlertReadModel {
  /** Rules with their live state, worst first, filtered by state and name, with per-state totals. */
  listRules(query: RuleListQuery): RuleListPage;
  /** Null when no rule has that id. */
  getRule(id: string): RuleView | null;
  /** The rule and its rings, read together (one read transaction): null when no rule has that id. */
  history(ruleId: string): (RuleRings & { rule: RuleView }) | null;
  /** The newest `limit` dead letters, newest first. */
  deadLetters(limit: number): DeadLetter[];
}
