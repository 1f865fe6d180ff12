import { describe, expect, it, vi } from "vitest";
import { MAX_NAMED_IDS } from "@/server/core/names";
import type { PagerConsole } from "@/server/pager/console";
import { MAX_SERVICE_PAGES, peopleInOrder, ruleNamer, SERVICE_PAGE_SIZE, serviceRefs, withRuleNames } from "./names";

type ServicePage = ReturnType<PagerConsole["listServices"]>;

/** A pager console listing `count` services svc_0 … by page, counting the pages read. */
function pagerWith(count: number) {
  const listServices = vi.fn((request: { page: number; pageSize: number }): ServicePage => {
    const start = (request.page - 1) * request.pageSize;
    const items = Array.from({ length: Math.max(0, Math.min(request.pageSize, count - start)) }, (_, index) => ({
      id: `svc_${start + index}`,
      name: `Service ${start + index}`,
    }));
    return { items, total: count, page: request.page, pageSize: request.pageSize } as unknown as ServicePage;
  });
  return { listServices };
}

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

  it("finds services page by page, stops once all are found, and marks a missing one as deleted", () => {
    const pager = pagerWith(SERVICE_PAGE_SIZE * 3);
    const refs = serviceRefs(pager, [`svc_${SERVICE_PAGE_SIZE + 1}`]);
    expect(refs.get(`svc_${SERVICE_PAGE_SIZE + 1}`)).toEqual({
      id: `svc_${SERVICE_PAGE_SIZE + 1}`,
      name: `Service ${SERVICE_PAGE_SIZE + 1}`,
    });
    expect(pager.listServices).toHaveBeenCalledTimes(2);
    expect(pager.listServices).toHaveBeenCalledWith({ page: 1, pageSize: SERVICE_PAGE_SIZE }, "viewer");

    const small = pagerWith(3);
    expect(serviceRefs(small, ["svc_gone"]).get("svc_gone")).toEqual({ id: "svc_gone", name: null });
    expect(small.listServices).toHaveBeenCalledTimes(1);
  });

  it("reads at most MAX_SERVICE_PAGES pages of services", () => {
    const pager = pagerWith(SERVICE_PAGE_SIZE * (MAX_SERVICE_PAGES + 5));
    serviceRefs(pager, ["svc_gone"]);
    expect(pager.listServices).toHaveBeenCalledTimes(MAX_SERVICE_PAGES);
    expect(serviceRefs(pager, []).size).toBe(0);
    expect(pager.listServices).toHaveBeenCalledTimes(MAX_SERVICE_PAGES);
  });

  it("keeps subscribers in order and names an unknown one as deleted", () => {
    const known = new Map([["usr_a", { id: "usr_a", name: "Ann", email: "ann@example.com" }]]);
    expect(peopleInOrder(["usr_gone", "usr_a"], known)).toEqual([
      { id: "usr_gone", name: null, email: null },
      { id: "usr_a", name: "Ann", email: "ann@example.com" },
    ]);
  });
});
