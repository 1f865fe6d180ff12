"use client";

import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

export type RuleChartBucket = { atMs: number; min: number | null; max: number | null; avg: number | null };
export type RuleChartTransition = { atMs: number; newState: "PASS" | "WARN" | "CRITICAL"; action: string };

const formatTime = (value: number) =>
  new Date(value).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const STATE_COLORS = { PASS: "#059669", WARN: "#d97706", CRITICAL: "#dc2626" } as const;

/** The rule's value (bucketed on the server: average, with the min–max range shaded) against its thresholds; transitions as vertical marks. */
export function RuleChart({
  buckets,
  transitions,
  warn,
  critical,
}: {
  buckets: RuleChartBucket[];
  transitions: RuleChartTransition[];
  warn: number;
  critical: number;
}) {
  const data = buckets.map((bucket) => ({
    at: bucket.atMs,
    value: bucket.avg,
    range: bucket.min !== null && bucket.max !== null ? ([bucket.min, bucket.max] as [number, number]) : null,
  }));
  const firstMs = data[0]?.at ?? 0;
  const visible = transitions.filter((transition) => transition.atMs >= firstMs && transition.action !== "renotify");
  const values = buckets
    .flatMap((bucket) => [bucket.min, bucket.max])
    .filter((value): value is number => value !== null);
  const top = Math.max(critical, ...values);
  const bottom = Math.min(0, ...values);
  return (
    <figure
      aria-label="Value against the warn and critical thresholds"
      data-testid="rule-chart"
      data-points={data.length}
      className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
    >
      <figcaption className="mb-2 text-sm text-slate-700 dark:text-slate-300">
        Value per time bucket (line: average; band: min–max); dashed lines are the thresholds; vertical marks are
        transitions, colored by the new state.
      </figcaption>
      <div className="h-72 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
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
              width={48}
              domain={[bottom, Math.ceil(top * 1.1)]}
              label={{ value: "value", angle: -90, position: "insideLeft", fontSize: 11 }}
            />
            <Tooltip labelFormatter={(value) => formatTime(Number(value))} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            <Area
              dataKey="range"
              name="min–max"
              stroke="none"
              fill="#0284c7"
              fillOpacity={0.15}
              isAnimationActive={false}
            />
            <Line
              dataKey="value"
              name="value (average)"
              stroke="#0284c7"
              dot={false}
              strokeWidth={2}
              isAnimationActive={false}
              connectNulls={false}
            />
            <ReferenceLine
              y={warn}
              stroke={STATE_COLORS.WARN}
              strokeDasharray="6 4"
              label={{ value: `warn ${warn}`, position: "insideTopLeft", fontSize: 11, fill: STATE_COLORS.WARN }}
            />
            <ReferenceLine
              y={critical}
              stroke={STATE_COLORS.CRITICAL}
              strokeDasharray="6 4"
              label={{
                value: `critical ${critical}`,
                position: "insideTopLeft",
                fontSize: 11,
                fill: STATE_COLORS.CRITICAL,
              }}
            />
            {visible.map((transition) => (
              <ReferenceLine
                key={`${transition.atMs}-${transition.newState}`}
                x={transition.atMs}
                stroke={STATE_COLORS[transition.newState]}
                strokeWidth={1.5}
                label={{
                  value: transition.newState,
                  position: "top",
                  fontSize: 10,
                  fill: STATE_COLORS[transition.newState],
                }}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
