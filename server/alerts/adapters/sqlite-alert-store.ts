/**
 * SQLite (better-sqlite3 + drizzle) implementation of the alert engine's ports: rules, state, history rings,
 * outbox and dead letters. Transitions commit at once, with their outbox event, in one transaction. The engine's
 * hot path (evaluations) is buffered per rule and written as one chunk row per rule every few seconds
 * (HISTORY_WRITE_EVERY_MS), all due chunks in one transaction with prepared statements: a row per evaluation
 * touched a random page of the ring for every evaluation and was most of the engine's CPU at 10,000 alerts/s.
 */
import { and, asc, count, desc, eq, like, sql } from "drizzle-orm";
import type { Statement } from "better-sqlite3";
import type { AppDatabase } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import { alertDeadLetter, alertEvaluation, alertOutbox, alertRule, alertStatus, alertTransition } from "@/db/schema";
import type { Actor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import { createId } from "@/server/core/ids";
import type { AlertEngineStore, EvaluationRecord, OutboxItem, OutboxStore, PersistedStatus, TransitionCommit } from "../ports";
import type { AlertRule, AlertState, ValidRuleInput } from "../rule";
import type { EvaluationPoint, ImportSummary, RuleListPage, RuleListQuery, RuleStore, RuleView, TransitionPoint } from "../rule-store";

/** Evaluations shown per rule: 12 minutes at 1 s, 6 hours at 30 s. */
export const EVALUATION_RING_SIZE = 720;
/**
 * Chunk rows kept per rule at most (each 1 to MAX_SAMPLES_PER_CHUNK evaluations): at least the 720 evaluations
 * above even when every chunk holds one.
 */
export const EVALUATION_CHUNK_RING_SIZE = 720;
/** History kept, in intervals of the rule: a little more than the evaluations shown. */
export const HISTORY_RETENTION_INTERVALS = EVALUATION_RING_SIZE * 1.25;

/**
 * The ring's rows for a rule: enough chunks for HISTORY_RETENTION_INTERVALS of its intervals at one chunk per
 * HISTORY_WRITE_EVERY_MS, at most EVALUATION_CHUNK_RING_SIZE. A 1 s rule keeps 180 rows of ~5 evaluations (15
 * minutes), not 720 (an hour, five times what the console shows); from 4 s up, chunks hold one or two
 * evaluations and the whole ring is used. Rows are overwritten in place, so this costs no extra write.
 */
export function evaluationRingRows(intervalSecs: number | undefined): number {
  if (intervalSecs === undefined) return EVALUATION_CHUNK_RING_SIZE;
  return Math.max(1, Math.min(EVALUATION_CHUNK_RING_SIZE, Math.ceil((HISTORY_RETENTION_INTERVALS * intervalSecs * 1000) / HISTORY_WRITE_EVERY_MS)));
}
export const MAX_SAMPLES_PER_CHUNK = 64;
/** A rule's buffered evaluations are written this long after the first of them (or once a chunk is full). */
export const HISTORY_WRITE_EVERY_MS = 5000;
/**
 * Due chunks are written together at most this often: SQLite's cost per row falls with the batch (about 16 µs
 * a row at 600 rows, 8 µs at 6,000, with 36,000 rules), while a longer period means a longer block of the event
 * loop; 250 ms keeps each batch to a few milliseconds at 10,000 alerts.
 */
export const HISTORY_BATCH_EVERY_MS = 250;

type PendingChunk = { ruleId: string; sinceMs: number; records: EvaluationRecord[]; intervalSecs: number | undefined };
type Sample = [atMs: number, value: number | null, state: AlertState, outcome: EvaluationRecord["outcome"], error: string | null];
/** Transitions and re-notifications kept per rule. */
export const TRANSITION_RING_SIZE = 200;

type Sequences = { evaluation: number; transition: number };

type RuleRow = typeof alertRule.$inferSelect;
type StatusRow = typeof alertStatus.$inferSelect;

function toRule(row: RuleRow): AlertRule {
  return {
    id: row.id,
    name: row.name,
    origin: row.origin,
    sourceKind: row.sourceKind,
    query: row.query,
    intervalSecs: row.intervalSecs,
    repeatIntervalSecs: row.repeatIntervalSecs,
    warn: { value: row.warnValue, message: row.warnMessage },
    critical: { value: row.criticalValue, message: row.criticalMessage },
    serviceId: row.serviceId,
    subscriberUserIds: row.subscriberUserIds,
    enabled: row.enabled,
    updatedAtMs: row.updatedAt.getTime(),
  };
}

/** The newest evaluation of the rule in the outer query, as a JSON array [value, at, error]. */
const latestEvaluation = sql<string | null>`(SELECT json_array(e.value, e.at, e.error) FROM alert_evaluation e WHERE e.rule_id = ${alertRule.id} ORDER BY e.sequence DESC LIMIT 1)`;

type ViewRow = { rule: RuleRow; status: StatusRow | null; latest: string | null };

function toView({ rule, status, latest }: ViewRow): RuleView {
  const [value, atMs, error] = latest ? (JSON.parse(latest) as [number | null, number, string | null]) : [null, null, null];
  return {
    ...toRule(rule),
    state: status?.state ?? "PASS",
    lastValue: latest ? value : (status?.lastValue ?? null),
    lastEvaluatedAtMs: atMs,
    lastNotifiedAtMs: status?.lastNotifiedAt ?? null,
    stateChangedAtMs: status?.stateChangedAt ?? null,
    lastError: error,
    createdAtMs: rule.createdAt.getTime(),
  };
}

function ruleColumns(input: ValidRuleInput) {
  return {
    name: input.name,
    sourceKind: input.sourceKind,
    query: input.query,
    intervalSecs: input.intervalSecs,
    repeatIntervalSecs: input.repeatIntervalSecs,
    warnValue: input.warn.value,
    warnMessage: input.warn.message,
    criticalValue: input.critical.value,
    criticalMessage: input.critical.message,
    serviceId: input.serviceId,
    subscriberUserIds: input.subscriberUserIds,
    enabled: input.enabled,
  };
}

export class SqliteAlertStore implements AlertEngineStore, OutboxStore, RuleStore {
  /** Buffered evaluations per rule, and the same chunks in the order they were opened (oldest first). */
  private readonly pending = new Map<string, PendingChunk>();
  private pendingOrder: PendingChunk[] = [];
  private pendingHead = 0;
  private readonly fullChunks: PendingChunk[] = [];
  private lastBatchMs = Number.NEGATIVE_INFINITY;
  private readonly sequences = new Map<string, Sequences>();
  private publishedSincePrune = 0;
  private readonly statements: {
    upsertEvaluation: Statement;
    upsertEvaluationIfRuleExists: Statement;
    readSequences: Statement;
    keepNewestRows: Statement;
    moveSlotsAside: Statement;
    renumberSlots: Statement;
    upsertTransition: Statement;
    upsertStatusAfterTransition: Statement;
    insertOutbox: Statement;
  };

  constructor(
    private readonly db: AppDatabase,
    private readonly clock: Clock,
  ) {
    const client = db.$client;
    this.statements = {
      upsertEvaluation: client.prepare(
        `INSERT INTO alert_evaluation (rule_id, slot, sequence, at, value, state, outcome, error, samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rule_id, slot) DO UPDATE SET sequence = excluded.sequence, at = excluded.at, value = excluded.value,
           state = excluded.state, outcome = excluded.outcome, error = excluded.error, samples = excluded.samples`,
      ),
      upsertEvaluationIfRuleExists: client.prepare(
        `INSERT INTO alert_evaluation (rule_id, slot, sequence, at, value, state, outcome, error, samples)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM alert_rule WHERE id = ?)
         ON CONFLICT (rule_id, slot) DO UPDATE SET sequence = excluded.sequence, at = excluded.at, value = excluded.value,
           state = excluded.state, outcome = excluded.outcome, error = excluded.error, samples = excluded.samples`,
      ),
      keepNewestRows: client.prepare(`DELETE FROM alert_evaluation WHERE rule_id = @id AND sequence <= (SELECT max(sequence) FROM alert_evaluation WHERE rule_id = @id) - @rows`),
      // Two steps: the first moves every slot out of the way, so that no row meets another's key midway.
      moveSlotsAside: client.prepare(`UPDATE alert_evaluation SET slot = -1 - slot WHERE rule_id = ?`),
      renumberSlots: client.prepare(`UPDATE alert_evaluation SET slot = sequence % @rows WHERE rule_id = @id`),
      readSequences: client.prepare(
        `SELECT (SELECT coalesce(max(sequence), 0) FROM alert_evaluation WHERE rule_id = @id) AS evaluation,
                (SELECT coalesce(max(sequence), 0) FROM alert_transition WHERE rule_id = @id) AS "transition"`,
      ),
      upsertTransition: client.prepare(
        `INSERT INTO alert_transition (rule_id, slot, sequence, at, previous_state, new_state, value, action, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rule_id, slot) DO UPDATE SET sequence = excluded.sequence, at = excluded.at, previous_state = excluded.previous_state,
           new_state = excluded.new_state, value = excluded.value, action = excluded.action, message = excluded.message`,
      ),
      upsertStatusAfterTransition: client.prepare(
        `INSERT INTO alert_status (rule_id, state, last_value, last_notified_at, state_changed_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (rule_id) DO UPDATE SET state = excluded.state, last_value = excluded.last_value,
           last_notified_at = excluded.last_notified_at, state_changed_at = coalesce(excluded.state_changed_at, alert_status.state_changed_at)`,
      ),
      insertOutbox: client.prepare(
        `INSERT INTO alert_outbox (event_id, topic, payload, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (event_id) DO NOTHING`,
      ),
    };
  }

  // ---- AlertEngineStore ---------------------------------------------------------------------------------

  listActiveRules(): AlertRule[] {
    return this.db.select().from(alertRule).where(eq(alertRule.enabled, true)).orderBy(asc(alertRule.createdAt)).all().map(toRule);
  }

  rulesFingerprint(): string {
    const row = this.db.$client.prepare(`SELECT count(*) AS c, total(updated_at) AS s, max(updated_at) AS m FROM alert_rule WHERE enabled = 1`).get() as { c: number; s: number; m: number | null };
    return `${row.c}:${row.s}:${row.m ?? 0}`;
  }

  loadStatuses(): Map<string, PersistedStatus> {
    const rows = this.db.select({ ruleId: alertStatus.ruleId, state: alertStatus.state, lastValue: alertStatus.lastValue, lastNotifiedAt: alertStatus.lastNotifiedAt }).from(alertStatus).all();
    return new Map(rows.map((row) => [row.ruleId, { state: row.state, lastValue: row.lastValue, lastNotifiedAtMs: row.lastNotifiedAt }]));
  }

  recordEvaluation(record: EvaluationRecord): void {
    let chunk = this.pending.get(record.ruleId);
    if (!chunk) {
      chunk = { ruleId: record.ruleId, sinceMs: this.clock.now(), records: [], intervalSecs: undefined };
      this.pending.set(record.ruleId, chunk);
      this.pendingOrder.push(chunk);
    }
    chunk.records.push(record);
    if (record.intervalSecs !== undefined) chunk.intervalSecs = record.intervalSecs;
    if (chunk.records.length === MAX_SAMPLES_PER_CHUNK) this.fullChunks.push(chunk);
  }

  /** Writes every buffered evaluation (at stop, and for tests). */
  flush(): void {
    const chunks = [...this.pending.values()];
    this.pending.clear();
    this.pendingOrder = [];
    this.pendingHead = 0;
    this.fullChunks.length = 0;
    this.writeChunks(chunks);
  }

  /** Writes the chunks opened HISTORY_WRITE_EVERY_MS ago or more, and the full ones (at most once a HISTORY_BATCH_EVERY_MS). */
  flushDue(nowMs: number): void {
    if (nowMs - this.lastBatchMs < HISTORY_BATCH_EVERY_MS && this.fullChunks.length === 0) return;
    this.lastBatchMs = nowMs;
    const due: PendingChunk[] = [];
    for (const chunk of this.fullChunks) {
      if (this.pending.get(chunk.ruleId) !== chunk) continue;
      this.pending.delete(chunk.ruleId);
      due.push(chunk);
    }
    this.fullChunks.length = 0;
    const order = this.pendingOrder;
    while (this.pendingHead < order.length && order[this.pendingHead]!.sinceMs <= nowMs - HISTORY_WRITE_EVERY_MS) {
      const chunk = order[this.pendingHead++]!;
      // Already written (full, or by a full flush): its rule may have a newer chunk further back in the order.
      if (this.pending.get(chunk.ruleId) !== chunk) continue;
      this.pending.delete(chunk.ruleId);
      due.push(chunk);
    }
    if (this.pendingHead > 4096 && this.pendingHead * 2 > order.length) {
      this.pendingOrder = order.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    this.writeChunks(due);
  }

  private writeChunks(chunks: PendingChunk[]): void {
    if (chunks.length === 0) return;
    // The fast statement relies on the foreign key; if a rule was deleted since its evaluations were buffered
    // (rare: the console deletes while the engine runs), the batch rolls back and is written again with the
    // statement that skips rows of rules that no longer exist.
    try {
      this.writeEvaluations(chunks, false);
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_FOREIGNKEY") throw error;
      this.writeEvaluations(chunks, true);
    }
  }

  private writeEvaluations(chunks: PendingChunk[], guarded: boolean): void {
    const { upsertEvaluation, upsertEvaluationIfRuleExists } = this.statements;
    let taken = 0;
    try {
      this.db.$client.transaction(() => {
        for (const chunk of chunks) {
          const records = chunk.records;
          const last = records[records.length - 1]!;
          // The newest evaluation in the columns (the rule's latest value and error are read from there).
          const samples = records.length === 1 ? null : JSON.stringify(records.map((record): Sample => [record.atMs, record.value, record.state, record.outcome, record.error]));
          const sequences = this.sequencesOf(chunk.ruleId);
          const sequence = ++sequences.evaluation;
          taken++;
          const slot = sequence % evaluationRingRows(chunk.intervalSecs);
          if (guarded) upsertEvaluationIfRuleExists.run(chunk.ruleId, slot, sequence, last.atMs, last.value, last.state, last.outcome, last.error, samples, chunk.ruleId);
          else upsertEvaluation.run(chunk.ruleId, slot, sequence, last.atMs, last.value, last.state, last.outcome, last.error, samples);
        }
      }).immediate();
    } catch (error) {
      // Rolled back: give back the ring positions the batch took.
      for (let index = 0; index < taken; index++) {
        const sequences = this.sequences.get(chunks[index]!.ruleId);
        if (sequences) sequences.evaluation--;
      }
      throw error;
    }
  }

  commitTransition(commit: TransitionCommit): void {
    const { rule } = commit;
    const { upsertTransition, upsertStatusAfterTransition, insertOutbox } = this.statements;
    this.db.$client.transaction(() => {
      const sequences = this.sequencesOf(rule.id);
      const sequence = sequences.transition + 1;
      upsertTransition.run(rule.id, sequence % TRANSITION_RING_SIZE, sequence, commit.atMs, commit.previousState, commit.newState, commit.value, commit.action, commit.message);
      // A notify or re-notify restarts the repeat interval; a resolve clears it. A re-notify keeps the time the
      // state was entered (state_changed_at is only written on a real change).
      const lastNotifiedAt = commit.action === "resolve" ? null : commit.atMs;
      upsertStatusAfterTransition.run(rule.id, commit.newState, commit.value, lastNotifiedAt, commit.previousState === commit.newState ? null : commit.atMs);
      if (commit.event) insertOutbox.run(commit.event.eventId, "alert.state-changed", JSON.stringify(commit.event), commit.atMs, commit.atMs);
      sequences.transition = sequence;
    }).immediate();
  }

  private sequencesOf(ruleId: string): Sequences {
    let sequences = this.sequences.get(ruleId);
    if (!sequences) {
      const row = this.statements.readSequences.get({ id: ruleId }) as Sequences | undefined;
      sequences = { evaluation: row?.evaluation ?? 0, transition: row?.transition ?? 0 };
      this.sequences.set(ruleId, sequences);
    }
    return sequences;
  }

  // ---- OutboxStore --------------------------------------------------------------------------------------

  duePending(nowMs: number, limit: number): OutboxItem[] {
    return this.db
      .select({ id: alertOutbox.id, eventId: alertOutbox.eventId, topic: alertOutbox.topic, payload: alertOutbox.payload, attempts: alertOutbox.attempts })
      .from(alertOutbox)
      .where(and(sql`${alertOutbox.publishedAt} IS NULL`, sql`${alertOutbox.nextAttemptAt} <= ${nowMs}`))
      .orderBy(asc(alertOutbox.id))
      .limit(limit)
      .all();
  }

  markPublished(id: number, atMs: number): void {
    this.db.update(alertOutbox).set({ publishedAt: atMs, lastError: null }).where(eq(alertOutbox.id, id)).run();
    // Published rows are kept a day for inspection, then dropped so the table stays small.
    if (++this.publishedSincePrune >= 1000) {
      this.publishedSincePrune = 0;
      this.db.delete(alertOutbox).where(sql`${alertOutbox.publishedAt} IS NOT NULL AND ${alertOutbox.publishedAt} < ${atMs - 86_400_000}`).run();
    }
  }

  markFailed(id: number, attempts: number, nextAttemptAtMs: number, error: string): void {
    this.db.update(alertOutbox).set({ attempts, nextAttemptAt: nextAttemptAtMs, lastError: error.slice(0, 1000) }).where(eq(alertOutbox.id, id)).run();
  }

  /** Events not yet published (console and tests). */
  pendingOutboxCount(): number {
    return this.db.select({ n: count() }).from(alertOutbox).where(sql`${alertOutbox.publishedAt} IS NULL`).get()?.n ?? 0;
  }

  // ---- RuleStore ----------------------------------------------------------------------------------------

  createRule(input: ValidRuleInput, origin: AlertRule["origin"], actor: Actor): RuleView {
    const id = createId("rule");
    const now = new Date(this.clock.now());
    this.db.transaction(
      (tx) => {
        tx.insert(alertRule).values({ id, origin, ...ruleColumns(input), createdAt: now, updatedAt: now }).run();
        tx.insert(alertStatus).values({ ruleId: id, state: "PASS" }).run();
        createAuditRecorder(tx, this.clock).record({ actor, action: "alerts.rule.create", target: id, details: { name: input.name, origin, sourceKind: input.sourceKind, query: input.query } });
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
        tx.update(alertRule).set({ ...ruleColumns(input), updatedAt }).where(eq(alertRule.id, id)).run();
        if (input.intervalSecs < before.intervalSecs) this.shrinkRing(id, evaluationRingRows(input.intervalSecs));
        createAuditRecorder(tx, this.clock).record({ actor, action: "alerts.rule.update", target: id, details: { before: ruleColumns({ ...before, subscriberUserIds: before.subscriberUserIds }), after: ruleColumns(input) } });
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
        createAuditRecorder(tx, this.clock).record({ actor, action: "alerts.rule.delete", target: id, details: { name: row.name } });
        deleted = true;
      },
      { behavior: "immediate" },
    );
    this.sequences.delete(id);
    this.pending.delete(id); // its buffered evaluations have no rule to belong to
    return deleted;
  }

  getRule(id: string): RuleView | null {
    const row = this.viewQuery().where(eq(alertRule.id, id)).get();
    return row ? toView(row) : null;
  }

  findRuleByName(name: string): RuleView | null {
    const row = this.viewQuery().where(eq(alertRule.name, name)).get();
    return row ? toView(row) : null;
  }

  private viewQuery() {
    return this.db.select({ rule: alertRule, status: alertStatus, latest: latestEvaluation }).from(alertRule).leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id));
  }

  listRules(query: RuleListQuery): RuleListPage {
    const search = query.search?.trim();
    const searchFilter = search ? like(alertRule.name, `%${search.replace(/[%_\\]/g, (match) => `\\${match}`)}%`) : undefined;
    const stateExpression = sql<AlertState>`coalesce(${alertStatus.state}, 'PASS')`;
    const where = and(searchFilter, query.state ? sql`${stateExpression} = ${query.state}` : undefined);
    const total = this.db.select({ n: count() }).from(alertRule).leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id)).where(where).get()?.n ?? 0;
    const rows = this.viewQuery()
      .where(where)
      // Worst first, so that what needs attention is on page one.
      .orderBy(sql`CASE ${stateExpression} WHEN 'CRITICAL' THEN 0 WHEN 'WARN' THEN 1 ELSE 2 END`, asc(alertRule.name))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .all();
    const countRows = this.db.select({ state: stateExpression, n: count() }).from(alertRule).leftJoin(alertStatus, eq(alertStatus.ruleId, alertRule.id)).where(searchFilter).groupBy(stateExpression).all();
    const counts: Record<AlertState, number> = { PASS: 0, WARN: 0, CRITICAL: 0 };
    for (const row of countRows) counts[row.state] = row.n;
    return { items: rows.map(toView), total, page: query.page, pageSize: query.pageSize, counts };
  }

  history(ruleId: string): { evaluations: EvaluationPoint[]; transitions: TransitionPoint[] } {
    const rows = this.db
      .select({ atMs: alertEvaluation.at, value: alertEvaluation.value, state: alertEvaluation.state, outcome: alertEvaluation.outcome, error: alertEvaluation.error, samples: alertEvaluation.samples })
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
      for (const [atMs, value, state, outcome, error] of JSON.parse(samples) as Sample[]) all.push({ atMs, value, state, outcome, error });
    }
    const evaluations = all.length > EVALUATION_RING_SIZE ? all.slice(all.length - EVALUATION_RING_SIZE) : all;
    const transitions = this.db
      .select({ atMs: alertTransition.at, previousState: alertTransition.previousState, newState: alertTransition.newState, value: alertTransition.value, action: alertTransition.action, message: alertTransition.message })
      .from(alertTransition)
      .where(eq(alertTransition.ruleId, ruleId))
      .orderBy(desc(alertTransition.sequence))
      .all();
    return { evaluations, transitions };
  }

  importServerRules(inputs: ValidRuleInput[], actor: Actor): ImportSummary {
    const summary: ImportSummary = { created: [], updated: [], skipped: [] };
    for (const input of inputs) {
      const existing = this.findRuleByName(input.name);
      if (!existing) {
        this.createRule(input, "alerts-server", actor);
        summary.created.push(input.name);
      } else if (existing.origin !== "alerts-server") {
        summary.skipped.push({ name: input.name, reason: `a console rule is already named "${input.name}"; rename one of them` });
      } else {
        // The server owns the definition; the console owns the service binding, subscribers and on/off switch.
        const merged = { ...input, serviceId: existing.serviceId, subscriberUserIds: existing.subscriberUserIds, enabled: existing.enabled };
        if (JSON.stringify(ruleColumns(existing)) !== JSON.stringify(ruleColumns(merged))) {
          this.updateRule(existing.id, merged, actor);
          summary.updated.push(input.name);
        }
      }
    }
    return summary;
  }

  recordDeadLetter(source: string, reason: string, raw: string): void {
    this.db.insert(alertDeadLetter).values({ at: this.clock.now(), source, reason, raw: raw.slice(0, 100_000) }).run();
  }

  deadLetters(limit = 50) {
    return this.db.select().from(alertDeadLetter).orderBy(desc(alertDeadLetter.id)).limit(limit).all();
  }
}
