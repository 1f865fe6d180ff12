/**
 * Shared helpers for the browser tests: sign in through the page as a person would, as one of the demo users
 * that the e2e server seeds (scripts/e2e-server.mjs), move the server's test clock, and open incidents through the ingest API.
 */
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { DEMO_USERS } from "../server/jobs/demo-ids";

export { DEMO_USERS };
export type DemoRole = keyof typeof DEMO_USERS;

export async function signIn(page: Page, role: DemoRole): Promise<void> {
  const user = DEMO_USERS[role];
  await page.goto("/sign-in");
  await page.getByLabel("E-mail").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toContainText(user.name);
}

/** Moves the server's clock forward (only the e2e server exposes this). */
export async function advanceServerClock(request: APIRequestContext, advanceMs: number): Promise<void> {
  const response = await request.post("/api/v1/test/clock", { data: { advanceMs } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** Sends an alert to the ingest API as PagerDuty Events v2 (the summary is its dedup key). */
export async function trigger(
  request: APIRequestContext,
  routingKey: string,
  summary: string,
  origin = "",
): Promise<{ outcome: string; incident_id: string }> {
  const response = await request.post(`${origin}/api/v1/pager/events`, {
    data: {
      routing_key: routingKey,
      event_action: "trigger",
      dedup_key: summary,
      payload: { summary, source: "e2e", severity: "critical" },
    },
  });
  expect(response.status(), await response.text()).toBe(202);
  return (await response.json()) as { outcome: string; incident_id: string };
}

/**
 * Opens a new incident on a demo service. The demo's alert rules may have paged the service already (one
 * active incident per service: the alert would be deduplicated), so a signed-in responder marks it healthy first.
 */
export async function openIncident(
  page: Page,
  routingKey: string,
  serviceId: string,
  summary: string,
  origin = "",
): Promise<string> {
  let result = await trigger(page.request, routingKey, summary, origin);
  if (result.outcome === "deduplicated") {
    const healed = await page.request.post(`${origin}/api/trpc/pager.service.markHealthy`, {
      data: { json: { serviceId } },
    });
    expect(healed.ok(), await healed.text()).toBeTruthy();
    result = await trigger(page.request, routingKey, summary, origin);
  }
  expect(result.outcome).toBe("opened");
  return result.incident_id;
}
