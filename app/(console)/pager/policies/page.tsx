import { roleAllows } from "@/server/core/roles";
import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PageHeader } from "@/app/_components/ui";
import { PagerTabs } from "../pager-tabs";
import { PoliciesPanel } from "./policies-panel";

export const metadata: Metadata = { title: "Pager · Escalation policies" };

export default async function PoliciesPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader
        title="Pager"
        description="Escalation policies: who is notified at each level, how long they have to acknowledge, and how often the policy repeats."
      />
      <PagerTabs />
      <PoliciesPanel canEdit={roleAllows(user.role, "admin")} />
    </>
  );
}
