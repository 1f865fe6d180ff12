/**
 * "When two alerts arrive at the same time, only one notification is sent to a target": two processes race
 * on one SQLite file; one incident opens, every other alert is deduplicated onto it, and each target of
 * level 1 gets exactly one e-mail / text message. The database itself refuses a second active incident.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { pagerDelivery, pagerIncident } from "@/db/schema";
import { createPagerHarness, type PagerHarness } from "@/server/jobs/testing/pager-harness";

let harness: PagerHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Racer = { ready: Promise<void>; go: () => void; result: Promise<string[]> };

function startRacer(databasePath: string, serviceId: string, count: number, label: string): Racer {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "../testing/concurrent-alerts.fixture.ts"),
      databasePath,
      serviceId,
      String(count),
      label,
    ],
    {
      cwd: process.cwd(),
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  let markReady: () => void = () => {};
  let deliver: (outcomes: string[]) => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<string[]>((resolve, reject) => {
    deliver = resolve;
    child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`${label} exited with ${code}`))));
  });
  lines.on("line", (line) => (line === "ready" ? markReady() : deliver(JSON.parse(line) as string[])));
  return { ready, go: () => child.stdin!.write("go\n"), result };
}

describe("concurrent alerts", () => {
  it("gives exactly one notification per target when two processes send alerts for one service at the same moment", async () => {
    harness = await createPagerHarness();
    const racers = [
      startRacer(harness.database.filePath, harness.serviceId, 50, "a"),
      startRacer(harness.database.filePath, harness.serviceId, 50, "b"),
    ];
    await Promise.all(racers.map((racer) => racer.ready));
    for (const racer of racers) racer.go();
    const outcomes = (await Promise.all(racers.map((racer) => racer.result))).flat();

    expect(outcomes.filter((outcome) => outcome === "opened")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "deduplicated")).toHaveLength(99);
    const { db } = harness.database;
    const incidents = db.select().from(pagerIncident).all();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.alertCount).toBe(100);
    expect(db.select().from(pagerDelivery).all()).toHaveLength(2);

    await harness.engine.start();
    await harness.settle();
    expect(harness.smtp!.messages.map((message) => message.to)).toEqual([["first@example.com"]]);
    expect(harness.sms!.messages.map((message) => message.to)).toEqual(["+15550000001"]);
  }, 60_000);

  it("is a database guarantee: a second active incident for the same service is refused by a unique index", async () => {
    harness = await createPagerHarness({ providers: false });
    const { db } = harness.database;
    harness.pager.useCases.receiveAlert({
      serviceId: harness.serviceId,
      summary: "down",
      actor: { kind: "system", name: "test" },
    });
    const existing = db.select().from(pagerIncident).get()!;

    expect(() =>
      db
        .insert(pagerIncident)
        .values({ ...existing, id: "inc_second", state: "acknowledged" })
        .run(),
    ).toThrow(/UNIQUE constraint failed: pager_incident.service_id/);
    db.insert(pagerIncident)
      .values({ ...existing, id: "inc_old", state: "resolved" })
      .run();
    expect(db.select().from(pagerIncident).all()).toHaveLength(2);
  });
});
