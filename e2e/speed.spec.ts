/**
 * What a person waits for, measured in the browser and printed (never asserted: speed targets are read, not
 * tested): the overview's load until every panel has its figures, and an Acknowledge click until the timeline
 * shows it. On the test server and on the defaults a new user gets (the second server). Readiness is polled on
 * every animation frame, so the figures are not rounded up to an assertion's polling interval.
 */
import { expect, test, type Page } from "@playwright/test";
import { defaultsPort } from "../playwright.config";
import { DEMO_SERVICES } from "../server/jobs/demo-ids";
import { DEMO_INTEGRATION_KEYS } from "../server/pager/demo-data";
import { DEMO_USERS, openIncident } from "./fixtures";

const RUNS = 5;

/**
 * Signs in as the responder. The defaults server keeps its sign-in limit on, and e2e/sign-in-defaults.spec.ts
 * trips it on purpose: then this waits, as a person would, until the form lets them try again.
 */
async function signInAt(page: Page, origin: string): Promise<void> {
  const user = DEMO_USERS.responder;
  await page.goto(`${origin}/sign-in`);
  await page.getByLabel("E-mail").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  const button = page.getByRole("button", { name: "Sign in" });
  await expect(button).toBeEnabled();
  await button.click();
  const signedIn = page.getByTestId("signed-in-user");
  await expect(signedIn.or(page.getByText(/You can sign in again in \d+ s/))).toBeVisible();
  if (!(await signedIn.isVisible())) {
    await expect(button).toBeEnabled({ timeout: 70_000 });
    await button.click();
  }
  await expect(signedIn).toContainText(user.name);
}

/** Milliseconds from navigation to a page whose heading is shown and whose panels have all loaded. */
async function overviewLoad(page: Page, origin: string): Promise<number> {
  const started = Date.now();
  await page.goto(`${origin}/`, { waitUntil: "commit" });
  await page.waitForFunction(
    () =>
      document.querySelector("h1") !== null &&
      ![...document.querySelectorAll("main *")].some(
        (element) => element.children.length === 0 && /^Loading/.test(element.textContent ?? ""),
      ),
    undefined,
    { polling: "raf", timeout: 30_000 },
  );
  return Date.now() - started;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `p50 ${median} ms, max ${sorted.at(-1)} ms (${sorted.join(", ")})`;
}

test.describe("speed a person sees", () => {
  test.setTimeout(240_000);

  for (const server of ["test", "defaults"] as const) {
    test(`overview load and acknowledge on the ${server} server`, async ({ page, baseURL }, testInfo) => {
      const origin = server === "test" ? baseURL! : `http://127.0.0.1:${defaultsPort}`;
      await signInAt(page, origin);

      const loads: number[] = [];
      for (let run = 0; run < RUNS; run++) loads.push(await overviewLoad(page, origin));

      const acknowledgements: number[] = [];
      const requests: number[] = [];
      const inPage: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const summaryText = `Speed check ${server} ${run} (${Date.now()})`;
        const incidentId = await openIncident(
          page,
          DEMO_INTEGRATION_KEYS.search,
          DEMO_SERVICES.search,
          summaryText,
          origin,
        );
        await page.goto(`${origin}/pager/incidents/${incidentId}`);
        const button = page.getByRole("button", { name: "Acknowledge" });
        await expect(button).toBeEnabled();
        const answered = page.waitForResponse((response) => response.url().includes("pager.incident.acknowledge"));
        // In the page: from the click event to the frame that shows the acknowledgement on the timeline (what a
        // person sees, without the test driver's own overhead).
        await page.evaluate(() => {
          const state = window as unknown as { ackShownAfterMs?: Promise<number> };
          state.ackShownAfterMs = new Promise<number>((resolve) => {
            let clickedAt: number | undefined;
            document.addEventListener(
              "click",
              (event) => {
                const button = (event.target as Element).closest("button");
                if (button?.textContent?.includes("Acknowledge")) clickedAt = performance.now();
              },
              { capture: true, once: true },
            );
            const observer = new MutationObserver(() => {
              if (clickedAt === undefined || !document.querySelector('[data-testid="timeline-acknowledged"]')) return;
              observer.disconnect();
              requestAnimationFrame(() => resolve(performance.now() - clickedAt!));
            });
            observer.observe(document.body, { subtree: true, childList: true });
          });
        });
        const started = Date.now();
        await button.click();
        await page.waitForFunction(
          () => document.querySelector('[data-testid="timeline-acknowledged"]') !== null,
          undefined,
          { polling: "raf", timeout: 10_000 },
        );
        inPage.push(
          Math.round(
            await page.evaluate(() => (window as unknown as { ackShownAfterMs: Promise<number> }).ackShownAfterMs),
          ),
        );
        acknowledgements.push(Date.now() - started);
        const timing = (await answered).request().timing();
        requests.push(Math.round(timing.responseEnd - timing.requestStart));
        await page.getByRole("button", { name: "Resolve" }).click();
        await expect(page.getByTestId("timeline-resolved")).toBeVisible();
      }

      const lines = [
        `speed (${server} server): overview load until every panel has loaded: ${summary(loads)}; target under 1000 ms`,
        `speed (${server} server): Acknowledge click until the timeline shows it, in the page: ${summary(inPage)}; target under 200 ms`,
        `speed (${server} server): the same from the test driver (its click and polling included): ${summary(acknowledgements)}`,
        `speed (${server} server): of which the acknowledge request (sent to answered): ${summary(requests)}`,
      ];
      for (const line of lines) console.log(line);
      await testInfo.attach(`speed-${server}`, { body: lines.join("\n"), contentType: "text/plain" });
    });
  }
});
