/**
 * The pager's unit of work on SQLite (drizzle over better-sqlite3). `transact` is one synchronous
 * `BEGIN IMMEDIATE` transaction (better-sqlite3's `.immediate`, built once; see SqlitePagerStore): it takes the write lock first, so two processes on the same file run their
 * use cases one after the other, and the partial unique index `pager_incident_active_service_idx` backs the
 * one-active-incident rule even if a reader raced. The statements of the alert hot path are prepared once.
 */
import { and, count, eq, ne, sql } from "drizzle-orm";
import type { AppDatabase, AppExecutor } from "@/db/client";
import { createAuditRecorder } from "@/db/audit";
import {
  pagerDelivery,
  pagerInboundEvent,
  pagerIncident,
  pagerIncidentKey,
  pagerPolicy,
  pagerService,
  pagerTimelineEntry,
  pagerTimer,
} from "@/db/schema";
import type { Clock } from "@/server/core/clock";
import type { EscalationPolicy, Incident, MonitoredService, TimelineKind } from "../model";
import type { ActiveIncidentRef, PagerStore, PagerUnitOfWork, TimerRow } from "../ports";

type IncidentRow = typeof pagerIncident.$inferSelect;
type ServiceRow = typeof pagerService.$inferSelect;

function toIncident(row: IncidentRow): Incident {
  return { ...row };
}

function toService(row: ServiceRow): MonitoredService {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    policyId: row.policyId,
    integrationKey: row.integrationKey,
    health: row.health,
    healthChangedAtMs: row.healthChangedAtMs,
  };
}

function preparedStatements(db: AppDatabase) {
  return {
    markEventSeen: db
      .insert(pagerInboundEvent)
      .values({ eventId: sql.placeholder("eventId"), receivedAtMs: sql.placeholder("atMs") })
      .onConflictDoNothing()
      .prepare(),
    serviceById: db
      .select()
      .from(pagerService)
      .where(eq(pagerService.id, sql.placeholder("id")))
      .prepare(),
    activeIncident: db
      .select()
      .from(pagerIncident)
      .where(and(eq(pagerIncident.serviceId, sql.placeholder("serviceId")), ne(pagerIncident.state, "resolved")))
      .prepare(),
    activeIncidentRef: db
      .select({ id: pagerIncident.id, state: pagerIncident.state, dedupKey: pagerIncident.dedupKey })
      .from(pagerIncident)
      .where(and(eq(pagerIncident.serviceId, sql.placeholder("serviceId")), ne(pagerIncident.state, "resolved")))
      .prepare(),
    countAlert: db
      .update(pagerIncident)
      .set({ alertCount: sql`${pagerIncident.alertCount} + 1`, lastAlertAtMs: sql`${sql.placeholder("atMs")}` })
      .where(eq(pagerIncident.id, sql.placeholder("id")))
      .prepare(),
    rememberKey: db
      .insert(pagerIncidentKey)
      .values({ incidentId: sql.placeholder("incidentId"), dedupKey: sql.placeholder("dedupKey") })
      .onConflictDoNothing()
      .prepare(),
  };
}

class SqliteUnitOfWork implements PagerUnitOfWork {
  readonly audit;

  constructor(
    private readonly tx: AppExecutor,
    private readonly statements: ReturnType<typeof preparedStatements>,
    clock: Clock,
  ) {
    this.audit = createAuditRecorder(tx, clock);
  }

  markEventSeen(eventId: string, atMs: number): boolean {
    return this.statements.markEventSeen.run({ eventId, atMs }).changes === 1;
  }

  getService(id: string): MonitoredService | undefined {
    const row = this.statements.serviceById.get({ id });
    return row ? toService(row) : undefined;
  }

  setServiceHealth(id: string, health: "healthy" | "unhealthy", atMs: number): void {
    this.tx.update(pagerService).set({ health, healthChangedAtMs: atMs }).where(eq(pagerService.id, id)).run();
  }

  insertService(service: MonitoredService, atMs: number): void {
    this.tx
      .insert(pagerService)
      .values({ ...service, createdAtMs: atMs })
      .run();
  }

  updateService(id: string, fields: { name: string; description: string; policyId: string }): void {
    this.tx.update(pagerService).set(fields).where(eq(pagerService.id, id)).run();
  }

  getPolicy(id: string): EscalationPolicy | undefined {
    const row = this.tx.select().from(pagerPolicy).where(eq(pagerPolicy.id, id)).get();
    return row
      ? { id: row.id, name: row.name, levels: row.levels, repeatCount: row.repeatCount, version: row.version }
      : undefined;
  }

  insertPolicy(policy: EscalationPolicy, atMs: number): void {
    this.tx
      .insert(pagerPolicy)
      .values({ ...policy, createdAtMs: atMs, updatedAtMs: atMs })
      .run();
  }

  updatePolicy(policy: EscalationPolicy, atMs: number): void {
    this.tx
      .update(pagerPolicy)
      .set({
        name: policy.name,
        levels: policy.levels,
        repeatCount: policy.repeatCount,
        version: policy.version,
        updatedAtMs: atMs,
      })
      .where(eq(pagerPolicy.id, policy.id))
      .run();
  }

  getIncident(id: string): Incident | undefined {
    const row = this.tx.select().from(pagerIncident).where(eq(pagerIncident.id, id)).get();
    return row ? toIncident(row) : undefined;
  }

  findActiveIncident(serviceId: string): Incident | undefined {
    const row = this.statements.activeIncident.get({ serviceId });
    return row ? toIncident(row) : undefined;
  }

  findActiveIncidentRef(serviceId: string): ActiveIncidentRef | undefined {
    const row = this.statements.activeIncidentRef.get({ serviceId });
    return row && row.state !== "resolved" ? { id: row.id, state: row.state, dedupKey: row.dedupKey } : undefined;
  }

  tryInsertIncident(incident: Incident): boolean {
    // No conflict target: drizzle would place a partial index's WHERE after DO NOTHING, which SQLite rejects.
    // The only unique constraints are the fresh primary key and the one-active-incident-per-service index.
    const inserted = this.tx.insert(pagerIncident).values(incident).onConflictDoNothing().run().changes === 1;
    if (inserted && incident.dedupKey)
      this.statements.rememberKey.run({ incidentId: incident.id, dedupKey: incident.dedupKey });
    return inserted;
  }

  recordDuplicateAlert(incidentId: string, atMs: number, dedupKey: string | null): void {
    this.statements.countAlert.run({ id: incidentId, atMs });
    if (dedupKey) this.statements.rememberKey.run({ incidentId, dedupKey });
  }

  hasDedupKey(incidentId: string, dedupKey: string): boolean {
    return !!this.tx
      .select({ incidentId: pagerIncidentKey.incidentId })
      .from(pagerIncidentKey)
      .where(and(eq(pagerIncidentKey.incidentId, incidentId), eq(pagerIncidentKey.dedupKey, dedupKey)))
      .get();
  }

  forgetDedupKey(incidentId: string, dedupKey: string): boolean {
    return (
      this.tx
        .delete(pagerIncidentKey)
        .where(and(eq(pagerIncidentKey.incidentId, incidentId), eq(pagerIncidentKey.dedupKey, dedupKey)))
        .run().changes === 1
    );
  }

  countDedupKeys(incidentId: string): number {
    return (
      this.tx.select({ keys: count() }).from(pagerIncidentKey).where(eq(pagerIncidentKey.incidentId, incidentId)).get()
        ?.keys ?? 0
    );
  }

  advanceEscalation(incidentId: string, fromStep: number, toStep: number): boolean {
    return (
      this.tx
        .update(pagerIncident)
        .set({ escalationStep: toStep })
        .where(
          and(
            eq(pagerIncident.id, incidentId),
            eq(pagerIncident.state, "open"),
            eq(pagerIncident.escalationStep, fromStep),
          ),
        )
        .run().changes === 1
    );
  }

  acknowledgeIncident(incidentId: string, atMs: number, by: string): boolean {
    return (
      this.tx
        .update(pagerIncident)
        .set({ state: "acknowledged", acknowledgedAtMs: atMs, acknowledgedBy: by })
        .where(and(eq(pagerIncident.id, incidentId), eq(pagerIncident.state, "open")))
        .run().changes === 1
    );
  }

  resolveIncident(incidentId: string, atMs: number, by: string, resolution: "resolved" | "healthy"): boolean {
    return (
      this.tx
        .update(pagerIncident)
        .set({ state: "resolved", resolvedAtMs: atMs, resolvedBy: by, resolution })
        .where(and(eq(pagerIncident.id, incidentId), ne(pagerIncident.state, "resolved")))
        .run().changes === 1
    );
  }

  appendTimeline(
    incidentId: string,
    entry: { atMs: number; kind: TimelineKind; actor: string; details?: Record<string, unknown> },
  ): void {
    this.tx
      .insert(pagerTimelineEntry)
      .values({ incidentId, atMs: entry.atMs, kind: entry.kind, actor: entry.actor, details: entry.details ?? null })
      .run();
  }

  setTimer(timer: { id: string; incidentId: string; step: number; dueAtMs: number }): void {
    this.tx
      .insert(pagerTimer)
      .values({ ...timer, state: "pending" })
      .onConflictDoNothing()
      .run();
  }

  getTimer(id: string): TimerRow | undefined {
    return this.tx
      .select({
        id: pagerTimer.id,
        incidentId: pagerTimer.incidentId,
        step: pagerTimer.step,
        dueAtMs: pagerTimer.dueAtMs,
        state: pagerTimer.state,
      })
      .from(pagerTimer)
      .where(eq(pagerTimer.id, id))
      .get();
  }

  settleTimer(id: string, state: "fired" | "cancelled", atMs: number, outcome: string): boolean {
    return (
      this.tx
        .update(pagerTimer)
        .set({ state, firedAtMs: atMs, outcome })
        .where(and(eq(pagerTimer.id, id), eq(pagerTimer.state, "pending")))
        .run().changes === 1
    );
  }

  cancelTimers(incidentId: string, atMs: number, outcome: string): void {
    this.tx
      .update(pagerTimer)
      .set({ state: "cancelled", firedAtMs: atMs, outcome })
      .where(and(eq(pagerTimer.incidentId, incidentId), eq(pagerTimer.state, "pending")))
      .run();
  }

  enqueueDelivery(delivery: Parameters<PagerUnitOfWork["enqueueDelivery"]>[0]): boolean {
    return (
      this.tx
        .insert(pagerDelivery)
        .values({ ...delivery, status: "pending" })
        .onConflictDoNothing()
        .run().changes === 1
    );
  }
}

export class SqlitePagerStore implements PagerStore {
  private readonly statements: ReturnType<typeof preparedStatements>;
  private readonly unitOfWork: SqliteUnitOfWork;
  private readonly native: ReturnType<AppDatabase["$client"]["transaction"]>;

  constructor(db: AppDatabase, clock: Clock) {
    this.statements = preparedStatements(db);
    // drizzle's db.transaction(…) wraps a fresh better-sqlite3 transaction function on every call, which costs
    // about 40 µs — more than the whole deduplicated alert. We build the native IMMEDIATE transaction once and
    // run drizzle on the same connection inside it: the same single synchronous transaction, without the cost.
    // The unit of work is stateless, so one instance serves every transaction (nested calls become savepoints).
    this.unitOfWork = new SqliteUnitOfWork(db, this.statements, clock);
    this.native = db.$client.transaction((work: (unitOfWork: PagerUnitOfWork) => unknown) => work(this.unitOfWork));
  }

  transact<T>(work: (unitOfWork: PagerUnitOfWork) => T): T {
    return this.native.immediate(work) as T;
  }
}
