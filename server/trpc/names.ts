/**
 * Names for the ids an answer carries, resolved in the tRPC layer because only it sees every area's console:
 * rules through the alerts console, monitored services through the pager console, people through the auth
 * console. Every lookup is bounded (MAX_NAMED_IDS ids) and a miss is a reference with `name: null`, shown
 * "(deleted)".
 */
import type { AlertsConsole } from "@/server/alerts/console";
import type { AuthConsole } from "@/server/auth/console";
import { idsToResolve, type NamedRef, type PersonRef } from "@/server/core/names";

export type { NamedRef, PersonRef };

/** A rule reference for each `rule_…` id among `ids` (name null when the rule was deleted); other ids get null. */
export function ruleNamer(alerts: Pick<AlertsConsole, "ruleNames">, ids: Iterable<string>) {
  const wanted = idsToResolve(ids, "rule");
  const names = wanted.length ? alerts.ruleNames(wanted) : new Map<string, string>();
  const looked = new Set(wanted);
  return (id: string): NamedRef | null => (looked.has(id) ? { id, name: names.get(id) ?? null } : null);
}

/** The alarms with `rule` set: which rule an AlarmID is, when it is one (the alert engine's AlarmIDs are rule ids). */
export function withRuleNames<Alarm extends { alarmId: string }>(
  alarms: Alarm[],
  rule: (id: string) => NamedRef | null,
): (Alarm & { rule: NamedRef | null })[] {
  return alarms.map((alarm) => ({ ...alarm, rule: rule(alarm.alarmId) }));
}

/** One reference per id, in order: people the directory no longer knows come back with name null. */
export function peopleInOrder(ids: readonly string[], known: Map<string, PersonRef>): PersonRef[] {
  return ids.map((id) => known.get(id) ?? { id, name: null, email: null });
}

/** The people among recorded actors (e-mails; system actors are left out), keyed by the recorded value. */
export function peopleOf(
  auth: Pick<AuthConsole, "describeActors">,
  actors: Iterable<string | null | undefined>,
): Record<string, PersonRef> {
  const recorded = [...actors].filter((actor): actor is string => typeof actor === "string");
  return Object.fromEntries(auth.describeActors(recorded));
}
