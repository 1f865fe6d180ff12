/**
 * Shared helpers for the browser tests: sign in through the page as a person would, as one of the demo users
 * that the e2e server seeds (scripts/e2e-server.mjs), and move the server's test clock.
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
