/**
 * The pager's demo seed (server/jobs/pager.ts) is one IMMEDIATE transaction: its check and its inserts commit
 * together or not at all, so two processes starting on a new database cannot both insert the fixed ids.
 */
import { UserDirectory } from "@/server/auth/users";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { pagerIncident, pagerPolicy, pagerService } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import type { EngineDependencies } from "@/server/jobs/engine";
import { DEMO_POLICIES, DEMO_SERVICES } from "@/server/jobs/demo-ids";
import { seedPagerDemo } from "@/server/jobs/pager";

let database: TestDatabase;

beforeEach(() => {
  database = createTestDatabase();
});

afterEach(() => {
  database.close();
});

function dependenciesFor(db: EngineDependencies["db"]): EngineDependencies {
  const config = parseConfig({ WATCHPOST_BASE_URL: "http://console.test", NODE_ENV: "test" });
  return {
    config,
    db,
    clock: new ManualClock(),
    random: new SeededRandom(1),
    bus: new InProcessEventBus(),
    logger: createLogger("seed-test"),
    people: new UserDirectory(db, new ManualClock()),
  };
}

describe("the pager demo seed", () => {
  it("leaves nothing behind when it fails half-way", () => {
    const { db } = database;
    // A row in the way of the second demo service makes the seed fail after the policy and the first service.
    db.insert(pagerPolicy)
      .values({
        id: "pol_other",
        name: "Other",
        levels: [{ delayMinutes: 15, targets: [{ channel: "email", address: "a@example.com" }] }],
        createdAtMs: 0,
        updatedAtMs: 0,
      })
      .run();
    db.insert(pagerService)
      .values({
        id: DEMO_SERVICES.search,
        name: "Squatter",
        policyId: "pol_other",
        integrationKey: "wpk_squatter",
        healthChangedAtMs: 0,
        createdAtMs: 0,
      })
      .run();

    expect(() => seedPagerDemo(dependenciesFor(db))).toThrow();
    expect(db.select().from(pagerPolicy).where(eq(pagerPolicy.id, DEMO_POLICIES.standard)).all()).toHaveLength(0);
    expect(db.select().from(pagerService).where(eq(pagerService.id, DEMO_SERVICES.checkout)).all()).toHaveLength(0);
  });

  it("seeds once when two connections (two processes) start on the same new database", () => {
    const other = openDatabase(database.filePath);
    try {
      seedPagerDemo(dependenciesFor(database.db));
      seedPagerDemo(dependenciesFor(other));
    } finally {
      other.$client.close();
    }
    const { db } = database;
    expect(db.select().from(pagerPolicy).all()).toHaveLength(1);
    expect(db.select().from(pagerService).all()).toHaveLength(3);
    expect(db.select().from(pagerIncident).all()).toHaveLength(1);
  });
});
