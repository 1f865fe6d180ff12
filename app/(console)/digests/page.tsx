import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { PageHeader } from "@/app/_components/ui";
import { DigestsConsole } from "./digests-console";

export const metadata: Metadata = { title: "Digests" };

export default async function DigestsPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader
        title="Digests"
        description="Each user's active alarms (latest status by exact change time), the digests they were sent, and messages that could not be read."
      />
      <DigestsConsole role={user.role} />
    </>
  );
}
