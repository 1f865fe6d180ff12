import { Badge } from "@/app/_components/ui";

export type AlertStateName = "PASS" | "WARN" | "CRITICAL";

export function AlertStateBadge({ state }: { state: AlertStateName }) {
  const tone = state === "CRITICAL" ? "bad" : state === "WARN" ? "warn" : "good";
  return <Badge tone={tone}>{state}</Badge>;
}

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? value.toLocaleString() : value.toFixed(2);
}

export const SOURCE_LABELS: Record<"alerts-server" | "dbsim" | "simulated", string> = {
  "alerts-server": "alerts-server",
  dbsim: "simulated database",
  simulated: "simulated",
};
