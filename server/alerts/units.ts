/**
 * The unit a rule's value is measured in: part of the rule (its charts' axes, its facts and its transitions
 * show it), never used in evaluation. A closed list, so every screen formats a value the same way.
 */

export const RULE_UNITS = ["", "ms", "s", "%", "count", "bytes", "/s"] as const;
export type RuleUnit = (typeof RULE_UNITS)[number];

/** Each unit as a person reads it in a form's menu. */
export const RULE_UNIT_LABELS: Record<RuleUnit, string> = {
  "": "none",
  ms: "milliseconds (ms)",
  s: "seconds (s)",
  "%": "percent (%)",
  count: "count",
  bytes: "bytes (B, KiB, MiB…)",
  "/s": "per second (/s)",
};

/** The axis label's unit: "ms", "%", "bytes"; empty for none. */
export function unitSuffix(unit: RuleUnit): string {
  return unit === "count" ? "" : unit;
}

const BINARY_PREFIXES = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** The power of 1024 that suits a byte value: 1 below 1 KiB, 1024 below 1 MiB, … */
export function bytesBase(value: number): number {
  let base = 1;
  for (let step = 0; step < BINARY_PREFIXES.length - 1 && Math.abs(value) >= base * 1024; step++) base *= 1024;
  return base;
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000 || Number.isInteger(value)) return Math.round(value).toLocaleString();
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

/**
 * A value with its unit, as every screen shows it: "120 ms", "42.5%", "1.5 MiB", "1,234". `scaleFrom` makes
 * several values share one byte prefix (an axis's ticks); by default each value picks its own.
 */
export function formatMeasurement(value: number | null | undefined, unit: RuleUnit, scaleFrom?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  switch (unit) {
    case "":
    case "count":
      return formatNumber(value);
    case "%":
      return `${formatNumber(value)}%`;
    case "bytes": {
      const base = bytesBase(scaleFrom ?? value);
      const prefix = BINARY_PREFIXES[Math.round(Math.log(base) / Math.log(1024))];
      return `${formatNumber(value / base)} ${prefix}`;
    }
    default:
      return `${formatNumber(value)} ${unit}`;
  }
}
