/** A fresh, migrated database in a temporary file, for integration tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type AppDatabase } from "./client";

export type TestDatabase = { db: AppDatabase; filePath: string; close: () => void };

export function createTestDatabase(): TestDatabase {
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-test-"));
  const filePath = path.join(directory, "test.db");
  const db = openDatabase(filePath);
  return {
    db,
    filePath,
    close: () => {
      db.$client.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
