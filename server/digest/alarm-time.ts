/**
 * Exact instants for `ChangedAt`. The producers are Go programs: RFC 3339 with 0 to 9 fractional digits
 * (trailing zeros dropped) and any offset. Strings therefore do not sort, and `Date` keeps only milliseconds,
 * so every comparison goes through nanoseconds since the epoch as a BigInt. The original string is kept
 * beside it and echoed back unchanged in `LatestChangedAt`.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export type ParsedInstant = { nanos: bigint; original: string };

export class InvalidTimestampError extends Error {
  constructor(readonly value: string, detail: string) {
    super(`ChangedAt "${value}" is not an RFC 3339 timestamp (${detail}); expected e.g. 2021-06-07T20:40:15.598765212Z`);
    this.name = "InvalidTimestampError";
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses an RFC 3339 timestamp into exact nanoseconds since the Unix epoch. Throws InvalidTimestampError. */
export function parseChangedAt(value: string): ParsedInstant {
  const match = RFC3339.exec(value);
  if (!match) throw new InvalidTimestampError(value, "wrong shape");
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, offH, offM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) throw new InvalidTimestampError(value, "month out of range");
  if (day < 1 || day > daysInMonth(year, month)) throw new InvalidTimestampError(value, "day out of range");
  // 60 would be a leap second; Go never emits one in time.Time's RFC 3339 output, so it is rejected.
  if (hour > 23 || minute > 59 || second > 59) throw new InvalidTimestampError(value, "time of day out of range");
  let offsetMinutes = 0;
  if (!zulu) {
    const hours = Number(offH);
    const minutes = Number(offM);
    if (hours > 23 || minutes > 59) throw new InvalidTimestampError(value, "offset out of range");
    offsetMinutes = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  // Date.UTC maps two-digit years to 19xx; setUTCFullYear keeps the year as written.
  const base = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  base.setUTCFullYear(year, month - 1, day);
  const epochSeconds = BigInt(base.getTime() / 1000) - BigInt(offsetMinutes * 60);
  const nanosOfSecond = BigInt(fraction.padEnd(9, "0") || "0");
  return { nanos: epochSeconds * 1_000_000_000n + nanosOfSecond, original: value };
}

// Years 0000..9999 with any offset stay within ±4e20 ns; shifting by 1e21 keeps every key positive.
const SORT_KEY_SHIFT = 10n ** 21n;
const SORT_KEY_WIDTH = 22;

/** A fixed-width decimal string that sorts like the nanoseconds it encodes (for storage that sorts text). */
export function nanosToSortKey(nanos: bigint): string {
  return (nanos + SORT_KEY_SHIFT).toString().padStart(SORT_KEY_WIDTH, "0");
}

export function sortKeyToNanos(key: string): bigint {
  return BigInt(key) - SORT_KEY_SHIFT;
}

/** Milliseconds since the epoch (floored), for display only; never for comparison. */
export function nanosToEpochMs(nanos: bigint): number {
  const ms = nanos / 1_000_000n;
  return Number(nanos < 0n && nanos % 1_000_000n !== 0n ? ms - 1n : ms);
}

/** Formats milliseconds as an RFC 3339 UTC string with nanoseconds, like the alert engine's events. */
export function epochMsToRfc3339(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(extraNanos).padStart(6, "0")}Z`;
}
