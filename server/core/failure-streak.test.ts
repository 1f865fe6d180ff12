import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { FailureStreak, firstProblem } from "./failure-streak";

describe("FailureStreak", () => {
  it("is no problem until every pass has failed for the threshold, and a success clears it", async () => {
    const clock = new ManualClock(0);
    const streak = new FailureStreak("the relay", clock, 30_000);
    expect(streak.problem()).toBeNull();
    streak.failed(new Error("disk I/O error"));
    await clock.advance(29_999);
    streak.failed(new Error("attempt to write a readonly database"));
    expect(streak.problem()).toBeNull();
    await clock.advance(1);
    expect(streak.problem()).toBe(
      "the relay has failed 2 times in 30 s without a success (latest: attempt to write a readonly database)",
    );
    streak.succeeded();
    expect(streak.problem()).toBeNull();
  });

  it("counts a new streak from its own first failure, not from an earlier one a success ended", async () => {
    const clock = new ManualClock(0);
    const streak = new FailureStreak("the poller", clock, 10_000);
    streak.failed("busy");
    await clock.advance(9_000);
    streak.succeeded();
    streak.failed("busy");
    await clock.advance(9_000);
    expect(streak.problem()).toBeNull();
    await clock.advance(1_000);
    expect(streak.problem()).toBe("the poller has failed once in 10 s without a success (latest: busy)");
  });

  it("firstProblem names the first failing loop of several", async () => {
    const clock = new ManualClock(0);
    const fine = new FailureStreak("a", clock, 1);
    const broken = new FailureStreak("b", clock, 1);
    broken.failed(new Error("gone"));
    expect(firstProblem([fine, broken])).toBeNull();
    await clock.advance(1);
    expect(firstProblem([fine, broken])).toMatch(/^b has failed once/);
  });
});
