/**
 * Inbound: PagerDuty Events API v2 and Alertmanager bodies authenticated by the service's integration key, and
 * the alert engine's state changes on the event bus (deduplicated on their event id).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pagerDeadLetter, pagerIncident, pagerService } from "@/db/schema";
import type { AlertStateChanged } from "@/server/core/events";
import { createPagerHarness, type PagerHarness } from "./adapters/test-harness";

let harness: PagerHarness;
let key: string;

beforeEach(async () => {
  harness = await createPagerHarness({ providers: false });
  key = harness.database.db.select().from(pagerService).get()!.integrationKey;
});

afterEach(async () => {
  await harness.close();
});

const ingest = (body: unknown, extra: { bearerKey?: string; queryKey?: string } = {}) =>
  harness.pager.inbound.ingest({ rawBody: typeof body === "string" ? body : JSON.stringify(body), ...extra });

const trigger = (dedupKey = "disk-full") => ({ routing_key: key, event_action: "trigger", dedup_key: dedupKey, payload: { summary: "Disk full on db-1", source: "db-1", severity: "critical" } });

describe("PagerDuty Events API v2 ingest", () => {
  it("opens an incident on trigger, deduplicates a second trigger, acknowledges and resolves by dedup_key", () => {
    expect(ingest(trigger())).toMatchObject({ kind: "accepted", format: "pagerduty", outcome: "opened", dedupKey: "disk-full" });
    expect(ingest(trigger("other-key"))).toMatchObject({ kind: "accepted", outcome: "deduplicated" });
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "other-key" })).toMatchObject({ outcome: "acknowledged" });
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "other-key" })).toMatchObject({ outcome: "already-acknowledged" });
    expect(ingest({ routing_key: key, event_action: "resolve", dedup_key: "disk-full" })).toMatchObject({ outcome: "resolved" });
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    expect(incident).toMatchObject({ state: "resolved", alertCount: 2 });
    expect(incident.acknowledgedBy).toBe("system:events-api:Checkout");
  });

  it("answers an acknowledge for a dedup_key no open incident carries", () => {
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "nope" })).toMatchObject({ kind: "accepted", outcome: "unknown-incident" });
  });

  it("rejects an unknown routing_key and a body missing its summary, saying what was wrong, and keeps them as dead letters", () => {
    expect(ingest({ ...trigger(), routing_key: "wrong" })).toMatchObject({ kind: "unknown-key" });
    const invalid = ingest({ routing_key: key, event_action: "trigger", payload: { source: "x", severity: "critical" } });
    expect(invalid.kind).toBe("invalid");
    expect(invalid.kind === "invalid" && invalid.errors.join()).toContain("payload.summary is required");
    expect(ingest("{not json").kind).toBe("invalid");
    expect(ingest({ hello: "world" })).toMatchObject({ kind: "invalid", message: expect.stringContaining("PagerDuty Events API v2") });
    const letters = harness.database.db.select().from(pagerDeadLetter).all();
    expect(letters).toHaveLength(4);
    expect(letters[2]!.rawBody).toBe("{not json");
  });
});

describe("Alertmanager webhook ingest", () => {
  const webhook = (status: "firing" | "resolved") => ({
    version: "4",
    groupKey: '{}:{alertname="HighLatency"}',
    status,
    receiver: "watchpost",
    groupLabels: { alertname: "HighLatency" },
    commonLabels: { alertname: "HighLatency", severity: "page" },
    commonAnnotations: { summary: "p99 above 2 s" },
    externalURL: "http://alertmanager:9093",
    alerts: [{ status, labels: { alertname: "HighLatency", instance: "web-1" }, annotations: {}, startsAt: "2026-01-01T00:00:00Z", endsAt: "0001-01-01T00:00:00Z", fingerprint: "abc" }],
  });

  it("opens an incident for a firing group and resolves it when the group resolves", () => {
    expect(ingest(webhook("firing"), { bearerKey: key })).toMatchObject({ kind: "accepted", format: "alertmanager", outcome: "opened" });
    expect(harness.database.db.select().from(pagerIncident).get()!.summary).toBe("[1 firing] HighLatency: p99 above 2 s");
    expect(ingest(webhook("firing"), { queryKey: key })).toMatchObject({ outcome: "deduplicated" });
    expect(ingest(webhook("resolved"), { bearerKey: key })).toMatchObject({ outcome: "resolved" });
  });

  it("asks for the integration key when none is sent", () => {
    expect(ingest(webhook("firing"))).toMatchObject({ kind: "unauthenticated", message: expect.stringContaining("Authorization: Bearer") });
  });
});

describe("alert engine state changes", () => {
  const change = (overrides: Partial<AlertStateChanged>): AlertStateChanged => ({
    eventId: "evt_1",
    ruleId: "rule_latency",
    ruleName: "Checkout latency",
    serviceId: harness.serviceId,
    subscriberUserIds: [],
    previousState: "PASS",
    newState: "CRITICAL",
    value: 2.5,
    message: "p99 2.5 s",
    changedAt: "2026-01-01T00:00:00.000000000Z",
    changedAtMs: 0,
    ...overrides,
  });

  it("alerts the rule's service on WARN/CRITICAL, ignores a redelivered event, and makes the service healthy on PASS", async () => {
    await harness.engine.start();
    await harness.bus.publish("alert.state-changed", change({}));
    await harness.bus.publish("alert.state-changed", change({}));
    await harness.bus.publish("alert.state-changed", change({ eventId: "evt_2", previousState: "CRITICAL", newState: "WARN" }));
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    expect(incident).toMatchObject({ state: "open", alertCount: 2, dedupKey: "rule_latency" });

    await harness.bus.publish("alert.state-changed", change({ eventId: "evt_3", previousState: "WARN", newState: "PASS" }));
    expect(harness.database.db.select().from(pagerService).get()!.health).toBe("healthy");
    expect(harness.database.db.select().from(pagerIncident).get()!).toMatchObject({ state: "resolved", resolution: "healthy" });
  });

  it("ignores a transition of a rule bound to no service", async () => {
    await harness.engine.start();
    await harness.bus.publish("alert.state-changed", change({ serviceId: null }));
    expect(harness.database.db.select().from(pagerIncident).all()).toHaveLength(0);
  });
});
