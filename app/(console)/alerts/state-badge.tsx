import { Badge } from "@/app/_components/ui";

export type AlertStateName = "PASS" | "WARN" | "CRITICAL";

/** A rule's state; a rule that has never been evaluated has none yet, whatever its stored default says. */
export function AlertStateBadge({ state, evaluated = true }: { state: AlertStateName; evaluated?: boolean }) {
  if (!evaluated) return <Badge tone="neutral">not evaluated yet</Badge>;
  const tone = state === "CRITICAL" ? "bad" : state === "WARN" ? "warn" : "good";
  return <Badge tone={tone}>{state}</Badge>;
}

export const SOURCE_LABELS: Record<"alerts-server" | "dbsim" | "simulated", string> = {
  "alerts-server": "alerts-server",
  dbsim: "simulated database",
  simulated: "simulated",
};
