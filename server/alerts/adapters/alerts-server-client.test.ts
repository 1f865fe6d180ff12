/**
 * The alerts-server HTTP client against a real local HTTP server: values, statuses and what is retryable,
 * malformed and oversized answers, the per-request timeout, and connection reuse (keep-alive).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AlertIoError } from "../ports";
import type { AlertRule } from "../rule";
import { AlertsServerClient } from "./alerts-server-client";

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server | undefined;
let client: AlertsServerClient | undefined;
let connections = 0;

afterEach(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

async function serve(
  handler: Handler,
  options: { timeoutMs?: number; maxResponseBytes?: number } = {},
): Promise<AlertsServerClient> {
  connections = 0;
  server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => handler(request, body, response));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new AlertsServerClient({
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: options.timeoutMs ?? 5_000,
    connections: 4,
    maxResponseBytes: options.maxResponseBytes,
  });
  return client;
}

const rule = { id: "rule_1", name: "cpu-high", query: "cpu load{host=a}" } as AlertRule;
const signal = new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<AlertIoError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AlertIoError);
  return error as AlertIoError;
}

describe("AlertsServerClient", () => {
  it("reads /query values over kept-alive connections, with the query URL-encoded", async () => {
    const targets: string[] = [];
    const api = await serve((request, _body, response) => {
      targets.push(new URL(request.url!, "http://x").searchParams.get("target")!);
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ value: 42.5 }));
    });
    for (let index = 0; index < 20; index++) expect(await api.query(rule, signal)).toBe(42.5);
    expect(targets).toEqual(Array(20).fill("cpu load{host=a}"));
    // Kept alive: 20 requests on at most the pool's 4 connections, not a connection each.
    expect(connections).toBeLessThanOrEqual(4);
  });

  it("posts notify and resolve as JSON", async () => {
    const calls: Array<{ path: string; type: string | undefined; body: unknown }> = [];
    const api = await serve((request, body, response) => {
      calls.push({ path: request.url!, type: request.headers["content-type"], body: JSON.parse(body) });
      response.end();
    });
    await api.notify(rule, "cpu-high-critical", signal);
    await api.resolve(rule, signal);
    expect(calls).toEqual([
      { path: "/notify", type: "application/json", body: { alertName: "cpu-high", message: "cpu-high-critical" } },
      { path: "/resolve", type: "application/json", body: { alertName: "cpu-high" } },
    ]);
  });

  it("treats 5xx and 429 as retryable, other statuses as final, and quotes the answer", async () => {
    let status = 500;
    const api = await serve((_request, _body, response) => {
      response.statusCode = status;
      response.end("database unavailable");
    });
    const serverError = await failure(api.query(rule, signal));
    expect(serverError.retryable).toBe(true);
    expect(serverError.message).toBe("GET /query answered HTTP 500: database unavailable");
    status = 429;
    expect((await failure(api.query(rule, signal))).retryable).toBe(true);
    status = 404;
    const notFound = await failure(api.notify(rule, "m", signal));
    expect(notFound.retryable).toBe(false);
    expect(notFound.message).toContain("POST /notify answered HTTP 404");
  });

  it("names the alert when /query answers something other than a number", async () => {
    let body = "not json";
    const api = await serve((_request, _body, response) => response.end(body));
    const notJson = await failure(api.query(rule, signal));
    expect(notJson.retryable).toBe(false);
    expect(notJson.message).toBe('alert "cpu-high": /query returned a body that is not JSON: not json');
    body = JSON.stringify({ value: "high" });
    expect((await failure(api.query(rule, signal))).message).toContain(
      'alert "cpu-high": /query returned a non-numeric value',
    );
  });

  it("refuses an oversized answer without retrying, and the pool keeps working", async () => {
    let size = 10_000;
    const api = await serve(
      (_request, _body, response) =>
        response.end(
          size > 100 ? JSON.stringify({ value: 1, padding: "x".repeat(size) }) : JSON.stringify({ value: 7 }),
        ),
      { maxResponseBytes: 1_000 },
    );
    const tooLarge = await failure(api.query(rule, signal));
    expect(tooLarge.retryable).toBe(false);
    expect(tooLarge.message).toContain("larger than 1000 bytes");
    size = 0;
    expect(await api.query(rule, signal)).toBe(7);
  });

  it("refuses a size limit that is not a positive whole number of bytes", () => {
    for (const maxResponseBytes of [0, -1, 1.5, Number.NaN]) {
      expect(
        () =>
          new AlertsServerClient({ baseUrl: "http://127.0.0.1:1", timeoutMs: 1_000, connections: 1, maxResponseBytes }),
      ).toThrow("maxResponseBytes must be a positive whole number of bytes");
    }
  });

  it("times out a request the server never answers, as retryable", async () => {
    const api = await serve(() => {}, { timeoutMs: 150 });
    const timedOut = await failure(api.query(rule, signal));
    expect(timedOut.retryable).toBe(true);
    expect(timedOut.message).toBe("GET /query: timed out after 150 ms");
  });
});
