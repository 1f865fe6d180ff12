/** The relays' loop: kicks coalesce into one more pass, nothing runs while stopped, polls on the clock, stop waits for the pass in flight. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { DrainLoop } from "./drain-loop";

/** A batch function over a queue of items; each batch takes one item and can be held open by the test. */
function queueOf(items: number) {
  const state = { remaining: items, batches: 0, hold: null as Promise<void> | null };
  const batch = async () => {
    state.batches++;
    if (state.hold) await state.hold;
    if (state.remaining === 0) return 0;
    state.remaining--;
    return 1;
  };
  return { state, batch };
}

function gate() {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("the drain loop", () => {
  it("works through batches until one is empty, and ignores kicks until started", async () => {
    const { state, batch } = queueOf(3);
    const loop = new DrainLoop({ batch, onError: () => {}, clock: new ManualClock() });
    loop.kick();
    await loop.whenIdle();
    expect(state.batches).toBe(0);

    loop.start();
    loop.kick();
    await loop.whenIdle();
    expect(state).toMatchObject({ remaining: 0, batches: 4 });
    await loop.stop();
  });

  it("never loses a kick that comes as a pass ends, whatever the moment", async () => {
    for (let ticks = 0; ticks < 12; ticks++) {
      let batches = 0;
      const loop = new DrainLoop({ batch: async () => (batches++, 0), onError: () => {}, clock: new ManualClock() });
      loop.start();
      loop.kick();
      for (let tick = 0; tick < ticks; tick++) await Promise.resolve();
      loop.kick();
      await loop.whenIdle();
      expect({ ticks, batches }).toEqual({ ticks, batches: 2 });
      await loop.stop();
    }
  });

  it("turns any number of kicks during a pass into exactly one more pass", async () => {
    const { state, batch } = queueOf(0);
    const loop = new DrainLoop({ batch, onError: () => {}, clock: new ManualClock() });
    loop.start();
    const held = gate();
    state.hold = held.promise;
    loop.kick();
    loop.kick();
    loop.kick();
    state.hold = null;
    held.open();
    await loop.whenIdle();
    expect(state.batches).toBe(2);
    await loop.stop();
  });

  it("reports a pass that threw and runs the next kick", async () => {
    const errors: unknown[] = [];
    let fail = true;
    let batches = 0;
    const loop = new DrainLoop({
      batch: async () => {
        batches++;
        if (fail) throw new Error("database busy");
        return 0;
      },
      onError: (error) => errors.push(error),
      clock: new ManualClock(),
    });
    loop.start();
    loop.kick();
    await loop.whenIdle();
    fail = false;
    loop.kick();
    await loop.whenIdle();
    expect(errors.map((error) => (error as Error).message)).toEqual(["database busy"]);
    expect(batches).toBe(2);
    await loop.stop();
  });

  it("polls on the clock while running and stops polling on stop", async () => {
    const clock = new ManualClock();
    const { state, batch } = queueOf(0);
    const loop = new DrainLoop({ batch, onError: () => {}, clock, pollEveryMs: 1000 });
    loop.start();
    await clock.advance(3000);
    await loop.whenIdle();
    expect(state.batches).toBe(3);

    await loop.stop();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(3000);
    expect(state.batches).toBe(3);
  });

  it("resolves stop() only once the pass in flight has ended, and ends the pass before its next batch", async () => {
    const { state, batch } = queueOf(5);
    const loop = new DrainLoop({ batch, onError: () => {}, clock: new ManualClock() });
    loop.start();
    const held = gate();
    state.hold = held.promise;
    loop.kick();
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    expect(state).toMatchObject({ batches: 1, remaining: 4 });
  });
});
