/**
 * Tables of the digest engine (server/digests): the latest report per user and alarm (CLEARED kept as a
 * tombstone) with what the user was last sent, the digests (outbox and history in one), and dead letters.
 */
import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { epochMsColumn } from "./columns";

export const digestAlarmState = sqliteTable(
  "digest_alarm_state",
  {
    userId: text("user_id").notNull(),
    alarmId: text("alarm_id").notNull(),
    /** CLEARED | WARNING | CRITICAL; CLEARED rows stay so that a late, older report is rejected. */
    status: text("status", { enum: ["CLEARED", "WARNING", "CRITICAL"] }).notNull(),
    /** The producer's RFC 3339 string, echoed back as LatestChangedAt. */
    changedAt: text("changed_at").notNull(),
    /** Exact nanoseconds since the epoch as a fixed-width decimal that sorts as text (see alarm-time.ts). */
    changedAtKey: text("changed_at_key").notNull(),
    /** Status last sent to the user in a digest, if any. */
    sentStatus: text("sent_status", { enum: ["CLEARED", "WARNING", "CRITICAL"] }),
    /** Sort key of the ChangedAt last sent, if any. */
    sentChangedAtKey: text("sent_changed_at_key"),
    updatedAt: epochMsColumn("updated_at").notNull(),
  },
  // The primary key serves every read (they are per user); a second index would slow the hot write path.
  (table) => [primaryKey({ columns: [table.userId, table.alarmId] })],
);

export const digestRecord = sqliteTable(
  "digest_record",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** The request's key (NATS stream sequence, or a console id): a redelivered request reuses its digest. */
    requestKey: text("request_key").notNull(),
    /** `SendAlarmDigest`, or the e-mail of the console user who pressed "Send digest now". */
    requestedBy: text("requested_by").notNull(),
    createdAt: epochMsColumn("created_at").notNull(),
    alarmCount: integer("alarm_count").notNull(),
    /** JSON array of {alarmId, status, changedAt, changedAtKey}: exactly what was sent. */
    alarms: text("alarms", { mode: "json" })
      .$type<{ alarmId: string; status: string; changedAt: string; changedAtKey: string }[]>()
      .notNull(),
    /** Null until the AlarmDigest was handed to the broker. */
    publishedAt: epochMsColumn("published_at"),
  },
  (table) => [
    uniqueIndex("digest_record_request_key_idx").on(table.requestKey),
    index("digest_record_user_id_created_at_idx").on(table.userId, table.createdAt),
  ],
);

export const digestDeadLetter = sqliteTable(
  "digest_dead_letter",
  {
    id: text("id").primaryKey(),
    /** The message's stable key (stream sequence): a redelivered bad message is recorded once. */
    messageKey: text("message_key").notNull(),
    subject: text("subject").notNull(),
    reason: text("reason").notNull(),
    rawBody: text("raw_body").notNull(),
    receivedAt: epochMsColumn("received_at").notNull(),
  },
  (table) => [
    uniqueIndex("digest_dead_letter_message_key_idx").on(table.messageKey),
    index("digest_dead_letter_received_at_idx").on(table.receivedAt),
  ],
);
