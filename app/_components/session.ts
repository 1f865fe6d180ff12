import "server-only";
/** Reads the signed-in user on the server (layouts and pages); redirects to sign-in when there is none. */
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { isRole, type Role } from "@/server/core/roles";
import { getRuntime } from "@/server/jobs/runtime";

export type ConsoleUser = { id: string; email: string; name: string; role: Role };

export async function currentUser(): Promise<ConsoleUser | null> {
  const runtime = getRuntime();
  await runtime.ready;
  const session = await runtime.auth.api.getSession({ headers: await headers() });
  if (!session) return null;
  const user = session.user as { id: string; email: string; name: string; role?: unknown };
  return { id: user.id, email: user.email, name: user.name, role: isRole(user.role) ? user.role : "viewer" };
}

export async function requireUser(): Promise<ConsoleUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}
