import { describe, expect, it } from "vitest";
import { bytesBase, formatMeasurement } from "./units";

describe("a rule's unit", () => {
  it("formats values as people read them", () => {
    expect(formatMeasurement(120, "ms")).toBe("120 ms");
    expect(formatMeasurement(1.5, "s")).toBe("1.50 s");
    expect(formatMeasurement(42.25, "%")).toBe("42.3%");
    expect(formatMeasurement(1234, "count")).toBe((1234).toLocaleString());
    expect(formatMeasurement(199.7, "")).toBe("199.7");
    expect(formatMeasurement(12, "/s")).toBe("12 /s");
    expect(formatMeasurement(null, "ms")).toBe("—");
    expect(formatMeasurement(Number.NaN, "ms")).toBe("—");
  });

  it("scales bytes by powers of 1024, one prefix per value or one shared by an axis", () => {
    expect(formatMeasurement(512, "bytes")).toBe("512 B");
    expect(formatMeasurement(1536, "bytes")).toBe("1.50 KiB");
    expect(formatMeasurement(3 * 1024 ** 2, "bytes")).toBe("3 MiB");
    expect(formatMeasurement(512 * 1024, "bytes", 3 * 1024 ** 2)).toBe("0.50 MiB");
    expect(bytesBase(5 * 1024 ** 3)).toBe(1024 ** 3);
    expect(bytesBase(-2048)).toBe(1024);
  });
});
