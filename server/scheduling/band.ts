/**
 * The contract's band, shared by the scheduler (live status), the read model (charts, figures) and the bench:
 * a second is inside when its min and max are both within ±10% of its average; an idle second (average 0)
 * counts as outside.
 */
export type SecondStatistics = { average: number; min: number; max: number };

export function inBand(statistics: SecondStatistics, tolerance = 0.1): boolean {
  const { average, min, max } = statistics;
  return average > 0 && max <= average * (1 + tolerance) && min >= average * (1 - tolerance);
}
