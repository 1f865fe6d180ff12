/**
 * Sign-in on the defaults a new user gets: the second server of playwright.config.ts runs the production build
 * with demo mode on, PORT set and WATCHPOST_BASE_URL, WATCHPOST_HOST and the sign-in limit unset. A person signs
 * in at every address the console answers on; the limit holds against forged headers; the demo console is not
 * reachable from the network.
 */
import { networkInterfaces } from "node:os";
import { expect, test, type Page } from "@playwright/test";
import { defaultsPort } from "../playwright.config";
import { DEMO_USERS } from "./fixtures";

test.describe.configure({ mode: "serial" });

async function signInThroughTheForm(page: Page, origin: string) {
  const user = DEMO_USERS.admin;
  await page.goto(`${origin}/sign-in`);
  await expect(page.getByText(`${user.email} / ${user.password}`)).toBeVisible();
  await page.getByLabel("E-mail").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toContainText(user.name);
  expect(new URL(page.url()).origin).toBe(origin);
}

for (const host of ["127.0.0.1", "localhost"]) {
  test(`signs in through the form at http://${host}:<port> with the default base URL`, async ({ page }) => {
    await signInThroughTheForm(page, `http://${host}:${defaultsPort}`);
  });
}

test("the demo console listens on loopback only", async () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === "IPv4" && !address.internal);
  test.skip(!external, "this machine has no network interface besides loopback");
  const refused = await fetch(`http://${external!.address}:${defaultsPort}/api/v1/health`).then(
    () => false,
    () => true,
  );
  expect(refused, `the demo console answered on ${external!.address}`).toBe(true);
});

// Last: it uses up this address's sign-in attempts for the minute.
test("a new X-Forwarded-For on each attempt gets 429 after the default limit, and the form says when to retry", async ({
  request,
  page,
}) => {
  const origin = `http://127.0.0.1:${defaultsPort}`;
  const statuses: number[] = [];
  let refusal: { status: number; retryAfter: string | null; message: string } | undefined;
  // The default is 10 a minute; the sign-ins above used some of them.
  for (let attempt = 1; attempt <= 11 && !refusal; attempt++) {
    const forged = `198.51.100.${attempt}`;
    const response = await request.post(`${origin}/api/auth/sign-in/email`, {
      headers: { origin, "x-forwarded-for": forged, "x-real-ip": forged, "x-watchpost-peer-address": forged },
      data: { email: `guess-${attempt}@example.com`, password: "not-the-password" },
    });
    statuses.push(response.status());
    if (response.status() === 429)
      refusal = {
        status: 429,
        retryAfter: response.headers()["retry-after"] ?? null,
        message: ((await response.json()) as { message: string }).message,
      };
  }
  expect(refusal, `statuses: ${statuses.join(", ")}`).toBeDefined();
  expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
  expect(Number(refusal!.retryAfter)).toBeGreaterThan(0);
  expect(refusal!.message).toMatch(
    /^Too many sign-in attempts from your address \(10 a minute are allowed\)\. Try again in \d+ seconds?, at \d\d:\d\d:\d\d UTC\.$/,
  );

  await page.goto(`${origin}/sign-in`);
  await page.getByLabel("E-mail").fill(DEMO_USERS.admin.email);
  await page.getByLabel("Password").fill(DEMO_USERS.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(
    page.getByRole("alert").filter({ hasText: "Too many sign-in attempts from your address" }),
  ).toBeVisible();
  // The button waits until the server lets this address try again, and the form counts down to it.
  await expect(page.getByRole("button", { name: "Sign in" })).toBeDisabled();
  await expect(page.getByRole("status").filter({ hasText: /You can sign in again in \d+ s\./ })).toBeVisible();
});
