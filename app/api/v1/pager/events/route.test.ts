import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRouteRuntime, type RouteRuntime } from "@/server/jobs/testing/route-runtime";
import { POST } from "./route";

let routes: RouteRuntime;
let key: string;

beforeAll(async () => {
  routes = await startRouteRuntime();
  key = await routes.integrationKey();
});

afterAll(() => routes.close());

const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  // Bytes, not a string: a string body makes Request add text/plain itself, and one test sends no Content-Type.
  POST(
    new Request("http://127.0.0.1:3000/api/v1/pager/events", {
      method: "POST",
      body: new TextEncoder().encode(body),
      headers,
    }),
  );

const trigger = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    routing_key: key,
    event_action: "trigger",
    payload: { summary: "disk full", source: "db-1", severity: "critical" },
    ...extra,
  });

describe("POST /api/v1/pager/events", () => {
  it("answers 415 to a body whose Content-Type is not JSON, saying which type to send", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const response = await post(trigger(), { "content-type": type });
      expect(response.status).toBe(415);
      const body = (await response.json()) as { message: string };
      expect(body.message).toContain("application/json");
      expect(body.message).toContain(type.split(";")[0]);
    }
  });

  it("accepts application/json with a charset, any +json type, and a body without Content-Type", async () => {
    for (const headers of [
      { "content-type": "application/json; charset=utf-8" },
      { "content-type": "application/vnd.pagerduty+json" },
      {} as Record<string, string>,
    ]) {
      const response = await post(trigger({ dedup_key: `key-${Object.values(headers).join("")}` }), headers);
      expect(response.status).toBe(202);
    }
  });

  it("accepts an Alertmanager webhook as Alertmanager sends it (application/json, Bearer key)", async () => {
    const response = await post(
      JSON.stringify({
        version: "4",
        groupKey: '{}:{alertname="HighLatency"}',
        status: "firing",
        receiver: "watchpost",
        groupLabels: { alertname: "HighLatency" },
        commonLabels: { alertname: "HighLatency" },
        commonAnnotations: { summary: "p99 above 1 s" },
        externalURL: "http://alertmanager:9093",
        alerts: [{ status: "firing", labels: { alertname: "HighLatency" }, annotations: {}, fingerprint: "abc" }],
      }),
      { "content-type": "application/json", authorization: `Bearer ${key}`, "user-agent": "Alertmanager/0.25.0" },
    );
    expect(response.status).toBe(202);
  });

  it("refuses a dedup_key of blanks with 400 naming the field, on trigger and on acknowledge", async () => {
    for (const body of [
      trigger({ dedup_key: "   " }),
      trigger({ dedup_key: "" }),
      JSON.stringify({ routing_key: key, event_action: "acknowledge", dedup_key: " \t " }),
    ]) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { errors: string[] };
      expect(answer.errors.join(" ")).toMatch(/dedup_key is empty or only blanks/);
    }
  });
});
