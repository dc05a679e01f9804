/**
 * A view session: one experiment, driven in simulated time by the page. It records every trace
 * event with the number of simulator events completed when it was emitted (its "instant"), and
 * offers the page's controls: one event, to the next frame, to the next interrupt, to a time, to a
 * breakpoint. DOM-free, so the same code runs in the browser and in the Node tests.
 * @module
 */
import type { TraceEvent } from '../../sim/trace.js';
import { buildScenario, ConfigError, type Scenario, type ViewConfig } from './scenario.js';
import { E1000_REGISTERS } from '../../hw/registers/e1000.js';
import { decodeFrame } from './frame.js';
import { ICR_CAUSES } from './inspect.js';

/** A recorded trace event: the event and the simulator events completed when it was emitted. */
export interface Recorded {
  /** Position in the session's log (0-based). */
  seq: number;
  /** `sim.eventsRun` when the event was emitted: replaying to this count shows that instant. */
  instant: number;
  /** The trace event. */
  ev: TraceEvent;
}

/** A breakpoint: the run stops after the simulator event during which a matching trace event is emitted. */
export type Breakpoint =
  | { kind: 'reg'; reg: string; nic?: string }
  | { kind: 'cause'; cause: string; nic?: string }
  | { kind: 'frame'; filter: string }
  | { kind: 'state'; machine: string; to?: string };

/** Why a run stopped. */
export interface StopInfo {
  /** `break` (a breakpoint or the step's target), `time` (the time limit), `idle` (nothing left to simulate), `events` (the event budget). */
  reason: 'break' | 'time' | 'idle' | 'events';
  /** A description of what stopped it, for the status line. */
  what: string;
  /** The event that matched, for `break`. */
  hit?: Recorded;
}

/** Describes a breakpoint in words (the page's list and status line). */
export function describeBreakpoint(b: Breakpoint): string {
  switch (b.kind) {
    case 'reg':
      return `${b.nic ?? 'any adapter'}: ${b.reg} written`;
    case 'cause':
      return `${b.nic ?? 'any adapter'}: ICR.${b.cause} set`;
    case 'frame':
      return `a frame matching '${b.filter}' starts on a wire`;
    case 'state':
      return `state machine '${b.machine}'${b.to ? ` enters ${b.to}` : ' changes state'}`;
  }
}

const REG_NAMES = new Set(E1000_REGISTERS.map((d) => d.name.toUpperCase()));
const NAME = /^[\w.-]+$/;

/**
 * A breakpoint as the address carries it (one `bp` parameter each): `reg:TDT`, `reg:TDT@client`,
 * `cause:RXT0`, `cause:LSC@router.0`, `frame:<filter>` (any text), `state:tcp`, `state:tcp:ESTABLISHED`.
 */
export function formatBreakpoint(b: Breakpoint): string {
  switch (b.kind) {
    case 'reg':
      return `reg:${b.reg}${b.nic ? `@${b.nic}` : ''}`;
    case 'cause':
      return `cause:${b.cause}${b.nic ? `@${b.nic}` : ''}`;
    case 'frame':
      return `frame:${b.filter}`;
    case 'state':
      return `state:${b.machine}${b.to ? `:${b.to}` : ''}`;
  }
}

/** Parses one breakpoint written by {@link formatBreakpoint}; a malformed one throws a {@link ConfigError} saying what is wrong. */
export function parseBreakpoint(text: string): Breakpoint {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const bad = (why: string) => new ConfigError(`bp '${text}': ${why}`);
  const target = (what: string): [string, string | undefined] => {
    const [name, nic, more] = rest.split('@');
    if (more !== undefined || (nic !== undefined && !NAME.test(nic))) throw bad(`expects ${kind}:${what}[@adapter] with an adapter name of letters, digits, '.', '_' or '-'`);
    return [name.trim().toUpperCase(), nic];
  };
  switch (kind) {
    case 'reg': {
      const [reg, nic] = target('REGISTER');
      const base = /^([A-Z][A-Z0-9_]*)(\[\d+\])?$/.exec(reg);
      if (!base || !REG_NAMES.has(base[1])) throw bad(`no register named '${reg}' in the adapter's register table (e.g. TDT, RDT, IMS, CTRL)`);
      return nic ? { kind: 'reg', reg, nic } : { kind: 'reg', reg };
    }
    case 'cause': {
      const [cause, nic] = target('CAUSE');
      if (ICR_CAUSES[cause] === undefined) throw bad(`no interrupt cause '${cause}' (causes: ${Object.keys(ICR_CAUSES).join(', ')})`);
      return nic ? { kind: 'cause', cause, nic } : { kind: 'cause', cause };
    }
    case 'frame':
      if (colon < 0) throw bad("expects frame:<filter> (the filter may be empty: any frame)");
      if (rest.length > 200) throw bad('the frame filter is longer than 200 characters');
      return { kind: 'frame', filter: rest };
    case 'state': {
      const [machine, to, more] = rest.split(':');
      if (more !== undefined || !NAME.test(machine) || (to !== undefined && to !== '' && !NAME.test(to))) throw bad("expects state:machine[:state], e.g. state:tcp:ESTABLISHED (names of letters, digits, '.', '_' or '-')");
      return to ? { kind: 'state', machine, to } : { kind: 'state', machine };
    }
    default:
      throw bad(`unknown breakpoint kind '${kind}' (reg, cause, frame or state)`);
  }
}

/** The breakpoints in the address's `bp` parameters: the valid ones, and a message per malformed one. */
export function breakpointsFromParams(p: URLSearchParams): { breakpoints: Breakpoint[]; errors: string[] } {
  const breakpoints: Breakpoint[] = [];
  const errors: string[] = [];
  for (const v of p.getAll('bp')) {
    try {
      breakpoints.push(parseBreakpoint(v));
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { breakpoints, errors };
}

/** Adds one `bp` parameter per breakpoint to `p` (replacing any there), the inverse of {@link breakpointsFromParams}. */
export function breakpointsToParams(bps: readonly Breakpoint[], p: URLSearchParams): URLSearchParams {
  p.delete('bp');
  for (const b of bps) p.append('bp', formatBreakpoint(b));
  return p;
}

/** Whether trace event `e` hits breakpoint `b`. */
export function matches(b: Breakpoint, e: TraceEvent): boolean {
  switch (b.kind) {
    case 'reg':
      return e.kind === 'reg.access' && e.op === 'write' && e.reg.toUpperCase() === b.reg.toUpperCase() && (b.nic === undefined || e.source === b.nic);
    case 'cause': {
      if (e.kind !== 'nic.cause' || (b.nic !== undefined && e.source !== b.nic)) return false;
      const bit = ICR_CAUSES[b.cause.toUpperCase()];
      return bit !== undefined && (e.causes & bit) !== 0;
    }
    case 'frame': {
      if (e.kind !== 'wire.tx') return false;
      const f = b.filter.trim().toLowerCase();
      return f === '' || decodeFrame(e.frame.bytes).summary.toLowerCase().includes(f);
    }
    case 'state':
      return e.kind === 'state' && e.machine.toLowerCase().includes(b.machine.toLowerCase()) && (b.to === undefined || b.to === '' || e.to === b.to);
  }
}

/** One experiment, driven step by step. */
export class Session {
  /** The built experiment. */
  readonly scenario: Scenario;
  /** Every trace event so far. */
  readonly log: Recorded[] = [];
  /** Active breakpoints. */
  breakpoints: Breakpoint[] = [];
  /** Set when the application script has finished (or failed). */
  scriptDone = false;
  private pending: ((e: Recorded) => boolean) | null = null;
  private hit: Recorded | undefined;

  constructor(readonly config: ViewConfig) {
    this.scenario = buildScenario(config);
    const sim = this.scenario.net.sim;
    sim.trace.subscribe((ev) => {
      const r: Recorded = { seq: this.log.length, instant: sim.eventsRun, ev };
      this.log.push(r);
      if (this.hit === undefined && this.pending !== null && this.pending(r)) {
        this.hit = r;
        sim.stop();
      }
    });
    const done = () => {
      this.scriptDone = true;
    };
    this.scenario.script.then(done, done);
  }

  /** The simulator. */
  get sim() {
    return this.scenario.net.sim;
  }

  /** Simulated time now, ns. */
  get now(): number {
    return this.sim.now;
  }

  /** Simulator events completed so far (the instant the page shows). */
  get instant(): number {
    return this.sim.eventsRun;
  }

  /**
   * Runs until `stopAt` matches a new trace event, a breakpoint hits (unless `ignoreBreakpoints`),
   * `untilNs` is reached, `maxEvents` simulator events ran, or nothing is left to simulate.
   */
  async run(opts: { stopAt?: (r: Recorded) => boolean; what?: string; untilNs?: number; maxEvents?: number; ignoreBreakpoints?: boolean } = {}): Promise<StopInfo> {
    const bps = opts.ignoreBreakpoints ? [] : this.breakpoints;
    const stopAt = opts.stopAt;
    this.hit = undefined;
    let which = '';
    this.pending = (r) => {
      if (stopAt?.(r)) {
        which = opts.what ?? 'target reached';
        return true;
      }
      const b = bps.find((x) => matches(x, r.ev));
      if (b) which = `breakpoint: ${describeBreakpoint(b)}`;
      return b !== undefined;
    };
    const until = opts.untilNs ?? Infinity;
    const max = opts.maxEvents ?? Infinity;
    const start = this.sim.eventsRun;
    try {
      for (;;) {
        const left = max - (this.sim.eventsRun - start);
        if (left <= 0) return { reason: 'events', what: `${max} event(s) run` };
        const r = await this.sim.runAsync({ until: until === Infinity ? undefined : until, maxEvents: Math.min(left, 5000) });
        if (this.hit) return { reason: 'break', what: which, hit: this.hit };
        if (r.reason === 'until') return { reason: 'time', what: 'time reached' };
        if (r.reason === 'idle') {
          // continuations may still schedule work: let them run once, then look again
          await new Promise((res) => setImmediate(res));
          if (this.hit) return { reason: 'break', what: which, hit: this.hit };
          if (this.sim.pending === 0) return { reason: 'idle', what: 'nothing left to simulate' };
        }
      }
    } finally {
      this.pending = null;
    }
  }

  /** Runs exactly one simulator event. */
  step(): Promise<StopInfo> {
    return this.run({ maxEvents: 1, ignoreBreakpoints: true });
  }

  /** Runs until a frame starts on a wire. */
  nextFrame(): Promise<StopInfo> {
    return this.run({ stopAt: (r) => r.ev.kind === 'wire.tx', what: 'a frame started on a wire' });
  }

  /** Runs until an adapter asserts its interrupt line. */
  nextInterrupt(): Promise<StopInfo> {
    return this.run({ stopAt: (r) => r.ev.kind === 'irq' && r.ev.level, what: 'an interrupt line was asserted' });
  }

  /** Runs until simulator event count `instant` (for replays: the state at a narration line). */
  async runToInstant(instant: number): Promise<StopInfo> {
    if (instant < this.sim.eventsRun) throw new RangeError(`instant ${instant} is in the past (now ${this.sim.eventsRun})`);
    return this.run({ maxEvents: instant - this.sim.eventsRun, ignoreBreakpoints: true });
  }
}

/** A fresh session of `config` run to `instant` (deterministic replay: the state at that instant). */
export async function replay(config: ViewConfig, instant: number): Promise<Session> {
  const s = new Session(config);
  await s.runToInstant(instant);
  return s;
}

/** The drops that frame `frameId` caused: the `drop` events naming it (adapters and the switch name the frame they drop). */
export function dropsOf(log: readonly Recorded[], frameId: number): Array<Extract<TraceEvent, { kind: 'drop' }>> {
  const out: Array<Extract<TraceEvent, { kind: 'drop' }>> = [];
  for (const r of log) if (r.ev.kind === 'drop' && r.ev.frameId === frameId) out.push(r.ev);
  return out;
}
