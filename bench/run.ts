/**
 * `npm run bench [area…]`: runs the benchmark of each engine (alerts, pager, digests, scheduling) and prints
 * its figures and ratios. Speed targets are read from here, never asserted by timed tests.
 * Example: `npm run bench -- pager digests`.
 */
const BENCHES: Record<string, () => Promise<unknown>> = {
  alerts: async () => (await import("./alerts")).runAlertsBench(),
  pager: async () => (await import("./pager")).runPagerBench(),
  digests: async () => (await import("./digests")).runDigestBench(),
  scheduling: async () => (await import("./scheduling")).runSchedulingBench(),
  // Real time (about 15 minutes per seed and condition): only when asked for by name.
  "scheduling-live": async () => (await import("./scheduling-live")).runLiveSchedulingBench(),
};

async function main(): Promise<void> {
  // "digest" was the area's earlier name.
  const requested = process.argv
    .slice(2)
    .filter((argument) => !argument.startsWith("-"))
    .map((name) => (name === "digest" ? "digests" : name));
  const unknown = requested.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Choose from: ${Object.keys(BENCHES).join(", ")}.`);
    process.exit(2);
  }
  const names = requested.length > 0 ? requested : Object.keys(BENCHES).filter((name) => name !== "scheduling-live");
  let failed = 0;
  for (const name of names) {
    console.log(`\n##### bench: ${name} #####`);
    try {
      await BENCHES[name]!();
    } catch (error) {
      failed++;
      console.error(`The ${name} benchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
  process.exit(failed > 0 ? 1 : 0);
}

void main();
