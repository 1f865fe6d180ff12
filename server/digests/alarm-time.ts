/**
 * Exact instants for `ChangedAt`. The producers are Go programs: RFC 3339 with 0 to 9 fractional digits
 * (trailing zeros dropped) and any offset. Strings therefore do not sort, and `Date` keeps only milliseconds,
 * so every comparison goes through nanoseconds since the epoch as a BigInt. The original string is kept
 * beside it and echoed back unchanged in `LatestChangedAt`.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** `sortKey` is nanosToSortKey(nanos), computed without a BigInt round trip (the worker's hot path needs it). */
export type ParsedInstant = { nanos: bigint; original: string; sortKey: string };

export class InvalidTimestampError extends Error {
  constructor(
    readonly value: string,
    detail: string,
  ) {
    super(
      `ChangedAt "${value}" is not an RFC 3339 timestamp (${detail}); expected e.g. 2021-06-07T20:40:15.598765212Z`,
    );
    this.name = "InvalidTimestampError";
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil), in plain integer
 * arithmetic: exact for every year 0000..9999, and no Date object per message.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
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
  // Whole seconds stay far inside Number's exact range (|x| < 4e11); only the nanoseconds need a BigInt.
  const epochSeconds =
    daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  const nanosOfSecond = fraction.length === 9 ? fraction : fraction.padEnd(9, "0");
  return {
    nanos: BigInt(epochSeconds) * 1_000_000_000n + BigInt(nanosOfSecond),
    original: value,
    // (nanos + SORT_KEY_SHIFT) written out: the shifted seconds, then the nine digits of the fraction.
    sortKey: String(epochSeconds + SORT_KEY_SHIFT_SECONDS).padStart(SORT_KEY_WIDTH - 9, "0") + nanosOfSecond,
  };
}

// Years 0000..9999 with any offset stay within ±4e20 ns; shifting by 1e21 keeps every key positive.
const SORT_KEY_SHIFT = 10n ** 21n;
const SORT_KEY_SHIFT_SECONDS = 1e12;
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
