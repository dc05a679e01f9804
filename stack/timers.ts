/**
 * The stack's timers: events on the simulator's queue, never host timers, counted so a test can
 * see how many are pending.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { EventHandle } from '../sim/queue.js';
import type { Nanos } from '../sim/time.js';


/** A timer of the stack; `cancel()` stops it (idempotent). */
export interface StackTimer {
  /** Simulated time it fires (or fired). */
  readonly expiresAt: Nanos;
  /** True once fired or cancelled. */
  readonly done: boolean;
  /** Cancels it if still pending; returns whether it was. */
  cancel(): boolean;
}

class TimerImpl implements StackTimer {
  handle: EventHandle | null = null;
  done = false;
  constructor(
    readonly expiresAt: Nanos,
    private readonly owner: StackTimers,
  ) {}
  cancel(): boolean {
    if (this.done) return false;
    this.done = true;
    this.handle?.cancel();
    this.owner.live--;
    return true;
  }
}

/**
 * The stack's timers: events on the simulator's queue (never host timers). Reassembly, NAPT and
 * later TCP keep their timers here so a test can see how many are pending.
 */
export class StackTimers {
  /** Timers scheduled and neither fired nor cancelled. */
  live = 0;

  /** Wraps the simulator. */
  constructor(private readonly sim: Simulator) {}

  /** The current simulated time, ns. */
  get now(): Nanos {
    return this.sim.now;
  }

  /** Runs `fn` after `delay` ns. */
  after(delay: Nanos, fn: () => void): StackTimer {
    return this.at(this.sim.now + delay, fn);
  }

  /** Runs `fn` at absolute time `time` (not in the past). */
  at(time: Nanos, fn: () => void): StackTimer {
    const t = new TimerImpl(time, this);
    this.live++;
    t.handle = this.sim.at(time, () => {
      if (t.done) return;
      t.done = true;
      this.live--;
      fn();
    });
    return t;
  }
}
