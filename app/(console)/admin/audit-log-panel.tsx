"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  Pagination,
  Table,
  Td,
  Th,
  THead,
  Time,
  Tr,
} from "@/app/_components/ui";

const PAGE_SIZE = 25;

export function AuditLogPanel() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const audit = useQuery(trpc.auth.audit.list.queryOptions({ page, pageSize: PAGE_SIZE }, { refetchInterval: 10_000 }));
  return (
    <Card aria-labelledby="audit-heading">
      <CardHeader
        title={<span id="audit-heading">Audit log</span>}
        description="Every change, who made it and when; newest first."
      />
      {audit.isPending ? (
        <LoadingState label="Loading the audit log…" />
      ) : audit.isError ? (
        <ErrorState error={audit.error} retry={() => audit.refetch()} />
      ) : audit.data.items.length === 0 ? (
        <EmptyState title="Nothing recorded yet" />
      ) : (
        <>
          <Table caption="Audit log">
            <THead>
              <tr>
                <Th>When</Th>
                <Th>Who</Th>
                <Th>Action</Th>
                <Th>Target</Th>
                <Th>Details</Th>
              </tr>
            </THead>
            <tbody>
              {audit.data.items.map((entry) => (
                <Tr key={entry.id}>
                  <Td className="whitespace-nowrap">
                    <Time value={entry.at} />
                  </Td>
                  <Td>{entry.actorLabel}</Td>
                  <Td className="font-mono text-xs">{entry.action}</Td>
                  <Td className="font-mono text-xs">{entry.target}</Td>
                  <Td
                    className="min-w-64 max-w-md font-mono text-xs break-all whitespace-pre-wrap"
                    title={entry.details ? JSON.stringify(entry.details) : undefined}
                  >
                    {entry.details ? JSON.stringify(entry.details) : "—"}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            total={audit.data.total}
            onPageChange={setPage}
            label="entries"
          />
        </>
      )}
    </Card>
  );
}
