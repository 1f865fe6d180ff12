/** The database's state for the health check: reachable, in WAL mode, and how long a trivial query took. */
import { sql } from "drizzle-orm";
import type { DatabaseHealth } from "@/server/core/platform";
import type { AppDatabase } from "./client";

export function checkDatabase(db: AppDatabase): DatabaseHealth {
  const startedAt = performance.now();
  try {
    const journal = db.get<{ journal_mode: string }>(sql`PRAGMA journal_mode`);
    db.get(sql`SELECT 1`);
    return {
      state: "ok",
      journalMode: journal?.journal_mode ?? "unknown",
      latencyMs: Math.round((performance.now() - startedAt) * 100) / 100,
    };
  } catch (error) {
    return { state: "unavailable", error: error instanceof Error ? error.message : String(error) };
  }
}
