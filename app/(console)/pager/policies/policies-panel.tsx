"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Plus, Trash2 } from "lucide-react";
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
} from "@/app/_components/ui";
import { policyInput } from "@/server/pager/model";

const PAGE_SIZE = 20;

type DraftTarget = { channel: "email" | "sms"; address: string };
type DraftLevel = { delayMinutes: number; targets: DraftTarget[] };
type Draft = { policyId: string | null; name: string; repeatCount: number; levels: DraftLevel[] };

const EMPTY_DRAFT: Draft = {
  policyId: null,
  name: "",
  repeatCount: 0,
  levels: [{ delayMinutes: 15, targets: [{ channel: "email", address: "" }] }],
};

/** The policies list, and for admins an editor that checks addresses (real e-mail, E.164 phone) before saving. */
export function PoliciesPanel({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState<{ tone: "success" | "error"; text: string } | null>(null);
  const policies = useQuery(trpc.pager.policy.list.queryOptions({ page, pageSize: PAGE_SIZE }));

  const onSaved = async (saved: { name: string; version: number }) => {
    setMessage({
      tone: "success",
      text: `Saved ${saved.name} (version ${saved.version}). Open incidents keep the version they started with.`,
    });
    setDraft(null);
    await queryClient.invalidateQueries({ queryKey: trpc.pager.pathKey() });
  };
  const onError = (error: { message: string }) => setMessage({ tone: "error", text: error.message });
  const create = useMutation(trpc.pager.policy.create.mutationOptions({ onSuccess: onSaved, onError }));
  const update = useMutation(trpc.pager.policy.update.mutationOptions({ onSuccess: onSaved, onError }));

  return (
    <div className="space-y-4">
      {message ? <Callout tone={message.tone}>{message.text}</Callout> : null}
      {draft ? (
        <PolicyEditor
          draft={draft}
          onChange={setDraft}
          onCancel={() => setDraft(null)}
          pending={create.isPending || update.isPending}
          onSubmit={(input) =>
            draft.policyId ? update.mutate({ ...input, policyId: draft.policyId }) : create.mutate(input)
          }
        />
      ) : null}
      <Card aria-labelledby="policies-heading">
        <CardHeader
          title={<span id="policies-heading">Escalation policies</span>}
          actions={
            canEdit && !draft ? (
              <Button onClick={() => setDraft(structuredClone(EMPTY_DRAFT))}>
                <Plus className="size-4" aria-hidden /> New policy
              </Button>
            ) : null
          }
        />
        {policies.isPending ? (
          <LoadingState label="Loading policies…" />
        ) : policies.isError ? (
          <ErrorState error={policies.error} retry={() => policies.refetch()} />
        ) : policies.data.items.length === 0 ? (
          <EmptyState title="No escalation policies yet">
            {canEdit ? "Create one: a service needs a policy." : "An admin creates them."}
          </EmptyState>
        ) : (
          <>
            <ul className="space-y-3">
              {policies.data.items.map((policy) => (
                <li
                  key={policy.id}
                  className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
                  data-testid="policy"
                >
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <div className="flex items-center gap-2">
                      <span className="font-medium">{policy.name}</span>
                      <Badge>version {policy.version}</Badge>
                      <Badge tone="info">{policy.serviceCount} service(s)</Badge>
                      <Badge>{policy.repeatCount === 0 ? "no repeat" : `repeats ${policy.repeatCount}×`}</Badge>
                    </div>
                    {canEdit && !draft ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        onClick={() =>
                          setDraft({
                            policyId: policy.id,
                            name: policy.name,
                            repeatCount: policy.repeatCount,
                            levels: structuredClone(policy.levels),
                          })
                        }
                      >
                        Edit {policy.name}
                      </Button>
                    ) : null}
                  </div>
                  <ol className="mt-2 space-y-1 text-sm">
                    {policy.levels.map((level, index) => (
                      <li key={index}>
                        <span className="font-medium">Level {index + 1}</span> · {level.delayMinutes} min to acknowledge
                        ·{" "}
                        {level.targets
                          .map((target) => `${target.channel === "email" ? "e-mail" : "SMS"} ${target.address}`)
                          .join(", ")}
                      </li>
                    ))}
                  </ol>
                </li>
              ))}
            </ul>
            <Pagination
              page={page}
              pageSize={PAGE_SIZE}
              total={policies.data.total}
              onPageChange={setPage}
              label="policies"
            />
          </>
        )}
      </Card>
    </div>
  );
}

function PolicyEditor({
  draft,
  onChange,
  onCancel,
  onSubmit,
  pending,
}: {
  draft: Draft;
  onChange: (draft: Draft) => void;
  onCancel: () => void;
  onSubmit: (input: { name: string; repeatCount: number; levels: DraftLevel[] }) => void;
  pending: boolean;
}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setLevel = (index: number, level: DraftLevel) =>
    onChange({ ...draft, levels: draft.levels.map((existing, at) => (at === index ? level : existing)) });

  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = policyInput.safeParse({ name: draft.name, repeatCount: draft.repeatCount, levels: draft.levels });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join("."), issue.message])));
      return;
    }
    setErrors({});
    onSubmit(parsed.data);
  }

  return (
    <Card aria-labelledby="editor-heading">
      <CardHeader
        title={<span id="editor-heading">{draft.policyId ? `Edit ${draft.name}` : "New escalation policy"}</span>}
      />
      <form onSubmit={submit} noValidate className="space-y-4">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field label="Name" htmlFor="policy-name" error={errors.name}>
            <Input
              id="policy-name"
              value={draft.name}
              onChange={(event) => onChange({ ...draft, name: event.target.value })}
              aria-invalid={!!errors.name}
            />
          </Field>
          <Field
            label="Repeats after the last level"
            htmlFor="policy-repeat"
            hint="0 stops after the last level; at most 5."
            error={errors.repeatCount}
          >
            <Input
              id="policy-repeat"
              type="number"
              min={0}
              max={5}
              value={draft.repeatCount}
              onChange={(event) => onChange({ ...draft, repeatCount: Number(event.target.value) })}
            />
          </Field>
        </div>
        {errors.levels ? <Callout tone="error">{errors.levels}</Callout> : null}
        {draft.levels.map((level, levelIndex) => (
          <fieldset key={levelIndex} className="rounded-md border border-slate-200 p-3 dark:border-slate-800">
            <legend className="px-1 text-sm font-semibold">Level {levelIndex + 1}</legend>
            <div className="mb-3 flex flex-wrap items-end gap-3">
              <div className="w-48">
                <Field
                  label="Minutes to acknowledge"
                  htmlFor={`level-${levelIndex}-delay`}
                  error={errors[`levels.${levelIndex}.delayMinutes`]}
                >
                  <Input
                    id={`level-${levelIndex}-delay`}
                    type="number"
                    min={1}
                    value={level.delayMinutes}
                    onChange={(event) => setLevel(levelIndex, { ...level, delayMinutes: Number(event.target.value) })}
                  />
                </Field>
              </div>
              <Button
                variant="ghost"
                size="sm"
                disabled={draft.levels.length === 1}
                onClick={() => onChange({ ...draft, levels: draft.levels.filter((_, at) => at !== levelIndex) })}
                aria-label={`Remove level ${levelIndex + 1}`}
              >
                <Trash2 className="size-4" aria-hidden /> Remove level
              </Button>
            </div>
            {errors[`levels.${levelIndex}.targets`] ? (
              <p className="mb-2 text-xs text-red-700 dark:text-red-400">{errors[`levels.${levelIndex}.targets`]}</p>
            ) : null}
            <ul className="space-y-2">
              {level.targets.map((target, targetIndex) => {
                const base = `level-${levelIndex}-target-${targetIndex}`;
                const setTarget = (next: DraftTarget) =>
                  setLevel(levelIndex, {
                    ...level,
                    targets: level.targets.map((existing, at) => (at === targetIndex ? next : existing)),
                  });
                return (
                  <li key={targetIndex} className="grid grid-cols-1 gap-2 sm:grid-cols-[10rem_1fr_auto] sm:items-end">
                    <Field label="Channel" htmlFor={`${base}-channel`}>
                      <Select
                        id={`${base}-channel`}
                        value={target.channel}
                        onChange={(event) =>
                          setTarget({ ...target, channel: event.target.value as DraftTarget["channel"] })
                        }
                      >
                        <option value="email">E-mail</option>
                        <option value="sms">SMS</option>
                      </Select>
                    </Field>
                    <Field
                      label={target.channel === "email" ? "E-mail address" : "Phone number (E.164)"}
                      htmlFor={`${base}-address`}
                      error={errors[`levels.${levelIndex}.targets.${targetIndex}.address`]}
                    >
                      <Input
                        id={`${base}-address`}
                        value={target.address}
                        placeholder={target.channel === "email" ? "oncall@example.com" : "+14155550123"}
                        inputMode={target.channel === "email" ? "email" : "tel"}
                        aria-invalid={!!errors[`levels.${levelIndex}.targets.${targetIndex}.address`]}
                        onChange={(event) => setTarget({ ...target, address: event.target.value })}
                      />
                    </Field>
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={level.targets.length === 1}
                      onClick={() =>
                        setLevel(levelIndex, { ...level, targets: level.targets.filter((_, at) => at !== targetIndex) })
                      }
                      aria-label={`Remove target ${targetIndex + 1} of level ${levelIndex + 1}`}
                    >
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  </li>
                );
              })}
            </ul>
            <Button
              className="mt-2"
              variant="secondary"
              size="sm"
              onClick={() =>
                setLevel(levelIndex, { ...level, targets: [...level.targets, { channel: "email", address: "" }] })
              }
            >
              <Plus className="size-4" aria-hidden /> Add target
            </Button>
          </fieldset>
        ))}
        <div className="flex flex-wrap gap-2">
          <Button
            variant="secondary"
            onClick={() =>
              onChange({
                ...draft,
                levels: [...draft.levels, { delayMinutes: 15, targets: [{ channel: "email", address: "" }] }],
              })
            }
          >
            <Plus className="size-4" aria-hidden /> Add level
          </Button>
          <span className="flex-1" />
          <Button variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" pending={pending}>
            Save policy
          </Button>
        </div>
      </form>
    </Card>
  );
}
