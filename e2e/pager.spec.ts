/**
 * The pager in the browser: an alert arrives over the ingest API, the incident appears, a responder
 * acknowledges it and the timeline names them, and moving the server's test clock past the acknowledgement
 * timeout does not escalate; without an acknowledgement it escalates to level 2. Plus the ingest's answers to
 * bad requests and the policy editor's validation.
 */
import { expect, test } from "@playwright/test";
import { DEMO_SERVICES } from "../server/jobs/demo-ids";
import { DEMO_INTEGRATION_KEYS } from "../server/pager/demo-data";
import { advanceServerClock, DEMO_USERS, openIncident, signIn } from "./fixtures";

const SIXTEEN_MINUTES = 16 * 60_000;

test.describe("pager", () => {
  test("an alert arrives, a responder acknowledges it, and passing the timeout does not escalate", async ({
    page,
    request,
  }) => {
    const summary = `Checkout error rate above 5% (${Date.now()})`;
    await signIn(page, "responder");
    await openIncident(page, DEMO_INTEGRATION_KEYS.checkout, DEMO_SERVICES.checkout, summary);
    // A control incident left unacknowledged: once it shows its escalation, the timer poller has run past the
    // timeout, so the acknowledged incident's page can be read as final.
    const control = await openIncident(
      page,
      DEMO_INTEGRATION_KEYS.search,
      DEMO_SERVICES.search,
      `Unacknowledged control incident (${Date.now()})`,
    );

    await page.goto("/pager/incidents");
    await page.getByRole("link", { name: summary, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(summary);
    await expect(page.getByTestId("timeline-level_notified")).toHaveCount(1);
    // No mail or SMS provider in the e2e server: each delivery says so instead of vanishing.
    await expect(page.getByTestId("delivery").first()).toContainText("not sent");
    await expect(page.getByTestId("delivery").first()).toContainText("SMTP_URL is not set");

    const url = page.url();
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await expect(page.getByTestId("timeline-acknowledged")).toContainText(
      `Acknowledged by ${DEMO_USERS.responder.name}`,
    );
    // The person is named and linked, the e-mail in the tooltip.
    await expect(
      page.getByTestId("timeline-acknowledged").getByRole("link", { name: DEMO_USERS.responder.name }),
    ).toHaveAttribute("title", DEMO_USERS.responder.email);
    expect(page.url()).toBe(url);
    await expect(page.getByRole("button", { name: "Acknowledge" })).toBeDisabled();

    await advanceServerClock(request, SIXTEEN_MINUTES);
    await page.goto(`/pager/incidents/${control}`);
    await expect(page.getByTestId("timeline-escalated")).toContainText("Escalated to level 2");
    await page.goto(url);
    await expect(page.getByTestId("timeline-acknowledged")).toBeVisible();
    await expect(page.getByTestId("timeline-escalated")).toHaveCount(0);
    await expect(page.getByTestId("timeline-level_notified")).toHaveCount(1);

    await page.getByRole("button", { name: "Resolve" }).click();
    await expect(page.getByTestId("timeline-resolved")).toContainText(`Resolved by ${DEMO_USERS.responder.name}`);
  });

  test("on an incident, ? lists the keys and a acknowledges; a viewer is told why there are no actions", async ({
    page,
    browser,
  }) => {
    const summary = `Search keyboard check (${Date.now()})`;
    await signIn(page, "responder");
    const incidentId = await openIncident(page, DEMO_INTEGRATION_KEYS.search, DEMO_SERVICES.search, summary);
    await page.goto(`/pager/incidents/${incidentId}`);
    await expect(page.getByRole("button", { name: "Acknowledge" })).toBeEnabled();
    await page.keyboard.press("?");
    await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toContainText("Acknowledge the incident");
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveCount(0);
    await page.keyboard.press("a");
    await expect(page.getByTestId("timeline-acknowledged")).toContainText(
      `Acknowledged by ${DEMO_USERS.responder.name}`,
    );

    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await signIn(viewer, "viewer");
    await viewer.goto(`/pager/incidents/${incidentId}`);
    await expect(viewer.getByTestId("why-no-actions")).toContainText("Only responders and admins can acknowledge");
    await expect(viewer.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
    await viewerContext.close();
  });

  test("without an acknowledgement, passing the timeout escalates to level 2", async ({ page, request }) => {
    const summary = `Search latency above 2 s (${Date.now()})`;
    await signIn(page, "responder");
    const incidentId = await openIncident(page, DEMO_INTEGRATION_KEYS.search, DEMO_SERVICES.search, summary);

    await page.goto(`/pager/incidents/${incidentId}`);
    await expect(page.getByTestId("timeline-level_notified")).toHaveCount(1);

    await advanceServerClock(request, SIXTEEN_MINUTES);
    await expect(page.getByTestId("timeline-escalated")).toContainText("Escalated to level 2");
    await expect(page.getByTestId("timeline-level_notified")).toHaveCount(2);
    await expect(page.getByTestId("timeline-level_notified").nth(1)).toContainText("Level 2 notified");
    await expect(page.getByTestId("timeline-level_notified").nth(1).getByTestId("delivery")).toHaveCount(2);
  });

  test("the ingest answers a bad key or body with a 4xx that says what was wrong", async ({ request }) => {
    const unknownKey = await request.post("/api/v1/pager/events", {
      data: {
        routing_key: "wrong-key",
        event_action: "trigger",
        payload: { summary: "x", source: "e2e", severity: "critical" },
      },
    });
    expect(unknownKey.status()).toBe(403);
    expect(((await unknownKey.json()) as { message: string }).message).toContain(
      "routing_key matches no monitored service",
    );

    const missingSummary = await request.post("/api/v1/pager/events", {
      data: {
        routing_key: DEMO_INTEGRATION_KEYS.checkout,
        event_action: "trigger",
        payload: { source: "e2e", severity: "critical" },
      },
    });
    expect(missingSummary.status()).toBe(400);
    expect(JSON.stringify(await missingSummary.json())).toContain("payload.summary is required");

    const alertmanagerWithoutKey = await request.post("/api/v1/pager/events", {
      data: {
        version: "4",
        groupKey: "g",
        status: "firing",
        receiver: "r",
        alerts: [{ status: "firing", labels: { alertname: "A" }, annotations: {} }],
      },
    });
    expect(alertmanagerWithoutKey.status()).toBe(401);
  });

  test("an admin's policy edit with a fake e-mail address is refused with a message next to the field", async ({
    page,
  }) => {
    await signIn(page, "admin");
    await page.goto("/pager/policies");
    await page.getByRole("button", { name: "Edit Standard on-call" }).click();
    await page.locator("#level-0-target-0-address").fill("not-an-address");
    await page.locator("#level-0-target-1-address").fill("0612345678");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.getByText("Enter a real e-mail address")).toBeVisible();
    await expect(page.getByText("Enter the phone number in E.164 form")).toBeVisible();
  });
});
