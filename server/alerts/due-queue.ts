/**
 * The engine's schedule: a binary min-heap of alerts ordered by due time, ties in the order they were scheduled
 * (as timers fire). It is intrusive — each entry keeps its own heap position — so rescheduling or removing an
 * alert is O(log n) with no allocation, which is what lets one Clock timer drive 10,000+ alerts instead of one
 * timer (closure, handle, map entry) per alert per tick. No library here: the ones we looked at (tinyqueue,
 * flatqueue) have no removal by entry and no stable ties.
 */

export type DueEntry = {
  dueAtMs: number;
  /** Tie-breaker: the order in which entries were scheduled. */
  order: number;
  /** Position in the heap, -1 when not scheduled. */
  heapIndex: number;
};

export class DueQueue<T extends DueEntry> {
  private readonly heap: T[] = [];
  private nextOrder = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The entry due first, or undefined. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Schedules `entry` at `dueAtMs`, or moves it there if already scheduled. */
  schedule(entry: T, dueAtMs: number): void {
    entry.dueAtMs = dueAtMs;
    entry.order = this.nextOrder++;
    if (entry.heapIndex < 0) {
      entry.heapIndex = this.heap.length;
      this.heap.push(entry);
      this.up(entry.heapIndex);
    } else {
      this.down(this.up(entry.heapIndex));
    }
  }

  /** Removes and returns the entry due first if it is due at `nowMs`. */
  popDue(nowMs: number): T | undefined {
    const first = this.heap[0];
    if (!first || first.dueAtMs > nowMs) return undefined;
    this.removeAt(0);
    return first;
  }

  remove(entry: T): void {
    if (entry.heapIndex >= 0) this.removeAt(entry.heapIndex);
  }

  clear(): void {
    for (const entry of this.heap) entry.heapIndex = -1;
    this.heap.length = 0;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    removed.heapIndex = -1;
    const last = heap.pop()!;
    if (index === heap.length) return;
    heap[index] = last;
    last.heapIndex = index;
    this.down(this.up(index));
  }

  private less(a: T, b: T): boolean {
    return a.dueAtMs < b.dueAtMs || (a.dueAtMs === b.dueAtMs && a.order < b.order);
  }

  private up(index: number): number {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!this.less(entry, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
    return index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.less(heap[right]!, heap[left]!) ? right : left;
      const childEntry = heap[child]!;
      if (!this.less(childEntry, entry)) break;
      heap[index] = childEntry;
      childEntry.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
