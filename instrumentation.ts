/** Next.js calls register() once per server process: start the engines there, in the Node runtime only. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startRunner } = await import("./server/jobs/start");
  const { ConfigError } = await import("./server/core/config");
  try {
    await startRunner();
  } catch (error) {
    // A console that cannot run its engines must not look healthy: stop with the reason.
    process.stderr.write(`${error instanceof ConfigError ? error.message : `Watchpost failed to start: ${error instanceof Error ? error.stack : String(error)}`}\n`);
    process.exit(1);
  }
}
