/**
 * A form's view of a failed save: tRPC's error carries each invalid-input issue with its field's dotted path
 * (server/trpc/init.ts), so a form shows each message next to its field and only the rest under the form.
 */
export type SaveError = {
  message: string;
  data?: { fieldIssues?: Array<{ path: string; message: string }> | null } | null;
};

/**
 * The first message for each of `fields` (an issue on "warn.value" belongs to the field "warn.value"; one on
 * "levels.0.x" to "levels" when only that is a field), after removing `prefix` ("rule." for an update's input);
 * `rest` is what no field takes: the other issues, or the whole message when the error is not about input.
 */
export function issuesByField<Field extends string>(
  error: SaveError | null | undefined,
  fields: readonly Field[],
  prefix = "",
): { byField: Map<Field, string>; rest: string | null } {
  const byField = new Map<Field, string>();
  if (!error) return { byField, rest: null };
  const unplaced: string[] = [];
  for (const issue of error.data?.fieldIssues ?? []) {
    const path = prefix && issue.path.startsWith(prefix) ? issue.path.slice(prefix.length) : issue.path;
    const field = fields.find((name) => path === name || path.startsWith(`${name}.`));
    if (!field) unplaced.push(issue.message);
    else if (!byField.has(field)) byField.set(field, issue.message);
  }
  if (byField.size === 0) return { byField, rest: error.message };
  return { byField, rest: unplaced.length ? unplaced.join("; ") : null };
}
