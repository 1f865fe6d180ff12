"use client";

import { roleAllows, type Role } from "@/server/core/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
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
import { HealthBadge, IncidentStateBadge } from "./badges";

const PAGE_SIZE = 20;
/** The policy dropdown lists one page of policies; with more, the form says so instead of hiding the rest. */
const POLICY_CHOICES = 200;

/** Services and their health; responders mark one healthy; admins add services and see integration keys. */
const SERVICE_FIELDS = ["name", "description", "policyId"] as const;

export function ServicesPanel({ role }: { role: Role }) {
  const isAdmin = roleAllows(role, "admin");
  const canRespond = roleAllows(role, "responder");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<{ tone: "success" | "error" | "info"; text: string } | null>(null);
  const services = useQuery(
    trpc.pager.service.list.queryOptions({ page, pageSize: PAGE_SIZE }, { refetchInterval: 5_000 }),
  );
  const policies = useQuery({
    ...trpc.pager.policy.list.queryOptions({ page: 1, pageSize: POLICY_CHOICES }),
    enabled: isAdmin,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.pager.pathKey() });

  const markHealthy = useMutation(
    trpc.pager.service.markHealthy.mutationOptions({
      onSuccess: async (result) => {
        setMessage({ tone: result.outcome === "healthy" ? "success" : "info", text: result.message });
        await invalidate();
      },
      onError: (error) => setMessage({ tone: "error", text: error.message }),
    }),
  );
  const createService = useMutation(
    trpc.pager.service.create.mutationOptions({
      onSuccess: async (created) => {
        setMessage({
          tone: "success",
          text: `Added ${created.name}. Its integration key is ${created.integrationKey}.`,
        });
        await invalidate();
      },
      // Invalid fields are marked next to themselves (below); only other errors reach the message above.
      onError: (error) => {
        const { rest } = issuesByField(error, SERVICE_FIELDS);
        setMessage(rest ? { tone: "error", text: rest } : null);
      },
    }),
  );
  const serviceIssues = issuesByField(createService.error, SERVICE_FIELDS).byField;

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    createService.mutate(
      {
        name: String(form.get("name") ?? ""),
        description: String(form.get("description") ?? ""),
        policyId: String(form.get("policyId") ?? ""),
      },
      { onSuccess: () => formElement.reset() },
    );
  }

  return (
    <Card aria-labelledby="services-heading">
      <CardHeader
        title={<span id="services-heading">Monitored services</span>}
        description="A service turns Unhealthy when an alert opens an incident on it, and Healthy again when it reports healthy or its incident is resolved."
      />
      {message ? (
        <Callout tone={message.tone} className="mb-3">
          {message.text}
        </Callout>
      ) : null}
      {isAdmin ? (
        <form
          onSubmit={onCreate}
          aria-label="Add a service"
          className="mb-4 grid grid-cols-1 gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-4 sm:items-start dark:border-slate-800"
        >
          <Field label="Name" htmlFor="new-service-name" error={serviceIssues.get("name")}>
            <Input id="new-service-name" name="name" required maxLength={100} />
          </Field>
          <Field label="Description" htmlFor="new-service-description" error={serviceIssues.get("description")}>
            <Input id="new-service-description" name="description" maxLength={500} />
          </Field>
          <Field
            label="Escalation policy"
            htmlFor="new-service-policy"
            error={serviceIssues.get("policyId")}
            hint={
              policies.isError
                ? "The policies could not be loaded; reload the page."
                : policies.data && policies.data.total > policies.data.items.length
                  ? `Showing the first ${policies.data.items.length} of ${policies.data.total} policies, sorted by name.`
                  : undefined
            }
          >
            <Select id="new-service-policy" name="policyId" required>
              {(policies.data?.items ?? []).map((policy) => (
                <option key={policy.id} value={policy.id}>
                  {policy.name}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" pending={createService.isPending} className="sm:mt-6">
            Add service
          </Button>
        </form>
      ) : null}
      {services.isPending ? (
        <LoadingState label="Loading services…" />
      ) : services.isError ? (
        <ErrorState error={services.error} retry={() => services.refetch()} />
      ) : services.data.items.length === 0 ? (
        <EmptyState title="No monitored services yet">
          {isAdmin ? "Add one above; alerts reach it with its integration key." : "An admin adds them."}
        </EmptyState>
      ) : (
        <>
          <Table caption="Monitored services">
            <THead>
              <tr>
                <Th>Service</Th>
                <Th>Health</Th>
                <Th>Since</Th>
                <Th>Policy</Th>
                <Th>Active incident</Th>
                {isAdmin ? <Th>Integration key</Th> : null}
                {canRespond ? (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                ) : null}
              </tr>
            </THead>
            <tbody>
              {services.data.items.map((service) => (
                <Tr key={service.id} data-testid={`service-row-${service.id}`}>
                  <Td>
                    <div className="font-medium">{service.name}</div>
                    {service.description ? (
                      <div className="text-xs text-slate-500 dark:text-slate-400">{service.description}</div>
                    ) : null}
                  </Td>
                  <Td>
                    <HealthBadge health={service.health} />
                  </Td>
                  <Td>
                    <Time value={service.healthChangedAtMs} />
                  </Td>
                  <Td>{service.policyName}</Td>
                  <Td>
                    {service.activeIncidentId && service.activeIncidentState ? (
                      <Link
                        href={`/pager/incidents/${service.activeIncidentId}`}
                        className="inline-flex items-center gap-2 text-sky-700 underline dark:text-sky-300"
                      >
                        <IncidentStateBadge state={service.activeIncidentState} /> View
                      </Link>
                    ) : (
                      <span className="text-slate-500 dark:text-slate-400">none</span>
                    )}
                  </Td>
                  {isAdmin ? (
                    <Td>
                      <code className="text-xs break-all">{service.integrationKey}</code>
                    </Td>
                  ) : null}
                  {canRespond ? (
                    <Td>
                      <Button
                        size="sm"
                        variant="secondary"
                        disabled={service.health === "healthy" && !service.activeIncidentId}
                        pending={markHealthy.isPending && markHealthy.variables?.serviceId === service.id}
                        onClick={() => markHealthy.mutate({ serviceId: service.id })}
                        aria-label={`Mark healthy: ${service.name}`}
                      >
                        Mark healthy
                      </Button>
                    </Td>
                  ) : null}
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            total={services.data.total}
            onPageChange={setPage}
            label="services"
          />
        </>
      )}
    </Card>
  );
}
