/**
 * tRPC router `scheduling`: thin procedures over the scheduling console (ctx.consoles.scheduling,
 * server/scheduling/console.ts): the per-second resources bucketed on the server, band and latency figures, the
 * captured executions, the templates with true and estimated costs, the engines' reported status, and the
 * scheduler switch (responders; audited; the engine that runs the scheduler follows it within a second or two).
 */
import { z } from "zod";
import { createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";

export const schedulingRouter = createTRPCRouter({
  resources: createTRPCRouter({
    series: signedInProcedure
      .input(
        z.object({
          range: z
            .enum(["live", "hour"], { message: "range must be live (last 2 minutes) or hour (last hour)" })
            .default("live"),
        }),
      )
      .query(({ ctx, input }) => ctx.consoles.scheduling.resourceSeries(input.range)),
  }),
  summary: createTRPCRouter({
    get: signedInProcedure
      .input(
        z.object({
          windowSeconds: z.number().int().min(10, "at least 10 seconds").max(3600, "at most an hour").default(60),
        }),
      )
      .query(({ ctx, input }) => ctx.consoles.scheduling.summary(input.windowSeconds)),
  }),
  execution: createTRPCRouter({
    list: signedInProcedure
      .input(
        pageInput.extend({ template: z.string().max(64, "a template id or #index, at most 64 characters").optional() }),
      )
      .query(({ ctx, input }) => ctx.consoles.scheduling.executions(input)),
  }),
  template: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.scheduling.templates(input)),
  }),
  scheduler: createTRPCRouter({
    setEnabled: responderProcedure
      .input(z.object({ enabled: z.boolean({ message: "enabled must be true or false" }) }))
      .mutation(({ ctx, input }) => ctx.consoles.scheduling.setSchedulerEnabled(input.enabled, ctx.actor)),
  }),
});
