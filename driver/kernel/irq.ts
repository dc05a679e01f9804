/**
 * The host's interrupt controller. Device IRQ lines are wired to vectors; drivers register
 * handlers on vectors (several may share one). A rising line delivers the vector at that instant
 * plus the configured latency; the handlers run as one unit of CPU work. Lines are
 * level-triggered: a line still high after the handlers return is delivered again (after the
 * latency). Guarantees: a vector whose handlers keep answering "not mine" while the line stays
 * high is disabled after `unhandledLimit` deliveries ("nobody cared"), and a line that stays high
 * through `stormLimit` back-to-back deliveries at one instant is disabled too, so a hostile device
 * cannot hang the simulation.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { EventHandle } from '../../sim/queue.js';
import type { Nanos } from '../../sim/time.js';
import type { Cpu } from './cpu.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** The interrupt controller delivered a vector; `handled` is false when every handler said "not mine". */
    'kernel.irq': { vector: number; handled: boolean };
  }
}

/** An interrupt request line as the host sees it (the adapter's `IrqLine` fits). */
export interface IrqSource {
  /** Whether the line is asserted. */
  readonly level: boolean;
  /** Subscribes to level changes; returns an unsubscribe function. */
  onChange(fn: (level: boolean) => void): () => void;
}

/** What a handler answers: it serviced its device, or the interrupt was not its device's. */
export type IrqReturn = 'handled' | 'none';

/** An interrupt handler (runs synchronously inside a simulator event). */
export type IrqHandler = () => IrqReturn;

/** Per-vector counts. */
export interface IrqStats {
  /** Rising edges of the line. */
  raised: number;
  /** Deliveries (handlers called). */
  delivered: number;
  /** Deliveries some handler claimed. */
  handled: number;
  /** Deliveries no handler claimed. */
  unhandled: number;
  /** Deliveries dropped because the line had fallen by the time the latency elapsed. */
  spurious: number;
}

/** Options of the interrupt controller. */
export interface InterruptControllerOptions {
  /** Delay from a rising line to the handlers running (default 0). */
  latencyNs?: Nanos;
  /** Consecutive unclaimed deliveries before a vector is disabled (default 1000). */
  unhandledLimit?: number;
  /** Consecutive deliveries at one simulated instant before a vector is disabled (default 10000). */
  stormLimit?: number;
}

interface Vector {
  line: IrqSource | null;
  unwire: (() => void) | null;
  handlers: { name: string; fn: IrqHandler }[];
  enabled: boolean;
  disabledReason: string | null;
  pending: EventHandle | null;
  stats: IrqStats;
  unhandledRun: number;
  stormAt: Nanos;
  stormRun: number;
  fire: (() => void) | null;
}

/** The interrupt controller of one host. */
export class InterruptController {
  /** Delivery latency. */
  readonly latencyNs: Nanos;
  private readonly vectors = new Map<number, Vector>();
  private readonly unhandledLimit: number;
  private readonly stormLimit: number;
  private nextVector = 32;

  constructor(
    private readonly sim: Simulator,
    private readonly cpu: Cpu,
    /** Trace source name. */
    readonly name: string,
    opts: InterruptControllerOptions = {},
  ) {
    this.latencyNs = opts.latencyNs ?? 0;
    if (!Number.isSafeInteger(this.latencyNs) || this.latencyNs < 0) throw new RangeError(`interrupt latency must be a non-negative integer of ns, got ${this.latencyNs}`);
    this.unhandledLimit = opts.unhandledLimit ?? 1000;
    this.stormLimit = opts.stormLimit ?? 10_000;
  }

  private vec(v: number): Vector {
    let x = this.vectors.get(v);
    if (x === undefined) {
      x = { line: null, unwire: null, handlers: [], enabled: true, disabledReason: null, pending: null, stats: { raised: 0, delivered: 0, handled: 0, unhandled: 0, spurious: 0 }, unhandledRun: 0, stormAt: -1, stormRun: 0, fire: null };
      this.vectors.set(v, x);
    }
    return x;
  }

  /** Wires a device's line to `vector` (default: the next free vector from 32); returns the vector. */
  attach(line: IrqSource, vector?: number): number {
    const v = vector ?? this.allocVector();
    const x = this.vec(v);
    if (x.line !== null) throw new Error(`${this.name}: vector ${v} already has a line`);
    x.line = line;
    x.unwire = line.onChange((level) => {
      if (!level) return;
      x.stats.raised++;
      this.arm(v, x);
    });
    if (line.level) this.arm(v, x);
    return v;
  }

  /** Unwires the line of `vector`. */
  detach(vector: number): void {
    const x = this.vectors.get(vector);
    if (!x) return;
    x.unwire?.();
    x.unwire = null;
    x.line = null;
    x.pending?.cancel();
    x.pending = null;
  }

  private allocVector(): number {
    while (this.vectors.get(this.nextVector)?.line) this.nextVector++;
    return this.nextVector++;
  }

  /** Registers a handler on `vector` (request_irq); returns a function that frees it (free_irq). */
  request(vector: number, name: string, fn: IrqHandler): () => void {
    const x = this.vec(vector);
    const h = { name, fn };
    x.handlers = [...x.handlers, h];
    if (x.line?.level) this.arm(vector, x);
    return () => {
      x.handlers = x.handlers.filter((y) => y !== h);
    };
  }

  /** Masks a vector: deliveries wait until it is enabled again. */
  disable(vector: number): void {
    this.vec(vector).enabled = false;
  }

  /** Unmasks a vector (also one disabled as unhandled or a storm); a line still high is delivered. */
  enable(vector: number): void {
    const x = this.vec(vector);
    x.enabled = true;
    x.disabledReason = null;
    x.unhandledRun = 0;
    x.stormRun = 0;
    if (x.line?.level) this.arm(vector, x);
  }

  /** Why a vector was disabled by the controller itself, or null. */
  disabledReason(vector: number): string | null {
    return this.vectors.get(vector)?.disabledReason ?? null;
  }

  /** The counts of `vector`. */
  stats(vector: number): IrqStats {
    return { ...this.vec(vector).stats };
  }

  private arm(v: number, x: Vector): void {
    if (x.pending !== null || !x.enabled || x.handlers.length === 0) return;
    let fire = x.fire;
    if (fire === null) {
      const deliver = () => this.deliver(v, x);
      const cpu = this.cpu;
      fire = x.fire = () => {
        x.pending = null;
        cpu.run(deliver);
      };
    }
    x.pending = this.sim.schedule(this.latencyNs, fire);
  }

  private deliver(v: number, x: Vector): void {
    if (!x.enabled || x.handlers.length === 0) return;
    if (x.line === null || !x.line.level) {
      x.stats.spurious++;
      return;
    }
    x.stats.delivered++;
    if (this.cpu.irqEntryNs > 0) this.cpu.charge(this.cpu.irqEntryNs);
    let handled = false;
    for (const h of x.handlers) if (h.fn() === 'handled') handled = true;
    if (handled) {
      x.stats.handled++;
      x.unhandledRun = 0;
    } else {
      x.stats.unhandled++;
      x.unhandledRun++;
    }
    const trace = this.sim.trace;
    if (trace.active) trace.emit('kernel.irq', this.name, { vector: v, handled });
    if (x.stormAt === this.sim.now) x.stormRun++;
    else {
      x.stormAt = this.sim.now;
      x.stormRun = 1;
    }
    if (x.unhandledRun >= this.unhandledLimit) this.shutDown(v, x, `nobody cared: ${x.unhandledRun} deliveries in a row were not claimed by any handler`);
    else if (x.stormRun >= this.stormLimit) this.shutDown(v, x, `interrupt storm: the line stayed high through ${x.stormRun} deliveries at one instant`);
    else if (x.line.level) this.arm(v, x); // level-triggered: still asserted, deliver again
  }

  private shutDown(v: number, x: Vector, reason: string): void {
    x.enabled = false;
    x.disabledReason = reason;
    if (this.sim.trace.active) this.sim.trace.emit('log', this.name, { level: 'error', message: `irq ${v}: ${reason}; vector disabled` });
  }
}
