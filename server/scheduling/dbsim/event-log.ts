/**
 * The database server's sequenced event log (our fix for Part 1): every queued execution, every executed one
 * and every closed 1-second resources window gets the next sequence number. Clients read it by sequence
 * (`GET /events?after=<seq>`), so a client that was killed or cut off resumes from its persisted cursor and
 * misses nothing, unlike the original's listener channels that drop events when a buffer is full.
 *
 * `logId` names one log: a server that loses its log (fresh start, no file) starts a new id, which tells the
 * client that sequence numbers begin again.
 */
import type { ResourceStatistics } from "./simulation";

export type QueuedEvent = {
  seq: number;
  type: "queued";
  executionId: string;
  templateId: string;
  tick: number;
  /** Unix ms of the tick in which it was queued (the original truncated this to whole seconds). */
  at: number;
};

export type ExecutedEvent = {
  seq: number;
  type: "executed";
  executionId: string;
  templateId: string;
  queuedTick: number;
  queuedAt: number;
  executedTick: number;
  executedAt: number;
  totalDelayTicks: number;
  addedDelayTicks: number;
};

export type ResourcesEvent = {
  seq: number;
  type: "resources";
  windowIndex: number;
  firstTick: number;
  lastTick: number;
  at: number;
  cpu: ResourceStatistics;
  io: ResourceStatistics;
  memory: ResourceStatistics;
};

/** Written by the server when it starts on an existing log: queued executions before it never ran. */
export type RestartedEvent = { seq: number; type: "restarted"; at: number; previousTick: number | null };

export type DbsimEvent = QueuedEvent | ExecutedEvent | ResourcesEvent | RestartedEvent;
export type NewDbsimEvent = DbsimEvent extends infer Event
  ? Event extends DbsimEvent
    ? Omit<Event, "seq">
    : never
  : never;

export type EventPage = {
  logId: string;
  /** Lowest sequence number still held (retention), or lastSeq + 1 when empty. */
  firstSeq: number;
  /** Highest sequence number written so far (0 before the first event). */
  lastSeq: number;
  /** True when events after `after` were already dropped by retention: the reader has a gap. */
  truncated: boolean;
  events: DbsimEvent[];
};

export interface EventLog {
  readonly logId: string;
  /** Appends events in order and returns them with their sequence numbers. */
  append(events: readonly NewDbsimEvent[]): DbsimEvent[];
  /** Up to `limit` events with seq > after, in sequence order. */
  read(after: number, limit: number): EventPage;
  /** The last tick recorded, to continue tick numbering after a restart on a kept log. */
  lastTick(): number | null;
  close(): void;
}

/** An in-memory log bounded by `maxEvents` (oldest dropped first): the default when no file is given. */
export class MemoryEventLog implements EventLog {
  private events: DbsimEvent[] = [];
  private nextSeq = 1;
  private latestTick: number | null = null;

  constructor(
    readonly logId: string,
    private readonly maxEvents = 500_000,
  ) {}

  append(events: readonly NewDbsimEvent[]): DbsimEvent[] {
    const stored = events.map((event) => ({ ...event, seq: this.nextSeq++ }) as DbsimEvent);
    for (const event of stored) {
      this.events.push(event);
      const tick = eventTick(event);
      if (tick !== null) this.latestTick = tick;
    }
    // Trim in chunks so that appends stay O(1) amortised.
    if (this.events.length > this.maxEvents * 1.1) this.events = this.events.slice(this.events.length - this.maxEvents);
    return stored;
  }

  read(after: number, limit: number): EventPage {
    const lastSeq = this.nextSeq - 1;
    const firstSeq = this.events[0]?.seq ?? lastSeq + 1;
    const startSeq = Math.max(after + 1, firstSeq);
    const startIndex = startSeq - firstSeq;
    return {
      logId: this.logId,
      firstSeq,
      lastSeq,
      truncated: after + 1 < firstSeq,
      events: this.events.slice(startIndex, startIndex + limit),
    };
  }

  lastTick(): number | null {
    return this.latestTick;
  }

  close(): void {}
}

export function eventTick(event: DbsimEvent): number | null {
  switch (event.type) {
    case "queued":
      return event.tick;
    case "executed":
      return event.executedTick;
    case "resources":
      return event.lastTick;
    case "restarted":
      return null;
  }
}
