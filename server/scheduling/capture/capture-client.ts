/**
 * Part 1: the capture client. It reads the database server's sequenced event log page by page from its
 * persisted cursor and stores each page — executed queries, 1-second resources, the new cursor — in ONE
 * transaction (the store's job). So whenever it is killed, the database holds a page entirely or not at all, and
 * the next client starts exactly after the last stored event: nothing missed, nothing twice.
 *
 * A different log id than the cursor's means the server lost its state (fresh log): the client records the
 * gap, starts the new log from sequence 0 and fetches the templates again. Network errors back off (capped
 * exponential with jitter) and are retried forever; the log keeps what happened meanwhile.
 */
import { sleep, type Clock } from "@/server/core/clock";
import type { Logger } from "@/server/core/logger";
import type { RandomSource } from "@/server/core/random";
import type { DbsimEvent } from "../dbsim/event-log";
import type { EventFeed, FeedPage, FeedTemplate } from "./feed";

export type CaptureCursor = { logId: string; lastSeq: number; logChanges: number };

export interface CaptureStore {
  cursor(): CaptureCursor | undefined;
  /**
   * Atomically: stores the page's executed and resources events, dead-letters its bad events, records a gap
   * when the log dropped events before we read them, and moves the cursor to `lastSeq`.
   */
  storePage(input: { logId: string; previousSeq: number; lastSeq: number; page: FeedPage; at: number }): {
    executions: number;
    windows: number;
  };
  /** Atomically: records that the server's log changed (state lost) and resets the cursor to the new log. */
  switchLog(input: { logId: string; at: number }): void;
  saveTemplates(logId: string, templates: FeedTemplate[], at: number): void;
}

export type CaptureStatus = {
  state: "starting" | "connected" | "disconnected" | "stopped";
  logId: string | undefined;
  lastSeq: number;
  /** Events the server has that we have not stored yet. */
  lag: number;
  lastSuccessAt: number | undefined;
  lastError: string | undefined;
  consecutiveFailures: number;
  logChanges: number;
};

export type CaptureClientOptions = {
  feed: EventFeed;
  store: CaptureStore;
  clock: Clock;
  random: RandomSource;
  logger?: Logger;
  pageSize?: number;
  /** Wait between reads once caught up. */
  pollIntervalMs?: number;
  maxBackoffMs?: number;
  /** Called after a page is committed, with its events (feeds the estimator and the live metrics). */
  onStored?: (logId: string, events: readonly DbsimEvent[]) => void;
};

export class CaptureClient {
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private templatesLoadedFor: string | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private statusValue: CaptureStatus = {
    state: "starting",
    logId: undefined,
    lastSeq: 0,
    lag: 0,
    lastSuccessAt: undefined,
    lastError: undefined,
    consecutiveFailures: 0,
    logChanges: 0,
  };

  constructor(private readonly options: CaptureClientOptions) {
    this.pageSize = options.pageSize ?? 2000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  status(): CaptureStatus {
    return { ...this.statusValue };
  }

  /**
   * One step: reads the page after the cursor and stores it. Returns whether more is waiting. Throws on a
   * feed error (the loop backs off; tests see it).
   */
  async step(signal?: AbortSignal): Promise<{ stored: number; more: boolean }> {
    const { feed, store, clock } = this.options;
    let cursor = store.cursor();
    let page = await feed.read(cursor?.lastSeq ?? 0, this.pageSize, signal);
    if (!cursor || cursor.logId !== page.logId) {
      store.switchLog({ logId: page.logId, at: clock.now() });
      if (cursor)
        this.options.logger?.warn(
          { previousLogId: cursor.logId, logId: page.logId },
          "the database server's event log changed: it lost its state; starting the new log from the beginning",
        );
      const stale = cursor !== undefined && cursor.lastSeq !== 0;
      cursor = store.cursor()!;
      // The page was read after the old log's cursor: read the new log from its start.
      if (stale) page = await feed.read(0, this.pageSize, signal);
      if (page.logId !== cursor.logId) return { stored: 0, more: true };
    }
    if (this.templatesLoadedFor !== page.logId) {
      store.saveTemplates(page.logId, await feed.templates(signal), clock.now());
      this.templatesLoadedFor = page.logId;
    }
    signal?.throwIfAborted();
    const lastEventSeq = Math.max(page.events.at(-1)?.seq ?? 0, ...page.badEvents.map((bad) => bad.seq ?? 0));
    const lastSeq = Math.max(cursor.lastSeq, lastEventSeq, page.truncated ? page.firstSeq - 1 : 0);
    const result = store.storePage({ logId: page.logId, previousSeq: cursor.lastSeq, lastSeq, page, at: clock.now() });
    const fresh = page.events.filter((event) => event.seq > cursor.lastSeq);
    if (fresh.length > 0 && result.executions + result.windows > 0) this.options.onStored?.(page.logId, fresh);
    this.statusValue = {
      ...this.statusValue,
      state: "connected",
      logId: page.logId,
      lastSeq,
      lag: Math.max(0, page.lastSeq - lastSeq),
      lastSuccessAt: clock.now(),
      lastError: undefined,
      consecutiveFailures: 0,
      logChanges: store.cursor()?.logChanges ?? 0,
    };
    return { stored: result.executions + result.windows, more: page.lastSeq > lastSeq };
  }

  /** Runs until `stop()`. */
  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          const { more } = await this.step(signal);
          if (!more) await sleep(this.options.clock, this.pollIntervalMs, signal);
        } catch (error) {
          if (signal.aborted) break;
          const failures = this.statusValue.consecutiveFailures + 1;
          this.statusValue = {
            ...this.statusValue,
            state: "disconnected",
            lastError: describe(error),
            consecutiveFailures: failures,
          };
          if (failures === 1 || failures % 20 === 0)
            this.options.logger?.warn(
              { err: error, failures },
              "capture: reading the database server's events failed; retrying",
            );
          const ceiling = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** Math.min(failures, 10));
          await sleep(this.options.clock, ceiling / 2 + (this.options.random.next() * ceiling) / 2, signal).catch(
            () => undefined,
          );
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort?.abort(new Error("capture stopped"));
    await this.loop;
    this.loop = undefined;
    this.statusValue = { ...this.statusValue, state: "stopped" };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return String(error);
}
