import { expect, test } from "@playwright/test";
import { DEMO_USERS, signIn } from "./fixtures";

test.describe("digests", () => {
  test("the page shows a user's active alarms and Send digest now adds a history entry", async ({ page }) => {
    await signIn(page, "responder");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Digests" }).click();
    await expect(page.getByRole("heading", { name: "Digests", level: 1 })).toBeVisible();

    // The demo seed makes alarms active for the demo users, oldest first with the producer's exact ChangedAt.
    const userId = DEMO_USERS.responder.id;
    const row = page.getByTestId(`digest-user-${userId}`);
    await expect(row).toBeVisible();
    await expect(row.getByText("alarm-checkout-latency")).toBeVisible();
    await expect(row.getByText("CRITICAL").first()).toBeVisible();

    await row.getByRole("button", { name: `Show digest history of ${userId}` }).click();
    const history = page.getByTestId("digest-history");
    await expect(history.getByRole("heading", { name: `Digest history of ${userId}` })).toBeVisible();
    const rows = history.getByTestId("digest-history-row");
    // Settle on the empty state or the table's totals before counting, then compare the total afterwards.
    const totals = history.getByRole("navigation", { name: "Pages of digests" });
    await expect(history.getByText("No digest sent yet").or(totals)).toBeVisible();
    const totalOf = async () =>
      (await totals.count()) === 0 ? 0 : Number(/of (\d+) digests/.exec((await totals.textContent()) ?? "")?.[1] ?? 0);
    const before = await totalOf();

    await row.getByRole("button", { name: `Send digest now to ${userId}` }).click();
    await expect(
      page.getByText(new RegExp(`Sent ${userId} (a digest with \\d+ alarms?|an empty digest)`)),
    ).toBeVisible();
    await expect(totals).toContainText(`of ${before + 1} digests`);
    await expect(rows.first()).toContainText(DEMO_USERS.responder.email);
  });

  test("a viewer sees the alarms but no Send digest now button", async ({ page }) => {
    await signIn(page, "viewer");
    await page.goto("/digests");
    await expect(page.getByTestId(`digest-user-${DEMO_USERS.viewer.id}`)).toBeVisible();
    await expect(page.getByRole("button", { name: /Send digest now/ })).toHaveCount(0);
    await expect(page.getByText("Sending a digest needs the responder or admin role.")).toBeVisible();
  });
});
