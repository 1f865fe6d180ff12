"use client";

import { Area, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatClock, niceTicks } from "@/app/_components/chart/scale";
import { BAND_FILL_OPACITY, ChartTooltip, SERIES, formatLoad, type ChartRow } from "./chart-parts";

export type ChartPoint = { at: number; average: number; min: number; max: number };

/** Under this span the X axis shows seconds too. */
const SECONDS_ON_AXIS_BELOW_MS = 10 * 60_000;

const round = (value: number) => Math.round(value * 10) / 10;

function toRows(points: ChartPoint[]): ChartRow[] {
  return points.map((point) => ({
    at: point.at,
    average: round(point.average),
    min: round(point.min),
    max: round(point.max),
    band: [round(point.average * 0.9), round(point.average * 1.1)],
  }));
}

/** The chart in words, for screen readers: the period covered and the range of each line. */
function describe(title: string, rows: ChartRow[], withSeconds: boolean): string {
  const first = rows.at(0);
  const last = rows.at(-1);
  if (!first || !last) return `${title}: no data yet.`;
  const averages = rows.map((row) => row.average);
  return (
    `${title} load per tick from ${formatClock(first.at, withSeconds)} to ${formatClock(last.at, withSeconds)}: ` +
    `average between ${formatLoad(Math.min(...averages))} and ${formatLoad(Math.max(...averages))} ` +
    `(latest ${formatLoad(last.average)}), ` +
    `lowest min ${formatLoad(Math.min(...rows.map((row) => row.min)))}, ` +
    `highest max ${formatLoad(Math.max(...rows.map((row) => row.max)))}.`
  );
}

/** One resource, full width: per-second min, average and max, with the ±10% band around the average filled. */
export function ResourceChart({ title, points }: { title: string; points: ChartPoint[] }) {
  const rows = toRows(points);
  const spanMs = (rows.at(-1)?.at ?? 0) - (rows.at(0)?.at ?? 0);
  const withSeconds = spanMs < SECONDS_ON_AXIS_BELOW_MS;
  const ticks = niceTicks(Math.max(0, ...rows.flatMap((row) => [row.max, row.band[1]])));
  const top = ticks.at(-1) ?? 1;
  return (
    <figure
      data-testid={`chart-${title.toLowerCase()}`}
      data-points={rows.length}
      className="min-w-0 rounded-md border border-slate-200 p-3 dark:border-slate-800"
    >
      <figcaption className="mb-2 text-sm font-medium text-slate-800 dark:text-slate-200">
        {title} <span className="font-normal text-slate-600 dark:text-slate-400">(load units per 100 ms tick)</span>
      </figcaption>
      <div
        role="img"
        aria-label={describe(title, rows, withSeconds)}
        className="h-64 w-full text-slate-600 sm:h-72 dark:text-slate-400"
      >
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 4 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" className="stroke-slate-200 dark:stroke-slate-800" />
            <XAxis
              dataKey="at"
              type="number"
              domain={["dataMin", "dataMax"]}
              scale="time"
              tickFormatter={(value: number) => formatClock(value, withSeconds)}
              tick={{ fill: "currentColor", fontSize: 11 }}
              stroke="currentColor"
              minTickGap={48}
            />
            <YAxis
              domain={[0, top]}
              ticks={ticks}
              interval={0}
              allowDataOverflow
              tick={{ fill: "currentColor", fontSize: 11 }}
              stroke="currentColor"
              width={52}
              label={{
                value: "load / tick",
                angle: -90,
                position: "insideLeft",
                fontSize: 11,
                fill: "currentColor",
                style: { textAnchor: "middle" },
              }}
            />
            <Tooltip
              content={(props) => <ChartTooltip {...props} withSeconds={withSeconds} />}
              isAnimationActive={false}
            />
            <Area
              dataKey="band"
              name={SERIES.band.name}
              stroke="none"
              fill={SERIES.band.color}
              fillOpacity={BAND_FILL_OPACITY}
              activeDot={false}
              isAnimationActive={false}
            />
            {(["max", "min", "average"] as const).map((key) => (
              <Line
                key={key}
                dataKey={key}
                name={SERIES[key].name}
                stroke={SERIES[key].color}
                strokeWidth={SERIES[key].width}
                strokeDasharray={SERIES[key].dash}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
