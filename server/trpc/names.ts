/**
 * Names for the ids an answer carries, resolved in the tRPC layer because only it sees every area's console:
 * rules through the alerts console, monitored services through the pager console, people through the user
 * directory (the people port, reached through the digests console). Every lookup is bounded (MAX_NAMED_IDS
 * ids, MAX_SERVICE_PAGES pages of services) and a miss is a reference with `name: null`, shown "(deleted)".
 */
import type { AlertsConsole } from "@/server/alerts/console";
import { idsToResolve, MAX_NAMED_IDS, type NamedRef, type PersonRef } from "@/server/core/names";
import type { PagerConsole } from "@/server/pager/console";

export type { NamedRef, PersonRef };

/** The pager console lists services by page only: read at most this many pages of SERVICE_PAGE_SIZE. */
export const MAX_SERVICE_PAGES = 10;
export const SERVICE_PAGE_SIZE = 200;

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

/**
 * Service references for these ids (ids known to be service ids: a rule's monitored service), reading the
 * pager's service list page by page until all are found.
 */
export function serviceRefs(pager: Pick<PagerConsole, "listServices">, ids: Iterable<string>): Map<string, NamedRef> {
  const missing = new Set([...new Set(ids)].slice(0, MAX_NAMED_IDS));
  const refs = new Map<string, NamedRef>();
  for (let page = 1; missing.size > 0 && page <= MAX_SERVICE_PAGES; page++) {
    const services = pager.listServices({ page, pageSize: SERVICE_PAGE_SIZE }, "viewer");
    for (const service of services.items) {
      if (!missing.delete(service.id)) continue;
      refs.set(service.id, { id: service.id, name: service.name });
    }
    if (page * SERVICE_PAGE_SIZE >= services.total) break;
  }
  for (const id of missing) refs.set(id, { id, name: null });
  return refs;
}

/** One reference per id, in order: people the directory no longer knows come back with name null. */
export function peopleInOrder(ids: readonly string[], known: Map<string, PersonRef>): PersonRef[] {
  return ids.map((id) => known.get(id) ?? { id, name: null, email: null });
}
