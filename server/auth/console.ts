/**
 * The auth console: exactly what the `auth` router and the sign-in HTTP route may call: the signed-in user
 * behind a request, better-auth's endpoints, what the sign-in page offers, the team and its roles, the audit log.
 */
import { describePeople, describePeopleByEmail, type PersonRef } from "@/server/core/names";
import type { Actor } from "@/server/core/audit";
import { isRole, type Role } from "@/server/core/roles";
import type { Auth } from "./auth";
import type { SignInGuard } from "./sign-in-guard";
import type { NewUser, UserDirectory, UserSummary } from "./users";

export type SessionUser = { id: string; email: string; name: string; role: Role };
export type DemoAccount = { email: string; password: string; role: Role };
type PageQuery = { page: number; pageSize: number };

export interface AuthConsole {
  /** The signed-in user behind these request headers, or null. */
  sessionUser(headers: Headers): Promise<SessionUser | null>;
  /** better-auth's own endpoints (sign-in, sign-out, session), behind the sign-in limit (sign-in-guard.ts). */
  handle(request: Request): Promise<Response>;
  /** In demo mode, the demo accounts and their passwords for the sign-in page; otherwise none. */
  signInOptions(): { demoAccounts: DemoAccount[] };
  listUsers(query: PageQuery & { search?: string }): {
    items: UserSummary[];
    total: number;
    page: number;
    pageSize: number;
  };
  createUser(input: NewUser, actor: Actor): Promise<UserSummary>;
  changeRole(userId: string, role: Role, actor: Actor): UserSummary;
  auditLog(query: PageQuery): ReturnType<UserDirectory["auditPage"]> & PageQuery;
  /** Who these user ids are (other pages show people by id): one bounded read; see describePeople. */
  describePeople(ids: readonly string[]): Map<string, PersonRef>;
  /** Who these recorded actors are (an incident's "acknowledged by" is an e-mail): see describePeopleByEmail. */
  describeActors(actors: Iterable<string>): Map<string, PersonRef>;
}

/** better-auth's user record as the console sees it; an unknown role reads as the least one. */
function sessionUserFrom(user: { id: string; email: string; name: string; role?: unknown }): SessionUser {
  return { id: user.id, email: user.email, name: user.name, role: isRole(user.role) ? user.role : "viewer" };
}

export function createAuthConsole(options: {
  auth: Auth;
  users: UserDirectory;
  demoAccounts: DemoAccount[];
  signInGuard: SignInGuard;
}): AuthConsole {
  const { auth, users, demoAccounts, signInGuard } = options;
  return {
    async sessionUser(headers) {
      const session = await auth.api.getSession({ headers });
      return session ? sessionUserFrom(session.user) : null;
    },
    handle: (request) => signInGuard(request, (forwarded) => auth.handler(forwarded)),
    signInOptions: () => ({ demoAccounts }),
    listUsers: (query) => ({ ...users.list(query), page: query.page, pageSize: query.pageSize }),
    createUser: (input, actor) => users.create(input, actor),
    changeRole: (userId, role, actor) => users.changeRole(userId, role, actor),
    auditLog: (query) => ({ ...users.auditPage(query), page: query.page, pageSize: query.pageSize }),
    describePeople: (ids) => describePeople(users, ids),
    describeActors: (actors) => describePeopleByEmail(users, actors),
  };
}
