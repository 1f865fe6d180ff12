import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { RuleView } from "./rule-view";

export const metadata: Metadata = { title: "Alerts · Rule" };

export default async function RulePage({ params }: { params: Promise<{ ruleId: string }> }) {
  const user = await requireUser();
  const { ruleId } = await params;
  return <RuleView ruleId={ruleId} role={user.role} />;
}
