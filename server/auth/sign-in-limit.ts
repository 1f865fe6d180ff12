/**
 * The sign-in limit: how many password guesses anyone gets. Two counters, both kept in the database
 * (`SignInAttemptStore`, SQLite in adapters/sqlite-sign-in-attempts.ts) so that every process on it shares them:
 * - per client address, a fixed one-minute window of WATCHPOST_SIGN_IN_RATE_LIMIT attempts;
 * - per e-mail, a back-off for guessing spread over many addresses: the first FREE_ACCOUNT_ATTEMPTS attempts
 *   since the last success go through at once, then each further one must wait 2, 4, 8 … seconds after the
 *   previous (capped), and a successful sign-in resets it. The wait is reserved when an attempt is admitted, so
 *   a burst of parallel guesses gets one through per wait, not all of them.
 * Time comes from the Clock (wall time in production: processes compare it).
 */
import type { Clock } from "@/server/core/clock";

export const ADDRESS_WINDOW_MS = 60_000;
export const FREE_ACCOUNT_ATTEMPTS = 5;
export const MAX_ACCOUNT_WAIT_MS = 15 * 60_000;
/** An e-mail left alone this long starts afresh (and its row is pruned). */
export const ACCOUNT_MEMORY_MS = 24 * 60 * 60_000;
const PRUNE_EVERY_MS = 60_000;

export interface SignInAttemptStore {
  /**
   * Atomically counts one attempt from `address`: in its current window, or in a new one starting `now` when
   * the last began `windowMs` ago or more. Returns the attempts counted in that window and when it began.
   */
  countAddressAttempt(input: { address: string; now: number; windowMs: number }): {
    attempts: number;
    windowStartedAt: number;
  };
  /**
   * Atomically, for one e-mail: refuses when `now` is before its next allowed attempt; otherwise counts the
   * attempt and sets the next allowed one to `now + waitAfter(attempts)`. Attempts older than `forgetBefore`
   * are forgotten first.
   */
  admitAccountAttempt(input: {
    email: string;
    now: number;
    forgetBefore: number;
    waitAfter: (attempts: number) => number;
  }): { admitted: true; attempts: number } | { admitted: false; nextAttemptAt: number };
  /** Gives back an admitted attempt that never reached the password check (a bad request, a refused origin). */
  refundAccountAttempt(email: string): void;
  /** A successful sign-in: the e-mail starts afresh. */
  clearAccount(email: string): void;
  /** Deletes address windows that began before `windowsBefore` and e-mails last tried before `accountsBefore`. */
  prune(input: { windowsBefore: number; accountsBefore: number }): void;
}

export type SignInRefusal = {
  allowed: false;
  reason: "address" | "account";
  /** Whole seconds until an attempt may succeed (the Retry-After header), at least 1. */
  retryAfterSeconds: number;
  /** Unix ms from which to try again. */
  retryAt: number;
  message: string;
};
export type SignInDecision = { allowed: true } | SignInRefusal;

/** Wait before the next attempt once `attempts` were admitted: none for the free ones, then 2 s, 4 s, 8 s … (capped). */
export function accountWaitMs(attempts: number): number {
  if (attempts < FREE_ACCOUNT_ATTEMPTS) return 0;
  const doublings = Math.min(attempts - FREE_ACCOUNT_ATTEMPTS + 1, 30);
  return Math.min(2 ** doublings * 1000, MAX_ACCOUNT_WAIT_MS);
}

/** The e-mail as the account limit keys it. */
export function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

function clockTime(at: number): string {
  return `${new Date(at).toISOString().slice(11, 19)} UTC`;
}

export class SignInLimiter {
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: { store: SignInAttemptStore; clock: Clock; attemptsPerAddressPerMinute: number },
  ) {}

  /** Counts an attempt from this client address; refuses it beyond the per-minute limit. */
  admitAddress(address: string): SignInDecision {
    const now = this.options.clock.now();
    this.pruneNowAndThen(now);
    const { attempts, windowStartedAt } = this.options.store.countAddressAttempt({
      address,
      now,
      windowMs: ADDRESS_WINDOW_MS,
    });
    const limit = this.options.attemptsPerAddressPerMinute;
    if (attempts <= limit) return { allowed: true };
    return this.refusal(
      "address",
      now,
      windowStartedAt + ADDRESS_WINDOW_MS,
      (wait, at) =>
        `Too many sign-in attempts from your address (${limit} a minute are allowed). Try again in ${wait}, at ${at}.`,
    );
  }

  /** Counts an attempt for this e-mail; refuses it while the account's back-off lasts. */
  admitAccount(email: string): SignInDecision {
    const now = this.options.clock.now();
    const result = this.options.store.admitAccountAttempt({
      email: accountKey(email),
      now,
      forgetBefore: now - ACCOUNT_MEMORY_MS,
      waitAfter: accountWaitMs,
    });
    if (result.admitted) return { allowed: true };
    return this.refusal(
      "account",
      now,
      result.nextAttemptAt,
      (wait, at) =>
        `Too many failed sign-ins for this e-mail. Try again in ${wait}, at ${at}; each further failure doubles the wait (up to ${MAX_ACCOUNT_WAIT_MS / 60_000} minutes), and a successful sign-in resets it.`,
    );
  }

  /** What the admitted attempt came to: a success resets the account; one that never checked a password is given back. */
  recordOutcome(email: string, outcome: "signed-in" | "wrong-credentials" | "not-checked"): void {
    if (outcome === "signed-in") this.options.store.clearAccount(accountKey(email));
    else if (outcome === "not-checked") this.options.store.refundAccountAttempt(accountKey(email));
  }

  private refusal(
    reason: SignInRefusal["reason"],
    now: number,
    retryAt: number,
    message: (wait: string, at: string) => string,
  ): SignInRefusal {
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
    const wait = retryAfterSeconds === 1 ? "1 second" : `${retryAfterSeconds} seconds`;
    const at = now + retryAfterSeconds * 1000;
    return { allowed: false, reason, retryAfterSeconds, retryAt: at, message: message(wait, clockTime(at)) };
  }

  /** Old rows go now and then (at most once a minute per process), not on every attempt. */
  private pruneNowAndThen(now: number): void {
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    this.options.store.prune({ windowsBefore: now - ADDRESS_WINDOW_MS, accountsBefore: now - ACCOUNT_MEMORY_MS });
  }
}
