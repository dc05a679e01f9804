/**
 * Deferred work after interrupts: the softirq that runs NAPI polls. A handler calls
 * `napi.schedule()`; the poll runs after the handler has returned (a later event at the same
 * instant, or after `delayNs` to model a busy or slow receiver) with a budget equal to the
 * NAPI's weight. The contract, as in Linux: a poll returns the work it did (≤ budget); a poll that
 * did less than its budget calls `complete()` (and re-enables its device's interrupts); a poll that
 * used its whole budget stays scheduled and runs again.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import type { Cpu } from './cpu.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A NAPI poll ran: the work it did against its budget. */
    'napi.poll': { napi: string; work: number; budget: number };
  }
}

/** A NAPI poll function: does at most `budget` units of work and returns how many it did. */
export type PollFn = (budget: number) => number;

/** Counts of one NAPI context. */
export interface NapiStats {
  /** Times the poll ran. */
  polls: number;
  /** Total work done. */
  work: number;
  /** The most work one poll did. */
  maxWork: number;
  /** Polls that used their whole budget (and were rescheduled). */
  exhausted: number;
  /** Polls that returned more than their budget (a driver bug). */
  overBudget: number;
  /** `schedule()` calls that found the context already scheduled. */
  alreadyScheduled: number;
}

/** A NAPI context: one poll function with a weight, scheduled from an interrupt handler. */
export class Napi {
  /** Whether a poll is pending or running. */
  scheduled = false;
  /** Whether the context accepts `schedule()`. */
  enabled = true;
  /** Counts. */
  readonly stats: NapiStats = { polls: 0, work: 0, maxWork: 0, exhausted: 0, overBudget: 0, alreadyScheduled: 0 };
  /** @internal The softirq's event for this context (allocated once). */
  runner: (() => void) | null = null;

  constructor(
    private readonly softirq: Softirq,
    /** Name used in traces. */
    readonly name: string,
    /** The poll function. */
    readonly poll: PollFn,
    /** The budget of one poll. */
    readonly weight: number,
  ) {}

  /** napi_schedule: queues a poll unless one is already pending; returns whether it queued one. */
  schedule(): boolean {
    if (!this.enabled) return false;
    if (this.scheduled) {
      this.stats.alreadyScheduled++;
      return false;
    }
    this.scheduled = true;
    this.softirq.raise(this);
    return true;
  }

  /** napi_complete_done: the poll finished under budget; the context may be scheduled again. */
  complete(): void {
    this.scheduled = false;
  }

  /** napi_disable: no more polls (a pending one is dropped). */
  disable(): void {
    this.enabled = false;
    this.scheduled = false;
  }

  /** napi_enable. */
  enable(): void {
    this.enabled = true;
  }
}

/** Options of the softirq. */
export interface SoftirqOptions {
  /** Delay from `schedule()` (or a rescheduling) to the poll (default 0: right after the handler). */
  delayNs?: Nanos;
}

/** The softirq of one host. */
export class Softirq {
  /** Delay before a poll runs. */
  delayNs: Nanos;

  constructor(
    private readonly sim: Simulator,
    private readonly cpu: Cpu,
    /** Trace source name. */
    readonly name: string,
    opts: SoftirqOptions = {},
  ) {
    this.delayNs = opts.delayNs ?? 0;
    if (!Number.isSafeInteger(this.delayNs) || this.delayNs < 0) throw new RangeError(`softirq delay must be a non-negative integer of ns, got ${this.delayNs}`);
  }

  /** netif_napi_add: a NAPI context for `poll` with budget `weight` (default 64). */
  add(name: string, poll: PollFn, weight = 64): Napi {
    if (!Number.isSafeInteger(weight) || weight <= 0) throw new RangeError(`NAPI weight must be a positive integer, got ${weight}`);
    return new Napi(this, name, poll, weight);
  }

  /** @internal Queues a poll of `napi`. */
  raise(napi: Napi): void {
    let run = napi.runner;
    if (run === null) {
      const poll = () => this.runPoll(napi);
      const cpu = this.cpu;
      run = napi.runner = () => cpu.run(poll);
    }
    this.sim.schedule(this.delayNs, run);
  }

  private runPoll(napi: Napi): void {
    if (!napi.scheduled || !napi.enabled) return;
    const budget = napi.weight;
    const work = napi.poll(budget);
    const s = napi.stats;
    s.polls++;
    s.work += work;
    if (work > s.maxWork) s.maxWork = work;
    const trace = this.sim.trace;
    if (trace.active) trace.emit('napi.poll', this.name, { napi: napi.name, work, budget });
    if (work > budget) {
      s.overBudget++;
      if (trace.active) trace.emit('log', this.name, { level: 'error', message: `${napi.name}: poll did ${work} units of work with a budget of ${budget}` });
    }
    if (work >= budget) s.exhausted++;
    if (napi.scheduled && napi.enabled) this.raise(napi); // budget used up (or not completed): poll again
  }
}
