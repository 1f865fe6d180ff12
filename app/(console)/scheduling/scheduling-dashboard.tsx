"use client";

import { roleAllows, type Role } from "@/server/core/roles";
import type { AppRouter } from "@/server/trpc/root";
import type { inferRouterOutputs } from "@trpc/server";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Badge,
  Callout,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Pagination,
  Select,
  Table,
  Td,
  Th,
  THead,
  Time,
  Tr,
} from "@/app/_components/ui";
import { ChartLegend } from "./chart-parts";
import { ResourceChart } from "./resource-chart";

const RESOURCES = [
  { key: "cpu", title: "CPU" },
  { key: "io", title: "IO" },
  { key: "memory", title: "Memory" },
] as const;

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** What the history behind the estimates means for the scheduler, in a sentence. */
function historyMeaning(seconds: number): string {
  if (seconds === 0)
    return "No cost estimates yet: the scheduler waits for about two minutes of history before it adds delay.";
  if (seconds < 120)
    return `Estimates from ${seconds} s of history: too few to balance; the scheduler waits until 120 s (about ${120 - seconds} s more).`;
  if (seconds < 300)
    return `Estimates from ${seconds} s of history: good enough to balance; they keep improving for a few more minutes.`;
  return `Estimates from ${Math.round(seconds / 60)} min of history: settled (most templates' costs are exact).`;
}

/** The Scheduling page's live part: switch, figures, charts, executions and templates. */
export function SchedulingDashboard({ role }: { role: Role }) {
  return (
    <div className="grid grid-cols-1 gap-6">
      <SummaryPanel canSwitch={roleAllows(role, "responder")} />
      <ChartsPanel />
      <ExecutionsPanel />
      <TemplatesPanel />
    </div>
  );
}

function SummaryPanel({ canSwitch }: { canSwitch: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [windowSeconds, setWindowSeconds] = useState(60);
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const summary = useQuery(trpc.scheduling.summary.get.queryOptions({ windowSeconds }, { refetchInterval: 2_000 }));
  const toggle = useMutation(
    trpc.scheduling.scheduler.setEnabled.mutationOptions({
      onSuccess: async (result) => {
        setMessage({
          tone: "success",
          text: result.enabled
            ? "Scheduler on: it delays queries to flatten each second whenever it can balance them; while it cannot (warming up, falling behind), it adds no delay and says why below."
            : "Scheduler off: queries run after the default delay again.",
        });
        await queryClient.invalidateQueries({ queryKey: trpc.scheduling.pathKey() });
      },
      onError: (error) => setMessage({ tone: "error", text: error.message }),
    }),
  );

  if (summary.isPending) return <LoadingState label="Loading the figures…" />;
  if (summary.isError) return <ErrorState error={summary.error} retry={() => void summary.refetch()} />;
  const data = summary.data;
  const enabled = data.scheduler.enabled;
  // While saving, the switch shows the value asked for; a native checkbox exposes `checked` as its state.
  const checked = toggle.isPending ? Boolean(toggle.variables?.enabled) : enabled;
  const capture = data.capture;

  return (
    <Card aria-labelledby="scheduling-summary-heading">
      <CardHeader
        title={<span id="scheduling-summary-heading">Band and latency</span>}
        description="A second is inside the band when its min and max are within ±10% of its average on CPU, IO and memory alike."
        actions={
          <>
            <Field label="Over the last" htmlFor="summary-window">
              <Select
                id="summary-window"
                value={windowSeconds}
                onChange={(event) => setWindowSeconds(Number(event.target.value))}
              >
                <option value={60}>minute</option>
                <option value={600}>10 minutes</option>
                <option value={3600}>hour</option>
              </Select>
            </Field>
            <label className="flex items-center gap-2 text-sm font-medium" htmlFor="scheduler-switch">
              <input
                id="scheduler-switch"
                type="checkbox"
                role="switch"
                checked={checked}
                disabled={!canSwitch || toggle.isPending}
                onChange={(event) => toggle.mutate({ enabled: event.target.checked })}
                className="h-5 w-9 cursor-pointer accent-sky-600"
              />
              Scheduler {checked ? "on" : "off"}
            </label>
          </>
        }
      />
      {!canSwitch ? (
        <p className="mb-2 text-xs text-slate-500 dark:text-slate-400">
          Viewers see the figures; a responder or an admin turns the scheduler on and off.
        </p>
      ) : null}
      {message ? (
        <Callout tone={message.tone} className="mb-3">
          {message.text}
        </Callout>
      ) : null}
      <BandHeadline band={data.band} windowSeconds={data.windowSeconds} />
      <SummaryFigures data={data} />
      <div className="mt-4 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
        <Badge tone={capture.state === "connected" ? "good" : capture.state === "disconnected" ? "bad" : "neutral"}>
          Capture {capture.state}
        </Badge>
        <span>
          Cursor {capture.lastSeq} (lag {capture.lag} events)
          {capture.logChanges > 0 ? `, server state lost ${capture.logChanges}×` : ""}
        </span>
        {capture.lastError ? (
          <span className="text-red-700 dark:text-red-300">Last error: {capture.lastError}</span>
        ) : null}
        <span>· Database {data.dbsimUrl ?? "not started"}</span>
        <span>
          · Estimates fitted on <span data-testid="estimator-seconds">{data.estimator.windows}</span> seconds
          {data.estimator.fittedAt ? (
            <>
              {" "}
              (<Time value={data.estimator.fittedAt} />)
            </>
          ) : null}
        </span>
        {data.scheduler.status ? (
          <span>
            · Scheduler backlog {data.scheduler.status.backlog}, {data.scheduler.status.windowsBalanced}/
            {data.scheduler.status.windowsPlanned} seconds planned balanced
          </span>
        ) : null}
      </div>
      {data.scheduler.enabled && data.scheduler.status?.mode === "standing aside" ? (
        <Callout tone="warning" className="mt-3">
          The scheduler is on but adds no delay now: {data.scheduler.status.reason ?? "it is catching up"}. Queries run
          unscheduled until it resumes by itself.
        </Callout>
      ) : null}
      <p className="mt-2 text-xs text-slate-600 dark:text-slate-400" data-testid="estimator-meaning">
        {historyMeaning(data.estimator.windows)}
        {data.scheduler.status?.timing ? (
          <>
            {" "}
            In real time it acted on {data.scheduler.status.timing.ticksActed} ticks (
            {data.scheduler.status.timing.ticksLate} late, {data.scheduler.status.timing.ticksMissed} missed); it saw
            each tick {data.scheduler.status.timing.stepLatenessMs.p50} ms after it ran (p99{" "}
            {data.scheduler.status.timing.stepLatenessMs.p99} ms), and a delay call took{" "}
            {data.scheduler.status.timing.delayCallMs.p50} ms (p99 {data.scheduler.status.timing.delayCallMs.p99} ms) of
            the 100 ms a tick lasts.
          </>
        ) : null}
      </p>
      {data.gaps.length > 0 ? (
        <Callout tone="info" className="mt-3">
          The capture recorded {data.gaps.length} gap(s):{" "}
          {data.gaps
            .map((gap) =>
              gap.reason === "server_log_replaced" ? "the server lost its state" : "events past the server's retention",
            )
            .join(", ")}
          .
        </Callout>
      ) : null}
    </Card>
  );
}

type Summary = inferRouterOutputs<AppRouter>["scheduling"]["summary"]["get"];

const WINDOW_NAMES: Record<number, string> = { 60: "minute", 600: "10 minutes", 3600: "hour" };

const lastWindow = (windowSeconds: number) => `the last ${WINDOW_NAMES[windowSeconds] ?? `${windowSeconds} seconds`}`;

/** "the last 10 minutes", or the seconds actually captured in it when the capture covers less of it. */
function coveredPeriod(capturedSeconds: number, windowSeconds: number): string {
  const window = lastWindow(windowSeconds);
  if (capturedSeconds >= windowSeconds * 0.95) return window;
  const captured = capturedSeconds < 120 ? `${capturedSeconds} seconds` : `${Math.round(capturedSeconds / 60)} minutes`;
  return `the ${captured} captured in ${window}`;
}

/** The page's answer in one sentence, from the same figures as the boxes below it. */
function BandHeadline({ band, windowSeconds }: { band: Summary["band"]; windowSeconds: number }) {
  const text =
    band.seconds === 0
      ? `No second captured in ${lastWindow(windowSeconds)} yet.`
      : `${percent(band.fraction.all)} of ${coveredPeriod(band.seconds, windowSeconds)} stayed within ±10% on all three (CPU, IO and memory at once).`;
  return (
    <p className="mb-3 text-lg font-semibold text-slate-900 dark:text-slate-100" data-testid="band-headline">
      {text}
    </p>
  );
}

const RESOURCE_FIGURES = [
  { resource: "cpu", name: "CPU" },
  { resource: "io", name: "IO" },
  { resource: "memory", name: "Memory" },
] as const;

const ticksAsSeconds = (ticks: number) => `${(ticks / 10).toFixed(1)} s`;

function SummaryFigures({ data }: { data: Summary }) {
  const { fraction, meanSpread } = data.band;
  const { addedDelayTicks } = data.latency;
  return (
    <dl className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4" aria-label="Band and latency figures">
      <Figure
        label="Inside the band (all three)"
        value={percent(fraction.all)}
        testId="band-fraction"
        hint="Share of seconds whose min and max stayed within ±10% of the average on CPU, IO and memory at once."
      />
      {RESOURCE_FIGURES.map(({ resource, name }) => (
        <Figure
          key={resource}
          label={`${name} inside`}
          value={percent(fraction[resource])}
          testId={`band-fraction-${resource}`}
          hint={`Share of seconds with ${resource === "memory" ? "memory" : name} alone within ±10% of its average.`}
        />
      ))}
      <Figure
        label="Average spread (max − min, as a share of the average)"
        value={`CPU ${percent(meanSpread.cpu)} · IO ${percent(meanSpread.io)} · Memory ${percent(meanSpread.memory)}`}
        hint="How far each second's busiest and quietest tick lie apart, relative to its average; a second inside the band spreads 20% or less."
        wide
      />
      <Figure
        label="Delay added by the scheduler (median / 95th percentile)"
        value={`${ticksAsSeconds(addedDelayTicks.p50)} / ${ticksAsSeconds(addedDelayTicks.p95)}`}
        testId="latency"
        hint="How long the scheduler held queries back: half waited at most the first figure, 95% at most the second."
      />
      <Figure
        label="Seconds captured / queries executed"
        value={`${data.band.seconds} / ${data.latency.executions}`}
        hint="What these figures are computed from, over the chosen period."
      />
    </dl>
  );
}

function Figure({
  label,
  value,
  hint,
  testId,
  wide = false,
}: {
  label: string;
  value: string;
  hint: string;
  testId?: string;
  wide?: boolean;
}) {
  return (
    <div className={`rounded-md border border-slate-200 p-3 dark:border-slate-800 ${wide ? "sm:col-span-2" : ""}`}>
      <dt className="text-xs font-medium text-slate-700 dark:text-slate-300">{label}</dt>
      <dd className="mt-1 text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      <dd className="mt-1 text-xs text-slate-600 dark:text-slate-400">{hint}</dd>
    </div>
  );
}

function ChartsPanel() {
  const trpc = useTRPC();
  const [range, setRange] = useState<"live" | "hour">("live");
  const series = useQuery(
    trpc.scheduling.resources.series.queryOptions({ range }, { refetchInterval: range === "live" ? 1_000 : 15_000 }),
  );
  return (
    <Card aria-labelledby="scheduling-charts-heading">
      <CardHeader
        title={<span id="scheduling-charts-heading">Resources per second</span>}
        description={`Each second's average load with its busiest (max) and quietest (min) 100 ms tick; a second is inside the band when both lines stay in the green ±10% area. ${
          series.data && series.data.bucketSeconds > 1
            ? `Each point averages ${series.data.bucketSeconds} seconds.`
            : "One point a second."
        }`}
        actions={
          <Field label="Range" htmlFor="chart-range">
            <Select
              id="chart-range"
              value={range}
              onChange={(event) => setRange(event.target.value as "live" | "hour")}
            >
              <option value="live">Live (2 minutes)</option>
              <option value="hour">Last hour</option>
            </Select>
          </Field>
        }
      />
      {series.isPending ? (
        <LoadingState label="Loading the charts…" />
      ) : series.isError ? (
        <ErrorState error={series.error} retry={() => void series.refetch()} />
      ) : series.data.points.length === 0 ? (
        <EmptyState title="No seconds captured yet">
          The capture stores each second as the database reports it; the first points appear within a few seconds.
        </EmptyState>
      ) : (
        <div className="grid min-w-0 grid-cols-1 gap-4">
          <ChartLegend />
          {RESOURCES.map((resource) => (
            <ResourceChart
              key={resource.key}
              title={resource.title}
              points={series.data.points.map((point) => ({ at: point.at, ...point[resource.key] }))}
            />
          ))}
        </div>
      )}
    </Card>
  );
}

function ExecutionsPanel() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const [template, setTemplate] = useState("");
  const pageSize = 20;
  const executions = useQuery(
    trpc.scheduling.execution.list.queryOptions(
      { page, pageSize, template: template || undefined },
      { refetchInterval: 3_000 },
    ),
  );
  return (
    <Card aria-labelledby="executions-heading">
      <CardHeader
        title={<span id="executions-heading">Captured executions</span>}
        description="Every executed query, exactly once, newest first. Delays are in ticks of 100 ms."
        actions={
          <Field label="Template (id prefix or #index)" htmlFor="execution-template">
            <Input
              id="execution-template"
              value={template}
              placeholder="#12 or 3f2a…"
              maxLength={64}
              onChange={(event) => {
                setTemplate(event.target.value);
                setPage(1);
              }}
            />
          </Field>
        }
      />
      {executions.isPending ? (
        <LoadingState label="Loading executions…" />
      ) : executions.isError ? (
        <ErrorState error={executions.error} retry={() => void executions.refetch()} />
      ) : executions.data.items.length === 0 ? (
        <EmptyState title={template ? "No execution of that template yet" : "No execution captured yet"} />
      ) : (
        <>
          <Table caption="Captured executions">
            <THead>
              <Tr>
                <Th>Template</Th>
                <Th>Execution</Th>
                <Th>Queued (tick)</Th>
                <Th>Executed (tick)</Th>
                <Th>Total delay</Th>
                <Th>Added by scheduler</Th>
              </Tr>
            </THead>
            <tbody>
              {executions.data.items.map((execution) => (
                <Tr key={`${execution.logId}:${execution.id}`}>
                  <Td>
                    <span className="font-mono text-xs">
                      #{execution.templateIndex ?? "?"} {execution.templateId.slice(0, 8)}
                    </span>
                  </Td>
                  <Td>
                    <span className="font-mono text-xs">{execution.id.slice(0, 8)}</span>
                  </Td>
                  <Td>
                    <Time value={execution.queuedAt} showRelative={false} />{" "}
                    <span className="text-xs text-slate-500 dark:text-slate-400">({execution.queuedTick})</span>
                  </Td>
                  <Td>
                    <Time value={execution.executedAt} />{" "}
                    <span className="text-xs text-slate-500 dark:text-slate-400">({execution.executedTick})</span>
                  </Td>
                  <Td>{execution.totalDelayTicks}</Td>
                  <Td>{execution.addedDelayTicks}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={pageSize}
            total={executions.data.total}
            onPageChange={setPage}
            label="executions"
          />
        </>
      )}
    </Card>
  );
}

function TemplatesPanel() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const pageSize = 25;
  const templates = useQuery(
    trpc.scheduling.template.list.queryOptions({ page, pageSize }, { refetchInterval: 15_000 }),
  );
  const format = (value: number | null) => (value === null ? "—" : value.toFixed(1));
  return (
    <Card aria-labelledby="templates-heading">
      <CardHeader
        title={<span id="templates-heading">Templates: estimated against true cost</span>}
        description="The estimate comes from the captured history and the 1-second metrics only; the true cost is the server's, shown for comparison."
      />
      {templates.isPending ? (
        <LoadingState label="Loading templates…" />
      ) : templates.isError ? (
        <ErrorState error={templates.error} retry={() => void templates.refetch()} />
      ) : templates.data.items.length === 0 ? (
        <EmptyState title="No template known yet">
          The capture loads the templates from the database server when it first connects.
        </EmptyState>
      ) : (
        <>
          <Table caption="Templates with estimated and true costs">
            <THead>
              <Tr>
                <Th>#</Th>
                <Th>Profile</Th>
                <Th>CPU est. / true</Th>
                <Th>IO est. / true</Th>
                <Th>Memory est. / true</Th>
                <Th>Executions</Th>
              </Tr>
            </THead>
            <tbody>
              {templates.data.items.map((template) => (
                <Tr key={template.id}>
                  <Td>
                    {template.index}{" "}
                    <span className="font-mono text-xs text-slate-500 dark:text-slate-400">
                      {template.id.slice(0, 8)}
                    </span>
                  </Td>
                  <Td>{template.profile}</Td>
                  <Td>
                    {format(template.estimatedCpu)} / {template.trueCost.cpu}
                  </Td>
                  <Td>
                    {format(template.estimatedIo)} / {template.trueCost.io}
                  </Td>
                  <Td>
                    {format(template.estimatedMemory)} / {template.trueCost.memory}
                  </Td>
                  <Td>{template.executions}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={pageSize}
            total={templates.data.total}
            onPageChange={setPage}
            label="templates"
          />
        </>
      )}
    </Card>
  );
}
