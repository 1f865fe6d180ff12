/**
 * How an answer names what an id points at (a person, a monitored service, a rule), so that pages show names
 * and link them instead of showing ids. `name` is null when the id no longer resolves: the page shows the id
 * with "(deleted)". Ids of another kind (an AlarmID from an outside producer, a UserID that was never a console
 * user) get no reference at all and are shown as they are.
 */
import type { PeopleDirectory } from "./people";

export type NamedRef = { id: string; name: string | null };
export type PersonRef = NamedRef & { email: string | null };

/** The most distinct ids one answer resolves: whatever a page holds, its name lookups stay bounded. */
export const MAX_NAMED_IDS = 500;

/** Whether `id` is one of ours of that kind (`rule_…`, `usr_…`, `svc_…`): only those can be "deleted". */
export function hasIdPrefix(id: string, prefix: string): boolean {
  return id.startsWith(`${prefix}_`);
}

/** The distinct ids of that kind among `ids`, at most MAX_NAMED_IDS of them, in first-seen order. */
export function idsToResolve(ids: Iterable<string>, prefix: string): string[] {
  const wanted = new Set<string>();
  for (const id of ids) {
    if (wanted.size >= MAX_NAMED_IDS) break;
    if (hasIdPrefix(id, prefix)) wanted.add(id);
  }
  return [...wanted];
}

/**
 * People references for these user ids, in one read of the directory (at most MAX_NAMED_IDS distinct ids): a `usr_…`
 * id the directory no longer knows is a deleted person (name null); other ids are left out.
 */
export function describePeople(people: PeopleDirectory, ids: readonly string[]): Map<string, PersonRef> {
  const wanted = [...new Set(ids)].slice(0, MAX_NAMED_IDS);
  const found = wanted.length ? people.describe(wanted) : new Map<string, { name: string; email: string }>();
  const refs = new Map<string, PersonRef>();
  for (const id of wanted) {
    const person = found.get(id);
    if (person) refs.set(id, { id, name: person.name, email: person.email });
    else if (hasIdPrefix(id, "usr")) refs.set(id, { id, name: null, email: null });
  }
  return refs;
}

/** What describePeopleByEmail needs of the user directory. */
export interface PeopleByEmail {
  describeByEmail(emails: readonly string[]): Map<string, { id: string; name: string }>;
}

/**
 * People references for recorded actors (server/core/audit.ts's describeActor: a person's e-mail, or
 * `system:<name>`), keyed by the recorded value, in one bounded read. System actors and e-mails of nobody the
 * directory knows (any more) are left out: the page shows them as recorded.
 */
export function describePeopleByEmail(people: PeopleByEmail, actors: Iterable<string>): Map<string, PersonRef> {
  const wanted = new Set<string>();
  for (const actor of actors) {
    if (wanted.size >= MAX_NAMED_IDS) break;
    if (actor.includes("@") && !actor.startsWith("system:")) wanted.add(actor);
  }
  const found = wanted.size ? people.describeByEmail([...wanted]) : new Map<string, { id: string; name: string }>();
  const refs = new Map<string, PersonRef>();
  for (const email of wanted) {
    const person = found.get(email.toLowerCase());
    if (person) refs.set(email, { id: person.id, name: person.name, email });
  }
  return refs;
}
