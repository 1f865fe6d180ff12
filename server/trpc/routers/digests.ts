/**
 * tRPC router `digests`: users with their active alarms, each user's digest history, "Send digest now"
 * (responders and admins; audited), and the dead-lettered messages. Thin: every procedure calls the digest
 * engine's service (ctx.consoles.digests). BigInt instants are turned into strings and milliseconds here.
 */
import { z } from "zod";
import type { AlarmState } from "@/server/digests/alarm-state";
import { nanosToEpochMs } from "@/server/digests/alarm-time";
import type { DigestRecord } from "@/server/digests/ports";
import { createTRPCRouter, pageInput, responderProcedure, signedInProcedure, type Page } from "../init";

const userId = z.string({ message: "userId is required" }).min(1, "userId is required").max(200, "userId is longer than 200 characters");

/** How many of a user's active alarms the users list shows inline; the rest are a page away (alarm.list). */
const INLINE_ALARMS = 5;

function alarmView(state: Pick<AlarmState, "alarmId" | "status" | "changedAt" | "changedAtNanos">) {
  return { alarmId: state.alarmId, status: state.status, changedAt: state.changedAt, changedAtMs: nanosToEpochMs(state.changedAtNanos) };
}

function digestView(record: DigestRecord) {
  return { id: record.id, userId: record.userId, requestedBy: record.requestedBy, createdAtMs: record.createdAtMs, publishedAtMs: record.publishedAtMs, alarms: record.alarms.map(alarmView) };
}

export const digestsRouter = createTRPCRouter({
  status: createTRPCRouter({
    get: signedInProcedure.query(({ ctx }) => {
      const { mode, digests } = ctx.consoles.digests;
      return { ...mode, counters: { ...digests.counters } };
    }),
  }),
  user: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(async ({ ctx, input }) => {
      const store = ctx.consoles.digests.digests.store;
      const users = await store.listUsersWithActiveAlarms(input);
      const people = ctx.consoles.digests.people.describe(users.items.map((summary) => summary.userId));
      const items = await Promise.all(
        users.items.map(async (summary) => {
          const alarms = await store.listActiveAlarms(summary.userId, { page: 1, pageSize: INLINE_ALARMS });
          // UserIDs come from messages: a console user gets a name, any other id is shown as it is.
          const person = people.get(summary.userId);
          return { ...summary, userLabel: person ? `${person.name} (${person.email})` : summary.userId, alarms: alarms.items.map((alarm) => ({ ...alarmView(alarm), sent: alarm.lastSent !== null && alarm.lastSent.status === alarm.status && alarm.lastSent.changedAtNanos === alarm.changedAtNanos })) };
        }),
      );
      return { ...users, items } satisfies Page<unknown>;
    }),
  }),
  alarm: createTRPCRouter({
    list: signedInProcedure.input(pageInput.extend({ userId })).query(async ({ ctx, input }) => {
      const page = await ctx.consoles.digests.digests.store.listActiveAlarms(input.userId, { page: input.page, pageSize: input.pageSize });
      return { ...page, items: page.items.map(alarmView) };
    }),
  }),
  history: createTRPCRouter({
    list: signedInProcedure.input(pageInput.extend({ userId: userId.optional() })).query(async ({ ctx, input }) => {
      const page = await ctx.consoles.digests.digests.store.listDigests({ userId: input.userId }, { page: input.page, pageSize: input.pageSize });
      return { ...page, items: page.items.map(digestView) };
    }),
  }),
  digest: createTRPCRouter({
    send: responderProcedure.input(z.object({ userId })).mutation(async ({ ctx, input }) => {
      const result = await ctx.consoles.digests.digests.sendDigestNow(input.userId, ctx.actor);
      if (result.mode === "queued") return { mode: "queued" as const, message: `Asked for a digest for ${input.userId}; a digest worker answers on NATS and it appears in the history in a moment.` };
      const count = result.record.alarms.length;
      return {
        mode: "sent" as const,
        digest: digestView(result.record),
        message: count === 0 ? `Sent ${input.userId} an empty digest: nothing changed since the last one.` : `Sent ${input.userId} a digest with ${count} alarm${count === 1 ? "" : "s"}.`,
      };
    }),
  }),
  deadLetter: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.digests.digests.deadLetters.list(input)),
  }),
});
