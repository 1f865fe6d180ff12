/**
 * The simulated database's HTTP server (node:http), compatible with the original Go server down to status codes
 * and plain-text error bodies: GET /queued, GET /resources, POST /delay. For Part 1 it adds a sequenced event
 * log read by sequence (GET /events?after=&limit=), and GET /templates and GET /status for the console.
 *
 * Ticks are driven by the Clock (ten a second by default; late ticks are caught up so the rate holds), so under
 * a ManualClock a test decides exactly when each tick happens. The timestamps are fixed: `/queued` gives the
 * real time (ms) of the tick an execution was queued in, `/resources` the time its window closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Clock, TimerHandle } from "@/server/core/clock";
import type { Logger } from "@/server/core/logger";
import {
  DatabaseSimulation,
  UnknownExecutionError,
  type SimulationParameters,
  type TickResult,
  type ResourceWindow,
} from "../simulation";
import { MemoryEventLog, type EventLog, type NewDbsimEvent } from "../event-log";
import { decodeDelayRequest } from "../delay-request";

export type DbsimServerOptions = {
  clock: Clock;
  parameters?: Partial<SimulationParameters>;
  /** Where events go; an in-memory log with a fresh id when omitted. */
  log?: EventLog;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** When false, nothing ticks by itself: call `runTick()` (tests and benches). */
  autoTick?: boolean;
  /** Most ticks caught up in one go after the process was stalled. */
  maxCatchUpTicks?: number;
};

/** Starts a server; when it cannot listen (EADDRINUSE: the port is taken), it releases what it opened (its log) and rethrows. */
export async function startDbsimServer(options: DbsimServerOptions): Promise<DbsimServer> {
  const server = new DbsimServer(options);
  try {
    await server.start();
    return server;
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
}

export const EVENTS_PAGE_DEFAULT = 1000;
export const EVENTS_PAGE_MAX = 5000;
const MAX_BODY_BYTES = 1 << 20;

export class DbsimServer {
  readonly simulation: DatabaseSimulation;
  readonly log: EventLog;
  readonly startedAt: number;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly firstTick: number;
  private readonly queuedAt = new Map<string, number>();
  private latestWindow: { window: ResourceWindow; at: number } | undefined;
  /** When the latest tick ran: its due time when the clock drives it, the time of the call when run by hand. */
  private lastTickAt: number | undefined;
  private httpServer: Server | undefined;
  private timer: TimerHandle | undefined;
  private ticksDriven = 0;
  private stopped = false;

  constructor(private readonly options: DbsimServerOptions) {
    this.clock = options.clock;
    this.log = options.log ?? new MemoryEventLog(randomUUID());
    const lastTick = this.log.lastTick();
    this.firstTick = lastTick === null ? 0 : lastTick + 1;
    this.simulation = new DatabaseSimulation(options.parameters, { startTick: this.firstTick });
    this.tickMs = 1000 / this.simulation.parameters.tickRateHz;
    this.startedAt = this.clock.now();
    // A kept log continues; the executions queued before the restart are gone with the old process.
    if (lastTick !== null) this.log.append([{ type: "restarted", at: this.startedAt, previousTick: lastTick }]);
  }

  get port(): number {
    return (this.httpServer?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `http://${this.options.host ?? "127.0.0.1"}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.options.logger?.error({ err: error }, "dbsim request failed");
        if (!response.headersSent) sendText(response, 500, "Internal server error");
        else response.end();
      });
    });
    this.httpServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port ?? 8080, this.options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    if (this.options.autoTick !== false) this.scheduleNextTick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    const server = this.httpServer;
    this.httpServer = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.log.close();
  }

  /**
   * Runs one tick and records its events, stamped `at`: the tick's due time when the clock drives it (so a
   * tick caught up late still carries startedAt + n × tickMs), now when called by hand.
   */
  runTick(at: number = this.clock.now()): TickResult {
    const result = this.simulation.tick();
    this.lastTickAt = at;
    const events: NewDbsimEvent[] = [];
    for (const execution of result.executed) {
      const queuedAt = this.queuedAt.get(execution.id) ?? at;
      this.queuedAt.delete(execution.id);
      events.push({
        type: "executed",
        executionId: execution.id,
        templateId: execution.templateId,
        queuedTick: execution.queuedTick,
        queuedAt,
        executedTick: execution.executedTick,
        executedAt: at,
        totalDelayTicks: execution.totalDelayTicks,
        addedDelayTicks: execution.addedDelayTicks,
      });
    }
    for (const execution of result.queued) {
      this.queuedAt.set(execution.id, at);
      events.push({
        type: "queued",
        executionId: execution.id,
        templateId: execution.templateId,
        tick: execution.queuedTick,
        at,
      });
    }
    if (result.window) {
      const { index, firstTick, lastTick, cpu, io, memory } = result.window;
      this.latestWindow = { window: result.window, at };
      events.push({ type: "resources", windowIndex: index, firstTick, lastTick, at, cpu, io, memory });
    }
    if (events.length > 0) this.log.append(events);
    return result;
  }

  private scheduleNextTick(): void {
    if (this.stopped) return;
    const dueAt = this.startedAt + (this.ticksDriven + 1) * this.tickMs;
    this.timer = this.clock.setTimeout(() => {
      const maxCatchUp = this.options.maxCatchUpTicks ?? 600;
      let ran = 0;
      while (!this.stopped && this.clock.now() >= this.startedAt + (this.ticksDriven + 1) * this.tickMs - 0.5) {
        this.ticksDriven++;
        if (ran++ < maxCatchUp) this.runTick(this.startedAt + this.ticksDriven * this.tickMs);
      }
      this.scheduleNextTick();
    }, dueAt - this.clock.now());
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://dbsim.local");
    const route = ROUTES[url.pathname];
    if (!route) {
      await drain(request);
      sendText(response, 404, "404 page not found");
      return;
    }
    if (request.method !== route) {
      await drain(request);
      sendText(response, 405, "Method not allowed");
      return;
    }
    switch (url.pathname) {
      case "/queued":
        return this.getQueued(response);
      case "/resources":
        return this.getResources(response);
      case "/delay":
        return this.postDelay(request, response);
      case "/events":
        return this.getEvents(url, response);
      case "/templates":
        return sendJson(response, 200, {
          seed: this.simulation.parameters.seed,
          templates: this.simulation.templates,
        });
      case "/snapshot":
        return sendJson(response, 200, this.snapshot());
      case "/status":
        return sendJson(response, 200, {
          logId: this.log.logId,
          startedAt: this.startedAt,
          currentTick: this.simulation.currentTick,
          queued: this.simulation.queued().length,
          parameters: this.simulation.parameters,
        });
    }
  }

  /**
   * One consistent view for a client-side scheduler (ours): the timing in ticks, every queued execution with
   * the tick it was queued in, and the latest window with its ticks — what /queued and /resources leave out.
   */
  snapshot() {
    const { metricsWindowTicks, defaultDelayTicks, tickRateHz } = this.simulation.parameters;
    const window = this.latestWindow?.window;
    return {
      logId: this.log.logId,
      lastTick: this.simulation.currentTick - 1,
      lastTickAt: this.lastTickAt ?? null,
      windowTicks: metricsWindowTicks,
      windowOrigin: this.firstTick % metricsWindowTicks,
      defaultDelayTicks,
      tickMs: 1000 / tickRateHz,
      queued: this.simulation.queued().map((execution) => ({
        executionId: execution.id,
        templateId: execution.templateId,
        queuedTick: execution.queuedTick,
      })),
      window: window
        ? {
            firstTick: window.firstTick,
            lastTick: window.lastTick,
            samples: window.samples,
            cpu: window.cpu,
            io: window.io,
            memory: window.memory,
          }
        : null,
    };
  }

  private getQueued(response: ServerResponse): void {
    const queued = this.simulation.queued();
    if (queued.length === 0) {
      response.writeHead(204).end();
      return;
    }
    sendJson(
      response,
      200,
      queued.map((execution) => ({
        query: { id: execution.templateId },
        execution: { id: execution.id, timestamp: this.queuedAt.get(execution.id) ?? this.startedAt },
      })),
    );
  }

  private getResources(response: ServerResponse): void {
    const zero = { average: 0, min: 0, max: 0 };
    const latest = this.latestWindow;
    sendJson(response, 200, {
      cpu: latest?.window.cpu ?? zero,
      io: latest?.window.io ?? zero,
      memory: latest?.window.memory ?? zero,
      timestamp: latest?.at ?? this.startedAt,
    });
  }

  private async postDelay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const decoded =
      body === undefined
        ? ({ ok: false, status: 400, message: "Invalid request body" } as const)
        : decodeDelayRequest(body);
    if (!decoded.ok) {
      sendText(response, decoded.status, decoded.message);
      return;
    }
    try {
      this.simulation.delay(decoded.request.id, decoded.request.delay);
    } catch (error) {
      if (!(error instanceof UnknownExecutionError)) throw error;
      sendText(response, 500, "Failed to delay query");
      return;
    }
    response.writeHead(200, { "Content-Length": "0" }).end();
  }

  private getEvents(url: URL, response: ServerResponse): void {
    const after = parseWholeNumber(url.searchParams.get("after"), 0);
    const limit = parseWholeNumber(url.searchParams.get("limit"), EVENTS_PAGE_DEFAULT);
    if (after === undefined)
      return sendText(
        response,
        400,
        "Invalid after: expected a whole number, 0 or more (the last sequence number you stored)",
      );
    if (limit === undefined || limit < 1 || limit > EVENTS_PAGE_MAX)
      return sendText(response, 400, `Invalid limit: expected a whole number from 1 to ${EVENTS_PAGE_MAX}`);
    sendJson(response, 200, { ...this.log.read(after, limit), currentTick: this.simulation.currentTick });
  }
}

const ROUTES: Record<string, "GET" | "POST"> = {
  "/queued": "GET",
  "/resources": "GET",
  "/delay": "POST",
  "/events": "GET",
  "/templates": "GET",
  "/status": "GET",
  "/snapshot": "GET",
};

function parseWholeNumber(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === "") return fallback;
  if (!/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

/** Go's http.Error: plain text, nosniff, message plus a newline. */
function sendText(response: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  response.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}

/** Go's json.Encoder output: the JSON and a newline. */
function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function drain(request: IncomingMessage): Promise<void> {
  request.resume();
  await new Promise<void>((resolve) => {
    if (request.readableEnded) resolve();
    else request.once("end", resolve).once("error", () => resolve());
  });
}
