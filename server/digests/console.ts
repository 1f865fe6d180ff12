/**
 * The digests console: exactly what the `digests` router may call. The engine's mode and counters, the users
 * with their first active alarms (one read of the state per page, named through the people port), a user's
 * alarms, the digest history, "Send digest now" with the sentence the console shows, and the dead letters.
 * Instants leave here as the producer's string and epoch milliseconds: BigInt stays inside the engine.
 * Users are named here (the people port); AlarmIDs that are rule ids are named by the tRPC router, which sees
 * the alerts console (this engine does not).
 */
import type { Actor } from "@/server/core/audit";
import { describePeople, type PersonRef } from "@/server/core/names";
import type { PeopleDirectory } from "@/server/core/people";
import { alreadySent, type AlarmState, type AlarmStatus, type DigestAlarm } from "./alarm-state";
import { nanosToEpochMs } from "./alarm-time";
import type { DigestsMode } from "./mode";
import type { DeadLetter, DeadLetterStore, DigestReadModel, DigestRecord, PageRequest, PageResult } from "./ports";
import type { DigestCounters, DigestsUseCases } from "./use-cases";

/** How many of a user's active alarms the users list shows inline; the rest are a page away (listAlarms). */
export const INLINE_ALARMS = 5;

export type AlarmView = { alarmId: string; status: AlarmStatus; changedAt: string; changedAtMs: number };
export type DigestView = {
  id: string;
  userId: string;
  requestedBy: string;
  createdAtMs: number;
  publishedAtMs: number | null;
  alarms: AlarmView[];
};
/** A digest with its user named: null when the UserID is not a console user's id (it came from a message). */
export type NamedDigestView = DigestView & { user: PersonRef | null };
export type DigestUserView = {
  userId: string;
  /** "Name (e-mail)" for a console user; any other UserID (they come from messages) as it is. */
  userLabel: string;
  /** The console user behind the UserID (name null: deleted); null when the UserID is not a console user's id. */
  person: PersonRef | null;
  activeCount: number;
  criticalCount: number;
  latestChangedAt: string | null;
  /** The first INLINE_ALARMS active alarms, oldest first; `sent` when the user already got this exact report. */
  alarms: (AlarmView & { sent: boolean })[];
};
export type DigestsStatus = DigestsMode & { counters: DigestCounters };
export type SendDigestResult =
  { mode: "queued"; message: string } | { mode: "sent"; digest: DigestView; message: string };

export interface DigestsConsole {
  status(): DigestsStatus;
  listUsers(page: PageRequest): Promise<PageResult<DigestUserView>>;
  listAlarms(userId: string, page: PageRequest): Promise<PageResult<AlarmView>>;
  listHistory(filter: { userId?: string }, page: PageRequest): Promise<PageResult<NamedDigestView>>;
  /** In process: prepared and published at once; on NATS: queued for a worker to answer. Audited either way. */
  sendDigestNow(userId: string, actor: Actor): Promise<SendDigestResult>;
  listDeadLetters(page: PageRequest): Promise<PageResult<DeadLetter>>;
}

export type DigestsConsoleDependencies = {
  useCases: DigestsUseCases;
  reads: DigestReadModel;
  deadLetters: DeadLetterStore;
  people: PeopleDirectory;
  mode: DigestsMode;
};

function alarmView(alarm: AlarmState | DigestAlarm): AlarmView {
  return {
    alarmId: alarm.alarmId,
    status: alarm.status,
    changedAt: alarm.changedAt,
    changedAtMs: nanosToEpochMs(alarm.changedAtNanos),
  };
}

function digestView(record: DigestRecord): DigestView {
  return {
    id: record.id,
    userId: record.userId,
    requestedBy: record.requestedBy,
    createdAtMs: record.createdAtMs,
    publishedAtMs: record.publishedAtMs,
    alarms: record.alarms.map(alarmView),
  };
}

function sentSentence(userId: string, count: number): string {
  if (count === 0) return `Sent ${userId} an empty digest: nothing changed since the last one.`;
  return `Sent ${userId} a digest with ${count} alarm${count === 1 ? "" : "s"}.`;
}

export function createDigestsConsole(deps: DigestsConsoleDependencies): DigestsConsole {
  const { useCases, reads, deadLetters, people, mode } = deps;
  return {
    status: () => ({ ...mode, counters: { ...useCases.counters } }),

    async listUsers(page) {
      const users = await reads.listUsersWithActiveAlarms(page, INLINE_ALARMS);
      const names = describePeople(
        people,
        users.items.map((user) => user.userId),
      );
      const items = users.items.map(({ firstAlarms, ...summary }) => {
        const person = names.get(summary.userId) ?? null;
        return {
          ...summary,
          userLabel: person?.name ? `${person.name} (${person.email})` : summary.userId,
          person,
          alarms: firstAlarms.map((alarm) => ({ ...alarmView(alarm), sent: alreadySent(alarm) })),
        };
      });
      return { ...users, items };
    },

    async listAlarms(userId, page) {
      const alarms = await reads.listActiveAlarms(userId, page);
      return { ...alarms, items: alarms.items.map(alarmView) };
    },

    async listHistory(filter, page) {
      const digests = await reads.listDigests(filter, page);
      const names = describePeople(
        people,
        digests.items.map((digest) => digest.userId),
      );
      return {
        ...digests,
        items: digests.items.map((record) => ({ ...digestView(record), user: names.get(record.userId) ?? null })),
      };
    },

    async sendDigestNow(userId, actor) {
      const result = await useCases.sendDigestNow(userId, actor);
      if (result.mode === "queued")
        return {
          mode: "queued",
          message: `Asked for a digest for ${userId}; a digest worker answers on NATS and it appears in the history in a moment.`,
        };
      return {
        mode: "sent",
        digest: digestView(result.record),
        message: sentSentence(userId, result.record.alarms.length),
      };
    },

    listDeadLetters: (page) => deadLetters.list(page),
  };
}
