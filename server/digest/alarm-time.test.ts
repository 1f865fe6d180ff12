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

  it.each(["yesterday", "2021-06-07 20:40:15Z", "2021-13-07T20:40:15Z", "2021-02-30T20:40:15Z", "2021-06-07T24:00:00Z", "2021-06-07T20:40:15.1234567891Z", "2021-06-07T20:40:15", ""])(
    "rejects %j",
    (value) => {
      expect(() => parseChangedAt(value)).toThrow(/not an RFC 3339 timestamp/);
    },
  );

  it("encodes nanoseconds as sort keys that sort like the numbers, before and after 1970", () => {
    const values = [-62135596800000000000n, -1n, 0n, 1n, 1623098415598765212n, 253402300799999999999n];
    const keys = values.map(nanosToSortKey);
    expect([...keys].sort()).toEqual(keys);
    expect(keys.map(sortKeyToNanos)).toEqual(values);
  });
});
