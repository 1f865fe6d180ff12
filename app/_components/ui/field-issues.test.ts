import { describe, expect, it } from "vitest";
import { issuesByField } from "./field-issues";

describe("a failed save, field by field", () => {
  it("puts each issue next to its field and the rest under the form", () => {
    const error = {
      message: "Invalid input",
      data: {
        fieldIssues: [
          { path: "rule.warn.value", message: "Warn above (300) must not exceed Critical above (200)" },
          { path: "rule.warn.value", message: "a second issue on the same field" },
          { path: "rule.other", message: "not a field of the form" },
        ],
      },
    };
    const { byField, rest } = issuesByField(error, ["name", "warn.value"], "rule.");
    expect(Object.fromEntries(byField)).toEqual({
      "warn.value": "Warn above (300) must not exceed Critical above (200)",
    });
    expect(rest).toBe("not a field of the form");
  });

  it("shows an error that is not about input as a whole", () => {
    expect(issuesByField({ message: "A rule named cpu already exists" }, ["name"])).toEqual({
      byField: new Map(),
      rest: "A rule named cpu already exists",
    });
    expect(issuesByField(null, ["name"]).rest).toBeNull();
  });
});
