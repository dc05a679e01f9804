/**
 * A register-level traffic station: programs an adapter's rings directly (no driver) and keeps
 * its transmit ring full of identical frames, recycling receive descriptors, from its interrupt
 * line. The workhorse of the shared-medium study (`nicsim lan`, topology/lan.ts).
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { HostMemory } from '../hw/memory.js';
import type { Nic } from '../hw/nic.js';
import * as R from '../hw/registers/e1000.js';
import { TXD_CMD, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';

/** Station options. */
export interface StationOptions {
  /** Frame size on the wire from destination address to FCS (60..1518 + 4 → 64..1518). */
  frameBytes: number;
  /** Destination MAC. */
  dst: Uint8Array;
  /** Descriptors per ring (multiple of 8, default 64). */
  ring?: number;
  /** Whether to keep the transmit ring full (default true). */
  saturate?: boolean;
}

const TX_RING = 0x10000;
const RX_RING = 0x20000;
const TX_BUF = 0x30000;
const RX_BUF = 0x40000;

/** A saturating station on one adapter. */
export class Station {
  /** Interrupts handled. */
  interrupts = 0;
  private readonly ring: number;

  constructor(
    private readonly sim: Simulator,
    /** The adapter. */
    readonly nic: Nic,
    private readonly mem: HostMemory,
    private readonly opts: StationOptions,
  ) {
    this.ring = opts.ring ?? 64;
    if (this.ring % 8 !== 0 || this.ring < 8) throw new RangeError('ring must be a multiple of 8');
    if (opts.frameBytes < 64 || opts.frameBytes > 1518) throw new RangeError(`frame size must be 64..1518 bytes, got ${opts.frameBytes}`);
    if (RX_BUF + this.ring * 2048 > mem.size) throw new RangeError('host memory too small for the rings');
  }

  /** Programs the adapter (link, rings, receiver, interrupts) and starts sending when `saturate`. */
  start(): void {
    const n = this.nic;
    const w = (reg: { offset: number }, v: number) => n.write32(reg.offset, v);
    w(R.IMC, 0xffffffff);
    w(R.CTRL, R.CTRL.f.SLU.mask);
    w(R.TDBAL, TX_RING);
    w(R.TDLEN, this.ring * 16);
    w(R.TDH, 0);
    w(R.TDT, 0);
    w(R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask | (0x0f << R.TCTL.f.CT.lsb) | (0x40 << R.TCTL.f.COLD.lsb));
    for (let i = 0; i < this.ring; i++) writeRxDescriptor(this.mem, RX_RING + 16 * i, RX_BUF + 2048 * i);
    w(R.RDBAL, RX_RING);
    w(R.RDLEN, this.ring * 16);
    w(R.RDH, 0);
    w(R.RDT, this.ring - 1);
    w(R.RCTL, R.RCTL.f.EN.mask | R.RCTL.f.BAM.mask | R.RCTL.f.SECRC.mask);
    const body = this.opts.frameBytes - 4;
    const f = new Uint8Array(body);
    f.set(this.opts.dst, 0);
    f.set(n.macAddress, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (let i = 14; i < body; i++) f[i] = i & 0xff;
    this.mem.write(TX_BUF, f);
    for (let i = 0; i < this.ring; i++) writeTxDescriptor(this.mem, TX_RING + 16 * i, { buffer: TX_BUF, length: body, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
    n.irq.onChange((level) => {
      if (level) this.sim.schedule(0, () => this.isr());
    });
    w(R.IMS, R.INT.TXDW | R.INT.RXT0 | R.INT.RXO | R.INT.LSC);
    if (this.opts.saturate ?? true) this.refill();
  }

  private refill(): void {
    const n = this.nic;
    const head = n.read32(R.TDH.offset);
    n.write32(R.TDT.offset, (head + this.ring - 1) % this.ring);
    const rdh = n.read32(R.RDH.offset);
    n.write32(R.RDT.offset, (rdh + this.ring - 1) % this.ring);
  }

  private isr(): void {
    const icr = this.nic.read32(R.ICR.offset);
    if (icr === 0) return;
    this.interrupts++;
    if (this.opts.saturate ?? true) this.refill();
    else {
      const rdh = this.nic.read32(R.RDH.offset);
      this.nic.write32(R.RDT.offset, (rdh + this.ring - 1) % this.ring);
    }
  }
}
