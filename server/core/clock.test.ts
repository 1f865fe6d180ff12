import { describe, expect, it } from "vitest";
import { ManualClock, OffsetClock, sleep } from "./clock";

describe("ManualClock", () => {
  it("fires timers in due order only when time is advanced past them", async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 200);
    clock.setTimeout(() => fired.push("a"), 100);
    clock.setTimeout(() => fired.push("c"), 300);
    await clock.advance(150);
    expect(fired).toEqual(["a"]);
    await clock.advance(200);
    expect(fired).toEqual(["a", "b", "c"]);
    expect(clock.now()).toBe(350);
  });

  it("lets code awaiting sleep continue before the next timer fires", async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    void (async () => {
      for (let step = 0; step < 3; step++) {
        await sleep(clock, 1000);
        seen.push(clock.now());
      }
    })();
    await clock.advance(3500);
    expect(seen).toEqual([1000, 2000, 3000]);
  });

  it("does not fire a cleared timer", async () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 10);
    clock.clearTimeout(handle);
    await clock.advance(100);
    expect(fired).toBe(false);
  });

  it("rejects a sleep when its signal aborts", async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = sleep(clock, 1000, controller.signal);
    controller.abort(new Error("stopping"));
    await expect(sleeping).rejects.toThrow("stopping");
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe("OffsetClock", () => {
  it("moves its time forward and fires timers that fall due on the jump", async () => {
    const clock = new OffsetClock();
    const before = clock.now();
    let fired = false;
    clock.setTimeout(() => (fired = true), 60 * 60 * 1000);
    clock.advance(60 * 60 * 1000 + 1);
    expect(clock.now() - before).toBeGreaterThanOrEqual(60 * 60 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(true);
  });
});
