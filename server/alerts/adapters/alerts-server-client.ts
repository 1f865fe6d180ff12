/**
 * HTTP client of the alerts-server API (GET /alerts, GET /query, POST /notify, POST /resolve) on an undici
 * connection pool: keep-alive connections, a per-request timeout, and every response body read in full (up to a
 * size limit) so the connection goes back to the pool. Transport errors, timeouts, 429 and 5xx are retryable;
 * other statuses, oversized answers and malformed bodies are not (retrying would get the same answer).
 */
import { Pool, type Dispatcher } from "undici";
import { AlertIoError, type AlertsServer } from "../ports";
import type { AlertRule } from "../rule";
import { queryResponseSchema } from "../alerts-server-api";

export type AlertsServerClientOptions = {
  baseUrl: string;
  timeoutMs: number;
  /** Connections kept open to the server (match the engine's cap on evaluations in flight). */
  connections: number;
  /** Larger answers are refused; MAX_RESPONSE_BYTES by default (ALERTS_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
};

type Method = "GET" | "POST";

export class AlertsServerClient implements AlertsServer {
  private readonly pool: Pool;
  private readonly basePath: string;
  /** The /query path of each rule, built once (rule objects are replaced when a rule is edited). */
  private readonly queryPaths = new WeakMap<AlertRule, string>();

  constructor(private readonly options: AlertsServerClientOptions) {
    const limit = options.maxResponseBytes;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
      throw new Error(`maxResponseBytes must be a positive whole number of bytes (got ${limit})`);
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/$/, "");
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
    });
  }

  /** GET /alerts: the raw JSON body (parse it with parseServerAlerts). */
  async listAlerts(signal?: AbortSignal): Promise<unknown> {
    const text = await this.call("GET", "/alerts", undefined, signal);
    try {
      return JSON.parse(text);
    } catch {
      throw new AlertIoError(`GET /alerts returned a body that is not JSON: ${text.slice(0, 200)}`, false);
    }
  }

  async query(rule: AlertRule, signal: AbortSignal): Promise<number> {
    let path = this.queryPaths.get(rule);
    if (path === undefined) {
      path = `/query?target=${encodeURIComponent(rule.query)}`;
      this.queryPaths.set(rule, path);
    }
    const text = await this.call("GET", path, undefined, signal);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AlertIoError(
        `alert "${rule.name}": /query returned a body that is not JSON: ${text.slice(0, 200)}`,
        false,
      );
    }
    const parsed = queryResponseSchema.safeParse(body);
    if (!parsed.success)
      throw new AlertIoError(`alert "${rule.name}": /query returned a non-numeric value: ${text.slice(0, 200)}`, false);
    return parsed.data.value;
  }

  async notify(rule: AlertRule, message: string, signal: AbortSignal): Promise<void> {
    await this.call("POST", "/notify", JSON.stringify({ alertName: rule.name, message }), signal);
  }

  async resolve(rule: AlertRule, signal: AbortSignal): Promise<void> {
    await this.call("POST", "/resolve", JSON.stringify({ alertName: rule.name }), signal);
  }

  /** Ends every connection; requests still in flight fail (the engine has stopped waiting for them). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async call(method: Method, path: string, body: string | undefined, signal?: AbortSignal): Promise<string> {
    let response: CollectedResponse;
    try {
      response = await this.send(method, path, body);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason =
        code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT"
          ? `timed out after ${this.options.timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
      throw new AlertIoError(
        `${method} ${path.split("?")[0]}: ${reason}`,
        !signal?.aborted && !(error instanceof ResponseTooLargeError),
        { cause: error },
      );
    }
    const { statusCode, text } = response;
    if (statusCode !== 200) {
      throw new AlertIoError(
        `${method} ${path.split("?")[0]} answered HTTP ${statusCode}${text ? `: ${text.slice(0, 200)}` : ""}`,
        statusCode >= 500 || statusCode === 429,
      );
    }
    return text;
  }

  /**
   * One request on undici's dispatch API: the body is collected by a small handler instead of a Readable
   * stream and a promise per request (the request() API's cost, a sixth of the client's CPU per request).
   * The engine's stop signal is not passed on: an abort listener per request on one shared signal costs O(n)
   * with thousands in flight; the engine settles its own waits at stop, and close() ends the requests.
   * Per-request timeouts run on undici's own timers.
   */
  private send(method: Method, path: string, body: string | undefined): Promise<CollectedResponse> {
    return new Promise((resolve, reject) => {
      this.pool.dispatch(
        {
          path: this.basePath + path,
          method,
          body,
          headers: body ? JSON_HEADERS : undefined,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
        },
        new ResponseCollector(this.options.maxResponseBytes ?? MAX_RESPONSE_BYTES, resolve, reject),
      );
    });
  }
}

const JSON_HEADERS = { "content-type": "application/json" };
/** Answers larger than this are refused by default (an /alerts list of 100,000 alerts is about 20 MB). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

type CollectedResponse = { statusCode: number; text: string };

class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(
      `the response is larger than ${limit} bytes; check that ALERTS_SERVER_URL points at an alerts-server, or raise ALERTS_MAX_RESPONSE_BYTES if it really serves that many alerts`,
    );
  }
}

/** Collects a response body in full (so the connection always goes back to the pool), up to MAX_RESPONSE_BYTES. */
class ResponseCollector implements Dispatcher.DispatchHandlers {
  private statusCode = 0;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private abort: ((error?: Error) => void) | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly resolve: (response: CollectedResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  onConnect(abort: (error?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number): boolean {
    // 1xx answers come before the final one; only the last status counts.
    this.statusCode = statusCode;
    this.chunks = [];
    this.bytes = 0;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.abort?.(new ResponseTooLargeError(this.maxBytes));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const chunks = this.chunks;
    const text =
      chunks.length === 0
        ? ""
        : chunks.length === 1
          ? chunks[0]!.toString("utf8")
          : Buffer.concat(chunks).toString("utf8");
    this.resolve({ statusCode: this.statusCode, text });
  }

  onError(error: Error): void {
    this.reject(error);
  }

  onUpgrade(): void {
    this.reject(new Error("the server upgraded the connection, which the alerts-server API never does"));
  }
}
