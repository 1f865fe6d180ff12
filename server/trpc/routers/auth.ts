/** tRPC router `auth`: who am I, what the sign-in page offers, the team, and the admin's user management and audit log. */
import { z } from "zod";
import { newUserInput } from "@/server/auth/users";
import { ROLES } from "@/server/core/roles";
import { adminProcedure, createTRPCRouter, pageInput, publicProcedure, signedInProcedure } from "../init";

export const authRouter = createTRPCRouter({
  session: publicProcedure.query(({ ctx }) => ctx.user),
  /** What the sign-in page offers: in demo mode, the demo accounts and their passwords. */
  signInOptions: publicProcedure.query(({ ctx }) => ctx.consoles.auth.signInOptions()),
  user: createTRPCRouter({
    // Everyone signed in may see who is on the team (as in PagerDuty); only admins change it.
    list: signedInProcedure
      .input(pageInput.extend({ search: z.string().trim().max(100).optional() }))
      .query(({ ctx, input }) => ctx.consoles.auth.listUsers(input)),
    create: adminProcedure
      .input(newUserInput)
      .mutation(({ ctx, input }) => ctx.consoles.auth.createUser(input, ctx.actor)),
    changeRole: adminProcedure
      .input(
        z.object({
          userId: z.string().min(1),
          role: z.enum(ROLES, { message: "Choose a role: viewer, responder or admin." }),
        }),
      )
      .mutation(({ ctx, input }) => ctx.consoles.auth.changeRole(input.userId, input.role, ctx.actor)),
  }),
  audit: createTRPCRouter({
    list: adminProcedure.input(pageInput).query(({ ctx, input }) => ctx.consoles.auth.auditLog(input)),
  }),
});
