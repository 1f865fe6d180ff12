/**
 * The engines' own status, as readiness reads it: a started engine whose loops keep failing (here: a database
 * that refuses every write) reports itself failing with the loop and the error, and running again once a pass
 * succeeds. Under the manual clock: the 30 s of failures pass without waiting.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createPagerHarness, type PagerHarness } from "./testing/pager-harness";

let harness: PagerHarness | undefined;

afterEach(async () => {
  harness?.database.db.$client.pragma("query_only = OFF");
  await harness?.close();
  harness = undefined;
});

describe("engine status", () => {
  it("the pager reports failing after 30 s of failed heartbeats and passes, naming the loop and the error, then recovers", async () => {
    harness = await createPagerHarness({ providers: false });
    await harness.engine.start();
    expect(harness.engine.status()).toEqual({ state: "running" });

    harness.database.db.$client.pragma("query_only = ON");
    for (let second = 0; second < 29; second++) await harness.clock.advance(1_000);
    expect(harness.engine.status()).toEqual({ state: "running" });
    for (let second = 0; second < 3; second++) await harness.clock.advance(1_000);
    const failing = harness.engine.status();
    expect(failing.state).toBe("failing");
    expect(failing.problem).toMatch(/^the pager's outbox relay heartbeat has failed \d+ times in 3\d s/);
    expect(failing.problem).toMatch(/readonly database/);

    harness.database.db.$client.pragma("query_only = OFF");
    for (let second = 0; second < 3; second++) await harness.clock.advance(1_000);
    expect(harness.engine.status()).toEqual({ state: "running" });
  });
});
