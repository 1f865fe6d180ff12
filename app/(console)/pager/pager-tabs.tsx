"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/app/_components/ui";

const TABS = [
  { href: "/pager", label: "Services" },
  { href: "/pager/incidents", label: "Incidents" },
  { href: "/pager/policies", label: "Escalation policies" },
] as const;

/** The pager's sub-navigation. */
export function PagerTabs() {
  const pathname = usePathname();
  return (
    <nav aria-label="Pager sections" className="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-800">
      {TABS.map((tab) => {
        const active = tab.href === "/pager" ? pathname === "/pager" : pathname.startsWith(tab.href);
        return (
          <Link
            key={tab.href}
            href={tab.href}
            aria-current={active ? "page" : undefined}
            className={cn(
              "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
              active
                ? "border-sky-600 text-sky-800 dark:border-sky-400 dark:text-sky-200"
                : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
            )}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
