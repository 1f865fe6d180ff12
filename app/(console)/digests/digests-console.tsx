"use client";

import type { NamedRef, PersonRef } from "@/server/core/names";
import { roleAllows, type Role } from "@/server/core/roles";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import {
  Badge,
  Button,
  Callout,
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
import { PersonName, RuleName } from "@/app/_components/ui/entity-name";

const PAGE_SIZE = 10;

type Status = "CLEARED" | "WARNING" | "CRITICAL";

function StatusBadge({ status }: { status: Status }) {
  return <Badge tone={status === "CRITICAL" ? "bad" : status === "WARNING" ? "warn" : "good"}>{status}</Badge>;
}

/** An alarm's change time in the viewer's zone; the producer's exact string (what the digest echoes) in the tooltip. */
function ChangedAt({ changedAt, changedAtMs }: { changedAt: string; changedAtMs: number }) {
  return (
    <span className="text-xs text-slate-600 dark:text-slate-400">
      <Time value={changedAtMs} exact={changedAt} />
    </span>
  );
}

/** An AlarmID: the rule's name and link when the alert engine raised it, otherwise the producer's id as it is. */
function AlarmName({ alarmId, rule }: { alarmId: string; rule: NamedRef | null }) {
  return rule ? <RuleName rule={rule} /> : <code className="break-all">{alarmId}</code>;
}

/** A digest's UserID: the console user's name (e-mail in the tooltip), or the id as it came in a message. */
function DigestUser({ userId, person }: { userId: string; person: PersonRef | null }) {
  return person ? <PersonName person={person} /> : <code className="break-all">{userId}</code>;
}

export function DigestsConsole({ role }: { role: Role }) {
  const [selectedUser, setSelectedUser] = useState<string | undefined>(undefined);
  return (
    <div className="flex flex-col gap-6">
      <ModeLine />
      <UsersPanel role={role} selectedUser={selectedUser} onSelectUser={setSelectedUser} />
      <HistoryPanel userId={selectedUser} onClear={() => setSelectedUser(undefined)} />
      <DeadLettersPanel />
    </div>
  );
}

function ModeLine() {
  const trpc = useTRPC();
  const status = useQuery(trpc.digests.status.get.queryOptions(undefined, { refetchInterval: 10_000 }));
  if (!status.data) return null;
  const { transport, state, subjects } = status.data;
  return (
    <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="digest-mode">
      Transport: <strong>{transport === "nats" ? "NATS JetStream" : "in process"}</strong> · state:{" "}
      <strong>{state === "nats-kv" ? "NATS KV" : "SQLite"}</strong> · subjects <code>{subjects.statusChanged}</code>,{" "}
      <code>{subjects.digestRequest}</code> → <code>{subjects.digest}</code>
    </p>
  );
}

function UsersPanel({
  role,
  selectedUser,
  onSelectUser,
}: {
  role: Role;
  selectedUser: string | undefined;
  onSelectUser: (userId: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [message, setMessage] = useState<{ tone: "success" | "error" | "info"; text: string } | null>(null);
  const users = useQuery(
    trpc.digests.user.list.queryOptions({ page, pageSize: PAGE_SIZE }, { refetchInterval: 5_000 }),
  );
  const send = useMutation(
    trpc.digests.digest.send.mutationOptions({
      onSuccess: async (result, variables) => {
        setMessage({ tone: result.mode === "sent" ? "success" : "info", text: result.message });
        onSelectUser(variables.userId);
        await queryClient.invalidateQueries({ queryKey: trpc.digests.pathKey() });
      },
      onError: (error) => setMessage({ tone: "error", text: error.message }),
    }),
  );
  const canSend = roleAllows(role, "responder");

  return (
    <Card aria-labelledby="digest-users-heading">
      <CardHeader
        title={<span id="digest-users-heading">Users with active alarms</span>}
        description="Oldest change first. An alarm already sent unchanged is marked “sent” and is left out of the next digest."
      />
      {message ? (
        <Callout tone={message.tone} className="mb-3">
          {message.text}
        </Callout>
      ) : null}
      {users.isPending ? (
        <LoadingState label="Loading users…" />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => void users.refetch()} />
      ) : users.data.total === 0 ? (
        <EmptyState title="No active alarms">
          When an AlarmStatusChanged reports WARNING or CRITICAL for a user, the user appears here.
        </EmptyState>
      ) : (
        <>
          <Table caption="Users with active alarms">
            <THead>
              <tr>
                <Th>User</Th>
                <Th>Active</Th>
                <Th>Alarms (oldest first)</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </THead>
            <tbody>
              {users.data.items.map((user) => (
                <Tr
                  key={user.userId}
                  data-testid={`digest-user-${user.userId}`}
                  className={selectedUser === user.userId ? "bg-sky-50 dark:bg-sky-950/40" : undefined}
                >
                  <Td>
                    <DigestUser userId={user.userId} person={user.person} />
                  </Td>
                  <Td>
                    {user.activeCount}
                    {user.criticalCount > 0 ? (
                      <span className="ml-1 text-xs text-red-700 dark:text-red-300">
                        ({user.criticalCount} critical)
                      </span>
                    ) : null}
                  </Td>
                  <Td>
                    <ul className="flex flex-col gap-2">
                      {user.alarms.map((alarm) => (
                        <li key={alarm.alarmId} className="flex flex-wrap items-start gap-2">
                          <StatusBadge status={alarm.status} />
                          <AlarmName alarmId={alarm.alarmId} rule={alarm.rule} />
                          <ChangedAt changedAt={alarm.changedAt} changedAtMs={alarm.changedAtMs} />
                          {alarm.sent ? <Badge tone="neutral">sent</Badge> : null}
                        </li>
                      ))}
                    </ul>
                    {user.activeCount > user.alarms.length ? (
                      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
                        and {user.activeCount - user.alarms.length} more
                      </p>
                    ) : null}
                  </Td>
                  <Td className="whitespace-nowrap">
                    <div className="flex flex-col gap-2">
                      {canSend ? (
                        <Button
                          size="sm"
                          pending={send.isPending && send.variables?.userId === user.userId}
                          onClick={() => send.mutate({ userId: user.userId })}
                          aria-label={`Send digest now to ${user.userId}`}
                        >
                          Send digest now
                        </Button>
                      ) : null}
                      <Button
                        size="sm"
                        variant="secondary"
                        onClick={() => onSelectUser(user.userId)}
                        aria-label={`Show digest history of ${user.userId}`}
                      >
                        History
                      </Button>
                    </div>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination page={page} pageSize={PAGE_SIZE} total={users.data.total} onPageChange={setPage} label="users" />
          {!canSend ? (
            <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">
              Sending a digest needs the responder or admin role.
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}

function HistoryPanel({ userId, onClear }: { userId: string | undefined; onClear: () => void }) {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const history = useQuery(
    trpc.digests.history.list.queryOptions({ page, pageSize: PAGE_SIZE, userId }, { refetchInterval: 5_000 }),
  );
  const userName = userId ? history.data?.items.find((digest) => digest.userId === userId)?.user?.name : undefined;
  return (
    <Card aria-labelledby="digest-history-heading" data-testid="digest-history">
      <CardHeader
        title={
          <span id="digest-history-heading">
            Digest history{userId ? ` of ${userId}` : ""}
            {userName ? ` (${userName})` : ""}
          </span>
        }
        description="When each AlarmDigest was sent and exactly what it held. A digest is always sent, empty when nothing changed."
        actions={
          userId ? (
            <Button size="sm" variant="secondary" onClick={onClear}>
              Show every user
            </Button>
          ) : null
        }
      />
      {history.isPending ? (
        <LoadingState label="Loading digests…" />
      ) : history.isError ? (
        <ErrorState error={history.error} retry={() => void history.refetch()} />
      ) : history.data.total === 0 ? (
        <EmptyState title="No digest sent yet">
          A digest is sent when a SendAlarmDigest arrives, or when someone presses “Send digest now”.
        </EmptyState>
      ) : (
        <>
          <Table caption="Digests sent">
            <THead>
              <tr>
                <Th>Sent</Th>
                <Th>User</Th>
                <Th>Requested by</Th>
                <Th>Active alarms sent</Th>
              </tr>
            </THead>
            <tbody>
              {history.data.items.map((digest) => (
                <Tr key={digest.id} data-testid="digest-history-row">
                  <Td>
                    <Time value={digest.publishedAtMs ?? digest.createdAtMs} />
                    {digest.publishedAtMs === null ? (
                      <Badge tone="warn" className="ml-1">
                        not yet published
                      </Badge>
                    ) : null}
                  </Td>
                  <Td>
                    <DigestUser userId={digest.userId} person={digest.user} />
                  </Td>
                  <Td>{digest.requestedBy}</Td>
                  <Td>
                    {digest.alarms.length === 0 ? (
                      <span className="text-slate-500 dark:text-slate-400">
                        Empty: nothing new since the last digest
                      </span>
                    ) : (
                      <ul className="flex flex-col gap-1">
                        {digest.alarms.map((alarm) => (
                          <li key={alarm.alarmId} className="flex flex-wrap items-center gap-2">
                            <StatusBadge status={alarm.status} />
                            <AlarmName alarmId={alarm.alarmId} rule={alarm.rule} />
                            <ChangedAt changedAt={alarm.changedAt} changedAtMs={alarm.changedAtMs} />
                          </li>
                        ))}
                      </ul>
                    )}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            total={history.data.total}
            onPageChange={setPage}
            label="digests"
          />
        </>
      )}
    </Card>
  );
}

function DeadLettersPanel() {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const letters = useQuery(
    trpc.digests.deadLetter.list.queryOptions({ page, pageSize: PAGE_SIZE }, { refetchInterval: 10_000 }),
  );
  return (
    <Card aria-labelledby="digest-dead-letters-heading">
      <CardHeader
        title={<span id="digest-dead-letters-heading">Dead-lettered messages</span>}
        description="Messages that could not be read (bad JSON, unknown status, bad timestamp, missing field). They were acknowledged and kept here with the reason."
      />
      {letters.isPending ? (
        <LoadingState label="Loading dead letters…" />
      ) : letters.isError ? (
        <ErrorState error={letters.error} retry={() => void letters.refetch()} />
      ) : letters.data.total === 0 ? (
        <EmptyState title="No dead letters">Every message so far could be read.</EmptyState>
      ) : (
        <>
          <Table caption="Dead-lettered messages">
            <THead>
              <tr>
                <Th>Received</Th>
                <Th>Subject</Th>
                <Th>Reason</Th>
                <Th>Raw body</Th>
              </tr>
            </THead>
            <tbody>
              {letters.data.items.map((letter) => (
                <Tr key={letter.id}>
                  <Td>
                    <Time value={letter.receivedAtMs} />
                  </Td>
                  <Td>
                    <code>{letter.subject}</code>
                  </Td>
                  <Td>{letter.reason}</Td>
                  <Td>
                    <pre className="max-w-md overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs dark:bg-slate-800">
                      {letter.rawBody}
                    </pre>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
          <Pagination
            page={page}
            pageSize={PAGE_SIZE}
            total={letters.data.total}
            onPageChange={setPage}
            label="dead letters"
          />
        </>
      )}
    </Card>
  );
}
