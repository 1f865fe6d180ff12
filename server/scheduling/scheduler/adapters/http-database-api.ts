/**
 * The DatabaseApi over the database server's HTTP API (the original's GET /queued, GET /resources,
 * POST /delay), plus GET /status for the timing: the tick rate, default delay, window length, the current tick
 * and when the server started ticking. Ticks are derived from the fixed timestamps: the server runs tick j of
 * this process at startedAt + j × tickMs, and stamps /queued and /resources with the time of that tick.
 */
import { z } from "zod";
import type { Clock } from "@/server/core/clock";
import type { WindowObservation } from "../../estimation/types";
import {
  DelayRejectedError,
  type DatabaseApi,
  type DatabaseObservation,
  type DatabaseTiming,
  type QueuedExecutionView,
} from "../database-api";

const statisticsSchema = z.object({ average: z.number(), min: z.number(), max: z.number() });
const resourcesSchema = z.object({
  cpu: statisticsSchema,
  io: statisticsSchema,
  memory: statisticsSchema,
  timestamp: z.number(),
});
const queuedSchema = z.array(
  z.object({ query: z.object({ id: z.string() }), execution: z.object({ id: z.string(), timestamp: z.number() }) }),
);
const windowSchema = z.object({
  firstTick: z.number().int(),
  lastTick: z.number().int(),
  samples: z.number().int(),
  cpu: statisticsSchema,
  io: statisticsSchema,
  memory: statisticsSchema,
});
/** GET /snapshot, our server's one-request view (the original server has no such route: 404). */
const snapshotSchema = z.object({
  lastTick: z.number().int(),
  lastTickAt: z.number().nullable(),
  windowTicks: z.number().int().positive(),
  windowOrigin: z.number().int(),
  defaultDelayTicks: z.number().int(),
  tickMs: z.number().positive(),
  queued: z.array(z.object({ executionId: z.string(), templateId: z.string(), queuedTick: z.number().int() })),
  window: windowSchema.nullable(),
});
const statusSchema = z.object({
  startedAt: z.number(),
  currentTick: z.number().int(),
  parameters: z.object({
    tickRateHz: z.number().positive(),
    defaultDelayTicks: z.number().int(),
    metricsWindowTicks: z.number().int().positive(),
  }),
});

/** The server's answer to a delay of an execution it does not hold (unknown or already executed). */
const DELAY_REJECTED = { status: 500, body: "Failed to delay query" } as const;

export type HttpDatabaseApiOptions = {
  /** e.g. http://127.0.0.1:8080 (DBSIM_URL). */
  baseUrl: string;
  clock: Clock;
  /** Re-read /status this often (ms, default 10 s) to follow a server restart. */
  statusRefreshMs?: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
};

type Anchor = {
  startedAt: number;
  startTick: number;
  tickMs: number;
  defaultDelayTicks: number;
  windowTicks: number;
  readAt: number;
};

export class HttpDatabaseApi implements DatabaseApi {
  private anchor: Anchor | undefined;
  private windowOrigin = 0;
  private readonly fetcher: typeof fetch;
  /** False once the server answered 404 to GET /snapshot (the original server): then /queued and /resources. */
  private snapshots = true;

  constructor(private readonly options: HttpDatabaseApiOptions) {
    this.fetcher = options.fetch ?? fetch;
  }

  private async request(path: string, init?: RequestInit): Promise<Response> {
    return this.fetcher(new URL(path, this.options.baseUrl), {
      ...init,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 2_000),
    });
  }

  private async readAnchor(): Promise<Anchor> {
    const now = this.options.clock.now();
    if (this.anchor && now - this.anchor.readAt < (this.options.statusRefreshMs ?? 10_000)) return this.anchor;
    const response = await this.request("/status");
    if (!response.ok) throw new Error(`GET /status answered ${response.status}`);
    const status = statusSchema.parse(await response.json());
    const tickMs = 1000 / status.parameters.tickRateHz;
    const readAt = this.options.clock.now();
    const ticksDriven = Math.floor((readAt - status.startedAt) / tickMs);
    this.anchor = {
      startedAt: status.startedAt,
      startTick: status.currentTick - ticksDriven,
      tickMs,
      defaultDelayTicks: status.parameters.defaultDelayTicks,
      windowTicks: status.parameters.metricsWindowTicks,
      readAt,
    };
    return this.anchor;
  }

  /** The tick run at wall time `at` (the server stamps each tick with its time). */
  private tickAt(anchor: Anchor, at: number): number {
    return anchor.startTick + Math.round((at - anchor.startedAt) / anchor.tickMs) - 1;
  }

  /**
   * One look at the database: GET /snapshot where the server has it (the tick it really ran last, when, the queue
   * and the latest window, consistent with each other), else /queued and /resources with the tick read from the
   * clock and the server's start time.
   */
  async observe(): Promise<DatabaseObservation> {
    if (this.snapshots) {
      const response = await this.request("/snapshot");
      if (response.ok) {
        const body = snapshotSchema.parse(await response.json());
        return {
          timing: {
            lastTick: body.lastTick,
            windowTicks: body.windowTicks,
            windowOrigin: body.windowOrigin,
            defaultDelayTicks: body.defaultDelayTicks,
            tickMs: body.tickMs,
            ...(body.lastTickAt !== null ? { lastTickAtMs: body.lastTickAt } : {}),
          },
          queued: body.queued,
          window: body.window ?? undefined,
        };
      }
      await response.body?.cancel();
      if (response.status !== 404) throw new Error(`GET /snapshot answered ${response.status}`);
      this.snapshots = false;
    }
    const queued = await this.queued();
    const window = await this.resources();
    return { timing: await this.timing(), queued, window };
  }

  async timing(): Promise<DatabaseTiming> {
    const anchor = await this.readAnchor();
    const ticksDriven = Math.floor((this.options.clock.now() - anchor.startedAt) / anchor.tickMs);
    return {
      lastTick: anchor.startTick + ticksDriven - 1,
      windowTicks: anchor.windowTicks,
      windowOrigin: this.windowOrigin,
      defaultDelayTicks: anchor.defaultDelayTicks,
      tickMs: anchor.tickMs,
      lastTickAtMs: anchor.startedAt + ticksDriven * anchor.tickMs,
    };
  }

  async queued(): Promise<QueuedExecutionView[]> {
    const anchor = await this.readAnchor();
    const response = await this.request("/queued");
    if (response.status === 204) return [];
    if (!response.ok) throw new Error(`GET /queued answered ${response.status}`);
    return queuedSchema.parse(await response.json()).map((entry) => ({
      executionId: entry.execution.id,
      templateId: entry.query.id,
      queuedTick: this.tickAt(anchor, entry.execution.timestamp),
    }));
  }

  async resources(): Promise<WindowObservation | undefined> {
    const anchor = await this.readAnchor();
    const response = await this.request("/resources");
    if (!response.ok) throw new Error(`GET /resources answered ${response.status}`);
    const body = resourcesSchema.parse(await response.json());
    if (body.timestamp <= anchor.startedAt) return undefined;
    const lastTick = this.tickAt(anchor, body.timestamp);
    this.windowOrigin = (((lastTick + 1) % anchor.windowTicks) + anchor.windowTicks) % anchor.windowTicks;
    return {
      firstTick: lastTick - anchor.windowTicks + 1,
      lastTick,
      samples: anchor.windowTicks,
      cpu: body.cpu,
      io: body.io,
      memory: body.memory,
    };
  }

  async delay(executionId: string, ticks: number): Promise<void> {
    const response = await this.request("/delay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: executionId, delay: ticks }),
    });
    if (response.ok) return;
    const body = (await response.text()).trim();
    const message = `POST /delay answered ${response.status}: ${body}`;
    if (response.status === DELAY_REJECTED.status && body === DELAY_REJECTED.body)
      throw new DelayRejectedError(executionId, message);
    // Anything else (a proxy's 502, a 400 for a malformed request…) says nothing about the execution.
    throw new Error(message);
  }
}
