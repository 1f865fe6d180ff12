import { describe, expect, it } from "vitest";
import { RealTimeGuard, type StepReport } from "./real-time-guard";

const step = (tick: number, extra: Partial<StepReport> = {}): StepReport => ({
  tick,
  missedTicks: 0,
  late: false,
  latenessMs: 3,
  latestWindowTick: tick - (tick % 10) - 1,
  historySeconds: 600,
  ...extra,
});

describe("RealTimeGuard", () => {
  it("waits for enough history, saying how much it has and how long is left", () => {
    const guard = new RealTimeGuard({ tickMs: 100, minHistorySeconds: 120 });
    const verdict = guard.step(step(1, { historySeconds: 64 }));
    expect(verdict).toEqual({ mode: "standing aside", changed: true });
    expect(guard.reason).toBe(
      "warming up: the cost estimates rest on 64 s of history, and delays would not balance before 120 s (about 56 s more)",
    );
  });

  it("stands aside when one tick in ten is late or missed, and resumes after 5 s on time", () => {
    const guard = new RealTimeGuard({ tickMs: 100 });
    let tick = 0;
    for (; tick < 100; tick++) expect(guard.step(step(tick)).mode).toBe("active");
    for (let late = 0; late < 4; late++) guard.step(step(tick++, { late: true }));
    expect(guard.mode).toBe("active");
    const behind = guard.step(step(tick++, { missedTicks: 1 }));
    expect(behind).toEqual({ mode: "standing aside", changed: true });
    expect(guard.reason).toBe("falling behind: 5 of the last 50 ticks were acted on late or missed");
    // The late ticks must first leave the 5 s look-back, then 5 s pass without a reason.
    let resumedAt: number | undefined;
    for (let i = 0; i < 200 && resumedAt === undefined; i++) if (guard.step(step(tick++)).changed) resumedAt = tick;
    expect(guard.mode).toBe("active");
    expect(resumedAt! - 105).toBeGreaterThanOrEqual(95);
    expect(guard.timing()).toMatchObject({ ticksLate: 4, ticksMissed: 1 });
    expect(guard.secondsStoodAside).toBeGreaterThan(9);
  });

  it("stands aside when the database is slow to take delays", () => {
    const guard = new RealTimeGuard({ tickMs: 100 });
    for (let call = 0; call < 30; call++) guard.recordDelayCall(80);
    guard.step(step(1));
    expect(guard.mode).toBe("active"); // single calls wait for each other: only whole batches count
    for (let batch = 0; batch < 30; batch++) guard.recordDelayBatch(80);
    guard.step(step(2));
    expect(guard.mode).toBe("standing aside");
    expect(guard.reason).toBe(
      "the database is slow to take delays: a step's delays took 80 ms (p90), over the 50 ms a step can spend",
    );
    expect(guard.timing().delayCallMs).toEqual({ p50: 80, p99: 80 });
  });

  it("stands aside when the resources reports are stale", () => {
    const guard = new RealTimeGuard({ tickMs: 100 });
    guard.step(step(100, { latestWindowTick: 60 }));
    expect(guard.reason).toBe("the database's resources reports are stale: the newest is 4 s old");
  });

  it("stands aside for a minute when the last minute of active seconds barely balanced, then tries again", () => {
    const guard = new RealTimeGuard({ tickMs: 100 });
    let tick = 0;
    for (let second = 0; second < 60; second++) {
      guard.recordSecond(second === 0);
      for (let i = 0; i < 10; i++) guard.step(step(tick++));
    }
    expect(guard.mode).toBe("standing aside");
    expect(guard.reason).toMatch(/^not balancing: only 2% of the last 60 s stayed within ±10%; trying again in 60 s/);
    for (let i = 0; i < 599; i++) guard.step(step(tick++));
    expect(guard.mode).toBe("standing aside");
    for (let i = 0; i < 60; i++) guard.step(step(tick++));
    expect(guard.mode).toBe("active");
  });
});
