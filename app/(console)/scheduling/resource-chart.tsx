"use client";

import { Area, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type ChartPoint = { at: number; average: number; min: number; max: number };

const formatTime = (value: number) =>
  new Date(value).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** One resource: per-second min, average and max, with the ±10% band around the average shaded. */
export function ResourceChart({ title, points, color }: { title: string; points: ChartPoint[]; color: string }) {
  const data = points.map((point) => ({
    at: point.at,
    average: Math.round(point.average * 10) / 10,
    min: Math.round(point.min * 10) / 10,
    max: Math.round(point.max * 10) / 10,
    band: [Math.round(point.average * 0.9 * 10) / 10, Math.round(point.average * 1.1 * 10) / 10] as [number, number],
  }));
  return (
    <figure
      aria-label={`${title} per second`}
      data-testid={`chart-${title.toLowerCase()}`}
      data-points={data.length}
      className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
    >
      <figcaption className="mb-2 text-sm font-medium text-slate-800 dark:text-slate-200">
        {title} (units of load per tick)
      </figcaption>
      <div className="h-56 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" className="stroke-slate-200 dark:stroke-slate-800" />
            <XAxis
              dataKey="at"
              type="number"
              domain={["dataMin", "dataMax"]}
              scale="time"
              tickFormatter={formatTime}
              fontSize={11}
              minTickGap={40}
            />
            <YAxis
              fontSize={11}
              width={40}
              label={{ value: "load", angle: -90, position: "insideLeft", fontSize: 11 }}
            />
            <Tooltip labelFormatter={(value) => formatTime(Number(value))} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <Area
              dataKey="band"
              name="±10% of average"
              stroke="none"
              fill={color}
              fillOpacity={0.18}
              isAnimationActive={false}
            />
            <Line dataKey="max" name="max" stroke="#dc2626" dot={false} strokeWidth={1.5} isAnimationActive={false} />
            <Line
              dataKey="average"
              name="average"
              stroke={color}
              dot={false}
              strokeWidth={2}
              isAnimationActive={false}
            />
            <Line dataKey="min" name="min" stroke="#64748b" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
