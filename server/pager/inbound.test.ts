/**
 * Inbound: PagerDuty Events API v2 and Alertmanager bodies authenticated by the service's integration key, and
 * the alert engine's state changes on the event bus (deduplicated on their event id).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pagerDeadLetter, pagerIncident, pagerService } from "@/db/schema";
import type { AlertStateChanged } from "@/server/core/events";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";
import { DEAD_LETTER_RETENTION } from "./ports";

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

const trigger = (dedupKey = "disk-full") => ({
  routing_key: key,
  event_action: "trigger",
  dedup_key: dedupKey,
  payload: { summary: "Disk full on db-1", source: "db-1", severity: "critical" },
});

describe("PagerDuty Events API v2 ingest", () => {
  it("opens an incident on trigger, deduplicates a second trigger, acknowledges and resolves by dedup_key", () => {
    expect(ingest(trigger())).toMatchObject({
      kind: "accepted",
      format: "pagerduty",
      outcome: "opened",
      dedupKey: "disk-full",
    });
    expect(ingest(trigger("other-key"))).toMatchObject({ kind: "accepted", outcome: "deduplicated" });
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "other-key" })).toMatchObject({
      outcome: "acknowledged",
    });
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "other-key" })).toMatchObject({
      outcome: "already-acknowledged",
    });
    expect(ingest({ routing_key: key, event_action: "resolve", dedup_key: "disk-full" })).toMatchObject({
      outcome: "resolved",
    });
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    expect(incident).toMatchObject({ state: "resolved", alertCount: 2 });
    expect(incident.acknowledgedBy).toBe("system:events-api:Checkout");
  });

  it("answers a trigger without dedup_key with a key that acknowledge and resolve then find", () => {
    const { dedup_key: _none, ...keyless } = trigger();
    const opened = ingest(keyless);
    expect(opened).toMatchObject({ kind: "accepted", outcome: "opened" });
    const returnedKey = opened.kind === "accepted" ? opened.dedupKey : null;
    expect(returnedKey).toBe(opened.kind === "accepted" ? opened.incidentId : "?");

    // A second keyless trigger joins the incident and is answered with the same key.
    expect(ingest(keyless)).toMatchObject({ outcome: "deduplicated", dedupKey: returnedKey });
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: returnedKey })).toMatchObject({
      outcome: "acknowledged",
    });
    expect(ingest({ routing_key: key, event_action: "resolve", dedup_key: returnedKey })).toMatchObject({
      outcome: "resolved",
    });
    expect(harness.database.db.select().from(pagerIncident).get()!).toMatchObject({
      state: "resolved",
      dedupKey: returnedKey,
    });
  });

  it("answers an acknowledge for a dedup_key no open incident carries", () => {
    expect(ingest({ routing_key: key, event_action: "acknowledge", dedup_key: "nope" })).toMatchObject({
      kind: "accepted",
      outcome: "unknown-incident",
    });
  });

  it("rejects an unknown routing_key and a body missing its summary, saying what was wrong, and keeps them as dead letters", () => {
    expect(ingest({ ...trigger(), routing_key: "wrong" })).toMatchObject({ kind: "unknown-key" });
    const invalid = ingest({
      routing_key: key,
      event_action: "trigger",
      payload: { source: "x", severity: "critical" },
    });
    expect(invalid.kind).toBe("invalid");
    expect(invalid.kind === "invalid" && invalid.errors.join()).toContain("payload.summary is required");
    expect(ingest("{not json").kind).toBe("invalid");
    expect(ingest({ hello: "world" })).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("PagerDuty Events API v2"),
    });
    const letters = harness.database.db.select().from(pagerDeadLetter).all();
    expect(letters).toHaveLength(4);
    expect(letters[2]!.rawBody).toBe("{not json");
  });

  it("keeps at most the first KiB of a body from a caller without a known key, and the whole body from one with a key", () => {
    const padding = "é".repeat(20_000); // 2 bytes each: 40,000 bytes
    ingest({ ...trigger(), routing_key: "wrong", payload: { summary: padding, source: "x", severity: "critical" } });
    ingest({ routing_key: "wrong", event_action: "trigger", payload: { source: padding, severity: "critical" } });
    ingest(`not json ${padding}`);
    ingest(
      { version: "4", groupKey: "g", status: "firing", alerts: [{ status: "firing", labels: { x: padding } }] },
      { bearerKey: "wrong" },
    );
    const anonymous = harness.database.db.select().from(pagerDeadLetter).all();
    expect(anonymous).toHaveLength(4);
    for (const letter of anonymous) {
      expect(Buffer.byteLength(letter.rawBody, "utf8")).toBeLessThanOrEqual(1024);
      expect(letter.reason).toContain("unauthenticated");
    }

    const authenticatedBody = JSON.stringify({
      routing_key: key,
      event_action: "trigger",
      payload: { summary: "x", source: padding },
    });
    ingest(authenticatedBody);
    const kept = harness.database.db.select().from(pagerDeadLetter).all().at(-1)!;
    expect(kept.rawBody).toBe(authenticatedBody);
  });

  it("prunes dead letters beyond the newest 1,000 and older than 7 days on the poller's tick", async () => {
    const { db } = harness.database;
    const old = harness.clock.now() - DEAD_LETTER_RETENTION.maxAgeMs - 1;
    db.insert(pagerDeadLetter).values({ receivedAtMs: old, source: "http", reason: "old", rawBody: "" }).run();
    db.insert(pagerDeadLetter)
      .values(
        Array.from({ length: 1005 }, (_, index) => ({
          receivedAtMs: harness.clock.now(),
          source: "http",
          reason: `bad ${index}`,
          rawBody: "",
        })),
      )
      .run();
    await harness.engine.start();
    await harness.clock.advance(1000);

    const left = db.select().from(pagerDeadLetter).all();
    expect(left).toHaveLength(1000);
    expect(left.some((letter) => letter.reason === "old")).toBe(false);
    expect(left.map((letter) => letter.reason)).toContain("bad 1004");
    expect(left.map((letter) => letter.reason)).not.toContain("bad 4");
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
    alerts: [
      {
        status,
        labels: { alertname: "HighLatency", instance: "web-1" },
        annotations: {},
        startsAt: "2026-01-01T00:00:00Z",
        endsAt: "0001-01-01T00:00:00Z",
        fingerprint: "abc",
      },
    ],
  });

  it("opens an incident for a firing group and resolves it when the group resolves", () => {
    expect(ingest(webhook("firing"), { bearerKey: key })).toMatchObject({
      kind: "accepted",
      format: "alertmanager",
      outcome: "opened",
    });
    expect(harness.database.db.select().from(pagerIncident).get()!.summary).toBe(
      "[1 firing] HighLatency: p99 above 2 s",
    );
    expect(ingest(webhook("firing"), { queryKey: key })).toMatchObject({ outcome: "deduplicated" });
    expect(ingest(webhook("resolved"), { bearerKey: key })).toMatchObject({ outcome: "resolved" });
  });

  it("asks for the integration key when none is sent", () => {
    expect(ingest(webhook("firing"))).toMatchObject({
      kind: "unauthenticated",
      message: expect.stringContaining("Authorization: Bearer"),
    });
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
    await harness.bus.publish(
      "alert.state-changed",
      change({ eventId: "evt_2", previousState: "CRITICAL", newState: "WARN" }),
    );
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    expect(incident).toMatchObject({ state: "open", alertCount: 2, dedupKey: "rule_latency" });

    await harness.bus.publish(
      "alert.state-changed",
      change({ eventId: "evt_3", previousState: "WARN", newState: "PASS" }),
    );
    expect(harness.database.db.select().from(pagerService).get()!.health).toBe("healthy");
    expect(harness.database.db.select().from(pagerIncident).get()!).toMatchObject({
      state: "resolved",
      resolution: "healthy",
    });
  });

  it("resolves on PASS only when no other rule's alert on the service is still firing", async () => {
    await harness.engine.start();
    const incident = () => harness.database.db.select().from(pagerIncident).get()!;
    const health = () => harness.database.db.select().from(pagerService).get()!.health;
    await harness.bus.publish(
      "alert.state-changed",
      change({ eventId: "a1", ruleId: "rule_latency", ruleName: "Checkout latency" }),
    );
    await harness.bus.publish(
      "alert.state-changed",
      change({ eventId: "b1", ruleId: "rule_errors", ruleName: "Checkout errors" }),
    );
    expect(incident()).toMatchObject({ state: "open", alertCount: 2 });

    // The latency rule recovers: the errors rule still fires, so the incident stays open and the service Unhealthy.
    const first = harness.pager.inbound.handleAlertStateChanged(
      change({ eventId: "a2", ruleId: "rule_latency", previousState: "CRITICAL", newState: "PASS" }),
    );
    expect(first).toMatchObject({ outcome: "still-unhealthy", remainingAlerts: 1 });
    expect(incident().state).toBe("open");
    expect(health()).toBe("unhealthy");

    // The latency rule fires again and recovers again: still the errors rule keeps it open.
    await harness.bus.publish("alert.state-changed", change({ eventId: "a3", ruleId: "rule_latency" }));
    await harness.bus.publish(
      "alert.state-changed",
      change({ eventId: "a4", ruleId: "rule_latency", previousState: "CRITICAL", newState: "PASS" }),
    );
    expect(incident().state).toBe("open");

    // A PASS of a rule with no alert on the incident changes nothing.
    expect(
      harness.pager.inbound.handleAlertStateChanged(
        change({ eventId: "c1", ruleId: "rule_other", previousState: "WARN", newState: "PASS" }),
      ),
    ).toMatchObject({ outcome: "not-firing" });

    await harness.bus.publish(
      "alert.state-changed",
      change({
        eventId: "b2",
        ruleId: "rule_errors",
        ruleName: "Checkout errors",
        previousState: "CRITICAL",
        newState: "PASS",
      }),
    );
    expect(incident()).toMatchObject({ state: "resolved", resolution: "healthy" });
    expect(health()).toBe("healthy");
  });

  it("ignores a transition of a rule bound to no service", async () => {
    await harness.engine.start();
    await harness.bus.publish("alert.state-changed", change({ serviceId: null }));
    expect(harness.database.db.select().from(pagerIncident).all()).toHaveLength(0);
  });
});
