/**
 * The alert rule: what to query, from which source, how often, and the two thresholds. The zod schema here is
 * the one boundary every rule crosses (console form, tRPC, /alerts import), so its messages are written for
 * people: they name the field and say what to do.
 */
import { z } from "zod";
import type { AlertState } from "@/server/core/events";
import { parseSimulatedQuery } from "./simulated-values";
import { RULE_UNITS, type RuleUnit } from "./units";

export type { AlertState };

export const SOURCE_KINDS = ["alerts-server", "dbsim", "simulated"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export type RuleOrigin = "console" | "alerts-server";

export type Threshold = { value: number; message: string };

export type AlertRule = {
  id: string;
  name: string;
  origin: RuleOrigin;
  sourceKind: SourceKind;
  query: string;
  /** What the value is measured in (charts and facts show it; evaluation ignores it). */
  unit: RuleUnit;
  intervalSecs: number;
  repeatIntervalSecs: number;
  /** Prometheus's `for`: how long a value must stay above warn before WARN or CRITICAL fires (0: at once). */
  forSecs: number;
  /** Prometheus's `keep_firing_for`: how long a value must stay in PASS before a firing alert resolves (0: at once). */
  keepFiringForSecs: number;
  warn: Threshold;
  critical: Threshold;
  serviceId: string | null;
  subscriberUserIds: string[];
  enabled: boolean;
  updatedAtMs: number;
};

export const DEFAULT_REPEAT_INTERVAL_SECS = 300;
/** Console rules may run faster than the original's whole seconds (tests, demos), never faster than this. */
export const MIN_INTERVAL_SECS = 0.1;

/**
 * Each field's name as the console's form labels it; the schema's messages use these, so a message shown next to
 * its field reads as the form does, and an API client still gets the dotted path in front (server/core/validation.ts).
 */
export const RULE_FIELD_LABELS = {
  name: "Name",
  sourceKind: "Source",
  query: "Query",
  unit: "Unit",
  intervalSecs: "Interval (seconds)",
  repeatIntervalSecs: "Repeat interval (seconds)",
  forSecs: "Pending for (seconds)",
  keepFiringForSecs: "Keep firing for (seconds)",
  "warn.value": "Warn above",
  "warn.message": "Warn message",
  "critical.value": "Critical above",
  "critical.message": "Critical message",
  serviceId: "Monitored service",
  subscriberUserIds: "Subscribers",
  enabled: "Enabled",
} as const;
export type RuleField = keyof typeof RULE_FIELD_LABELS;
const label = RULE_FIELD_LABELS;

const thresholdSchema = (level: "warn" | "critical") =>
  z.object({
    value: z
      .number({ message: `${label[`${level}.value`]} must be a number` })
      .refine(Number.isFinite, `${label[`${level}.value`]} must be a finite number`),
    message: z
      .string()
      .trim()
      .min(1, `${label[`${level}.message`]} is empty: write what the people notified should read`)
      .max(500, `${label[`${level}.message`]} is longer than 500 characters`),
  });

/** `for` and `keep firing for`: 0 (the contract's behaviour) up to a day. */
const holdSchema = (field: "forSecs" | "keepFiringForSecs") =>
  z
    .number({ message: `${label[field]} must be a number of seconds` })
    .min(0, `${label[field]} must be 0 or more (0: at once)`)
    .max(86_400, `${label[field]} must be at most one day (86400)`)
    .default(0);

const ruleFields = z.object({
  name: z
    .string()
    .trim()
    .min(1, `${label.name} is empty: give the rule a unique name`)
    .max(120, `${label.name} is longer than 120 characters`),
  sourceKind: z.enum(SOURCE_KINDS, { message: `${label.sourceKind} must be alerts-server, dbsim or simulated` }),
  query: z
    .string()
    .trim()
    .min(1, `${label.query} is empty: say what to measure`)
    .max(500, `${label.query} is longer than 500 characters`),
  unit: z
    .enum(RULE_UNITS, { message: `${label.unit} must be one of: none (""), ${RULE_UNITS.slice(1).join(", ")}` })
    .default(""),
  intervalSecs: z
    .number({ message: `${label.intervalSecs} must be a number of seconds` })
    .min(
      MIN_INTERVAL_SECS,
      `${label.intervalSecs} must be at least ${MIN_INTERVAL_SECS} (0 would evaluate without pause)`,
    )
    .max(86_400, `${label.intervalSecs} must be at most one day (86400)`),
  repeatIntervalSecs: z
    .number({ message: `${label.repeatIntervalSecs} must be a number of seconds` })
    .min(1, `${label.repeatIntervalSecs} must be at least 1`)
    .max(7 * 86_400, `${label.repeatIntervalSecs} must be at most a week (604800)`)
    .default(DEFAULT_REPEAT_INTERVAL_SECS),
  forSecs: holdSchema("forSecs"),
  keepFiringForSecs: holdSchema("keepFiringForSecs"),
  warn: thresholdSchema("warn"),
  critical: thresholdSchema("critical"),
  serviceId: z.string().trim().min(1).max(100).nullable().default(null),
  subscriberUserIds: z
    .array(z.string().min(1).max(100))
    .max(200, `${label.subscriberUserIds}: at most 200 a rule`)
    .default([]),
  enabled: z.boolean().default(true),
});

/** Checks that hold across fields: thresholds in order, a query the chosen source understands. */
function checkRule(rule: z.infer<typeof ruleFields>, context: z.RefinementCtx): void {
  if (rule.warn.value > rule.critical.value) {
    context.addIssue({
      code: "custom",
      path: ["warn", "value"],
      message: `${label["warn.value"]} (${rule.warn.value}) must not exceed ${label["critical.value"]} (${rule.critical.value}): lower the warning threshold or raise the critical one`,
    });
  }
  if (rule.sourceKind === "simulated") {
    const parsed = parseSimulatedQuery(rule.query);
    if (!parsed.ok) context.addIssue({ code: "custom", path: ["query"], message: parsed.error });
  }
  if (rule.sourceKind === "dbsim" && !/^dbsim\.[a-z]+\.[a-z0-9]+$/.test(rule.query)) {
    context.addIssue({
      code: "custom",
      path: ["query"],
      message: `${label.query} "${rule.query}" is not a simulated-database metric: use a name like dbsim.cpu.max, dbsim.io.avg or dbsim.memory.min`,
    });
  }
}

export const ruleInputSchema = ruleFields.superRefine(checkRule);
export type RuleInput = z.input<typeof ruleInputSchema>;
export type ValidRuleInput = z.output<typeof ruleInputSchema>;

/** The message to send when entering `state` (PASS has none: it is a resolve). */
export function messageFor(rule: Pick<AlertRule, "warn" | "critical">, state: Exclude<AlertState, "PASS">): string {
  return state === "CRITICAL" ? rule.critical.message : rule.warn.message;
}
