"use client";

import { ROLES, type Role } from "@/server/core/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Badge,
  Button,
  Callout,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  Pagination,
  Select,
  Table,
  Td,
  Th,
  THead,
  Time,
  Tr,
} from "@/app/_components/ui";
import { issuesByField } from "@/app/_components/ui/field-issues";

const PAGE_SIZE = 20;

/** The choices of both role menus (adding a user, changing a role). */
const ROLE_OPTIONS = ROLES.map((role) => (
  <option key={role} value={role}>
    {role}
  </option>
));

/** The team; admins also add people and change roles (others see the roles, not controls they cannot use). */
const NEW_USER_FIELDS = ["name", "email", "role", "password"] as const;

export function UsersPanel({ currentUserId, canManage }: { currentUserId: string; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const users = useQuery(trpc.auth.user.list.queryOptions({ page, pageSize: PAGE_SIZE }));
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.auth.user.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.auth.audit.list.queryKey() }),
    ]);

  const createUser = useMutation(
    trpc.auth.user.create.mutationOptions({
      onSuccess: async (created) => {
        setMessage({ tone: "success", text: `Added ${created.email} as ${created.role}.` });
        await invalidate();
      },
      // Invalid fields are marked next to themselves (below); only other errors reach the message above.
      onError: (error) => {
        const { rest } = issuesByField(error, NEW_USER_FIELDS);
        setMessage(rest ? { tone: "error", text: rest } : null);
      },
    }),
  );
  const newUserIssues = issuesByField(createUser.error, NEW_USER_FIELDS).byField;
  const changeRole = useMutation(
    trpc.auth.user.changeRole.mutationOptions({
      onSuccess: async (changed) => {
        setMessage({ tone: "success", text: `${changed?.email} is now ${changed?.role}.` });
        await invalidate();
      },
      onError: (error) => setMessage({ tone: "error", text: error.message }),
    }),
  );

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    createUser.mutate(
      {
        email: String(form.get("email") ?? ""),
        name: String(form.get("name") ?? ""),
        role: String(form.get("role") ?? "viewer") as Role,
        password: String(form.get("password") ?? ""),
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card aria-labelledby="users-heading">
      <CardHeader
        title={<span id="users-heading">Users</span>}
        description="Viewers read; responders also acknowledge and resolve; admins also edit rules, services, policies and users."
      />
      {message ? (
        <Callout tone={message.tone} className="mb-3">
          {message.text}
        </Callout>
      ) : null}
      {canManage ? (
        <form
          onSubmit={onCreate}
          className="mb-4 grid grid-cols-1 gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-5 sm:items-start dark:border-slate-800"
          aria-label="Add a user"
        >
          <Field label="Name" htmlFor="new-user-name" error={newUserIssues.get("name")}>
            <Input id="new-user-name" name="name" required />
          </Field>
          <Field label="E-mail" htmlFor="new-user-email" error={newUserIssues.get("email")}>
            <Input id="new-user-email" name="email" type="email" required />
          </Field>
          <Field label="Role" htmlFor="new-user-role" error={newUserIssues.get("role")}>
            <Select id="new-user-role" name="role" defaultValue="viewer">
              {ROLE_OPTIONS}
            </Select>
          </Field>
          <Field label="Initial password" htmlFor="new-user-password" error={newUserIssues.get("password")}>
            <Input
              id="new-user-password"
              name="password"
              type="password"
              minLength={12}
              autoComplete="new-password"
              required
            />
          </Field>
          <Button type="submit" pending={createUser.isPending} className="sm:mt-6">
            Add user
          </Button>
        </form>
      ) : null}
      {users.isPending ? (
        <LoadingState label="Loading users…" />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <EmptyState title="No users yet" />
      ) : (
        <>
          <Table caption="Users">
            <THead>
              <tr>
                <Th>Name</Th>
                <Th>E-mail</Th>
                <Th>Role</Th>
                <Th>Added</Th>
              </tr>
            </THead>
            <tbody>
              {users.data.items.map((user) => (
                <Tr key={user.id}>
                  <Td>
                    {user.name} {user.id === currentUserId ? <Badge tone="info">you</Badge> : null}
                  </Td>
                  <Td>{user.email}</Td>
                  <Td>
                    {canManage ? (
                      <>
                        <label className="sr-only" htmlFor={`role-${user.id}`}>
                          Role of {user.email}
                        </label>
                        <Select
                          id={`role-${user.id}`}
                          className="w-36"
                          value={user.role}
                          disabled={changeRole.isPending}
                          onChange={(event) => changeRole.mutate({ userId: user.id, role: event.target.value as Role })}
                        >
                          {ROLE_OPTIONS}
                        </Select>
                      </>
                    ) : (
                      <Badge tone="neutral">{user.role}</Badge>
                    )}
                  </Td>
                  <Td>
                    <Time value={user.createdAt} />
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination page={page} pageSize={PAGE_SIZE} total={users.data.total} onPageChange={setPage} label="users" />
        </>
      )}
    </Card>
  );
}
