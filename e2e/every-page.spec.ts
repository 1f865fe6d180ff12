/**
 * Every page of the console, as a reviewer would look at it: each page at 1440 × 900 and 390 × 844, in the light
 * and the dark theme, with a screenshot of each into the test output (test-results/…/every-page-*.png), an
 * accessibility check (axe-core: no serious or critical violation, in both themes) and, on the phone size, no
 * horizontal scrolling of the page itself (tables scroll inside their own box).
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { DEMO_INTEGRATION_KEYS } from "../server/pager/demo-data";
import { signIn } from "./fixtures";

const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
const THEMES = ["light", "dark"] as const;

type PageUnderTest = { name: string; path: string; ready: (page: Page) => Promise<void> };

async function mainHeading(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  // Queries settle: no loading placeholder left on the page.
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
}

/** Opens (or finds, when the demo's alerts paged the service already) an incident to look at. */
async function anIncident(page: Page): Promise<string> {
  const response = await page.request.post("/api/v1/pager/events", {
    data: {
      routing_key: DEMO_INTEGRATION_KEYS.checkout,
      event_action: "trigger",
      dedup_key: "every-page review incident",
      payload: { summary: "Checkout error rate above 5% (review)", source: "e2e", severity: "critical" },
    },
  });
  expect(response.status(), await response.text()).toBe(202);
  return ((await response.json()) as { incident_id: string }).incident_id;
}

async function aRule(page: Page): Promise<string> {
  await page.goto("/alerts");
  const href = await page.locator('a[href^="/alerts/"]').first().getAttribute("href");
  expect(href, "the demo seeds alert rules").toBeTruthy();
  return href!;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}: ${violation.nodes
          .slice(0, 3)
          .map((node) => node.target.join(" "))
          .join(" | ")}`,
    );
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

test.describe("every page", () => {
  test.setTimeout(600_000);

  test("each page at desktop and phone size, light and dark: screenshot, accessibility, no sideways scrolling", async ({
    browser,
  }, testInfo) => {
    const problems: string[] = [];
    const shots: string[] = [];
    for (const theme of THEMES) {
      for (const size of SIZES) {
        const context = await browser.newContext({
          viewport: { width: size.width, height: size.height },
          colorScheme: theme,
        });
        await context.addInitScript((chosen) => localStorage.setItem("watchpost-theme", chosen), theme);
        const page = await context.newPage();
        await page.goto("/sign-in");
        await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
        const label = `${size.name}-${theme}`;
        const check = async (name: string) => {
          const file = testInfo.outputPath(`every-page-${name}-${label}.png`);
          await page.screenshot({ path: file, fullPage: true });
          shots.push(file);
          if (size.name === "desktop" || theme === "light")
            for (const violation of await seriousViolations(page)) problems.push(`${name} (${label}): ${violation}`);
          if (size.name === "phone") {
            const overflow = await horizontalOverflow(page);
            if (overflow > 0) problems.push(`${name} (${label}): the page scrolls sideways by ${overflow} px`);
          }
        };
        await check("sign-in");

        await signIn(page, "admin");
        const incidentPath = `/pager/incidents/${await anIncident(page)}`;
        const rulePath = await aRule(page);
        const pages: PageUnderTest[] = [
          { name: "overview", path: "/", ready: mainHeading },
          { name: "alerts", path: "/alerts", ready: mainHeading },
          { name: "rule", path: rulePath, ready: mainHeading },
          { name: "pager-services", path: "/pager", ready: mainHeading },
          { name: "incidents", path: "/pager/incidents", ready: mainHeading },
          {
            name: "incident",
            path: incidentPath,
            ready: async (current) => {
              await mainHeading(current);
              await expect(current.getByRole("button", { name: "Acknowledge" })).toBeVisible();
            },
          },
          { name: "policies", path: "/pager/policies", ready: mainHeading },
          { name: "digests", path: "/digests", ready: mainHeading },
          { name: "scheduling", path: "/scheduling", ready: mainHeading },
          { name: "admin", path: "/admin", ready: mainHeading },
        ];
        for (const target of pages) {
          await page.goto(target.path);
          await target.ready(page);
          await check(target.name);
          if (target.name === "incident" && size.name === "phone") {
            const box = await page.getByRole("button", { name: "Acknowledge" }).boundingBox();
            if (!box || box.x < 0 || box.x + box.width > size.width)
              problems.push(`incident (${label}): the Acknowledge button is not within the screen's width`);
          }
        }
        await context.close();
      }
    }
    await testInfo.attach("screenshots", { body: shots.join("\n"), contentType: "text/plain" });
    console.log(`every page: ${shots.length} screenshots in ${testInfo.outputDir}`);
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
