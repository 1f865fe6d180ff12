/**
 * The soak's own model of the alarm digest contract (contracts/alarm-digest.md), written apart from the
 * product's code on purpose: it judges it. It knows every AlarmStatusChanged the soak published and every digest
 * already received, so for a user whose reports have all been applied it says exactly what the next digest
 * must hold: the latest report of each alarm, active ones only, oldest first, minus those already sent with the
 * same status and ChangedAt.
 */

export type AlarmStatus = "CLEARED" | "WARNING" | "CRITICAL";

export type StatusReport = {
  AlarmID: string;
  UserID: string;
  Status: AlarmStatus;
  ChangedAt: string;
  /** The report's instant in nanoseconds since the epoch (what ChangedAt says, exactly). */
  nanos: bigint;
};

export type ReceivedDigest = {
  UserID: string;
  ActiveAlarms: { AlarmID: string; Status: string; LatestChangedAt: string }[];
};

type Latest = { status: AlarmStatus; nanos: bigint; text: string };

const SEVERITY: Record<AlarmStatus, number> = { CLEARED: 0, WARNING: 1, CRITICAL: 2 };

/** Newer wins; an exact tie goes to the more severe status, then the original string (the contract's rule). */
function newer(candidate: Latest, current: Latest | undefined): boolean {
  if (!current) return true;
  if (candidate.nanos !== current.nanos) return candidate.nanos > current.nanos;
  if (candidate.status !== current.status) return SEVERITY[candidate.status] > SEVERITY[current.status];
  return candidate.text > current.text;
}

/** RFC 3339 of an instant given in nanoseconds, at an offset in minutes, with the fraction's trailing zeros dropped (as Go prints it). */
export function formatChangedAt(nanos: bigint, offsetMinutes: number): string {
  const millis = Number(nanos / 1_000_000n);
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  const local = new Date(millis + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const magnitude = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0
      ? "Z"
      : `${sign}${String(Math.floor(magnitude / 60)).padStart(2, "0")}:${String(magnitude % 60).padStart(2, "0")}`;
  return `${local}${fraction ? `.${fraction}` : ""}${zone}`;
}

export class DigestModel {
  private readonly latest = new Map<string, Latest>();
  private readonly sent = new Map<string, { status: string; text: string }>();

  private static key(userId: string, alarmId: string): string {
    return `${userId}\u0000${alarmId}`;
  }

  record(report: StatusReport): void {
    const key = DigestModel.key(report.UserID, report.AlarmID);
    const candidate = { status: report.Status, nanos: report.nanos, text: report.ChangedAt };
    if (newer(candidate, this.latest.get(key))) this.latest.set(key, candidate);
  }

  /** What the next digest of this user must list, in order. */
  expected(userId: string): { AlarmID: string; Status: AlarmStatus; LatestChangedAt: string }[] {
    const rows: { AlarmID: string; Status: AlarmStatus; LatestChangedAt: string; nanos: bigint }[] = [];
    const prefix = `${userId}\u0000`;
    for (const [key, latest] of this.latest) {
      if (!key.startsWith(prefix) || latest.status === "CLEARED") continue;
      const sent = this.sent.get(key);
      if (sent && sent.status === latest.status && sent.text === latest.text) continue;
      rows.push({
        AlarmID: key.slice(prefix.length),
        Status: latest.status,
        LatestChangedAt: latest.text,
        nanos: latest.nanos,
      });
    }
    rows.sort((a, b) => (a.nanos === b.nanos ? (a.AlarmID < b.AlarmID ? -1 : 1) : a.nanos < b.nanos ? -1 : 1));
    return rows.map(({ AlarmID, Status, LatestChangedAt }) => ({ AlarmID, Status, LatestChangedAt }));
  }

  /**
   * Compares a digest with what it must hold and returns each problem in words (none: it is right). Then takes
   * the digest as sent, whatever its faults, so one wrong digest is not counted again in the next.
   */
  check(digest: ReceivedDigest): string[] {
    const problems: string[] = [];
    const expected = this.expected(digest.UserID);
    const expectedIds = new Map(expected.map((alarm) => [alarm.AlarmID, alarm]));
    const seen = new Set<string>();
    for (const alarm of digest.ActiveAlarms) {
      const key = DigestModel.key(digest.UserID, alarm.AlarmID);
      if (seen.has(alarm.AlarmID)) problems.push(`${alarm.AlarmID} listed twice`);
      seen.add(alarm.AlarmID);
      const latest = this.latest.get(key);
      if (!latest) problems.push(`${alarm.AlarmID} was never reported for ${digest.UserID}`);
      else if (latest.status === "CLEARED")
        problems.push(
          `${alarm.AlarmID} included although cleared at ${latest.text} (listed ${alarm.Status} at ${alarm.LatestChangedAt})`,
        );
      else if (latest.text !== alarm.LatestChangedAt || latest.status !== alarm.Status)
        problems.push(
          `${alarm.AlarmID} listed as ${alarm.Status} at ${alarm.LatestChangedAt}, but its latest report is ${latest.status} at ${latest.text}`,
        );
      else if (!expectedIds.has(alarm.AlarmID))
        problems.push(`${alarm.AlarmID} sent again unchanged (${alarm.Status} at ${alarm.LatestChangedAt})`);
    }
    for (const alarm of expected)
      if (!seen.has(alarm.AlarmID))
        problems.push(`active ${alarm.AlarmID} (${alarm.Status} at ${alarm.LatestChangedAt}) missing`);
    const order = digest.ActiveAlarms.map((alarm) => alarm.AlarmID).filter((id) => expectedIds.has(id));
    const expectedOrder = expected.map((alarm) => alarm.AlarmID).filter((id) => seen.has(id));
    if (order.join() !== expectedOrder.join()) problems.push(`alarms out of order: ${order.join(", ")}`);
    for (const alarm of digest.ActiveAlarms)
      this.sent.set(DigestModel.key(digest.UserID, alarm.AlarmID), {
        status: alarm.Status,
        text: alarm.LatestChangedAt,
      });
    return problems;
  }
}
