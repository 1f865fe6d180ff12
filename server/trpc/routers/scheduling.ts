/**
 * tRPC router `scheduling`: thin procedures over the scheduling engine's services (ctx.consoles.scheduling):
 * the per-second resources bucketed on the server, band and latency figures, the captured executions, the
 * templates with true and estimated costs, the engines' reported status, and the scheduler switch (responders;
 * audited; the engine that runs the scheduler follows it within a second or two).
 */
import { z } from "zod";
import { createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";

const RANGES = { live: { seconds: 120, points: 120 }, hour: { seconds: 3600, points: 120 } } as const;

export const schedulingRouter = createTRPCRouter({
  resources: createTRPCRouter({
    series: signedInProcedure
      .input(z.object({ range: z.enum(["live", "hour"], { message: "range must be live (last 2 minutes) or hour (last hour)" }).default("live") }))
      .query(({ ctx, input }) => {
        const { seconds, points } = RANGES[input.range];
        const now = ctx.consoles.scheduling.now();
        return { range: input.range, now, ...ctx.consoles.scheduling.queries.series(now - seconds * 1000, now, points) };
      }),
  }),
  summary: createTRPCRouter({
    get: signedInProcedure
      .input(z.object({ windowSeconds: z.number().int().min(10, "at least 10 seconds").max(3600, "at most an hour").default(60) }))
      .query(({ ctx, input }) => {
        const scheduling = ctx.consoles.scheduling;
        const since = scheduling.now() - input.windowSeconds * 1000;
        // Read from the engines' reports in the database: this process may run no engine (WATCHPOST_ENGINES=none).
        const engines = scheduling.useCases.engineStatus();
        return {
          windowSeconds: input.windowSeconds,
          band: scheduling.queries.band(since),
          latency: scheduling.queries.latency(since),
          capture: engines.capture,
          scheduler: { enabled: scheduling.useCases.schedulerEnabled(), status: engines.scheduler ?? null },
          estimator: engines.estimator ?? { fittedAt: undefined, windows: 0, templates: 0 },
          dbsimUrl: engines.dbsimUrl ?? null,
          gaps: scheduling.queries.gaps(5),
        };
      }),
  }),
  execution: createTRPCRouter({
    list: signedInProcedure
      .input(pageInput.extend({ template: z.string().max(64, "a template id or #index, at most 64 characters").optional() }))
      .query(({ ctx, input }) => ctx.consoles.scheduling.queries.executions(input)),
  }),
  template: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.scheduling.queries.templates(input)),
  }),
  scheduler: createTRPCRouter({
    setEnabled: responderProcedure.input(z.object({ enabled: z.boolean({ message: "enabled must be true or false" }) })).mutation(({ ctx, input }) => {
      ctx.consoles.scheduling.useCases.setSchedulerEnabled(input.enabled, ctx.actor);
      return { enabled: input.enabled };
    }),
  }),
});
