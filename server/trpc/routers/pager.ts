/**
 * tRPC router `pager`: thin procedures over the pager's use cases and read side (ctx.consoles.pager). Reads are
 * for any signed-in user; acknowledge, resolve and mark healthy for responders; services and policies for
 * admins. No-op answers (second acknowledgement, healthy already, …) come back as outcomes with a message.
 */
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { policyInput, serviceInput } from "@/server/pager/model";
import { adminProcedure, createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";

const id = (what: string) => z.string({ message: `${what} is required` }).min(1, `${what} is required`).max(100);

export const pagerRouter = createTRPCRouter({
  service: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => {
      const page = ctx.consoles.pager.queries.listServices(input);
      // The integration key is a credential: only admins see it.
      return { ...page, items: page.items.map((item) => ({ ...item, integrationKey: ctx.user.role === "admin" ? item.integrationKey : null })) };
    }),
    create: adminProcedure.input(serviceInput).mutation(({ ctx, input }) => ctx.consoles.pager.useCases.createService(input, ctx.consoles.pager.newIntegrationKey(), ctx.actor)),
    update: adminProcedure.input(serviceInput.extend({ serviceId: id("serviceId") })).mutation(({ ctx, input }) => {
      const { serviceId, ...fields } = input;
      return ctx.consoles.pager.useCases.updateService(serviceId, fields, ctx.actor);
    }),
    markHealthy: responderProcedure
      .input(z.object({ serviceId: id("serviceId") }))
      .mutation(({ ctx, input }) => ctx.consoles.pager.useCases.healthyEvent({ serviceId: input.serviceId, actor: ctx.actor })),
  }),
  policy: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.pager.queries.listPolicies(input)),
    get: signedInProcedure.input(z.object({ policyId: id("policyId") })).query(({ ctx, input }) => {
      const policy = ctx.consoles.pager.queries.getPolicy(input.policyId);
      if (!policy) throw new TRPCError({ code: "NOT_FOUND", message: `No escalation policy has the id ${input.policyId}. Go back to the policies.` });
      return policy;
    }),
    create: adminProcedure.input(policyInput).mutation(({ ctx, input }) => ctx.consoles.pager.useCases.createPolicy(input, ctx.actor)),
    update: adminProcedure.input(policyInput.extend({ policyId: id("policyId") })).mutation(({ ctx, input }) => {
      const { policyId, ...policy } = input;
      return ctx.consoles.pager.useCases.updatePolicy(policyId, policy, ctx.actor);
    }),
  }),
  incident: createTRPCRouter({
    list: signedInProcedure
      .input(
        pageInput.extend({
          state: z.enum(["open", "acknowledged", "resolved", "active"], { message: "state must be open, acknowledged, resolved or active" }).optional(),
          serviceId: z.string().max(100).optional(),
        }),
      )
      .query(({ ctx, input }) => ctx.consoles.pager.queries.listIncidents(input)),
    get: signedInProcedure.input(z.object({ incidentId: id("incidentId") })).query(({ ctx, input }) => {
      const page = ctx.consoles.pager.queries.getIncident(input.incidentId);
      if (!page) throw new TRPCError({ code: "NOT_FOUND", message: `No incident has the id ${input.incidentId}. Go back to the incident list.` });
      return page;
    }),
    acknowledge: responderProcedure
      .input(z.object({ incidentId: id("incidentId") }))
      .mutation(({ ctx, input }) => ctx.consoles.pager.useCases.acknowledge(input.incidentId, ctx.actor)),
    resolve: responderProcedure.input(z.object({ incidentId: id("incidentId") })).mutation(({ ctx, input }) => ctx.consoles.pager.useCases.resolve(input.incidentId, ctx.actor)),
  }),
  deadLetter: createTRPCRouter({
    list: adminProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.pager.queries.listDeadLetters(input)),
  }),
});
