import { expect, test } from "@playwright/test";
import { appRouter } from "../server/trpc/root";
import { DEMO_USERS, signIn } from "./fixtures";

test.describe("sign-in and roles", () => {
  for (const role of ["viewer", "responder", "admin"] as const) {
    test(`a ${role} signs in and sees their name and role`, async ({ page }) => {
      await signIn(page, role);
      await expect(page.getByTestId("signed-in-user")).toContainText(DEMO_USERS[role].email);
      await expect(page.locator("header").getByText(role, { exact: true })).toBeVisible();
      await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveText([
        "Overview",
        "Alerts",
        "Pager",
        "Digests",
        "Scheduling",
        "Admin",
      ]);
    });
  }

  test("a wrong password is refused with a clear message", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("E-mail").fill(DEMO_USERS.admin.email);
    await page.getByLabel("Password").fill("not-the-right-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "do not match an account" })).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("an unknown e-mail is refused with a clear message", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("E-mail").fill("nobody@example.com");
    await page.getByLabel("Password").fill("whatever-password-123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "do not match an account" })).toBeVisible();
  });

  test("every page but sign-in needs a session", async ({ page }) => {
    for (const path of ["/", "/alerts", "/pager", "/digests", "/scheduling", "/admin"]) {
      await page.goto(path);
      await expect(page).toHaveURL(/\/sign-in/);
    }
  });

  test("a viewer sees no controls they cannot use, is told why, and the server refuses the mutation", async ({
    page,
  }) => {
    await signIn(page, "viewer");
    await page.getByRole("link", { name: "Admin" }).click();
    await expect(page.getByText("Only admins change users")).toBeVisible();
    await expect(page.getByRole("button", { name: "Add user" })).toHaveCount(0);
    await expect(page.getByLabel(`Role of ${DEMO_USERS.admin.email}`)).toHaveCount(0);
    // Calling the API directly is refused with a clear message.
    const response = await page.request.post("/api/trpc/auth.user.create", {
      data: {
        json: { name: "Nora New", email: "nora@example.com", role: "viewer", password: "a-long-enough-password" },
      },
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain("Only an admin can do this; you are signed in as a viewer");
  });

  test("an admin adds a user and changes a role, and both are in the audit log", async ({ page }) => {
    await signIn(page, "admin");
    await page.getByRole("link", { name: "Admin" }).click();
    const email = `pat-${Date.now()}@example.com`;
    await page.getByLabel("Name").fill("Pat Person");
    await page.getByLabel("E-mail", { exact: true }).fill(email);
    await page.getByLabel("Initial password").fill("a-long-enough-password");
    await page.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Added ${email} as viewer` })).toBeVisible();
    await page.getByLabel(`Role of ${email}`).selectOption("responder");
    await expect(page.getByRole("status").filter({ hasText: `${email} is now responder` })).toBeVisible();
    const audit = page.getByRole("table", { name: "Audit log" });
    await expect(audit).toContainText("auth.user.create");
    await expect(audit).toContainText("auth.user.changeRole");
  });

  test("an admin's bad input gets the validation message next to the field", async ({ page }) => {
    await signIn(page, "admin");
    await page.goto("/admin");
    await page.getByLabel("Name").fill("Short Password");
    await page.getByLabel("E-mail", { exact: true }).fill("short@example.com");
    await page.getByLabel("Initial password").fill("short");
    // The browser's own check is bypassed so the server's message is what shows.
    await page.locator("form[aria-label='Add a user']").evaluate((form) => form.setAttribute("novalidate", ""));
    await page.getByRole("button", { name: "Add user" }).click();
    // The server's message is shown next to the field it is about.
    await expect(page.getByLabel("Initial password")).toHaveAccessibleDescription(
      "The password needs at least 12 characters.",
    );
    await expect(page.getByLabel("Initial password")).toHaveAttribute("aria-invalid", "true");
  });

  test("sign-out ends the session", async ({ page }) => {
    await signIn(page, "responder");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/pager");
    await expect(page).toHaveURL(/\/sign-in/);
    const response = await page.request.get("/api/trpc/auth.session");
    const body = await response.json();
    expect(body.result.data.json).toBeNull();
  });
});

test.describe("the API refuses strangers", () => {
  const mutations = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
    .filter(([, procedure]) => procedure._def.type === "mutation")
    .map(([path]) => path);

  test("the router has mutations to check", () => {
    expect(mutations.length).toBeGreaterThan(0);
  });

  for (const path of mutations) {
    test(`an unauthenticated call of ${path} is refused`, async ({ request }) => {
      const response = await request.post(`/api/trpc/${path}`, { data: { json: {} } });
      expect(response.status()).toBe(401);
      const body = await response.json();
      expect(body.error.json.data.code).toBe("UNAUTHORIZED");
      expect(body.error.json.message).toContain("not signed in");
    });
  }

  test("the health check answers with the database's state", async ({ request }) => {
    const response = await request.get("/api/v1/health");
    expect(response.ok()).toBeTruthy();
    const body = await response.json();
    expect(body.status).toBe("ok");
    expect(body.database.state).toBe("ok");
    expect(body.database.journalMode).toBe("wal");
  });
});
