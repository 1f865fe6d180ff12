/**
 * The pager's vocabulary: monitored services, escalation policies (levels of e-mail/SMS targets, a delay per
 * level, a repeat count), incidents and their escalation steps. Pure values and rules; no I/O.
 *
 * Naming: the exercise's "Acknowledgement Timeout" is the wait after a level was notified before escalating to
 * the next one (PagerDuty's escalation delay). Here it is `delayMinutes` of a level and the `acknowledgement
 * timer`; it has nothing to do with PagerDuty's own `acknowledgement_timeout` (re-trigger after an ack).
 */
import { z } from "zod";

export type Health = "healthy" | "unhealthy";
export type IncidentState = "open" | "acknowledged" | "resolved";
export type Channel = "email" | "sms";

export type Target = { channel: Channel; address: string };
export type PolicyLevel = { delayMinutes: number; targets: Target[] };

export const DEFAULT_LEVEL_DELAY_MINUTES = 15;
export const DEFAULT_REPEAT_COUNT = 0;

export type EscalationPolicy = {
  id: string;
  name: string;
  levels: PolicyLevel[];
  repeatCount: number;
  version: number;
};

/** What an incident keeps of its policy when it opens. */
export type PolicySnapshot = {
  policyId: string;
  name: string;
  version: number;
  levels: PolicyLevel[];
  repeatCount: number;
};

export type MonitoredService = {
  id: string;
  name: string;
  description: string;
  policyId: string;
  integrationKey: string;
  health: Health;
  healthChangedAtMs: number;
};

export type Incident = {
  id: string;
  serviceId: string;
  state: IncidentState;
  summary: string;
  dedupKey: string | null;
  policySnapshot: PolicySnapshot;
  escalationStep: number;
  alertCount: number;
  openedAtMs: number;
  lastAlertAtMs: number;
  acknowledgedAtMs: number | null;
  acknowledgedBy: string | null;
  resolvedAtMs: number | null;
  resolvedBy: string | null;
  resolution: "resolved" | "healthy" | null;
};

export type TimelineKind =
  "alert_received" | "level_notified" | "escalated" | "acknowledged" | "escalation_exhausted" | "resolved" | "healthy";

/** Step s runs level (s mod n) in round (s div n); the policy runs 1 + repeatCount rounds. */
export function stepPosition(snapshot: PolicySnapshot, step: number): { level: number; round: number } {
  const levelCount = snapshot.levels.length;
  return { level: step % levelCount, round: Math.floor(step / levelCount) };
}

export function lastStep(snapshot: PolicySnapshot): number {
  return snapshot.levels.length * (snapshot.repeatCount + 1) - 1;
}

/** The key a provider sees, so a retried or replayed delivery of the same page is recognised as one. */
export function idempotencyKeyFor(incidentId: string, level: number, round: number, target: Target): string {
  return `${incidentId}/level-${level + 1}/round-${round}/${target.channel}:${target.address}`;
}

// ---- Validation of what people type in the console (zod: the same schemas parse tRPC input). ----

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export const targetInput = z.discriminatedUnion("channel", [
  z.object({
    channel: z.literal("email"),
    address: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ message: "Enter a real e-mail address, such as oncall@example.com." })),
  }),
  z.object({
    channel: z.literal("sms"),
    address: z
      .string()
      .trim()
      .transform((value) => value.replace(/[\s().-]/g, ""))
      .pipe(
        z
          .string()
          .regex(
            E164_PATTERN,
            "Enter the phone number in E.164 form: + then country code and number, such as +14155550123.",
          ),
      ),
  }),
]);

export const levelInput = z.object({
  delayMinutes: z
    .number({ message: "Enter the delay in minutes." })
    .int("Use whole minutes.")
    .min(1, "The delay is at least 1 minute.")
    .max(24 * 60, "The delay is at most 1440 minutes (a day).")
    .default(DEFAULT_LEVEL_DELAY_MINUTES),
  targets: z.array(targetInput).min(1, "Each level needs at least one target.").max(20, "At most 20 targets a level."),
});

export const policyInput = z.object({
  name: z.string().trim().min(1, "Give the policy a name.").max(100, "Keep the name under 100 characters."),
  levels: z.array(levelInput).min(1, "A policy needs at least one level.").max(10, "At most 10 levels."),
  repeatCount: z
    .number()
    .int("Use a whole number of repeats.")
    .min(0, "Repeats cannot be negative.")
    .max(5, "At most 5 repeats (as Grafana OnCall).")
    .default(DEFAULT_REPEAT_COUNT),
});
export type PolicyInput = z.infer<typeof policyInput>;

export const serviceInput = z.object({
  name: z.string().trim().min(1, "Give the service a name.").max(100, "Keep the name under 100 characters."),
  description: z.string().trim().max(500, "Keep the description under 500 characters.").default(""),
  policyId: z.string().min(1, "Choose an escalation policy."),
});
export type ServiceInput = z.infer<typeof serviceInput>;
