"use client";

import { roleAllows, type Role } from "@/server/core/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Button,
  Callout,
  Card,
  CardHeader,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  Table,
  Td,
  Th,
  THead,
  Time,
  Tr,
} from "@/app/_components/ui";
import { PersonName, ServiceName } from "@/app/_components/ui/entity-name";
import { RuleForm } from "../rule-form";
import { formatMeasurement } from "@/server/alerts/units";
import { AlertStateBadge, SOURCE_LABELS } from "../state-badge";
import { RuleChart } from "./rule-chart";

/** One rule: its live state, the value chart against the thresholds, its transitions, and (admins) edit and delete. */
export function RuleView({ ruleId, role }: { ruleId: string; role: Role }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [deleted, setDeleted] = useState(false);
  // Once deleted, stop polling the rule (it would answer "not found" until the page has moved on).
  const history = useQuery({
    ...trpc.alerts.rule.history.queryOptions({ id: ruleId, maxPoints: 240 }, { refetchInterval: 2_000 }),
    enabled: !deleted,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
  const update = useMutation(
    trpc.alerts.rule.update.mutationOptions({
      onSuccess: async () => {
        setEditing(false);
        await invalidate();
      },
    }),
  );
  const remove = useMutation(
    trpc.alerts.rule.delete.mutationOptions({
      onSuccess: async () => {
        setDeleted(true);
        router.push("/alerts");
        await queryClient.invalidateQueries({ queryKey: trpc.alerts.rule.list.pathKey() });
      },
    }),
  );

  if (history.isPending) return <LoadingState label="Loading the rule…" />;
  if (history.isError) {
    return (
      <>
        <PageHeader title="Alert rule" />
        <ErrorState error={history.error} retry={() => void history.refetch()} />
        <p className="mt-3 text-sm">
          <Link href="/alerts" className="text-sky-700 underline hover:no-underline dark:text-sky-400">
            Back to the alerts
          </Link>
        </p>
      </>
    );
  }
  const { rule, series, bucketMs, transitions, names } = history.data;

  return (
    <>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            {rule.name}{" "}
            <AlertStateBadge
              state={rule.state}
              evaluated={rule.lastEvaluatedAtMs !== null}
              pending={rule.pendingState}
              recovering={rule.recoveringSinceMs !== null}
            />
          </span>
        }
        description={
          <span>
            <Link href="/alerts" className="text-sky-700 underline hover:no-underline dark:text-sky-400">
              Alerts
            </Link>{" "}
            · {SOURCE_LABELS[rule.sourceKind]} <code className="font-mono text-xs">{rule.query}</code> every{" "}
            {rule.intervalSecs} s{rule.origin === "alerts-server" ? " · loaded from the alerts-server" : ""}
          </span>
        }
        actions={
          roleAllows(role, "admin") ? (
            <span className="flex gap-2">
              <Button
                variant="secondary"
                onClick={() => {
                  setEditing((value) => !value);
                  update.reset();
                }}
              >
                {editing ? "Close the editor" : "Edit"}
              </Button>
              {confirmingDelete ? (
                <>
                  <Button variant="danger" pending={remove.isPending} onClick={() => remove.mutate({ id: rule.id })}>
                    Delete for good
                  </Button>
                  <Button variant="ghost" onClick={() => setConfirmingDelete(false)}>
                    Keep it
                  </Button>
                </>
              ) : (
                <Button variant="danger" onClick={() => setConfirmingDelete(true)}>
                  Delete
                </Button>
              )}
            </span>
          ) : null
        }
      />
      {remove.error ? (
        <Callout tone="error" className="mb-3">
          {remove.error.message}
        </Callout>
      ) : null}
      {editing ? (
        <Card className="mb-4">
          <CardHeader
            title="Edit the rule"
            description={
              rule.origin === "alerts-server"
                ? "This rule comes from the alerts-server: its query and thresholds are reloaded from there at the next start."
                : undefined
            }
          />
          <RuleForm
            initial={rule}
            submitLabel="Save changes"
            pending={update.isPending}
            error={update.error ?? null}
            onSubmit={(values) => update.mutate({ id: rule.id, rule: values })}
            onCancel={() => setEditing(false)}
          />
        </Card>
      ) : null}

      <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
        {[
          [
            "State",
            <span key="state">
              <span data-testid="rule-state">
                {rule.lastEvaluatedAtMs === null
                  ? "not evaluated yet"
                  : rule.state === "PASS" && rule.pendingState
                    ? `PENDING → ${rule.pendingState}`
                    : rule.state}
              </span>
              {rule.state === "PASS" && rule.pendingState && rule.pendingSinceMs !== null ? (
                <span className="block text-xs font-normal text-slate-600 dark:text-slate-400">
                  fires at <Time value={rule.pendingSinceMs + rule.forSecs * 1000} /> if it stays above warn
                </span>
              ) : null}
              {rule.state !== "PASS" && rule.recoveringSinceMs !== null ? (
                <span className="block text-xs font-normal text-slate-600 dark:text-slate-400">
                  back in PASS; resolves at <Time value={rule.recoveringSinceMs + rule.keepFiringForSecs * 1000} /> if
                  it stays there
                </span>
              ) : null}
            </span>,
          ],
          [
            "Last value",
            <span key="value" className="tabular-nums">
              {formatMeasurement(rule.lastValue, rule.unit)}
            </span>,
          ],
          [
            "Warn above / critical above",
            <span key="thresholds" className="tabular-nums">
              {formatMeasurement(rule.warn.value, rule.unit)} / {formatMeasurement(rule.critical.value, rule.unit)}
            </span>,
          ],
          ["Last notified", rule.lastNotifiedAtMs ? <Time key="notified" value={rule.lastNotifiedAtMs} /> : "—"],
          ["Repeat interval", `${rule.repeatIntervalSecs} s`],
          ["Pending for · keep firing for", `${rule.forSecs} s · ${rule.keepFiringForSecs} s`],
          ["Monitored service", names.service ? <ServiceName key="service" service={names.service} /> : "none"],
          [
            "Subscribers",
            names.subscribers.length ? (
              <span key="subscribers" className="flex flex-wrap gap-x-1">
                {names.subscribers.map((person, index) => (
                  <span key={person.id}>
                    <PersonName person={person} />
                    {index < names.subscribers.length - 1 ? "," : null}
                  </span>
                ))}
              </span>
            ) : (
              "none"
            ),
          ],
          [
            "Last evaluated",
            rule.lastEvaluatedAtMs ? <Time key="evaluated" value={rule.lastEvaluatedAtMs} /> : "not evaluated yet",
          ],
        ].map(([label, value]) => (
          <div key={String(label)} className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
            <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
            <dd className="text-sm font-medium">{value}</dd>
          </div>
        ))}
      </dl>
      {rule.lastError ? (
        <Callout tone="warning" title="The last evaluation failed; the state did not change" className="mb-4">
          {rule.lastError}
        </Callout>
      ) : null}

      <Card className="mb-4" aria-labelledby="chart-heading">
        <CardHeader
          title={<span id="chart-heading">Value and thresholds</span>}
          description={
            bucketMs <= rule.intervalSecs * 1000
              ? `One point per evaluation (every ${rule.intervalSecs} s).`
              : `The latest evaluations in ${Math.round(bucketMs / 100) / 10} s buckets.`
          }
        />
        {series.length === 0 ? (
          <EmptyState title="No evaluations yet">
            The first one runs within one interval ({rule.intervalSecs} s).
          </EmptyState>
        ) : (
          <RuleChart
            buckets={series}
            bucketMs={bucketMs}
            transitions={transitions}
            warn={rule.warn.value}
            critical={rule.critical.value}
            unit={rule.unit}
          />
        )}
      </Card>

      <Card aria-labelledby="transitions-heading">
        <CardHeader
          title={<span id="transitions-heading">Transitions and notifications</span>}
          description="The latest 200, newest first."
        />
        {transitions.length === 0 ? (
          <EmptyState title="No transitions yet">The rule has stayed in PASS.</EmptyState>
        ) : (
          <Table caption="Transitions">
            <THead>
              <Tr>
                <Th>When</Th>
                <Th>Change</Th>
                <Th>Action</Th>
                <Th className="text-right">Value</Th>
                <Th>Message</Th>
              </Tr>
            </THead>
            <tbody>
              {transitions.map((transition) => (
                <Tr key={`${transition.atMs}-${transition.action}`}>
                  <Td>
                    <Time value={transition.atMs} />
                  </Td>
                  <Td>
                    <span className="flex items-center gap-1">
                      <AlertStateBadge state={transition.previousState} /> →{" "}
                      <AlertStateBadge state={transition.newState} />
                    </span>
                  </Td>
                  <Td>{transition.action}</Td>
                  <Td className="text-right tabular-nums">{formatMeasurement(transition.value, rule.unit)}</Td>
                  <Td>{transition.message}</Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </>
  );
}
