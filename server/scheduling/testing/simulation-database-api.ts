/**
 * The DatabaseApi over an in-process DatabaseSimulation: the same shape as the HTTP API (queued list, delay,
 * latest resources window, timing), without the network. Benches and tests drive the simulation tick by tick
 * with it, far faster than real time; the production scheduler uses the HTTP adapter instead. A test kit
 * (testing/): production code never imports it.
 */
import { UnknownExecutionError, type DatabaseSimulation } from "../dbsim/simulation";
import type { WindowObservation } from "../estimation/types";
import {
  DelayRejectedError,
  type DatabaseApi,
  type DatabaseObservation,
  type DatabaseTiming,
  type QueuedExecutionView,
} from "../scheduler/database-api";

export class SimulationDatabaseApi implements DatabaseApi {
  /** Delay calls made, for the benches. */
  delayCalls = 0;

  constructor(private readonly simulation: DatabaseSimulation) {}

  async queued(): Promise<QueuedExecutionView[]> {
    return this.simulation.queued().map((execution) => ({
      executionId: execution.id,
      templateId: execution.templateId,
      queuedTick: execution.queuedTick,
    }));
  }

  async delay(executionId: string, ticks: number): Promise<void> {
    this.delayCalls++;
    try {
      this.simulation.delay(executionId, ticks);
    } catch (error) {
      if (error instanceof UnknownExecutionError) throw new DelayRejectedError(executionId, error.message);
      throw error;
    }
  }

  async resources(): Promise<WindowObservation | undefined> {
    const window = this.simulation.lastWindow;
    if (!window) return undefined;
    return {
      firstTick: window.firstTick,
      lastTick: window.lastTick,
      samples: window.samples,
      cpu: window.cpu,
      io: window.io,
      memory: window.memory,
    };
  }

  async observe(): Promise<DatabaseObservation> {
    return { timing: await this.timing(), queued: await this.queued(), window: await this.resources() };
  }

  async timing(): Promise<DatabaseTiming> {
    const { metricsWindowTicks, defaultDelayTicks, tickRateHz } = this.simulation.parameters;
    const window = this.simulation.lastWindow;
    return {
      lastTick: this.simulation.currentTick - 1,
      windowTicks: metricsWindowTicks,
      windowOrigin: window ? (window.lastTick + 1) % metricsWindowTicks : 0,
      defaultDelayTicks,
      tickMs: 1000 / tickRateHz,
    };
  }
}
