/** The console's frame: navigation, the signed-in user, sign-out. Every page under it needs a session. */
import { Eye } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { requireUser } from "@/app/_components/session";
import { NavLinks } from "@/app/_components/shell/nav-links";
import { SignOutButton } from "@/app/_components/shell/sign-out-button";
import { ThemeToggle } from "@/app/_components/shell/theme-toggle";
import { Badge } from "@/app/_components/ui";
import type { Role } from "@/server/core/roles";

export const dynamic = "force-dynamic";

const ROLE_TONE: Record<Role, "info" | "good" | "neutral"> = { admin: "info", responder: "good", viewer: "neutral" };

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <aside className="border-b border-slate-200 bg-white md:w-56 md:shrink-0 md:border-r md:border-b-0 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex items-center justify-between gap-2 px-4 py-4">
          <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
            <Eye className="size-5 text-sky-700 dark:text-sky-400" aria-hidden /> Watchpost
          </Link>
          <ThemeToggle />
        </div>
        <nav aria-label="Main" className="px-2 pb-3">
          <NavLinks />
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center justify-end gap-x-3 gap-y-1 border-b border-slate-200 bg-white px-4 py-2 text-sm sm:px-6 dark:border-slate-800 dark:bg-slate-900">
          <span data-testid="signed-in-user">
            Signed in as <strong>{user.name}</strong>{" "}
            <span className="text-slate-500 dark:text-slate-400">({user.email})</span>
          </span>
          <Badge tone={ROLE_TONE[user.role]}>{user.role}</Badge>
          <SignOutButton />
        </header>
        <main className="mx-auto w-full max-w-7xl min-w-0 flex-1 px-4 py-6 sm:px-6">{children}</main>
      </div>
    </div>
  );
}
