import { Bell, Gauge, Mail, Siren } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Card, PageHeader } from "@/app/_components/ui";

export const metadata: Metadata = { title: "Overview" };

const AREAS = [
  { href: "/alerts", title: "Alerts", icon: Bell, text: "Threshold rules evaluated on their own interval: PASS, WARN and CRITICAL, with notify, re-notify and resolve." },
  { href: "/pager", title: "Pager", icon: Siren, text: "Monitored services, escalation policies and incidents: acknowledge with a click before the timeout escalates." },
  { href: "/digests", title: "Digests", icon: Mail, text: "Each person's digest of active alarms, oldest first, and the messages that could not be read." },
  { href: "/scheduling", title: "Scheduling", icon: Gauge, text: "The simulated database's CPU, IO and memory per second, every executed query, and the scheduler that flattens them." },
] as const;

export default function OverviewPage() {
  return (
    <>
      <PageHeader title="Overview" description="Where each part of Watchpost stands. Pick an area to act on it." />
      <div className="grid gap-4 sm:grid-cols-2">
        {AREAS.map(({ href, title, icon: Icon, text }) => (
          <Link key={href} href={href} className="group rounded-lg focus-visible:outline-2">
            <Card className="h-full transition-colors group-hover:border-sky-400">
              <h2 className="mb-1 flex items-center gap-2 font-semibold">
                <Icon className="size-4 text-sky-700 dark:text-sky-400" aria-hidden /> {title}
              </h2>
              <p className="text-sm text-slate-600 dark:text-slate-400">{text}</p>
            </Card>
          </Link>
        ))}
      </div>
    </>
  );
}
