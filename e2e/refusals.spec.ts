/**
 * Expected refusals keep their HTTP status in the production build (the browser tests run on it): a use case's
 * DomainError is thrown in the bundle that built the engines and caught in the route's bundle, so it must be
 * recognised by its brand, not by `instanceof` (which made every one of these a 500).
 */
import { expect, test, type APIResponse, type Page } from "@playwright/test";
import { DEMO_POLICIES } from "../server/jobs/demo-ids";
import { DEMO_USERS, signIn } from "./fixtures";

const mutate = (page: Page, procedure: string, input: unknown) =>
  page.request.post(`/api/trpc/${procedure}`, { data: { json: input } });
const query = (page: Page, procedure: string, input: unknown) =>
  page.request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);

async function expectRefusal(response: APIResponse, status: number, message: string | RegExp): Promise<void> {
  const text = await response.text();
  expect(response.status(), text).toBe(status);
  const body = JSON.parse(text) as { error: { json: { message: string } } };
  expect(body.error.json.message).toMatch(message);
}

test.describe("expected refusals keep their codes", () => {
  test.beforeEach(async ({ page }) => signIn(page, "admin"));

  test("users: an unknown user 404, a duplicate e-mail 409, an admin demoting themself 400", async ({ page }) => {
    await expectRefusal(
      await mutate(page, "auth.user.changeRole", { userId: "usr_nobody", role: "viewer" }),
      404,
      "No user has the id usr_nobody",
    );
    await expectRefusal(
      await mutate(page, "auth.user.create", {
        email: DEMO_USERS.viewer.email,
        name: "Again",
        role: "viewer",
        password: "a-long-enough-password",
      }),
      409,
      "exists already",
    );
    await expectRefusal(
      await mutate(page, "auth.user.changeRole", { userId: DEMO_USERS.admin.id, role: "viewer" }),
      400,
      "cannot take the admin role from yourself",
    );
  });

  test("pager: an unknown service, policy or incident 404", async ({ page }) => {
    await expectRefusal(
      await mutate(page, "pager.service.update", {
        serviceId: "svc_nowhere",
        name: "X",
        policyId: DEMO_POLICIES.standard,
      }),
      404,
      "No monitored service has the id svc_nowhere",
    );
    await expectRefusal(await query(page, "pager.policy.get", { policyId: "pol_nowhere" }), 404, "pol_nowhere");
    await expectRefusal(await query(page, "pager.incident.get", { incidentId: "inc_nowhere" }), 404, "inc_nowhere");
  });

  test("alerts: an unknown rule 404, an alerts-server rule without ALERTS_SERVER_URL 400", async ({ page }) => {
    await expectRefusal(await query(page, "alerts.rule.get", { id: "rule_nowhere" }), 404, "rule_nowhere");
    await expectRefusal(await mutate(page, "alerts.rule.delete", { id: "rule_nowhere" }), 404, "rule_nowhere");
    await expectRefusal(
      await mutate(page, "alerts.rule.create", {
        name: `needs-a-server-${Date.now()}`,
        sourceKind: "alerts-server",
        query: "latency",
        intervalSecs: 10,
        warn: { value: 1, message: "warn" },
        critical: { value: 2, message: "critical" },
      }),
      400,
      "ALERTS_SERVER_URL",
    );
  });
});
