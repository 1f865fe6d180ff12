import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PagerTabs } from "../../pager-tabs";
import { IncidentView } from "./incident-view";

export const metadata: Metadata = { title: "Pager · Incident" };

export default async function IncidentPage({ params }: { params: Promise<{ incidentId: string }> }) {
  const [{ incidentId }, user] = await Promise.all([params, requireUser()]);
  return (
    <>
      <PagerTabs />
      <IncidentView incidentId={incidentId} role={user.role} />
    </>
  );
}
