/**
 * The event queue: a binary min-heap ordered by (time, insertion sequence), so two events at the
 * same instant run in the order they were scheduled. Handles are cancellable in O(1) (lazy
 * deletion: a cancelled entry is skipped when it reaches the top).
 * @module
 */
import type { Nanos } from './time.js';

/** A scheduled callback; `cancel()` prevents it from running. */
export interface EventHandle {
  /** The simulated time the event is (or was) due. */
  readonly time: Nanos;
  /** True once cancelled or run. */
  readonly done: boolean;
  /** Cancels the event if it has not run yet; returns whether it was pending. */
  cancel(): boolean;
}

/** A queue entry; exported for the simulator, not part of the public API. */
export class QueuedEvent implements EventHandle {
  /** Set when cancelled or run. */
  done = false;
  /** Whether the entry sits in the heap (a cancelled entry stays there until it reaches the top). */
  inHeap = false;
  constructor(
    /** Due time (changes only when {@link EventQueue.reuse} schedules the entry again). */
    public time: Nanos,
    /** Insertion sequence number (tie-breaker). */
    public seq: number,
    /** The callback. */
    readonly fn: () => void,
    /** The queue that owns the entry (for live counts). */
    private readonly owner: EventQueue,
  ) {}
  /** Cancels the event if still pending. */
  cancel(): boolean {
    if (this.done) return false;
    this.done = true;
    this.owner.live--;
    return true;
  }
}

/** A (time, seq)-ordered priority queue of callbacks. */
export class EventQueue {
  private heap: QueuedEvent[] = [];
  private seq = 0;
  /** Number of pending (not cancelled) events. */
  live = 0;

  /** Adds a callback due at `time`. */
  push(time: Nanos, fn: () => void): QueuedEvent {
    const ev = new QueuedEvent(time, this.seq++, fn, this);
    this.insert(ev);
    return ev;
  }

  /**
   * Schedules an entry that has already run (or was cancelled and discarded) again at `time`,
   * without allocating; returns false, doing nothing, while the entry is still in the heap.
   */
  reuse(ev: QueuedEvent, time: Nanos): boolean {
    if (ev.inHeap) return false;
    ev.time = time;
    ev.seq = this.seq++;
    ev.done = false;
    this.insert(ev);
    return true;
  }

  private insert(ev: QueuedEvent): void {
    const time = ev.time;
    ev.inHeap = true;
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p];
      if (q.time < time || (q.time === time && q.seq < ev.seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = ev;
    this.live++;
  }

  /** The earliest pending event without removing it, or undefined. */
  peek(): QueuedEvent | undefined {
    const h = this.heap;
    while (h.length > 0 && h[0].done) this.popTop();
    return h[0];
  }

  /** Removes and returns the earliest pending event, or undefined. */
  pop(): QueuedEvent | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    this.popTop();
    top.done = true;
    this.live--;
    return top;
  }

  private popTop(): void {
    const h = this.heap;
    h[0].inHeap = false;
    const last = h.pop()!;
    if (h.length === 0) return;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (h[r].time < h[l].time || (h[r].time === h[l].time && h[r].seq < h[l].seq))) c = r;
      const x = h[c];
      if (last.time < x.time || (last.time === x.time && last.seq < x.seq)) break;
      h[i] = x;
      i = c;
    }
    h[i] = last;
  }

  /** Number of entries including cancelled ones not yet discarded. */
  get size(): number {
    return this.heap.length;
  }
}
