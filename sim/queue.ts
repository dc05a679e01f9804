/**
 * The event queue: a 4-ary min-heap ordered by (time, insertion sequence), so two events at the
 * same instant run in the order they were scheduled. Handles are cancellable in O(1) (lazy
 * deletion: a cancelled entry is skipped when it reaches the top), and once cancelled entries
 * outnumber the live ones the heap is rebuilt without them, so a timer cancelled long before it
 * was due (a 60 s FIN-WAIT-2 timer a millisecond into its wait) does not keep its callback, and
 * whatever that holds, for the rest of its time.
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
    /** The callback, run with {@link self} as `this`. */
    readonly fn: (this: unknown) => void,
    /** The queue that owns the entry (for live counts). */
    private readonly owner: EventQueue,
    /** The object the callback is a method of (undefined for a plain callback). */
    readonly self: unknown = undefined,
  ) {}
  /** Cancels the event if still pending. */
  cancel(): boolean {
    if (this.done) return false;
    this.done = true;
    this.owner.live--;
    this.owner.compactIfSparse();
    return true;
  }
}

/** Children per heap node: a 4-ary heap is half as deep as a binary one, and a node's children sit side by side. */
const ARITY = 4;
/** Cancelled entries the heap keeps before it is rebuilt without them: at least this many, and more than the live ones (so a rebuild, O(size), comes after at least half as many cancels). */
const COMPACT_MIN = 256;

/**
 * A (time, seq)-ordered priority queue of callbacks: a 4-ary min-heap whose keys live in two
 * Float64Arrays beside the entries, so sifting reads contiguous numbers instead of one object per
 * level (with thousands of pending timers, mostly far in the future, those reads were cache misses).
 * (time, seq) is unique, so the pop order is the same as any other heap's.
 */
export class EventQueue {
  private evs: (QueuedEvent | undefined)[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private n = 0;
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
    const seq = ev.seq;
    ev.inHeap = true;
    if (this.n === this.times.length) this.grow();
    const evs = this.evs;
    const times = this.times;
    const seqs = this.seqs;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = times[p];
      if (pt < time || (pt === time && seqs[p] < seq)) break;
      evs[i] = evs[p];
      times[i] = pt;
      seqs[i] = seqs[p];
      i = p;
    }
    evs[i] = ev;
    times[i] = time;
    seqs[i] = seq;
    this.live++;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }

  /** The earliest pending event without removing it, or undefined. */
  peek(): QueuedEvent | undefined {
    while (this.n > 0 && this.evs[0]!.done) this.popTop();
    return this.n > 0 ? this.evs[0] : undefined;
  }

  /** Rebuilds the heap without its cancelled entries once they outnumber the live ones and {@link COMPACT_MIN} (called after every cancel; harmless at any time). */
  compactIfSparse(): void {
    const dead = this.n - this.live;
    if (dead >= COMPACT_MIN && dead > this.live) this.compact();
  }

  /** Drops every cancelled entry (releasing its callback) and restores the heap bottom-up; the order of the rest is (time, seq) as before. */
  private compact(): void {
    const evs = this.evs;
    const times = this.times;
    const seqs = this.seqs;
    const n = this.n;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const ev = evs[i]!;
      if (ev.done) {
        ev.inHeap = false;
        continue;
      }
      evs[m] = ev;
      times[m] = times[i];
      seqs[m] = seqs[i];
      m++;
    }
    for (let i = m; i < n; i++) evs[i] = undefined;
    this.n = m;
    for (let i = (m - 2) >> 2; i >= 0; i--) this.siftDown(i, evs[i]!, times[i], seqs[i]);
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
    const evs = this.evs;
    evs[0]!.inHeap = false;
    const n = --this.n;
    const last = evs[n]!;
    evs[n] = undefined; // no stale reference keeps a run event (and what its callback holds) alive
    if (n > 0) this.siftDown(0, last, this.times[n], this.seqs[n]);
  }

  /** Puts `ev` (key `t`, `s`) at node `i` or below it, moving smaller children up, in a heap of `n` entries. */
  private siftDown(i: number, ev: QueuedEvent, t: number, s: number): void {
    const evs = this.evs;
    const times = this.times;
    const seqs = this.seqs;
    const n = this.n;
    for (;;) {
      const first = ARITY * i + 1;
      if (first >= n) break;
      const end = first + ARITY < n ? first + ARITY : n;
      let c = first;
      let ct = times[first];
      let cs = seqs[first];
      for (let k = first + 1; k < end; k++) {
        const tk = times[k];
        if (tk < ct || (tk === ct && seqs[k] < cs)) {
          c = k;
          ct = tk;
          cs = seqs[k];
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      evs[i] = evs[c];
      times[i] = ct;
      seqs[i] = cs;
      i = c;
    }
    evs[i] = ev;
    times[i] = t;
    seqs[i] = s;
  }

  /** Number of entries including cancelled ones not yet discarded. */
  get size(): number {
    return this.n;
  }
}
