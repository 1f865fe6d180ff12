/**
 * What the three resource charts share: each series' look (one colour and dash pattern per series, legible on
 * the light and the dark theme), the Y axis's round ticks, clock-time labels, the legend and the tooltip.
 */
import { Fragment } from "react";
import type { TooltipContentProps } from "recharts";
import { formatClock } from "@/app/_components/chart/scale";

/** One row of a resource chart: a second (or a bucket of seconds) in load units per 100 ms tick. */
export type ChartRow = { at: number; average: number; min: number; max: number; band: [number, number] };

type SeriesStyle = { name: string; color: string; dash?: string; width: number; hint: string };

export const SERIES: Record<keyof Omit<ChartRow, "at">, SeriesStyle> = {
  band: {
    name: "±10% band",
    color: "#22c55e",
    width: 0,
    hint: "90% to 110% of the average: a second is inside when min and max both stay in it",
  },
  average: { name: "Average", color: "#3b82f6", width: 2.5, hint: "the second's mean load" },
  max: { name: "Max", color: "#ea580c", dash: "6 3", width: 1.5, hint: "the second's busiest tick" },
  min: { name: "Min", color: "#a855f7", dash: "2 3", width: 1.5, hint: "the second's quietest tick" },
};

export const BAND_FILL_OPACITY = 0.3;

export const formatLoad = (value: number) => (Math.round(value * 10) / 10).toLocaleString();

function Swatch({ series }: { series: SeriesStyle }) {
  return (
    <svg width="24" height="10" aria-hidden className="shrink-0">
      {series.width === 0 ? (
        <rect width="24" height="10" rx="2" fill={series.color} fillOpacity={BAND_FILL_OPACITY + 0.1} />
      ) : (
        <line
          x1="0"
          y1="5"
          x2="24"
          y2="5"
          stroke={series.color}
          strokeWidth={series.width + 0.5}
          strokeDasharray={series.dash}
        />
      )}
    </svg>
  );
}

/** The series of every resource chart, named and explained once. */
export function ChartLegend() {
  return (
    <ul className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700 dark:text-slate-300" aria-label="Chart legend">
      {Object.values(SERIES).map((series) => (
        <li key={series.name} className="flex items-center gap-1.5">
          <Swatch series={series} />
          <span>
            <span className="font-medium">{series.name}</span>: {series.hint}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The hovered second's figures, in the theme's colours. */
export function ChartTooltip({
  active,
  payload,
  withSeconds,
}: Partial<TooltipContentProps> & { withSeconds: boolean }) {
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!active || !row) return null;
  const lines: Array<[SeriesStyle, string]> = [
    [SERIES.max, formatLoad(row.max)],
    [SERIES.average, formatLoad(row.average)],
    [SERIES.min, formatLoad(row.min)],
    [SERIES.band, `${formatLoad(row.band[0])} – ${formatLoad(row.band[1])}`],
  ];
  return (
    <div className="rounded-md border border-slate-200 bg-white p-2 text-xs shadow-md dark:border-slate-700 dark:bg-slate-900">
      <div className="mb-1 font-medium">{formatClock(row.at, withSeconds)}</div>
      <div className="grid grid-cols-[auto_auto_auto] items-center gap-x-2 gap-y-0.5">
        {lines.map(([series, value]) => (
          <Fragment key={series.name}>
            <Swatch series={series} />
            <span>{series.name}</span>
            <span className="text-right tabular-nums">{value}</span>
          </Fragment>
        ))}
      </div>
    </div>
  );
}
