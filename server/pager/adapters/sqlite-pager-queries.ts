/**
 * The console's read side of the pager (the `PagerReadModel` port): paginated lists and the incident page
 * (timeline + deliveries). Reads never change anything; the lists are bounded by the page size. Also the
 * dead-letter log of the HTTP ingest (`DeadLetterLog`): recorded, pruned to its retention, listed.
 */
import { and, asc, count, desc, eq, inArray, lt, lte, ne, or, type SQL } from "drizzle-orm";
import type { AppDatabase } from "@/db/client";
import {
  pagerDeadLetter,
  pagerDelivery,
  pagerIncident,
  pagerPolicy,
  pagerService,
  pagerTimelineEntry,
  pagerTimer,
} from "@/db/schema";
import type { Clock } from "@/server/core/clock";
import { MAX_NAMED_IDS } from "@/server/core/names";
import { DEAD_LETTER_AUTHENTICATED_BYTES, truncateUtf8 } from "../inbound";
import { stepPosition, type EscalationPolicy, type MonitoredService, type PolicySnapshot } from "../model";
import { DEAD_LETTER_RETENTION, type DeadLetterLog } from "../ports";
import type {
  DeadLetter,
  IncidentFilter,
  IncidentPage,
  IncidentSummary,
  PageRequest,
  PageResult,
  PagerReadModel,
  PolicySummary,
  ServiceSummary,
} from "../read-model";

/** Where an escalation step sits: its 1-based level, the policy's level count and the repeat (0 = first pass). */
function levelOf(step: number, snapshot: PolicySnapshot): { level: number; levelCount: number; round: number } {
  const position = stepPosition(snapshot, step);
  return { level: position.level + 1, levelCount: snapshot.levels.length, round: position.round };
}

export class SqlitePagerQueries implements PagerReadModel, DeadLetterLog {
  constructor(
    private readonly db: AppDatabase,
    private readonly clock: Clock,
  ) {}

  listServices(request: PageRequest): PageResult<ServiceSummary> {
    const rows = this.db
      .select({
        service: pagerService,
        policyName: pagerPolicy.name,
        activeIncidentId: pagerIncident.id,
        activeIncidentState: pagerIncident.state,
      })
      .from(pagerService)
      .innerJoin(pagerPolicy, eq(pagerPolicy.id, pagerService.policyId))
      .leftJoin(pagerIncident, and(eq(pagerIncident.serviceId, pagerService.id), ne(pagerIncident.state, "resolved")))
      .orderBy(asc(pagerService.name))
      .limit(request.pageSize)
      .offset((request.page - 1) * request.pageSize)
      .all();
    const total = this.db.select({ total: count() }).from(pagerService).get()?.total ?? 0;
    return {
      items: rows.map(({ service, policyName, activeIncidentId, activeIncidentState }) => ({
        id: service.id,
        name: service.name,
        description: service.description,
        policyId: service.policyId,
        integrationKey: service.integrationKey,
        health: service.health,
        healthChangedAtMs: service.healthChangedAtMs,
        policyName,
        activeIncidentId,
        activeIncidentState,
      })),
      total,
      ...request,
    };
  }

  serviceNames(ids: readonly string[]): Map<string, string> {
    const wanted = [...new Set(ids)].slice(0, MAX_NAMED_IDS);
    if (wanted.length === 0) return new Map();
    const rows = this.db
      .select({ id: pagerService.id, name: pagerService.name })
      .from(pagerService)
      .where(inArray(pagerService.id, wanted))
      .all();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  findServiceByIntegrationKey(integrationKey: string): MonitoredService | undefined {
    const row = this.db.select().from(pagerService).where(eq(pagerService.integrationKey, integrationKey)).get();
    return row
      ? {
          id: row.id,
          name: row.name,
          description: row.description,
          policyId: row.policyId,
          integrationKey: row.integrationKey,
          health: row.health,
          healthChangedAtMs: row.healthChangedAtMs,
        }
      : undefined;
  }

  listPolicies(request: PageRequest): PageResult<PolicySummary> {
    const rows = this.db
      .select()
      .from(pagerPolicy)
      .orderBy(asc(pagerPolicy.name))
      .limit(request.pageSize)
      .offset((request.page - 1) * request.pageSize)
      .all();
    const ids = rows.map((row) => row.id);
    const usage = ids.length
      ? this.db
          .select({ policyId: pagerService.policyId, services: count() })
          .from(pagerService)
          .where(inArray(pagerService.policyId, ids))
          .groupBy(pagerService.policyId)
          .all()
      : [];
    const total = this.db.select({ total: count() }).from(pagerPolicy).get()?.total ?? 0;
    return {
      items: rows.map((row) => ({
        id: row.id,
        name: row.name,
        levels: row.levels,
        repeatCount: row.repeatCount,
        version: row.version,
        updatedAtMs: row.updatedAtMs,
        serviceCount: usage.find((entry) => entry.policyId === row.id)?.services ?? 0,
      })),
      total,
      ...request,
    };
  }

  getPolicy(id: string): EscalationPolicy | undefined {
    const row = this.db.select().from(pagerPolicy).where(eq(pagerPolicy.id, id)).get();
    return row
      ? { id: row.id, name: row.name, levels: row.levels, repeatCount: row.repeatCount, version: row.version }
      : undefined;
  }

  listIncidents(request: PageRequest & IncidentFilter): PageResult<IncidentSummary> {
    const filters: SQL[] = [];
    if (request.state === "active") filters.push(ne(pagerIncident.state, "resolved"));
    else if (request.state) filters.push(eq(pagerIncident.state, request.state));
    if (request.serviceId) filters.push(eq(pagerIncident.serviceId, request.serviceId));
    const where = filters.length ? and(...filters) : undefined;
    const rows = this.db
      .select({ incident: pagerIncident, serviceName: pagerService.name })
      .from(pagerIncident)
      .innerJoin(pagerService, eq(pagerService.id, pagerIncident.serviceId))
      .where(where)
      .orderBy(desc(pagerIncident.openedAtMs), desc(pagerIncident.id))
      .limit(request.pageSize)
      .offset((request.page - 1) * request.pageSize)
      .all();
    const total = this.db.select({ total: count() }).from(pagerIncident).where(where).get()?.total ?? 0;
    return {
      items: rows.map(({ incident, serviceName }) => ({
        id: incident.id,
        serviceId: incident.serviceId,
        serviceName,
        state: incident.state,
        summary: incident.summary,
        alertCount: incident.alertCount,
        level: levelOf(incident.escalationStep, incident.policySnapshot).level,
        openedAtMs: incident.openedAtMs,
        acknowledgedBy: incident.acknowledgedBy,
        resolvedAtMs: incident.resolvedAtMs,
      })),
      total,
      page: request.page,
      pageSize: request.pageSize,
    };
  }

  /** The incident page: the incident, its service, its timeline, every delivery and the pending timer. */
  getIncident(id: string): IncidentPage | undefined {
    const row = this.db
      .select({ incident: pagerIncident, serviceName: pagerService.name, serviceHealth: pagerService.health })
      .from(pagerIncident)
      .innerJoin(pagerService, eq(pagerService.id, pagerIncident.serviceId))
      .where(eq(pagerIncident.id, id))
      .get();
    if (!row) return undefined;
    // An incident's timeline and deliveries are bounded by its policy: levels × targets × rounds (≤ 10 × 20 × 6).
    const timeline = this.db
      .select()
      .from(pagerTimelineEntry)
      .where(eq(pagerTimelineEntry.incidentId, id))
      .orderBy(asc(pagerTimelineEntry.id))
      .limit(2000)
      .all();
    const deliveries = this.db
      .select({
        id: pagerDelivery.id,
        step: pagerDelivery.step,
        level: pagerDelivery.level,
        round: pagerDelivery.round,
        channel: pagerDelivery.channel,
        address: pagerDelivery.address,
        status: pagerDelivery.status,
        attempts: pagerDelivery.attempts,
        reason: pagerDelivery.reason,
        providerMessageId: pagerDelivery.providerMessageId,
        createdAtMs: pagerDelivery.createdAtMs,
        finishedAtMs: pagerDelivery.finishedAtMs,
      })
      .from(pagerDelivery)
      .where(eq(pagerDelivery.incidentId, id))
      .orderBy(asc(pagerDelivery.step), asc(pagerDelivery.createdAtMs))
      .limit(2000)
      .all();
    const pendingTimer = this.db
      .select({ dueAtMs: pagerTimer.dueAtMs, step: pagerTimer.step })
      .from(pagerTimer)
      .where(and(eq(pagerTimer.incidentId, id), eq(pagerTimer.state, "pending")))
      .get();
    return {
      incident: row.incident,
      position: levelOf(row.incident.escalationStep, row.incident.policySnapshot),
      serviceName: row.serviceName,
      serviceHealth: row.serviceHealth,
      timeline,
      deliveries,
      pendingTimer: pendingTimer ?? null,
      nowMs: this.clock.now(),
    };
  }

  recordDeadLetter(source: string, reason: string, rawBody: string): void {
    this.db
      .insert(pagerDeadLetter)
      .values({
        receivedAtMs: this.clock.now(),
        source,
        reason,
        rawBody: truncateUtf8(rawBody, DEAD_LETTER_AUTHENTICATED_BYTES),
      })
      .run();
  }

  /**
   * Retention of the dead letters: drops those older than `maxAgeMs` and all but the newest `keepNewest`, so a
   * flood of bad requests cannot grow the table without bound. Returns how many rows went.
   */
  pruneDeadLetters(retention: { keepNewest: number; maxAgeMs: number } = DEAD_LETTER_RETENTION): number {
    const cutoff = this.clock.now() - retention.maxAgeMs;
    const boundary = this.db
      .select({ id: pagerDeadLetter.id })
      .from(pagerDeadLetter)
      .orderBy(desc(pagerDeadLetter.id))
      .limit(1)
      .offset(retention.keepNewest)
      .get();
    const condition = boundary
      ? or(lt(pagerDeadLetter.receivedAtMs, cutoff), lte(pagerDeadLetter.id, boundary.id))
      : lt(pagerDeadLetter.receivedAtMs, cutoff);
    return this.db.delete(pagerDeadLetter).where(condition).run().changes;
  }

  listDeadLetters(request: PageRequest): PageResult<DeadLetter> {
    const items = this.db
      .select()
      .from(pagerDeadLetter)
      .orderBy(desc(pagerDeadLetter.id))
      .limit(request.pageSize)
      .offset((request.page - 1) * request.pageSize)
      .all();
    const total = this.db.select({ total: count() }).from(pagerDeadLetter).get()?.total ?? 0;
    return { items, total, ...request };
  }
}
