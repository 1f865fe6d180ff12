"use client";

import { roleAllows, type Role } from "@/server/core/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
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
  Table,
  Td,
  Th,
  THead,
  Time,
  Tr,
  cn,
} from "@/app/_components/ui";
import { RuleForm, type RuleFormValues } from "./rule-form";
import { formatMeasurement } from "@/server/alerts/units";
import { AlertStateBadge, SOURCE_LABELS, type AlertStateName } from "./state-badge";

const PAGE_SIZE = 25;
const FILTERS: Array<{ value: AlertStateName | undefined; label: string }> = [
  { value: undefined, label: "All" },
  { value: "CRITICAL", label: "Critical" },
  { value: "WARN", label: "Warn" },
  { value: "PASS", label: "Pass" },
];

/** Rules with their live state (refreshed every 2 s), filterable by state; admins create rules here. */
export function AlertsPanel({ role }: { role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<AlertStateName | undefined>(undefined);
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const rules = useQuery(
    trpc.alerts.rule.list.queryOptions(
      { page, pageSize: PAGE_SIZE, state, search: search || undefined },
      { refetchInterval: 2_000 },
    ),
  );
  const engine = useQuery(trpc.alerts.engine.stats.queryOptions(undefined, { refetchInterval: 5_000 }));
  const create = useMutation(
    trpc.alerts.rule.create.mutationOptions({
      onSuccess: async (rule) => {
        setCreating(false);
        setNotice(`Created ${rule.name}. Its first evaluation runs now; the state below updates by itself.`);
        await queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
      },
    }),
  );
  const counts = rules.data?.counts;

  return (
    <Card aria-labelledby="rules-heading">
      <CardHeader
        title={<span id="rules-heading">Rules and their state</span>}
        description="Each rule is evaluated on its own interval. WARN and CRITICAL notify (and re-notify after the repeat interval); a return to PASS resolves."
        actions={
          roleAllows(role, "admin") && !creating ? (
            <Button
              onClick={() => {
                setCreating(true);
                create.reset();
              }}
            >
              New rule
            </Button>
          ) : null
        }
      />
      {creating ? (
        <div className="mb-4 rounded-md border border-slate-200 p-3 dark:border-slate-800">
          <h3 className="mb-2 text-sm font-semibold">New rule</h3>
          <RuleForm
            submitLabel="Create rule"
            pending={create.isPending}
            error={create.error ?? null}
            onSubmit={(values: RuleFormValues) => create.mutate(values)}
            onCancel={() => setCreating(false)}
          />
        </div>
      ) : null}
      {engine.data && !engine.data.holder ? (
        <Callout tone="warning" className="mb-3" title="No process runs the alerts engine now">
          States below are not being evaluated. The engine runs in a process started with <code>npm start</code> or{" "}
          <code>npm run worker</code> (with alerts in WATCHPOST_ENGINES); when the process holding it stops or dies,
          another takes over within 10 s.
        </Callout>
      ) : null}
      {notice ? (
        <Callout tone="success" className="mb-3">
          {notice}
        </Callout>
      ) : null}
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <div role="group" aria-label="Filter by state" className="flex gap-1">
          {FILTERS.map((filter) => {
            const count = filter.value
              ? counts?.[filter.value]
              : counts
                ? counts.PASS + counts.WARN + counts.CRITICAL
                : undefined;
            return (
              <Button
                key={filter.label}
                size="sm"
                variant={state === filter.value ? "primary" : "secondary"}
                aria-pressed={state === filter.value}
                onClick={() => {
                  setState(filter.value);
                  setPage(1);
                }}
              >
                {filter.label}
                {count !== undefined ? <span className="tabular-nums">({count})</span> : null}
              </Button>
            );
          })}
        </div>
        <Field label="Search by name" htmlFor="rules-search">
          <Input
            id="rules-search"
            type="search"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              setPage(1);
            }}
            placeholder="checkout…"
          />
        </Field>
      </div>
      {rules.isPending ? (
        <LoadingState label="Loading rules…" />
      ) : rules.isError ? (
        <ErrorState error={rules.error} retry={() => void rules.refetch()} />
      ) : rules.data.items.length === 0 ? (
        <EmptyState title={state || search ? "No rule matches" : "No rules yet"}>
          {state || search
            ? "Clear the filter or the search to see every rule."
            : roleAllows(role, "admin")
              ? "Create one with New rule."
              : "An admin can create rules here."}
        </EmptyState>
      ) : (
        <>
          <Table caption="Alert rules">
            <THead>
              <Tr>
                <Th>Rule</Th>
                <Th>State</Th>
                <Th className="text-right">Last value</Th>
                <Th className="text-right">Warn / critical</Th>
                <Th>Source</Th>
                <Th className="text-right">Every</Th>
                <Th>State since</Th>
                <Th>Last evaluated</Th>
              </Tr>
            </THead>
            <tbody>
              {rules.data.items.map((rule) => (
                <Tr key={rule.id} data-testid={`rule-row-${rule.name}`}>
                  <Td>
                    <Link
                      href={`/alerts/${rule.id}`}
                      className="font-medium text-sky-700 hover:underline dark:text-sky-400"
                    >
                      {rule.name}
                    </Link>
                    {!rule.enabled ? (
                      <span className="ml-2 text-xs text-slate-500 dark:text-slate-400">(disabled)</span>
                    ) : null}
                    {rule.lastError ? (
                      <p className="max-w-xs truncate text-xs text-red-700 dark:text-red-400" title={rule.lastError}>
                        {rule.lastError}
                      </p>
                    ) : null}
                  </Td>
                  <Td>
                    <AlertStateBadge
                      state={rule.state}
                      evaluated={rule.lastEvaluatedAtMs !== null}
                      pending={rule.pendingState}
                      recovering={rule.recoveringSinceMs !== null}
                    />
                  </Td>
                  <Td className={cn("text-right tabular-nums")}>{formatMeasurement(rule.lastValue, rule.unit)}</Td>
                  <Td className="text-right tabular-nums">
                    {formatMeasurement(rule.warn.value, rule.unit)} /{" "}
                    {formatMeasurement(rule.critical.value, rule.unit)}
                  </Td>
                  <Td>
                    <span className="text-xs">{SOURCE_LABELS[rule.sourceKind]}</span>
                    <p
                      className="max-w-48 truncate font-mono text-xs text-slate-500 dark:text-slate-400"
                      title={rule.query}
                    >
                      {rule.query}
                    </p>
                  </Td>
                  <Td className="text-right tabular-nums">{rule.intervalSecs} s</Td>
                  <Td>{rule.stateChangedAtMs ? <Time value={rule.stateChangedAtMs} /> : "—"}</Td>
                  <Td>{rule.lastEvaluatedAtMs ? <Time value={rule.lastEvaluatedAtMs} /> : "not yet"}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination page={page} pageSize={PAGE_SIZE} total={rules.data.total} onPageChange={setPage} label="rules" />
        </>
      )}
    </Card>
  );
}
