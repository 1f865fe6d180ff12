/**
 * The live scheduling bench (`npm run bench -- scheduling-live`): the scheduler exactly as the console deploys it,
 * in real time. For each condition (idle; busy: two other processes keeping both cores busy, started and stopped
 * here), preset and seed:
 *
 * 1. the database server runs in its own process over HTTP (server/jobs/dbsim.ts, a fresh log file);
 * 2. this process builds the scheduling module as the console does (createSchedulingModule: capture, estimator,
 *    supervisor; the scheduler in its own process, server/jobs/scheduler-host.ts) on a fresh SQLite database;
 * 3. `historySeconds` unscheduled (the estimator learns), then the switch goes on for `seconds`;
 * 4. the figures come from the database server's own log: each second's min/max/average and each executed
 *    query's added delay, for the measured period (and the unscheduled row from the end of the history), in the
 *    simulated bench's table; plus what only real time has, from the scheduler's status: ticks acted on late or
 *    missed, delay-call and step lateness, time stood aside. Beside it, the simulated bench's figure for the
 *    same seed and length, and the difference in points.
 *
 * Env: SCHEDULING_LIVE_SEEDS (1,2,3), SCHEDULING_LIVE_PRESETS (1; 4 and 8 use a 3 s bound),
 * SCHEDULING_LIVE_CONDITIONS (idle,busy), SCHEDULING_LIVE_HISTORY_SECONDS (300), SCHEDULING_LIVE_SECONDS (600).
 */
import BetterSqlite3 from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, closeDatabases } from "@/db/client";
import { UserDirectory } from "@/server/auth/users";
import { systemActor } from "@/server/core/audit";
import { SystemClock } from "@/server/core/clock";
import { freePort } from "@/server/core/free-port";
import { parseConfig } from "@/server/core/config";
import { InProcessEventBus } from "@/server/core/events";
import { createLogger } from "@/server/core/logger";
import { SeededRandom } from "@/server/core/random";
import type { DbsimEvent } from "@/server/scheduling/dbsim/event-log";
import { startDbsimProcess } from "@/server/scheduling/dbsim/adapters/dbsim-process";
import type { SchedulerStatus } from "@/server/scheduling/scheduler/scheduler";
import { createSchedulingModule } from "@/server/jobs/scheduling";
import { secondsFigures, type SecondsFigures } from "../scheduling/figures";
import { BENCH_PRESETS, runScenario, type BenchPreset } from "../scheduling/index";

export type LiveCondition = "idle" | "busy";

export type LiveBenchOptions = {
  seeds?: number[];
  presets?: BenchPreset[];
  conditions?: LiveCondition[];
  historySeconds?: number;
  seconds?: number;
  log?: (line: string) => void;
};

export type LiveRun = {
  condition: LiveCondition;
  preset: BenchPreset;
  seed: number;
  unscheduled: SecondsFigures;
  scheduled: SecondsFigures;
  simulated: SecondsFigures;
  scheduler: SchedulerStatus | null;
  load: { before: number; during: number };
  /** The lowest in-band share (all three) of any whole measured minute: point 3 holds when it is never below the unscheduled share. */
  worstMinute: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const seconds = (ticks: number) => `${(ticks / 10).toFixed(1)} s`;

/** Two processes that keep both cores busy (and allocate a little, as real work does). */
function startBusyProcesses(): ChildProcess[] {
  const burn = "let a=[];for(;;){for(let i=0;i<1e5;i++)a.push({i});a=[]}";
  return [0, 1].map(() => spawn(process.execPath, ["-e", burn], { stdio: "ignore" }));
}

type Window = { firstTick: number; cpu: StatsLike; io: StatsLike; memory: StatsLike };
type StatsLike = { average: number; min: number; max: number };

/** The server's log of the period: seconds starting at or after `fromTick` and before `toTick`, and the added delay of what ran then. */
function readPeriod(logFile: string, fromTick: number, toTick: number): { windows: Window[]; added: number[] } {
  const database = new BetterSqlite3(logFile, { readonly: true });
  try {
    const rows = database
      .prepare("SELECT body FROM dbsim_event WHERE tick >= ? AND tick < ? ORDER BY seq")
      .all(fromTick, toTick) as { body: string }[];
    const windows: Window[] = [];
    const added: number[] = [];
    for (const { body } of rows) {
      const event = JSON.parse(body) as DbsimEvent;
      if (event.type === "resources" && event.firstTick >= fromTick) windows.push(event);
      if (event.type === "executed") added.push(Math.max(0, event.addedDelayTicks));
    }
    return { windows, added };
  } finally {
    database.close();
  }
}

async function currentTick(url: string): Promise<number> {
  const status = (await (await fetch(`${url}/status`)).json()) as { currentTick: number };
  return status.currentTick;
}

async function runOne(
  condition: LiveCondition,
  preset: BenchPreset,
  seed: number,
  options: Required<Omit<LiveBenchOptions, "log" | "seeds" | "presets" | "conditions">>,
  log: (line: string) => void,
): Promise<LiveRun> {
  const directory = mkdtempSync(path.join(os.tmpdir(), "watchpost-live-bench-"));
  const logFile = path.join(directory, "dbsim.db");
  const logger = createLogger("scheduling-live-bench");
  const port = await freePort();
  const dbsim = await startDbsimProcess({
    entry: path.join(process.cwd(), "server", "jobs", "dbsim.ts"),
    cwd: process.cwd(),
    port,
    seed,
    logFile,
    args: ["--arrival-scale", String(preset.arrivalScale)],
    logger,
  });
  if (dbsim.parameters.arrivalScale !== preset.arrivalScale) {
    await dbsim.stop();
    throw new Error(
      `the database server runs at ${String(dbsim.parameters.arrivalScale)}× arrivals, not the preset's ${preset.arrivalScale}×: its figures would not be the preset's`,
    );
  }
  const clock = new SystemClock();
  const databasePath = path.join(directory, "console.db");
  const db = openDatabase(databasePath, { migrate: true });
  const config = parseConfig({
    DATABASE_PATH: databasePath,
    DBSIM_URL: dbsim.url,
    NODE_ENV: "production",
    WATCHPOST_DEMO: "false",
    SCHEDULER_MAX_DELAY_SECONDS: String(preset.maxAddedDelayTicks / 10),
  });
  const scheduling = createSchedulingModule({
    config,
    db,
    clock,
    random: new SeededRandom(seed),
    bus: new InProcessEventBus(),
    logger,
    people: new UserDirectory(db, clock),
  });
  const actor = systemActor("scheduling-live-bench");
  try {
    await scheduling.engine.start();
    const historyStart = await currentTick(dbsim.url);
    await sleep(options.historySeconds * 1000);
    const switchTick = await currentTick(dbsim.url);
    const loadBefore = os.loadavg()[0]!;
    scheduling.console.setSchedulerEnabled(true, actor);
    const measuredStart = switchTick + 10; // the first whole second after the switch
    let worstMinute = 1;
    for (let elapsed = 0; elapsed < options.seconds;) {
      const wait = Math.min(60, options.seconds - elapsed);
      await sleep(wait * 1000);
      elapsed += wait;
      const now = await currentTick(dbsim.url);
      const lastMinute = readPeriod(logFile, Math.max(measuredStart, now - 600), now);
      const minute = secondsFigures(lastMinute.windows, lastMinute.added);
      if (wait === 60) worstMinute = Math.min(worstMinute, minute.band.all);
      const status = scheduling.console.summary(60).scheduler.status;
      log(
        `    ${condition} ${preset.name} seed ${seed}: ${elapsed} s — last minute ${percent(minute.band.all)} in band, p95 +${seconds(minute.latencyTicks.p95)}, ${status?.mode ?? "?"}${status?.reason ? ` (${status.reason})` : ""}, load ${os.loadavg()[0]!.toFixed(2)}`,
      );
    }
    const endTick = await currentTick(dbsim.url);
    const loadDuring = os.loadavg()[0]!;
    const scheduler = scheduling.console.summary(options.seconds).scheduler.status ?? null;
    scheduling.console.setSchedulerEnabled(false, actor);
    // Stopped before the simulated run, which keeps this process's event loop busy for a while: the scheduler's
    // process hands back and exits while its answers can still be read (else its request times out and it is killed).
    await scheduling.engine.stop();
    const history = readPeriod(logFile, Math.max(historyStart, switchTick - options.seconds * 10), switchTick);
    const measured = readPeriod(logFile, measuredStart, endTick);
    const simulated = await runScenario({
      seed,
      arrivalScale: preset.arrivalScale,
      row: "ours",
      warmupSeconds: options.historySeconds,
      seconds: options.seconds,
      maxAddedDelayTicks: preset.maxAddedDelayTicks,
      refitSeconds: 60,
    });
    return {
      condition,
      preset,
      seed,
      unscheduled: secondsFigures(history.windows, history.added),
      scheduled: secondsFigures(measured.windows, measured.added),
      simulated,
      scheduler,
      load: { before: loadBefore, during: loadDuring },
      worstMinute,
    };
  } finally {
    await scheduling.engine.stop().catch(() => undefined);
    await dbsim.stop();
    closeDatabases();
    rmSync(directory, { recursive: true, force: true });
  }
}

function row(label: string, figures: SecondsFigures): string {
  const { band, spread, latencyTicks } = figures;
  return `| ${label} | ${percent(band.cpu)} | ${percent(band.io)} | ${percent(band.memory)} | **${percent(band.all)}** | ${figures.idleSeconds} | ${spread.cpu.toFixed(3)} / ${spread.io.toFixed(3)} / ${spread.memory.toFixed(3)} | ${seconds(latencyTicks.p50)} / ${seconds(latencyTicks.p95)} |`;
}

export function formatLiveTable(runs: readonly LiveRun[]): string {
  const lines = [
    "| condition / preset / seed | in band cpu | io | memory | all three | idle s | mean (max−min)/avg cpu / io / memory | added latency p50 / p95 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const run of runs) {
    const name = `${run.condition} / ${run.preset.name} / seed ${run.seed}`;
    lines.push(row(`${name}: unscheduled`, run.unscheduled));
    lines.push(row(`${name}: **live**`, run.scheduled));
    lines.push(row(`${name}: simulated`, run.simulated));
  }
  lines.push("");
  lines.push(
    "| condition / preset / seed | live − simulated (points) | target | worst minute live / unscheduled | ticks acted / late / missed | delay call p50 / p99 | tick seen after p50 / p99 | stood aside | load avg before / during |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const run of runs) {
    const neverWorse = run.worstMinute >= run.unscheduled.band.all;
    const difference = (run.scheduled.band.all - run.simulated.band.all) * 100;
    const target = run.condition === "idle" ? 5 : 15;
    const timing = run.scheduler?.timing;
    lines.push(
      `| ${run.condition} / ${run.preset.name} / seed ${run.seed} | ${difference.toFixed(1)} | within ${target}: ${Math.abs(difference) <= target || difference > 0 ? "met" : "missed"} | ${percent(run.worstMinute)} / ${percent(run.unscheduled.band.all)}: ${neverWorse ? "never below" : "below"} | ${timing ? `${timing.ticksActed} / ${timing.ticksLate} / ${timing.ticksMissed}` : "—"} | ${timing ? `${timing.delayCallMs.p50} / ${timing.delayCallMs.p99} ms` : "—"} | ${timing ? `${timing.stepLatenessMs.p50} / ${timing.stepLatenessMs.p99} ms` : "—"} | ${run.scheduler ? `${run.scheduler.secondsStoodAside.toFixed(0)} s` : "—"} | ${run.load.before.toFixed(2)} / ${run.load.during.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

export async function runLiveSchedulingBench(options: LiveBenchOptions = {}): Promise<LiveRun[]> {
  const env = process.env;
  const list = (value: string | undefined) => value?.split(",").map((item) => item.trim());
  const seeds = options.seeds ?? list(env.SCHEDULING_LIVE_SEEDS)?.map(Number) ?? [1, 2, 3];
  const scales = list(env.SCHEDULING_LIVE_PRESETS)?.map(Number) ?? [1];
  const presets = options.presets ?? BENCH_PRESETS.filter((preset) => scales.includes(preset.arrivalScale));
  const conditions = options.conditions ??
    (list(env.SCHEDULING_LIVE_CONDITIONS) as LiveCondition[] | undefined) ?? ["idle", "busy"];
  const settings = {
    historySeconds: options.historySeconds ?? Number(env.SCHEDULING_LIVE_HISTORY_SECONDS ?? 300),
    seconds: options.seconds ?? Number(env.SCHEDULING_LIVE_SECONDS ?? 600),
  };
  const log = options.log ?? ((line: string) => console.log(line));
  log(
    `live scheduling bench: ${settings.historySeconds} s of history, then ${settings.seconds} s measured, seeds ${seeds.join(", ")}, ${conditions.join(" and ")}; load average now ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")} on ${os.cpus().length} cores`,
  );
  const runs: LiveRun[] = [];
  for (const condition of conditions) {
    const busy = condition === "busy" ? startBusyProcesses() : [];
    try {
      for (const preset of presets)
        for (const seed of seeds) runs.push(await runOne(condition, preset, seed, settings, log));
    } finally {
      for (const child of busy) child.kill("SIGKILL");
    }
  }
  log("");
  log(formatLiveTable(runs));
  return runs;
}
