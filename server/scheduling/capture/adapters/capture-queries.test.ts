import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { schedulingExecution, schedulingResourceSecond } from "@/db/schema";
import { inBand } from "../../band";
import { CaptureQueries } from "./capture-queries";

describe("CaptureQueries", () => {
  let database: TestDatabase;
  beforeEach(() => {
    database = createTestDatabase();
  });
  afterEach(() => database.close());

  const second = (index: number, at: number, spread: { average: number; min: number; max: number }) => ({
    logId: "log",
    windowIndex: index,
    at: new Date(at),
    firstTick: index * 10,
    lastTick: index * 10 + 9,
    cpuAverage: spread.average,
    cpuMin: spread.min,
    cpuMax: spread.max,
    ioAverage: spread.average,
    ioMin: spread.min,
    ioMax: spread.max,
    memoryAverage: spread.average,
    memoryMin: spread.min,
    memoryMax: spread.max,
  });

  it("counts a second inside the band only when min and max are within 10% of a non-zero average", () => {
    expect(inBand({ average: 100, min: 90, max: 110 })).toBe(true);
    expect(inBand({ average: 100, min: 89, max: 110 })).toBe(false);
    expect(inBand({ average: 0, min: 0, max: 0 })).toBe(false);
  });

  it("reports the band fraction and buckets an hour into at most 120 points on the server", () => {
    const start = Date.UTC(2026, 0, 1);
    for (let index = 0; index < 3600; index++) {
      const balanced = index % 4 === 0;
      database.db
        .insert(schedulingResourceSecond)
        .values(
          second(
            index,
            start + index * 1000,
            balanced ? { average: 100, min: 95, max: 105 } : { average: 80, min: 0, max: 200 },
          ),
        )
        .run();
    }
    const queries = new CaptureQueries(database.db);
    const band = queries.band(start);
    expect(band.seconds).toBe(3600);
    expect(band.fraction.all).toBeCloseTo(0.25);
    const series = queries.series(start, start + 3600 * 1000, 120);
    expect(series.bucketSeconds).toBe(30);
    expect(series.points).toHaveLength(120);
    expect(series.points[0]!.seconds).toBe(30);
    expect(series.points[0]!.inBand).toBeCloseTo(8 / 30);
  });

  it("shows what an execution really waited beyond the default delay, not the delays requested for it", () => {
    const row = (id: string, totalDelayTicks: number, addedDelayTicks: number) => ({
      id,
      templateId: "tpl",
      logId: "log",
      seq: Number(id.slice(1)),
      queuedTick: 100,
      queuedAt: new Date(10_000),
      executedTick: 100 + totalDelayTicks,
      executedAt: new Date(10_000 + totalDelayTicks * 100),
      totalDelayTicks,
      addedDelayTicks,
    });
    // Parked for 50 ticks, then released at once (a very negative delay), ran 12 ticks after it was queued.
    database.db
      .insert(schedulingExecution)
      .values(row("e1", 12, -999_950))
      .run();
    database.db
      .insert(schedulingExecution)
      .values(row("e2", 1, 0))
      .run();
    const { items } = new CaptureQueries(database.db).executions({ page: 1, pageSize: 10 });
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.get("e1")).toMatchObject({ addedDelayTicks: 11, requestedDelayTicks: -999_950 });
    expect(byId.get("e2")).toMatchObject({ addedDelayTicks: 0, requestedDelayTicks: 0 });
  });
});
