import { describe, expect, it } from "vitest";
import { describePeopleByEmail } from "./names";

describe("recorded actors by name", () => {
  it("names the people it knows in one read, leaves system actors and strangers as recorded", () => {
    const asked: string[][] = [];
    const directory = {
      describeByEmail(emails: readonly string[]) {
        asked.push([...emails]);
        return new Map([["rui@example.com", { id: "usr_rui", name: "Rui" }]]);
      },
    };
    const refs = describePeopleByEmail(directory, [
      "Rui@example.com",
      "rui@example.com",
      "system:pager-timeout",
      "gone@example.com",
    ]);
    expect(asked).toEqual([["Rui@example.com", "rui@example.com", "gone@example.com"]]);
    expect(Object.fromEntries(refs)).toEqual({
      "Rui@example.com": { id: "usr_rui", name: "Rui", email: "Rui@example.com" },
      "rui@example.com": { id: "usr_rui", name: "Rui", email: "rui@example.com" },
    });
    expect(describePeopleByEmail(directory, ["system:x"]).size).toBe(0);
    expect(asked).toHaveLength(1);
  });
});
