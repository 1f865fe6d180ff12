/**
 * Tables of the pager engine (server/pager): monitored services, escalation policies, incidents with their
 * timeline, durable acknowledgement timers, the notification outbox and its relays' heartbeats, processed
 * inbound events and the dead letters of the HTTP ingest.
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { epochMsColumn } from "./columns";

/** One level of a policy as stored (JSON): who is notified and how long they have to acknowledge. */
export type StoredPolicyLevel = {
  /** Minutes to wait for an acknowledgement after this level was notified, before escalating. */
  delayMinutes: number;
  targets: { channel: "email" | "sms"; address: string }[];
};

export const pagerPolicy = sqliteTable("pager_policy", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Ordered levels (JSON array of StoredPolicyLevel). */
  levels: text("levels", { mode: "json" }).$type<StoredPolicyLevel[]>().notNull(),
  /** How many more times the whole policy runs after its last level timed out (PagerDuty's num_loops). */
  repeatCount: integer("repeat_count").notNull().default(0),
  /** Grows at each edit; incidents keep the version they snapshotted. */
  version: integer("version").notNull().default(1),
  createdAtMs: epochMsColumn("created_at_ms").notNull(),
  updatedAtMs: epochMsColumn("updated_at_ms").notNull(),
});

export const pagerService = sqliteTable(
  "pager_service",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    policyId: text("policy_id")
      .notNull()
      .references(() => pagerPolicy.id),
    /** The secret that authenticates this service's events at /api/v1/pager/events (PagerDuty routing_key). */
    integrationKey: text("integration_key").notNull(),
    health: text("health", { enum: ["healthy", "unhealthy"] })
      .notNull()
      .default("healthy"),
    healthChangedAtMs: epochMsColumn("health_changed_at_ms").notNull(),
    createdAtMs: epochMsColumn("created_at_ms").notNull(),
  },
  (table) => [uniqueIndex("pager_service_integration_key_idx").on(table.integrationKey)],
);

export const pagerIncident = sqliteTable(
  "pager_incident",
  {
    id: text("id").primaryKey(),
    serviceId: text("service_id")
      .notNull()
      .references(() => pagerService.id),
    state: text("state", { enum: ["open", "acknowledged", "resolved"] }).notNull(),
    summary: text("summary").notNull(),
    /** The dedup key of the event that opened it (PagerDuty dedup_key, alert rule id, …). */
    dedupKey: text("dedup_key"),
    /** The policy as it was when the incident opened: later edits do not change a running escalation. */
    policySnapshot: text("policy_snapshot", { mode: "json" })
      .$type<{ policyId: string; name: string; version: number; levels: StoredPolicyLevel[]; repeatCount: number }>()
      .notNull(),
    /**
     * The escalation step last notified: step s is level (s mod levels) of round (s div levels). It is the
     * token timers compare against: a timer for another step is stale.
     */
    escalationStep: integer("escalation_step").notNull().default(0),
    /** Alerts received for this incident, the first included (later ones are deduplicated onto it). */
    alertCount: integer("alert_count").notNull().default(1),
    openedAtMs: epochMsColumn("opened_at_ms").notNull(),
    lastAlertAtMs: epochMsColumn("last_alert_at_ms").notNull(),
    acknowledgedAtMs: epochMsColumn("acknowledged_at_ms"),
    /** Who acknowledged: a user's e-mail or `system:…`. */
    acknowledgedBy: text("acknowledged_by"),
    resolvedAtMs: epochMsColumn("resolved_at_ms"),
    resolvedBy: text("resolved_by"),
    /** resolved: someone or an event resolved it; healthy: the service reported healthy. */
    resolution: text("resolution", { enum: ["resolved", "healthy"] }),
  },
  (table) => [
    // The database guarantee behind "at most one open incident per monitored service".
    uniqueIndex("pager_incident_active_service_idx")
      .on(table.serviceId)
      .where(sql`state <> 'resolved'`),
    index("pager_incident_state_opened_idx").on(table.state, table.openedAtMs),
    index("pager_incident_opened_idx").on(table.openedAtMs),
  ],
);

/** Every dedup key that was deduplicated onto an incident, so acknowledge/resolve events can find it. */
export const pagerIncidentKey = sqliteTable(
  "pager_incident_key",
  {
    incidentId: text("incident_id")
      .notNull()
      .references(() => pagerIncident.id),
    dedupKey: text("dedup_key").notNull(),
  },
  (table) => [primaryKey({ columns: [table.incidentId, table.dedupKey] })],
);

export const pagerTimelineEntry = sqliteTable(
  "pager_timeline_entry",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    incidentId: text("incident_id")
      .notNull()
      .references(() => pagerIncident.id),
    atMs: epochMsColumn("at_ms").notNull(),
    kind: text("kind", {
      enum: [
        "alert_received",
        "level_notified",
        "escalated",
        "acknowledged",
        "escalation_exhausted",
        "resolved",
        "healthy",
      ],
    }).notNull(),
    /** A user's e-mail or `system:…`. */
    actor: text("actor").notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (table) => [index("pager_timeline_entry_incident_idx").on(table.incidentId, table.id)],
);

/** Durable acknowledgement timers: the due time and the token (incident + escalation step). */
export const pagerTimer = sqliteTable(
  "pager_timer",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => pagerIncident.id),
    /** The escalation step this timer belongs to; with the incident id it is the token. */
    step: integer("step").notNull(),
    dueAtMs: epochMsColumn("due_at_ms").notNull(),
    /** pending → fired (it ran its step) | cancelled (ack, resolve, healthy, stale: nothing was done). */
    state: text("state", { enum: ["pending", "fired", "cancelled"] }).notNull(),
    firedAtMs: epochMsColumn("fired_at_ms"),
    outcome: text("outcome"),
  },
  (table) => [
    uniqueIndex("pager_timer_incident_step_idx").on(table.incidentId, table.step),
    index("pager_timer_state_due_idx").on(table.state, table.dueAtMs),
  ],
);

/** The notification outbox: written with the state change, delivered after the commit by the relay. */
export const pagerDelivery = sqliteTable(
  "pager_delivery",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => pagerIncident.id),
    step: integer("step").notNull(),
    /** 0-based level index in the incident's policy snapshot. */
    level: integer("level").notNull(),
    /** 0 for the first pass through the policy, 1 for the first repeat, … */
    round: integer("round").notNull(),
    channel: text("channel", { enum: ["email", "sms"] }).notNull(),
    address: text("address").notNull(),
    /** incident/level/round/channel:address — unique, so the same page is never queued twice; sent to providers. */
    idempotencyKey: text("idempotency_key").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    /** pending → sending → sent | not_sent (no provider configured) | failed (retries exhausted). */
    status: text("status", { enum: ["pending", "sending", "sent", "not_sent", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Why it was not sent, or the last error. */
    reason: text("reason"),
    providerMessageId: text("provider_message_id"),
    createdAtMs: epochMsColumn("created_at_ms").notNull(),
    /**
     * While `sending`: the claim's hard end, even for a live owner (the relay plans every retry to end before it).
     * With `claimed_by` it is the claim's token. A dead owner's claim is taken over before it (pager_relay_owner).
     */
    leaseUntilMs: epochMsColumn("lease_until_ms"),
    /** The relay owner (pager_relay_owner.owner_id, one per relay start) that claimed the row; kept once settled. */
    claimedBy: text("claimed_by"),
    finishedAtMs: epochMsColumn("finished_at_ms"),
  },
  (table) => [
    uniqueIndex("pager_delivery_idempotency_key_idx").on(table.idempotencyKey),
    index("pager_delivery_incident_idx").on(table.incidentId),
    index("pager_delivery_status_idx").on(table.status),
  ],
);

/**
 * The outbox relays' heartbeats: one row per relay start (a process-unique owner id), renewed every ~2 s. A
 * `sending` delivery whose owner's row is missing or past `alive_until_ms` belongs to a dead process and any live
 * relay takes it over, whatever the delivery's own lease says.
 */
export const pagerRelayOwner = sqliteTable("pager_relay_owner", {
  ownerId: text("owner_id").primaryKey(),
  /** The owner counts as alive until this time (Unix ms): each heartbeat moves it ~10 s ahead. */
  aliveUntilMs: epochMsColumn("alive_until_ms").notNull(),
  startedAtMs: epochMsColumn("started_at_ms").notNull(),
  renewedAtMs: epochMsColumn("renewed_at_ms").notNull(),
});

/** Ids of inbound events already handled (alert state changes): at-least-once delivery becomes exactly once. */
export const pagerInboundEvent = sqliteTable("pager_inbound_event", {
  eventId: text("event_id").primaryKey(),
  receivedAtMs: epochMsColumn("received_at_ms").notNull(),
});

/** Ingest requests that could not be used, with the reason and the raw body. */
export const pagerDeadLetter = sqliteTable(
  "pager_dead_letter",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    receivedAtMs: epochMsColumn("received_at_ms").notNull(),
    source: text("source").notNull(),
    reason: text("reason").notNull(),
    rawBody: text("raw_body").notNull(),
  },
  (table) => [index("pager_dead_letter_received_idx").on(table.receivedAtMs)],
);
