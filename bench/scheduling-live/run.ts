/** Entry point: `npx tsx bench/scheduling-live/run.ts` (env: see index.ts). */
import { runLiveSchedulingBench } from "./index";

void runLiveSchedulingBench().then(() => process.exit(0));
