/**
 * Simulated query values, shared by the in-process "simulated" source and the HTTP simulator
 * (`npm run alerts-sim`), so that a script means the same thing in both. A query is a small URL-like spec:
 *
 *   constant?value=250
 *   script?values=50,150,250,50&step=5        each value holds `step` seconds, from `origin`, then repeats
 *   random-walk?start=100&step=15&min=0&max=300
 *   sine?min=0&max=300&period=60              deterministic in time (good for demos)
 *
 * Script and sine values depend only on the time; the random walk takes one step per read from the injected
 * RandomSource, so it replays under a fixed seed.
 */
import type { RandomSource } from "@/server/core/random";

export type SimulatedSpec =
  | { kind: "constant"; value: number }
  | { kind: "script"; values: number[]; stepSecs: number }
  | { kind: "random-walk"; start: number; step: number; min: number; max: number }
  | { kind: "sine"; min: number; max: number; periodSecs: number };

export type ParseResult = { ok: true; spec: SimulatedSpec } | { ok: false; error: string };

const EXAMPLES =
  "constant?value=250, script?values=50,150,250&step=5, random-walk?start=100&step=15&min=0&max=300 or sine?min=0&max=300&period=60";

function numberParam(params: URLSearchParams, name: string, fallback?: number): number | string {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback ?? `is missing "${name}"`;
  const value = Number(raw);
  return Number.isFinite(value) ? value : `has "${name}=${raw}", which is not a number`;
}

export function parseSimulatedQuery(query: string): ParseResult {
  const [kind, rest = ""] = query.trim().split("?", 2);
  const params = new URLSearchParams(rest);
  const fail = (problem: string): ParseResult => ({
    ok: false,
    error: `simulated query "${query}" ${problem}; use ${EXAMPLES}`,
  });
  const read = (name: string, fallback?: number) => numberParam(params, name, fallback);
  switch (kind) {
    case "constant": {
      const value = read("value");
      return typeof value === "string" ? fail(value) : { ok: true, spec: { kind, value } };
    }
    case "script": {
      const rawValues = params.get("values");
      if (!rawValues) return fail('is missing "values"');
      const values = rawValues.split(",").map((item) => Number(item.trim()));
      if (values.some((value) => !Number.isFinite(value))) return fail(`has values "${rawValues}", not all numbers`);
      const stepSecs = read("step", 5);
      if (typeof stepSecs === "string") return fail(stepSecs);
      if (!(stepSecs > 0)) return fail("has a step that is not above 0");
      return { ok: true, spec: { kind, values, stepSecs } };
    }
    case "random-walk": {
      const start = read("start", 50);
      const step = read("step", 10);
      const min = read("min", 0);
      const max = read("max", 300);
      for (const item of [start, step, min, max]) if (typeof item === "string") return fail(item);
      if ((min as number) > (max as number)) return fail("has min above max");
      return {
        ok: true,
        spec: { kind, start: start as number, step: step as number, min: min as number, max: max as number },
      };
    }
    case "sine": {
      const min = read("min", 0);
      const max = read("max", 300);
      const periodSecs = read("period", 60);
      for (const item of [min, max, periodSecs]) if (typeof item === "string") return fail(item);
      if (!((periodSecs as number) > 0)) return fail("has a period that is not above 0");
      return { ok: true, spec: { kind, min: min as number, max: max as number, periodSecs: periodSecs as number } };
    }
    default:
      return fail(`has an unknown kind "${kind}"`);
  }
}

/** The value of a time-only spec at `nowMs`; `originMs` is when a script's first value begins. */
export function scriptedValueAt(
  spec: Extract<SimulatedSpec, { kind: "script" | "constant" | "sine" }>,
  nowMs: number,
  originMs: number,
): number {
  switch (spec.kind) {
    case "constant":
      return spec.value;
    case "script": {
      const index = Math.floor(Math.max(0, nowMs - originMs) / (spec.stepSecs * 1000)) % spec.values.length;
      return spec.values[index]!;
    }
    case "sine": {
      const phase = (((nowMs - originMs) / 1000) % spec.periodSecs) / spec.periodSecs;
      return spec.min + ((spec.max - spec.min) * (1 + Math.sin(2 * Math.PI * phase))) / 2;
    }
  }
}

/**
 * Values for many queries: parses each query once, keeps each random walk's position per query (two rules on
 * the same query see the same metric).
 */
export class SimulatedValues {
  private readonly specs = new Map<string, ParseResult>();
  private readonly walks = new Map<string, number>();

  constructor(
    private readonly random: RandomSource,
    private readonly originMs: number,
    /** The spec used for a query that is not a spec itself (the HTTP simulator's plain targets). */
    private readonly fallback?: SimulatedSpec,
  ) {}

  /** The next value of `query` at `nowMs`; throws with the parse error when the query is not a spec. */
  valueOf(query: string, nowMs: number): number {
    let parsed = this.specs.get(query);
    if (!parsed) {
      parsed = parseSimulatedQuery(query);
      if (!parsed.ok && this.fallback) parsed = { ok: true, spec: this.fallback };
      this.specs.set(query, parsed);
    }
    if (!parsed.ok) throw new Error(parsed.error);
    const spec = parsed.spec;
    if (spec.kind !== "random-walk") return scriptedValueAt(spec, nowMs, this.originMs);
    const previous = this.walks.get(query);
    const next =
      previous === undefined
        ? spec.start
        : Math.min(spec.max, Math.max(spec.min, previous + spec.step * this.random.normal()));
    this.walks.set(query, next);
    return next;
  }
}
