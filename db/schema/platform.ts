/** Tables every area shares: the audit log and the process-wide settings. */
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
