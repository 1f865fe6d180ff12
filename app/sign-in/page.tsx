import { Eye } from "lucide-react";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { currentUser } from "@/app/_components/session";
import { Card } from "@/app/_components/ui";
import { serverCaller } from "@/server/trpc/server-caller";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentUser()) redirect("/");
  const { demoAccounts } = await (await serverCaller()).auth.signInOptions();
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-10">
      <div className="w-full max-w-md space-y-6">
        <div className="flex items-center justify-center gap-2 text-2xl font-semibold">
          <Eye className="size-6 text-sky-700 dark:text-sky-400" aria-hidden /> Watchpost
        </div>
        <Card>
          <h1 className="mb-4 text-lg font-semibold">Sign in</h1>
          <Suspense>
            <SignInForm />
          </Suspense>
        </Card>
        {demoAccounts.length > 0 ? (
          <Card aria-labelledby="demo-accounts">
            <h2 id="demo-accounts" className="mb-2 text-sm font-semibold">
              Demo accounts
            </h2>
            <p className="mb-2 text-xs text-slate-600 dark:text-slate-400">
              This console runs in demo mode (WATCHPOST_DEMO). Sign in as one of these to look around:
            </p>
            <dl className="space-y-1 font-mono text-xs">
              {demoAccounts.map((demoUser) => (
                <div key={demoUser.email} className="flex flex-wrap gap-x-2">
                  <dt className="w-20 font-sans font-medium capitalize">{demoUser.role}</dt>
                  <dd>
                    {demoUser.email} / {demoUser.password}
                  </dd>
                </div>
              ))}
            </dl>
          </Card>
        ) : null}
      </div>
    </main>
  );
}
