/** Entry point: `npx tsx bench/scheduling/run.ts`. Env: SCHEDULING_BENCH_SECONDS, SCHEDULING_BENCH_WARMUP, SCHEDULING_BENCH_SEEDS (comma list), SCHEDULING_BENCH_PRESETS (comma list of 1,4,8). */
import { BENCH_PRESETS, runSchedulingBench } from "./index";

const seconds = Number(process.env.SCHEDULING_BENCH_SECONDS ?? 600);
const warmupSeconds = Number(process.env.SCHEDULING_BENCH_WARMUP ?? 300);
const seeds = (process.env.SCHEDULING_BENCH_SEEDS ?? "1,2,3").split(",").map(Number);
const scales = process.env.SCHEDULING_BENCH_PRESETS?.split(",").map(Number);
const rows = process.env.SCHEDULING_BENCH_ROWS?.split(",") as Parameters<typeof runSchedulingBench>[0] extends infer O
  ? O extends { rows?: infer R }
    ? R
    : never
  : never;
const presets = scales ? BENCH_PRESETS.filter((preset) => scales.includes(preset.arrivalScale)) : BENCH_PRESETS;

void runSchedulingBench({ seconds, warmupSeconds, seeds, presets, ...(rows ? { rows } : {}) });
