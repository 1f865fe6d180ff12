/**
 * An expected refusal from a use case: bad input, something missing, a conflict. It carries the HTTP-like code
 * and a message written for the person who caused it. The tRPC layer turns it into the matching error; anything
 * else that escapes a use case is a bug and is logged as one.
 */
export type DomainErrorCode = "BAD_REQUEST" | "NOT_FOUND" | "CONFLICT" | "FORBIDDEN";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
