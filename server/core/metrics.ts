/**
 * A named-metric reader: how one engine offers its latest figures to another without an import between them.
 * The scheduling engine offers the simulated database's per-second resources (`dbsim.cpu.max`, `dbsim.io.avg`,
 * …); the alert engine reads them as a query source. Wiring happens in server/jobs/runtime.ts.
 */
export interface MetricReader {
  /** The latest value, or undefined when the metric is unknown or has no sample yet. */
  read(name: string): number | undefined;
  /** The names this reader knows, for the console's pickers. */
  names(): string[];
}
