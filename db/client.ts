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
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  const db = drizzle({ client: sqlite, schema }) as AppDatabase;
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
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
