import { afterEach, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import type { AlertStateChanged } from "@/server/core/events";
import { NatsEventBus } from "./nats-event-bus";
import { plainClient, TEST_NATS_URL, uniqueRun, waitUntil } from "@/server/digests/testing/adapters/nats-test-kit";

const buses: NatsEventBus[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
  const nc = await plainClient();
  const jsm = await jetstreamManager(nc);
  for (const prefix of prefixes.splice(0)) await jsm.streams.delete(`${prefix}_events`).catch(() => undefined);
  await nc.drain();
});

const event = (eventId: string): AlertStateChanged => ({
  eventId,
  ruleId: "rule_1",
  ruleName: "CPU",
  serviceId: null,
  subscriberUserIds: ["u"],
  previousState: "PASS",
  newState: "WARN",
  value: 1,
  message: "",
  changedAt: "2026-01-01T00:00:00Z",
  changedAtMs: 0,
});

function newBus(prefix: string): NatsEventBus {
  const bus = new NatsEventBus({ url: TEST_NATS_URL, prefix, ackWaitMs: 1000 });
  buses.push(bus);
  return bus;
}

describe("NatsEventBus", () => {
  it("hands each event once to every engine, shared between the replicas of an engine, and redelivers a failed one", async () => {
    const { prefix } = uniqueRun("bus");
    prefixes.push(prefix);
    const pagerSeen: string[] = [];
    const digestSeen: string[] = [];
    let failOnce = true;
    // Two processes' worth of buses: the pager runs twice (replicas), the digest once.
    for (const bus of [newBus(prefix), newBus(prefix)]) {
      bus.subscribe("alert.state-changed", (received) => void pagerSeen.push(received.eventId), { consumer: "pager" });
    }
    newBus(prefix).subscribe(
      "alert.state-changed",
      (received) => {
        if (received.eventId === "e2" && failOnce) {
          failOnce = false;
          throw new Error("transient");
        }
        digestSeen.push(received.eventId);
      },
      { consumer: "digest" },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const publisher = newBus(prefix);
    for (const id of ["e1", "e2", "e3", "e3"]) await publisher.publish("alert.state-changed", event(id));
    await waitUntil(() => pagerSeen.length >= 3 && digestSeen.length >= 3, 10_000, "both engines to see every event");
    expect(pagerSeen.sort()).toEqual(["e1", "e2", "e3"]);
    expect(digestSeen.sort()).toEqual(["e1", "e2", "e3"]);
  });
});
