/** Dead-lettered digest messages in SQLite: reason and raw body, recorded once per message key. */
import { count, desc } from "drizzle-orm";
import { createId } from "@/server/core/ids";
import type { AppDatabase } from "@/db/client";
import { digestDeadLetter } from "@/db/schema/digests";
import { withBusyRetry } from "./sqlite-busy";
import type { DeadLetter, DeadLetterStore, PageRequest, PageResult } from "../ports";

export class SqliteDeadLetterStore implements DeadLetterStore {
  constructor(private readonly db: AppDatabase) {}

  async record(letter: Omit<DeadLetter, "id">): Promise<void> {
    await withBusyRetry(() =>
      this.db
        .insert(digestDeadLetter)
        .values({
          id: createId("dlq"),
          messageKey: letter.messageKey,
          subject: letter.subject,
          reason: letter.reason,
          rawBody: letter.rawBody,
          receivedAt: letter.receivedAtMs,
        })
        .onConflictDoNothing({ target: digestDeadLetter.messageKey })
        .run(),
    );
  }

  async list(page: PageRequest): Promise<PageResult<DeadLetter>> {
    const total = this.db.select({ value: count() }).from(digestDeadLetter).get()?.value ?? 0;
    const rows = this.db
      .select()
      .from(digestDeadLetter)
      .orderBy(desc(digestDeadLetter.receivedAt), desc(digestDeadLetter.id))
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .all();
    return {
      items: rows.map((row) => ({
        id: row.id,
        messageKey: row.messageKey,
        subject: row.subject,
        reason: row.reason,
        rawBody: row.rawBody,
        receivedAtMs: row.receivedAt,
      })),
      total,
      ...page,
    };
  }
}
