/**
 * Retry with exponential backoff and jitter. The delay sequence comes from cockatiel's ExponentialBackoff;
 * the waiting goes through the Clock port (so retries run under a manual clock in tests) and the jitter
 * through the injected RandomSource (so they replay).
 */
import { ExponentialBackoff, type GeneratorFn, type IBackoff } from "cockatiel";
import { sleep, type Clock } from "./clock";
import type { RandomSource } from "./random";

export type RetryOptions = {
  clock: Clock;
  random: RandomSource;
  /** First delay; the contract's default is about 100 ms. */
  initialDelayMs?: number;
  /** Largest single delay; the contract's default is about 1 s. */
  maxDelayMs?: number;
  /** Total attempts, the first included. */
  maxAttempts?: number;
  /** Absolute clock time after which no new attempt starts (for example the end of an alert's interval). */
  deadlineMs?: number;
  /** Whether an error is worth another attempt. Defaults to every error. */
  shouldRetry?: (error: unknown) => boolean;
  /** Called before each wait, for logging. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
};

/** "Equal jitter": half the exponential delay fixed, half random, so the delay still grows on average. */
function equalJitterFrom(random: RandomSource): GeneratorFn<number> {
  return (attempt = 0, options) => {
    const exponential = Math.min(options.maxDelay, options.initialDelay * options.exponent ** attempt);
    return [exponential / 2 + (random.next() * exponential) / 2, attempt + 1];
  };
}

export class RetryExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(
      `gave up after ${attempts} attempt(s): ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      { cause: lastError },
    );
    this.name = "RetryExhaustedError";
  }
}

export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { clock, random, maxAttempts = 5, deadlineMs, shouldRetry = () => true, onRetry, signal } = options;
  const factory = new ExponentialBackoff({
    generator: equalJitterFrom(random),
    initialDelay: options.initialDelayMs ?? 100,
    maxDelay: options.maxDelayMs ?? 1000,
    exponent: 2,
  });
  let backoff: IBackoff<unknown> | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (signal?.aborted || attempt >= maxAttempts || !shouldRetry(error))
        throw new RetryExhaustedError(attempt, error);
      backoff = backoff ? backoff.next(undefined) : factory.next();
      const delayMs = backoff.duration;
      if (deadlineMs !== undefined && clock.now() + delayMs >= deadlineMs)
        throw new RetryExhaustedError(attempt, error);
      onRetry?.(error, attempt, delayMs);
      await sleep(clock, delayMs, signal);
    }
  }
}
