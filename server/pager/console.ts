/**
 * The pager's console: exactly what the `pager` tRPC router and POST /api/v1/pager/events may call, built from
 * the use cases, the read model and the inbound handler. The rules the edges must not re-implement live here:
 * only admins see a service's integration key, a new service's key is made here, and an unknown policy or
 * incident is a NOT_FOUND refusal saying where to go back to.
 */
import type { Actor } from "@/server/core/audit";
import { DomainError } from "@/server/core/errors";
import { roleAllows, type Role } from "@/server/core/roles";
import type { IngestRequest, IngestResult, PagerInbound } from "./inbound";
import type { EscalationPolicy, MonitoredService, PolicyInput, ServiceInput } from "./model";
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
} from "./read-model";
import type { HealthyOutcome, IncidentOutcome, PagerUseCases } from "./use-cases";

/** A service as a viewer sees it: the integration key is a credential, null for anyone but an admin. */
export type ServiceView = Omit<ServiceSummary, "integrationKey"> & { integrationKey: string | null };

export interface PagerConsole {
  listServices(request: PageRequest, viewerRole: Role): PageResult<ServiceView>;
  /** Service id → name for those of `ids` that exist (other pages name services by id). */
  serviceNames(ids: readonly string[]): Map<string, string>;
  createService(input: ServiceInput, actor: Actor): MonitoredService;
  updateService(serviceId: string, input: ServiceInput, actor: Actor): MonitoredService;
  markHealthy(serviceId: string, actor: Actor): HealthyOutcome;

  listPolicies(request: PageRequest): PageResult<PolicySummary>;
  /** Refuses an unknown id with NOT_FOUND. */
  policy(policyId: string): EscalationPolicy;
  createPolicy(input: PolicyInput, actor: Actor): EscalationPolicy;
  updatePolicy(policyId: string, input: PolicyInput, actor: Actor): EscalationPolicy;

  listIncidents(request: PageRequest & IncidentFilter): PageResult<IncidentSummary>;
  /** Refuses an unknown id with NOT_FOUND. */
  incident(incidentId: string): IncidentPage;
  acknowledge(incidentId: string, actor: Actor): IncidentOutcome;
  resolve(incidentId: string, actor: Actor): IncidentOutcome;

  listDeadLetters(request: PageRequest): PageResult<DeadLetter>;
  /** One body of POST /api/v1/pager/events (PagerDuty Events v2 or an Alertmanager webhook). */
  ingest(request: IngestRequest): IngestResult;
}

export type PagerConsoleParts = {
  useCases: PagerUseCases;
  readModel: PagerReadModel;
  inbound: PagerInbound;
  /** A fresh integration key for a new service (a credential: the wiring gives it a cryptographic source). */
  newIntegrationKey: () => string;
};

export function createPagerConsole(parts: PagerConsoleParts): PagerConsole {
  const { useCases, readModel, inbound, newIntegrationKey } = parts;
  return {
    listServices(request, viewerRole) {
      const page = readModel.listServices(request);
      const seesKeys = roleAllows(viewerRole, "admin");
      return {
        ...page,
        items: page.items.map((item) => ({ ...item, integrationKey: seesKeys ? item.integrationKey : null })),
      };
    },
    serviceNames: (ids) => readModel.serviceNames(ids),
    createService: (input, actor) => useCases.createService(input, newIntegrationKey(), actor),
    updateService: (serviceId, input, actor) => useCases.updateService(serviceId, input, actor),
    markHealthy: (serviceId, actor) => useCases.healthyEvent({ serviceId, actor }),

    listPolicies: (request) => readModel.listPolicies(request),
    policy(policyId) {
      const policy = readModel.getPolicy(policyId);
      if (!policy)
        throw new DomainError("NOT_FOUND", `No escalation policy has the id ${policyId}. Go back to the policies.`);
      return policy;
    },
    createPolicy: (input, actor) => useCases.createPolicy(input, actor),
    updatePolicy: (policyId, input, actor) => useCases.updatePolicy(policyId, input, actor),

    listIncidents: (request) => readModel.listIncidents(request),
    incident(incidentId) {
      const page = readModel.getIncident(incidentId);
      if (!page)
        throw new DomainError("NOT_FOUND", `No incident has the id ${incidentId}. Go back to the incident list.`);
      return page;
    },
    acknowledge: (incidentId, actor) => useCases.acknowledge(incidentId, actor),
    resolve: (incidentId, actor) => useCases.resolve(incidentId, actor),

    listDeadLetters: (request) => readModel.listDeadLetters(request),
    ingest: (request) => inbound.ingest(request),
  };
}
