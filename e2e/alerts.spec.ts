import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test.describe("Alerts page", () => {
  test("an admin creates a rule in the page and sees its state change, then edits it back to PASS", async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await signIn(page, "admin");
    await page.goto("/alerts");
    await expect(page.getByRole("heading", { name: "Alerts" })).toBeVisible();
    // The demo seed's rules are listed with their state.
    await expect(page.getByTestId("rule-row-checkout-latency-p99")).toBeVisible();

    const name = `e2e-rule-${Date.now()}`;
    await page.getByRole("button", { name: "New rule" }).click();
    const form = page.getByRole("form", { name: "Create a rule" });
    await form.getByLabel("Name", { exact: true }).fill(name);
    await form.getByLabel("Source", { exact: true }).selectOption("simulated");
    await form.getByLabel("Query", { exact: true }).fill("constant?value=500");
    await form.getByLabel("Unit", { exact: true }).selectOption("ms");
    await form.getByLabel("Interval (seconds)", { exact: true }).fill("1");
    await form.getByLabel("Warn above", { exact: true }).fill("300");
    await form.getByLabel("Warn message", { exact: true }).fill(`${name} is high`);
    await form.getByLabel("Critical above", { exact: true }).fill("200");
    await form.getByLabel("Critical message", { exact: true }).fill(`${name} is very high`);
    // The service and the subscribers are chosen from those that exist, by name.
    await form.getByLabel("Monitored service", { exact: true }).selectOption({ label: "Checkout" });
    await form.getByRole("checkbox", { name: "Rui Responder" }).check();
    await form.getByRole("button", { name: "Create rule" }).click();
    // Warn above critical is refused next to the field, in the form's words, saying what to fix.
    await expect(form.getByLabel("Warn above", { exact: true })).toHaveAccessibleDescription(
      /Warn above \(300\) must not exceed Critical above \(200\)/,
    );
    await expect(form.getByLabel("Warn above", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByText("Nothing was saved: correct the field marked above.")).toBeVisible();

    await form.getByLabel("Warn above", { exact: true }).fill("100");
    await form.getByRole("button", { name: "Create rule" }).click();
    await expect(page.getByText(`Created ${name}.`)).toBeVisible();

    const row = page.getByTestId(`rule-row-${name}`);
    await expect(row).toBeVisible();
    await expect(row).toContainText("CRITICAL", { timeout: 20_000 });

    // Filter by state: the rule is among the critical ones, not among the passing ones.
    await page.getByRole("button", { name: /^Critical/ }).click();
    await expect(page.getByTestId(`rule-row-${name}`)).toBeVisible();
    await page.getByRole("button", { name: /^Pass/ }).click();
    await expect(page.getByTestId(`rule-row-${name}`)).toHaveCount(0);
    await page.getByRole("button", { name: /^All/ }).click();

    await page.getByRole("link", { name }).click();
    await expect(page.getByTestId("rule-state")).toHaveText("CRITICAL");
    // Values carry the rule's unit; the service and the subscriber are named and linked.
    await expect(page.getByText("200 ms", { exact: false }).first()).toBeVisible();
    await expect(page.getByRole("link", { name: "Checkout" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Rui Responder" })).toBeVisible();
    await expect(page.getByTestId("rule-chart-legend")).toContainText("Critical above 200 ms");
    await expect(page.getByRole("table", { name: "Transitions" })).toContainText(`${name} is very high`);
    await expect
      .poll(async () => Number(await page.getByTestId("rule-chart").getAttribute("data-points")), { timeout: 20_000 })
      .toBeGreaterThan(0);

    // Editing the query to a low value resolves the alert.
    await page.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: "Edit the rule" });
    await edit.getByLabel("Query", { exact: true }).fill("constant?value=10");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByTestId("rule-state")).toHaveText("PASS", { timeout: 20_000 });
    await expect(page.getByRole("table", { name: "Transitions" })).toContainText("resolve");

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Delete for good" }).click();
    await expect(page).toHaveURL(/\/alerts$/);
    await expect(page.getByTestId(`rule-row-${name}`)).toHaveCount(0);
  });

  test("a viewer sees the rules but cannot create one", async ({ page }) => {
    await signIn(page, "viewer");
    await page.goto("/alerts");
    await expect(page.getByRole("table", { name: "Alert rules" })).toBeVisible();
    await expect(page.getByRole("button", { name: "New rule" })).toHaveCount(0);
  });
});
