/**
 * Opens the SQLite database (better-sqlite3: WAL, busy_timeout, foreign keys), applies the committed
 * migrations, and caches the handle on globalThis: Next.js may load this module twice in one process.
 */
import BetterSqlite3 from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import path from "node:path";
import * as schema from "./schema";

export type AppDatabase = BetterSQLite3Database<typeof schema> & { $client: BetterSqlite3.Database };
/** The handle a synchronous `db.transaction(…)` callback receives. */
export type AppTransaction = Parameters<Parameters<AppDatabase["transaction"]>[0]>[0];
/** Either the database or a transaction: repositories accept both. */
export type AppExecutor = AppDatabase | AppTransaction;

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

export function openDatabase(filePath: string, options: { migrate?: boolean } = {}): AppDatabase {
  if (filePath !== ":memory:") mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const sqlite = new BetterSqlite3(filePath);
  // The busy timeout first: switching a new file to WAL takes a lock that a process starting alongside may hold.
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  const db = drizzle({ client: sqlite, schema }) as AppDatabase;
  if (options.migrate !== false) migrateAlongsideOthers(db);
  return db;
}

/**
 * Applies the migrations, also when other processes (the web console, its workers) start on the same new file at
 * the same moment. drizzle's migrator reads which migrations ran before it takes the write lock, so the later of
 * two starters can try to create what the first just created, or find its read snapshot stale when it asks to
 * write (SQLITE_BUSY_SNAPSHOT, which waits for nobody); either way it fails inside its own transaction (nothing
 * half-applied), and reading again finds everything applied.
 */
function migrateAlongsideOthers(db: AppDatabase, attempts = 10): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      // SQLite may roll a transaction back by itself (on SQLITE_BUSY, but also a full disk, an I/O error or no
      // memory); drizzle's own ROLLBACK then fails with "no transaction is active" and hides the first error.
      // Most likely a lost race, so it is retried; if it persists, the message says what else to check.
      const hidden = /no transaction is active/i.test(String(cause ?? error));
      const raced =
        hidden ||
        /already exists/i.test(String(cause ?? error)) ||
        /^SQLITE_BUSY/.test(cause?.code ?? (error as { code?: string }).code ?? "");
      if (db.$client.inTransaction) db.$client.exec("ROLLBACK");
      if (attempt >= attempts && hidden) {
        throw new Error(
          `Could not apply the database migrations to ${db.$client.name}: SQLite rolled the migration back ${attempts} times (busy, disk full, I/O error or out of memory). Check the free disk space and the permissions of that file, and that no other program holds a write lock on it.`,
          { cause: error },
        );
      }
      if (attempt >= attempts || !raced) throw error;
    }
  }
}

const globalForDatabase = globalThis as unknown as { watchpostDatabases?: Map<string, AppDatabase> };

/** The process's shared handle for `filePath`, opened and migrated on first use. */
export function getDatabase(filePath: string): AppDatabase {
  globalForDatabase.watchpostDatabases ??= new Map();
  const key = path.resolve(filePath);
  let db = globalForDatabase.watchpostDatabases.get(key);
  if (!db) {
    db = openDatabase(filePath);
    globalForDatabase.watchpostDatabases.set(key, db);
  }
  return db;
}

export function closeDatabases(): void {
  for (const db of globalForDatabase.watchpostDatabases?.values() ?? []) db.$client.close();
  globalForDatabase.watchpostDatabases?.clear();
}
