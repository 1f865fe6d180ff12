"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import { Button, Callout, Field, Input, Select } from "@/app/_components/ui";

export type RuleFormValues = {
  name: string;
  sourceKind: "alerts-server" | "dbsim" | "simulated";
  query: string;
  intervalSecs: number;
  repeatIntervalSecs: number;
  warn: { value: number; message: string };
  critical: { value: number; message: string };
  serviceId: string | null;
  subscriberUserIds: string[];
  enabled: boolean;
};

const EMPTY: RuleFormValues = {
  name: "",
  sourceKind: "simulated",
  query: "sine?min=0&max=300&period=60",
  intervalSecs: 5,
  repeatIntervalSecs: 300,
  warn: { value: 100, message: "" },
  critical: { value: 200, message: "" },
  serviceId: null,
  subscriberUserIds: [],
  enabled: true,
};

/** The admin's form to create or edit a rule; the server validates and its message is shown as is. */
export function RuleForm({
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  initial?: RuleFormValues;
  submitLabel: string;
  pending: boolean;
  error: string | null;
  onSubmit: (values: RuleFormValues) => void;
  onCancel?: () => void;
}) {
  const trpc = useTRPC();
  const options = useQuery(trpc.alerts.source.options.queryOptions());
  const start = initial ?? EMPTY;
  const [sourceKind, setSourceKind] = useState(start.sourceKind);
  const prefix = initial ? "edit-rule" : "new-rule";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const number = (name: string) => (text(name) === "" ? Number.NaN : Number(text(name)));
    onSubmit({
      name: text("name"),
      sourceKind,
      query: text("query"),
      intervalSecs: number("intervalSecs"),
      repeatIntervalSecs: number("repeatIntervalSecs"),
      warn: { value: number("warnValue"), message: text("warnMessage") },
      critical: { value: number("criticalValue"), message: text("criticalMessage") },
      serviceId: text("serviceId") || null,
      subscriberUserIds: text("subscribers")
        .split(/[\s,]+/)
        .filter(Boolean),
      enabled: form.get("enabled") === "on",
    });
  }

  const queryHint =
    sourceKind === "simulated"
      ? `For example ${options.data?.simulatedExamples.join(" · ") ?? "constant?value=250"}`
      : sourceKind === "dbsim"
        ? `A simulated-database metric: ${options.data?.dbsimMetrics.length ? options.data.dbsimMetrics.slice(0, 9).join(", ") : "dbsim.cpu.max, dbsim.io.avg, dbsim.memory.min"}`
        : options.data?.alertsServerUrl
          ? `The target sent to ${options.data.alertsServerUrl}/query`
          : "ALERTS_SERVER_URL is not set on the server: rules on this source cannot run.";

  return (
    <form
      onSubmit={submit}
      aria-label={initial ? "Edit the rule" : "Create a rule"}
      className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4"
    >
      <Field label="Name" htmlFor={`${prefix}-name`}>
        <Input id={`${prefix}-name`} name="name" required maxLength={120} defaultValue={start.name} />
      </Field>
      <Field label="Source" htmlFor={`${prefix}-source`}>
        <Select
          id={`${prefix}-source`}
          name="sourceKind"
          value={sourceKind}
          onChange={(event) => setSourceKind(event.target.value as RuleFormValues["sourceKind"])}
        >
          <option value="simulated">Simulated values</option>
          <option value="dbsim">Simulated database metric</option>
          <option value="alerts-server">alerts-server query</option>
        </Select>
      </Field>
      <div className="sm:col-span-2">
        <Field label="Query" htmlFor={`${prefix}-query`} hint={queryHint}>
          <Input
            id={`${prefix}-query`}
            name="query"
            required
            maxLength={500}
            defaultValue={start.query}
            list={`${prefix}-query-options`}
          />
        </Field>
        <datalist id={`${prefix}-query-options`}>
          {(sourceKind === "dbsim"
            ? (options.data?.dbsimMetrics ?? [])
            : sourceKind === "simulated"
              ? (options.data?.simulatedExamples ?? [])
              : []
          ).map((item) => (
            <option key={item} value={item} />
          ))}
        </datalist>
      </div>
      <Field label="Interval (seconds)" htmlFor={`${prefix}-interval`}>
        <Input
          id={`${prefix}-interval`}
          name="intervalSecs"
          type="number"
          step="any"
          required
          defaultValue={start.intervalSecs}
        />
      </Field>
      <Field
        label="Repeat interval (seconds)"
        htmlFor={`${prefix}-repeat`}
        hint="Re-notify an unchanged WARN or CRITICAL after this long."
      >
        <Input
          id={`${prefix}-repeat`}
          name="repeatIntervalSecs"
          type="number"
          step="any"
          required
          defaultValue={start.repeatIntervalSecs}
        />
      </Field>
      <Field label="Warn above" htmlFor={`${prefix}-warn-value`}>
        <Input
          id={`${prefix}-warn-value`}
          name="warnValue"
          type="number"
          step="any"
          required
          defaultValue={start.warn.value}
        />
      </Field>
      <Field label="Warn message" htmlFor={`${prefix}-warn-message`}>
        <Input
          id={`${prefix}-warn-message`}
          name="warnMessage"
          required
          maxLength={500}
          defaultValue={start.warn.message}
        />
      </Field>
      <Field label="Critical above" htmlFor={`${prefix}-critical-value`}>
        <Input
          id={`${prefix}-critical-value`}
          name="criticalValue"
          type="number"
          step="any"
          required
          defaultValue={start.critical.value}
        />
      </Field>
      <Field label="Critical message" htmlFor={`${prefix}-critical-message`}>
        <Input
          id={`${prefix}-critical-message`}
          name="criticalMessage"
          required
          maxLength={500}
          defaultValue={start.critical.message}
        />
      </Field>
      <Field
        label="Monitored service id (optional)"
        htmlFor={`${prefix}-service`}
        hint="A pager service (svc_…) to open incidents on."
      >
        <Input id={`${prefix}-service`} name="serviceId" maxLength={100} defaultValue={start.serviceId ?? ""} />
      </Field>
      <Field
        label="Subscribed user ids (optional)"
        htmlFor={`${prefix}-subscribers`}
        hint="Comma-separated; they get the changes in their digests."
      >
        <Input id={`${prefix}-subscribers`} name="subscribers" defaultValue={start.subscriberUserIds.join(", ")} />
      </Field>
      <div className="flex items-center gap-2 self-end pb-2">
        <input
          id={`${prefix}-enabled`}
          name="enabled"
          type="checkbox"
          defaultChecked={start.enabled}
          className="size-4"
        />
        <label htmlFor={`${prefix}-enabled`} className="text-sm">
          Enabled
        </label>
      </div>
      <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-4">
        <Button type="submit" pending={pending}>
          {submitLabel}
        </Button>
        {onCancel ? (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        ) : null}
      </div>
      {error ? (
        <Callout tone="error" className="sm:col-span-2 lg:col-span-4">
          {error}
        </Callout>
      ) : null}
    </form>
  );
}
