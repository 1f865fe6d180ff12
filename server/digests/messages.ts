/**
 * The wire format of the challenge's three subjects (their names, JSON bodies with Go field names) and its parsing. Parsing never
 * throws: a bad message becomes a reason that goes to the dead letters with the raw body.
 */
import { z } from "zod";
import { describeZodError } from "@/server/core/validation";
import { ALARM_STATUSES, type AlarmStatusChange, type DigestAlarm } from "./alarm-state";
import { InvalidTimestampError, parseChangedAt } from "./alarm-time";

const identifier = (field: string) =>
  z
    .string({ message: `${field} must be a string` })
    .min(1, `${field} must not be empty`)
    .max(200, `${field} is longer than 200 characters`);

export const alarmStatusChangedSchema = z.object({
  AlarmID: identifier("AlarmID"),
  UserID: identifier("UserID"),
  Status: z.enum(ALARM_STATUSES, { message: `Status must be one of ${ALARM_STATUSES.join(", ")}` }),
  ChangedAt: z.string({ message: "ChangedAt must be an RFC 3339 string" }),
});

export const sendAlarmDigestSchema = z.object({ UserID: identifier("UserID") });

export type AlarmStatusChangedMessage = z.input<typeof alarmStatusChangedSchema>;
export type SendAlarmDigestMessage = z.input<typeof sendAlarmDigestSchema>;

export type AlarmDigestMessage = {
  UserID: string;
  ActiveAlarms: { AlarmID: string; Status: "WARNING" | "CRITICAL"; LatestChangedAt: string }[];
};

/** The challenge's subject names; configurable so that test runs and several deployments never share subjects. */
export const DEFAULT_SUBJECTS = {
  statusChanged: "AlarmStatusChanged",
  digestRequest: "SendAlarmDigest",
  digest: "AlarmDigest",
} as const;
export type DigestSubjects = { statusChanged: string; digestRequest: string; digest: string };

/** The three subjects under a prefix (`X.AlarmStatusChanged`, …), so that test runs never share subjects. */
export function subjectsWithPrefix(prefix: string | undefined): DigestSubjects {
  if (!prefix) return { ...DEFAULT_SUBJECTS };
  return {
    statusChanged: `${prefix}.${DEFAULT_SUBJECTS.statusChanged}`,
    digestRequest: `${prefix}.${DEFAULT_SUBJECTS.digestRequest}`,
    digest: `${prefix}.${DEFAULT_SUBJECTS.digest}`,
  };
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseJson(raw: string): ParseResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, reason: `body is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function parseAlarmStatusChanged(raw: string): ParseResult<AlarmStatusChange> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  const parsed = alarmStatusChangedSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: describeZodError(parsed.error) };
  try {
    const instant = parseChangedAt(parsed.data.ChangedAt);
    return {
      ok: true,
      value: {
        userId: parsed.data.UserID,
        alarmId: parsed.data.AlarmID,
        status: parsed.data.Status,
        changedAt: instant.original,
        changedAtNanos: instant.nanos,
        changedAtKey: instant.sortKey,
      },
    };
  } catch (error) {
    if (error instanceof InvalidTimestampError) return { ok: false, reason: error.message };
    throw error;
  }
}

export function parseSendAlarmDigest(raw: string): ParseResult<{ userId: string }> {
  const json = parseJson(raw);
  if (!json.ok) return json;
  const parsed = sendAlarmDigestSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: describeZodError(parsed.error) };
  return { ok: true, value: { userId: parsed.data.UserID } };
}

export function toAlarmDigestMessage(userId: string, alarms: readonly DigestAlarm[]): AlarmDigestMessage {
  return {
    UserID: userId,
    ActiveAlarms: alarms.map((alarm) => ({
      AlarmID: alarm.alarmId,
      Status: alarm.status as "WARNING" | "CRITICAL",
      LatestChangedAt: alarm.changedAt,
    })),
  };
}
