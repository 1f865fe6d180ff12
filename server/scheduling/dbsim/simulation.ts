/**
 * The simulated database ("dbsim"): a faithful, pure port of the original Go `lib` (queue, daemon, monitor)
 * described in the shared contracts/query-scheduling.md. It owns the query templates, the queue of pending
 * executions, the tick (execute due executions, then draw arrivals) and the per-second resource aggregation.
 *
 * Pure: no timers, no wall clock. Whoever owns it calls `tick()` — the HTTP server from the Clock ten times a
 * second, benches and tests as fast as they like. Randomness comes only from the injected seed, so a seed
 * replays the same templates, arrivals and execution ids.
 */
import { SeededRandom, type RandomSource } from "@/server/core/random";

export type ResourceVector = { cpu: number; memory: number; io: number };
export const RESOURCES = ["cpu", "memory", "io"] as const;
export type ResourceName = (typeof RESOURCES)[number];

/** Which resource a template is heavy on: templates cycle through the profiles by `index % 3`. */
export type TemplateProfile = "cpu" | "io" | "memory";
export const PROFILE_ORDER: readonly TemplateProfile[] = ["cpu", "io", "memory"];

export type SkewNormalParameters = { mu: number; sigma: number; lambda: number };

export type SimulationParameters = {
  /** Number of query templates (original: 100). */
  templateCount: number;
  /** Ticks per second (original: 10, one tick = 100 ms). */
  tickRateHz: number;
  /** Ticks from enqueue to execution (original: 1). */
  defaultDelayTicks: number;
  /** Ticks aggregated into one resources report (original: 1 s = 10 ticks). */
  metricsWindowTicks: number;
  /** Multiplies every execution probability (1 = original; 4 and 8 for the heavier presets). */
  arrivalScale: number;
  /** Seeds templates, probabilities, arrivals and ids. */
  seed: number;
  /** Load scalar `sin((tick - phase) * 2pi / period) * amplitude + offset` (original: 500, 20000, 0.5, 1.5). */
  loadScalarPhaseTicks: number;
  loadScalarPeriodTicks: number;
  loadScalarAmplitude: number;
  loadScalarOffset: number;
  /** Cost of a template's dominant resource: trunc(SkewNorm(70, 15, -10)). */
  dominantCost: SkewNormalParameters;
  /** Cost of the two other resources: trunc(SkewNorm(30, 15, 10)). */
  otherCost: SkewNormalParameters;
};

export const DEFAULT_SIMULATION_PARAMETERS: SimulationParameters = Object.freeze({
  templateCount: 100,
  tickRateHz: 10,
  defaultDelayTicks: 1,
  metricsWindowTicks: 10,
  arrivalScale: 1,
  seed: 1,
  loadScalarPhaseTicks: 500,
  loadScalarPeriodTicks: 20_000,
  loadScalarAmplitude: 0.5,
  loadScalarOffset: 1.5,
  dominantCost: Object.freeze({ mu: 70, sigma: 15, lambda: -10 }),
  otherCost: Object.freeze({ mu: 30, sigma: 15, lambda: 10 }),
}) as SimulationParameters;

export type QueryTemplate = {
  /** A UUID, stable for a given seed (the original's changed on every restart). */
  id: string;
  index: number;
  profile: TemplateProfile;
  /** The true cost, paid in full in the single tick in which an execution runs. */
  cost: ResourceVector;
  /** Base probability of joining the queue on a tick: Exp(1) / templateCount. */
  probability: number;
};

export type QueuedExecution = {
  id: string;
  templateId: string;
  /** Tick in which it joined the queue. */
  queuedTick: number;
  /** Ticks left before it runs (decremented first thing every tick; runs at <= 0). */
  remainingDelayTicks: number;
  /** Sum of every Delay(id, d) applied to it (may be negative). */
  addedDelayTicks: number;
};

export type ExecutedExecution = {
  id: string;
  templateId: string;
  queuedTick: number;
  executedTick: number;
  /** Ticks it spent queued: executedTick - queuedTick (1 with the default delay). */
  totalDelayTicks: number;
  /** Sum of the delays requested through Delay(id, d). */
  addedDelayTicks: number;
};

export type ResourceStatistics = { average: number; min: number; max: number };
export type ResourceWindow = {
  /** 0 for the first window, then 1, 2, … */
  index: number;
  firstTick: number;
  lastTick: number;
  /** Number of per-tick samples aggregated (metricsWindowTicks). */
  samples: number;
  cpu: ResourceStatistics;
  io: ResourceStatistics;
  memory: ResourceStatistics;
};

export type TickResult = {
  tick: number;
  /** Executions that ran in this tick (step 1). */
  executed: ExecutedExecution[];
  /** Executions that joined the queue in this tick (step 2). */
  queued: QueuedExecution[];
  /** This tick's sample: the sum of the costs of the executions that ran (zeros included). */
  sample: ResourceVector;
  /** Present on the tick that closes a metrics window. */
  window?: ResourceWindow;
};

export class UnknownExecutionError extends Error {
  constructor(readonly executionId: string) {
    super(`no queued execution with id ${executionId} (unknown, or already executed)`);
    this.name = "UnknownExecutionError";
  }
}

/** SkewNorm(mu, sigma, lambda) from two standard normal deviates, as the original draws it. */
export function skewNormal(random: RandomSource, { mu, sigma, lambda }: SkewNormalParameters): number {
  const delta = lambda / Math.sqrt(1 + lambda * lambda);
  const u = random.normal();
  const v = random.normal();
  const x = u * Math.sqrt(1 - delta * delta) + delta * Math.abs(v);
  return mu + sigma * x;
}

/** A version-4 UUID from the injected generator, so that ids replay under a seed. */
export function randomUuid(random: RandomSource): string {
  const words = [0, 1, 2, 3].map(() => random.integer(0, 0xffffffff));
  const bytes: number[] = [];
  for (const word of words) bytes.push((word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The load scalar of a tick: multiplies every probability; in [offset - amplitude, offset + amplitude]. */
export function loadScalar(parameters: SimulationParameters, tick: number): number {
  const { loadScalarPhaseTicks, loadScalarPeriodTicks, loadScalarAmplitude, loadScalarOffset } = parameters;
  return (
    Math.sin(((tick - loadScalarPhaseTicks) * 2 * Math.PI) / loadScalarPeriodTicks) * loadScalarAmplitude +
    loadScalarOffset
  );
}

export function validateParameters(parameters: SimulationParameters): void {
  const problems: string[] = [];
  const positiveInteger = (name: keyof SimulationParameters) => {
    const value = parameters[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0)
      problems.push(`${name} must be a whole number above 0 (got ${String(value)})`);
  };
  positiveInteger("templateCount");
  positiveInteger("tickRateHz");
  positiveInteger("metricsWindowTicks");
  positiveInteger("loadScalarPeriodTicks");
  if (!Number.isInteger(parameters.defaultDelayTicks) || parameters.defaultDelayTicks < 0)
    problems.push("defaultDelayTicks must be a whole number, 0 or more");
  if (!(parameters.arrivalScale >= 0) || !Number.isFinite(parameters.arrivalScale))
    problems.push("arrivalScale must be a finite number, 0 or more");
  if (!Number.isInteger(parameters.seed)) problems.push("seed must be a whole number");
  if (problems.length > 0) throw new Error(`Invalid simulation parameters: ${problems.join("; ")}`);
}

export class DatabaseSimulation {
  readonly parameters: SimulationParameters;
  readonly templates: readonly QueryTemplate[];
  private readonly random: RandomSource;
  private readonly arrivalRandom: RandomSource;
  private readonly templatesById = new Map<string, QueryTemplate>();
  /** Insertion-ordered: executions run in the order they were queued within a tick. */
  private readonly queue = new Map<string, QueuedExecution>();
  private nextTick = 0;
  private windowSamples: ResourceVector[] = [];
  private windowIndex = 0;
  private lastWindowValue: ResourceWindow | undefined;

  /**
   * `startTick` continues the tick numbering of an earlier run (a server restarted on a kept event log). The
   * templates depend only on the seed; the arrivals and execution ids of a continued run come from a stream
   * salted with `startTick`, so that a restart never re-issues an execution id the log already holds.
   */
  constructor(parameters: Partial<SimulationParameters> = {}, options: { startTick?: number } = {}) {
    this.parameters = { ...DEFAULT_SIMULATION_PARAMETERS, ...parameters };
    validateParameters(this.parameters);
    this.random = new SeededRandom(this.parameters.seed);
    this.templates = this.createTemplates();
    for (const template of this.templates) this.templatesById.set(template.id, template);
    const startTick = options.startTick ?? 0;
    if (!Number.isInteger(startTick) || startTick < 0)
      throw new Error(`startTick must be a whole number, 0 or more (got ${startTick})`);
    this.nextTick = startTick;
    this.windowIndex = Math.ceil(startTick / this.parameters.metricsWindowTicks);
    this.arrivalRandom =
      startTick === 0 ? this.random : new SeededRandom((this.parameters.seed * 1_000_003 + startTick) | 0);
  }

  /** The number the next `tick()` will carry (0 before the first tick). */
  get currentTick(): number {
    return this.nextTick;
  }

  /** The latest closed metrics window, if any. */
  get lastWindow(): ResourceWindow | undefined {
    return this.lastWindowValue;
  }

  template(id: string): QueryTemplate | undefined {
    return this.templatesById.get(id);
  }

  /** A snapshot of the queue, in arrival order. */
  queued(): QueuedExecution[] {
    return [...this.queue.values()].map((execution) => ({ ...execution }));
  }

  /**
   * Delay(id, d): adds `d` ticks to the remaining delay. The sign is not checked (a negative delay makes the
   * execution run on the next tick), as in the original. Unknown or already-executed id: UnknownExecutionError.
   */
  delay(executionId: string, ticks: number): QueuedExecution {
    if (!Number.isInteger(ticks)) throw new RangeError(`delay must be a whole number of ticks (got ${ticks})`);
    const execution = this.queue.get(executionId.toLowerCase());
    if (!execution) throw new UnknownExecutionError(executionId);
    execution.remainingDelayTicks += ticks;
    execution.addedDelayTicks += ticks;
    return { ...execution };
  }

  /** One tick: (1) decrement every delay and run the due executions, (2) draw and enqueue the arrivals. */
  tick(): TickResult {
    const tick = this.nextTick++;
    const executed: ExecutedExecution[] = [];
    const sample: ResourceVector = { cpu: 0, memory: 0, io: 0 };
    for (const execution of this.queue.values()) {
      execution.remainingDelayTicks -= 1;
      if (execution.remainingDelayTicks > 0) continue;
      this.queue.delete(execution.id);
      const cost = this.templatesById.get(execution.templateId)!.cost;
      sample.cpu += cost.cpu;
      sample.memory += cost.memory;
      sample.io += cost.io;
      executed.push({
        id: execution.id,
        templateId: execution.templateId,
        queuedTick: execution.queuedTick,
        executedTick: tick,
        totalDelayTicks: tick - execution.queuedTick,
        addedDelayTicks: execution.addedDelayTicks,
      });
    }

    const scalar = loadScalar(this.parameters, tick) * this.parameters.arrivalScale;
    const queued: QueuedExecution[] = [];
    for (const template of this.templates) {
      if (this.arrivalRandom.next() >= template.probability * scalar) continue;
      const execution: QueuedExecution = {
        id: randomUuid(this.arrivalRandom),
        templateId: template.id,
        queuedTick: tick,
        remainingDelayTicks: this.parameters.defaultDelayTicks,
        addedDelayTicks: 0,
      };
      this.queue.set(execution.id, execution);
      queued.push({ ...execution });
    }

    this.windowSamples.push(sample);
    let window: ResourceWindow | undefined;
    if (this.windowSamples.length >= this.parameters.metricsWindowTicks) {
      window = aggregateWindow(this.windowSamples, this.windowIndex++, tick);
      this.lastWindowValue = window;
      this.windowSamples = [];
    }
    return window ? { tick, executed, queued, sample, window } : { tick, executed, queued, sample };
  }

  private createTemplates(): QueryTemplate[] {
    const { templateCount, dominantCost, otherCost } = this.parameters;
    const templates: QueryTemplate[] = [];
    for (let index = 0; index < templateCount; index++) {
      const profile = PROFILE_ORDER[index % 3]!;
      const draw = (resource: TemplateProfile) =>
        Math.trunc(skewNormal(this.random, resource === profile ? dominantCost : otherCost));
      const cost: ResourceVector = { cpu: draw("cpu"), memory: draw("memory"), io: draw("io") };
      templates.push({
        id: randomUuid(this.random),
        index,
        profile,
        cost,
        probability: this.random.exponential() / templateCount,
      });
    }
    return templates;
  }
}

/** Per resource: min and max of the per-tick samples, and the average with integer (floor) division. */
export function aggregateWindow(samples: readonly ResourceVector[], index: number, lastTick: number): ResourceWindow {
  const statistics = (resource: ResourceName): ResourceStatistics => {
    if (samples.length === 0) return { average: 0, min: 0, max: 0 };
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const sample of samples) {
      const value = sample[resource];
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    return { average: Math.floor(sum / samples.length), min, max };
  };
  return {
    index,
    firstTick: lastTick - samples.length + 1,
    lastTick,
    samples: samples.length,
    cpu: statistics("cpu"),
    io: statistics("io"),
    memory: statistics("memory"),
  };
}
