/**
 * The digest rules, as pure functions. Per user and alarm the latest status wins by exact ChangedAt; a CLEARED
 * is kept (a tombstone) so that an older WARNING arriving late is rejected; equal instants are broken
 * deterministically; a digest lists the active alarms oldest first and leaves out those sent before unchanged.
 */
export const ALARM_STATUSES = ["CLEARED", "WARNING", "CRITICAL"] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

/**
 * Tie-break for two reports of one alarm at the same nanosecond: the more severe status wins. Severity first
 * because losing an active alarm is worse than a spurious one; the original string last, so that two
 * spellings of one instant (`Z` and `+00:00`) still give every replica the same answer.
 */
export const STATUS_RANK: Record<AlarmStatus, number> = { CLEARED: 0, WARNING: 1, CRITICAL: 2 };

export function isActive(status: AlarmStatus): boolean {
  return status !== "CLEARED";
}

/** One parsed AlarmStatusChanged. */
export type AlarmStatusChange = {
  userId: string;
  alarmId: string;
  status: AlarmStatus;
  /** The producer's string, echoed back as LatestChangedAt. */
  changedAt: string;
  changedAtNanos: bigint;
  /** nanosToSortKey(changedAtNanos) when the parser already has it (saves a BigInt round trip per message). */
  changedAtKey?: string;
};

/** What a user was last sent for an alarm. */
export type SentMarker = { status: AlarmStatus; changedAtNanos: bigint };

/** The stored latest state of one alarm for one user. */
export type AlarmState = AlarmStatusChange & { lastSent: SentMarker | null };

type Comparable = { status: AlarmStatus; changedAt: string; changedAtNanos: bigint };

/** Total order of reports of one alarm: by instant, then severity, then the original string. */
export function compareReports(a: Comparable, b: Comparable): number {
  if (a.changedAtNanos !== b.changedAtNanos) return a.changedAtNanos < b.changedAtNanos ? -1 : 1;
  if (a.status !== b.status) return STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (a.changedAt !== b.changedAt) return a.changedAt < b.changedAt ? -1 : 1;
  return 0;
}

/** True when `candidate` must replace `current` (a late or duplicate report never does). */
export function supersedes(candidate: Comparable, current: Comparable | null | undefined): boolean {
  return !current || compareReports(candidate, current) > 0;
}

/** An alarm as it appears in an AlarmDigest. */
export type DigestAlarm = { alarmId: string; status: AlarmStatus; changedAt: string; changedAtNanos: bigint };

/** True when the user already got this exact report (same status, same instant) in an earlier digest. */
export function alreadySent(state: Pick<AlarmState, "status" | "changedAtNanos" | "lastSent">): boolean {
  return (
    state.lastSent !== null &&
    state.lastSent.status === state.status &&
    state.lastSent.changedAtNanos === state.changedAtNanos
  );
}

/**
 * The alarms of a digest: active, not sent before unchanged, oldest first (ties by alarm id, so every replica
 * orders alike). A report newer than the one last sent counts as a change even when the status reads the same:
 * the CLEARED in between may have arrived late or after the digest.
 */
export function selectDigestAlarms(states: Iterable<AlarmState>): DigestAlarm[] {
  const selected: DigestAlarm[] = [];
  for (const state of states) {
    if (!isActive(state.status) || alreadySent(state)) continue;
    selected.push({
      alarmId: state.alarmId,
      status: state.status,
      changedAt: state.changedAt,
      changedAtNanos: state.changedAtNanos,
    });
  }
  return selected.sort(oldestFirst);
}

/** The order of a digest and of the console's alarm lists: oldest first, ties by alarm id (code units). */
export function oldestFirst(
  a: { alarmId: string; changedAtNanos: bigint },
  b: { alarmId: string; changedAtNanos: bigint },
): number {
  if (a.changedAtNanos !== b.changedAtNanos) return a.changedAtNanos < b.changedAtNanos ? -1 : 1;
  return a.alarmId < b.alarmId ? -1 : a.alarmId > b.alarmId ? 1 : 0;
}

/** The marker to keep after sending `alarm`: never moves backwards (a redelivered old digest cannot lower it). */
export function nextSentMarker(current: SentMarker | null, alarm: DigestAlarm): SentMarker {
  if (
    current &&
    (current.changedAtNanos > alarm.changedAtNanos ||
      (current.changedAtNanos === alarm.changedAtNanos && STATUS_RANK[current.status] > STATUS_RANK[alarm.status]))
  )
    return current;
  return { status: alarm.status, changedAtNanos: alarm.changedAtNanos };
}
