/**
 * One way to turn zod's issues into words a person can act on, for every boundary (tRPC, HTTP, NATS messages,
 * the alerts-server's answers): "email: Enter a valid e-mail address". A message that already names its field
 * ("UserID is required") is not prefixed again.
 */
type IssueLike = { path: readonly PropertyKey[]; message: string };

/** One sentence per issue, each led by the field's dotted path unless the message already starts with it. */
export function zodIssueSentences(error: { issues: readonly IssueLike[] }): string[] {
  return error.issues.map((issue) => {
    if (issue.path.length === 0) return issue.message;
    const field = issue.path.map(String).join(".");
    return issue.message.startsWith(String(issue.path[0])) ? issue.message : `${field}: ${issue.message}`;
  });
}

/** The issues as one sentence, separated by semicolons. */
export function describeZodError(error: { issues: readonly IssueLike[] }): string {
  return zodIssueSentences(error).join("; ");
}
