import { Badge } from "@/app/_components/ui";

export function HealthBadge({ health }: { health: "healthy" | "unhealthy" }) {
  return <Badge tone={health === "healthy" ? "good" : "bad"}>{health === "healthy" ? "Healthy" : "Unhealthy"}</Badge>;
}

export function IncidentStateBadge({ state }: { state: "open" | "acknowledged" | "resolved" }) {
  const tone = state === "open" ? "bad" : state === "acknowledged" ? "warn" : "good";
  const label = state === "open" ? "Open" : state === "acknowledged" ? "Acknowledged" : "Resolved";
  return <Badge tone={tone}>{label}</Badge>;
}

export function DeliveryBadge({ status }: { status: "pending" | "sending" | "sent" | "not_sent" | "failed" }) {
  const tone =
    status === "sent"
      ? "good"
      : status === "pending" || status === "sending"
        ? "info"
        : status === "failed"
          ? "bad"
          : "warn";
  const label = {
    pending: "queued",
    sending: "sending",
    sent: "sent",
    not_sent: "not sent",
    failed: "not sent (failed)",
  }[status];
  return <Badge tone={tone}>{label}</Badge>;
}
