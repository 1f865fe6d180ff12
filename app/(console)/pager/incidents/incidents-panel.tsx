"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  Field,
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
import { ActorName, ServiceName } from "@/app/_components/ui/entity-name";
import { IncidentStateBadge } from "../badges";

const PAGE_SIZE = 25;
const FILTERS = [
  { value: "", label: "All states" },
  { value: "active", label: "Open or acknowledged" },
  { value: "open", label: "Open" },
  { value: "acknowledged", label: "Acknowledged" },
  { value: "resolved", label: "Resolved" },
] as const;
type Filter = (typeof FILTERS)[number]["value"];

/** The paginated incident list, filtered by state and refreshed every few seconds. */
export function IncidentsPanel() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<Filter>("");
  const incidents = useQuery(
    trpc.pager.incident.list.queryOptions(
      { page, pageSize: PAGE_SIZE, state: state || undefined },
      { refetchInterval: 3_000 },
    ),
  );

  return (
    <Card aria-labelledby="incidents-heading">
      <CardHeader
        title={<span id="incidents-heading">Incidents</span>}
        actions={
          <Field label="State" htmlFor="incident-state-filter">
            <Select
              id="incident-state-filter"
              value={state}
              onChange={(event) => {
                setState(event.target.value as Filter);
                setPage(1);
              }}
            >
              {FILTERS.map((filter) => (
                <option key={filter.value} value={filter.value}>
                  {filter.label}
                </option>
              ))}
            </Select>
          </Field>
        }
      />
      {incidents.isPending ? (
        <LoadingState label="Loading incidents…" />
      ) : incidents.isError ? (
        <ErrorState error={incidents.error} retry={() => incidents.refetch()} />
      ) : incidents.data.items.length === 0 ? (
        <EmptyState title="No incidents">
          {state
            ? "None in this state. Choose another state."
            : "When an alert reaches a monitored service, its incident shows here."}
        </EmptyState>
      ) : (
        <>
          <Table caption="Incidents">
            <THead>
              <tr>
                <Th>State</Th>
                <Th>Service</Th>
                <Th>Summary</Th>
                <Th>Level</Th>
                <Th>Alerts</Th>
                <Th>Opened</Th>
                <Th>Acknowledged by</Th>
              </tr>
            </THead>
            <tbody>
              {incidents.data.items.map((incident) => (
                <Tr key={incident.id} data-testid="incident-row">
                  <Td>
                    <IncidentStateBadge state={incident.state} />
                  </Td>
                  <Td>
                    <ServiceName service={{ id: incident.serviceId, name: incident.serviceName }} />
                  </Td>
                  <Td>
                    <Link href={`/pager/incidents/${incident.id}`} className="text-sky-700 underline dark:text-sky-300">
                      {incident.summary}
                    </Link>
                  </Td>
                  <Td>{incident.level}</Td>
                  <Td>{incident.alertCount}</Td>
                  <Td>
                    <Time value={incident.openedAtMs} />
                  </Td>
                  <Td>
                    {incident.acknowledgedBy ? (
                      <ActorName actor={incident.acknowledgedBy} people={incidents.data.people} />
                    ) : (
                      <span className="text-slate-500 dark:text-slate-400">—</span>
                    )}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            total={incidents.data.total}
            onPageChange={setPage}
            label="incidents"
          />
        </>
      )}
    </Card>
  );
}
