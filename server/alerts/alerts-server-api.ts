/**
 * The alerts-server's wire format (contract: the shared contracts/alert-engine.md) and its parsing. /alerts
 * is parsed item by item, so one malformed alert is reported (by name when it has one) while the others load.
 */
import { z } from "zod";
import { describeZodError } from "@/server/core/validation";
import { DEFAULT_REPEAT_INTERVAL_SECS, ruleInputSchema, type ValidRuleInput } from "./rule";

const thresholdSchema = z.looseObject({ value: z.number(), message: z.string() });

/**
 * One alert as the server sends it; unknown fields are accepted and ignored. A newer server's `sustainSecs` (how
 * long a value must hold before the alert fires; 0 on the contract's servers) becomes the rule's `for`.
 */
export const serverAlertSchema = z.looseObject({
  name: z.string().min(1),
  query: z.string().min(1),
  intervalSecs: z.number(),
  repeatIntervalSecs: z.number().nullish(),
  sustainSecs: z.number().nullish(),
  warn: thresholdSchema,
  critical: thresholdSchema,
});
export type ServerAlert = z.infer<typeof serverAlertSchema>;

/** An alert as the alerts-server API defines it: what the simulator serves and what the validator checks against. */
export type AlertDefinition = {
  name: string;
  query: string;
  intervalSecs: number;
  repeatIntervalSecs?: number;
  warn: { value: number; message: string };
  critical: { value: number; message: string };
};

export const queryResponseSchema = z.looseObject({ value: z.number({ message: "value is not a number" }) });

export type ParsedAlerts = {
  rules: ValidRuleInput[];
  rejected: Array<{ name: string | null; reason: string; raw: string }>;
};

/** Turns a /alerts body into rule inputs for source "alerts-server"; bad items come back in `rejected`. */
export function parseServerAlerts(body: unknown): ParsedAlerts {
  if (!Array.isArray(body)) {
    return {
      rules: [],
      rejected: [
        {
          name: null,
          reason: "GET /alerts did not return a JSON array",
          raw: JSON.stringify(body)?.slice(0, 10_000) ?? String(body),
        },
      ],
    };
  }
  const result: ParsedAlerts = { rules: [], rejected: [] };
  const seen = new Set<string>();
  for (const item of body) {
    const raw = JSON.stringify(item) ?? String(item);
    const name =
      typeof item === "object" && item !== null && typeof (item as { name?: unknown }).name === "string"
        ? (item as { name: string }).name
        : null;
    const wire = serverAlertSchema.safeParse(item);
    if (!wire.success) {
      result.rejected.push({ name, reason: describeZodError(wire.error), raw });
      continue;
    }
    const alert = wire.data;
    if (seen.has(alert.name)) {
      result.rejected.push({ name, reason: `alert "${alert.name}" appears more than once; the first is used`, raw });
      continue;
    }
    const rule = ruleInputSchema.safeParse({
      name: alert.name,
      sourceKind: "alerts-server",
      query: alert.query,
      intervalSecs: alert.intervalSecs,
      // The statement: missing or 0 means the default of 5 minutes.
      repeatIntervalSecs: alert.repeatIntervalSecs ? alert.repeatIntervalSecs : DEFAULT_REPEAT_INTERVAL_SECS,
      forSecs: alert.sustainSecs ?? 0,
      warn: { value: alert.warn.value, message: alert.warn.message },
      critical: { value: alert.critical.value, message: alert.critical.message },
    });
    if (!rule.success) {
      result.rejected.push({ name, reason: describeZodError(rule.error), raw });
      continue;
    }
    seen.add(alert.name);
    result.rules.push(rule.data);
  }
  return result;
}
