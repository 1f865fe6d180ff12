/**
 * The console's use cases for alert rules: validate, check uniqueness, store with an audit record, and tell
 * the engine to pick the change up. Also the import of an alerts-server's /alerts (compatible mode), where each
 * bad item becomes a dead letter and a logged error naming the alert, and the good ones load.
 */
import type { Actor } from "@/server/core/audit";
import { DomainError } from "@/server/core/errors";
import type { Logger } from "@/server/core/logger";
import { describeZodError } from "@/server/core/validation";
import { parseServerAlerts } from "./alerts-server-api";
import { ruleInputSchema, type AlertState } from "./rule";
import type { AlertReadModel, RuleListPage, RuleListQuery, TransitionPoint } from "./read-model";
import type { ImportSummary, RuleStore, RuleView } from "./rule-store";

/** The use cases' expected refusals; the tRPC layer maps DomainError to its code and keeps the message. */
export class AlertsError extends DomainError {
  constructor(code: "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST", message: string) {
    super(code, message);
    this.name = "AlertsError";
  }
}

export type SeriesBucket = {
  atMs: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  samples: number;
  failures: number;
  state: AlertState;
};
export type RuleHistory = { rule: RuleView; series: SeriesBucket[]; bucketMs: number; transitions: TransitionPoint[] };

export type AlertsUseCasesOptions = {
  /** What the use cases write through. */
  rules: RuleStore;
  /** What they read (a rule, its history, the list). */
  reads: AlertReadModel;
  logger: Logger;
  /** Tells the engine (when it runs in this process) to reload its rules now. */
  onRulesChanged?: () => void;
  /** Whether rules on the alerts-server source can run (ALERTS_SERVER_URL is set). */
  alertsServerConfigured: boolean;
};

export class AlertsUseCases {
  constructor(private readonly options: AlertsUseCasesOptions) {}

  listRules(query: RuleListQuery): RuleListPage {
    return this.options.reads.listRules(query);
  }

  getRule(id: string): RuleView {
    return this.options.reads.getRule(id) ?? notFound(id);
  }

  createRule(input: unknown, actor: Actor): RuleView {
    const rule = this.parse(input);
    if (this.options.rules.findRuleByName(rule.name))
      throw new AlertsError("CONFLICT", `A rule named "${rule.name}" already exists; choose another name.`);
    const created = this.options.rules.createRule(rule, "console", actor);
    this.options.onRulesChanged?.();
    return created;
  }

  updateRule(id: string, input: unknown, actor: Actor): RuleView {
    const rule = this.parse(input);
    const existing = this.options.rules.findRuleByName(rule.name);
    if (existing && existing.id !== id)
      throw new AlertsError("CONFLICT", `A rule named "${rule.name}" already exists; choose another name.`);
    const updated = this.options.rules.updateRule(id, rule, actor);
    if (!updated) throw new AlertsError("NOT_FOUND", `No alert rule has the id "${id}"; it may have been deleted.`);
    this.options.onRulesChanged?.();
    return updated;
  }

  deleteRule(id: string, actor: Actor): void {
    if (!this.options.rules.deleteRule(id, actor))
      throw new AlertsError("NOT_FOUND", `No alert rule has the id "${id}"; it may have been deleted already.`);
    this.options.onRulesChanged?.();
  }

  /**
   * The rule's recent values in at most `maxPoints` time buckets (min/avg/max), and its transitions, newest first.
   * A bucket is placed at its newest evaluation, so the chart ends where the facts and the transitions do.
   */
  history(id: string, maxPoints = 240): RuleHistory {
    const { rule, evaluations, transitions } = this.options.reads.history(id) ?? notFound(id);
    if (evaluations.length === 0) return { rule, series: [], bucketMs: rule.intervalSecs * 1000, transitions };
    const firstMs = evaluations[0]!.atMs;
    const lastMs = evaluations[evaluations.length - 1]!.atMs;
    // Few enough evaluations: one point each (a time grid as wide as the interval would merge two of them
    // whenever the timer drifts a millisecond early). Else buckets as wide as the span allows.
    const each = evaluations.length <= maxPoints;
    const bucketMs = each
      ? rule.intervalSecs * 1000
      : Math.max(rule.intervalSecs * 1000, Math.ceil((lastMs - firstMs + 1) / maxPoints));
    const buckets = new Map<number, SeriesBucket & { sum: number }>();
    for (const [position, evaluation] of evaluations.entries()) {
      const index = each ? position : Math.floor((evaluation.atMs - firstMs) / bucketMs);
      let bucket = buckets.get(index);
      if (!bucket) {
        bucket = { atMs: 0, min: null, max: null, avg: null, samples: 0, failures: 0, state: evaluation.state, sum: 0 };
        buckets.set(index, bucket);
      }
      bucket.atMs = evaluation.atMs;
      bucket.state = evaluation.state;
      if (evaluation.value === null) {
        bucket.failures++;
        continue;
      }
      bucket.samples++;
      bucket.sum += evaluation.value;
      bucket.min = bucket.min === null ? evaluation.value : Math.min(bucket.min, evaluation.value);
      bucket.max = bucket.max === null ? evaluation.value : Math.max(bucket.max, evaluation.value);
      bucket.avg = bucket.sum / bucket.samples;
    }
    const series = [...buckets.values()].map(({ sum: _sum, ...bucket }) => bucket);
    return { rule, series, bucketMs, transitions };
  }

  /** Loads an alerts-server's /alerts body: bad items are dead-lettered and logged by name; the rest load. */
  importServerAlerts(body: unknown, actor: Actor): ImportSummary & { rejected: number } {
    const { rules, rejected } = parseServerAlerts(body);
    for (const item of rejected) {
      this.options.logger.error(
        { alert: item.name, reason: item.reason },
        `alerts-server alert ${item.name ? `"${item.name}"` : "(no name)"} rejected: ${item.reason}`,
      );
      this.options.rules.recordDeadLetter(
        "alerts-server /alerts",
        item.name ? `alert "${item.name}": ${item.reason}` : item.reason,
        item.raw,
      );
    }
    const summary = this.options.rules.importServerRules(rules, actor);
    for (const skipped of summary.skipped)
      this.options.logger.error(
        { alert: skipped.name },
        `alerts-server alert "${skipped.name}" not loaded: ${skipped.reason}`,
      );
    if (summary.created.length || summary.updated.length) this.options.onRulesChanged?.();
    return { ...summary, rejected: rejected.length };
  }

  private parse(input: unknown) {
    const parsed = ruleInputSchema.safeParse(input);
    if (!parsed.success) throw new AlertsError("BAD_REQUEST", `Invalid rule — ${describeZodError(parsed.error)}`);
    if (parsed.data.sourceKind === "alerts-server" && !this.options.alertsServerConfigured) {
      throw new AlertsError(
        "BAD_REQUEST",
        "sourceKind: the alerts-server source needs ALERTS_SERVER_URL to be set on the server; pick dbsim or simulated, or set it and restart.",
      );
    }
    return parsed.data;
  }
}

function notFound(id: string): never {
  throw new AlertsError(
    "NOT_FOUND",
    `No alert rule has the id "${id}"; it may have been deleted. Go back to the list.`,
  );
}
