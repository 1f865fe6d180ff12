/**
 * HTTP client of the alerts-server API (GET /alerts, GET /query, POST /notify, POST /resolve) on an undici
 * connection pool: keep-alive connections, a per-request timeout, and every response body read or dumped so
 * the connection goes back to the pool. Transport errors, timeouts and 5xx are retryable; other statuses and
 * malformed bodies are not (retrying would get the same answer).
 */
import { Pool } from "undici";
import { AlertIoError, type AlertNotifier, type AlertValueSource } from "../ports";
import type { AlertRule } from "../rule";
import { queryResponseSchema } from "../alerts-server-api";

export type AlertsServerClientOptions = {
  baseUrl: string;
  timeoutMs: number;
  /** Connections kept open to the server (match the engine's cap on evaluations in flight). */
  connections: number;
};

type Method = "GET" | "POST";

export class AlertsServerClient implements AlertValueSource, AlertNotifier {
  private readonly pool: Pool;
  private readonly basePath: string;
  /** The /query path of each rule, built once (rule objects are replaced when a rule is edited). */
  private readonly queryPaths = new WeakMap<AlertRule, string>();

  constructor(private readonly options: AlertsServerClientOptions) {
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname.replace(/\/$/, "");
    this.pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, pipelining: 1 });
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
      throw new AlertIoError(`alert "${rule.name}": /query returned a body that is not JSON: ${text.slice(0, 200)}`, false);
    }
    const parsed = queryResponseSchema.safeParse(body);
    if (!parsed.success) throw new AlertIoError(`alert "${rule.name}": /query returned a non-numeric value: ${text.slice(0, 200)}`, false);
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
    let response;
    try {
      response = await this.pool.request({
        path: this.basePath + path,
        method,
        body,
        headers: body ? { "content-type": "application/json" } : undefined,
        // The engine's stop signal is not passed on: an abort listener per request on one shared signal costs
        // O(n) with thousands in flight. The engine settles its own waits at stop; close() ends the requests.
        // Per-request timeouts on undici's own timers (no timer or signal object per request).
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const reason = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? `timed out after ${this.options.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
      throw new AlertIoError(`${method} ${path.split("?")[0]}: ${reason}`, !signal?.aborted, { cause: error });
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw new AlertIoError(`${method} ${path.split("?")[0]}: reading the response failed: ${error instanceof Error ? error.message : String(error)}`, !signal?.aborted, { cause: error });
    }
    if (response.statusCode !== 200) {
      throw new AlertIoError(`${method} ${path.split("?")[0]} answered HTTP ${response.statusCode}${text ? `: ${text.slice(0, 200)}` : ""}`, response.statusCode >= 500 || response.statusCode === 429);
    }
    return text;
  }
}
