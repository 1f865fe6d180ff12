/**
 * A simulator of the alerts-server API (`npm run alerts-sim`), compatible with the original: GET /alerts,
 * GET /query?target=…, POST /notify, POST /resolve. Values come from simulated specs (a target may itself be
 * a spec such as `script?values=50,150,250&step=3`; any other target random-walks). It can inject HTTP 500s
 * at a given rate and a fixed latency, and records every notify/resolve it accepted, with its time, for the
 * validator. Extra endpoints: GET /_sim/calls (the record) and POST /_sim/reset.
 */
import type { AlertDefinition } from "../alerts-server-api";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sleep, SystemClock, type Clock } from "@/server/core/clock";
import type { Logger } from "@/server/core/logger";
import { SeededRandom, type RandomSource } from "@/server/core/random";
import { SimulatedValues, type SimulatedSpec } from "../simulated-values";
import type { RecordedCall } from "../validator";

export type SimulatorAlert = AlertDefinition;

export type AlertsSimulatorOptions = {
  port?: number;
  host?: string;
  alerts: SimulatorAlert[];
  /** Share of requests answered with HTTP 500 before doing anything (0 to 1). */
  failureRate?: number;
  /** Which endpoints fail at that rate; all four by default. */
  failingEndpoints?: Array<"alerts" | "query" | "notify" | "resolve">;
  /** Added before every answer. */
  latencyMs?: number;
  seed?: number;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /** The spec of targets that are not specs themselves. */
  defaultSpec?: SimulatedSpec;
};

export const DEFAULT_TARGET_SPEC: SimulatedSpec = { kind: "random-walk", start: 60, step: 25, min: 0, max: 300 };

/** The alerts served when no file is given: the original's shape, thresholds 100/200 on random walks. */
export function defaultSimulatorAlerts(count = 5): SimulatorAlert[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `alert-${index + 1}`,
    query: `test-query-${index + 1}`,
    intervalSecs: [5, 10, 15, 30][index % 4]!,
    repeatIntervalSecs: 300,
    warn: { value: 100, message: `alert-${index + 1}-warning` },
    critical: { value: 200, message: `alert-${index + 1}-critical` },
  }));
}

export class AlertsSimulator {
  private server: Server | null = null;
  private recorded: RecordedCall[] = [];
  private values: SimulatedValues;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly failing: Set<string>;
  private originMs: number;
  /** Requests answered, failures included (for the benchmark). */
  requests = 0;

  constructor(private readonly options: AlertsSimulatorOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.random = options.random ?? new SeededRandom(options.seed ?? 1);
    this.failing = new Set(options.failingEndpoints ?? ["alerts", "query", "notify", "resolve"]);
    this.originMs = this.clock.now();
    this.values = new SimulatedValues(this.random, this.originMs, options.defaultSpec ?? DEFAULT_TARGET_SPEC);
  }

  async start(): Promise<{ url: string; port: number }> {
    this.server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (request, response) => {
      void this.handle(request, response);
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.options.port ?? 0, this.options.host ?? "127.0.0.1", () => resolve());
    });
    this.reset();
    const { port } = this.server.address() as AddressInfo;
    return { url: `http://${this.options.host ?? "127.0.0.1"}:${port}`, port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Forgets the record and restarts every script from now. */
  reset(): void {
    this.recorded = [];
    this.originMs = this.clock.now();
    this.values = new SimulatedValues(this.random, this.originMs, this.options.defaultSpec ?? DEFAULT_TARGET_SPEC);
  }

  /** When scripts began (their value index counts steps from here). */
  get startedAtMs(): number {
    return this.originMs;
  }

  calls(): RecordedCall[] {
    return [...this.recorded];
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://simulator");
    const body = await readBody(request);
    this.requests++;
    const latencyMs = this.options.latencyMs ?? 0;
    if (latencyMs > 0) await sleep(this.clock, latencyMs);
    const send = (status: number, payload: unknown) => {
      const text = typeof payload === "string" ? payload : JSON.stringify(payload);
      response.writeHead(status, {
        "content-type": typeof payload === "string" ? "text/plain" : "application/json",
        "content-length": Buffer.byteLength(text),
      });
      response.end(text);
    };
    const endpoint = { "/alerts": "alerts", "/query": "query", "/notify": "notify", "/resolve": "resolve" }[
      url.pathname
    ];
    if (
      endpoint &&
      this.failing.has(endpoint) &&
      (this.options.failureRate ?? 0) > 0 &&
      this.random.next() < (this.options.failureRate ?? 0)
    ) {
      send(500, "injected failure");
      return;
    }
    try {
      if (request.method === "GET" && url.pathname === "/alerts") return send(200, this.options.alerts);
      if (request.method === "GET" && url.pathname === "/query") {
        const target = url.searchParams.get("target");
        if (!target) return send(400, 'missing query parameter "target"');
        return send(200, { value: this.values.valueOf(target, this.clock.now()) });
      }
      if (request.method === "POST" && (url.pathname === "/notify" || url.pathname === "/resolve")) {
        // Like the original, the Content-Type is not required: the body is read as JSON whatever it says.
        let parsed: { alertName?: unknown; message?: unknown };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return send(400, "body is not JSON");
        }
        if (typeof parsed.alertName !== "string" || parsed.alertName === "") return send(400, 'body needs "alertName"');
        if (url.pathname === "/notify") {
          if (typeof parsed.message !== "string") return send(400, 'notify needs "message"');
          this.recorded.push({
            kind: "notify",
            alertName: parsed.alertName,
            message: parsed.message,
            atMs: this.clock.now(),
          });
        } else {
          this.recorded.push({ kind: "resolve", alertName: parsed.alertName, atMs: this.clock.now() });
        }
        this.options.logger?.info(
          { call: url.pathname, alertName: parsed.alertName, message: parsed.message },
          "recorded",
        );
        return send(200, {});
      }
      if (request.method === "GET" && url.pathname === "/_sim/calls")
        return send(200, { startedAtMs: this.originMs, calls: this.recorded });
      if (request.method === "POST" && url.pathname === "/_sim/reset") {
        this.reset();
        return send(200, {});
      }
      return send(404, `no route for ${request.method} ${url.pathname}`);
    } catch (error) {
      return send(500, error instanceof Error ? error.message : String(error));
    }
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
