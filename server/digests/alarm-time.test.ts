import { describe, expect, it } from "vitest";
import { nanosToSortKey, parseChangedAt, sortKeyToNanos } from "./alarm-time";

describe("parseChangedAt", () => {
  it("keeps every nanosecond that a Date would drop", () => {
    const a = parseChangedAt("2021-06-07T20:40:15.598765212Z").nanos;
    const b = parseChangedAt("2021-06-07T20:40:15.598765213Z").nanos;
    expect(b - a).toBe(1n);
    expect(a).toBe(1623098415598765212n);
  });

  it("reads a fraction with its trailing zeros dropped at its true length", () => {
    expect(parseChangedAt("2021-06-07T20:40:15.5Z").nanos).toBe(parseChangedAt("2021-06-07T20:40:15.500000000Z").nanos);
    expect(parseChangedAt("2021-06-07T20:40:15Z").nanos).toBe(1623098415000000000n);
  });

  it("applies the offset, so strings that do not sort still compare by instant", () => {
    const offset = parseChangedAt("2021-06-07T23:40:15.1+03:00").nanos;
    const zulu = parseChangedAt("2021-06-07T20:40:15.1Z").nanos;
    expect(offset).toBe(zulu);
    expect(parseChangedAt("2021-06-07T20:40:15.1-00:30").nanos - zulu).toBe(30n * 60n * 1_000_000_000n);
  });

  it.each([
    "yesterday",
    "2021-06-07 20:40:15Z",
    "2021-13-07T20:40:15Z",
    "2021-02-30T20:40:15Z",
    "2021-06-07T24:00:00Z",
    "2021-06-07T20:40:15.1234567891Z",
    "2021-06-07T20:40:15",
    "",
  ])("rejects %j", (value) => {
    expect(() => parseChangedAt(value)).toThrow(/not an RFC 3339 timestamp/);
  });

  it("encodes nanoseconds as sort keys that sort like the numbers, before and after 1970", () => {
    const values = [-62135596800000000000n, -1n, 0n, 1n, 1623098415598765212n, 253402300799999999999n];
    const keys = values.map(nanosToSortKey);
    expect([...keys].sort()).toEqual(keys);
    expect(keys.map(sortKeyToNanos)).toEqual(values);
  });

  it("agrees with Date on whole seconds for every era, leap day and offset, and its sort key matches nanosToSortKey", () => {
    const cases = [
      "0000-01-01T00:00:00Z",
      "0000-02-29T23:59:59.999999999-23:59",
      "0099-12-31T12:00:00.5+01:00",
      "1600-02-29T00:00:00Z",
      "1900-03-01T00:00:00.000000001Z",
      "1969-12-31T23:59:59.999999999Z",
      "1970-01-01T00:00:00Z",
      "2000-02-29T12:34:56.789+05:30",
      "2021-06-07T20:40:15.598765212Z",
      "2100-02-28T23:59:59-00:01",
      "9999-12-31T23:59:59.999999999+00:00",
      "9999-12-31T23:59:59.999999999-23:59",
    ];
    for (const value of cases) {
      const parsed = parseChangedAt(value);
      const [, date, time, fraction = "", offset] =
        /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(value)!;
      const [year, month, day] = date!.split("-").map(Number);
      const [hour, minute, second] = time!.split(":").map(Number);
      const reference = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
      reference.setUTCFullYear(year!, month! - 1, day);
      const offsetMinutes =
        offset === "Z"
          ? 0
          : (offset!.startsWith("-") ? -1 : 1) * (Number(offset!.slice(1, 3)) * 60 + Number(offset!.slice(4, 6)));
      const expected =
        (BigInt(reference.getTime() / 1000) - BigInt(offsetMinutes * 60)) * 1_000_000_000n +
        BigInt(fraction.padEnd(9, "0") || "0");
      expect(parsed.nanos, value).toBe(expected);
      expect(parsed.sortKey, value).toBe(nanosToSortKey(parsed.nanos));
    }
  });

  it("rejects the 29th of February outside leap years", () => {
    expect(() => parseChangedAt("1900-02-29T00:00:00Z")).toThrow(/day out of range/);
    expect(() => parseChangedAt("2021-02-29T00:00:00Z")).toThrow(/day out of range/);
    expect(parseChangedAt("2024-02-29T00:00:00Z").nanos).toBe(1709164800000000000n);
  });
});
