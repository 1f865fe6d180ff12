/**
 * The processes the soak runs and kills: its own nats-server (JetStream, a temporary store), the web tier (the
 * production build, engines off) and the workers (every engine). Each child runs in its own process group, so
 * SIGKILL reaches whatever it started too (a launcher that forks would otherwise leave its child running,
 * orphaned and still working). Each child's output goes to a log file in the soak's directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const NATS_SERVER = process.env.SOAK_NATS_SERVER ?? "/usr/sbin/nats-server";

export type Command = { command: string; args: string[]; env: NodeJS.ProcessEnv };

/**
 * How the web tier starts: the production build as `npm start` serves it, without its build step —
 * scripts/serve.mjs (the console's own server around the build), or `next start` where that script is absent.
 * The one place to change when the way the console is served changes.
 */
export function webTierCommand(port: number, env: NodeJS.ProcessEnv): Command {
  const serve = path.join(ROOT, "scripts", "serve.mjs");
  const production: NodeJS.ProcessEnv = {
    ...env,
    NODE_ENV: "production",
    PORT: String(port),
    WATCHPOST_HOST: "127.0.0.1",
  };
  if (existsSync(serve)) return { command: process.execPath, args: [serve], env: production };
  return {
    command: process.execPath,
    args: [
      path.join(ROOT, "node_modules", "next", "dist", "bin", "next"),
      "start",
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    env: production,
  };
}

/** `npm run worker`, started as `node --import tsx` so that the pid is the worker itself (the tsx command forks). */
export function workerCommand(env: NodeJS.ProcessEnv): Command {
  return {
    command: process.execPath,
    args: ["--import", "tsx", path.join(ROOT, "server", "jobs", "worker.ts")],
    env,
  };
}

export function natsCommand(port: number, storeDirectory: string): Command {
  return {
    command: NATS_SERVER,
    args: ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDirectory],
    env: process.env,
  };
}

/** Why the soak cannot start, in words that say what to do; null when it can. */
export function missingPrerequisite(): string | null {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")))
    return "The soak runs the web tier from the production build, and there is none: run `npx next build` first.";
  if (!existsSync(NATS_SERVER))
    return `The soak runs its own NATS server and found none at ${NATS_SERVER}: install Debian's nats-server (apt-get install nats-server) or set SOAK_NATS_SERVER.`;
  return null;
}

export { freePort } from "@/server/core/free-port";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One supervised child: started, checked ready, killed and started again, any number of times. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;
  private output = "";
  starts = 0;
  up = false;

  constructor(
    readonly name: string,
    readonly kind: "web" | "worker" | "nats",
    private readonly command: () => Command,
    /** Resolves once the child serves; gets the output so far (growing) through `this.recentOutput()`. */
    private readonly ready: (process: ManagedProcess) => Promise<void>,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: "a" });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Output since the last start (what readiness checks look at). */
  recentOutput(): string {
    return this.output;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    const { command, args, env } = this.command();
    this.starts++;
    this.output = "";
    this.log.write(`\n===== ${new Date().toISOString()} start #${this.starts}: ${command} ${args.join(" ")}\n`);
    const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.log.write(chunk);
      if (this.output.length < 1_000_000) this.output += chunk.toString("utf8");
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.once("exit", (code, signal) => {
      this.up = false;
      this.log.write(`\n===== ${new Date().toISOString()} exited (code ${code}, signal ${signal})\n`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not become ready within ${timeoutMs / 1000} s (see its log)`)),
        timeoutMs,
      );
    });
    const died = this.exited.then(() => {
      throw new Error(`${this.name} exited during its start (see its log): ${this.output.slice(-2000)}`);
    });
    try {
      await Promise.race([this.ready(this), timeout, died]);
      this.up = true;
    } finally {
      clearTimeout(timer);
      died.catch(() => undefined);
    }
  }

  /** Sends the signal to the child's whole process group and waits until the child is gone. */
  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.up = false;
    try {
      process.kill(-child.pid!, signal);
    } catch {
      child.kill(signal);
    }
    await this.exited;
    if (signal !== "SIGKILL") {
      // A group member may outlive a graceful leader: nothing of this child may keep working.
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* the group is gone */
      }
    }
  }

  /** For the soak's exit handler: synchronous, best effort. */
  killNow(): void {
    if (this.child?.pid && this.running) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }

  close(): void {
    this.log.end();
  }
}

/** Waits until the output contains the text (a worker's "worker running", NATS's "Server is ready"). */
export function outputContains(text: string) {
  return async (process: ManagedProcess) => {
    while (!process.recentOutput().includes(text) && process.running) await sleep(100);
  };
}

/** Waits until GET url answers 200. */
export function answersOk(url: string) {
  return async (process: ManagedProcess) => {
    while (process.running) {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
      if (response?.ok) return;
      await sleep(250);
    }
  };
}
