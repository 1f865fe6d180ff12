import { describe, expect, it } from "vitest";
import { InProcessEventBus, type AlertStateChanged } from "./events";

const event: AlertStateChanged = {
  eventId: "evt_1",
  ruleId: "rule_1",
  ruleName: "cpu",
  serviceId: null,
  subscriberUserIds: [],
  previousState: "PASS",
  newState: "WARN",
  value: 1,
  message: "warn",
  changedAt: "2026-01-01T00:00:00.000000000Z",
  changedAtMs: 0,
};

describe("InProcessEventBus", () => {
  it("delivers to every subscriber and stops after unsubscribe", async () => {
    const bus = new InProcessEventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe("alert.state-changed", (received) => void seen.push(`a:${received.eventId}`));
    bus.subscribe("alert.state-changed", (received) => void seen.push(`b:${received.eventId}`));
    await bus.publish("alert.state-changed", event);
    unsubscribe();
    await bus.publish("alert.state-changed", { ...event, eventId: "evt_2" });
    expect(seen).toEqual(["a:evt_1", "b:evt_1", "b:evt_2"]);
  });

  it("rejects the publish when a handler fails, so the publisher retries", async () => {
    const bus = new InProcessEventBus();
    let delivered = 0;
    bus.subscribe("alert.state-changed", () => void delivered++);
    bus.subscribe("alert.state-changed", () => {
      throw new Error("database busy");
    });
    await expect(bus.publish("alert.state-changed", event)).rejects.toThrow(
      "1 handler(s) of alert.state-changed failed",
    );
    expect(delivered).toBe(1);
  });
});
