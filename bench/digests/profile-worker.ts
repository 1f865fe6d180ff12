/**
 * Profiles one digest worker process on the bench's workload (not part of `npm run bench`):
 *   npx tsx bench/digests/profile-worker.ts [out-dir]    (DIGEST_BENCH_MESSAGES, default 100,000)
 *   DIGEST_PROFILE=latency npx tsx bench/digests/profile-worker.ts   (100 digests of 1,000 alarms instead)
 *   DIGEST_PROFILE=bare npx tsx bench/digests/profile-worker.ts      (the bare consume-and-ack consumer)
 * Starts the worker under `node --cpu-prof`, publishes the status burst, waits for the drain, stops the worker
 * and leaves the .cpuprofile in out-dir (default /tmp/digest-profile), then prints the top self-time functions.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "@/db/client";
import {
  deleteRun,
  plainClient,
  TEST_NATS_URL,
  uniqueRun,
  waitForConsumerDrained,
} from "@/server/digests/testing/adapters/nats-test-kit";
import { createStreams, latencyFigures, publishBurst, timeDigestRounds } from "./index";

const MESSAGES = Number(process.env.DIGEST_BENCH_MESSAGES ?? 100_000);

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

function topSelf(file: string, limit = 40): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id)!;
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const key = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.replace(/^.*node_modules\//, "").replace(process.cwd(), "")}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(
      ([key, micros]) =>
        `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? "/tmp/digest-profile";
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const nc = await plainClient();
  const { prefix, subjects } = uniqueRun("profile");
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-digest-profile-"));
  const databasePath = path.join(directory, "bench.db");
  openDatabase(databasePath).$client.close();
  await createStreams(prefix, subjects);
  // DIGEST_PROFILE=bare profiles the bench's bare consume-and-ack consumer instead, for comparison.
  const script =
    process.env.DIGEST_PROFILE === "bare"
      ? ["bench/digests/bare-consumer.ts", TEST_NATS_URL, `${prefix}_digest_inbound`, `${prefix}_digest_status`]
      : ["server/jobs/digests-worker.ts", "--state=sqlite", `--subject-prefix=${prefix}`];
  // EXTRA_NODE_FLAGS (e.g. --max-semi-space-size=64) are passed to the profiled node process.
  const flags = process.env.EXTRA_NODE_FLAGS ? process.env.EXTRA_NODE_FLAGS.split(" ").filter(Boolean) : [];
  const child = spawn(
    process.execPath,
    [...flags, "--cpu-prof", `--cpu-prof-dir=${outDir}`, "--import", "tsx", ...script],
    {
      env: {
        ...process.env,
        NATS_URL: TEST_NATS_URL,
        NATS_PREFIX: prefix,
        DATABASE_PATH: databasePath,
        LOG_LEVEL: "warn",
        WATCHPOST_DEMO: "false",
        NODE_ENV: "test",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve) =>
    child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()),
  );
  if (process.env.DIGEST_PROFILE === "latency") {
    const { samples } = await timeDigestRounds(nc, prefix, subjects, 100);
    const { p50, p99, max } = latencyFigures(samples);
    console.log(
      `digest latency (1,000 alarms, 100 digests): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
  } else {
    const started = performance.now();
    await publishBurst(nc, subjects.statusChanged, MESSAGES, (index) => {
      const second = String(index % 60).padStart(2, "0");
      const minute = String(Math.floor(index / 60) % 60).padStart(2, "0");
      return JSON.stringify({
        AlarmID: `alarm-${index}`,
        UserID: `user-${index % 200}`,
        Status: index % 7 === 0 ? "CLEARED" : index % 2 ? "CRITICAL" : "WARNING",
        ChangedAt: `2021-06-07T10:${minute}:${second}.000123456Z`,
      });
    });
    await waitForConsumerDrained(nc, prefix, "statusConsumer", 300_000);
    console.log(
      `${MESSAGES} messages in ${((performance.now() - started) / 1000).toFixed(2)} s: ${Math.round(MESSAGES / ((performance.now() - started) / 1000))} msg/s`,
    );
  }
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  await deleteRun(nc, prefix);
  await nc.drain();
  rmSync(directory, { recursive: true, force: true });
  const files = readdirSync(outDir)
    .map((name) => path.join(outDir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (files[0]) {
    console.log(`profile: ${files[0]}`);
    console.log(topSelf(files[0]).join("\n"));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
