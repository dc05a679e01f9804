/**
 * Interrupt causes and moderation: ICR/ICS/IMS/IMC, the IRQ level `(ICR & IMS) != 0` with ITR
 * throttling, and the receive (RDTR/RADV) and transmit (TIDV/TADV) delay timers.
 * @module
 */
import type { EventHandle } from '../../sim/queue.js';
import * as R from '../registers/e1000.js';
import type { IrqLine } from '../irq.js';
import type { NicCore } from './core.js';

/** The delay timers count in units of 1.024 µs. */
const TIMER_UNIT_NS = 1024;

/** The interrupt unit of one adapter. */
export class Interrupts {
  private lastAssertAt = -Infinity;
  private itrTimer: EventHandle | null = null;
  private rxPacketTimer: EventHandle | null = null;
  private rxAbsTimer: EventHandle | null = null;
  private txPacketTimer: EventHandle | null = null;
  private txAbsTimer: EventHandle | null = null;
  // prebound timer callbacks (no closure per frame)
  private readonly fireRx = (): void => this.fireRxTimer();
  private readonly fireTx = (): void => this.fireTxTimer();
  private readonly itrDue = (): void => {
    this.itrTimer = null;
    this.update();
  };

  constructor(
    private readonly core: NicCore,
    private readonly irq: IrqLine,
  ) {
    core.raise = (causes) => this.raise(causes);
    const r = core.regs;
    r.afterRead(R.ICR, () => this.update()); // reading ICR clears it, which deasserts the line
    r.onWrite(R.ICR, () => this.update());
    r.onWrite(R.ICS, (_n, _i, written) => this.raise(written & R.ICR.definedMask));
    r.onWrite(R.IMS, () => this.update());
    r.onWrite(R.IMC, (_n, _i, written) => {
      r.clearBits(R.IMS, written);
      this.update();
    });
    r.onWrite(R.ITR, () => this.update());
    r.onWrite(R.RDTR, (_n, _i, written) => {
      if (written & R.RDTR.f.FPD.mask) {
        r.clearBits(R.RDTR, R.RDTR.f.FPD.mask);
        this.fireRxTimer();
      }
    });
    r.onWrite(R.TIDV, (_n, _i, written) => {
      if (written & R.TIDV.f.FPD.mask) {
        r.clearBits(R.TIDV, R.TIDV.f.FPD.mask);
        this.fireTxTimer();
      }
    });
  }

  /** Sets interrupt causes in ICR and re-evaluates the IRQ line. */
  raise(causes: number): void {
    if (causes === 0) return;
    const { regs, sim } = this.core;
    regs.setBits(R.ICR, causes);
    if (sim.trace.active) sim.trace.emit('nic.cause', this.core.name, { causes, icr: regs.get(R.ICR) });
    this.update();
  }

  /** The IRQ level is `(ICR & IMS) != 0`, with assertions spaced by at least ITR × 256 ns. */
  update(): void {
    const { regs, sim } = this.core;
    const pending = (regs.get(R.ICR) & regs.get(R.IMS)) !== 0;
    if (!pending) {
      this.irq.set(false);
      return;
    }
    if (this.irq.level) return;
    const interval = regs.field(R.ITR, R.ITR.f.INTERVAL) * 256;
    const earliest = this.lastAssertAt + interval;
    if (interval > 0 && sim.now < earliest) {
      if (this.itrTimer === null) this.itrTimer = sim.at(earliest, this.itrDue);
      return;
    }
    this.lastAssertAt = sim.now;
    this.irq.set(true);
  }

  private fireRxTimer(): void {
    this.rxPacketTimer?.cancel();
    this.rxAbsTimer?.cancel();
    this.rxPacketTimer = this.rxAbsTimer = null;
    this.raise(R.INT.RXT0);
  }

  private fireTxTimer(): void {
    this.txPacketTimer?.cancel();
    this.txAbsTimer?.cancel();
    this.txPacketTimer = this.txAbsTimer = null;
    this.raise(R.INT.TXDW);
  }

  /** A received frame was written back: RXT0 now, or per RDTR (restarted by each frame) capped by RADV. */
  rxFrameDone(): void {
    const { regs, sim } = this.core;
    const delay = regs.field(R.RDTR, R.RDTR.f.DELAY);
    if (delay === 0) {
      this.fireRxTimer();
      return;
    }
    this.rxPacketTimer?.cancel();
    this.rxPacketTimer = sim.schedule(delay * TIMER_UNIT_NS, this.fireRx);
    const abs = regs.field(R.RADV, R.RADV.f.DELAY);
    if (abs > 0 && this.rxAbsTimer === null) this.rxAbsTimer = sim.schedule(abs * TIMER_UNIT_NS, this.fireRx);
  }

  /** Transmit descriptors with RS were written back: TXDW now, or with `ide` per TIDV capped by TADV. */
  txWrittenBack(ide: boolean): void {
    const { regs, sim } = this.core;
    const delay = regs.field(R.TIDV, R.TIDV.f.DELAY);
    if (!ide || delay === 0) {
      this.raise(R.INT.TXDW);
      return;
    }
    this.txPacketTimer?.cancel();
    this.txPacketTimer = sim.schedule(delay * TIMER_UNIT_NS, this.fireTx);
    const abs = regs.field(R.TADV, R.TADV.f.DELAY);
    if (abs > 0 && this.txAbsTimer === null) this.txAbsTimer = sim.schedule(abs * TIMER_UNIT_NS, this.fireTx);
  }

  /** CTRL.RST: every timer stops; the next assertion is not throttled. */
  reset(): void {
    for (const t of [this.itrTimer, this.rxPacketTimer, this.rxAbsTimer, this.txPacketTimer, this.txAbsTimer]) t?.cancel();
    this.itrTimer = this.rxPacketTimer = this.rxAbsTimer = this.txPacketTimer = this.txAbsTimer = null;
    this.lastAssertAt = -Infinity;
  }
}
