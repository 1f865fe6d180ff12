/**
 * The messages between an engine and the scheduler it runs in a process of its own (adapters/scheduler-process.ts
 * on the engine's side, server/jobs/scheduler-host.ts on the other), over the child process's IPC channel. The
 * engine owns the estimates and the switch; the host owns the real-time loop against the database server.
 */
import type { CostVector } from "../estimation/types";
import type { GuardMode } from "./real-time-guard";
import type { SchedulerStatus } from "./scheduler";

export type HostSettings = {
  dbsimUrl: string;
  maxAddedDelayMs: number;
  minHistorySeconds: number;
};

export type HostEstimates = {
  /** [templateId, cost] pairs of the latest fit. */
  costs: Array<[string, CostVector]>;
  historySeconds: number;
};

export type ToHost =
  | { type: "start"; settings: HostSettings; estimates: HostEstimates }
  | { type: "estimates"; estimates: HostEstimates }
  | { type: "set-enabled"; id: number; on: boolean }
  | { type: "stop"; id: number };

export type FromHost =
  | { type: "status"; status: SchedulerStatus }
  | { type: "mode"; mode: GuardMode; reason: string | undefined }
  | { type: "error"; message: string }
  | { type: "done"; id: number };
