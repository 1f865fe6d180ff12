"use client";

import { Fragment } from "react";
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type TooltipContentProps,
} from "recharts";
import { formatClock, niceTicks } from "@/app/_components/chart/scale";
import { bytesBase, formatMeasurement, unitSuffix, type RuleUnit } from "@/server/alerts/units";

export type RuleChartBucket = { atMs: number; min: number | null; max: number | null; avg: number | null };
export type RuleChartTransition = { atMs: number; newState: "PASS" | "WARN" | "CRITICAL"; action: string };

type Row = { at: number; value: number | null; range: [number, number] | null; min: number | null; max: number | null };

const STATE_COLORS = { PASS: "#059669", WARN: "#d97706", CRITICAL: "#dc2626" } as const;
const LINE_COLOR = "#2563eb";
const BAND_COLOR = "#a855f7";
const BAND_OPACITY = 0.3;
/** Under this span the time axis shows seconds too. */
const SECONDS_ON_AXIS_BELOW_MS = 10 * 60_000;

type Mark = { name: string; hint: string; color: string; kind: "line" | "dashed" | "band" | "vertical" };

function Swatch({ mark }: { mark: Mark }) {
  return (
    <svg width="24" height="12" aria-hidden className="shrink-0">
      {mark.kind === "band" ? (
        <rect y="1" width="24" height="10" rx="2" fill={mark.color} fillOpacity={BAND_OPACITY + 0.1} />
      ) : mark.kind === "vertical" ? (
        <line x1="12" y1="0" x2="12" y2="12" stroke={mark.color} strokeWidth={2} />
      ) : (
        <line
          x1="0"
          y1="6"
          x2="24"
          y2="6"
          stroke={mark.color}
          strokeWidth={2}
          strokeDasharray={mark.kind === "dashed" ? "6 4" : undefined}
        />
      )}
    </svg>
  );
}

/** The hovered bucket's figures and the transitions inside it. */
function BucketTooltip({
  active,
  payload,
  marks,
  bucketMs,
  unit,
}: Partial<TooltipContentProps> & { marks: RuleChartTransition[]; bucketMs: number; unit: RuleUnit }) {
  const row = payload?.[0]?.payload as Row | undefined;
  if (!active || !row) return null;
  const show = (value: number | null) => formatMeasurement(value, unit);
  const inBucket = marks.filter((mark) => mark.atMs >= row.at && mark.atMs < row.at + bucketMs);
  return (
    <div className="rounded-md border border-slate-200 bg-white p-2 text-xs shadow-md dark:border-slate-700 dark:bg-slate-900">
      <div className="mb-1 font-medium">{formatClock(row.at)}</div>
      <div className="grid grid-cols-[auto_auto] gap-x-3 gap-y-0.5">
        <span>Average</span>
        <span className="text-right tabular-nums">{show(row.value)}</span>
        {row.min !== row.max ? (
          <>
            <span>Min – max</span>
            <span className="text-right tabular-nums">
              {show(row.min)} – {show(row.max)}
            </span>
          </>
        ) : null}
        {inBucket.map((mark) => (
          <Fragment key={`${mark.atMs}-${mark.newState}`}>
            <span style={{ color: STATE_COLORS[mark.newState] }} className="font-medium">
              → {mark.newState}
            </span>
            <span className="text-right tabular-nums">{formatClock(mark.atMs)}</span>
          </Fragment>
        ))}
      </div>
    </div>
  );
}

/**
 * The rule's value (bucketed on the server: average, with the min–max range as a filled band) against its
 * thresholds, in the rule's unit; transitions as vertical marks in the new state's colour, explained in the
 * legend and, for the hovered bucket, in the tooltip (never as labels on the plot, where they clip and collide).
 */
export function RuleChart({
  buckets,
  bucketMs,
  transitions,
  warn,
  critical,
  unit,
}: {
  buckets: RuleChartBucket[];
  bucketMs: number;
  transitions: RuleChartTransition[];
  warn: number;
  critical: number;
  unit: RuleUnit;
}) {
  const rows: Row[] = buckets.map((bucket) => ({
    at: bucket.atMs,
    value: bucket.avg,
    min: bucket.min,
    max: bucket.max,
    range: bucket.min !== null && bucket.max !== null ? [bucket.min, bucket.max] : null,
  }));
  const firstMs = rows[0]?.at ?? 0;
  const lastMs = rows.at(-1)?.at ?? firstMs;
  const marks = transitions.filter((transition) => transition.atMs >= firstMs && transition.action !== "renotify");
  const values = buckets
    .flatMap((bucket) => [bucket.min, bucket.max])
    .filter((value): value is number => value !== null);
  const top = Math.max(critical, warn, ...values);
  const bottom = Math.min(0, warn, ...values);
  const base = unit === "bytes" ? bytesBase(top) : 1;
  const ticks = niceTicks(top, 5, bottom, base);
  const axisUnit = unit === "bytes" ? formatMeasurement(base, "bytes").replace(/^1 /, "") : unitSuffix(unit);
  const withSeconds = lastMs - firstMs < SECONDS_ON_AXIS_BELOW_MS;
  const show = (value: number | null) => formatMeasurement(value, unit);
  const counts = { WARN: 0, CRITICAL: 0, PASS: 0 };
  for (const mark of marks) counts[mark.newState]++;
  const legend: Mark[] = [
    { name: "Average", hint: "the bucket's mean value", color: LINE_COLOR, kind: "line" },
    // One evaluation per point has no range to draw: no band in the legend then.
    ...(rows.some((row) => row.min !== row.max)
      ? [
          {
            name: "Min–max",
            hint: "the lowest to the highest value in the bucket",
            color: BAND_COLOR,
            kind: "band",
          } as Mark,
        ]
      : []),
    { name: `Warn above ${show(warn)}`, hint: "threshold", color: STATE_COLORS.WARN, kind: "dashed" },
    { name: `Critical above ${show(critical)}`, hint: "threshold", color: STATE_COLORS.CRITICAL, kind: "dashed" },
    ...(["CRITICAL", "WARN", "PASS"] as const).map<Mark>((state) => ({
      name: `→ ${state}`,
      hint: `${counts[state]} transition${counts[state] === 1 ? "" : "s"} in view`,
      color: STATE_COLORS[state],
      kind: "vertical",
    })),
  ];
  const description =
    `Value${axisUnit ? ` in ${axisUnit}` : ""} from ${formatClock(firstMs, withSeconds)} to ${formatClock(lastMs, withSeconds)}; ` +
    `warn above ${show(warn)}, critical above ${show(critical)}; ${marks.length} transition${marks.length === 1 ? "" : "s"} in view.`;

  return (
    <figure
      aria-label="Value against the warn and critical thresholds"
      data-testid="rule-chart"
      data-points={rows.length}
      className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
    >
      <figcaption className="sr-only">{description}</figcaption>
      <div className="h-72 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" className="stroke-slate-200 dark:stroke-slate-800" />
            <XAxis
              dataKey="at"
              type="number"
              domain={["dataMin", "dataMax"]}
              scale="time"
              tickFormatter={(value: number) => formatClock(value, withSeconds)}
              fontSize={11}
              minTickGap={40}
            />
            <YAxis
              fontSize={11}
              width={56}
              ticks={ticks}
              domain={[ticks[0]!, ticks.at(-1)!]}
              tickFormatter={(value: number) => (value / base).toLocaleString()}
              label={{
                value: axisUnit ? `value (${axisUnit})` : "value",
                angle: -90,
                position: "insideLeft",
                fontSize: 11,
                style: { textAnchor: "middle" },
              }}
            />
            <Tooltip content={(props) => <BucketTooltip {...props} marks={marks} bucketMs={bucketMs} unit={unit} />} />
            <Area
              dataKey="range"
              name="Min–max"
              stroke="none"
              fill={BAND_COLOR}
              fillOpacity={BAND_OPACITY}
              isAnimationActive={false}
            />
            <Line
              dataKey="value"
              name="Average"
              stroke={LINE_COLOR}
              dot={false}
              strokeWidth={2}
              isAnimationActive={false}
              connectNulls={false}
            />
            <ReferenceLine y={warn} stroke={STATE_COLORS.WARN} strokeDasharray="6 4" strokeWidth={1.5} />
            <ReferenceLine y={critical} stroke={STATE_COLORS.CRITICAL} strokeDasharray="6 4" strokeWidth={1.5} />
            {marks.map((mark) => (
              <ReferenceLine
                key={`${mark.atMs}-${mark.newState}`}
                x={mark.atMs}
                stroke={STATE_COLORS[mark.newState]}
                strokeWidth={1.5}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ul
        className="mt-2 flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700 dark:text-slate-300"
        aria-label="Chart legend"
        data-testid="rule-chart-legend"
      >
        {legend.map((mark) => (
          <li key={mark.name} className="flex items-center gap-1.5">
            <Swatch mark={mark} />
            <span>
              <span className="font-medium">{mark.name}</span>: {mark.hint}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
