/**
 * The exercise's five scenarios, each named in its own words, plus the traps the statement leaves open (stale
 * timers, second firings, repeats, policy snapshots, bad input). Real SQLite, real SMTP and SMS receivers, the
 * real timer poller — all under a ManualClock.
 */
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditLog, pagerIncident, pagerService, pagerTimer } from "@/db/schema";
import { systemActor, type Actor } from "@/server/core/audit";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";

const MINUTE = 60_000;
const responder: Actor = { kind: "user", userId: "usr_r", email: "rui@example.com", role: "responder" };
const system = systemActor("test");

let harness: PagerHarness;

beforeEach(async () => {
  harness = await createPagerHarness();
  await harness.engine.start();
});

afterEach(async () => {
  await harness.close();
});

function serviceHealth(): string {
  return harness.database.db.select().from(pagerService).where(eq(pagerService.id, harness.serviceId)).get()!.health;
}

function pendingTimers() {
  return harness.database.db.select().from(pagerTimer).where(eq(pagerTimer.state, "pending")).all();
}

function allTimers() {
  return harness.database.db.select().from(pagerTimer).all();
}

function mailRecipients(): string[] {
  return harness.smtp!.messages.flatMap((message) => message.to);
}

function smsRecipients(): string[] {
  return harness.sms!.messages.map((message) => message.to);
}

async function alert(summary = "p99 latency above 2 s") {
  const outcome = harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary, actor: system });
  await harness.settle();
  return outcome;
}

async function advance(ms: number) {
  await harness.clock.advance(ms);
  await harness.settle();
}

describe("the pager's five scenarios", () => {
  it("Given a Monitored Service in a Healthy State, when the Pager receives an Alert related to this Monitored Service, then the Monitored Service becomes Unhealthy, the Pager notifies all targets of the first level of the escalation policy, and sets a 15-minutes acknowledgement delay", async () => {
    expect(serviceHealth()).toBe("healthy");
    const startedAt = harness.clock.now();

    const outcome = await alert();

    expect(outcome.outcome).toBe("opened");
    expect(serviceHealth()).toBe("unhealthy");
    expect(mailRecipients()).toEqual(["first@example.com"]);
    expect(smsRecipients()).toEqual(["+15550000001"]);
    const timers = pendingTimers();
    expect(timers).toHaveLength(1);
    expect(timers[0]!.dueAtMs - startedAt).toBe(15 * MINUTE);
  });

  it("Given a Monitored Service in an Unhealthy State, the corresponding Alert is not Acknowledged and the last level has not been notified, when the Pager receives the Acknowledgement Timeout, then the Pager notifies all targets of the next level of the escalation policy and sets a 15-minutes acknowledgement delay", async () => {
    await alert();
    await advance(15 * MINUTE);

    expect(mailRecipients()).toEqual(["first@example.com", "second@example.com"]);
    expect(smsRecipients()).toEqual(["+15550000001", "+15550000002"]);
    const timers = pendingTimers();
    expect(timers).toHaveLength(1);
    expect(timers[0]!.step).toBe(1);
    expect(timers[0]!.dueAtMs).toBe(harness.clock.now() + 15 * MINUTE);
  });

  it("Given a Monitored Service in an Unhealthy State when the Pager receives the Acknowledgement and later receives the Acknowledgement Timeout, then the Pager doesn't notify any Target and doesn't set an acknowledgement delay", async () => {
    const opened = await alert();
    if (opened.outcome !== "opened") throw new Error(opened.message);
    const acknowledged = harness.pager.useCases.acknowledge(opened.incidentId, responder);
    expect(acknowledged.outcome).toBe("acknowledged");

    await advance(60 * MINUTE);

    expect(mailRecipients()).toEqual(["first@example.com"]);
    expect(smsRecipients()).toEqual(["+15550000001"]);
    expect(pendingTimers()).toHaveLength(0);
    expect(allTimers()).toHaveLength(1);
  });

  it("Given a Monitored Service in an Unhealthy State, when the Pager receives an Alert related to this Monitored Service, then the Pager doesn't notify any Target and doesn't set an acknowledgement delay", async () => {
    const first = await alert();
    const second = await alert("the same problem, reported again");

    expect(second.outcome).toBe("deduplicated");
    expect(
      second.outcome === "deduplicated" && first.outcome === "opened" && second.incidentId === first.incidentId,
    ).toBe(true);
    expect(mailRecipients()).toEqual(["first@example.com"]);
    expect(smsRecipients()).toEqual(["+15550000001"]);
    expect(allTimers()).toHaveLength(1);
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    expect(incident.alertCount).toBe(2);
  });

  it("Given a Monitored Service in an Unhealthy State, when the Pager receives a Healthy event related to this Monitored Service and later receives the Acknowledgement Timeout, then the Monitored Service becomes Healthy, the Pager doesn't notify any Target and doesn't set an acknowledgement delay", async () => {
    await alert();
    const healthy = harness.pager.useCases.healthyEvent({ serviceId: harness.serviceId, actor: responder });
    expect(healthy.outcome).toBe("healthy");

    await advance(60 * MINUTE);

    expect(serviceHealth()).toBe("healthy");
    expect(mailRecipients()).toEqual(["first@example.com"]);
    expect(smsRecipients()).toEqual(["+15550000001"]);
    expect(pendingTimers()).toHaveLength(0);
  });
});

describe("escalation timers", () => {
  it("does not escalate a new alert early when the timer of the previous, healed incident falls due", async () => {
    await alert("first problem");
    await advance(10 * MINUTE);
    harness.pager.useCases.healthyEvent({ serviceId: harness.serviceId, actor: system });
    const second = await alert("second problem");
    expect(second.outcome).toBe("opened");

    await advance(6 * MINUTE); // the first incident's timer would have fired here
    expect(mailRecipients()).toEqual(["first@example.com", "first@example.com"]);

    await advance(10 * MINUTE); // 16 minutes after the second alert: its own timer fired
    expect(mailRecipients()).toEqual(["first@example.com", "first@example.com", "second@example.com"]);
  });

  it("treats a second firing of the same timer as a no-op", async () => {
    await alert();
    const [timer] = pendingTimers();
    await advance(15 * MINUTE);
    const again = harness.pager.useCases.acknowledgementTimeout(timer!.id);
    await harness.settle();

    expect(again).toMatchObject({ outcome: "ignored", reason: "already-fired" });
    expect(mailRecipients()).toEqual(["first@example.com", "second@example.com"]);
  });

  it("stops after the last level when the repeat count is 0, and records that the policy is exhausted", async () => {
    const opened = await alert();
    await advance(15 * MINUTE);
    await advance(15 * MINUTE);
    await advance(60 * MINUTE);

    expect(mailRecipients()).toEqual(["first@example.com", "second@example.com"]);
    expect(pendingTimers()).toHaveLength(0);
    const page = harness.pager.readModel.getIncident(opened.outcome === "opened" ? opened.incidentId : "")!;
    expect(page.timeline.map((entry) => entry.kind)).toContain("escalation_exhausted");
    const audit = harness.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "pager.incident.escalationExhausted"))
      .all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorKind: "system", actorId: "pager", target: page.incident.id });
    expect(audit[0]!.details).toMatchObject({ step: 1, rounds: 1 });
  });

  it("runs the policy again after the last level as many times as its repeat count says", async () => {
    const policy = harness.pager.useCases.createPolicy(
      {
        name: "Repeat once",
        levels: [{ delayMinutes: 5, targets: [{ channel: "email", address: "solo@example.com" }] }],
        repeatCount: 1,
      },
      system,
    );
    const service = harness.pager.useCases.createService(
      { name: "Search", description: "", policyId: policy.id },
      "key-search",
      system,
    );
    harness.pager.useCases.receiveAlert({ serviceId: service.id, summary: "down", actor: system });
    await harness.settle();
    await advance(5 * MINUTE);
    await advance(5 * MINUTE);
    await advance(30 * MINUTE);

    expect(mailRecipients()).toEqual(["solo@example.com", "solo@example.com"]);
    const keys = harness.smtp!.messages.map((message) => message.idempotencyKey);
    expect(new Set(keys).size).toBe(2);
  });

  it("escalates from the policy as it was when the incident opened, even after the policy was edited", async () => {
    const opened = await alert();
    const incident = harness.database.db.select().from(pagerIncident).get()!;
    harness.pager.useCases.updatePolicy(
      incident.policySnapshot.policyId,
      {
        name: "Edited",
        levels: [
          { delayMinutes: 15, targets: [{ channel: "email", address: "first@example.com" }] },
          { delayMinutes: 15, targets: [{ channel: "email", address: "edited@example.com" }] },
        ],
        repeatCount: 0,
      },
      system,
    );
    await advance(15 * MINUTE);

    expect(opened.outcome).toBe("opened");
    expect(mailRecipients()).toEqual(["first@example.com", "second@example.com"]);
  });
});

describe("bad input is an idempotent no-op with a clear answer", () => {
  it("answers an alert for an unknown service without changing anything", () => {
    const outcome = harness.pager.useCases.receiveAlert({ serviceId: "svc_missing", summary: "x", actor: system });
    expect(outcome).toMatchObject({ outcome: "unknown-service" });
    expect(outcome.message).toContain("svc_missing");
    expect(harness.database.db.select().from(pagerIncident).all()).toHaveLength(0);
  });

  it("answers an acknowledgement of an unknown incident", () => {
    expect(harness.pager.useCases.acknowledge("inc_missing", responder)).toMatchObject({ outcome: "unknown-incident" });
  });

  it("answers a second acknowledgement with who acknowledged first, and changes nothing", async () => {
    const opened = await alert();
    const incidentId = opened.outcome === "opened" ? opened.incidentId : "";
    harness.pager.useCases.acknowledge(incidentId, responder);
    const second = harness.pager.useCases.acknowledge(incidentId, {
      ...responder,
      userId: "usr_other",
      email: "other@example.com",
    });

    expect(second.outcome).toBe("already-acknowledged");
    expect(second.message).toContain("rui@example.com");
    const incident = harness.database.db
      .select()
      .from(pagerIncident)
      .where(and(eq(pagerIncident.id, incidentId)))
      .get()!;
    expect(incident.acknowledgedBy).toBe("rui@example.com");
  });

  it("answers an acknowledgement of a resolved (stale) incident", async () => {
    const opened = await alert();
    const incidentId = opened.outcome === "opened" ? opened.incidentId : "";
    harness.pager.useCases.resolve(incidentId, responder);
    expect(harness.pager.useCases.acknowledge(incidentId, responder)).toMatchObject({ outcome: "already-resolved" });
    expect(harness.pager.useCases.resolve(incidentId, responder)).toMatchObject({ outcome: "already-resolved" });
  });

  it("answers a healthy event for a healthy service", () => {
    expect(harness.pager.useCases.healthyEvent({ serviceId: harness.serviceId, actor: responder })).toMatchObject({
      outcome: "already-healthy",
    });
    expect(harness.pager.useCases.healthyEvent({ serviceId: "svc_missing", actor: responder })).toMatchObject({
      outcome: "unknown-service",
    });
  });

  it("rejects a policy with a fake e-mail address or a phone number outside E.164, saying which", () => {
    expect(() =>
      harness.pager.useCases.createPolicy(
        {
          name: "Bad",
          levels: [{ delayMinutes: 15, targets: [{ channel: "email", address: "not-an-address" }] }],
          repeatCount: 0,
        },
        system,
      ),
    ).toThrow(/real e-mail address/);
    expect(() =>
      harness.pager.useCases.createPolicy(
        {
          name: "Bad",
          levels: [{ delayMinutes: 15, targets: [{ channel: "sms", address: "0612345678" }] }],
          repeatCount: 0,
        },
        system,
      ),
    ).toThrow(/E\.164/);
  });
});

describe("the incident timeline", () => {
  it("names the alert, each level notified with its targets, the escalation, who acknowledged, and the resolution", async () => {
    const opened = await alert();
    const incidentId = opened.outcome === "opened" ? opened.incidentId : "";
    await advance(15 * MINUTE);
    harness.pager.useCases.acknowledge(incidentId, responder);
    harness.pager.useCases.resolve(incidentId, responder);

    const page = harness.pager.readModel.getIncident(incidentId)!;
    expect(page.timeline.map((entry) => entry.kind)).toEqual([
      "alert_received",
      "level_notified",
      "escalated",
      "level_notified",
      "acknowledged",
      "resolved",
    ]);
    expect(page.timeline.find((entry) => entry.kind === "acknowledged")!.actor).toBe("rui@example.com");
    expect(page.deliveries.map((delivery) => [delivery.level, delivery.channel, delivery.status])).toEqual([
      [0, "email", "sent"],
      [0, "sms", "sent"],
      [1, "email", "sent"],
      [1, "sms", "sent"],
    ]);
    expect(serviceHealth()).toBe("healthy");
  });
});
