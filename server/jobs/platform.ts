/** Builds the platform console (server/core/platform.ts) over this process's database, clock and engines. */
import { checkDatabase } from "@/db/health";
import type { AppDatabase } from "@/db/client";
import type { Clock, OffsetClock } from "@/server/core/clock";
import type { PlatformConsole, TestClockReading } from "@/server/core/platform";
import type { Engine } from "./engine";

export function createPlatformConsole(options: {
  db: AppDatabase;
  clock: Clock;
  testClock: OffsetClock | undefined;
  engines: readonly Engine[];
}): PlatformConsole {
  const { db, clock, testClock, engines } = options;
  const reading = (offsetClock: OffsetClock): TestClockReading => ({
    now: new Date(clock.now()).toISOString(),
    offsetMs: offsetClock.offset(),
  });
  return {
    health() {
      const database = checkDatabase(db);
      return {
        status: database.state === "ok" ? "ok" : "error",
        database,
        engines: engines.map((engine) => engine.name),
        time: new Date(clock.now()).toISOString(),
      };
    },
    testClock: () => (testClock ? reading(testClock) : null),
    advanceTestClock(milliseconds) {
      if (!testClock) return null;
      testClock.advance(milliseconds);
      return reading(testClock);
    },
  };
}
