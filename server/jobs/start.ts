/**
 * Starts the engines once per process and stops them on SIGTERM / SIGINT. Called from instrumentation.ts
 * (Next.js, Node runtime only) and from worker.ts (a standalone engine process).
 */
import { ConfigError } from "@/server/core/config";
import { getRuntime, startEngines, stopEngines, type Runtime } from "./runtime";

const globalForRunner = globalThis as unknown as { watchpostRunner?: Promise<Runtime> };

export function startRunner(): Promise<Runtime> {
  globalForRunner.watchpostRunner ??= (async () => {
    const runtime = getRuntime();
    await startEngines(runtime);
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      runtime.logger.info({ signal }, "stopping engines");
      void stopEngines(runtime).finally(() => process.exit(0));
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
    return runtime;
  })();
  return globalForRunner.watchpostRunner;
}

/** Starts the runner, or stops the process with the reason: a console that cannot run its engines must not look healthy. */
export async function startRunnerOrExit(): Promise<Runtime> {
  try {
    return await startRunner();
  } catch (error) {
    process.stderr.write(
      `${error instanceof ConfigError ? error.message : `Watchpost failed to start: ${error instanceof Error ? error.stack : String(error)}`}\n`,
    );
    process.exit(1);
  }
}
