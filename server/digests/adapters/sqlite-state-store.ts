/**
 * The digest state in SQLite (the default). Each batch of changes is one immediate transaction (prepared
 * statements on the hot path), so a message is acknowledged only after its change committed, and several
 * processes sharing the file serialize on SQLite's write lock instead of losing updates. The digest, its sent
 * markers and its audit record commit together. It is also the console's read model (the users page is one
 * statement).
 */
import { and, count, desc, eq, ne } from "drizzle-orm";
import type { AuditEntry } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { AppDatabase } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import { digestAlarmState, digestRecord } from "@/db/schema/digests";
import { STATUS_RANK, type AlarmState, type AlarmStatus, type AlarmStatusChange } from "../alarm-state";
import { nanosToSortKey, sortKeyToNanos } from "../alarm-time";
import { withBusyRetry } from "./sqlite-busy";
import type {
  ApplyOutcome,
  DigestReadModel,
  DigestRecord,
  DigestRequest,
  DigestStateStore,
  PageRequest,
  PageResult,
  UserWithActiveAlarms,
} from "../ports";

type StateRow = {
  user_id: string;
  alarm_id: string;
  status: AlarmStatus;
  changed_at: string;
  changed_at_key: string;
  sent_status: AlarmStatus | null;
  sent_changed_at_key: string | null;
};

function rowToState(row: StateRow): AlarmState {
  return {
    userId: row.user_id,
    alarmId: row.alarm_id,
    status: row.status,
    changedAt: row.changed_at,
    changedAtNanos: sortKeyToNanos(row.changed_at_key),
    lastSent:
      row.sent_status && row.sent_changed_at_key
        ? { status: row.sent_status, changedAtNanos: sortKeyToNanos(row.sent_changed_at_key) }
        : null,
  };
}

function recordFromRow(row: typeof digestRecord.$inferSelect): DigestRecord {
  return {
    id: row.id,
    userId: row.userId,
    requestKey: row.requestKey,
    requestedBy: row.requestedBy,
    createdAtMs: row.createdAt,
    alarms: row.alarms.map((alarm) => ({
      alarmId: alarm.alarmId,
      status: alarm.status as AlarmStatus,
      changedAt: alarm.changedAt,
      changedAtNanos: sortKeyToNanos(alarm.changedAtKey),
    })),
    publishedAtMs: row.publishedAt,
  };
}

/** One row of the users page: the total, a user of the page, and one of its inline alarms (all null past the last user). */
type UsersPageRow = {
  total: number;
  user_id: string | null;
  active_count: number | null;
  critical_count: number | null;
  latest_changed_at: string | null;
  alarm_id: string | null;
  status: AlarmStatus | null;
  changed_at: string | null;
  changed_at_key: string | null;
  sent_status: AlarmStatus | null;
  sent_changed_at_key: string | null;
};

type DigestRecordRow = {
  id: string;
  user_id: string;
  request_key: string;
  requested_by: string;
  created_at: number;
  alarms: string;
  published_at: number | null;
};

type StoredDigestAlarm = { alarmId: string; status: string; changedAt: string; changedAtKey: string };

function recordFromRawRow(row: DigestRecordRow): DigestRecord {
  const alarms = JSON.parse(row.alarms) as StoredDigestAlarm[];
  return {
    id: row.id,
    userId: row.user_id,
    requestKey: row.request_key,
    requestedBy: row.requested_by,
    createdAtMs: row.created_at,
    alarms: alarms.map((alarm) => ({
      alarmId: alarm.alarmId,
      status: alarm.status as AlarmStatus,
      changedAt: alarm.changedAt,
      changedAtNanos: sortKeyToNanos(alarm.changedAtKey),
    })),
    publishedAtMs: row.published_at,
  };
}

/** selectDigestAlarms' order (instant, then alarm id in JavaScript's code-unit order), on the sort keys. */
function compareDigestRows(a: StoredDigestAlarm, b: StoredDigestAlarm): number {
  if (a.changedAtKey !== b.changedAtKey) return a.changedAtKey < b.changedAtKey ? -1 : 1;
  return a.alarmId < b.alarmId ? -1 : a.alarmId > b.alarmId ? 1 : 0;
}

export class SqliteDigestStateStore implements DigestStateStore, DigestReadModel {
  private readonly upsertState;
  private readonly applyBatch;
  private readonly selectUnsent;
  private readonly markActiveSent;
  private readonly selectRecordByRequest;
  private readonly insertRecord;
  private readonly markRecordPublished;
  private readonly prepareBatch;
  private readonly selectUsersPage;

  constructor(
    private readonly db: AppDatabase,
    private readonly clock: Clock,
  ) {
    const client = db.$client;
    // One statement per report: insert, or replace the stored report only if the new one supersedes it. The
    // WHERE clause is compareReports (alarm-state.ts) in SQL: sort keys compare like the nanoseconds, the
    // ranks come from STATUS_RANK, and the original strings are ASCII (the parser's pattern), so SQLite's
    // byte order equals JavaScript's. The sent marker columns are left as they are.
    const rank = (column: string) =>
      `(CASE ${column} ${Object.entries(STATUS_RANK)
        .map(([status, value]) => `WHEN '${status}' THEN ${value}`)
        .join(" ")} END)`;
    this.upsertState = client.prepare<[string, string, string, string, string, number]>(
      `INSERT INTO digest_alarm_state (user_id, alarm_id, status, changed_at, changed_at_key, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, alarm_id) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, changed_at_key = excluded.changed_at_key, updated_at = excluded.updated_at
       WHERE excluded.changed_at_key > digest_alarm_state.changed_at_key
          OR (excluded.changed_at_key = digest_alarm_state.changed_at_key AND ${rank("excluded.status")} > ${rank("digest_alarm_state.status")})
          OR (excluded.changed_at_key = digest_alarm_state.changed_at_key AND excluded.status = digest_alarm_state.status AND excluded.changed_at > digest_alarm_state.changed_at)`,
    );
    // The digest's selection in SQL: active, and not already sent unchanged (alreadySent in alarm-state.ts: a
    // NULL marker never matches, hence IS NOT), oldest first. The user's rows come from the primary key's
    // (user_id, …) prefix; the ORDER BY sorts only them (an index on the sort would tax every status write).
    // Raw rows (arrays) and only the four columns a digest carries: this is on the digest's latency path.
    this.selectUnsent = client
      .prepare<[string], [string, AlarmStatus, string, string]>(
        `SELECT alarm_id, status, changed_at, changed_at_key FROM digest_alarm_state
         WHERE user_id = ? AND status != 'CLEARED' AND (sent_status IS NOT status OR sent_changed_at_key IS NOT changed_at_key)
         ORDER BY changed_at_key, alarm_id`,
      )
      .raw(true);
    // The same rows, marked sent. Inside the digest's transaction it sees exactly the rows just selected, and a
    // stored report never moves backwards, so "the current report" is the marker nextSentMarker gives.
    this.markActiveSent = client.prepare<[string]>(
      "UPDATE digest_alarm_state SET sent_status = status, sent_changed_at_key = changed_at_key WHERE user_id = ? AND status != 'CLEARED' AND (sent_status IS NOT status OR sent_changed_at_key IS NOT changed_at_key)",
    );
    this.selectRecordByRequest = client.prepare<[string], DigestRecordRow>(
      "SELECT id, user_id, request_key, requested_by, created_at, alarms, published_at FROM digest_record WHERE request_key = ?",
    );
    this.insertRecord = client.prepare<[string, string, string, string, number, number, string]>(
      "INSERT INTO digest_record (id, user_id, request_key, requested_by, created_at, alarm_count, alarms, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
    );
    this.markRecordPublished = client.prepare<[number, string]>(
      "UPDATE digest_record SET published_at = ? WHERE id = ? AND published_at IS NULL",
    );
    // One transaction, built once. The audit entry (console requests only) goes through drizzle on the same
    // connection, so it is part of this same commit.
    this.prepareBatch = client.transaction(
      (
        request: DigestRequest,
        newId: () => string,
        audit: AuditEntry | undefined,
      ): { record: DigestRecord; reused: boolean } => {
        const existing = this.selectRecordByRequest.get(request.requestKey);
        if (existing) return { record: recordFromRawRow(existing), reused: true };
        const stored: StoredDigestAlarm[] = this.selectUnsent
          .all(request.userId)
          .map(([alarmId, status, changedAt, changedAtKey]) => ({ alarmId, status, changedAt, changedAtKey }));
        // SQLite orders ties by the alarm id's UTF-8 bytes, JavaScript by UTF-16 code units; they differ only for
        // characters beyond U+FFFF against U+E000–U+FFFF. Re-sorting already sorted rows is one linear pass.
        stored.sort(compareDigestRows);
        if (stored.length > 0) this.markActiveSent.run(request.userId);
        const alarms = stored.map((alarm) => ({
          alarmId: alarm.alarmId,
          status: alarm.status as AlarmStatus,
          changedAt: alarm.changedAt,
          changedAtNanos: sortKeyToNanos(alarm.changedAtKey),
        }));
        const record: DigestRecord = {
          id: newId(),
          userId: request.userId,
          requestKey: request.requestKey,
          requestedBy: request.requestedBy,
          createdAtMs: request.requestedAtMs,
          alarms,
          publishedAtMs: null,
        };
        this.insertRecord.run(
          record.id,
          record.userId,
          record.requestKey,
          record.requestedBy,
          record.createdAtMs,
          alarms.length,
          JSON.stringify(stored),
        );
        if (audit)
          createAuditRecorder(this.db, this.clock).record({
            ...audit,
            details: { ...audit.details, digestId: record.id, alarmCount: alarms.length },
          });
        return { record, reused: false };
      },
    );
    // The console's users page in one statement: the page of users (grouped on the primary key's user_id
    // prefix), then only their active rows numbered oldest first (listActiveAlarms' order) and the newest one's
    // ChangedAt (on each of their rows; `latest` takes it from the first, so that it is there with no inline
    // alarm asked), and the total of users. The rest is LEFT JOINed to the totals row, so that a page past the
    // last user still says how many there are. One row per inline alarm: every page user has at least one.
    this.selectUsersPage = client.prepare<[number, number, number], UsersPageRow>(
      `WITH page_users AS (
         SELECT user_id, count(*) AS active_count, sum(CASE WHEN status = 'CRITICAL' THEN 1 ELSE 0 END) AS critical_count
         FROM digest_alarm_state WHERE status != 'CLEARED'
         GROUP BY user_id ORDER BY user_id LIMIT ? OFFSET ?
       ),
       ranked AS (
         SELECT user_id, alarm_id, status, changed_at, changed_at_key, sent_status, sent_changed_at_key,
                row_number() OVER (PARTITION BY user_id ORDER BY changed_at_key, alarm_id) AS position,
                first_value(changed_at) OVER (PARTITION BY user_id ORDER BY changed_at_key DESC, alarm_id) AS latest_changed_at
         FROM digest_alarm_state WHERE status != 'CLEARED' AND user_id IN (SELECT user_id FROM page_users)
       )
       SELECT totals.total, page_users.user_id, page_users.active_count, page_users.critical_count, latest.latest_changed_at,
              inline.alarm_id, inline.status, inline.changed_at, inline.changed_at_key, inline.sent_status, inline.sent_changed_at_key
       FROM (SELECT count(DISTINCT user_id) AS total FROM digest_alarm_state WHERE status != 'CLEARED') AS totals
       LEFT JOIN page_users ON 1 = 1
       LEFT JOIN ranked AS latest ON latest.user_id = page_users.user_id AND latest.position = 1
       LEFT JOIN ranked AS inline ON inline.user_id = page_users.user_id AND inline.position <= ?
       ORDER BY page_users.user_id, inline.position`,
    );
    this.applyBatch = client.transaction((changes: readonly AlarmStatusChange[], nowMs: number): ApplyOutcome[] => {
      // Later reports of one alarm in the same batch see the earlier ones: same transaction.
      const outcomes = new Array<ApplyOutcome>(changes.length);
      for (let index = 0; index < changes.length; index++) {
        const change = changes[index]!;
        const key = change.changedAtKey ?? nanosToSortKey(change.changedAtNanos);
        outcomes[index] =
          this.upsertState.run(change.userId, change.alarmId, change.status, change.changedAt, key, nowMs).changes > 0
            ? "applied"
            : "ignored";
      }
      return outcomes;
    });
  }

  async applyChanges(changes: readonly AlarmStatusChange[]): Promise<ApplyOutcome[]> {
    return withBusyRetry(() => this.applyChangesNow(changes));
  }

  /** The same, synchronously (the demo seed runs in a synchronous bootstrap step). */
  applyChangesNow(changes: readonly AlarmStatusChange[]): ApplyOutcome[] {
    return this.applyBatch.immediate(changes, this.clock.now());
  }

  async prepareDigest(
    request: DigestRequest,
    newId: () => string,
    audit?: AuditEntry,
  ): Promise<{ record: DigestRecord; reused: boolean }> {
    return withBusyRetry(() => this.prepareDigestNow(request, newId, audit));
  }

  private prepareDigestNow(
    request: DigestRequest,
    newId: () => string,
    audit?: AuditEntry,
  ): { record: DigestRecord; reused: boolean } {
    return this.prepareBatch.immediate(request, newId, audit);
  }

  async markPublished(record: DigestRecord, atMs: number): Promise<void> {
    await withBusyRetry(() => this.markRecordPublished.run(atMs, record.id));
  }

  async listUsersWithActiveAlarms(page: PageRequest, inlineAlarms: number): Promise<PageResult<UserWithActiveAlarms>> {
    const rows = this.selectUsersPage.all(page.pageSize, (page.page - 1) * page.pageSize, inlineAlarms);
    const items: UserWithActiveAlarms[] = [];
    for (const row of rows) {
      if (row.user_id === null) continue; // the totals row of a page past the last user
      let user = items.at(-1);
      if (user?.userId !== row.user_id) {
        user = {
          userId: row.user_id,
          activeCount: row.active_count!,
          criticalCount: row.critical_count!,
          latestChangedAt: row.latest_changed_at,
          firstAlarms: [],
        };
        items.push(user);
      }
      if (row.alarm_id !== null) {
        user.firstAlarms.push(
          rowToState({
            user_id: row.user_id,
            alarm_id: row.alarm_id,
            status: row.status!,
            changed_at: row.changed_at!,
            changed_at_key: row.changed_at_key!,
            sent_status: row.sent_status,
            sent_changed_at_key: row.sent_changed_at_key,
          }),
        );
      }
    }
    return { items, total: rows[0]?.total ?? 0, ...page };
  }

  async listActiveAlarms(userId: string, page: PageRequest): Promise<PageResult<AlarmState>> {
    const where = and(eq(digestAlarmState.userId, userId), ne(digestAlarmState.status, "CLEARED"));
    const total = this.db.select({ value: count() }).from(digestAlarmState).where(where).get()?.value ?? 0;
    const rows = this.db
      .select()
      .from(digestAlarmState)
      .where(where)
      .orderBy(digestAlarmState.changedAtKey, digestAlarmState.alarmId)
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .all();
    const items = rows.map((row) =>
      rowToState({
        user_id: row.userId,
        alarm_id: row.alarmId,
        status: row.status,
        changed_at: row.changedAt,
        changed_at_key: row.changedAtKey,
        sent_status: row.sentStatus,
        sent_changed_at_key: row.sentChangedAtKey,
      }),
    );
    return { items, total, ...page };
  }

  async listDigests(filter: { userId?: string }, page: PageRequest): Promise<PageResult<DigestRecord>> {
    const where = filter.userId ? eq(digestRecord.userId, filter.userId) : undefined;
    const total = this.db.select({ value: count() }).from(digestRecord).where(where).get()?.value ?? 0;
    const rows = this.db
      .select()
      .from(digestRecord)
      .where(where)
      .orderBy(desc(digestRecord.createdAt), desc(digestRecord.id))
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .all();
    return { items: rows.map(recordFromRow), total, ...page };
  }
}
