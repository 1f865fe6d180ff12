import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { PagerTabs } from "../pager-tabs";
import { IncidentsPanel } from "./incidents-panel";

export const metadata: Metadata = { title: "Pager · Incidents" };

export default function IncidentsPage() {
  return (
    <>
      <PageHeader
        title="Pager"
        description="Incidents: one per monitored service at a time, escalated level by level until someone acknowledges."
      />
      <PagerTabs />
      <IncidentsPanel />
    </>
  );
}
