import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PageHeader } from "@/app/_components/ui";
import { SchedulingDashboard } from "./scheduling-dashboard";

export const metadata: Metadata = { title: "Scheduling" };

export default async function SchedulingPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader
        title="Scheduling"
        description="The simulated database's CPU, IO and memory each second, every executed query captured, and the scheduler that keeps each second's min and max within ±10% of its average."
      />
      <SchedulingDashboard role={user.role} />
    </>
  );
}
