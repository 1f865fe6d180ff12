/**
 * The pager's use cases — receive an alert, acknowledge, acknowledgement timeout, healthy event, resolve — and
 * the admin edits of services and policies. Each runs in one unit of work: state, timeline, timers, outbox rows
 * and audit commit together; the listener hears about new deliveries and timers only after the commit.
 *
 * Bad input (unknown service or incident, a second acknowledgement, a healthy event for a healthy service, a
 * stale or repeated timer) is never an exception: each returns an outcome with a sentence saying what happened.
 */
import { describeActor, type Actor } from "@/server/core/audit";
import type { Clock } from "@/server/core/clock";
import { DomainError } from "@/server/core/errors";
import { createId } from "@/server/core/ids";
import {
  idempotencyKeyFor,
  lastStep,
  policyInput,
  serviceInput,
  stepPosition,
  type EscalationPolicy,
  type Incident,
  type MonitoredService,
  type PolicyInput,
  type ServiceInput,
} from "./model";
import type { ActiveIncidentRef, PagerActivityListener, PagerStore, PagerUnitOfWork } from "./ports";

export type AlertInput = {
  serviceId: string;
  summary: string;
  /** PagerDuty dedup_key, the alert rule id, an Alertmanager fingerprint… */
  dedupKey?: string | null;
  /** An at-least-once event's id: the same id twice is handled once. */
  eventId?: string;
  actor: Actor;
};

export type AlertOutcome =
  | { outcome: "opened"; incidentId: string; notified: number; message: string }
  | { outcome: "deduplicated"; incidentId: string; message: string }
  | { outcome: "duplicate-event"; message: string }
  | { outcome: "unknown-service"; message: string };

export type IncidentOutcome =
  | { outcome: "acknowledged" | "resolved"; incidentId: string; message: string }
  | { outcome: "already-acknowledged" | "already-resolved"; incidentId: string; message: string }
  | { outcome: "unknown-incident"; message: string };

export type TimeoutOutcome =
  | {
      outcome: "escalated";
      incidentId: string;
      step: number;
      level: number;
      round: number;
      notified: number;
      message: string;
    }
  | { outcome: "exhausted"; incidentId: string; message: string }
  | { outcome: "ignored"; reason: "unknown-timer" | "already-fired" | "not-open" | "stale"; message: string };

export type HealthyOutcome =
  | { outcome: "healthy"; serviceId: string; resolvedIncidentId: string | null; message: string }
  | { outcome: "already-healthy"; serviceId: string; message: string }
  | { outcome: "duplicate-event"; message: string }
  | { outcome: "unknown-service"; message: string };

export type RuleRecoveredOutcome =
  | HealthyOutcome
  | { outcome: "still-unhealthy"; serviceId: string; incidentId: string; remainingAlerts: number; message: string }
  | { outcome: "not-firing"; serviceId: string; message: string };

export class PagerInputError extends DomainError {}

export type PagerUseCasesOptions = {
  store: PagerStore;
  clock: Clock;
  /** Used in notification texts: a link to the incident page. */
  baseUrl: string;
  listener?: PagerActivityListener;
};

const MINUTE_MS = 60_000;

type IncidentChange = (work: PagerUnitOfWork, incident: Incident, now: number) => IncidentOutcome;

export class PagerUseCases {
  private readonly store: PagerStore;
  private readonly clock: Clock;
  private readonly baseUrl: string;
  private listener: PagerActivityListener | undefined;

  constructor(options: PagerUseCasesOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.listener = options.listener;
  }

  setListener(listener: PagerActivityListener | undefined): void {
    this.listener = listener;
  }

  /** Scenario 1 (healthy service: open, notify level 1, arm the timer) and scenario 4 (unhealthy: deduplicate). */
  receiveAlert(input: AlertInput): AlertOutcome {
    const now = this.clock.now();
    const result = this.store.transact((work): AlertOutcome => {
      if (input.eventId !== undefined && !work.markEventSeen(input.eventId, now)) {
        return { outcome: "duplicate-event", message: `Event ${input.eventId} was handled before; nothing to do.` };
      }
      // The common case first: the service has an active incident (which implies the service exists).
      const active = work.findActiveIncidentRef(input.serviceId);
      if (active) return this.deduplicate(work, active, input.dedupKey ?? null, now);
      const service = work.getService(input.serviceId);
      if (!service)
        return {
          outcome: "unknown-service",
          message: `No monitored service has the id ${input.serviceId}; the alert was not used.`,
        };

      const policy = work.getPolicy(service.policyId);
      if (!policy)
        return {
          outcome: "unknown-service",
          message: `Service ${service.name} has no escalation policy (${service.policyId} is gone); attach one.`,
        };
      const id = createId("inc");
      const incident: Incident = {
        id,
        serviceId: service.id,
        state: "open",
        summary: input.summary.slice(0, 1000),
        // An alert without a key (a PagerDuty trigger without dedup_key) is keyed by the incident's id: that is
        // the dedup_key the Events API answers with, so acknowledge/resolve with it must find the incident.
        dedupKey: input.dedupKey ?? id,
        policySnapshot: {
          policyId: policy.id,
          name: policy.name,
          version: policy.version,
          levels: policy.levels,
          repeatCount: policy.repeatCount,
        },
        escalationStep: 0,
        alertCount: 1,
        openedAtMs: now,
        lastAlertAtMs: now,
        acknowledgedAtMs: null,
        acknowledgedBy: null,
        resolvedAtMs: null,
        resolvedBy: null,
        resolution: null,
      };
      if (!work.tryInsertIncident(incident)) {
        // Another writer opened one between our read and our insert: the unique index decided; join it.
        const winner = work.findActiveIncidentRef(service.id);
        if (!winner) throw new Error(`incident insert for ${service.id} conflicted but no active incident exists`);
        return this.deduplicate(work, winner, input.dedupKey ?? null, now);
      }
      if (service.health !== "unhealthy") work.setServiceHealth(service.id, "unhealthy", now);
      const actor = describeActor(input.actor);
      work.appendTimeline(incident.id, {
        atMs: now,
        kind: "alert_received",
        actor,
        details: {
          summary: incident.summary,
          dedupKey: incident.dedupKey,
          policy: policy.name,
          policyVersion: policy.version,
        },
      });
      const { notified } = this.notifyStep(work, incident, service, 0, now, actor);
      work.audit.record({
        actor: input.actor,
        action: "pager.incident.open",
        target: incident.id,
        details: { serviceId: service.id, summary: incident.summary, dedupKey: incident.dedupKey },
      });
      return {
        outcome: "opened",
        incidentId: incident.id,
        notified,
        message: `Opened incident ${incident.id} on ${service.name}; notified ${notified} target(s) of level 1.`,
      };
    });
    if (result.outcome === "opened") this.afterCommit();
    return result;
  }

  /** Scenario 2 (escalate to the next level), 3 (acknowledged: nothing), 5 (healthy: nothing); stale or repeated timers do nothing. */
  acknowledgementTimeout(timerId: string): TimeoutOutcome {
    const now = this.clock.now();
    const result = this.store.transact((work): TimeoutOutcome => {
      const timer = work.getTimer(timerId);
      if (!timer) return { outcome: "ignored", reason: "unknown-timer", message: `No timer has the id ${timerId}.` };
      if (timer.state !== "pending")
        return {
          outcome: "ignored",
          reason: "already-fired",
          message: `Timer ${timerId} was ${timer.state} already; a second firing does nothing.`,
        };
      const incident = work.getIncident(timer.incidentId);
      if (!incident || incident.state !== "open") {
        work.settleTimer(timer.id, "cancelled", now, `incident ${incident?.state ?? "missing"}`);
        return {
          outcome: "ignored",
          reason: "not-open",
          message: `Incident ${timer.incidentId} is ${incident?.state ?? "missing"}; no escalation.`,
        };
      }
      if (incident.escalationStep !== timer.step) {
        work.settleTimer(timer.id, "cancelled", now, `stale: incident is at step ${incident.escalationStep}`);
        return {
          outcome: "ignored",
          reason: "stale",
          message: `Timer for step ${timer.step} is stale (incident at step ${incident.escalationStep}); no escalation.`,
        };
      }
      const snapshot = incident.policySnapshot;
      const nextStep = timer.step + 1;
      if (nextStep > lastStep(snapshot)) {
        work.settleTimer(timer.id, "fired", now, "policy exhausted");
        work.appendTimeline(incident.id, {
          atMs: now,
          kind: "escalation_exhausted",
          actor: "system:pager",
          details: { rounds: snapshot.repeatCount + 1 },
        });
        work.audit.record({
          actor: { kind: "system", name: "pager" },
          action: "pager.incident.escalationExhausted",
          target: incident.id,
          details: {
            step: timer.step,
            rounds: snapshot.repeatCount + 1,
            policyId: snapshot.policyId,
            policyVersion: snapshot.version,
          },
        });
        return {
          outcome: "exhausted",
          incidentId: incident.id,
          message: `Every level of ${snapshot.name} was notified${snapshot.repeatCount ? ` ${snapshot.repeatCount + 1} times` : ""}; nothing more to escalate.`,
        };
      }
      // Compare-and-set on the step: the Grafana OnCall check, in the database, inside the lock.
      if (!work.advanceEscalation(incident.id, timer.step, nextStep)) {
        work.settleTimer(timer.id, "cancelled", now, "lost the race to another firing");
        return {
          outcome: "ignored",
          reason: "stale",
          message: `Incident ${incident.id} moved on meanwhile; no escalation.`,
        };
      }
      work.settleTimer(timer.id, "fired", now, `escalated to step ${nextStep}`);
      const service = work.getService(incident.serviceId)!;
      const position = stepPosition(snapshot, nextStep);
      work.appendTimeline(incident.id, {
        atMs: now,
        kind: "escalated",
        actor: "system:pager",
        details: { fromStep: timer.step, toStep: nextStep, level: position.level + 1, round: position.round },
      });
      const { notified } = this.notifyStep(
        work,
        { ...incident, escalationStep: nextStep },
        service,
        nextStep,
        now,
        "system:pager",
      );
      work.audit.record({
        actor: { kind: "system", name: "pager" },
        action: "pager.incident.escalate",
        target: incident.id,
        details: { toStep: nextStep, level: position.level + 1, round: position.round },
      });
      return {
        outcome: "escalated",
        incidentId: incident.id,
        step: nextStep,
        level: position.level + 1,
        round: position.round,
        notified,
        message: `Escalated incident ${incident.id} to level ${position.level + 1}${position.round ? ` (repeat ${position.round})` : ""}; notified ${notified} target(s).`,
      };
    });
    if (result.outcome === "escalated") this.afterCommit();
    return result;
  }

  acknowledge(incidentId: string, actor: Actor): IncidentOutcome {
    return this.onIncident(incidentId, (work, incident, now) => this.acknowledgeIn(work, incident, actor, now));
  }

  /** An acknowledge event (PagerDuty Events API) for a service's dedup key. */
  acknowledgeByDedupKey(serviceId: string, dedupKey: string, actor: Actor): IncidentOutcome {
    return this.onDedupKey(serviceId, dedupKey, "acknowledged", (work, incident, now) =>
      this.acknowledgeIn(work, incident, actor, now),
    );
  }

  resolve(incidentId: string, actor: Actor): IncidentOutcome {
    return this.onIncident(incidentId, (work, incident, now) => this.resolveIn(work, incident, actor, now));
  }

  resolveByDedupKey(serviceId: string, dedupKey: string, actor: Actor): IncidentOutcome {
    return this.onDedupKey(serviceId, dedupKey, "resolved", (work, incident, now) =>
      this.resolveIn(work, incident, actor, now),
    );
  }

  /** Runs `change` on an incident by id, in one transaction; an unknown id is an outcome, not an error. */
  private onIncident(incidentId: string, change: IncidentChange): IncidentOutcome {
    const now = this.clock.now();
    return this.store.transact((work) => {
      const incident = work.getIncident(incidentId);
      if (!incident)
        return { outcome: "unknown-incident", message: `No incident has the id ${incidentId}. Reload the list.` };
      return change(work, incident, now);
    });
  }

  /** Runs `change` on a service's open incident found by its dedup key, in one transaction. */
  private onDedupKey(serviceId: string, dedupKey: string, verb: string, change: IncidentChange): IncidentOutcome {
    const now = this.clock.now();
    return this.store.transact((work) => {
      const incident = this.findByDedupKey(work, serviceId, dedupKey);
      if (!incident)
        return {
          outcome: "unknown-incident",
          message: `No open incident of this service carries dedup_key "${dedupKey}"; nothing ${verb}.`,
        };
      return change(work, incident, now);
    });
  }

  /** Scenario 5: the service becomes Healthy; its active incident is resolved so no timer escalates it. */
  healthyEvent(input: { serviceId: string; actor: Actor; eventId?: string }): HealthyOutcome {
    const now = this.clock.now();
    return this.store.transact((work): HealthyOutcome => {
      if (input.eventId !== undefined && !work.markEventSeen(input.eventId, now)) {
        return { outcome: "duplicate-event", message: `Event ${input.eventId} was handled before; nothing to do.` };
      }
      const service = work.getService(input.serviceId);
      if (!service)
        return { outcome: "unknown-service", message: `No monitored service has the id ${input.serviceId}.` };
      const active = work.findActiveIncident(service.id);
      if (service.health === "healthy" && !active)
        return {
          outcome: "already-healthy",
          serviceId: service.id,
          message: `${service.name} is healthy already; nothing changed.`,
        };
      const actor = describeActor(input.actor);
      if (service.health !== "healthy") work.setServiceHealth(service.id, "healthy", now);
      if (active && work.resolveIncident(active.id, now, actor, "healthy")) {
        work.cancelTimers(active.id, now, "service healthy");
        work.appendTimeline(active.id, { atMs: now, kind: "healthy", actor, details: { serviceId: service.id } });
      }
      work.audit.record({
        actor: input.actor,
        action: "pager.service.markHealthy",
        target: service.id,
        details: { resolvedIncidentId: active?.id ?? null },
      });
      return {
        outcome: "healthy",
        serviceId: service.id,
        resolvedIncidentId: active?.id ?? null,
        message: `${service.name} is healthy${active ? `; incident ${active.id} resolved and its escalation stopped` : ""}.`,
      };
    });
  }

  /**
   * An alert rule went back to PASS. It clears only that rule's alert (dedup key = the rule id) on the service's
   * active incident; the incident is resolved — and the service Healthy — only when no other alert on it (another
   * rule, a PagerDuty or Alertmanager key) is still firing. A rule whose alert is not on the incident changes
   * nothing. The console's "Mark healthy" (healthyEvent) still heals the whole service.
   */
  ruleRecovered(input: {
    serviceId: string;
    ruleId: string;
    ruleName: string;
    actor: Actor;
    eventId?: string;
  }): RuleRecoveredOutcome {
    const now = this.clock.now();
    return this.store.transact((work): RuleRecoveredOutcome => {
      if (input.eventId !== undefined && !work.markEventSeen(input.eventId, now)) {
        return { outcome: "duplicate-event", message: `Event ${input.eventId} was handled before; nothing to do.` };
      }
      const service = work.getService(input.serviceId);
      if (!service)
        return { outcome: "unknown-service", message: `No monitored service has the id ${input.serviceId}.` };
      const active = work.findActiveIncident(service.id);
      if (!active)
        return {
          outcome: "not-firing",
          serviceId: service.id,
          message: `${service.name} has no active incident; ${input.ruleName} back to PASS changes nothing.`,
        };
      if (!work.forgetDedupKey(active.id, input.ruleId)) {
        return {
          outcome: "not-firing",
          serviceId: service.id,
          message: `${input.ruleName} has no alert on incident ${active.id}; the incident stays ${active.state}.`,
        };
      }
      const remaining = work.countDedupKeys(active.id);
      if (remaining > 0) {
        work.audit.record({
          actor: input.actor,
          action: "pager.incident.alertCleared",
          target: active.id,
          details: { ruleId: input.ruleId, remainingAlerts: remaining },
        });
        return {
          outcome: "still-unhealthy",
          serviceId: service.id,
          incidentId: active.id,
          remainingAlerts: remaining,
          message: `${input.ruleName} is back to PASS, but ${remaining} other alert(s) on incident ${active.id} are still firing; ${service.name} stays Unhealthy.`,
        };
      }
      const actor = describeActor(input.actor);
      work.setServiceHealth(service.id, "healthy", now);
      if (work.resolveIncident(active.id, now, actor, "healthy")) {
        work.cancelTimers(active.id, now, "service healthy");
        work.appendTimeline(active.id, {
          atMs: now,
          kind: "healthy",
          actor,
          details: { serviceId: service.id, ruleId: input.ruleId },
        });
      }
      work.audit.record({
        actor: input.actor,
        action: "pager.service.markHealthy",
        target: service.id,
        details: { resolvedIncidentId: active.id, ruleId: input.ruleId },
      });
      return {
        outcome: "healthy",
        serviceId: service.id,
        resolvedIncidentId: active.id,
        message: `${service.name} is healthy: ${input.ruleName} was its last firing alert; incident ${active.id} resolved.`,
      };
    });
  }

  // ---- Admin edits ----

  createPolicy(raw: PolicyInput, actor: Actor, id: string = createId("pol")): EscalationPolicy {
    const input = policyInput.parse(raw);
    const now = this.clock.now();
    return this.store.transact((work) => {
      const policy: EscalationPolicy = {
        id,
        name: input.name,
        levels: input.levels,
        repeatCount: input.repeatCount,
        version: 1,
      };
      work.insertPolicy(policy, now);
      work.audit.record({
        actor,
        action: "pager.policy.create",
        target: policy.id,
        details: { name: policy.name, levels: policy.levels.length },
      });
      return policy;
    });
  }

  updatePolicy(policyId: string, raw: PolicyInput, actor: Actor): EscalationPolicy {
    const input = policyInput.parse(raw);
    const now = this.clock.now();
    return this.store.transact((work) => {
      const existing = work.getPolicy(policyId);
      if (!existing)
        throw new PagerInputError("NOT_FOUND", `No escalation policy has the id ${policyId}. Reload the policies.`);
      const policy: EscalationPolicy = {
        ...existing,
        name: input.name,
        levels: input.levels,
        repeatCount: input.repeatCount,
        version: existing.version + 1,
      };
      work.updatePolicy(policy, now);
      work.audit.record({
        actor,
        action: "pager.policy.update",
        target: policy.id,
        details: { version: policy.version, levels: policy.levels.length, repeatCount: policy.repeatCount },
      });
      return policy;
    });
  }

  createService(
    raw: ServiceInput,
    integrationKey: string,
    actor: Actor,
    id: string = createId("svc"),
  ): MonitoredService {
    const input = serviceInput.parse(raw);
    const now = this.clock.now();
    return this.store.transact((work) => {
      if (!work.getPolicy(input.policyId))
        throw new PagerInputError(
          "BAD_REQUEST",
          `No escalation policy has the id ${input.policyId}. Choose one from the list.`,
        );
      const service: MonitoredService = {
        id,
        name: input.name,
        description: input.description,
        policyId: input.policyId,
        integrationKey,
        health: "healthy",
        healthChangedAtMs: now,
      };
      work.insertService(service, now);
      work.audit.record({
        actor,
        action: "pager.service.create",
        target: service.id,
        details: { name: service.name, policyId: service.policyId },
      });
      return service;
    });
  }

  updateService(serviceId: string, raw: ServiceInput, actor: Actor): MonitoredService {
    const input = serviceInput.parse(raw);
    return this.store.transact((work) => {
      const existing = work.getService(serviceId);
      if (!existing)
        throw new PagerInputError("NOT_FOUND", `No monitored service has the id ${serviceId}. Reload the services.`);
      if (!work.getPolicy(input.policyId))
        throw new PagerInputError(
          "BAD_REQUEST",
          `No escalation policy has the id ${input.policyId}. Choose one from the list.`,
        );
      work.updateService(serviceId, input);
      work.audit.record({
        actor,
        action: "pager.service.update",
        target: serviceId,
        details: { name: input.name, policyId: input.policyId },
      });
      return { ...existing, ...input };
    });
  }

  // ---- Internals ----

  private deduplicate(
    work: PagerUnitOfWork,
    incident: ActiveIncidentRef,
    dedupKey: string | null,
    now: number,
  ): AlertOutcome {
    // Always (re)remember the key, the opening one included: a rule that cleared and fires again must count
    // as firing again. A keyless alert is keyed by the incident id, the dedup_key the Events API answers with.
    work.recordDuplicateAlert(incident.id, now, dedupKey ?? incident.id);
    return {
      outcome: "deduplicated",
      incidentId: incident.id,
      message: `Incident ${incident.id} is ${incident.state} for this service; the alert was added to it and nobody was notified again.`,
    };
  }

  private findByDedupKey(work: PagerUnitOfWork, serviceId: string, dedupKey: string): Incident | undefined {
    const active = work.findActiveIncident(serviceId);
    if (!active) return undefined;
    // The incident's id is also a key: it is the dedup_key answered to a trigger that carried none.
    return active.id === dedupKey || active.dedupKey === dedupKey || work.hasDedupKey(active.id, dedupKey)
      ? active
      : undefined;
  }

  private acknowledgeIn(work: PagerUnitOfWork, incident: Incident, actor: Actor, now: number): IncidentOutcome {
    if (incident.state === "acknowledged")
      return {
        outcome: "already-acknowledged",
        incidentId: incident.id,
        message: `Incident ${incident.id} was acknowledged already by ${incident.acknowledgedBy}; nothing changed.`,
      };
    if (incident.state === "resolved")
      return {
        outcome: "already-resolved",
        incidentId: incident.id,
        message: `Incident ${incident.id} is resolved; there is nothing to acknowledge.`,
      };
    const by = describeActor(actor);
    if (!work.acknowledgeIncident(incident.id, now, by))
      return {
        outcome: "already-acknowledged",
        incidentId: incident.id,
        message: `Incident ${incident.id} changed meanwhile; nothing acknowledged.`,
      };
    work.cancelTimers(incident.id, now, `acknowledged by ${by}`);
    work.appendTimeline(incident.id, {
      atMs: now,
      kind: "acknowledged",
      actor: by,
      details: { step: incident.escalationStep },
    });
    work.audit.record({
      actor,
      action: "pager.incident.acknowledge",
      target: incident.id,
      details: { step: incident.escalationStep },
    });
    return { outcome: "acknowledged", incidentId: incident.id, message: `Acknowledged by ${by}: escalation stopped.` };
  }

  private resolveIn(work: PagerUnitOfWork, incident: Incident, actor: Actor, now: number): IncidentOutcome {
    if (incident.state === "resolved")
      return {
        outcome: "already-resolved",
        incidentId: incident.id,
        message: `Incident ${incident.id} was resolved already by ${incident.resolvedBy}; nothing changed.`,
      };
    const by = describeActor(actor);
    if (!work.resolveIncident(incident.id, now, by, "resolved"))
      return {
        outcome: "already-resolved",
        incidentId: incident.id,
        message: `Incident ${incident.id} changed meanwhile; nothing resolved.`,
      };
    work.cancelTimers(incident.id, now, `resolved by ${by}`);
    // With its only active incident resolved, the service has no open problem: it is Healthy again.
    work.setServiceHealth(incident.serviceId, "healthy", now);
    work.appendTimeline(incident.id, { atMs: now, kind: "resolved", actor: by });
    work.audit.record({ actor, action: "pager.incident.resolve", target: incident.id });
    return { outcome: "resolved", incidentId: incident.id, message: `Resolved by ${by}.` };
  }

  /** Queues one delivery per target of the step's level and arms the acknowledgement timer for it. */
  private notifyStep(
    work: PagerUnitOfWork,
    incident: Incident,
    service: MonitoredService,
    step: number,
    now: number,
    actor: string,
  ): { notified: number; dueAtMs: number } {
    const snapshot = incident.policySnapshot;
    const { level, round } = stepPosition(snapshot, step);
    const policyLevel = snapshot.levels[level]!;
    const link = `${this.baseUrl}/pager/incidents/${incident.id}`;
    const subject = `[Watchpost] ${service.name}: ${incident.summary}`.slice(0, 200);
    let notified = 0;
    const targets: { channel: string; address: string }[] = [];
    for (const target of policyLevel.targets) {
      const body =
        target.channel === "sms"
          ? `Watchpost: ${service.name} is unhealthy: ${incident.summary}`.slice(0, 140) + ` ${link}`
          : `${service.name} is unhealthy.\n\n${incident.summary}\n\nYou are on level ${level + 1} of ${snapshot.name}. Acknowledge within ${policyLevel.delayMinutes} minutes or the next level is paged:\n${link}\n`;
      const queued = work.enqueueDelivery({
        id: createId("dlv"),
        incidentId: incident.id,
        step,
        level,
        round,
        channel: target.channel,
        address: target.address,
        idempotencyKey: idempotencyKeyFor(incident.id, level, round, target),
        subject,
        body,
        createdAtMs: now,
      });
      if (queued) {
        notified++;
        targets.push(target);
      }
    }
    const dueAtMs = now + policyLevel.delayMinutes * MINUTE_MS;
    work.setTimer({ id: createId("tmr"), incidentId: incident.id, step, dueAtMs });
    work.appendTimeline(incident.id, {
      atMs: now,
      kind: "level_notified",
      actor,
      details: { step, level: level + 1, round, targets, acknowledgeByMs: dueAtMs },
    });
    return { notified, dueAtMs };
  }

  private afterCommit(): void {
    this.listener?.deliveriesQueued();
  }
}
