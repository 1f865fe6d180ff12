/** tRPC router `alerts`: thin procedures over the alert engine's use cases (server/alerts/alerts-service.ts); their refusals are DomainErrors. */
import { z } from "zod";
import { ruleInputSchema } from "@/server/alerts/rule";
import { adminProcedure, createTRPCRouter, pageInput, signedInProcedure } from "../init";

const idInput = z.object({ id: z.string().min(1, "id is empty") });
const stateFilter = z.enum(["PASS", "WARN", "CRITICAL"], { message: "state must be PASS, WARN or CRITICAL" });

export const alertsRouter = createTRPCRouter({
  rule: createTRPCRouter({
    /** Rules with their live state, worst first; filter by state and name; with per-state totals. */
    list: signedInProcedure
      .input(pageInput.extend({ state: stateFilter.optional(), search: z.string().max(120).optional() }))
      .query(({ ctx, input }) => ctx.consoles.alerts.rules.listRules(input)),
    get: signedInProcedure.input(idInput).query(({ ctx, input }) => ctx.consoles.alerts.rules.getRule(input.id)),
    /** The rule's recent values bucketed on the server, and its transitions (newest first). */
    history: signedInProcedure
      .input(idInput.extend({ maxPoints: z.number().int().min(10).max(500).default(240) }))
      .query(({ ctx, input }) => ctx.consoles.alerts.rules.history(input.id, input.maxPoints)),
    create: adminProcedure.input(ruleInputSchema).mutation(({ ctx, input }) => ctx.consoles.alerts.rules.createRule(input, ctx.actor)),
    update: adminProcedure
      .input(idInput.extend({ rule: ruleInputSchema }))
      .mutation(({ ctx, input }) => ctx.consoles.alerts.rules.updateRule(input.id, input.rule, ctx.actor)),
    delete: adminProcedure.input(idInput).mutation(({ ctx, input }) => {
      ctx.consoles.alerts.rules.deleteRule(input.id, ctx.actor);
      return { id: input.id };
    }),
  }),
  source: createTRPCRouter({
    /** What the rule form offers: dbsim metric names, whether the alerts-server source is configured. */
    options: signedInProcedure.query(({ ctx }) => ({
      dbsimMetrics: ctx.consoles.alerts.dbsimMetricNames(),
      alertsServerUrl: ctx.consoles.alerts.alertsServerUrl,
      simulatedExamples: ["constant?value=250", "script?values=50,150,250,50&step=10", "random-walk?start=100&step=15&min=0&max=300", "sine?min=0&max=300&period=60"],
    })),
  }),
  deadLetter: createTRPCRouter({
    /** The latest 50 rejected /alerts items with their reasons. */
    list: adminProcedure.query(({ ctx }) => ctx.consoles.alerts.store.deadLetters(50)),
  }),
  engine: createTRPCRouter({
    /** Counters of this process's engine (zero where the engine runs in another process), and which process holds the engine's lease. */
    stats: signedInProcedure.query(({ ctx }) => ({ alerts: ctx.consoles.alerts.engine.size, ...ctx.consoles.alerts.engine.counters, holder: ctx.consoles.alerts.engineHolder() ?? null })),
  }),
});
