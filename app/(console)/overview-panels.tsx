"use client";

/**
 * The Overview: a line with this server's NATS connections, then one live panel per engine, each linking to its
 * page. Every panel refreshes on its own.
 */
import { useQuery } from "@tanstack/react-query";
import { Bell, Gauge, Mail, Network, Siren } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import type { EngineReadiness } from "@/server/core/platform";
import { Badge, Card, ErrorState, LoadingState, Time, type BadgeTone } from "@/app/_components/ui";

const REFRESH_MS = 5_000;

function Panel({ title, href, icon, children }: { title: string; href: string; icon: ReactNode; children: ReactNode }) {
  return (
    <Card aria-labelledby={`overview-${href.slice(1)}`} className="flex flex-col">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 id={`overview-${href.slice(1)}`} className="flex items-center gap-2 font-semibold">
          {icon} {title}
        </h2>
        <Link href={href} className="text-sm text-sky-700 underline-offset-2 hover:underline dark:text-sky-400">
          Open {title.toLowerCase()}
        </Link>
      </div>
      {children}
    </Card>
  );
}

function Figure({ label, value, tone = "neutral" }: { label: string; value: ReactNode; tone?: BadgeTone }) {
  const color =
    tone === "bad"
      ? "text-red-700 dark:text-red-400"
      : tone === "warn"
        ? "text-amber-700 dark:text-amber-400"
        : tone === "good"
          ? "text-emerald-700 dark:text-emerald-400"
          : "";
  return (
    <div className="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800">
      <div className="text-xs text-slate-500 dark:text-slate-400">{label}</div>
      <div className={`text-xl font-semibold tabular-nums ${color}`}>{value}</div>
    </div>
  );
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

function AlertsPanel() {
  const trpc = useTRPC();
  const firing = useQuery(
    trpc.alerts.rule.list.queryOptions({ page: 1, pageSize: 5, state: "CRITICAL" }, { refetchInterval: REFRESH_MS }),
  );
  return (
    <Panel title="Alerts" href="/alerts" icon={<Bell className="size-4 text-sky-700 dark:text-sky-400" aria-hidden />}>
      {firing.isPending ? (
        <LoadingState />
      ) : firing.isError ? (
        <ErrorState error={firing.error} retry={() => firing.refetch()} />
      ) : (
        <>
          <div className="mb-3 grid grid-cols-3 gap-2">
            <Figure
              label="Critical"
              value={firing.data.counts.CRITICAL}
              tone={firing.data.counts.CRITICAL > 0 ? "bad" : "good"}
            />
            <Figure
              label="Warning"
              value={firing.data.counts.WARN}
              tone={firing.data.counts.WARN > 0 ? "warn" : "good"}
            />
            <Figure label="Passing" value={firing.data.counts.PASS} />
          </div>
          {firing.data.items.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">No rule is critical.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {firing.data.items.map((rule) => (
                <li key={rule.id} className="flex flex-wrap items-center justify-between gap-x-2">
                  <Link href={`/alerts/${rule.id}`} className="truncate underline-offset-2 hover:underline">
                    {rule.name}
                  </Link>
                  <span className="text-xs text-slate-500 dark:text-slate-400">
                    value {rule.lastValue ?? "—"} · since <Time value={rule.stateChangedAtMs} showRelative={false} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Panel>
  );
}

const INCIDENT_TONE: Record<string, BadgeTone> = { open: "bad", acknowledged: "warn", resolved: "good" };

function PagerPanel() {
  const trpc = useTRPC();
  const incidents = useQuery(
    trpc.pager.incident.list.queryOptions({ page: 1, pageSize: 5, state: "active" }, { refetchInterval: REFRESH_MS }),
  );
  const services = useQuery(
    trpc.pager.service.list.queryOptions({ page: 1, pageSize: 200 }, { refetchInterval: REFRESH_MS }),
  );
  const unhealthy = services.data?.items.filter((service) => service.health === "unhealthy").length;
  return (
    <Panel title="Pager" href="/pager" icon={<Siren className="size-4 text-sky-700 dark:text-sky-400" aria-hidden />}>
      {incidents.isPending || services.isPending ? (
        <LoadingState />
      ) : incidents.isError || services.isError ? (
        <ErrorState
          error={incidents.error ?? services.error}
          retry={() => void Promise.all([incidents.refetch(), services.refetch()])}
        />
      ) : (
        <>
          <div className="mb-3 grid grid-cols-2 gap-2">
            <Figure
              label="Open or acknowledged incidents"
              value={incidents.data.total}
              tone={incidents.data.total > 0 ? "bad" : "good"}
            />
            <Figure
              label="Unhealthy services"
              value={`${unhealthy} of ${services.data.total}`}
              tone={unhealthy ? "bad" : "good"}
            />
          </div>
          {incidents.data.items.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">No incident is open. All quiet.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {incidents.data.items.map((incident) => (
                <li key={incident.id} className="flex flex-wrap items-center justify-between gap-x-2">
                  <Link
                    href={`/pager/incidents/${incident.id}`}
                    className="truncate underline-offset-2 hover:underline"
                  >
                    {incident.serviceName}: {incident.summary}
                  </Link>
                  <Badge tone={INCIDENT_TONE[incident.state] ?? "neutral"}>{incident.state}</Badge>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Panel>
  );
}

function DigestsPanel() {
  const trpc = useTRPC();
  const users = useQuery(
    trpc.digests.user.list.queryOptions({ page: 1, pageSize: 5 }, { refetchInterval: REFRESH_MS }),
  );
  return (
    <Panel
      title="Digests"
      href="/digests"
      icon={<Mail className="size-4 text-sky-700 dark:text-sky-400" aria-hidden />}
    >
      {users.isPending ? (
        <LoadingState />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => users.refetch()} />
      ) : (
        <>
          <div className="mb-3 grid grid-cols-1 gap-2">
            <Figure
              label="People with active alarms"
              value={users.data.total}
              tone={users.data.total > 0 ? "warn" : "good"}
            />
          </div>
          {users.data.items.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">Nobody has an active alarm.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {users.data.items.map((user) => (
                <li key={user.userId} className="flex flex-wrap items-center justify-between gap-x-2">
                  <span className="truncate">{user.userLabel}</span>
                  <span className="text-xs text-slate-500 dark:text-slate-400">{user.alarms.length} active</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Panel>
  );
}

function SchedulingPanel() {
  const trpc = useTRPC();
  const summary = useQuery(
    trpc.scheduling.summary.get.queryOptions({ windowSeconds: 60 }, { refetchInterval: REFRESH_MS }),
  );
  return (
    <Panel
      title="Scheduling"
      href="/scheduling"
      icon={<Gauge className="size-4 text-sky-700 dark:text-sky-400" aria-hidden />}
    >
      {summary.isPending ? (
        <LoadingState />
      ) : summary.isError ? (
        <ErrorState error={summary.error} retry={() => summary.refetch()} />
      ) : (
        <>
          <div className="grid grid-cols-2 gap-2">
            <Figure
              label="Seconds inside ±10% (last minute, all three)"
              value={percent(summary.data.band.fraction.all)}
            />
            <Figure
              label="Scheduler"
              value={summary.data.scheduler.enabled ? "on" : "off"}
              tone={summary.data.scheduler.enabled ? "good" : "neutral"}
            />
          </div>
          <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
            A second is inside ±10% when its busiest and quietest 100 ms tick both stayed within 10% of that
            second&apos;s average, on CPU, IO and memory alike. Unscheduled, almost no second is; the scheduler raises
            the share.
          </p>
        </>
      )}
    </Panel>
  );
}

const CONNECTION_TONE: Record<string, BadgeTone> = {
  connected: "good",
  idle: "neutral",
  connecting: "warn",
  disconnected: "bad",
  closed: "bad",
};

const ENGINE_TONE: Record<string, BadgeTone> = {
  running: "good",
  standby: "neutral",
  starting: "warn",
  "not started": "warn",
  failing: "bad",
  failed: "bad",
  stopped: "bad",
};

/** The engines this server runs, each with its state; a failing one says what fails. */
function EngineStates({ engines }: { engines: EngineReadiness[] }) {
  if (engines.length === 0)
    return <p className="text-slate-600 dark:text-slate-400">Engines: none run in this process (a web tier).</p>;
  return (
    <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
      <span className="font-medium">Engines here</span>
      {engines.map((engine) => (
        <span key={engine.name} className="flex items-center gap-1">
          {engine.name} <Badge tone={ENGINE_TONE[engine.status] ?? "neutral"}>{engine.status}</Badge>
          {engine.problem && <span className="text-red-700 dark:text-red-400">{engine.problem}</span>}
        </span>
      ))}
    </div>
  );
}

const lasted = (milliseconds: number) =>
  milliseconds < 60_000 ? `${(milliseconds / 1000).toFixed(1)} s` : `${(milliseconds / 60_000).toFixed(1)} min`;

/**
 * This server's engines and NATS as it sees them: each engine's state (a failing one with its problem), each
 * connection's state and since when, and its last outage with its length.
 */
function NatsStatusLine() {
  const trpc = useTRPC();
  const status = useQuery(trpc.platform.status.get.queryOptions(undefined, { refetchInterval: REFRESH_MS }));
  return (
    <section
      aria-labelledby="overview-nats"
      className="rounded-md border border-slate-200 px-3 py-2 text-sm lg:col-span-2 dark:border-slate-800"
    >
      <h2 id="overview-nats" className="sr-only">
        Engines and NATS connections
      </h2>
      {status.data && <EngineStates engines={status.data.engines} />}
      {status.isPending ? (
        <LoadingState />
      ) : status.isError ? (
        <ErrorState error={status.error} retry={() => status.refetch()} />
      ) : !status.data.natsConfigured ? (
        <p className="flex items-center gap-2 text-slate-600 dark:text-slate-400">
          <Network className="size-4" aria-hidden /> NATS: not configured (NATS_URL unset); events and digests stay in
          this process.
        </p>
      ) : status.data.connections.length === 0 ? (
        <p className="flex items-center gap-2 text-slate-600 dark:text-slate-400">
          <Network className="size-4" aria-hidden /> NATS: configured; this server has opened no connection yet.
        </p>
      ) : (
        <ul className="space-y-1">
          {status.data.connections.map((connection) => (
            <li key={connection.name} className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <Network className="size-4 text-sky-700 dark:text-sky-400" aria-hidden />
              <span className="font-medium">NATS {connection.name}</span>
              <Badge tone={CONNECTION_TONE[connection.state] ?? "neutral"}>{connection.state}</Badge>
              {connection.sinceMs !== null && (
                <span className="text-slate-600 dark:text-slate-400">
                  since <Time value={connection.sinceMs} />
                </span>
              )}
              {connection.lastError && connection.state !== "connected" && (
                <span className="text-red-700 dark:text-red-400">{connection.lastError}</span>
              )}
              <span className="text-xs text-slate-500 dark:text-slate-400">
                {connection.lastOutage ? (
                  <>
                    last outage <Time value={connection.lastOutage.startedAtMs} showRelative={false} />, lasted{" "}
                    {lasted(connection.lastOutage.durationMs)} ({connection.outages} since start)
                  </>
                ) : (
                  "no outage since this server started"
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OverviewPanels() {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <NatsStatusLine />
      <PagerPanel />
      <AlertsPanel />
      <DigestsPanel />
      <SchedulingPanel />
    </div>
  );
}
