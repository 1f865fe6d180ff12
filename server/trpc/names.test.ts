import { describe, expect, it, vi } from "vitest";
import { MAX_NAMED_IDS } from "@/server/core/names";
import { peopleInOrder, ruleNamer, withRuleNames } from "./names";

describe("name resolution in the tRPC layer", () => {
  it("names rule AlarmIDs, marks a rule id no rule has as deleted, and leaves other AlarmIDs alone", () => {
    const ruleNames = vi.fn(
      (ids: readonly string[]) => new Map(ids.filter((id) => id === "rule_a").map((id) => [id, "A"])),
    );
    const rule = ruleNamer({ ruleNames }, ["rule_a", "rule_gone", "alarm-x", "rule_a"]);
    expect(ruleNames).toHaveBeenCalledWith(["rule_a", "rule_gone"]);
    expect(withRuleNames([{ alarmId: "rule_a" }, { alarmId: "rule_gone" }, { alarmId: "alarm-x" }], rule)).toEqual([
      { alarmId: "rule_a", rule: { id: "rule_a", name: "A" } },
      { alarmId: "rule_gone", rule: { id: "rule_gone", name: null } },
      { alarmId: "alarm-x", rule: null },
    ]);
  });

  it("looks up at most MAX_NAMED_IDS rules, and none when a page holds no rule id", () => {
    const ruleNames = vi.fn<(ids: readonly string[]) => Map<string, string>>(() => new Map());
    ruleNamer(
      { ruleNames },
      Array.from({ length: MAX_NAMED_IDS + 50 }, (_, index) => `rule_${index}`),
    );
    expect(ruleNames.mock.calls[0]?.[0]).toHaveLength(MAX_NAMED_IDS);
    ruleNamer({ ruleNames }, ["alarm-x"]);
    expect(ruleNames).toHaveBeenCalledTimes(1);
  });

  it("keeps subscribers in order and names an unknown one as deleted", () => {
    const known = new Map([["usr_a", { id: "usr_a", name: "Ann", email: "ann@example.com" }]]);
    expect(peopleInOrder(["usr_gone", "usr_a"], known)).toEqual([
      { id: "usr_gone", name: null, email: null },
      { id: "usr_a", name: "Ann", email: "ann@example.com" },
    ]);
  });
});
