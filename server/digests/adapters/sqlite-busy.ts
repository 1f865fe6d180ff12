/**
 * Retries a synchronous SQLite write that found the database locked by another process. A digest worker opens
 * its connection with busy_timeout = 0 and comes here instead: SQLite's own busy handler sleeps 1, 2, 5, 10 ms…
 * between tries, which idles a worker for most of each wait; yielding to the event loop instead lets the next
 * batch grow while the other worker commits.
 */
const MAX_WAIT_MS = 10_000;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED";
}

export async function withBusyRetry<T>(write: () => T): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error) || Date.now() - started > MAX_WAIT_MS) throw error;
      await new Promise<void>((resolve) => (attempt < 3 ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
  }
}
