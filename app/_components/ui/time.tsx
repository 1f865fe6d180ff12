"use client";

import { useSyncExternalStore } from "react";

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

// One shared "now" for every <Time>, refreshed each second while any is on the page (data refreshes that often).
let currentNow = Date.now();
const nowListeners = new Set<() => void>();
let nowTimer: ReturnType<typeof setInterval> | undefined;

function subscribeToNow(listener: () => void): () => void {
  nowListeners.add(listener);
  nowTimer ??= setInterval(() => {
    currentNow = Date.now();
    nowListeners.forEach((notify) => notify());
  }, 1_000);
  return () => {
    nowListeners.delete(listener);
    if (nowListeners.size === 0 && nowTimer) {
      clearInterval(nowTimer);
      nowTimer = undefined;
    }
  };
}

/** A time in the viewer's zone with a relative hint ("3 minutes ago"), kept fresh. */
export function Time({
  value,
  showRelative = true,
}: {
  value: Date | string | number | null | undefined;
  showRelative?: boolean;
}) {
  // The server renders no relative hint (its "now" is not the viewer's); the browser adds it.
  const now = useSyncExternalStore(
    subscribeToNow,
    () => currentNow,
    () => null,
  );
  if (value === null || value === undefined) return <span className="text-slate-400">—</span>;
  const date = new Date(value);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()} suppressHydrationWarning>
      {date.toLocaleString()}
      {showRelative && now !== null ? (
        <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">({relativeTime(date.getTime(), now)})</span>
      ) : null}
    </time>
  );
}
