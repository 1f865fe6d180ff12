import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRouteRuntime, type RouteRuntime } from "@/server/jobs/testing/route-runtime";
import { GET, POST } from "./route";

let routes: RouteRuntime;

beforeAll(async () => {
  // WATCHPOST_BASE_URL is http://console.example.com and PORT 3000 (the kit's defaults).
  routes = await startRouteRuntime();
});

afterAll(() => routes.close());

type TrpcError = { error: { json: { message: string; data: { code: string; httpStatus: number } } } };

const mutation = (headers: Record<string, string>, body: BodyInit = JSON.stringify({ json: { incidentId: "x" } })) =>
  POST(
    new Request("http://127.0.0.1:3000/api/trpc/pager.incident.acknowledge", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      duplex: "half",
    } as RequestInit),
  );

describe("the tRPC route", () => {
  it("refuses a mutation from a foreign Origin with 403, naming the origin and WATCHPOST_BASE_URL", async () => {
    for (const origin of ["https://evil.example", "null", "http://localhost:4000", "http://console.example.com:8080"]) {
      const response = await mutation({ origin });
      expect(response.status, origin).toBe(403);
      const body = (await response.json()) as TrpcError;
      expect(body.error.json.data.code).toBe("FORBIDDEN");
      expect(body.error.json.message).toContain(origin);
      expect(body.error.json.message).toContain("WATCHPOST_BASE_URL (http://console.example.com)");
    }
  });

  it("refuses every call of a batch from a foreign Origin", async () => {
    const response = await POST(
      new Request("http://127.0.0.1:3000/api/trpc/pager.incident.acknowledge,pager.incident.resolve?batch=1", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.example" },
        body: JSON.stringify({ 0: { json: { incidentId: "x" } }, 1: { json: { incidentId: "y" } } }),
      }),
    );
    expect(response.status).toBe(403);
    const body = (await response.json()) as TrpcError[];
    expect(body.map((item) => item.error.json.data.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });

  it("lets through a mutation from the console's origins, or without Origin (it then meets the sign-in check)", async () => {
    for (const headers of [
      { origin: "http://console.example.com" } as Record<string, string>,
      { origin: "http://localhost:3000" },
      { origin: "http://127.0.0.1:3000" },
      { origin: "http://[::1]:3000" },
      {},
    ]) {
      const response = await mutation(headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
    }
  });

  it("does not refuse a query for its Origin (reads change nothing)", async () => {
    const response = await GET(
      new Request("http://127.0.0.1:3000/api/trpc/auth.session", { headers: { origin: "https://evil.example" } }),
    );
    expect(response.status).toBe(200);
  });

  it("refuses a body over 1 MB with 413 naming the cap, by Content-Length and while reading a chunked body", async () => {
    const big = JSON.stringify({ json: { incidentId: "x".repeat(1024 * 1024 + 10) } });
    const declared = await mutation({ origin: "http://console.example.com" }, big);
    expect(declared.status).toBe(413);
    const body = (await declared.json()) as TrpcError;
    expect(body.error.json.data.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error.json.message).toContain("1 MB (1048576 bytes)");

    let sent = 0;
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Endless: only a reader that stops at the cap ends this request.
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const chunked = await mutation({}, stream);
    expect(chunked.status).toBe(413);
    expect(sent).toBeLessThan(2 * 1024 * 1024);
  });

  it("hands tRPC the buffered body of a request within the cap", async () => {
    const response = await mutation({}, JSON.stringify({ json: { incidentId: "y".repeat(10_000) } }));
    expect(response.status).toBe(401);
  });
});
