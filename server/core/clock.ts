/**
 * The Clock port: the only source of time for engines. `SystemClock` in production; `ManualClock` in tests,
 * where time moves only when the test says so and due timers fire in due-time order.
 */

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Resolves after `delayMs` of the given clock; rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, delayMs),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        callback();
      },
      Math.max(0, delayMs),
    );
    this.timers.set(id, timer);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(handle.id);
    }
  }
}

type ScheduledTimer = { id: number; dueAt: number; callback: () => void };

/**
 * A clock that only moves when told. `advance` fires every timer that falls due on the way, in due order
 * (ties in the order they were set), and lets pending promise callbacks run between firings so that async
 * code awaiting `sleep` continues before the next timer fires.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ScheduledTimer[] = [];

  constructor(startMs: number = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ id, dueAt: this.current + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle.id);
  }

  /** Number of timers waiting to fire. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers one by one. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `targetMs` (never backwards), firing due timers one by one. */
  async advanceTo(targetMs: number): Promise<void> {
    await flushMicrotasks();
    for (;;) {
      const next = this.earliestDue(targetMs);
      if (!next) break;
      this.timers = this.timers.filter((timer) => timer.id !== next.id);
      this.current = Math.max(this.current, next.dueAt);
      next.callback();
      await flushMicrotasks();
    }
    this.current = Math.max(this.current, targetMs);
    await flushMicrotasks();
  }

  /** Sets the time without firing anything: a jump, as after a process was down. */
  set(ms: number): void {
    this.current = ms;
  }

  private earliestDue(limitMs: number): ScheduledTimer | undefined {
    let earliest: ScheduledTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt > limitMs) continue;
      if (!earliest || timer.dueAt < earliest.dueAt || (timer.dueAt === earliest.dueAt && timer.id < earliest.id)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** Lets queued promise callbacks (and the ones they queue, a few levels deep) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The system clock shifted by an offset that only grows. Used when WATCHPOST_TEST_CLOCK is set, so that
 * browser tests can move time forward (past a 15-minute acknowledgement timeout) without waiting: timers
 * that fall due on the jump fire at once.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private readonly inner = new SystemClock();
  private readonly pending = new Map<number, { dueAt: number; callback: () => void; handle: TimerHandle }>();
  private nextId = 1;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  offset(): number {
    return this.offsetMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    const dueAt = this.now() + Math.max(0, delayMs);
    this.schedule(id, dueAt, callback);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const entry = this.pending.get(handle.id);
    if (entry) {
      this.inner.clearTimeout(entry.handle);
      this.pending.delete(handle.id);
    }
  }

  /** Moves time forward; timers now due fire on the next turn of the event loop. */
  advance(ms: number): void {
    if (!(ms > 0)) return;
    this.offsetMs += ms;
    for (const [id, entry] of [...this.pending]) {
      this.inner.clearTimeout(entry.handle);
      this.schedule(id, entry.dueAt, entry.callback);
    }
  }

  private schedule(id: number, dueAt: number, callback: () => void): void {
    const handle = this.inner.setTimeout(() => {
      this.pending.delete(id);
      callback();
    }, dueAt - this.now());
    this.pending.set(id, { dueAt, callback, handle });
  }
}
