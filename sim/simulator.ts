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
  /**
   * How far ahead of the wall clock an event may run, in wall-clock ms (default 1). Events due
   * within this window run together instead of each waiting for a timer (host timers have about
   * 1 ms resolution), so the loop sleeps on timers and never spins; 0 runs no event early.
   */
  aheadMs?: number;
}

/** Statistics of a real-time run. */
export interface RealtimeResult extends RunResult {
  /** The largest lag of an event behind its wall-clock instant, in simulated ns. */
  maxLagNs: Nanos;
}

/** What a running real-time loop reports through {@link Simulator.realtimeStats}. */
export interface RealtimeStats {
  /** Wall-clock ms since the run started. */
  wallMs: number;
  /** Simulated time, ns. */
  now: Nanos;
  /** Events executed by this run. */
  events: number;
  /** Events per wall-clock second over the last completed window (about 0.5 s; the whole run before that). */
  eventsPerSec: number;
  /** The largest lag of an event behind its wall-clock instant over the last window, simulated ns. */
  lagNs: Nanos;
  /** The largest lag over the whole run, simulated ns. */
  maxLagNs: Nanos;
  /** Times the loop went to sleep on a host timer or a wake-up. */
  sleeps: number;
}

interface RealtimeState {
  wallStart: number;
  simStart: Nanos;
  speed: number;
  /** Wakes the loop while it sleeps (null while it runs events). */
  notify: (() => void) | null;
  events: number;
  maxLag: Nanos;
  sleeps: number;
  windowWall: number;
  windowEvents: number;
  windowMaxLag: Nanos;
  rate: number;
  lastWindowLag: Nanos;
}

/** A {@link ReusableEvent}: one queue entry scheduled again and again (a class, so an instance is one small object). */
class Reusable implements ReusableEvent {
  private ev: QueuedEvent;
  constructor(
    private readonly queue: EventQueue,
    private readonly fn: (this: unknown) => void,
    /** Returns the current time (and wakes a sleeping real-time loop). */
    private readonly clock: () => Nanos,
    private readonly self: unknown,
  ) {
    this.ev = new QueuedEvent(0, 0, fn, queue, self);
    this.ev.done = true;
  }

  schedule(delay: Nanos): boolean {
    if (!(delay >= 0) || !Number.isSafeInteger(delay)) assertNanos(delay, 'delay');
    let ev = this.ev;
    if (!ev.done) return false;
    if (ev.inHeap) this.ev = ev = new QueuedEvent(0, 0, this.fn, this.queue, this.self); // cancelled, not yet discarded: a fresh entry
    return this.queue.reuse(ev, this.clock() + delay);
  }

  get pending(): boolean {
    return !this.ev.done;
  }

  cancel(): boolean {
    return this.ev.cancel();
  }
}

const RATE_WINDOW_MS = 500;

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
  private realtime: RealtimeState | null = null;
  private readonly names = new Map<string, number>();
  private readonly ids = new Map<string, number>();
  private frameIds = 0;

  constructor(opts: SimulatorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.trace = new TraceBus(() => this.now);
  }

  /** Schedules `fn` after `delay` ns (an integer ≥ 0). */
  schedule(delay: Nanos, fn: () => void): EventHandle {
    if (!(delay >= 0) || !Number.isSafeInteger(delay)) assertNanos(delay, 'delay');
    const rt = this.realtime;
    if (rt !== null && rt.notify !== null) return this.pushFromOutside(rt, delay, fn);
    return this.queue.push(this.now + delay, fn);
  }

  /** Schedules `fn` at absolute time `time` (not in the past). */
  at(time: Nanos, fn: () => void): EventHandle {
    assertNanos(time, 'time');
    if (time < this.now) throw new RangeError(`cannot schedule at ${time} ns: the clock is already at ${this.now} ns`);
    const h = this.queue.push(time, fn);
    this.realtime?.notify?.();
    return h;
  }

  /**
   * A callback that can be scheduled again and again without allocating: at most one pending
   * instance at a time (`schedule` while pending does nothing and returns false). For hot paths
   * such as an interrupt line's notification.
   *
   * With `self`, `method` runs as a method of `self`: a device passes a prototype method and
   * itself, and the queue reaches the device with no closure (and closure context) in between,
   * two cache lines that are cold on every run when a thousand devices take turns.
   */
  reusableEvent(fn: () => void): ReusableEvent;
  reusableEvent<T>(method: (this: T) => void, self: T): ReusableEvent;
  reusableEvent(fn: (this: unknown) => void, self?: unknown): ReusableEvent {
    return new Reusable(this.queue, fn, this.clockAndWake, self);
  }

  /** The clock for {@link Reusable} entries, waking a sleeping real-time loop (one closure per simulator). */
  private readonly clockAndWake = (): Nanos => {
    this.realtime?.notify?.(); // from outside an event: wake a sleeping real-time loop
    return this.now;
  };

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
    if (sequence === 'frame') return ++this.frameIds; // (one per frame on the wire: no map lookup)
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
    this.realtime?.notify?.();
  }

  /** Marks that an event resolved a promise an async process awaits (see `runAsync`). */
  wake(): void {
    this.woken = true;
  }

  /** Executes the next event; returns false when the queue is empty. */
  step(): boolean {
    const ev = this.queue.pop();
    if (ev === undefined) return false;
    this.fire(ev);
    return true;
  }

  /** Runs an event taken off the queue: the clock to its time, then its callback (on its object, for a method event). Every loop runs events through here. */
  private fire(ev: QueuedEvent): void {
    this.now = ev.time;
    this.eventsRun++;
    ev.fn.call(ev.self);
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
      n++;
      this.fire(top);
    }
  }

  /** Runs for `duration` ns of simulated time from now. */
  runFor(duration: Nanos, opts: Omit<RunOptions, 'until'> = {}): RunResult {
    assertNanos(duration, 'duration');
    return this.run({ ...opts, until: this.now + duration });
  }

  /**
   * Like `run`, but lets awaiting processes continue at the simulated instant they were woken (after
   * an event that called `wake()`, every pending promise continuation runs before the next event,
   * chains of any depth included; a chain that goes through `process.nextTick` more than once, as
   * Node streams do, may finish after it). It does not yield to the host's event loop: real I/O
   * waits until it returns (`runRealtime` does yield).
   */
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
      n++;
      this.fire(top);
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
   * `wallStart + (t - simStart) / speed - aheadMs`. Events from real I/O enter through `post()`;
   * `schedule()`/`at()` called from outside an event (a timer callback, application code after an
   * await) wake the sleeping loop too, and `schedule()` then counts its delay from the wall clock.
   * Between events the loop sleeps on one host timer (never a busy spin); every sleep has its own
   * wake-up, so a late timer of an earlier sleep cannot swallow a later one.
   */
  async runRealtime(opts: RealtimeOptions = {}): Promise<RealtimeResult> {
    const speed = opts.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
    const aheadMs = opts.aheadMs ?? 1;
    if (!(aheadMs >= 0) || !Number.isFinite(aheadMs)) throw new RangeError(`aheadMs must be a finite number >= 0, got ${aheadMs}`);
    if (this.realtime !== null) throw new Error('runRealtime: a real-time run is already in progress on this simulator');
    const aheadNs = Math.round(aheadMs * 1e6 * speed);
    const until = opts.until ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    this.stopRequested = false;
    const wall0 = wallNowMs();
    const rt: RealtimeState = { wallStart: wall0, simStart: this.now, speed, notify: null, events: 0, maxLag: 0, sleeps: 0, windowWall: wall0, windowEvents: 0, windowMaxLag: 0, rate: 0, lastWindowLag: 0 };
    this.realtime = rt;
    const onAbort = () => {
      this.stopRequested = true;
      rt.notify?.();
    };
    opts.signal?.addEventListener('abort', onAbort);
    const done = (reason: RunResult['reason']): RealtimeResult => ({ ...this.result(reason, rt.events), maxLagNs: rt.maxLag });
    try {
      await yieldToEventLoop();
      for (;;) {
        if (this.stopRequested || opts.signal?.aborted) return done('stopped');
        if (rt.events >= max) return done('maxEvents');
        const top = this.queue.peek();
        const wallSim = this.wallToSim(rt);
        if (top === undefined || top.time > until) {
          if (until !== Infinity && wallSim >= until) {
            this.now = Math.max(this.now, until);
            return done('until');
          }
          if (top === undefined && !opts.waitForPosts && until === Infinity) return done('idle');
          const horizon = Math.min(until, top?.time ?? Infinity);
          await this.sleepUntilSim(rt, horizon === Infinity ? null : horizon);
          continue;
        }
        if (top.time > wallSim + aheadNs) {
          await this.sleepUntilSim(rt, top.time - aheadNs);
          continue;
        }
        const lag = wallSim - top.time;
        if (lag > rt.maxLag) rt.maxLag = lag;
        if (lag > rt.windowMaxLag) rt.windowMaxLag = lag;
        this.queue.pop();
        rt.events++;
        this.fire(top);
        if ((rt.events & 63) === 0) this.sampleRate(rt);
        if (this.woken) {
          this.woken = false;
          await yieldToEventLoop();
        }
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (rt.notify !== null) rt.notify();
      // The clock ends where the wall clock is (never past the next event): time passed while idle.
      const end = Math.min(this.wallToSim(rt), this.queue.peek()?.time ?? Infinity, until);
      if (end > this.now) this.now = end;
      this.realtime = null;
    }
  }

  /** Lag and event rate of the running real-time loop, or undefined when none runs. */
  realtimeStats(): RealtimeStats | undefined {
    const rt = this.realtime;
    if (rt === null) return undefined;
    this.sampleRate(rt);
    const wallMs = wallNowMs() - rt.wallStart;
    const early = rt.windowWall === rt.wallStart;
    return {
      wallMs,
      now: this.now,
      events: rt.events,
      eventsPerSec: early ? (wallMs > 0 ? (rt.events * 1000) / wallMs : 0) : rt.rate,
      lagNs: Math.max(rt.lastWindowLag, rt.windowMaxLag),
      maxLagNs: rt.maxLag,
      sleeps: rt.sleeps,
    };
  }

  /**
   * Schedules `fn` at the simulated instant that corresponds to the wall clock now (during a
   * real-time run) or at the current time otherwise. For events that come from real I/O.
   */
  post(fn: () => void): EventHandle {
    const rt = this.realtime;
    if (rt === null) return this.queue.push(this.now, fn);
    return this.pushFromOutside(rt, 0, fn);
  }

  /** An event pushed from outside the loop: the clock first catches up with the wall clock (never past the next event), then the loop is woken. */
  private pushFromOutside(rt: RealtimeState, delay: Nanos, fn: () => void): EventHandle {
    const next = this.queue.peek()?.time ?? Infinity;
    const t = Math.min(this.wallToSim(rt), next);
    if (t > this.now) this.now = t;
    const h = this.queue.push(this.now + delay, fn);
    rt.notify?.();
    return h;
  }

  private sampleRate(rt: RealtimeState): void {
    const w = wallNowMs();
    const dt = w - rt.windowWall;
    if (dt < RATE_WINDOW_MS) return;
    rt.rate = ((rt.events - rt.windowEvents) * 1000) / dt;
    rt.lastWindowLag = rt.windowMaxLag;
    rt.windowMaxLag = 0;
    rt.windowWall = w;
    rt.windowEvents = rt.events;
  }

  private wallToSim(rt: RealtimeState): Nanos {
    return rt.simStart + Math.floor((wallNowMs() - rt.wallStart) * 1e6 * rt.speed);
  }

  /** Sleeps until the wall clock reaches `simTime` (forever when null) or someone wakes the loop. */
  private sleepUntilSim(rt: RealtimeState, simTime: Nanos | null): Promise<void> {
    rt.sleeps++;
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        // Only this sleep's own wake-up may clear the slot (a newer sleep owns it otherwise).
        if (rt.notify === wake) rt.notify = null;
        resolve();
      };
      rt.notify = wake;
      if (simTime !== null) {
        const wallTarget = rt.wallStart + (simTime - rt.simStart) / 1e6 / rt.speed;
        // Host timers fire no earlier than asked and about 1 ms late at worst; a wait under a
        // millisecond still sleeps on a timer (1 ms) rather than spinning.
        const ms = Math.max(1, Math.ceil(wallTarget - wallNowMs()));
        timer = setTimeout(wake, ms);
      }
    });
  }

  private result(reason: RunResult['reason'], events: number): RunResult {
    return { reason, events, now: this.now };
  }
}

/**
 * Resolves once every pending promise continuation has run, chains included. In Node, without a
 * trip through the event loop: a microtask queued now runs after the continuations already
 * queued, and the tick it schedules runs only when the microtask queue is empty (Node runs
 * `process.nextTick` callbacks after each full microtask checkpoint); then this promise
 * resolves. Elsewhere (the browser view), through `setImmediate`.
 */
const drainMicrotasks: () => Promise<void> =
  typeof process === 'object' && process !== null && typeof process.nextTick === 'function'
    ? () => new Promise((resolve) => queueMicrotask(() => process.nextTick(resolve)))
    : () => new Promise((resolve) => setImmediate(resolve));

/** Resolves after one turn of the event loop: pending continuations, and real I/O (a real-time run's posts), get to run. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function wallNowMs(): number {
  return performance.now();
}
