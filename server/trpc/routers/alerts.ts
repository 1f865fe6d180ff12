/**
 * tRPC router `alerts`: thin procedures over the alerts console (server/alerts/console.ts); its refusals are
 * DomainErrors. A rule's history also names its monitored service (pager console) and its subscribers (the user
 * directory), since the alerts engine knows them by id only (names.ts).
 */
import { z } from "zod";
import { ruleInputSchema } from "@/server/alerts/rule";
import { adminProcedure, createTRPCRouter, pageInput, signedInProcedure } from "../init";
import { peopleInOrder } from "../names";

const idInput = z.object({ id: z.string().min(1, "id is empty") });
const stateFilter = z.enum(["PASS", "WARN", "CRITICAL"], { message: "state must be PASS, WARN or CRITICAL" });

export const alertsRouter = createTRPCRouter({
  rule: createTRPCRouter({
    /** Rules with their live state, worst first; filter by state and name; with per-state totals. */
    list: signedInProcedure
      .input(pageInput.extend({ state: stateFilter.optional(), search: z.string().max(120).optional() }))
      .query(({ ctx, input }) => ctx.consoles.alerts.listRules(input)),
    get: signedInProcedure.input(idInput).query(({ ctx, input }) => ctx.consoles.alerts.getRule(input.id)),
    /**
     * The rule's recent values bucketed on the server, its transitions (newest first), and the names of its
     * monitored service and subscribers (`name: null` when the id no longer resolves).
     */
    history: signedInProcedure
      .input(idInput.extend({ maxPoints: z.number().int().min(10).max(500).default(240) }))
      .query(({ ctx, input }) => {
        const history = ctx.consoles.alerts.history(input.id, input.maxPoints);
        const { serviceId, subscriberUserIds } = history.rule;
        const people = ctx.consoles.auth.describePeople(subscriberUserIds);
        return {
          ...history,
          names: {
            service: serviceId
              ? { id: serviceId, name: ctx.consoles.pager.serviceNames([serviceId]).get(serviceId) ?? null }
              : null,
            subscribers: peopleInOrder(subscriberUserIds, people),
          },
        };
      }),
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
