/** tRPC router `alerts`: thin procedures over the alerts console (server/alerts/console.ts); its refusals are DomainErrors. */
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
      .query(({ ctx, input }) => ctx.consoles.alerts.listRules(input)),
    get: signedInProcedure.input(idInput).query(({ ctx, input }) => ctx.consoles.alerts.getRule(input.id)),
    /** The rule's recent values bucketed on the server, and its transitions (newest first). */
    history: signedInProcedure
      .input(idInput.extend({ maxPoints: z.number().int().min(10).max(500).default(240) }))
      .query(({ ctx, input }) => ctx.consoles.alerts.history(input.id, input.maxPoints)),
    create: adminProcedure
      .input(ruleInputSchema)
      .mutation(({ ctx, input }) => ctx.consoles.alerts.createRule(input, ctx.actor)),
    update: adminProcedure
      .input(idInput.extend({ rule: ruleInputSchema }))
      .mutation(({ ctx, input }) => ctx.consoles.alerts.updateRule(input.id, input.rule, ctx.actor)),
    delete: adminProcedure.input(idInput).mutation(({ ctx, input }) => {
      ctx.consoles.alerts.deleteRule(input.id, ctx.actor);
      return { id: input.id };
    }),
  }),
  source: createTRPCRouter({
    /** What the rule form offers: dbsim metric names, whether the alerts-server source is configured, example simulated queries. */
    options: signedInProcedure.query(({ ctx }) => ctx.consoles.alerts.sourceOptions()),
  }),
  deadLetter: createTRPCRouter({
    /** The latest 50 rejected /alerts items with their reasons. */
    list: adminProcedure.query(({ ctx }) => ctx.consoles.alerts.deadLetters()),
  }),
  engine: createTRPCRouter({
    /** Counters of this process's engine (zero where the engine runs in another process), and which process holds the engine's lease. */
    stats: signedInProcedure.query(({ ctx }) => ctx.consoles.alerts.engineStats()),
  }),
});
