"use client";

import { useEffect, useState } from "react";

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

export function relativeTime(fromMs: number, nowMs: number): string {
  const delta = fromMs - nowMs;
  for (const [unit, size] of UNITS) {
    if (Math.abs(delta) >= size || unit === "second") return RELATIVE.format(Math.round(delta / size), unit);
  }
  return "";
}

/** A time in the viewer's zone with a relative hint ("3 minutes ago"), kept fresh. */
export function Time({ value, showRelative = true }: { value: Date | string | number | null | undefined; showRelative?: boolean }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  if (value === null || value === undefined) return <span className="text-slate-400">—</span>;
  const date = new Date(value);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()} suppressHydrationWarning>
      {date.toLocaleString()}
      {showRelative && now !== null ? <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">({relativeTime(date.getTime(), now)})</span> : null}
    </time>
  );
}
