/**
 * Who did what. Every mutation records an `AuditEntry` through an `AuditRecorder` that writes inside the same
 * database transaction as the change itself (see db/audit.ts), so a change never exists without its record.
 */
import type { Role } from "./roles";

export type Actor = { kind: "user"; userId: string; email: string; role: Role } | { kind: "system"; name: string };

export type AuditEntry = {
  actor: Actor;
  /** `area.entity.verb`, like the tRPC procedure that caused it: `pager.incident.acknowledge`. */
  action: string;
  /** The id of the thing acted on: `inc_…`, `rule_…`, a user id. */
  target: string;
  details?: Record<string, unknown>;
};

export interface AuditRecorder {
  /** Synchronous: it runs inside a better-sqlite3 transaction. */
  record(entry: AuditEntry): void;
}

export function describeActor(actor: Actor): string {
  return actor.kind === "user" ? actor.email : `system:${actor.name}`;
}

export const systemActor = (name: string): Actor => ({ kind: "system", name });
