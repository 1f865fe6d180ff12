import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

test.describe("Scheduling page", () => {
  test("shows CPU, IO and memory charts with data; turning the scheduler on changes the band fraction within a minute", async ({
    page,
  }) => {
    test.setTimeout(330_000);
    await signIn(page, "responder");
    await page.goto("/scheduling");
    await expect(page.getByRole("heading", { name: "Scheduling" })).toBeVisible();

    for (const name of ["cpu", "io", "memory"]) {
      const chart = page.getByTestId(`chart-${name}`);
      await expect(chart).toBeVisible({ timeout: 30_000 });
      await expect
        .poll(async () => Number(await chart.getAttribute("data-points")), { timeout: 30_000 })
        .toBeGreaterThan(3);
      await expect(chart.locator("svg path.recharts-curve").first()).toBeVisible();
    }
    await expect(page.getByRole("table", { name: "Captured executions" })).toBeVisible();

    const schedulerSwitch = page.getByRole("switch", { name: /Scheduler/ });
    if (await schedulerSwitch.isChecked()) {
      await schedulerSwitch.click();
      await expect(schedulerSwitch).not.toBeChecked();
    }
    // The band fractions over the last minute: all three together, then CPU, IO and memory.
    const fractions = async () => {
      const values = [];
      for (const id of ["band-fraction", "band-fraction-cpu", "band-fraction-io", "band-fraction-memory"])
        values.push(Number.parseFloat((await page.getByTestId(id).textContent()) ?? "0"));
      return values;
    };
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    // The scheduler plans with estimated costs: give the estimator its first minute of history.
    await expect
      .poll(async () => Number(await page.getByTestId("estimator-seconds").textContent()), {
        timeout: 90_000,
        intervals: [3_000],
      })
      .toBeGreaterThanOrEqual(45);
    const before = await fractions();

    await schedulerSwitch.click();
    await expect(schedulerSwitch).toBeChecked();
    await expect(page.getByText("Scheduler on: it delays queries")).toBeVisible();
    // Before two minutes of history it waits, and says so, instead of adding delay that does not balance.
    if (Number(await page.getByTestId("estimator-seconds").textContent()) < 110)
      await expect(page.getByText(/The scheduler is on but adds no delay now: warming up/)).toBeVisible({
        timeout: 15_000,
      });
    // Unscheduled, almost no second is inside the band; scheduled, seconds start to land inside it.
    await expect
      .poll(async () => sum(await fractions()), { timeout: 150_000, intervals: [2_000] })
      .toBeGreaterThan(sum(before));

    await schedulerSwitch.click();
    await expect(schedulerSwitch).not.toBeChecked();
  });

  test("a viewer sees the figures but cannot switch the scheduler", async ({ page }) => {
    await signIn(page, "viewer");
    await page.goto("/scheduling");
    await expect(page.getByRole("switch", { name: /Scheduler/ })).toBeDisabled();
  });
});
