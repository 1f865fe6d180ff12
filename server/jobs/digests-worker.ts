/**
 * A standalone digest worker: only the digest engine, on NATS (NATS_URL is required). Run any number of them;
 * they share the durable consumers (each message to one worker) and the state.
 *
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx server/jobs/digests-worker.ts [--state=nats-kv|sqlite]
 *     [--subject-prefix=X] [--ack-wait-ms=30000] [--max-batch=4096] [--exit-with-parent]
 *
 * --state=sqlite shares DATABASE_PATH between workers on one machine; --subject-prefix=X listens on
 * X.AlarmStatusChanged, X.SendAlarmDigest and publishes X.AlarmDigest (tests and benches use it); --max-batch
 * caps the status changes committed at once (default 4,096; a test makes it small to be killed mid-stream);
 * --exit-with-parent stops the worker when its standard input closes (the tests start workers so).
 * Prints "digest worker ready" once consuming.
 */
import { UserDirectory } from "@/server/auth/users";
import { parseArgs } from "node:util";
import { openDatabase } from "@/db/client";
import { SystemClock } from "@/server/core/clock";
import { ConfigError, getConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { createRandomSource } from "@/server/core/random";
import { subjectsWithPrefix } from "@/server/digests/messages";
import { createDigestModule } from "./digests";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      state: { type: "string", default: "nats-kv" },
      "subject-prefix": { type: "string" },
      "ack-wait-ms": { type: "string", default: "30000" },
      "max-batch": { type: "string" },
      "exit-with-parent": { type: "boolean", default: false },
    },
  });
  const config = getConfig();
  if (!config.NATS_URL)
    throw new ConfigError(["NATS_URL: the digest worker needs NATS (for example nats://127.0.0.1:4222)"]);
  if (values.state !== "nats-kv" && values.state !== "sqlite")
    throw new ConfigError([`--state: expected nats-kv or sqlite (got "${values.state}")`]);
  const ackWaitMs = Number(values["ack-wait-ms"]);
  if (!Number.isInteger(ackWaitMs) || ackWaitMs < 100)
    throw new ConfigError([
      `--ack-wait-ms: expected a whole number of milliseconds, at least 100 (got "${values["ack-wait-ms"]}")`,
    ]);
  const maxBatch = values["max-batch"] === undefined ? undefined : Number(values["max-batch"]);
  if (maxBatch !== undefined && (!Number.isInteger(maxBatch) || maxBatch < 1))
    throw new ConfigError([
      `--max-batch: expected a whole number of messages, at least 1 (got "${values["max-batch"]}")`,
    ]);
  const logger = createLogger("digests-worker");
  // Its own connection, without SQLite's sleeping busy handler: the store yields and retries instead, so that
  // several workers sharing the file keep their batches moving (server/digests/adapters/sqlite-busy.ts).
  const db = openDatabase(config.DATABASE_PATH);
  db.$client.pragma("busy_timeout = 0");
  // The state table takes one random-key upsert per message. A 64 MiB page cache keeps its B-tree in memory, and
  // checkpointing the WAL every ~40 MiB instead of every 4 MiB writes each hot page back once per many batches
  // instead of once per few (and fsyncs less often); durability is unchanged (WAL, synchronous = NORMAL).
  db.$client.pragma("cache_size = -65536");
  db.$client.pragma("wal_autocheckpoint = 10000");
  const digestModule = createDigestModule(
    {
      config,
      db,
      clock: new SystemClock(),
      random: createRandomSource(),
      bus: new InProcessEventBus(),
      logger,
      people: new UserDirectory(db, new SystemClock()),
    },
    {
      transport: "nats",
      state: values.state,
      subjects: subjectsWithPrefix(values["subject-prefix"]),
      ackWaitMs,
      maxBatch,
    },
  );
  await digestModule.engine.start();
  process.stdout.write("digest worker ready\n");
  const shutdown = () => void digestModule.engine.stop().finally(() => process.exit(0));
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  // For tests and supervisors that hold our standard input: when the parent goes (even killed, so that it could
  // not stop us), stop too, instead of consuming on as an orphan.
  if (values["exit-with-parent"]) {
    process.stdin.once("end", shutdown);
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `digest worker failed: ${error instanceof Error ? error.stack : String(error)}`}\n`,
  );
  process.exit(1);
});
