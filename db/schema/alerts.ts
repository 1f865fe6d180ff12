/**
 * Tables of the alerts engine (server/alerts): rules, each alert's persisted state, bounded rings of its
 * evaluations and transitions, the outbox of `alert.state-changed` events, and dead letters (bad /alerts items).
 */
import { sqliteTable, text, integer, real, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { epochMsColumn, timestampColumn } from "./columns";

export const alertRule = sqliteTable(
  "alert_rule",
  {
    id: text("id").primaryKey(),
    /** Unique; the identifier the alerts-server API uses (`alertName`). */
    name: text("name").notNull(),
    /** console: made in the console; alerts-server: loaded from ALERTS_SERVER_URL's /alerts. */
    origin: text("origin", { enum: ["console", "alerts-server"] }).notNull(),
    sourceKind: text("source_kind", { enum: ["alerts-server", "dbsim", "simulated"] }).notNull(),
    query: text("query").notNull(),
    /** What the value is measured in (server/alerts/units.ts): "" (none), ms, s, %, count, bytes, /s. */
    unit: text("unit").notNull().default(""),
    /** Seconds between evaluations (may be fractional for console rules; at least 0.1). */
    intervalSecs: real("interval_secs").notNull(),
    /** Seconds before an unchanged WARN/CRITICAL is notified again. */
    repeatIntervalSecs: real("repeat_interval_secs").notNull(),
    /** Seconds a value must stay above warn before WARN/CRITICAL fires (Prometheus's `for`; 0: at once). */
    forSecs: real("for_secs").notNull().default(0),
    /** Seconds a value must stay in PASS before a firing alert resolves (Prometheus's `keep_firing_for`). */
    keepFiringForSecs: real("keep_firing_for_secs").notNull().default(0),
    warnValue: real("warn_value").notNull(),
    warnMessage: text("warn_message").notNull(),
    criticalValue: real("critical_value").notNull(),
    criticalMessage: text("critical_message").notNull(),
    /** A pager monitored service id (`svc_…`); no foreign key: engines meet on the bus only. */
    serviceId: text("service_id"),
    /** JSON array of user ids subscribed to the rule (their digests get its changes). */
    subscriberUserIds: text("subscriber_user_ids", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: timestampColumn("created_at").notNull(),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("alert_rule_name_idx").on(table.name),
    index("alert_rule_updated_at_idx").on(table.updatedAt),
  ],
);

export const alertStatus = sqliteTable("alert_status", {
  ruleId: text("rule_id")
    .primaryKey()
    .references(() => alertRule.id, { onDelete: "cascade" }),
  state: text("state", { enum: ["PASS", "WARN", "CRITICAL"] }).notNull(),
  /** The value at the last transition (the latest evaluated value is the newest row of alert_evaluation). */
  lastValue: real("last_value"),
  /** Time of the last successful notify (re-notify waits the repeat interval from here). */
  lastNotifiedAt: epochMsColumn("last_notified_at"),
  stateChangedAt: epochMsColumn("state_changed_at"),
  /** While a firing value waits out `for`: since when, and toward which state (the console shows PENDING). */
  pendingSince: epochMsColumn("pending_since"),
  pendingState: text("pending_state", { enum: ["WARN", "CRITICAL"] }),
  /** While a passing value waits out `keep firing for`: since when. */
  recoveringSince: epochMsColumn("recovering_since"),
});

/**
 * A ring of the latest evaluations per rule: (rule, slot) is overwritten (slot = sequence modulo the ring size),
 * so it never grows past the ring size. Only the primary key is indexed: this is the engine's hot write path.
 * A row is a chunk of consecutive evaluations of one rule (written together, a few seconds apart: one row
 * write per evaluation was most of the engine's CPU at 10,000 alerts per second). Its columns hold the newest
 * evaluation of the chunk; `samples` holds all of them when there is more than one.
 */
export const alertEvaluation = sqliteTable(
  "alert_evaluation",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => alertRule.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    sequence: integer("sequence").notNull(),
    at: epochMsColumn("at").notNull(),
    /** Null when the query failed. */
    value: real("value"),
    state: text("state", { enum: ["PASS", "WARN", "CRITICAL"] }).notNull(),
    /** ok | query-failed | notify-failed | resolve-failed */
    outcome: text("outcome").notNull(),
    error: text("error"),
    /** JSON [[at, value, state, outcome, error], …] oldest first, when the chunk holds more than one evaluation. */
    samples: text("samples"),
  },
  (table) => [primaryKey({ columns: [table.ruleId, table.slot] })],
);

/** A ring of the latest transitions and re-notifications per rule. */
export const alertTransition = sqliteTable(
  "alert_transition",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => alertRule.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    sequence: integer("sequence").notNull(),
    at: epochMsColumn("at").notNull(),
    previousState: text("previous_state", { enum: ["PASS", "WARN", "CRITICAL"] }).notNull(),
    newState: text("new_state", { enum: ["PASS", "WARN", "CRITICAL"] }).notNull(),
    value: real("value").notNull(),
    /** notify | renotify | resolve */
    action: text("action").notNull(),
    message: text("message").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.ruleId, table.slot] }),
    index("alert_transition_rule_id_at_idx").on(table.ruleId, table.at),
  ],
);

/** Events written with the transition that caused them, published after commit by the relay. */
export const alertOutbox = sqliteTable(
  "alert_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The event's idempotency key (consumers deduplicate on it). */
    eventId: text("event_id").notNull(),
    topic: text("topic").notNull(),
    payload: text("payload", { mode: "json" }).$type<unknown>().notNull(),
    createdAt: epochMsColumn("created_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: epochMsColumn("next_attempt_at").notNull(),
    publishedAt: epochMsColumn("published_at"),
    lastError: text("last_error"),
  },
  (table) => [
    uniqueIndex("alert_outbox_event_id_idx").on(table.eventId),
    index("alert_outbox_published_at_idx").on(table.publishedAt),
  ],
);

/** Inputs we could not use (a malformed /alerts item), kept with the reason and the raw body. */
export const alertDeadLetter = sqliteTable(
  "alert_dead_letter",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: epochMsColumn("at").notNull(),
    source: text("source").notNull(),
    reason: text("reason").notNull(),
    raw: text("raw").notNull(),
  },
  (table) => [index("alert_dead_letter_at_idx").on(table.at)],
);
