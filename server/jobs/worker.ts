/** `npm run worker`: runs the engines without the web console (scale them apart; see README, "Beyond one machine"). */
import { ConfigError } from "@/server/core/config";
import { startRunner } from "./start";

// A worker lives until it is told to stop, even when its engines hold nothing open right now.
const keepAlive = setInterval(() => {}, 1 << 30);

startRunner().then(
  (runtime) => runtime.logger.info({ engines: runtime.engines.map((engine) => engine.name) }, "worker running; stop it with Ctrl-C or SIGTERM"),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : `Watchpost worker failed to start: ${error instanceof Error ? error.stack : String(error)}`}\n`);
    clearInterval(keepAlive);
    process.exit(1);
  },
);
