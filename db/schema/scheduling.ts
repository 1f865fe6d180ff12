/**
 * Tables of the scheduling engine (server/scheduling): the loss-free record of the simulated database's
 * executed queries and per-second resources (Part 1), the capture cursor, detected gaps, the templates with
 * their true and estimated costs, and dead letters from the event feed.
 */
import { sqliteTable, text, integer, real, index, primaryKey } from "drizzle-orm/sqlite-core";
import { timestampColumn } from "./columns";

/** One row per executed query, recorded exactly once (the execution id is the key). */
export const schedulingExecution = sqliteTable(
  "scheduling_execution",
  {
    /** The execution's UUID as the database server gave it (unique within its log: a seeded server that lost its log replays ids). */
    id: text("id").notNull(),
    templateId: text("template_id").notNull(),
    /** The dbsim event log the row came from (changes when the server loses its state). */
    logId: text("log_id").notNull(),
    /** Sequence number of the `executed` event in that log. */
    seq: integer("seq").notNull(),
    queuedTick: integer("queued_tick").notNull(),
    queuedAt: timestampColumn("queued_at").notNull(),
    executedTick: integer("executed_tick").notNull(),
    executedAt: timestampColumn("executed_at").notNull(),
    /** Ticks spent queued (executedTick - queuedTick); 1 with the default delay. */
    totalDelayTicks: integer("total_delay_ticks").notNull(),
    /** Sum of the delays requested through POST /delay (ticks, may be negative). */
    addedDelayTicks: integer("added_delay_ticks").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.logId, table.id] }),
    index("scheduling_execution_template_id_executed_at_idx").on(table.templateId, table.executedAt),
    index("scheduling_execution_executed_at_idx").on(table.executedAt),
    index("scheduling_execution_log_id_executed_tick_idx").on(table.logId, table.executedTick),
  ],
);

/** One row per closed 1-second metrics window of the simulated database. */
export const schedulingResourceSecond = sqliteTable(
  "scheduling_resource_second",
  {
    logId: text("log_id").notNull(),
    /** 0 for the log's first window. */
    windowIndex: integer("window_index").notNull(),
    at: timestampColumn("at").notNull(),
    firstTick: integer("first_tick").notNull(),
    lastTick: integer("last_tick").notNull(),
    cpuAverage: integer("cpu_average").notNull(),
    cpuMin: integer("cpu_min").notNull(),
    cpuMax: integer("cpu_max").notNull(),
    ioAverage: integer("io_average").notNull(),
    ioMin: integer("io_min").notNull(),
    ioMax: integer("io_max").notNull(),
    memoryAverage: integer("memory_average").notNull(),
    memoryMin: integer("memory_min").notNull(),
    memoryMax: integer("memory_max").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.logId, table.windowIndex] }),
    index("scheduling_resource_second_at_idx").on(table.at),
  ],
);

/** Where the capture client stands in the server's event log; committed with every page it stores. */
export const schedulingCaptureCursor = sqliteTable("scheduling_capture_cursor", {
  id: text("id").primaryKey(),
  logId: text("log_id").notNull(),
  /** The last sequence number stored (0 before the first event). */
  lastSeq: integer("last_seq").notNull(),
  /** How many times a new log (a server that lost its state) was detected. */
  logChanges: integer("log_changes").notNull().default(0),
  updatedAt: timestampColumn("updated_at").notNull(),
});

/** Events the capture could not get: a server restart that lost its log, or events past the log's retention. */
export const schedulingCaptureGap = sqliteTable(
  "scheduling_capture_gap",
  {
    id: text("id").primaryKey(),
    logId: text("log_id").notNull(),
    /** First and last missing sequence numbers; null when unknown (the old log is gone). */
    fromSeq: integer("from_seq"),
    toSeq: integer("to_seq"),
    reason: text("reason", { enum: ["server_log_replaced", "retention_exceeded"] }).notNull(),
    detectedAt: timestampColumn("detected_at").notNull(),
  },
  (table) => [index("scheduling_capture_gap_detected_at_idx").on(table.detectedAt)],
);

/** The templates the server announced, with their true costs and the scheduler's estimates. */
export const schedulingTemplate = sqliteTable(
  "scheduling_template",
  {
    id: text("id").primaryKey(),
    logId: text("log_id").notNull(),
    templateIndex: integer("template_index").notNull(),
    profile: text("profile", { enum: ["cpu", "io", "memory"] }).notNull(),
    trueCpu: integer("true_cpu").notNull(),
    trueMemory: integer("true_memory").notNull(),
    trueIo: integer("true_io").notNull(),
    /** Base probability per tick (before the load scalar). */
    probability: real("probability").notNull(),
    estimatedCpu: real("estimated_cpu"),
    estimatedMemory: real("estimated_memory"),
    estimatedIo: real("estimated_io"),
    estimatedAt: timestampColumn("estimated_at"),
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [index("scheduling_template_template_index_idx").on(table.templateIndex)],
);

/** Events from the dbsim feed that did not parse: kept with the reason and the raw payload. */
export const schedulingDeadLetter = sqliteTable(
  "scheduling_dead_letter",
  {
    id: text("id").primaryKey(),
    source: text("source").notNull(),
    reason: text("reason").notNull(),
    rawBody: text("raw_body").notNull(),
    receivedAt: timestampColumn("received_at").notNull(),
  },
  (table) => [index("scheduling_dead_letter_received_at_idx").on(table.receivedAt)],
);

/**
 * What each running scheduling engine last reported (every few seconds), so that any process — the web tier
 * included — shows the capture's and the scheduler's state without holding them itself.
 */
export const schedulingEngineStatus = sqliteTable(
  "scheduling_engine_status",
  {
    /** The engine process (`eng_…`). */
    owner: text("owner").primaryKey(),
    dbsimUrl: text("dbsim_url"),
    /** The capture client's status (JSON: state, cursor, lag, last error…). */
    capture: text("capture", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** The scheduler's status (JSON) while this engine runs it; null otherwise. */
    scheduler: text("scheduler", { mode: "json" }).$type<Record<string, unknown>>(),
    /** The estimator's status (JSON: fittedAt, windows, templates). */
    estimator: text("estimator", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Wall time of the report; a row older than a few seconds belongs to an engine that stopped or died. */
    updatedAt: timestampColumn("updated_at").notNull(),
  },
  (table) => [index("scheduling_engine_status_updated_at_idx").on(table.updatedAt)],
);
