/**
 * The database refusing to write or read for a reason outside the request (a read-only or full disk, a lock held
 * past the busy timeout, an I/O error, a damaged file): the caller should answer 503 and try later, not 500.
 * better-sqlite3 puts SQLite's result code on `code`; drizzle may wrap the driver's error as `cause`.
 */
const STORAGE_CODE = /^SQLITE_(READONLY|FULL|BUSY|LOCKED|IOERR|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

export type StorageError = { code: string; message: string };

/** The storage refusal inside `error` (itself or a cause up to five deep), or null when it is something else. */
export function storageErrorOf(error: unknown): StorageError | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && STORAGE_CODE.test(code))
      return { code, message: current instanceof Error ? current.message : String(current) };
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
