import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PageHeader } from "@/app/_components/ui";
import { PagerTabs } from "./pager-tabs";
import { ServicesPanel } from "./services-panel";

export const metadata: Metadata = { title: "Pager · Services" };

export default async function PagerPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader
        title="Pager"
        description="Monitored services, their health and the incidents that page the people on call."
      />
      <PagerTabs />
      <ServicesPanel role={user.role} />
    </>
  );
}
