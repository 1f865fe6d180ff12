import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { SeededRandom } from "./random";
import { retryWithBackoff, RetryExhaustedError } from "./retry";

describe("retryWithBackoff", () => {
  it("retries with growing, jittered delays until the operation succeeds", async () => {
    const clock = new ManualClock(0);
    const attemptsAt: number[] = [];
    const result = retryWithBackoff(
      async (attempt) => {
        attemptsAt.push(clock.now());
        if (attempt < 4) throw new Error("HTTP 500");
        return "ok";
      },
      { clock, random: new SeededRandom(7), initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5 },
    );
    await clock.advance(10_000);
    await expect(result).resolves.toBe("ok");
    const gaps = attemptsAt.slice(1).map((at, index) => at - attemptsAt[index]!);
    expect(gaps).toHaveLength(3);
    // Equal jitter: each delay lies in [d/2, d] for d = 100, 200, 400.
    [100, 200, 400].forEach((full, index) => {
      expect(gaps[index]).toBeGreaterThanOrEqual(full / 2);
      expect(gaps[index]).toBeLessThanOrEqual(full);
    });
  });

  it("never starts an attempt after the deadline", async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    const result = retryWithBackoff(
      async () => {
        attempts++;
        throw new Error("down");
      },
      { clock, random: new SeededRandom(1), maxAttempts: 100, deadlineMs: 1000 },
    );
    const settled = expect(result).rejects.toBeInstanceOf(RetryExhaustedError);
    await clock.advance(5000);
    await settled;
    expect(attempts).toBeGreaterThan(1);
    expect(clock.now()).toBe(5000);
  });

  it("gives up at once on an error that is not worth retrying", async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    await expect(
      retryWithBackoff(
        async () => {
          attempts++;
          throw new Error("HTTP 400");
        },
        { clock, random: new SeededRandom(1), shouldRetry: (error) => !String(error).includes("400") },
      ),
    ).rejects.toThrow("gave up after 1 attempt(s): HTTP 400");
    expect(attempts).toBe(1);
  });
});
