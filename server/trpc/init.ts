/**
 * tRPC: the context (the signed-in user and the areas' consoles; nothing else of the runtime) and the three kinds of procedure: public, signed-in,
 * and role-checked. Zod errors reach the browser as readable messages (`error.data.zodError` and the message).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Actor } from "@/server/core/audit";
import { isDomainError } from "@/server/core/errors";
import { storageErrorOf } from "@/server/core/storage-errors";
import { describeZodError } from "@/server/core/validation";
import { roleAllows, type Role } from "@/server/core/roles";
import type { SessionUser } from "@/server/auth/console";
import { getConsoles, type Consoles } from "@/server/jobs/runtime";

export type { SessionUser };

export type TRPCContext = { user: SessionUser | null; consoles: Consoles };

export async function createTRPCContext({ headers }: { headers: Headers }): Promise<TRPCContext> {
  const consoles = await getConsoles();
  return { user: await consoles.auth.sessionUser(headers), consoles };
}

const t = initTRPC.context<TRPCContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      message: zodError ? `Invalid input — ${describeZodError(zodError)}` : shape.message,
      data: {
        ...shape.data,
        zodError: zodError ? z.flattenError(zodError) : null,
        // Each issue with its dotted path ("warn.value"), so a form shows the message next to its field.
        fieldIssues: zodError
          ? zodError.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
          : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A use case's expected refusal (DomainError, recognised by its brand) reaches the browser with its code and
 * message; a database that cannot be written (read-only, full, locked past its timeout) answers 503
 * SERVICE_UNAVAILABLE saying nothing was changed, instead of a bare 500.
 */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (isDomainError(cause)) throw new TRPCError({ code: cause.code, message: cause.message, cause });
  const storage = storageErrorOf(cause);
  if (storage)
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: `Nothing was changed: the database cannot be written (${storage.code}). Try again later; GET /api/v1/ready shows what fails.`,
      cause,
    });
  return result;
});

export const publicProcedure = t.procedure.use(domainErrors);

export const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "You are not signed in. Sign in and try again." });
  const actor: Actor = { kind: "user", userId: ctx.user.id, email: ctx.user.email, role: ctx.user.role };
  return next({ ctx: { ...ctx, user: ctx.user, actor } });
});

const ROLE_WORDING: Record<Role, string> = {
  viewer: "a viewer",
  responder: "a responder or an admin",
  admin: "an admin",
};

/** A procedure for users holding at least `role`. */
export function roleProcedure(role: Role) {
  return signedInProcedure.use(({ ctx, next }) => {
    if (!roleAllows(ctx.user.role, role)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Only ${ROLE_WORDING[role]} can do this; you are signed in as a ${ctx.user.role}. Ask an admin for the role.`,
      });
    }
    return next({ ctx });
  });
}

export const responderProcedure = roleProcedure("responder");
export const adminProcedure = roleProcedure("admin");

/** Page-through input shared by every list: lists are never unbounded. */
export const pageInput = z.object({
  page: z.number().int().min(1, "page starts at 1").default(1),
  pageSize: z.number().int().min(1).max(200, "at most 200 rows a page").default(25),
});
export type PageInput = z.infer<typeof pageInput>;
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };
