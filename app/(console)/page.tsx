import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { OverviewPanels } from "./overview-panels";

export const metadata: Metadata = { title: "Overview" };

export default function OverviewPage() {
  return (
    <>
      <PageHeader
        title="Overview"
        description="What needs attention now, across alerts, incidents, digests and the database's load; and this server's NATS connections."
      />
      <OverviewPanels />
    </>
  );
}
