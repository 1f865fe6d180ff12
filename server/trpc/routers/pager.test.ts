/** The pager router: role checks on every mutation, readable validation errors, no-op outcomes as answers. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describePeopleByEmail } from "@/server/core/names";
import type { Consoles } from "@/server/jobs/runtime";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";
import { createCallerFactory, createTRPCRouter, type SessionUser } from "../init";
import { pagerRouter } from "./pager";

const createCaller = createCallerFactory(createTRPCRouter({ pager: pagerRouter }));
let harness: PagerHarness;

const users: Record<SessionUser["role"], SessionUser> = {
  viewer: { id: "usr_v", email: "vera@example.com", name: "Vera", role: "viewer" },
  responder: { id: "usr_r", email: "rui@example.com", name: "Rui", role: "responder" },
  admin: { id: "usr_a", email: "ada@example.com", name: "Ada", role: "admin" },
};

/** The auth console's part the router uses: the users above, looked up by e-mail as the directory does. */
const auth = {
  describeActors: (actors: Iterable<string>) =>
    describePeopleByEmail(
      {
        describeByEmail: (emails) =>
          new Map(
            Object.values(users)
              .filter((user) => emails.includes(user.email))
              .map((user) => [user.email, { id: user.id, name: user.name }]),
          ),
      },
      actors,
    ),
};

function callerAs(role: SessionUser["role"]) {
  return createCaller({ user: users[role], consoles: { pager: harness.pager.console, auth } as unknown as Consoles });
}

beforeEach(async () => {
  harness = await createPagerHarness({ providers: false });
});

afterEach(async () => {
  await harness.close();
});

describe("pager router", () => {
  it("lets a responder acknowledge, answers a second acknowledgement as a no-op, and refuses a viewer", async () => {
    const opened = harness.pager.useCases.receiveAlert({
      serviceId: harness.serviceId,
      summary: "down",
      actor: { kind: "system", name: "test" },
    });
    const incidentId = opened.outcome === "opened" ? opened.incidentId : "";

    await expect(callerAs("viewer").pager.incident.acknowledge({ incidentId })).rejects.toThrow(
      /Only a responder or an admin can do this/,
    );
    // The answer carries the incident as it now is, its people named, so the page needs no second request.
    await expect(callerAs("responder").pager.incident.acknowledge({ incidentId })).resolves.toMatchObject({
      outcome: "acknowledged",
      page: {
        incident: { state: "acknowledged", acknowledgedBy: "rui@example.com" },
        people: { "rui@example.com": { id: "usr_r", name: "Rui" } },
      },
    });
    await expect(callerAs("admin").pager.incident.acknowledge({ incidentId })).resolves.toMatchObject({
      outcome: "already-acknowledged",
    });
    const page = await callerAs("viewer").pager.incident.get({ incidentId });
    expect(page.incident.acknowledgedBy).toBe("rui@example.com");
  });

  it("lets only admins edit policies and explains a bad phone number", async () => {
    const policy = {
      name: "P",
      levels: [{ delayMinutes: 15, targets: [{ channel: "sms" as const, address: "555-0100" }] }],
      repeatCount: 0,
    };
    await expect(callerAs("responder").pager.policy.create(policy)).rejects.toThrow(/Only an admin/);
    await expect(callerAs("admin").pager.policy.create(policy)).rejects.toThrow(/E\.164/);
  });

  it("hides integration keys from everyone but admins", async () => {
    expect(
      (await callerAs("viewer").pager.service.list({ page: 1, pageSize: 10 })).items[0]!.integrationKey,
    ).toBeNull();
    expect((await callerAs("admin").pager.service.list({ page: 1, pageSize: 10 })).items[0]!.integrationKey).toMatch(
      /^wpk_/,
    );
  });

  it("answers an unknown incident with NOT_FOUND and a way out", async () => {
    await expect(callerAs("viewer").pager.incident.get({ incidentId: "inc_missing" })).rejects.toThrow(
      /No incident has the id inc_missing/,
    );
  });

  it("answers an unknown policy with NOT_FOUND and a way out", async () => {
    await expect(callerAs("viewer").pager.policy.get({ policyId: "pol_missing" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "No escalation policy has the id pol_missing. Go back to the policies.",
    });
  });

  it("gives a new service its own fresh integration key", async () => {
    const policyId = (await callerAs("viewer").pager.policy.list({ page: 1, pageSize: 10 })).items[0]!.id;
    const created = await callerAs("admin").pager.service.create({ name: "Search", description: "", policyId });
    const existing = (await callerAs("admin").pager.service.list({ page: 1, pageSize: 10 })).items.find(
      (item) => item.id === harness.serviceId,
    )!;
    expect(created.integrationKey).toMatch(/^wpk_[0-9a-f]{32}$/);
    expect(created.integrationKey).not.toBe(existing.integrationKey);
  });

  it("names services by id in one bounded read, leaving out ids no service has", () => {
    const names = harness.pager.console.serviceNames([harness.serviceId, harness.serviceId, "svc_gone"]);
    expect([...names.keys()]).toEqual([harness.serviceId]);
    expect(harness.pager.console.serviceNames([])).toEqual(new Map());
  });
});
