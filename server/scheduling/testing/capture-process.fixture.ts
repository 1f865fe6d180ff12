/**
 * Test fixture: the capture client as a real OS process, for `capture-process.test.ts`, which SIGKILLs it again
 * and again. It wires the production pieces exactly as the scheduling engine does (server/scheduling/engine.ts) (HttpEventFeed →
 * CaptureClient → SqliteCaptureStore on the console's SQLite file) and only adds what a test needs to see and
 * time its kills: one line on stdout per step, and optional holds.
 *
 * Run: `node --import tsx server/scheduling/testing/capture-process.fixture.ts` from the repository root,
 * with CAPTURE_DBSIM_URL, CAPTURE_DB_FILE, and optionally CAPTURE_SEED, CAPTURE_PAGE_SIZE, CAPTURE_POLL_MS and
 * CAPTURE_HOLD ("fetch:<n>": after the n-th non-empty page is read, before it is stored, print `holding-fetch` and
 * wait; "commit:<n>": inside the transaction storing the n-th page that holds executions, at its first execution
 * insert (earlier rows of the page already written), print `holding-commit` and block). A `release` line on
 * stdin ends a fetch hold. SIGTERM stops the client cleanly (exit 0).
 *
 * Lines: `ready`, `fetched after=<a> events=<k> serverLastSeq=<s>`, `stored lastSeq=<cursor>`,
 * `read-failed <message>`, `holding-fetch after=<a>`, `holding-commit seq=<s>`, `stopped`.
 * stdout to a pipe is synchronous on Linux, and writeSync makes sure a line is out before the next step.
 */
import { writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { openDatabase } from "@/db/client";
import { SystemClock } from "@/server/core/clock";
import { SeededRandom } from "@/server/core/random";
import { CaptureClient, type CaptureStore } from "../capture/capture-client";
import type { EventFeed, FeedPage } from "../capture/feed";
import { HttpEventFeed } from "../capture/adapters/http-event-feed";
import { SqliteCaptureStore } from "../capture/adapters/sqlite-capture-store";

/** The SQL function the test's trigger on scheduling_execution calls for every attempted insert (same name there). */
const CAPTURE_PROBE_FUNCTION = "capture_test_probe";

const say = (line: string) => writeSync(1, `${line}\n`);

const url = process.env.CAPTURE_DBSIM_URL;
const file = process.env.CAPTURE_DB_FILE;
if (!url || !file) {
  process.stderr.write("capture-process fixture: set CAPTURE_DBSIM_URL and CAPTURE_DB_FILE\n");
  process.exit(2);
}
const [holdKind, holdAtText] = (process.env.CAPTURE_HOLD ?? "").split(":");
const holdAt = Number(holdAtText ?? 0);

let releaseFetch: (() => void) | undefined;
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "release") releaseFetch?.();
});

const db = openDatabase(file);
let pagesWithExecutions = 0;
let holdingCommit = false;
// Called by the test's BEFORE INSERT trigger, inside storePage's transaction.
db.$client.function(CAPTURE_PROBE_FUNCTION, { deterministic: false, varargs: false }, (seq: unknown) => {
  if (holdingCommit) {
    holdingCommit = false;
    say(`holding-commit seq=${String(seq)}`);
    // Block the thread with the write transaction open, rows inserted, nothing committed: the test kills us here.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  }
  return seq as number;
});

const http = new HttpEventFeed(url);
let nonEmptyPages = 0;
const feed: EventFeed = {
  async read(after: number, limit: number, signal?: AbortSignal): Promise<FeedPage> {
    let page: FeedPage;
    try {
      page = await http.read(after, limit, signal);
    } catch (error) {
      say(`read-failed ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    say(`fetched after=${after} events=${page.events.length} serverLastSeq=${page.lastSeq}`);
    if (page.events.length > 0) {
      nonEmptyPages++;
      if (holdKind === "fetch" && nonEmptyPages === holdAt) {
        say(`holding-fetch after=${after}`);
        await new Promise<void>((resolve) => (releaseFetch = resolve));
      }
      if (page.events.some((event) => event.type === "executed" && event.seq > after)) {
        pagesWithExecutions++;
        if (holdKind === "commit" && pagesWithExecutions === holdAt) holdingCommit = true;
      }
    }
    return page;
  },
  templates: (signal) => http.templates(signal),
};

const sqliteStore = new SqliteCaptureStore(db);
const store: CaptureStore = {
  cursor: () => sqliteStore.cursor(),
  switchLog: (input) => sqliteStore.switchLog(input),
  saveTemplates: (logId, templates, at) => sqliteStore.saveTemplates(logId, templates, at),
  storePage(input) {
    const result = sqliteStore.storePage(input);
    say(`stored lastSeq=${sqliteStore.cursor()?.lastSeq ?? 0} executions=${result.executions}`);
    return result;
  },
};

const client = new CaptureClient({
  feed,
  store,
  clock: new SystemClock(),
  random: new SeededRandom(Number(process.env.CAPTURE_SEED ?? 1)),
  pageSize: Number(process.env.CAPTURE_PAGE_SIZE ?? 2000),
  pollIntervalMs: Number(process.env.CAPTURE_POLL_MS ?? 250),
  maxBackoffMs: Number(process.env.CAPTURE_MAX_BACKOFF_MS ?? 5000),
});

process.once("SIGTERM", () => {
  void client.stop().then(() => {
    db.$client.close();
    say("stopped");
    process.exit(0);
  });
});

say("ready");
client.start();
