/**
 * tRPC router `digests`: users with their active alarms, each user's digest history, "Send digest now"
 * (responders and admins; audited), and the dead-lettered messages. Thin: every procedure is one call to the
 * digests console (server/digests/console.ts), which also words the replies, names the users and turns instants
 * into milliseconds; AlarmIDs that are rule ids get the rule's name here, from the alerts console (names.ts).
 */
import { z } from "zod";
import { createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";
import { ruleNamer, withRuleNames } from "../names";

const userId = z
  .string({ message: "userId is required" })
  .min(1, "userId is required")
  .max(200, "userId is longer than 200 characters");

export const digestsRouter = createTRPCRouter({
  status: createTRPCRouter({
    get: signedInProcedure.query(({ ctx }) => ctx.consoles.digests.status()),
  }),
  user: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(async ({ ctx, input }) => {
      const users = await ctx.consoles.digests.listUsers(input);
      const rule = ruleNamer(
        ctx.consoles.alerts,
        users.items.flatMap((user) => user.alarms.map((alarm) => alarm.alarmId)),
      );
      return { ...users, items: users.items.map((user) => ({ ...user, alarms: withRuleNames(user.alarms, rule) })) };
    }),
  }),
  alarm: createTRPCRouter({
    list: signedInProcedure.input(pageInput.extend({ userId })).query(async ({ ctx, input }) => {
      const alarms = await ctx.consoles.digests.listAlarms(input.userId, {
        page: input.page,
        pageSize: input.pageSize,
      });
      const rule = ruleNamer(
        ctx.consoles.alerts,
        alarms.items.map((alarm) => alarm.alarmId),
      );
      return { ...alarms, items: withRuleNames(alarms.items, rule) };
    }),
  }),
  history: createTRPCRouter({
    list: signedInProcedure.input(pageInput.extend({ userId: userId.optional() })).query(async ({ ctx, input }) => {
      const digests = await ctx.consoles.digests.listHistory(
        { userId: input.userId },
        { page: input.page, pageSize: input.pageSize },
      );
      const rule = ruleNamer(
        ctx.consoles.alerts,
        digests.items.flatMap((digest) => digest.alarms.map((alarm) => alarm.alarmId)),
      );
      return {
        ...digests,
        items: digests.items.map((digest) => ({ ...digest, alarms: withRuleNames(digest.alarms, rule) })),
      };
    }),
  }),
  digest: createTRPCRouter({
    send: responderProcedure
      .input(z.object({ userId }))
      .mutation(({ ctx, input }) => ctx.consoles.digests.sendDigestNow(input.userId, ctx.actor)),
  }),
  deadLetter: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.digests.listDeadLetters(input)),
  }),
});
