"use client";

import { Bell, Gauge, LayoutDashboard, Mail, Shield, Siren } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/app/_components/ui";

const LINKS = [
  { href: "/", label: "Overview", icon: LayoutDashboard },
  { href: "/alerts", label: "Alerts", icon: Bell },
  { href: "/pager", label: "Pager", icon: Siren },
  { href: "/digests", label: "Digests", icon: Mail },
  { href: "/scheduling", label: "Scheduling", icon: Gauge },
  { href: "/admin", label: "Admin", icon: Shield },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="flex flex-row gap-1 overflow-x-auto md:flex-col">
      {LINKS.map(({ href, label, icon: Icon }) => {
        const active = href === "/" ? pathname === "/" : pathname.startsWith(href);
        return (
          <li key={href}>
            <Link
              href={href}
              aria-current={active ? "page" : undefined}
              className={cn(
                "flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium",
                active
                  ? "bg-sky-100 text-sky-900 dark:bg-sky-900/50 dark:text-sky-100"
                  : "text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800",
              )}
            >
              <Icon className="size-4" aria-hidden />
              {label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
