/**
 * Acknowledgement timers are rows, not in-memory callbacks: they survive a restart of the runner, and two
 * pollers on one database fire each due timer once.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { pagerDelivery, pagerTimer } from "@/db/schema";
import { systemActor } from "@/server/core/audit";
import { createPagerModule } from "@/server/jobs/pager";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";

const MINUTE = 60_000;
const system = systemActor("test");
let harness: PagerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("durable acknowledgement timers", () => {
  it("escalates exactly once when the runner is stopped, the clock moves past the due time, and the runner starts again", async () => {
    harness = await createPagerHarness({ providers: false });
    await harness.engine.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "down", actor: system });
    await harness.settle();
    await harness.engine.stop();

    harness.clock.set(harness.clock.now() + 20 * MINUTE); // time passes while nothing runs
    const { db } = harness.database;
    expect(db.select().from(pagerDelivery).where(eq(pagerDelivery.level, 1)).all()).toHaveLength(0);

    // A new process: a fresh module on the same database file.
    const restarted = createPagerModule(harness.dependencies, { email: null, sms: null });
    await restarted.engine.start();
    await harness.clock.advance(5 * MINUTE);
    await restarted.engine.whenIdle();
    await restarted.engine.stop();

    expect(db.select().from(pagerDelivery).where(eq(pagerDelivery.level, 1)).all()).toHaveLength(2);
    expect(db.select().from(pagerTimer).where(eq(pagerTimer.state, "fired")).all()).toHaveLength(1);
    expect(db.select().from(pagerTimer).where(eq(pagerTimer.state, "pending")).all()).toHaveLength(1);
  });

  it("fires each due timer once when two pollers share the database", async () => {
    harness = await createPagerHarness({ providers: false });
    const other = createPagerModule(harness.dependencies, { email: null, sms: null });
    await harness.engine.start();
    await other.engine.start();
    harness.pager.useCases.receiveAlert({ serviceId: harness.serviceId, summary: "down", actor: system });
    await harness.clock.advance(15 * MINUTE);
    await harness.settle();
    await other.engine.whenIdle();
    await other.engine.stop();

    const { db } = harness.database;
    expect(db.select().from(pagerDelivery).where(eq(pagerDelivery.level, 1)).all()).toHaveLength(2);
    expect(db.select().from(pagerTimer).where(eq(pagerTimer.state, "fired")).all()).toHaveLength(1);
  });
});
