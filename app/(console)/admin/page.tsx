import { roleAllows } from "@/server/core/roles";
import type { Metadata } from "next";
import { requireUser } from "@/app/_components/session";
import { Callout, PageHeader } from "@/app/_components/ui";
import { AuditLogPanel } from "./audit-log-panel";
import { UsersPanel } from "./users-panel";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Admin" description="People, their roles, and the record of every change." />
      <div className="space-y-6">
        {!roleAllows(user.role, "admin") ? (
          <Callout tone="info" title="Only admins change users">
            You are signed in as a {user.role}: you can see the team, but adding people and changing roles is for
            admins.
          </Callout>
        ) : null}
        <UsersPanel currentUserId={user.id} canManage={roleAllows(user.role, "admin")} />
        {roleAllows(user.role, "admin") ? <AuditLogPanel /> : null}
      </div>
    </>
  );
}
