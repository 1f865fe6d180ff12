/**
 * The layout of the evaluation and transition rings in SQLite (alert_evaluation, alert_transition): how many
 * rows a rule keeps, how evaluations are chunked into one row, and when buffered chunks are written. Shared by
 * the engine's store that writes the rings, the rule store that shrinks a ring when an edit shortens the
 * interval, and the queries that read them back.
 */
import type { AlertState } from "../rule";
import type { EvaluationRecord } from "../ports";

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
  return Math.max(
    1,
    Math.min(
      EVALUATION_CHUNK_RING_SIZE,
      Math.ceil((HISTORY_RETENTION_INTERVALS * intervalSecs * 1000) / HISTORY_WRITE_EVERY_MS),
    ),
  );
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
/** Transitions and re-notifications kept per rule. */
export const TRANSITION_RING_SIZE = 200;

/** One evaluation inside a chunk row's `samples` JSON (oldest first). */
export type Sample = [
  atMs: number,
  value: number | null,
  state: AlertState,
  outcome: EvaluationRecord["outcome"],
  error: string | null,
];
