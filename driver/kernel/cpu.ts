/**
 * The host CPU as a serial resource with optional per-operation costs. Kernel work (an interrupt
 * handler, a NAPI poll, a timer) runs as one unit at `max(now, busyUntil)`; the costs the work
 * charges while it runs (MMIO reads and writes, bytes copied, interrupt entry) push `busyUntil`
 * forward, so the next unit of work starts later. Inside one unit every device access happens at
 * the unit's start instant: costs delay what follows, not what is inside.
 *
 * All costs are zero by default, which makes the CPU infinitely fast and the model free.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';

/** Per-operation CPU costs in simulated ns (all default to 0). */
export interface CpuCosts {
  /** One MMIO register read (a non-posted PCI read is typically ~1 µs). */
  mmioReadNs?: Nanos;
  /** One MMIO register write (posted; typically ~100 ns). */
  mmioWriteNs?: Nanos;
  /** Copying one byte between a frame and a DMA buffer (fractions allowed; rounded per charge). */
  copyNsPerByte?: number;
  /** Entering and leaving an interrupt handler. */
  irqEntryNs?: Nanos;
}

/** The CPU of one host. */
export class Cpu {
  /** Cost of an MMIO read. */
  readonly mmioReadNs: Nanos;
  /** Cost of an MMIO write. */
  readonly mmioWriteNs: Nanos;
  /** Cost of copying one byte. */
  readonly copyNsPerByte: number;
  /** Cost of interrupt entry/exit. */
  readonly irqEntryNs: Nanos;
  /** True when any cost is non-zero (callers may skip charging otherwise). */
  readonly costed: boolean;
  /** The CPU is busy until this simulated time. */
  busyUntil: Nanos = 0;
  /** Total simulated ns charged so far. */
  busyNs: Nanos = 0;
  private inWork = false;
  private pending = 0;

  constructor(
    private readonly sim: Simulator,
    costs: CpuCosts = {},
  ) {
    this.mmioReadNs = costs.mmioReadNs ?? 0;
    this.mmioWriteNs = costs.mmioWriteNs ?? 0;
    this.copyNsPerByte = costs.copyNsPerByte ?? 0;
    this.irqEntryNs = costs.irqEntryNs ?? 0;
    for (const [k, v] of Object.entries({ mmioReadNs: this.mmioReadNs, mmioWriteNs: this.mmioWriteNs, copyNsPerByte: this.copyNsPerByte, irqEntryNs: this.irqEntryNs })) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`CPU cost ${k} must be a finite number ≥ 0, got ${v}`);
    }
    this.costed = this.mmioReadNs + this.mmioWriteNs + this.copyNsPerByte + this.irqEntryNs > 0;
  }

  /** Charges `ns` of CPU time to the current unit of work (or, outside one, from now on). */
  charge(ns: number): void {
    if (ns <= 0) return;
    if (this.inWork) {
      this.pending += ns;
      return;
    }
    const t = Math.round(ns);
    this.busyUntil = Math.max(this.busyUntil, this.sim.now) + t;
    this.busyNs += t;
  }

  /** Charges the copy of `bytes` bytes. */
  chargeCopy(bytes: number): void {
    if (this.copyNsPerByte > 0) this.charge(bytes * this.copyNsPerByte);
  }

  /** Runs `fn` as one unit of work now, or when the CPU becomes free. */
  run(fn: () => void): void {
    if (this.costed && this.busyUntil > this.sim.now && !this.inWork) {
      this.sim.at(this.busyUntil, () => this.run(fn));
      return;
    }
    if (this.inWork || !this.costed) {
      fn();
      return;
    }
    this.inWork = true;
    this.pending = 0;
    try {
      fn();
    } finally {
      this.inWork = false;
      const t = Math.round(this.pending);
      this.pending = 0;
      this.busyUntil = this.sim.now + t;
      this.busyNs += t;
    }
  }
}
