/**
 * SQLite implementation of the rule store (`RuleStore`) the console's use cases write through: create, edit and
 * delete rules, each with its audit record in one transaction; the import of an alerts-server's alerts; dead
 * letters. An edit that shortens the interval also shrinks the rule's evaluation ring (evaluation-ring.ts).
 */
import { eq } from "drizzle-orm";
import type { Statement } from "better-sqlite3";
import type { AppDatabase } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import { alertDeadLetter, alertRule, alertStatus } from "@/db/schema";
import type { Actor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import type { AlertRule, ValidRuleInput } from "../rule";
import type { ImportSummary, RuleStore, RuleView } from "../rule-store";
import { evaluationRingRows } from "./evaluation-ring";
import { ruleColumns, selectRuleViews, toView } from "./sqlite-alert-rows";

export type SqliteRuleStoreOptions = {
  /** Called after each delete here (also of a rule already gone), so that the engine's store of this process drops what it buffered for it. */
  onRuleDeleted?: (ruleId: string) => void;
};

export class SqliteRuleStore implements RuleStore {
  private readonly statements: { keepNewestRows: Statement; moveSlotsAside: Statement; renumberSlots: Statement };

  constructor(
    private readonly db: AppDatabase,
    private readonly clock: Clock,
    private readonly options: SqliteRuleStoreOptions = {},
  ) {
    const client = db.$client;
    this.statements = {
      keepNewestRows: client.prepare(
        `DELETE FROM alert_evaluation WHERE rule_id = @id AND sequence <= (SELECT max(sequence) FROM alert_evaluation WHERE rule_id = @id) - @rows`,
      ),
      // Two steps: the first moves every slot out of the way, so that no row meets another's key midway.
      moveSlotsAside: client.prepare(`UPDATE alert_evaluation SET slot = -1 - slot WHERE rule_id = ?`),
      renumberSlots: client.prepare(`UPDATE alert_evaluation SET slot = sequence % @rows WHERE rule_id = @id`),
    };
  }

  createRule(input: ValidRuleInput, origin: AlertRule["origin"], actor: Actor): RuleView {
    const id = createId("rule");
    const now = new Date(this.clock.now());
    this.db.transaction(
      (tx) => {
        tx.insert(alertRule)
          .values({ id, origin, ...ruleColumns(input), createdAt: now, updatedAt: now })
          .run();
        tx.insert(alertStatus).values({ ruleId: id, state: "PASS" }).run();
        createAuditRecorder(tx, this.clock).record({
          actor,
          action: "alerts.rule.create",
          target: id,
          details: { name: input.name, origin, sourceKind: input.sourceKind, query: input.query },
        });
      },
      { behavior: "immediate" },
    );
    return this.getRule(id)!;
  }

  updateRule(id: string, input: ValidRuleInput, actor: Actor): RuleView | null {
    const before = this.getRule(id);
    if (!before) return null;
    // Strictly increasing, so that the engine's fingerprint sees two edits within one millisecond.
    const updatedAt = new Date(Math.max(this.clock.now(), before.updatedAtMs + 1));
    this.db.transaction(
      (tx) => {
        tx.update(alertRule)
          .set({ ...ruleColumns(input), updatedAt })
          .where(eq(alertRule.id, id))
          .run();
        if (input.intervalSecs < before.intervalSecs) this.shrinkRing(id, evaluationRingRows(input.intervalSecs));
        createAuditRecorder(tx, this.clock).record({
          actor,
          action: "alerts.rule.update",
          target: id,
          details: {
            before: ruleColumns({ ...before, subscriberUserIds: before.subscriberUserIds }),
            after: ruleColumns(input),
          },
        });
      },
      { behavior: "immediate" },
    );
    return this.getRule(id);
  }

  /**
   * A shorter interval means a smaller ring: keeps the rule's newest `rows` chunks and moves them to the slots
   * of the new ring (consecutive sequences never share a slot), so none is stranded past the ring's end.
   */
  private shrinkRing(ruleId: string, rows: number): void {
    const { keepNewestRows, moveSlotsAside, renumberSlots } = this.statements;
    keepNewestRows.run({ id: ruleId, rows });
    moveSlotsAside.run(ruleId);
    renumberSlots.run({ id: ruleId, rows });
  }

  deleteRule(id: string, actor: Actor): boolean {
    let deleted = false;
    this.db.transaction(
      (tx) => {
        const row = tx.select({ name: alertRule.name }).from(alertRule).where(eq(alertRule.id, id)).get();
        if (!row) return;
        tx.delete(alertRule).where(eq(alertRule.id, id)).run();
        createAuditRecorder(tx, this.clock).record({
          actor,
          action: "alerts.rule.delete",
          target: id,
          details: { name: row.name },
        });
        deleted = true;
      },
      { behavior: "immediate" },
    );
    this.options.onRuleDeleted?.(id);
    return deleted;
  }

  findRuleByName(name: string): RuleView | null {
    const row = selectRuleViews(this.db).where(eq(alertRule.name, name)).get();
    return row ? toView(row) : null;
  }

  private getRule(id: string): RuleView | null {
    const row = selectRuleViews(this.db).where(eq(alertRule.id, id)).get();
    return row ? toView(row) : null;
  }

  importServerRules(inputs: ValidRuleInput[], actor: Actor): ImportSummary {
    const summary: ImportSummary = { created: [], updated: [], skipped: [] };
    for (const input of inputs) {
      const existing = this.findRuleByName(input.name);
      if (!existing) {
        this.createRule(input, "alerts-server", actor);
        summary.created.push(input.name);
      } else if (existing.origin !== "alerts-server") {
        summary.skipped.push({
          name: input.name,
          reason: `a console rule is already named "${input.name}"; rename one of them`,
        });
      } else {
        // The server owns the definition; the console owns the service binding, subscribers and on/off switch.
        const merged = {
          ...input,
          serviceId: existing.serviceId,
          subscriberUserIds: existing.subscriberUserIds,
          enabled: existing.enabled,
        };
        if (JSON.stringify(ruleColumns(existing)) !== JSON.stringify(ruleColumns(merged))) {
          this.updateRule(existing.id, merged, actor);
          summary.updated.push(input.name);
        }
      }
    }
    return summary;
  }

  recordDeadLetter(source: string, reason: string, raw: string): void {
    this.db
      .insert(alertDeadLetter)
      .values({ at: this.clock.now(), source, reason, raw: raw.slice(0, 100_000) })
      .run();
  }
}
