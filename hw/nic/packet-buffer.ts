/**
 * The on-chip packet buffer: 64 KB that PBA splits between the receive FIFO (RXA KB) and the
 * transmit FIFO (TXA = 64 − RXA KB). The receive FIFO holds frames the MAC accepted while no
 * descriptor is free for them and drains them in order, at DMA speed, once RDT moves; only a frame
 * it has no room for is missed (MPC, ICR.RXO). The transmit FIFO's size bounds a descriptor chain.
 * @module
 */
import type { EventHandle } from '../../sim/queue.js';
import * as R from '../registers/e1000.js';
import { MIN_FRAME } from '../mac/framing.js';
import type { WireFrame } from '../medium/types.js';
import type { NicCore } from './core.js';
import { RX_DROPPED, RX_NO_DESCRIPTOR, RX_STORED, type RxDma } from './rx-dma.js';

/** The on-chip packet buffer shared by the receive and transmit FIFOs (PBA splits it), KB. */
export const PACKET_BUFFER_KB = 64;
/** Receive DMA speed when the FIFO drains: about 250 MB/s, a 32-bit 66 MHz PCI bus. */
export const DMA_NS_PER_BYTE = 4;
/** Frames the receive FIFO can hold at most (64 KB of minimum-size frames). */
const RX_FIFO_SLOTS = (PACKET_BUFFER_KB * 1024) / MIN_FRAME;

/** A received frame waiting in the receive FIFO for descriptors. */
interface RxHeld {
  wf: WireFrame;
  line: Uint8Array;
  start: number;
  len: number;
  errors: number;
  pif: boolean;
  bcast: boolean;
  mcast: boolean;
  fcsOk: boolean;
}

/** Counts a frame stored whole with a good FCS (the MAC receive statistics). */
export type GoodPacket = (len: number, bcast: boolean, mcast: boolean) => void;

/** The packet buffer of one adapter. */
export class PacketBuffer {
  // receive FIFO: a circular queue of frames waiting for descriptors
  private readonly fifo: (RxHeld | undefined)[] = new Array(RX_FIFO_SLOTS);
  private head = 0;
  private count = 0;
  private bytes = 0;
  private drainTimer: EventHandle | null = null;
  private readonly drainStep = (): void => this.drain();

  constructor(
    private readonly core: NicCore,
    private readonly rxDma: RxDma,
    private readonly good: GoodPacket,
  ) {
    core.regs.onWrite(R.PBA, () => this.pbaWritten());
    core.regs.onWrite(R.RDT, () => this.kick());
  }

  /** Frames waiting in the receive FIFO. */
  get rxFrames(): number {
    return this.count;
  }

  /** Whether `wf` waits in the receive FIFO. */
  holds(wf: WireFrame): boolean {
    for (let k = 0; k < this.count; k++) if (this.fifo[(this.head + k) % RX_FIFO_SLOTS]!.wf === wf) return true;
    return false;
  }

  /** Bytes of the transmit FIFO (PBA.TXA KB). */
  txFifoBytes(): number {
    return this.core.regs.field(R.PBA, R.PBA.f.TXA) * 1024;
  }

  /** The device keeps PBA.TXA = 64 − RXA (KB). */
  private pbaWritten(): void {
    const regs = this.core.regs;
    const rxa = regs.field(R.PBA, R.PBA.f.RXA);
    regs.set(R.PBA, ((PACKET_BUFFER_KB - Math.min(PACKET_BUFFER_KB, rxa)) << R.PBA.f.TXA.lsb) | rxa);
  }

  /**
   * A frame the MAC accepted enters the receive FIFO. With the FIFO empty and descriptors free it is
   * stored at once; otherwise it waits behind the frames already held (RNBC counts it if no
   * descriptor is free for it), and only a frame the FIFO has no room for is missed (MPC, ICR.RXO).
   */
  accept(wf: WireFrame, line: Uint8Array, start: number, len: number, errors: number, pif: boolean, bcast: boolean, mcast: boolean, fcsOk: boolean): void {
    const core = this.core;
    const r = core.regs;
    if (this.count === 0) {
      const res = this.rxDma.store(wf, line, start, len, errors, pif);
      if (res === RX_STORED) {
        if (fcsOk && errors === 0) this.good(len, bcast, mcast);
        return;
      }
      if (res === RX_DROPPED) return;
      r.count(R.RNBC);
    } else if (!this.rxDma.descriptorsFor(len)) r.count(R.RNBC);
    const room = Math.min(PACKET_BUFFER_KB, r.field(R.PBA, R.PBA.f.RXA)) * 1024;
    if (this.bytes + len > room || this.count === RX_FIFO_SLOTS) {
      r.count(R.MPC);
      core.dropRx('MPC', `receive FIFO full (${this.bytes} of ${room} bytes held)`);
      core.raise(R.INT.RXO);
      return;
    }
    const i = (this.head + this.count) % RX_FIFO_SLOTS;
    this.fifo[i] = { wf, line, start, len, errors, pif, bcast, mcast, fcsOk };
    this.count++;
    this.bytes += len;
  }

  /** RDT moved: frames held in the FIFO start draining (one at a time, at DMA speed). */
  kick(): void {
    if (this.count === 0 || this.drainTimer !== null) return;
    this.drainTimer = this.core.sim.schedule(this.fifo[this.head]!.len * DMA_NS_PER_BYTE, this.drainStep);
  }

  /** Stores the frame at the head of the FIFO, if descriptors allow, and schedules the next. */
  private drain(): void {
    this.drainTimer = null;
    const h = this.fifo[this.head]!;
    this.core.rxFrameId = h.wf.id;
    const res = this.rxDma.store(h.wf, h.line, h.start, h.len, h.errors, h.pif);
    if (res === RX_NO_DESCRIPTOR) return; // waits for the next RDT write
    this.fifo[this.head] = undefined;
    this.head = (this.head + 1) % RX_FIFO_SLOTS;
    this.count--;
    this.bytes -= h.len;
    if (res === RX_STORED && h.fcsOk && h.errors === 0) this.good(h.len, h.bcast, h.mcast);
    this.kick();
  }

  /** CTRL.RST: the frames held in the FIFO are lost (counted in rxFlushed, each traced). */
  reset(): void {
    this.drainTimer?.cancel();
    this.drainTimer = null;
    while (this.count > 0) {
      const h = this.fifo[this.head]!;
      this.fifo[this.head] = undefined;
      this.head = (this.head + 1) % RX_FIFO_SLOTS;
      this.count--;
      this.core.counters.rxFlushed++;
      this.core.dropRx('rxFlushed', 'receive FIFO emptied by CTRL.RST', h.wf.id);
    }
    this.bytes = 0;
  }
}
