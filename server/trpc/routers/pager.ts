/**
 * tRPC router `pager`: thin procedures over the pager's console (ctx.consoles.pager). Reads are for any
 * signed-in user; acknowledge, resolve and mark healthy for responders; services and policies for admins. No-op
 * answers (second acknowledgement, healthy already, …) come back as outcomes with a message; an unknown policy
 * or incident is the console's NOT_FOUND.
 */
import { z } from "zod";
import { policyInput, serviceInput } from "@/server/pager/model";
import type { Consoles } from "@/server/jobs/runtime";
import { peopleOf } from "../names";
import { adminProcedure, createTRPCRouter, pageInput, responderProcedure, signedInProcedure } from "../init";

const id = (what: string) =>
  z
    .string({ message: `${what} is required` })
    .min(1, `${what} is required`)
    .max(100);

export const pagerRouter = createTRPCRouter({
  service: createTRPCRouter({
    list: signedInProcedure
      .input(pageInput)
      .query(({ ctx, input }) => ctx.consoles.pager.listServices(input, ctx.user.role)),
    create: adminProcedure
      .input(serviceInput)
      .mutation(({ ctx, input }) => ctx.consoles.pager.createService(input, ctx.actor)),
    update: adminProcedure.input(serviceInput.extend({ serviceId: id("serviceId") })).mutation(({ ctx, input }) => {
      const { serviceId, ...fields } = input;
      return ctx.consoles.pager.updateService(serviceId, fields, ctx.actor);
    }),
    markHealthy: responderProcedure
      .input(z.object({ serviceId: id("serviceId") }))
      .mutation(({ ctx, input }) => ctx.consoles.pager.markHealthy(input.serviceId, ctx.actor)),
  }),
  policy: createTRPCRouter({
    list: signedInProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.pager.listPolicies(input)),
    get: signedInProcedure
      .input(z.object({ policyId: id("policyId") }))
      .query(({ ctx, input }) => ctx.consoles.pager.policy(input.policyId)),
    create: adminProcedure
      .input(policyInput)
      .mutation(({ ctx, input }) => ctx.consoles.pager.createPolicy(input, ctx.actor)),
    update: adminProcedure.input(policyInput.extend({ policyId: id("policyId") })).mutation(({ ctx, input }) => {
      const { policyId, ...policy } = input;
      return ctx.consoles.pager.updatePolicy(policyId, policy, ctx.actor);
    }),
  }),
  incident: createTRPCRouter({
    list: signedInProcedure
      .input(
        pageInput.extend({
          state: z
            .enum(["open", "acknowledged", "resolved", "active"], {
              message: "state must be open, acknowledged, resolved or active",
            })
            .optional(),
          serviceId: z.string().max(100).optional(),
        }),
      )
      .query(({ ctx, input }) => {
        const page = ctx.consoles.pager.listIncidents(input);
        const actors = page.items.map((incident) => incident.acknowledgedBy);
        return { ...page, people: peopleOf(ctx.consoles.auth, actors) };
      }),
    get: signedInProcedure
      .input(z.object({ incidentId: id("incidentId") }))
      .query(({ ctx, input }) => incidentPage(ctx.consoles, input.incidentId)),
    // Each answers with the incident as it now is, so the page shows the change without a second request.
    acknowledge: responderProcedure
      .input(z.object({ incidentId: id("incidentId") }))
      .mutation(({ ctx, input }) =>
        withPage(ctx.consoles, input.incidentId, ctx.consoles.pager.acknowledge(input.incidentId, ctx.actor)),
      ),
    resolve: responderProcedure
      .input(z.object({ incidentId: id("incidentId") }))
      .mutation(({ ctx, input }) =>
        withPage(ctx.consoles, input.incidentId, ctx.consoles.pager.resolve(input.incidentId, ctx.actor)),
      ),
  }),
  deadLetter: createTRPCRouter({
    list: adminProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.pager.listDeadLetters(input)),
  }),
});

type PagerConsoles = Pick<Consoles, "pager" | "auth">;

/** An incident's page with the people among its actors named. */
function incidentPage(consoles: PagerConsoles, incidentId: string) {
  const page = consoles.pager.incident(incidentId);
  const actors = [page.incident.acknowledgedBy, page.incident.resolvedBy, ...page.timeline.map((entry) => entry.actor)];
  return { ...page, people: peopleOf(consoles.auth, actors) };
}

/** A change's outcome with the incident's page as it now is (none when the incident is unknown). */
function withPage<Outcome extends { outcome: string }>(consoles: PagerConsoles, incidentId: string, outcome: Outcome) {
  return { ...outcome, page: outcome.outcome === "unknown-incident" ? null : incidentPage(consoles, incidentId) };
}
