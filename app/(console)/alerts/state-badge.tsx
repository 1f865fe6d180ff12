import { Badge } from "@/app/_components/ui";

export type AlertStateName = "PASS" | "WARN" | "CRITICAL";

/**
 * A rule's state; a rule that has never been evaluated has none yet, whatever its stored default says. PENDING:
 * it passes, but a value above warn is waiting out the rule's `for` (toward `pending`); a firing rule whose value
 * is back in PASS but waits out `keep firing for` says "resolving".
 */
export function AlertStateBadge({
  state,
  evaluated = true,
  pending = null,
  recovering = false,
}: {
  state: AlertStateName;
  evaluated?: boolean;
  pending?: Exclude<AlertStateName, "PASS"> | null;
  recovering?: boolean;
}) {
  if (!evaluated) return <Badge tone="neutral">not evaluated yet</Badge>;
  if (state === "PASS" && pending)
    return (
      <Badge
        tone="neutral"
        title={`Above the ${pending === "CRITICAL" ? "critical" : "warn"} threshold, waiting out the rule's "pending for" before it fires`}
      >
        PENDING → {pending}
      </Badge>
    );
  const tone = state === "CRITICAL" ? "bad" : state === "WARN" ? "warn" : "good";
  return (
    <Badge
      tone={tone}
      title={recovering ? `Back in PASS, waiting out the rule's "keep firing for" before it resolves` : undefined}
    >
      {state}
      {recovering ? " (resolving)" : null}
    </Badge>
  );
}

export const SOURCE_LABELS: Record<"alerts-server" | "dbsim" | "simulated", string> = {
  "alerts-server": "alerts-server",
  dbsim: "simulated database",
  simulated: "simulated",
};
