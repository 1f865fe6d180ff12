"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/app/_components/trpc/client";
import { Button, Callout, Field, Input, Select } from "@/app/_components/ui";
import { issuesByField, type SaveError } from "@/app/_components/ui/field-issues";
import { RULE_FIELD_LABELS, type RuleField } from "@/server/alerts/rule";
import { RULE_UNIT_LABELS, RULE_UNITS, type RuleUnit } from "@/server/alerts/units";

export type RuleFormValues = {
  name: string;
  sourceKind: "alerts-server" | "dbsim" | "simulated";
  query: string;
  unit: RuleUnit;
  intervalSecs: number;
  repeatIntervalSecs: number;
  forSecs: number;
  keepFiringForSecs: number;
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
  unit: "",
  intervalSecs: 5,
  repeatIntervalSecs: 300,
  forSecs: 0,
  keepFiringForSecs: 0,
  warn: { value: 100, message: "" },
  critical: { value: 200, message: "" },
  serviceId: null,
  subscriberUserIds: [],
  enabled: true,
};

const FIELDS = Object.keys(RULE_FIELD_LABELS) as RuleField[];

/**
 * The admin's form to create or edit a rule. The server validates; each of its messages is shown under the field
 * it is about (with that field's label), anything else under the form. The monitored service and the subscribers
 * are chosen from those that exist.
 */
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
  error: SaveError | null;
  onSubmit: (values: RuleFormValues) => void;
  onCancel?: () => void;
}) {
  const trpc = useTRPC();
  const options = useQuery(trpc.alerts.source.options.queryOptions());
  const services = useQuery(trpc.pager.service.list.queryOptions({ page: 1, pageSize: 200 }));
  const people = useQuery(trpc.auth.user.list.queryOptions({ page: 1, pageSize: 200 }));
  const start = initial ?? EMPTY;
  const [sourceKind, setSourceKind] = useState(start.sourceKind);
  const [subscribers, setSubscribers] = useState<string[]>(start.subscriberUserIds);
  const prefix = initial ? "edit-rule" : "new-rule";
  const { byField, rest } = issuesByField(error, FIELDS, "rule.");
  const fieldError = (field: RuleField) => byField.get(field) ?? null;
  const label = RULE_FIELD_LABELS;
  const serviceChoices = services.data?.items ?? [];
  const knownService = !start.serviceId || serviceChoices.some((service) => service.id === start.serviceId);
  const personChoices = people.data?.items ?? [];
  // Subscribers who are not on the list's first page (or no longer exist) stay chosen, shown by id.
  const unlisted = subscribers.filter((id) => !personChoices.some((person) => person.id === id));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const number = (name: string) => (text(name) === "" ? Number.NaN : Number(text(name)));
    onSubmit({
      name: text("name"),
      sourceKind,
      query: text("query"),
      unit: text("unit") as RuleUnit,
      intervalSecs: number("intervalSecs"),
      repeatIntervalSecs: number("repeatIntervalSecs"),
      forSecs: number("forSecs"),
      keepFiringForSecs: number("keepFiringForSecs"),
      warn: { value: number("warnValue"), message: text("warnMessage") },
      critical: { value: number("criticalValue"), message: text("criticalMessage") },
      serviceId: text("serviceId") || null,
      subscriberUserIds: subscribers,
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
      noValidate
      aria-label={initial ? "Edit the rule" : "Create a rule"}
      className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4"
    >
      <Field label={label.name} htmlFor={`${prefix}-name`} error={fieldError("name")}>
        <Input id={`${prefix}-name`} name="name" required maxLength={120} defaultValue={start.name} />
      </Field>
      <Field label={label.sourceKind} htmlFor={`${prefix}-source`} error={fieldError("sourceKind")}>
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
        <Field label={label.query} htmlFor={`${prefix}-query`} hint={queryHint} error={fieldError("query")}>
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
      <Field
        label={label.unit}
        htmlFor={`${prefix}-unit`}
        hint="What the value is measured in: the chart's axis and every value show it."
        error={fieldError("unit")}
      >
        <Select id={`${prefix}-unit`} name="unit" defaultValue={start.unit}>
          {RULE_UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {RULE_UNIT_LABELS[unit]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label={label.intervalSecs} htmlFor={`${prefix}-interval`} error={fieldError("intervalSecs")}>
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
        label={label.repeatIntervalSecs}
        htmlFor={`${prefix}-repeat`}
        hint="Re-notify an unchanged WARN or CRITICAL after this long."
        error={fieldError("repeatIntervalSecs")}
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
      <Field
        label={label.forSecs}
        htmlFor={`${prefix}-for`}
        hint="A value above warn must stay there this long before the rule fires (PENDING meanwhile); 0: at once."
        error={fieldError("forSecs")}
      >
        <Input
          id={`${prefix}-for`}
          name="forSecs"
          type="number"
          step="any"
          min={0}
          required
          defaultValue={start.forSecs}
        />
      </Field>
      <Field
        label={label.keepFiringForSecs}
        htmlFor={`${prefix}-keep-firing`}
        hint="A firing rule resolves only once its value stayed in PASS this long, so a flapping value pages once; 0: at once."
        error={fieldError("keepFiringForSecs")}
      >
        <Input
          id={`${prefix}-keep-firing`}
          name="keepFiringForSecs"
          type="number"
          step="any"
          min={0}
          required
          defaultValue={start.keepFiringForSecs}
        />
      </Field>
      <div className="hidden lg:col-span-3 lg:block" aria-hidden />
      <Field label={label["warn.value"]} htmlFor={`${prefix}-warn-value`} error={fieldError("warn.value")}>
        <Input
          id={`${prefix}-warn-value`}
          name="warnValue"
          type="number"
          step="any"
          required
          defaultValue={start.warn.value}
        />
      </Field>
      <Field label={label["warn.message"]} htmlFor={`${prefix}-warn-message`} error={fieldError("warn.message")}>
        <Input
          id={`${prefix}-warn-message`}
          name="warnMessage"
          required
          maxLength={500}
          defaultValue={start.warn.message}
        />
      </Field>
      <Field label={label["critical.value"]} htmlFor={`${prefix}-critical-value`} error={fieldError("critical.value")}>
        <Input
          id={`${prefix}-critical-value`}
          name="criticalValue"
          type="number"
          step="any"
          required
          defaultValue={start.critical.value}
        />
      </Field>
      <Field
        label={label["critical.message"]}
        htmlFor={`${prefix}-critical-message`}
        error={fieldError("critical.message")}
      >
        <Input
          id={`${prefix}-critical-message`}
          name="criticalMessage"
          required
          maxLength={500}
          defaultValue={start.critical.message}
        />
      </Field>
      <div className="sm:col-span-2">
        <Field
          label={label.serviceId}
          htmlFor={`${prefix}-service`}
          hint="The pager service its WARN and CRITICAL open incidents on; none: it notifies its subscribers only."
          error={fieldError("serviceId")}
        >
          <Select id={`${prefix}-service`} name="serviceId" defaultValue={start.serviceId ?? ""}>
            <option value="">none</option>
            {serviceChoices.map((service) => (
              <option key={service.id} value={service.id}>
                {service.name}
              </option>
            ))}
            {knownService || services.isPending ? null : (
              <option value={start.serviceId!}>{`${start.serviceId} (no such service)`}</option>
            )}
          </Select>
        </Field>
      </div>
      <fieldset className="sm:col-span-2" aria-describedby={`${prefix}-subscribers-hint`}>
        <legend className="text-sm font-medium text-slate-800 dark:text-slate-200">{label.subscriberUserIds}</legend>
        <p id={`${prefix}-subscribers-hint`} className="mb-1 text-xs text-slate-500 dark:text-slate-400">
          They get the rule&apos;s changes in their digests.
          {people.data && people.data.total > personChoices.length
            ? ` Showing the first ${personChoices.length} of ${people.data.total} people.`
            : null}
        </p>
        <div className="flex max-h-32 flex-wrap gap-x-4 gap-y-1 overflow-y-auto rounded-md border border-slate-200 p-2 dark:border-slate-800">
          {[
            ...personChoices.map((person) => ({ id: person.id, label: person.name || person.email })),
            ...unlisted.map((id) => ({ id, label: id })),
          ].map((choice) => (
            <label key={choice.id} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                className="size-4"
                checked={subscribers.includes(choice.id)}
                onChange={(event) =>
                  setSubscribers((current) =>
                    event.target.checked ? [...current, choice.id] : current.filter((id) => id !== choice.id),
                  )
                }
              />
              {choice.label}
            </label>
          ))}
          {people.isPending ? (
            <span className="text-sm text-slate-500 dark:text-slate-400">Loading people…</span>
          ) : null}
        </div>
        {fieldError("subscriberUserIds") ? (
          <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
            {fieldError("subscriberUserIds")}
          </p>
        ) : null}
      </fieldset>
      <div className="flex items-center gap-2 self-end pb-2">
        <input
          id={`${prefix}-enabled`}
          name="enabled"
          type="checkbox"
          defaultChecked={start.enabled}
          className="size-4"
        />
        <label htmlFor={`${prefix}-enabled`} className="text-sm">
          {label.enabled}
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
      {rest ? (
        <Callout tone="error" className="sm:col-span-2 lg:col-span-4">
          {rest}
        </Callout>
      ) : byField.size > 0 ? (
        <p role="status" className="text-sm text-red-700 sm:col-span-2 lg:col-span-4 dark:text-red-400">
          Nothing was saved: correct the {byField.size === 1 ? "field" : `${byField.size} fields`} marked above.
        </p>
      ) : null}
    </form>
  );
}
