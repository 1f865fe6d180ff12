import Link from "next/link";
import type { NamedRef, PersonRef } from "@/server/core/names";

const LINK = "text-sky-700 underline hover:no-underline dark:text-sky-400";

/**
 * Something the console knows by id, shown by its name and linked to its page; an id that no longer resolves
 * (`name: null`) is shown as the id with "(deleted)" and no link.
 */
export function EntityName({ entity, href, title }: { entity: NamedRef; href: string; title?: string }) {
  if (entity.name === null)
    return (
      <span className="text-slate-500 dark:text-slate-400">
        <code className="break-all text-xs">{entity.id}</code> (deleted)
      </span>
    );
  return (
    <Link href={href} title={title ?? entity.id} className={LINK}>
      {entity.name}
    </Link>
  );
}

/** A rule, linked to its page. */
export function RuleName({ rule }: { rule: NamedRef }) {
  return <EntityName entity={rule} href={`/alerts/${encodeURIComponent(rule.id)}`} />;
}

/** A monitored service, linked to the pager's services (there is no page per service). */
export function ServiceName({ service }: { service: NamedRef }) {
  return <EntityName entity={service} href="/pager" />;
}

/** A person, linked to the team on the admin page (there is no page per person), the e-mail in the tooltip. */
export function PersonName({ person }: { person: PersonRef }) {
  return <EntityName entity={person} href="/admin" title={person.email ?? person.id} />;
}

/**
 * Who did something, as recorded (a person's e-mail or `system:<name>`): a person the console knows by name and
 * linked, the engine's own actions as "Watchpost (<name>)", anything else as recorded.
 */
export function ActorName({ actor, people }: { actor: string; people: Record<string, PersonRef> }) {
  const person = people[actor];
  if (person) return <PersonName person={person} />;
  if (actor.startsWith("system:")) return <span>Watchpost ({actor.slice("system:".length)})</span>;
  return <span className="break-all">{actor}</span>;
}
