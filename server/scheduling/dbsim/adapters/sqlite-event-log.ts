/**
 * A durable event log for the dbsim server: one SQLite file (better-sqlite3, WAL) of its own, apart from the
 * console's database. A server restarted on the same file keeps its log id and sequence numbers, so a capture
 * client resumes across a server crash as it does across its own; deleting the file is "losing the state", and
 * the next start gets a new log id.
 */
import BetterSqlite3 from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { eventTick, type DbsimEvent, type EventLog, type EventPage, type NewDbsimEvent } from "../event-log";

export class SqliteEventLog implements EventLog {
  readonly logId: string;
  private readonly database: BetterSqlite3.Database;
  private nextSeq: number;
  private appendsSincePrune = 0;
  private readonly insert: BetterSqlite3.Statement<[number, number | null, string]>;
  private readonly select: BetterSqlite3.Statement<[number, number], { body: string }>;

  constructor(
    filePath: string,
    private readonly maxEvents = 2_000_000,
  ) {
    mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
    this.database = new BetterSqlite3(filePath);
    this.database.pragma("journal_mode = WAL");
    this.database.pragma("synchronous = NORMAL");
    this.database.exec(
      "CREATE TABLE IF NOT EXISTS dbsim_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS dbsim_event (seq INTEGER PRIMARY KEY, tick INTEGER, body TEXT NOT NULL);",
    );
    this.database.prepare("INSERT OR IGNORE INTO dbsim_meta (key, value) VALUES ('log_id', ?)").run(randomUUID());
    this.logId = (
      this.database.prepare("SELECT value FROM dbsim_meta WHERE key = 'log_id'").get() as { value: string }
    ).value;
    const last = this.database.prepare("SELECT MAX(seq) AS seq FROM dbsim_event").get() as { seq: number | null };
    this.nextSeq = (last.seq ?? 0) + 1;
    this.insert = this.database.prepare("INSERT INTO dbsim_event (seq, tick, body) VALUES (?, ?, ?)");
    this.select = this.database.prepare("SELECT body FROM dbsim_event WHERE seq > ? ORDER BY seq LIMIT ?");
  }

  append(events: readonly NewDbsimEvent[]): DbsimEvent[] {
    const stored = events.map((event) => ({ ...event, seq: this.nextSeq++ }) as DbsimEvent);
    this.database.transaction(() => {
      for (const event of stored) this.insert.run(event.seq, eventTick(event), JSON.stringify(event));
    })();
    if (++this.appendsSincePrune >= 1000) {
      this.appendsSincePrune = 0;
      this.database.prepare("DELETE FROM dbsim_event WHERE seq <= ?").run(this.nextSeq - 1 - this.maxEvents);
    }
    return stored;
  }

  read(after: number, limit: number): EventPage {
    const lastSeq = this.nextSeq - 1;
    const first = this.database.prepare("SELECT MIN(seq) AS seq FROM dbsim_event").get() as { seq: number | null };
    const firstSeq = first.seq ?? lastSeq + 1;
    const events = this.select.all(after, limit).map((row) => JSON.parse(row.body) as DbsimEvent);
    return { logId: this.logId, firstSeq, lastSeq, truncated: after + 1 < firstSeq, events };
  }

  lastTick(): number | null {
    const row = this.database.prepare("SELECT MAX(tick) AS tick FROM dbsim_event").get() as { tick: number | null };
    return row.tick;
  }

  close(): void {
    if (this.database.open) this.database.close();
  }
}
