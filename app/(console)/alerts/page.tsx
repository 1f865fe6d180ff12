import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PageHeader } from "@/app/_components/ui";
import { AlertsPanel } from "./alerts-panel";

export const metadata: Metadata = { title: "Alerts" };

export default async function AlertsPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Threshold rules evaluated on their own interval; state changes page the rule's service and reach its subscribers' digests."
      />
      <AlertsPanel role={user.role} />
    </>
  );
}
