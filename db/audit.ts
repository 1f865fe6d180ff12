/** Writes audit entries with the executor it is given: pass the transaction so the record commits with the change. */
import type { AuditEntry, AuditRecorder } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import type { AppExecutor } from "./client";
import { auditLog } from "./schema";

export function createAuditRecorder(executor: AppExecutor, clock: Clock): AuditRecorder {
  return {
    record(entry: AuditEntry) {
      const { actor } = entry;
      executor
        .insert(auditLog)
        .values({
          at: new Date(clock.now()),
          actorKind: actor.kind,
          actorId: actor.kind === "user" ? actor.userId : actor.name,
          actorLabel: actor.kind === "user" ? actor.email : `system:${actor.name}`,
          action: entry.action,
          target: entry.target,
          details: entry.details ?? null,
        })
        .run();
    },
  };
}
