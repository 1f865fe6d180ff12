/** Tables every area shares: the audit log, the process-wide settings and the engines' leases. */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { timestampColumn } from "./columns";

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: timestampColumn("at").notNull(),
    /** user | system */
    actorKind: text("actor_kind", { enum: ["user", "system"] }).notNull(),
    /** The user id, or the system component's name. */
    actorId: text("actor_id").notNull(),
    /** The e-mail of a user actor, kept so the log reads well after the user is gone. */
    actorLabel: text("actor_label").notNull(),
    /** `area.entity.verb`, e.g. `pager.incident.acknowledge`. */
    action: text("action").notNull(),
    target: text("target").notNull(),
    /** JSON object with what changed. */
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (table) => [index("audit_log_at_idx").on(table.at), index("audit_log_target_idx").on(table.target)],
);

export const setting = sqliteTable("setting", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: timestampColumn("updated_at").notNull(),
});

/**
 * Work that must run in one process at a time (server/core/lease.ts): one row per kind of work (`alerts-engine`,
 * `scheduler:<database server URL>`), held by one process, renewed every second; another process takes it over
 * only once it expired.
 */
export const engineLease = sqliteTable("engine_lease", {
  key: text("key").primaryKey(),
  /** The process holding it (`eng_…`, one per process start). */
  owner: text("owner").notNull(),
  acquiredAt: timestampColumn("acquired_at").notNull(),
  /** Wall time after which another process may take the lease over. */
  expiresAt: timestampColumn("expires_at").notNull(),
});
