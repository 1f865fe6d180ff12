/** `npm run worker`: runs the engines without the web console (scale them apart; see README, "Beyond one machine"). */
import { startRunnerOrExit } from "./start";

// A worker lives until it is told to stop, even when its engines hold nothing open right now.
setInterval(() => {}, 1 << 30);

void startRunnerOrExit().then((runtime) =>
  runtime.logger.info(
    { engines: runtime.engines.map((engine) => engine.name) },
    "worker running; stop it with Ctrl-C or SIGTERM",
  ),
);
