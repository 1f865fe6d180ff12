import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { signInAccountBackoff, signInAddressWindow } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { ManualClock } from "@/server/core/clock";
import { SqliteSignInAttemptStore } from "./adapters/sqlite-sign-in-attempts";
import { accountWaitMs, FREE_ACCOUNT_ATTEMPTS, MAX_ACCOUNT_WAIT_MS, SignInLimiter } from "./sign-in-limit";

let database: TestDatabase;
let clock: ManualClock;
const limiterFor = (db = database.db, attemptsPerAddressPerMinute = 3) =>
  new SignInLimiter({ store: new SqliteSignInAttemptStore(db), clock, attemptsPerAddressPerMinute });

beforeEach(() => {
  database = createTestDatabase();
  clock = new ManualClock(Date.UTC(2026, 10, 22, 14, 0, 0));
});
afterEach(() => database.close());

/** One attempt for the e-mail that fails its password check; returns the refusal's wait, or "admitted". */
function failOnce(limiter: SignInLimiter, email: string): number | "admitted" {
  const decision = limiter.admitAccount(email);
  if (!decision.allowed) return decision.retryAfterSeconds;
  limiter.recordOutcome(email, "wrong-credentials");
  return "admitted";
}

describe("the sign-in limit per client address", () => {
  it("refuses attempts beyond the limit within the minute, says when to try again, and admits after it", async () => {
    const limiter = limiterFor();
    for (let attempt = 1; attempt <= 3; attempt++) expect(limiter.admitAddress("198.51.100.4").allowed).toBe(true);
    await clock.advance(20_000);
    const refused = limiter.admitAddress("198.51.100.4");
    expect(refused).toMatchObject({ allowed: false, reason: "address", retryAfterSeconds: 40 });
    if (refused.allowed) throw new Error("expected a refusal");
    expect(refused.message).toBe(
      "Too many sign-in attempts from your address (3 a minute are allowed). Try again in 40 seconds, at 14:01:00 UTC.",
    );
    expect(limiter.admitAddress("198.51.100.5").allowed).toBe(true);
    await clock.advance(40_000);
    expect(limiter.admitAddress("198.51.100.4").allowed).toBe(true);
  });

  it("shares the count between two connections to the database file (two processes' handles)", () => {
    const other = openDatabase(database.filePath);
    try {
      const here = limiterFor(database.db);
      const there = limiterFor(other);
      expect(here.admitAddress("203.0.113.9").allowed).toBe(true);
      expect(there.admitAddress("203.0.113.9").allowed).toBe(true);
      expect(here.admitAddress("203.0.113.9").allowed).toBe(true);
      expect(there.admitAddress("203.0.113.9").allowed).toBe(false);
      expect(database.db.select().from(signInAddressWindow).all()).toEqual([
        { address: "203.0.113.9", windowStartedAt: clock.now(), attempts: 4 },
      ]);
    } finally {
      other.$client.close();
    }
  });
});

describe("the sign-in back-off per e-mail", () => {
  it("waits 2, 4, 8 … seconds after the free attempts, capped", () => {
    expect([1, 4, 5, 6, 7, 8].map(accountWaitMs)).toEqual([0, 0, 2000, 4000, 8000, 16000]);
    expect(accountWaitMs(40)).toBe(MAX_ACCOUNT_WAIT_MS);
  });

  it("grows with each failure after the free attempts, and a successful sign-in resets it", async () => {
    const limiter = limiterFor();
    const email = "Casey@Example.com";
    for (let attempt = 1; attempt <= FREE_ACCOUNT_ATTEMPTS; attempt++)
      expect(failOnce(limiter, email)).toBe("admitted");
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      const wait = failOnce(limiter, email);
      if (wait === "admitted") throw new Error("expected the back-off to refuse at once");
      waits.push(wait);
      await clock.advance(wait * 1000 - 1);
      expect(failOnce(limiter, email)).not.toBe("admitted");
      await clock.advance(1);
      expect(failOnce(limiter, email)).toBe("admitted");
    }
    expect(waits).toEqual([2, 4, 8, 16]);
    const refused = limiter.admitAccount("casey@example.com");
    expect(refused).toMatchObject({ allowed: false, reason: "account", retryAfterSeconds: 32 });
    if (refused.allowed) throw new Error("expected a refusal");
    expect(refused.message).toContain("Too many failed sign-ins for this e-mail. Try again in 32 seconds, at 14:");

    await clock.advance(32_000);
    expect(limiter.admitAccount(email).allowed).toBe(true);
    limiter.recordOutcome(email, "signed-in");
    expect(database.db.select().from(signInAccountBackoff).all()).toEqual([]);
    for (let attempt = 1; attempt <= FREE_ACCOUNT_ATTEMPTS; attempt++)
      expect(failOnce(limiter, email)).toBe("admitted");
  });

  it("admits one attempt per wait to a burst, not all of them", () => {
    const limiter = limiterFor();
    for (let attempt = 1; attempt <= FREE_ACCOUNT_ATTEMPTS; attempt++) limiter.admitAccount("ana@example.com");
    // Five admitted, none answered yet: the sixth waits even before any failure was recorded.
    expect(limiter.admitAccount("ana@example.com").allowed).toBe(false);
  });

  it("gives back an attempt that never reached the password check", () => {
    const limiter = limiterFor();
    for (let attempt = 1; attempt <= 20; attempt++) {
      expect(limiter.admitAccount("ana@example.com").allowed).toBe(true);
      limiter.recordOutcome("ana@example.com", "not-checked");
    }
  });

  it("forgets an e-mail left alone for a day", async () => {
    const limiter = limiterFor();
    for (let attempt = 1; attempt <= 12; attempt++) failOnce(limiter, "ana@example.com");
    expect(limiter.admitAccount("ana@example.com").allowed).toBe(false);
    await clock.advance(24 * 60 * 60_000);
    expect(failOnce(limiter, "ana@example.com")).toBe("admitted");
  });
});
