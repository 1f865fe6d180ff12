/**
 * The scheduler in a process of its own (server/jobs/scheduler-host.ts), seen by the supervisor as any
 * SupervisedScheduler: start() spawns it (node with tsx, an IPC channel) and hands it the settings and the
 * estimates; the estimates follow every refit; setEnabled and stop are requests it confirms; status() is the
 * latest status it sent (once a second). A host that dies is started again after a second: the executions it
 * held are orphans to the new one, which places them without knowing their remaining delay (scheduler.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "@/server/core/logger";
import type { SupervisedScheduler } from "../scheduler-supervisor";
import type { FromHost, HostEstimates, HostSettings, ToHost } from "../scheduler/host-protocol";
import { NO_TIMING } from "../scheduler/real-time-guard";
import type { SchedulerStatus } from "../scheduler/scheduler";

export type SchedulerProcessOptions = {
  /** The host's entry file (server/jobs/scheduler-host.ts) and the working directory it runs in. */
  entry: string;
  cwd: string;
  settings: HostSettings;
  /** The latest estimates; read at start and every `estimatesEveryMs`, sent when they changed. */
  estimates: () => HostEstimates & { fittedAt: number | undefined };
  estimatesEveryMs?: number;
  logger: Logger;
  /** How long a request (set-enabled, stop) may take before the host is killed (default 5 s). */
  requestTimeoutMs?: number;
};

const STARTING: SchedulerStatus = {
  enabled: true,
  running: false,
  policy: "planner",
  seconds: 0,
  bandFraction: { cpu: 0, io: 0, memory: 0, all: 0 },
  addedDelayTicks: { p50: 0, p95: 0, max: 0, count: 0 },
  backlog: 0,
  orphans: 0,
  windowsPlanned: 0,
  windowsBalanced: 0,
  mode: "standing aside",
  reason: "starting the scheduler's process",
  secondsStoodAside: 0,
  timing: NO_TIMING,
};

export class SchedulerProcess implements SupervisedScheduler {
  private child: ChildProcess | undefined;
  /** Settles when the current child has exited (made at spawn, so an exit that came first is not missed). */
  private childExited: Promise<void> = Promise.resolve();
  private latest: SchedulerStatus = STARTING;
  private enabled = true;
  private running = false;
  private nextId = 1;
  private readonly pending = new Map<number, () => void>();
  private estimatesTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private sentFittedAt: number | undefined;
  private sentHistory = -1;

  constructor(private readonly options: SchedulerProcessOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawnHost();
    this.estimatesTimer = setInterval(() => this.sendEstimates(), this.options.estimatesEveryMs ?? 2_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.estimatesTimer) clearInterval(this.estimatesTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = this.childExited;
    await this.request({ type: "stop", id: this.nextId++ });
    // The child may already have exited (killed when a request timed out): `exited` has settled then.
    this.child = undefined;
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), this.options.requestTimeoutMs ?? 5_000);
    await exited;
    clearTimeout(timer);
  }

  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    await this.request({ type: "set-enabled", id: this.nextId++, on });
  }

  status(): SchedulerStatus {
    return { ...this.latest, enabled: this.enabled, running: this.running && this.latest.running };
  }

  private spawnHost(): void {
    const { entry, cwd, logger, settings } = this.options;
    const child = spawn(process.execPath, ["--import", "tsx", entry], {
      cwd,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: process.env,
    });
    this.child = child;
    this.childExited = new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => child.pid === undefined && resolve()); // never started: no exit will come
    });
    child.on("message", (message: FromHost) => this.receive(message));
    child.on("error", (error) => logger.error({ err: error }, "the scheduler's process could not be started"));
    child.once("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.latest = { ...STARTING, reason: "the scheduler's process stopped; starting it again" };
      for (const resolve of this.pending.values()) resolve();
      this.pending.clear();
      if (!this.running) return;
      logger.error({ code, signal }, "the scheduler's process exited; starting it again in a second");
      this.restartTimer = setTimeout(() => this.running && this.spawnHost(), 1_000);
    });
    this.sentFittedAt = undefined;
    this.sentHistory = -1;
    const estimates = this.options.estimates();
    this.post({
      type: "start",
      settings,
      estimates: { costs: estimates.costs, historySeconds: estimates.historySeconds },
    });
    this.remember(estimates);
    if (!this.enabled) void this.request({ type: "set-enabled", id: this.nextId++, on: false });
  }

  private receive(message: FromHost): void {
    switch (message.type) {
      case "status":
        this.latest = message.status;
        return;
      case "mode":
        // The host logs the change itself (with its reason); here it only updates the status at once.
        this.latest = { ...this.latest, mode: message.mode, ...(message.reason ? { reason: message.reason } : {}) };
        return;
      case "error":
        this.latest = { ...this.latest, lastError: message.message };
        this.options.logger.warn({ error: message.message }, "scheduler step failed; it retries on the next tick");
        return;
      case "done":
        this.pending.get(message.id)?.();
        this.pending.delete(message.id);
        return;
    }
  }

  /** Sends the estimates when a new fit exists or the history grew by 5 s or more (the warm-up reads it). */
  private sendEstimates(): void {
    const estimates = this.options.estimates();
    const changed = estimates.fittedAt !== this.sentFittedAt || estimates.historySeconds - this.sentHistory >= 5;
    if (!changed || !this.child) return;
    this.post({ type: "estimates", estimates: { costs: estimates.costs, historySeconds: estimates.historySeconds } });
    this.remember(estimates);
  }

  private remember(estimates: { fittedAt: number | undefined; historySeconds: number }): void {
    this.sentFittedAt = estimates.fittedAt;
    this.sentHistory = estimates.historySeconds;
  }

  private post(message: ToHost): void {
    if (this.child?.connected) this.child.send(message);
  }

  /** Sends a request and resolves when the host confirms it, or after the timeout (the host is then killed). */
  private request(message: Extract<ToHost, { id: number }>): Promise<void> {
    const child = this.child;
    if (!child?.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        this.options.logger.error({ request: message.type }, "the scheduler's process did not answer; killing it");
        child.kill("SIGKILL");
        resolve();
      }, this.options.requestTimeoutMs ?? 5_000);
      this.pending.set(message.id, () => {
        clearTimeout(timer);
        resolve();
      });
      child.send(message);
    });
  }
}
