/**
 * The pager's read side as a port: the console's paginated lists and the incident page (timeline, deliveries,
 * pending timer). Reads never change anything and every list is bounded by its page size. The SQLite adapter
 * (adapters/sqlite-pager-queries.ts) implements it; these types are the console's, not the tables'.
 */
import type {
  Channel,
  EscalationPolicy,
  Health,
  Incident,
  IncidentState,
  MonitoredService,
  TimelineKind,
} from "./model";

export type PageRequest = { page: number; pageSize: number };
export type PageResult<T> = { items: T[]; total: number; page: number; pageSize: number };

export type ServiceSummary = MonitoredService & {
  policyName: string;
  activeIncidentId: string | null;
  activeIncidentState: IncidentState | null;
};

export type PolicySummary = EscalationPolicy & { updatedAtMs: number; serviceCount: number };

export type IncidentFilter = { state?: IncidentState | "active"; serviceId?: string };

export type IncidentSummary = {
  id: string;
  serviceId: string;
  serviceName: string;
  state: IncidentState;
  summary: string;
  alertCount: number;
  level: number;
  openedAtMs: number;
  acknowledgedBy: string | null;
  resolvedAtMs: number | null;
};

export type TimelineEntry = {
  id: number;
  incidentId: string;
  atMs: number;
  kind: TimelineKind;
  actor: string;
  details: Record<string, unknown> | null;
};

/** pending → sending → sent | not_sent (no provider configured) | failed (retries exhausted). */
export type DeliveryStatus = "pending" | "sending" | "sent" | "not_sent" | "failed";

export type DeliverySummary = {
  id: string;
  step: number;
  level: number;
  round: number;
  channel: Channel;
  address: string;
  status: DeliveryStatus;
  attempts: number;
  reason: string | null;
  providerMessageId: string | null;
  createdAtMs: number;
  finishedAtMs: number | null;
};

/** The incident page: the incident, where its escalation stands (1-based level), its service, timeline, deliveries and pending timer. */
export type IncidentPage = {
  incident: Incident;
  position: { level: number; levelCount: number; round: number };
  serviceName: string;
  serviceHealth: Health;
  timeline: TimelineEntry[];
  deliveries: DeliverySummary[];
  pendingTimer: { dueAtMs: number; step: number } | null;
  nowMs: number;
};

export type DeadLetter = { id: number; receivedAtMs: number; source: string; reason: string; rawBody: string };

export interface PagerReadModel {
  listServices(request: PageRequest): PageResult<ServiceSummary>;
  findServiceByIntegrationKey(integrationKey: string): MonitoredService | undefined;
  /** Service id → name for those of `ids` that exist (at most MAX_NAMED_IDS ids are looked up). */
  serviceNames(ids: readonly string[]): Map<string, string>;
  listPolicies(request: PageRequest): PageResult<PolicySummary>;
  getPolicy(id: string): EscalationPolicy | undefined;
  listIncidents(request: PageRequest & IncidentFilter): PageResult<IncidentSummary>;
  getIncident(id: string): IncidentPage | undefined;
  listDeadLetters(request: PageRequest): PageResult<DeadLetter>;
}
