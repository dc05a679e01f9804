/**
 * The discrete-event kernel. Time is integer nanoseconds; events run in (time, insertion) order;
 * randomness comes from per-component streams derived from one seed; every layer traces on one bus.
 *
 * Three ways to run:
 * - `run()`/`runFor()`: synchronous, as fast as possible (no promise continuations in between).
 * - `runAsync()`: like `run()`, but drains promise continuations after any event that woke an
 *   async process (components call `wake()` when they resolve a promise an application awaits),
 *   so `await read(fd)` resumes at the simulated instant the data arrived.
 * - `runRealtime()`: paces simulated time to the wall clock (optionally scaled) and accepts
 *   events posted from real I/O with `post()`; the basis for bridging to real networks.
 * @module
 */
import { EventQueue, QueuedEvent, type EventHandle } from './queue.js';
import { Rng } from './rng.js';
import { assertNanos, type Nanos } from './time.js';
import { TraceBus } from './trace.js';
import { Slab } from './slab.js';

/** A callback scheduled again and again without allocating (see {@link Simulator.reusableEvent}). */
export interface ReusableEvent {
  /** Schedules the callback after `delay` ns; false (and nothing done) while it is already pending. */
  schedule(delay: Nanos): boolean;
  /** Whether it is scheduled and has not run yet. */
  readonly pending: boolean;
  /** Cancels the pending run, if any; returns whether one was pending. */
  cancel(): boolean;
}

/** Options for a {@link Simulator}. */
export interface SimulatorOptions {
  /** The seed every random stream derives from (default 1). */
  seed?: number;
}

/** How a run ended. */
export interface RunResult {
  /** Why the run stopped. */
  reason: 'idle' | 'until' | 'maxEvents' | 'stopped';
  /** Events executed during this run. */
  events: number;
  /** Simulated time at the end of the run. */
  now: Nanos;
}

/** Limits for a run. */
export interface RunOptions {
  /** Stop before executing any event later than this time (the clock is advanced to it). */
  until?: Nanos;
  /** Stop after this many events (a guard against livelock). */
  maxEvents?: number;
}

/** Options for a real-time run. */
export interface RealtimeOptions extends RunOptions {
  /** Simulated seconds per wall-clock second (default 1). */
  speed?: number;
  /** Keep waiting for posted events when the queue is empty (default: stop when idle). */
  waitForPosts?: boolean;
  /** Aborts the run. */
  signal?: AbortSignal;
}

/** Statistics of a real-time run. */
export interface RealtimeResult extends RunResult {
  /** The largest lag of an event behind its wall-clock instant, in simulated ns. */
  maxLagNs: Nanos;
}

/** The simulation kernel. */
export class Simulator {
  /** The current simulated time, ns. */
  now: Nanos = 0;
  /** The root seed. */
  readonly seed: number;
  /** The trace bus of this simulation. */
  readonly trace: TraceBus;
  /** Total events executed since creation. */
  eventsRun = 0;
  /** Fresh per-frame buffers for this simulation's data path (serialized frames, line codes). */
  readonly slab = new Slab();

  private readonly queue = new EventQueue();
  private readonly streams = new Map<string, Rng>();
  private stopRequested = false;
  private woken = false;
  private realtime: { wallStart: number; simStart: Nanos; speed: number; notify: (() => void) | null } | null = null;
  private readonly names = new Map<string, number>();
  private readonly ids = new Map<string, number>();

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.trace = new TraceBus(() => this.now);
  }

  /** Schedules `fn` after `delay` ns (an integer ≥ 0). */
  schedule(delay: Nanos, fn: () => void): EventHandle {
    if (!(delay >= 0) || !Number.isSafeInteger(delay)) assertNanos(delay, 'delay');
    return this.queue.push(this.now + delay, fn);
  }

  /** Schedules `fn` at absolute time `time` (not in the past). */
  at(time: Nanos, fn: () => void): EventHandle {
    assertNanos(time, 'time');
    if (time < this.now) throw new RangeError(`cannot schedule at ${time} ns: the clock is already at ${this.now} ns`);
    return this.queue.push(time, fn);
  }

  /**
   * A callback that can be scheduled again and again without allocating: at most one pending
   * instance at a time (`schedule` while pending does nothing and returns false). For hot paths
   * such as an interrupt line's notification.
   */
  reusableEvent(fn: () => void): ReusableEvent {
    const queue = this.queue;
    let ev = new QueuedEvent(0, 0, fn, queue);
    ev.done = true;
    return {
      schedule: (delay: Nanos): boolean => {
        if (!(delay >= 0) || !Number.isSafeInteger(delay)) assertNanos(delay, 'delay');
        if (!ev.done) return false;
        if (ev.inHeap) ev = new QueuedEvent(0, 0, fn, queue); // cancelled, not yet discarded: a fresh entry
        return queue.reuse(ev, this.now + delay);
      },
      get pending() {
        return !ev.done;
      },
      cancel: () => ev.cancel(),
    };
  }

  /** The random stream for a component; the same (seed, name) always gives the same stream. */
  rng(name: string): Rng {
    let r = this.streams.get(name);
    if (r === undefined) {
      r = new Rng(this.seed, name);
      this.streams.set(name, r);
    }
    return r;
  }

  /** The next number of a simulation-wide sequence (frame ids, ...), starting at 1. */
  nextId(sequence: string): number {
    const n = (this.ids.get(sequence) ?? 0) + 1;
    this.ids.set(sequence, n);
    return n;
  }

  /** A unique component name with the given prefix (`nic0`, `nic1`, ...). */
  uniqueName(prefix: string): string {
    const n = this.names.get(prefix) ?? 0;
    this.names.set(prefix, n + 1);
    return `${prefix}${n}`;
  }

  /** Number of pending events. */
  get pending(): number {
    return this.queue.live;
  }

  /** Time of the next pending event, or undefined. */
  nextEventTime(): Nanos | undefined {
    return this.queue.peek()?.time;
  }

  /** Asks a running loop to stop after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Marks that an event resolved a promise an async process awaits (see `runAsync`). */
  wake(): void {
    this.woken = true;
  }

  /** Executes the next event; returns false when the queue is empty. */
  step(): boolean {
    const ev = this.queue.pop();
    if (ev === undefined) return false;
    this.now = ev.time;
    this.eventsRun++;
    ev.fn();
    return true;
  }

  /** Runs events synchronously until idle, `until`, `maxEvents` or `stop()`. */
  run(opts: RunOptions = {}): RunResult {
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    this.stopRequested = false;
    let n = 0;
    const q = this.queue;
    for (;;) {
      if (this.stopRequested) return this.result('stopped', n);
      if (n >= max) return this.result('maxEvents', n);
      const top = q.peek();
      if (top === undefined || top.time > until) {
        if (until !== Infinity && until > this.now) this.now = until;
        return this.result(top === undefined && until === Infinity ? 'idle' : top === undefined ? 'idle' : 'until', n);
      }
      q.pop();
      this.now = top.time;
      this.eventsRun++;
      n++;
      top.fn();
    }
  }

  /** Runs for `duration` ns of simulated time from now. */
  runFor(duration: Nanos, opts: Omit<RunOptions, 'until'> = {}): RunResult {
    assertNanos(duration, 'duration');
    return this.run({ ...opts, until: this.now + duration });
  }

  /** Like `run`, but lets awaiting processes continue at the simulated instant they were woken. */
  async runAsync(opts: RunOptions = {}): Promise<RunResult> {
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    this.stopRequested = false;
    let n = 0;
    await drainMicrotasks();
    for (;;) {
      if (this.stopRequested) return this.result('stopped', n);
      if (n >= max) return this.result('maxEvents', n);
      const top = this.queue.peek();
      if (top === undefined || top.time > until) {
        if (until !== Infinity && until > this.now) this.now = until;
        return this.result(top === undefined ? 'idle' : 'until', n);
      }
      this.queue.pop();
      this.now = top.time;
      this.eventsRun++;
      n++;
      top.fn();
      if (this.woken) {
        this.woken = false;
        await drainMicrotasks();
      }
    }
  }

  /** Runs `runAsync` for `duration` ns of simulated time from now. */
  runForAsync(duration: Nanos, opts: Omit<RunOptions, 'until'> = {}): Promise<RunResult> {
    assertNanos(duration, 'duration');
    return this.runAsync({ ...opts, until: this.now + duration });
  }

  /**
   * Runs paced to the wall clock: an event due at simulated time t runs no earlier than
   * `wallStart + (t - simStart) / speed`. Events from real I/O enter through `post()`.
   */
  async runRealtime(opts: RealtimeOptions = {}): Promise<RealtimeResult> {
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    this.stopRequested = false;
    const rt = { wallStart: wallNowMs(), simStart: this.now, speed, notify: null as (() => void) | null };
    this.realtime = rt;
    let n = 0;
    let maxLag = 0;
    const onAbort = () => {
      this.stopRequested = true;
      rt.notify?.();
    };
    opts.signal?.addEventListener('abort', onAbort);
    try {
      await drainMicrotasks();
      for (;;) {
        if (this.stopRequested || opts.signal?.aborted) return { ...this.result('stopped', n), maxLagNs: maxLag };
        if (n >= max) return { ...this.result('maxEvents', n), maxLagNs: maxLag };
        const top = this.queue.peek();
        const wallSim = this.wallToSim(rt);
        if (top === undefined || top.time > until) {
          const horizon = Math.min(until, top?.time ?? Infinity);
          if (until !== Infinity && wallSim >= until) {
            this.now = Math.max(this.now, until);
            return { ...this.result('until', n), maxLagNs: maxLag };
          }
          if (top === undefined && !opts.waitForPosts && until === Infinity) return { ...this.result('idle', n), maxLagNs: maxLag };
          await this.sleepUntilSim(rt, horizon === Infinity ? null : horizon);
          continue;
        }
        if (top.time > wallSim) {
          await this.sleepUntilSim(rt, top.time);
          continue;
        }
        maxLag = Math.max(maxLag, wallSim - top.time);
        this.queue.pop();
        this.now = top.time;
        this.eventsRun++;
        n++;
        top.fn();
        if (this.woken) {
          this.woken = false;
          await drainMicrotasks();
        }
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.realtime = null;
    }
  }

  /**
   * Schedules `fn` at the simulated instant that corresponds to the wall clock now (during a
   * real-time run) or at the current time otherwise. For events that come from real I/O.
   */
  post(fn: () => void): EventHandle {
    const rt = this.realtime;
    const t = rt ? Math.max(this.now, this.wallToSim(rt)) : this.now;
    const h = this.queue.push(t, fn);
    rt?.notify?.();
    return h;
  }

  private wallToSim(rt: { wallStart: number; simStart: Nanos; speed: number }): Nanos {
    return rt.simStart + Math.floor((wallNowMs() - rt.wallStart) * 1e6 * rt.speed);
  }

  private sleepUntilSim(rt: { wallStart: number; simStart: Nanos; speed: number; notify: (() => void) | null }, simTime: Nanos | null): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        rt.notify = null;
        resolve();
      };
      rt.notify = done;
      if (simTime !== null) {
        const wallTarget = rt.wallStart + (simTime - rt.simStart) / 1e6 / rt.speed;
        const ms = Math.max(0, wallTarget - wallNowMs());
        // Sleep coarsely, then spin through short waits with setImmediate for sub-ms accuracy.
        if (ms > 2) timer = setTimeout(done, ms - 1);
        else setImmediate(done);
      }
    });
  }

  private result(reason: RunResult['reason'], events: number): RunResult {
    return { reason, events, now: this.now };
  }
}

function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function wallNowMs(): number {
  return performance.now();
}
