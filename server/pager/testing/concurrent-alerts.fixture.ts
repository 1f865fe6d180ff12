/**
 * A child process for adapters/concurrency.test.ts: opens the test's database file, says "ready", waits for "go" on
 * stdin, then sends alerts for one service as fast as it can and prints the outcomes as one JSON line.
 * Two of these at once are two processes racing on the same SQLite file.
 */
import { openDatabase } from "@/db/client";
import { systemActor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import { SqlitePagerStore } from "../adapters/sqlite-pager-store";
import { PagerUseCases } from "../use-cases";

const [databasePath, serviceId, countText, label] = process.argv.slice(2);
const db = openDatabase(databasePath!, { migrate: false });
const clock = new SystemClock();
const useCases = new PagerUseCases({ store: new SqlitePagerStore(db, clock), clock, baseUrl: "http://console.test" });

process.stdout.write("ready\n");
process.stdin.once("data", () => {
  const outcomes: string[] = [];
  for (let index = 0; index < Number(countText); index++) {
    outcomes.push(
      useCases.receiveAlert({
        serviceId: serviceId!,
        summary: `alert ${index} from ${label}`,
        dedupKey: `${label}-${index}`,
        actor: systemActor(label!),
      }).outcome,
    );
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\n`);
  db.$client.close();
  process.exit(0);
});
