/**
 * The simulated database server in a process of its own (server/jobs/dbsim.ts, as `npm run dbsim` runs it), for
 * the console to start when DBSIM_URL is unset: its ticks then keep their 100 ms whatever the web tier is doing,
 * as an outside database's would. The process listens on the port, keeps its event log in the file, and exits
 * when the console's process goes away (its IPC channel closes); if it dies on its own, it is started again on
 * the same log, which it continues. A port already answering GET /status is reported as EADDRINUSE, so that the
 * engine uses the server already there.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "@/server/core/logger";

export type DbsimProcessOptions = {
  /** server/jobs/dbsim.ts and the working directory it runs in. */
  entry: string;
  cwd: string;
  port: number;
  seed: number;
  logFile: string;
  /** More options of server/jobs/dbsim.ts, e.g. ["--arrival-scale", "4"]. */
  args?: string[];
  logger: Logger;
  /** How long the server may take to answer its first GET /status (default 30 s). */
  startTimeoutMs?: number;
};

/** A started server: its URL, its event log's id, the parameters it runs with (as its GET /status says). */
export type DbsimProcess = {
  url: string;
  logId: string;
  parameters: { arrivalScale?: number; seed?: number } & Record<string, unknown>;
  stop: () => Promise<void>;
};

type Status = { logId: string; parameters?: DbsimProcess["parameters"] };

async function readStatus(url: string): Promise<Status | undefined> {
  try {
    const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) });
    if (!response.ok) return undefined;
    return (await response.json()) as Status;
  } catch {
    return undefined;
  }
}

export async function startDbsimProcess(options: DbsimProcessOptions): Promise<DbsimProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  if (await readStatus(url))
    throw Object.assign(new Error(`a database server already answers on ${url}`), { code: "EADDRINUSE" });
  let child: ChildProcess | undefined;
  let stopping = false;
  const launch = (): ChildProcess => {
    const launched = spawn(
      process.execPath,
      ["--import", "tsx", options.entry, "--log-file", options.logFile, ...(options.args ?? [])],
      {
        cwd: options.cwd,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: { ...process.env, DBSIM_PORT: String(options.port), DBSIM_SEED: String(options.seed) },
      },
    );
    launched.once("exit", (code, signal) => {
      if (stopping || child !== launched) return;
      options.logger.error(
        { code, signal, url },
        "the database server's process exited; starting it again in a second",
      );
      setTimeout(() => {
        if (!stopping) child = launch();
      }, 1_000);
    });
    return launched;
  };
  child = launch();
  const first = child;
  const exited = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let status: Status | undefined;
  while (!(status = await readStatus(url))) {
    const code = await Promise.race([exited, new Promise<"waiting">((resolve) => setTimeout(resolve, 100, "waiting"))]);
    if (code !== "waiting" || Date.now() > deadline) {
      stopping = true;
      first.kill("SIGKILL");
      throw new Error(
        code !== "waiting"
          ? `the database server's process exited (code ${code}) before it answered on ${url}; see its log above`
          : `the database server did not answer on ${url} within ${options.startTimeoutMs ?? 30_000} ms`,
      );
    }
  }
  return {
    url,
    logId: status.logId,
    parameters: status.parameters ?? {},
    stop: async () => {
      stopping = true;
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGTERM");
      const timer = setTimeout(() => running.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
