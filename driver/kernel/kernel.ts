/**
 * One host's kernel: the CPU (cost model), the interrupt controller, the softirq/NAPI scheduler,
 * the DMA-coherent allocator over host memory, timers and `sleep` — all on simulated time.
 *
 * `sleep(ns)` returns a promise resolved by a simulator event (which calls `sim.wake()`), so async
 * code such as a driver's `probe()` runs in simulated time under `sim.runAsync()`.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { EventHandle } from '../../sim/queue.js';
import type { Nanos } from '../../sim/time.js';
import type { HostMemory } from '../../hw/memory.js';
import { Cpu, type CpuCosts } from './cpu.js';
import { DmaAllocator, type DmaAllocatorOptions } from './dma.js';
import { InterruptController, type InterruptControllerOptions } from './irq.js';
import { Softirq } from './softirq.js';

/** Options of a {@link Kernel}. */
export interface KernelOptions {
  /** Trace name (default `hostN`). */
  name?: string;
  /** Interrupt delivery latency (default 0). */
  irqLatencyNs?: Nanos;
  /** Delay before each NAPI poll (default 0); a large value models a slow receiver. */
  softirqDelayNs?: Nanos;
  /** Per-operation CPU costs (default all 0). */
  costs?: CpuCosts;
  /** The DMA zone (default all of memory above the first page). */
  dma?: DmaAllocatorOptions;
  /** More interrupt-controller options. */
  irq?: Omit<InterruptControllerOptions, 'latencyNs'>;
}

/** A one-shot timer (mod_timer/del_timer). */
export interface KernelTimer {
  /** (Re)arms the timer to fire `delayNs` from now, replacing a pending expiry. */
  mod(delayNs: Nanos): void;
  /** Cancels a pending expiry. */
  cancel(): void;
  /** Whether an expiry is pending. */
  readonly pending: boolean;
}

/** A host kernel. */
export class Kernel {
  /** Trace name. */
  readonly name: string;
  /** The CPU and its cost model. */
  readonly cpu: Cpu;
  /** The interrupt controller. */
  readonly irq: InterruptController;
  /** The softirq that runs NAPI polls. */
  readonly softirq: Softirq;
  /** The DMA-coherent allocator. */
  readonly dma: DmaAllocator;

  constructor(
    /** The simulator. */
    readonly sim: Simulator,
    /** Host physical memory. */
    readonly memory: HostMemory,
    opts: KernelOptions = {},
  ) {
    this.name = opts.name ?? sim.uniqueName('host');
    this.cpu = new Cpu(sim, opts.costs);
    this.irq = new InterruptController(sim, this.cpu, `${this.name}.irq`, { ...opts.irq, latencyNs: opts.irqLatencyNs ?? 0 });
    this.softirq = new Softirq(sim, this.cpu, `${this.name}.softirq`, { delayNs: opts.softirqDelayNs ?? 0 });
    this.dma = new DmaAllocator(memory, opts.dma);
  }

  /** Resolves after `ns` of simulated time (use `sim.runAsync` to drive it). */
  sleep(ns: Nanos): Promise<void> {
    const sim = this.sim;
    return new Promise<void>((resolve) => {
      sim.schedule(ns, () => {
        sim.wake();
        resolve();
      });
    });
  }

  /** A timer that runs `fn` as CPU work when it expires. */
  timer(fn: () => void): KernelTimer {
    return new Timer(this.sim, this.cpu, fn);
  }
}

/**
 * A {@link KernelTimer}: a class rather than an object literal, so `pending` is a getter on the
 * shared prototype (a literal with a getter is a dictionary-mode object with its own accessor
 * closures: several more cache lines on every check, which a poll makes per frame).
 */
class Timer implements KernelTimer {
  private h: EventHandle | null = null;
  private readonly fire = (): void => {
    this.h = null;
    this.cpu.run(this.fn);
  };

  constructor(
    private readonly sim: Simulator,
    private readonly cpu: Cpu,
    private readonly fn: () => void,
  ) {}

  mod(delayNs: Nanos): void {
    this.h?.cancel();
    this.h = this.sim.schedule(delayNs, this.fire);
  }

  cancel(): void {
    this.h?.cancel();
    this.h = null;
  }

  get pending(): boolean {
    return this.h !== null;
  }
}
