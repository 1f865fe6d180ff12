"use client";

import { roleAllows, type Role } from "@/server/core/roles";
import { hashKey, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, BellRing, CheckCircle2, ChevronsUp, HeartPulse, Hand, StopCircle } from "lucide-react";
import Link from "next/link";
import { useState, type ReactNode } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import { Button, Callout, Card, CardHeader, ErrorState, LoadingState, PageHeader, Time } from "@/app/_components/ui";
import { ActorName, ServiceName } from "@/app/_components/ui/entity-name";
import { DeliveryBadge, HealthBadge, IncidentStateBadge } from "../../badges";
import { IncidentKeys } from "./incident-keys";

const KIND_LOOK: Record<string, { icon: ReactNode; ring: string }> = {
  alert_received: {
    icon: <AlertTriangle className="size-4" aria-hidden />,
    ring: "bg-red-100 text-red-700 dark:bg-red-950 dark:text-red-300",
  },
  level_notified: {
    icon: <BellRing className="size-4" aria-hidden />,
    ring: "bg-sky-100 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
  },
  escalated: {
    icon: <ChevronsUp className="size-4" aria-hidden />,
    ring: "bg-amber-100 text-amber-700 dark:bg-amber-950 dark:text-amber-300",
  },
  acknowledged: {
    icon: <Hand className="size-4" aria-hidden />,
    ring: "bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
  },
  escalation_exhausted: {
    icon: <StopCircle className="size-4" aria-hidden />,
    ring: "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
  },
  resolved: {
    icon: <CheckCircle2 className="size-4" aria-hidden />,
    ring: "bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
  },
  healthy: {
    icon: <HeartPulse className="size-4" aria-hidden />,
    ring: "bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300",
  },
};

function detail<T>(details: Record<string, unknown> | null, key: string): T | undefined {
  return (details?.[key] as T | undefined) ?? undefined;
}

/** One incident: what happened, drawn as a timeline, with Acknowledge / Resolve / Mark healthy. */
export function IncidentView({ incidentId, role }: { incidentId: string; role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<{ tone: "success" | "info" | "error"; text: string } | null>(null);
  const query = useQuery(trpc.pager.incident.get.queryOptions({ incidentId }, { refetchInterval: 2_000 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.pager.pathKey() });
  const onResult = async (result: { outcome: string; message: string; page?: typeof query.data | null }) => {
    setMessage({
      tone: ["acknowledged", "resolved", "healthy"].includes(result.outcome) ? "success" : "info",
      text: result.message,
    });
    // Acknowledge and resolve answer with the incident as it now is: shown at once, the rest refreshes after.
    if (!result.page) return refresh();
    const key = trpc.pager.incident.get.queryKey({ incidentId });
    queryClient.setQueryData(key, result.page);
    // Everything else of the pager (lists, services) refreshes; this incident is already as it now is.
    await queryClient.invalidateQueries({
      queryKey: trpc.pager.pathKey(),
      predicate: (query) => query.queryHash !== hashKey(key),
    });
  };
  const onError = (error: { message: string }) => setMessage({ tone: "error", text: error.message });
  const acknowledge = useMutation(trpc.pager.incident.acknowledge.mutationOptions({ onSuccess: onResult, onError }));
  const resolve = useMutation(trpc.pager.incident.resolve.mutationOptions({ onSuccess: onResult, onError }));
  const markHealthy = useMutation(trpc.pager.service.markHealthy.mutationOptions({ onSuccess: onResult, onError }));

  if (query.isPending) return <LoadingState label="Loading the incident…" />;
  if (query.isError)
    return (
      <>
        <ErrorState error={query.error} retry={() => query.refetch()} />
        <Link href="/pager/incidents" className="mt-3 inline-block text-sky-700 underline dark:text-sky-300">
          Back to the incidents
        </Link>
      </>
    );

  const { incident, position, serviceName, serviceHealth, timeline, deliveries, pendingTimer, people } = query.data;
  const canRespond = roleAllows(role, "responder");

  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            <IncidentStateBadge state={incident.state} /> {incident.summary}
          </span>
        }
        description={
          <>
            <ServiceName service={{ id: incident.serviceId, name: serviceName }} />{" "}
            <HealthBadge health={serviceHealth} /> · policy {incident.policySnapshot.name} (version{" "}
            {incident.policySnapshot.version}) · {incident.alertCount} alert(s)
          </>
        }
        actions={
          canRespond ? (
            <>
              <Button
                onClick={() => acknowledge.mutate({ incidentId })}
                pending={acknowledge.isPending}
                disabled={incident.state !== "open"}
              >
                Acknowledge
              </Button>
              <Button
                variant="secondary"
                onClick={() => resolve.mutate({ incidentId })}
                pending={resolve.isPending}
                disabled={incident.state === "resolved"}
              >
                Resolve
              </Button>
              <Button
                variant="secondary"
                onClick={() => markHealthy.mutate({ serviceId: incident.serviceId })}
                pending={markHealthy.isPending}
                disabled={serviceHealth === "healthy" && incident.state === "resolved"}
              >
                Mark healthy
              </Button>
            </>
          ) : (
            <p className="max-w-xs text-sm text-slate-600 dark:text-slate-400" data-testid="why-no-actions">
              Only responders and admins can acknowledge or resolve; you are signed in as a {role}.
            </p>
          )
        }
      />
      <IncidentKeys
        {...(canRespond && incident.state === "open" && !acknowledge.isPending
          ? { acknowledge: () => acknowledge.mutate({ incidentId }) }
          : {})}
        {...(canRespond && incident.state !== "resolved" && !resolve.isPending
          ? { resolve: () => resolve.mutate({ incidentId }) }
          : {})}
      />
      {message ? (
        <Callout tone={message.tone} className="mb-4">
          {message.text}
        </Callout>
      ) : null}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2" aria-labelledby="timeline-heading">
          <CardHeader title={<span id="timeline-heading">Escalation timeline</span>} />
          <ol
            className="relative ml-3 border-l border-slate-200 dark:border-slate-700"
            aria-label="Escalation timeline"
            data-testid="timeline"
          >
            {timeline.map((entry) => {
              const look = KIND_LOOK[entry.kind] ?? KIND_LOOK.alert_received!;
              const step = detail<number>(entry.details, "step");
              const stepDeliveries =
                entry.kind === "level_notified" ? deliveries.filter((delivery) => delivery.step === step) : [];
              return (
                <li key={entry.id} className="mb-5 ml-6" data-testid={`timeline-${entry.kind}`}>
                  <span
                    className={`absolute -left-3.5 flex size-7 items-center justify-center rounded-full ring-4 ring-white dark:ring-slate-900 ${look.ring}`}
                  >
                    {look.icon}
                  </span>
                  <div className="flex flex-wrap items-baseline justify-between gap-2">
                    <p className="font-medium">
                      {describe(entry.kind, <ActorName actor={entry.actor} people={people} />, entry.details)}
                    </p>
                    <span className="text-xs text-slate-500 dark:text-slate-400">
                      <Time value={entry.atMs} />
                    </span>
                  </div>
                  {entry.kind === "level_notified" ? (
                    <ul
                      className="mt-2 space-y-1 text-sm"
                      aria-label={`Deliveries of level ${detail<number>(entry.details, "level")}`}
                    >
                      {stepDeliveries.map((delivery) => (
                        <li key={delivery.id} className="flex flex-wrap items-center gap-2" data-testid="delivery">
                          <span className="w-12 text-xs font-semibold uppercase text-slate-500 dark:text-slate-400">
                            {delivery.channel === "email" ? "E-mail" : "SMS"}
                          </span>
                          <span className="font-mono text-xs">{delivery.address}</span>
                          <DeliveryBadge status={delivery.status} />
                          {delivery.reason && delivery.status !== "sent" ? (
                            <span className="text-xs text-slate-600 dark:text-slate-400">— {delivery.reason}</span>
                          ) : null}
                          {delivery.attempts > 1 ? (
                            <span className="text-xs text-slate-500 dark:text-slate-400">
                              ({delivery.attempts} attempts)
                            </span>
                          ) : null}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              );
            })}
          </ol>
        </Card>
        <Card aria-labelledby="facts-heading">
          <CardHeader title={<span id="facts-heading">Facts</span>} />
          <dl className="space-y-2 text-sm">
            <Fact label="Opened">
              <Time value={incident.openedAtMs} />
            </Fact>
            <Fact label="Current level">
              {position.level} of {position.levelCount}
              {position.round > 0 ? ` (repeat ${position.round})` : ""}
            </Fact>
            <Fact label="Next escalation">
              {pendingTimer && incident.state === "open" ? <Time value={pendingTimer.dueAtMs} /> : "none"}
            </Fact>
            <Fact label="Acknowledged by">
              {incident.acknowledgedBy ? <ActorName actor={incident.acknowledgedBy} people={people} /> : "—"}
            </Fact>
            <Fact label="Resolved">
              {incident.resolvedAtMs ? (
                <>
                  {incident.resolvedBy ? <ActorName actor={incident.resolvedBy} people={people} /> : null} ·{" "}
                  <Time value={incident.resolvedAtMs} />
                </>
              ) : (
                "—"
              )}
            </Fact>
            <Fact label="Last alert">
              <Time value={incident.lastAlertAtMs} />
            </Fact>
          </dl>
        </Card>
      </div>
    </>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-right">{children}</dd>
    </div>
  );
}

function describe(kind: string, actor: ReactNode, details: Record<string, unknown> | null): ReactNode {
  switch (kind) {
    case "alert_received":
      return (
        <>
          Alert received from {actor}: {detail<string>(details, "summary") ?? ""}
        </>
      );
    case "level_notified": {
      const round = detail<number>(details, "round") ?? 0;
      return `Level ${detail<number>(details, "level")} notified${round ? ` (repeat ${round})` : ""}`;
    }
    case "escalated":
      return `Escalated to level ${detail<number>(details, "level")}: nobody acknowledged in time`;
    case "acknowledged":
      return <>Acknowledged by {actor}</>;
    case "escalation_exhausted":
      return "Every level was notified; no more escalation";
    case "resolved":
      return <>Resolved by {actor}</>;
    case "healthy":
      return <>Service reported healthy by {actor}; incident resolved</>;
    default:
      return kind;
  }
}
