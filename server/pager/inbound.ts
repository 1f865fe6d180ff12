/**
 * The pager's inbound adapters' logic, free of HTTP: the alert engine's state changes (event bus) and the
 * ingest bodies of /api/v1/pager/events — PagerDuty Events API v2 (trigger / acknowledge / resolve with
 * dedup_key; routing_key is the service's integration key) and Alertmanager webhooks (the key comes as
 * `Authorization: Bearer <key>` or `?integration_key=`). Bad bodies and keys give an answer that says what
 * was wrong and go to the dead-letter table. Anyone can reach the endpoint, so only a request that carries a
 * known integration key has its raw body kept (up to 64 KiB); an unauthenticated or unknown-key request keeps
 * its first KiB, enough to see what was sent and too little to fill the table (which is also pruned).
 */
import { z } from "zod";
import { systemActor } from "@/server/core/audit";
import type { AlertStateChanged } from "@/server/core/events";
import { zodIssueSentences } from "@/server/core/validation";
import type { MonitoredService } from "./model";
import type { AlertOutcome, HealthyOutcome, IncidentOutcome, PagerUseCases, RuleRecoveredOutcome } from "./use-cases";

const pagerDutyEvent = z
  .object({
    routing_key: z
      .string({ message: "routing_key is required: the service's integration key" })
      .min(1, "routing_key is empty"),
    event_action: z.enum(["trigger", "acknowledge", "resolve"], {
      message: "event_action must be trigger, acknowledge or resolve",
    }),
    // A blank key would make every blank-keyed event one incident (and acknowledge or resolve it): refused.
    dedup_key: z
      .string({ message: "dedup_key must be a string" })
      .max(255, "dedup_key is longer than 255 characters")
      .refine(
        (key) => key.trim() !== "",
        "dedup_key is empty or only blanks: send the alert's key, or leave dedup_key out of a trigger",
      )
      .optional(),
    payload: z
      .object({
        summary: z
          .string({ message: "payload.summary is required" })
          .min(1, "payload.summary is empty")
          .max(1024, "payload.summary is longer than 1024 characters"),
        source: z.string({ message: "payload.source is required" }).min(1, "payload.source is empty"),
        severity: z.enum(["critical", "error", "warning", "info"], {
          message: "payload.severity must be critical, error, warning or info",
        }),
        timestamp: z.string().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.unknown().optional(),
      })
      .optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
  })
  .superRefine((event, context) => {
    if (event.event_action === "trigger" && !event.payload)
      context.addIssue({ code: "custom", path: ["payload"], message: "payload is required for a trigger event" });
    if (event.event_action !== "trigger" && !event.dedup_key)
      context.addIssue({
        code: "custom",
        path: ["dedup_key"],
        message: `dedup_key is required for an ${event.event_action} event`,
      });
  });

const alertmanagerWebhook = z.object({
  version: z.string({ message: 'version is required (Alertmanager sends "4")' }),
  groupKey: z.string({ message: "groupKey is required" }).min(1),
  status: z.enum(["firing", "resolved"], { message: "status must be firing or resolved" }),
  receiver: z.string().default(""),
  groupLabels: z.record(z.string(), z.string()).default({}),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
  externalURL: z.string().optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(["firing", "resolved"]),
        labels: z.record(z.string(), z.string()).default({}),
        annotations: z.record(z.string(), z.string()).default({}),
        fingerprint: z.string().optional(),
      }),
    )
    .min(1, "alerts is empty")
    .max(1000, "at most 1000 alerts a body"),
});

export type IngestRequest = { rawBody: string; bearerKey?: string | null; queryKey?: string | null };

export type IngestResult =
  | {
      kind: "accepted";
      format: "pagerduty" | "alertmanager";
      dedupKey: string | null;
      outcome: string;
      message: string;
      incidentId: string | null;
    }
  | { kind: "invalid" | "unauthenticated" | "unknown-key"; message: string; errors: string[] };

/** Bytes of raw body kept in a dead letter: a caller with a known key, and anyone else. */
export const DEAD_LETTER_AUTHENTICATED_BYTES = 64 * 1024;
export const DEAD_LETTER_ANONYMOUS_BYTES = 1024;

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes` (never splitting a character). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

export type InboundDependencies = {
  useCases: PagerUseCases;
  findServiceByIntegrationKey: (key: string) => MonitoredService | undefined;
  recordDeadLetter: (source: string, reason: string, rawBody: string) => void;
};

function incidentIdOf(result: AlertOutcome | IncidentOutcome | HealthyOutcome): string | null {
  if ("incidentId" in result) return result.incidentId;
  if ("resolvedIncidentId" in result) return result.resolvedIncidentId;
  return null;
}

export class PagerInbound {
  constructor(private readonly dependencies: InboundDependencies) {}

  /** One body from /api/v1/pager/events. */
  ingest(request: IngestRequest): IngestResult {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody);
    } catch {
      return this.reject(
        "http",
        "invalid",
        "The body is not JSON. Send a PagerDuty Events API v2 event or an Alertmanager webhook body with content-type application/json.",
        [],
        request,
        this.headerKeyIsKnown(request),
      );
    }
    if (body && typeof body === "object" && "event_action" in body) return this.ingestPagerDuty(body, request);
    if (body && typeof body === "object" && "alerts" in body) return this.ingestAlertmanager(body, request);
    return this.reject(
      "http",
      "invalid",
      "Unrecognised body: expected a PagerDuty Events API v2 event (routing_key, event_action, payload) or an Alertmanager webhook (version, groupKey, status, alerts).",
      [],
      request,
      this.headerKeyIsKnown(request),
    );
  }

  /**
   * The alert engine's transitions: WARN/CRITICAL alerts the rule's service (dedup key = the rule id); PASS clears
   * that rule's alert only — another rule's alert on the same service keeps it Unhealthy.
   */
  handleAlertStateChanged(
    event: AlertStateChanged,
  ): AlertOutcome | RuleRecoveredOutcome | { outcome: "ignored"; message: string } {
    if (!event.serviceId) return { outcome: "ignored", message: `Rule ${event.ruleName} pages no service.` };
    const actor = systemActor("alert-engine");
    if (event.newState === "PASS") {
      return this.dependencies.useCases.ruleRecovered({
        serviceId: event.serviceId,
        ruleId: event.ruleId,
        ruleName: event.ruleName,
        actor,
        eventId: event.eventId,
      });
    }
    return this.dependencies.useCases.receiveAlert({
      serviceId: event.serviceId,
      summary: `${event.ruleName} is ${event.newState}: ${event.message}`,
      dedupKey: event.ruleId,
      eventId: event.eventId,
      actor,
    });
  }

  private ingestPagerDuty(body: object, request: IngestRequest): IngestResult {
    const routingKey = (body as { routing_key?: unknown }).routing_key;
    const known =
      typeof routingKey === "string" && routingKey
        ? this.dependencies.findServiceByIntegrationKey(routingKey)
        : undefined;
    const parsed = pagerDutyEvent.safeParse(body);
    if (!parsed.success)
      return this.reject(
        "pagerduty",
        "invalid",
        "Invalid PagerDuty Events API v2 event.",
        zodIssueSentences(parsed.error),
        request,
        !!known,
      );
    const event = parsed.data;
    const service = known;
    if (!service)
      return this.reject(
        "pagerduty",
        "unknown-key",
        "routing_key matches no monitored service's integration key. Copy the key from the service's page.",
        [],
        request,
        false,
      );
    const actor = systemActor(`events-api:${service.name}`);
    const { useCases } = this.dependencies;
    const result =
      event.event_action === "trigger"
        ? useCases.receiveAlert({
            serviceId: service.id,
            summary: event.payload!.summary,
            dedupKey: event.dedup_key ?? null,
            actor,
          })
        : event.event_action === "acknowledge"
          ? useCases.acknowledgeByDedupKey(service.id, event.dedup_key!, actor)
          : useCases.resolveByDedupKey(service.id, event.dedup_key!, actor);
    return {
      kind: "accepted",
      format: "pagerduty",
      dedupKey: event.dedup_key ?? incidentIdOf(result),
      outcome: result.outcome,
      message: result.message,
      incidentId: incidentIdOf(result),
    };
  }

  private ingestAlertmanager(body: object, request: IngestRequest): IngestResult {
    const key = request.bearerKey ?? request.queryKey;
    if (!key) {
      return this.reject(
        "alertmanager",
        "unauthenticated",
        "Missing integration key: send `Authorization: Bearer <integration key>` (http_config.authorization in Alertmanager) or ?integration_key=….",
        [],
        request,
        false,
      );
    }
    // The key first: a caller without a valid key learns nothing about the body and keeps no more than a KiB.
    const service = this.dependencies.findServiceByIntegrationKey(key);
    if (!service)
      return this.reject(
        "alertmanager",
        "unknown-key",
        "The integration key matches no monitored service. Copy the key from the service's page.",
        [],
        request,
        false,
      );
    const parsed = alertmanagerWebhook.safeParse(body);
    if (!parsed.success)
      return this.reject(
        "alertmanager",
        "invalid",
        "Invalid Alertmanager webhook body.",
        zodIssueSentences(parsed.error),
        request,
        true,
      );
    const webhook = parsed.data;
    const actor = systemActor(`alertmanager:${webhook.receiver || service.name}`);
    // A group is one problem: Alertmanager resends the whole group, so the group key is the dedup key.
    const result =
      webhook.status === "firing"
        ? this.dependencies.useCases.receiveAlert({
            serviceId: service.id,
            summary: this.alertmanagerSummary(webhook),
            dedupKey: webhook.groupKey,
            actor,
          })
        : this.dependencies.useCases.resolveByDedupKey(service.id, webhook.groupKey, actor);
    return {
      kind: "accepted",
      format: "alertmanager",
      dedupKey: webhook.groupKey,
      outcome: result.outcome,
      message: result.message,
      incidentId: incidentIdOf(result),
    };
  }

  private alertmanagerSummary(webhook: z.infer<typeof alertmanagerWebhook>): string {
    const firing = webhook.alerts.filter((alert) => alert.status === "firing");
    const first = firing[0] ?? webhook.alerts[0]!;
    const name = webhook.commonLabels.alertname ?? first.labels.alertname ?? "alert";
    const text = webhook.commonAnnotations.summary ?? first.annotations.summary ?? first.annotations.description ?? "";
    return `[${firing.length} firing] ${name}${text ? `: ${text}` : ""}`;
  }

  private headerKeyIsKnown(request: IngestRequest): boolean {
    const key = request.bearerKey ?? request.queryKey;
    return !!key && !!this.dependencies.findServiceByIntegrationKey(key);
  }

  /** Keeps a dead letter: the whole body (to 64 KiB) for a caller with a known key, the first KiB for anyone else. */
  private reject(
    source: string,
    kind: "invalid" | "unauthenticated" | "unknown-key",
    message: string,
    errors: string[],
    request: IngestRequest,
    authenticated: boolean,
  ): IngestResult {
    const rawBody = truncateUtf8(
      request.rawBody,
      authenticated ? DEAD_LETTER_AUTHENTICATED_BYTES : DEAD_LETTER_ANONYMOUS_BYTES,
    );
    const reason =
      [message, ...errors].join(" ").slice(0, 2000) +
      (authenticated ? "" : " (unauthenticated: at most the first 1 KiB of the body is kept)");
    this.dependencies.recordDeadLetter(source, reason, rawBody);
    return { kind, message, errors };
  }
}
