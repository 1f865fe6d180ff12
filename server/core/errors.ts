/**
 * An expected refusal from a use case: bad input, something missing, a conflict. It carries the HTTP-like code
 * and a message written for the person who caused it. The tRPC layer turns it into the matching error; anything
 * else that escapes a use case is a bug and is logged as one.
 *
 * Recognise one with `isDomainError`, never `instanceof`: Next.js can load this module twice in one process (the
 * instrumentation bundle, where the engines are built, and the route bundle), so an error thrown by one copy of
 * the class is not an instance of the other copy. The brand is a registered symbol, the same in every copy.
 */
export type DomainErrorCode = "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" | "FORBIDDEN";

const DOMAIN_ERROR = Symbol.for("watchpost.domain-error");
const CODES: readonly DomainErrorCode[] = ["BAD_REQUEST", "NOT_FOUND", "CONFLICT", "FORBIDDEN"];

export class DomainError extends Error {
  readonly [DOMAIN_ERROR] = true;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** True for a DomainError from any copy of this module (see the header). */
export function isDomainError(value: unknown): value is DomainError {
  if (typeof value !== "object" || value === null || !(value instanceof Error)) return false;
  const candidate = value as Partial<Record<typeof DOMAIN_ERROR, unknown>> & { code?: unknown };
  return candidate[DOMAIN_ERROR] === true && CODES.includes(candidate.code as DomainErrorCode);
}
