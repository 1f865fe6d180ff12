/**
 * What this process knows about its long-lived connections to outside services (today the NATS connections of
 * the event bus and of the digests): connected or not, since when, and the last outage with its length. The
 * adapters feed a `ConnectionTracker` from their client's status events; the board lists them for the readiness
 * check and the Overview. Disconnects are logged as warnings and reconnects as information with the outage's
 * length, so that an operator reads both from the log. Plain TypeScript: the client's event stream is typed
 * structurally, so this file knows no NATS library.
 */
import type { Clock } from "./clock";
import type { Logger } from "./logger";

/** idle: not opened yet (opened on first use); connecting: the first connect is under way. */
export type ConnectionState = "idle" | "connecting" | "connected" | "disconnected" | "closed";

export type ConnectionOutage = { startedAtMs: number; endedAtMs: number; durationMs: number };

export type ConnectionStatus = {
  /** What the connection is for, e.g. "event bus" or "digests". */
  name: string;
  /** The service, e.g. "NATS". */
  service: string;
  /** Where it connects (the URL without credentials). */
  target: string;
  state: ConnectionState;
  /** When the current state began (epoch ms); null while idle. */
  sinceMs: number | null;
  /** Outages ended by a reconnect since this process started. */
  outages: number;
  lastOutage: ConnectionOutage | null;
  /** The latest connect error, while not connected. */
  lastError: string | null;
};

/** The events a client reports (NATS: `nc.status()`); other types are ignored. */
export type ConnectionEvent = { type: string; server?: string };

const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;

/** Strips user:password@ from a URL so that the status and the log never show credentials. */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

export class ConnectionTracker {
  private state: ConnectionState = "idle";
  private sinceMs: number | null = null;
  private outages = 0;
  private lastOutage: ConnectionOutage | null = null;
  private lastError: string | null = null;
  /** When the connection was first lost in the outage now running (a reconnect ends it). */
  private downSinceMs: number | null = null;

  constructor(
    readonly name: string,
    readonly service: string,
    readonly target: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Opens the connection if it is idle (the readiness check asks for it); the owner's own lazy open. */
    readonly open?: () => Promise<unknown>,
  ) {}

  /** A first connect (or one after a close) begins. */
  connecting(): void {
    if (this.state === "connecting" || this.state === "disconnected") return;
    this.set("connecting");
  }

  /** The connect succeeded. */
  connected(): void {
    const now = this.clock.now();
    if (this.downSinceMs !== null) {
      // A first connect that failed before and works now ends an outage too.
      this.endOutage(now);
    } else {
      this.logger.info(
        { connection: this.name, target: this.target },
        `${this.service} connection (${this.name}) open`,
      );
    }
    this.lastError = null;
    this.set("connected", now);
  }

  /** A connect attempt failed (the owner retries it). */
  failed(error: unknown): void {
    const now = this.clock.now();
    this.lastError = error instanceof Error ? error.message : String(error);
    if (this.downSinceMs === null) {
      this.downSinceMs = now;
      this.logger.warn(
        { connection: this.name, target: this.target, err: error },
        `${this.service} connection (${this.name}) cannot connect to ${this.target}: ${this.lastError}; retrying`,
      );
      this.set("disconnected", now);
    }
  }

  /** One status event of the client. */
  event(event: ConnectionEvent): void {
    const now = this.clock.now();
    switch (event.type) {
      case "disconnect":
        if (this.downSinceMs !== null) return;
        this.downSinceMs = now;
        this.logger.warn(
          { connection: this.name, target: this.target, server: event.server },
          `${this.service} connection (${this.name}) lost${event.server ? ` to ${event.server}` : ""}; reconnecting`,
        );
        this.set("disconnected", now);
        return;
      case "reconnect":
        if (this.downSinceMs !== null) this.endOutage(now, event.server);
        this.lastError = null;
        this.set("connected", now);
        return;
      case "close":
        this.closed();
        return;
    }
  }

  /** The connection was closed (drained at stop, or the client gave up). */
  closed(): void {
    if (this.state === "closed" || this.state === "idle") return;
    this.downSinceMs = null;
    this.set("closed");
  }

  snapshot(): ConnectionStatus {
    return {
      name: this.name,
      service: this.service,
      target: this.target,
      state: this.state,
      sinceMs: this.sinceMs,
      outages: this.outages,
      lastOutage: this.lastOutage,
      lastError: this.state === "connected" ? null : this.lastError,
    };
  }

  private endOutage(now: number, server?: string): void {
    const startedAtMs = this.downSinceMs!;
    this.downSinceMs = null;
    this.outages += 1;
    this.lastOutage = { startedAtMs, endedAtMs: now, durationMs: now - startedAtMs };
    this.logger.info(
      { connection: this.name, target: this.target, server, outageMs: now - startedAtMs },
      `${this.service} connection (${this.name}) restored after ${seconds(now - startedAtMs)}`,
    );
  }

  private set(state: ConnectionState, now = this.clock.now()): void {
    this.state = state;
    this.sinceMs = now;
  }
}

/** Feeds a client's status events to `tracker` until the stream ends (the connection closed). */
export function followConnectionEvents(events: AsyncIterable<ConnectionEvent>, tracker: ConnectionTracker): void {
  void (async () => {
    try {
      for await (const event of events) tracker.event(event);
    } catch {
      // The stream ends with the connection; nothing to report beyond the close itself.
    }
    tracker.closed();
  })();
}

/** The process's connections, as the readiness check and the Overview list them. */
export class ConnectionStatusBoard {
  private readonly trackers: ConnectionTracker[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** A tracker for one connection; `open` lets the readiness check open it when nothing has yet. */
  track(input: { name: string; service: string; target: string; open?: () => Promise<unknown> }): ConnectionTracker {
    const tracker = new ConnectionTracker(
      input.name,
      input.service,
      withoutCredentials(input.target),
      this.clock,
      this.logger,
      input.open,
    );
    this.trackers.push(tracker);
    return tracker;
  }

  list(): ConnectionStatus[] {
    return this.trackers.map((tracker) => tracker.snapshot());
  }

  all(): readonly ConnectionTracker[] {
    return this.trackers;
  }
}
