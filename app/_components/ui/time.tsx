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

// The viewer's zone, with the zone's short name so that a reader never wonders which zone a time is in.
const LOCAL = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

/** A time in the viewer's zone: "7 Dec 2026, 23:18:24 CET" (the words and order follow the viewer's locale). */
export function localTime(date: Date): string {
  return LOCAL.format(date);
}

/** A time in UTC, the same on every machine: what the server renders before the browser knows the viewer's zone. */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
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

/**
 * A time in the viewer's zone with a relative hint ("3 minutes ago"), kept fresh; the exact value (RFC 3339, UTC)
 * only in the tooltip. Pass `exact` when the data holds a finer value than a Date can (a producer's RFC 3339
 * string with nanoseconds): the tooltip then shows it as it came.
 */
export function Time({
  value,
  showRelative = true,
  exact,
}: {
  value: Date | string | number | null | undefined;
  showRelative?: boolean;
  /** The exact instant as the data has it, e.g. "2021-06-07T20:40:11.123456789Z"; shown in the tooltip. */
  exact?: string;
}) {
  // The server knows neither the viewer's zone nor their "now": it renders UTC and no hint; the browser, once
  // hydrated, renders the local time and the hint (a fresh render, not a hydration patch, so the text changes).
  const now = useSyncExternalStore(
    subscribeToNow,
    () => currentNow,
    () => null,
  );
  if (value === null || value === undefined) return <span className="text-slate-500 dark:text-slate-400">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span title={exact}>{exact ?? String(value)}</span>;
  const iso = date.toISOString();
  return (
    <time dateTime={iso} title={exact ?? iso}>
      {now === null ? utcTime(date) : localTime(date)}
      {showRelative && now !== null ? (
        <span className="ml-1 text-xs text-slate-500 dark:text-slate-400">({relativeTime(date.getTime(), now)})</span>
      ) : null}
    </time>
  );
}
