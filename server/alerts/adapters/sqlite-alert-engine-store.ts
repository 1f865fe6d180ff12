/**
 * SQLite (better-sqlite3 + drizzle) implementation of the engine's store (`AlertEngineStore`): the active rules
 * and their persisted states, the evaluation history rings, and transitions, which commit at once with their
 * status and outbox event in one transaction. The engine's hot path (evaluations) is buffered per rule and
 * written as one chunk row per rule every few seconds (HISTORY_WRITE_EVERY_MS), all due chunks in one transaction
 * with prepared statements: a row per evaluation touched a random page of the ring for every evaluation and was
 * most of the engine's CPU at 10,000 alerts/s. A transition writes its rule's buffered evaluations and its own in
 * its transaction, so that a reader never sees a state newer than the latest value. Ring layout:
 * evaluation-ring.ts.
 */
import { asc, eq } from "drizzle-orm";
import type { Statement } from "better-sqlite3";
import type { AppDatabase } from "@/db/client";
import { alertRule, alertStatus } from "@/db/schema";
import type { Clock } from "@/server/core/clock";
import type { AlertEngineStore, EvaluationRecord, PersistedStatus, TransitionCommit } from "../ports";
import type { Hold } from "../state-machine";
import type { AlertRule } from "../rule";
import {
  HISTORY_BATCH_EVERY_MS,
  HISTORY_WRITE_EVERY_MS,
  MAX_SAMPLES_PER_CHUNK,
  TRANSITION_RING_SIZE,
  evaluationRingRows,
  type Sample,
} from "./evaluation-ring";
import { toRule } from "./sqlite-alert-rows";

type PendingChunk = { ruleId: string; sinceMs: number; records: EvaluationRecord[]; intervalSecs: number | undefined };

type Sequences = { evaluation: number; transition: number };

export class SqliteAlertEngineStore implements AlertEngineStore {
  /** Buffered evaluations per rule, and the same chunks in the order they were opened (oldest first). */
  private readonly pending = new Map<string, PendingChunk>();
  private pendingOrder: PendingChunk[] = [];
  private pendingHead = 0;
  private readonly fullChunks: PendingChunk[] = [];
  private lastBatchMs = Number.NEGATIVE_INFINITY;
  private readonly sequences = new Map<string, Sequences>();
  private readonly statements: {
    upsertEvaluation: Statement;
    upsertEvaluationIfRuleExists: Statement;
    readSequences: Statement;
    upsertTransition: Statement;
    upsertStatusAfterTransition: Statement;
    updateHold: Statement;
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
        `INSERT INTO alert_status (rule_id, state, last_value, last_notified_at, state_changed_at, pending_since, pending_state, recovering_since)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rule_id) DO UPDATE SET state = excluded.state, last_value = excluded.last_value,
           last_notified_at = excluded.last_notified_at, state_changed_at = coalesce(excluded.state_changed_at, alert_status.state_changed_at),
           pending_since = excluded.pending_since, pending_state = excluded.pending_state, recovering_since = excluded.recovering_since`,
      ),
      // Only a rule that still exists (its status row is made with it): a hold never brings a deleted rule back.
      updateHold: client.prepare(
        `UPDATE alert_status SET pending_since = ?, pending_state = ?, recovering_since = ? WHERE rule_id = ?`,
      ),
      insertOutbox: client.prepare(
        `INSERT INTO alert_outbox (event_id, topic, payload, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (event_id) DO NOTHING`,
      ),
    };
  }

  listActiveRules(): AlertRule[] {
    return this.db
      .select()
      .from(alertRule)
      .where(eq(alertRule.enabled, true))
      .orderBy(asc(alertRule.createdAt))
      .all()
      .map(toRule);
  }

  rulesFingerprint(): string {
    const row = this.db.$client
      .prepare(`SELECT count(*) AS c, total(updated_at) AS s, max(updated_at) AS m FROM alert_rule WHERE enabled = 1`)
      .get() as { c: number; s: number; m: number | null };
    return `${row.c}:${row.s}:${row.m ?? 0}`;
  }

  loadStatuses(): Map<string, PersistedStatus> {
    const rows = this.db
      .select({
        ruleId: alertStatus.ruleId,
        state: alertStatus.state,
        lastValue: alertStatus.lastValue,
        lastNotifiedAt: alertStatus.lastNotifiedAt,
        pendingSince: alertStatus.pendingSince,
        pendingState: alertStatus.pendingState,
        recoveringSince: alertStatus.recoveringSince,
      })
      .from(alertStatus)
      .all();
    return new Map(
      rows.map((row) => [
        row.ruleId,
        {
          state: row.state,
          lastValue: row.lastValue,
          lastNotifiedAtMs: row.lastNotifiedAt,
          hold: {
            pendingSinceMs: row.pendingSince,
            pendingState: row.pendingSince === null ? null : row.pendingState,
            recoveringSinceMs: row.recoveringSince,
          },
        },
      ]),
    );
  }

  saveHold(ruleId: string, hold: Hold): void {
    this.statements.updateHold.run(hold.pendingSinceMs, hold.pendingState, hold.recoveringSinceMs, ruleId);
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
      this.db.$client
        .transaction(() => {
          for (const chunk of chunks) {
            const records = chunk.records;
            const last = records[records.length - 1]!;
            // The newest evaluation in the columns (the rule's latest value and error are read from there).
            const samples =
              records.length === 1
                ? null
                : JSON.stringify(
                    records.map((record): Sample => [
                      record.atMs,
                      record.value,
                      record.state,
                      record.outcome,
                      record.error,
                    ]),
                  );
            const sequences = this.sequencesOf(chunk.ruleId);
            const sequence = ++sequences.evaluation;
            taken++;
            const slot = sequence % evaluationRingRows(chunk.intervalSecs);
            if (guarded)
              upsertEvaluationIfRuleExists.run(
                chunk.ruleId,
                slot,
                sequence,
                last.atMs,
                last.value,
                last.state,
                last.outcome,
                last.error,
                samples,
                chunk.ruleId,
              );
            else
              upsertEvaluation.run(
                chunk.ruleId,
                slot,
                sequence,
                last.atMs,
                last.value,
                last.state,
                last.outcome,
                last.error,
                samples,
              );
          }
        })
        .immediate();
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
    const buffered = this.pending.get(rule.id);
    const chunk: PendingChunk = buffered
      ? { ...buffered, records: [...buffered.records, commit.evaluation] }
      : { ruleId: rule.id, sinceMs: commit.atMs, records: [commit.evaluation], intervalSecs: undefined };
    chunk.intervalSecs = commit.evaluation.intervalSecs ?? chunk.intervalSecs;
    try {
      this.commitWith(commit, chunk, buffered !== undefined);
    } catch (error) {
      // Rolled back: the buffered evaluations wait for the next write, and the ring positions are read again.
      if (buffered) this.pending.set(rule.id, buffered);
      this.sequences.delete(rule.id);
      throw error;
    }
  }

  private commitWith(commit: TransitionCommit, chunk: PendingChunk, buffered: boolean): void {
    const { rule } = commit;
    const { upsertTransition, upsertStatusAfterTransition, insertOutbox } = this.statements;
    this.db.$client
      .transaction(() => {
        // The history up to this evaluation first (a savepoint inside this transaction).
        this.writeEvaluations([chunk], false);
        if (buffered) this.pending.delete(rule.id);
        const sequences = this.sequencesOf(rule.id);
        const sequence = sequences.transition + 1;
        upsertTransition.run(
          rule.id,
          sequence % TRANSITION_RING_SIZE,
          sequence,
          commit.atMs,
          commit.previousState,
          commit.newState,
          commit.value,
          commit.action,
          commit.message,
        );
        // A notify or re-notify restarts the repeat interval; a resolve clears it. A re-notify keeps the time the
        // state was entered (state_changed_at is only written on a real change).
        const lastNotifiedAt = commit.action === "resolve" ? null : commit.atMs;
        upsertStatusAfterTransition.run(
          rule.id,
          commit.newState,
          commit.value,
          lastNotifiedAt,
          commit.previousState === commit.newState ? null : commit.atMs,
          commit.hold.pendingSinceMs,
          commit.hold.pendingState,
          commit.hold.recoveringSinceMs,
        );
        if (commit.event)
          insertOutbox.run(
            commit.event.eventId,
            "alert.state-changed",
            JSON.stringify(commit.event),
            commit.atMs,
            commit.atMs,
          );
        sequences.transition = sequence;
      })
      .immediate();
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

  /** A rule deleted in this process (through the rule store): its buffered evaluations have no rule to belong to. */
  forgetRule(ruleId: string): void {
    this.sequences.delete(ruleId);
    this.pending.delete(ruleId);
  }
}
