/**
 * The alerts engine's console: exactly what the tRPC router `alerts` may call. Rule management goes through the
 * use cases (validation, uniqueness, audit, engine refresh), lists through the read model; the engine's figures
 * are this process's engine (zero where it runs in another process) and the lease tells who runs it.
 */
import type { Actor } from "@/server/core/audit";
import type { MetricReader } from "@/server/core/metrics";
import { MAX_NAMED_IDS } from "@/server/core/names";
import type { EngineCounters } from "./engine";
import type { EngineHolder } from "./engine-runner";
import type { AlertReadModel, DeadLetter, RuleListPage, RuleListQuery } from "./read-model";
import type { RuleView } from "./rule-store";
import type { AlertsUseCases, RuleHistory } from "./use-cases";

/** What the rule form offers. */
export type SourceOptions = { dbsimMetrics: string[]; alertsServerUrl: string | null; simulatedExamples: string[] };

/** This process's engine counters, its number of alerts, and which process holds the engine's lease (null: none). */
export type EngineStats = EngineCounters & { alerts: number; holder: EngineHolder | null };

/** Dead letters the admin's list shows: the newest ones. */
export const DEAD_LETTERS_SHOWN = 50;

const SIMULATED_EXAMPLES = [
  "constant?value=250",
  "script?values=50,150,250,50&step=10",
  "random-walk?start=100&step=15&min=0&max=300",
  "sine?min=0&max=300&period=60",
];

export interface AlertsConsole {
  /** Rules with their live state, worst first; filter by state and name; with per-state totals. */
  listRules(query: RuleListQuery): RuleListPage;
  /** NOT_FOUND when no rule has that id. */
  getRule(id: string): RuleView;
  /**
   * The names of the rules with these ids (other pages name rules by id: digests, incidents); ids no rule has
   * are left out. At most MAX_NAMED_IDS distinct ids are looked up.
   */
  ruleNames(ids: readonly string[]): Map<string, string>;
  /** The rule's recent values bucketed into at most `maxPoints` points, and its transitions (newest first). */
  history(id: string, maxPoints: number): RuleHistory;
  /** BAD_REQUEST on invalid input, CONFLICT on a taken name. */
  createRule(input: unknown, actor: Actor): RuleView;
  updateRule(id: string, input: unknown, actor: Actor): RuleView;
  deleteRule(id: string, actor: Actor): void;
  sourceOptions(): SourceOptions;
  /** The newest DEAD_LETTERS_SHOWN rejected /alerts items with their reasons. */
  deadLetters(): DeadLetter[];
  engineStats(): EngineStats;
}

export type AlertsConsoleDependencies = {
  useCases: AlertsUseCases;
  reads: AlertReadModel;
  /** This process's engine: it only runs where WATCHPOST_ENGINES includes alerts, and there only while this process holds the lease. */
  engine: { readonly size: number; readonly counters: EngineCounters };
  engineHolder: () => EngineHolder | undefined;
  /** The dbsim metric names, for the rule form's picker. */
  dbsimMetrics: Pick<MetricReader, "names">;
  alertsServerUrl: string | null;
};

export function createAlertsConsole(dependencies: AlertsConsoleDependencies): AlertsConsole {
  const { useCases, reads, engine } = dependencies;
  return {
    listRules: (query) => useCases.listRules(query),
    getRule: (id) => useCases.getRule(id),
    ruleNames(ids) {
      const names = new Map<string, string>();
      for (const id of [...new Set(ids)].slice(0, MAX_NAMED_IDS)) {
        const rule = reads.getRule(id);
        if (rule) names.set(id, rule.name);
      }
      return names;
    },
    history: (id, maxPoints) => useCases.history(id, maxPoints),
    createRule: (input, actor) => useCases.createRule(input, actor),
    updateRule: (id, input, actor) => useCases.updateRule(id, input, actor),
    deleteRule: (id, actor) => useCases.deleteRule(id, actor),
    sourceOptions: () => ({
      dbsimMetrics: dependencies.dbsimMetrics.names(),
      alertsServerUrl: dependencies.alertsServerUrl,
      simulatedExamples: SIMULATED_EXAMPLES,
    }),
    deadLetters: () => reads.deadLetters(DEAD_LETTERS_SHOWN),
    engineStats: () => ({ alerts: engine.size, ...engine.counters, holder: dependencies.engineHolder() ?? null }),
  };
}
