/**
 * tRPC router `digests`: users with their active alarms, each user's digest history, "Send digest now"
 * (responders and admins; audited), and the dead-lettered messages. Thin: every procedure is one call to the
 * digests console (server/digests/console.ts), which also words the replies and turns instants into milliseconds.
 */
import { z } from "zod";
import { createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";

const userId = z
  .string({ message: "userId is required" })
  .min(1, "userId is required")
  .max(200, "userId is longer than 200 characters");

export const digestsRouter = createTRPCRouter({
  status: createTRPCRouter({
    get: signedInProcedure.query(({ ctx }) => ctx.consoles.digests.status()),
  }),
  user: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.digests.listUsers(input)),
  }),
  alarm: createTRPCRouter({
    list: signedInProcedure
      .input(pageInput.extend({ userId }))
      .query(({ ctx, input }) =>
        ctx.consoles.digests.listAlarms(input.userId, { page: input.page, pageSize: input.pageSize }),
      ),
  }),
  history: createTRPCRouter({
    list: signedInProcedure
      .input(pageInput.extend({ userId: userId.optional() }))
      .query(({ ctx, input }) =>
        ctx.consoles.digests.listHistory({ userId: input.userId }, { page: input.page, pageSize: input.pageSize }),
      ),
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
