/**
 * The one way a transport makes an application wait: a FIFO of blocked calls, each with an
 * `attempt` that is tried again whenever the socket's state changes ({@link WaitQueue.notify}).
 * An attempt returns a value (the call completes), `undefined` (keep waiting) or throws a
 * {@link SocketError} (the call fails). Every settlement wakes the simulator, so an awaiting
 * process resumes at the simulated instant it was released — transports never call
 * `sim.wake()` themselves. A queue is created with {@link TransportContext.waitQueue} (or
 * `new WaitQueue(timers, wake)` in tests).
 *
 * Guarantees: `notify` does work proportional to the waiters it releases plus one attempt of the
 * first one still blocked (waiters are served in order: a later reader never overtakes an
 * earlier one); an attempt that throws anything but a SocketError is a programmer error and
 * rejects that call with it.
 * @module
 */
import type { Nanos } from '../../sim/time.js';
import type { StackTimer, StackTimers } from '../timers.js';
import { SocketError, type Errno } from './errors.js';

interface Waiter {
  attempt: () => unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: StackTimer | null;
}

/** Options of one blocking wait. */
export interface WaitOptions {
  /** Fail with `timeoutErrno` after this many simulated ns (SO_RCVTIMEO / SO_SNDTIMEO). */
  timeoutNs?: Nanos;
  /** The errno of a timeout (default ETIMEDOUT). */
  timeoutErrno?: Errno;
  /** On timeout, resolve with this value instead when it returns one (a partial write's count). */
  timeoutValue?: () => unknown;
}

/** A FIFO of blocked socket calls (see the module comment). */
export class WaitQueue {
  private waiters: Waiter[] = [];

  /** Creates an empty queue; `wake` tells the simulator a promise an application awaits settled. */
  constructor(
    private readonly timers: StackTimers,
    private readonly wake: () => void,
  ) {}

  /** Blocked calls. */
  get length(): number {
    return this.waiters.length;
  }

  /**
   * Blocks until `attempt` returns a value (tried first on the next {@link WaitQueue.notify}, not
   * now: the caller has just tried). Rejects with what `attempt` throws, or on timeout.
   */
  wait<T>(attempt: () => T | undefined, opts?: WaitOptions): Promise<T> {
    const t = opts?.timeoutNs;
    if (t !== undefined && (!Number.isSafeInteger(t) || t < 0)) throw new RangeError(`timeoutNs must be an integer ≥ 0, got ${String(t)}`);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = { attempt, resolve: resolve as (v: unknown) => void, reject, timer: null };
      if (t !== undefined) {
        const errno = opts?.timeoutErrno ?? 'ETIMEDOUT';
        const value = opts?.timeoutValue;
        w.timer = this.timers.after(t, () => {
          const i = this.waiters.indexOf(w);
          if (i < 0) return;
          this.waiters.splice(i, 1);
          const v = value?.();
          if (v !== undefined) resolve(v as T);
          else reject(new SocketError(errno));
          this.wake();
        });
      }
      this.waiters.push(w);
    });
  }

  /** Retries the blocked calls in order until one stays blocked; returns how many settled. */
  notify(): number {
    let settled = 0;
    const ws = this.waiters;
    while (ws.length > 0) {
      const w = ws[0];
      let v: unknown;
      try {
        v = w.attempt();
      } catch (e) {
        ws.shift();
        w.timer?.cancel();
        w.reject(e);
        settled++;
        continue;
      }
      if (v === undefined) break;
      ws.shift();
      w.timer?.cancel();
      w.resolve(v);
      settled++;
    }
    if (settled > 0) this.wake();
    return settled;
  }

  /** Fails every blocked call with `errno` (a socket closed under them); returns how many. */
  failAll(errno: Errno, detail?: string): number {
    const ws = this.waiters;
    if (ws.length === 0) return 0;
    this.waiters = [];
    for (const w of ws) {
      w.timer?.cancel();
      w.reject(new SocketError(errno, '', detail));
    }
    this.wake();
    return ws.length;
  }
}
