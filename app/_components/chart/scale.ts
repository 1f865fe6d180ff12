/**
 * What every chart's axes share: ticks on round numbers and clock-time labels in the viewer's zone. Pure, so
 * the scale is tested without a browser (scale.test.ts).
 */

const STEP_FACTORS = [1, 2, 2.5, 5, 10];

/**
 * Ticks on round steps (1, 2, 2.5 or 5 × a power of ten, times `base`) from at or below `minValue` (0 by default)
 * to at or above `maxValue`: 0, 50, 100, 150. `base` makes the steps round in another unit (1024 for KiB).
 */
export function niceTicks(maxValue: number, targetCount = 5, minValue = 0, base = 1): number[] {
  const low = Math.min(0, minValue) / base;
  const high = maxValue / base;
  if (!(high - low > 0)) return [low * base, (low + 1) * base];
  const rough = (high - low) / targetCount;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = (STEP_FACTORS.find((factor) => factor * magnitude >= rough) ?? 10) * magnitude;
  const first = Math.floor(low / step + 1e-9);
  const last = Math.ceil(high / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, index) => Number(((first + index) * step * base).toFixed(10)));
}

/** The viewer's local clock time; seconds only where the chart spans a few minutes. */
export function formatClock(at: number, withSeconds = true): string {
  return new Date(at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    ...(withSeconds ? { second: "2-digit" } : {}),
  });
}
