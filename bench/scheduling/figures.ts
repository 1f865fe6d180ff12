/**
 * The scheduling benches' figures from what the database reported: the share of seconds inside the band (per
 * resource and all three), the mean (max − min) / avg over the seconds with load, idle seconds, and the added
 * latency of the executed queries. One copy, used by the simulated bench (index.ts) and the live one
 * (../scheduling-live).
 */
import { percentile } from "@/server/core/percentile";
import { inBand } from "@/server/scheduling/band";
import type { WindowObservation } from "@/server/scheduling/estimation/types";

type ResourceName = "cpu" | "io" | "memory";

export type SecondsFigures = {
  seconds: number;
  band: { cpu: number; io: number; memory: number; all: number };
  spread: { cpu: number; io: number; memory: number; all: number };
  latencyTicks: { p50: number; p95: number; max: number };
  idleSeconds: number;
};

export function secondsFigures(
  windows: readonly Pick<WindowObservation, ResourceName>[],
  addedDelays: readonly number[],
): SecondsFigures {
  const counted = windows.length;
  const share = (pick: (window: Pick<WindowObservation, ResourceName>) => boolean) =>
    windows.filter(pick).length / Math.max(1, counted);
  const spreadOf = (resource: ResourceName) => {
    const loaded = windows.filter((w) => w[resource].average > 0);
    return (
      loaded.reduce((sum, w) => sum + (w[resource].max - w[resource].min) / w[resource].average, 0) /
      Math.max(1, loaded.length)
    );
  };
  const spread = { cpu: spreadOf("cpu"), io: spreadOf("io"), memory: spreadOf("memory"), all: 0 };
  spread.all = (spread.cpu + spread.io + spread.memory) / 3;
  const latencies = [...addedDelays].sort((a, b) => a - b);
  return {
    seconds: counted,
    band: {
      cpu: share((w) => inBand(w.cpu)),
      io: share((w) => inBand(w.io)),
      memory: share((w) => inBand(w.memory)),
      all: share((w) => inBand(w.cpu) && inBand(w.io) && inBand(w.memory)),
    },
    spread,
    latencyTicks: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: latencies.at(-1) ?? 0 },
    idleSeconds: windows.filter((w) => w.cpu.max === 0 && w.io.max === 0 && w.memory.max === 0).length,
  };
}
