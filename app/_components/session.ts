import "server-only";
/** Reads the signed-in user on the server (layouts and pages); redirects to sign-in when there is none. */
import { redirect } from "next/navigation";
import type { SessionUser } from "@/server/trpc/init";
import { serverCaller } from "@/server/trpc/server-caller";

export type ConsoleUser = SessionUser;

export async function currentUser(): Promise<ConsoleUser | null> {
  return (await serverCaller()).auth.session();
}

export async function requireUser(): Promise<ConsoleUser> {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return user;
}
