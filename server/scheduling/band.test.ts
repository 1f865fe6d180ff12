import { describe, expect, it } from "vitest";
import { inBand } from "./band";

describe("the ±10% band", () => {
  it("holds a second whose min and max are within 10% of its average, and not an idle one", () => {
    expect(inBand({ average: 100, min: 90, max: 110 })).toBe(true);
    expect(inBand({ average: 100, min: 89, max: 110 })).toBe(false);
    expect(inBand({ average: 100, min: 90, max: 111 })).toBe(false);
    expect(inBand({ average: 0, min: 0, max: 0 })).toBe(false);
  });
});
