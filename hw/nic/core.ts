/**
 * What every part of the adapter shares: the simulator, the register file, host memory, the
 * drop counters, the reset epoch, and the `raise(cause)` callback into the interrupt unit. The
 * parts (interrupts, transmit DMA, receive DMA, packet buffer, MAC transmit, MAC receive) each get
 * this core and nothing else of each other than what their constructor names.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import type { RegisterFile } from '../registers/engine.js';
import * as R from '../registers/e1000.js';
import type { HostMemory, DmaFault } from '../memory.js';
import type { Speed, Duplex, WireFrame } from '../medium/types.js';
import { DESC_SIZE } from '../descriptors.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** The adapter fetched a transmit descriptor. */
    'nic.txdesc': { index: number; buffer: number; length: number; cmd: number };
    /** A frame started on the wire (`frame.bytes` is exactly what the line carries). */
    'wire.tx': { frame: WireFrame; end: Nanos };
    /** A descriptor was written back to host memory. */
    'nic.writeback': { ring: 'tx' | 'rx'; index: number; status: number; errors: number; length: number };
    /** The MAC accepted a received frame and DMA wrote it to host memory. */
    'nic.rx': { frameId: number; length: number; firstIndex: number; descriptors: number; errors: number };
    /** A transmitted frame was looped back to the adapter's own receive path instead of the wire. */
    'nic.loopback': { frame: WireFrame; mode: 'RCTL.LBM' | 'PHY'; end: Nanos };
    /** A DMA access was refused. */
    'dma.fault': { ring: 'tx' | 'rx'; what: 'descriptor' | 'buffer'; addr: number; length: number; fault: DmaFault };
    /** A ring register holds an unusable value (length 0, head/tail beyond the ring). */
    'nic.ring': { ring: 'tx' | 'rx'; problem: string };
    /** Interrupt causes were set in ICR. */
    'nic.cause': { causes: number; icr: number };
    /** The adapter reset (power-on or CTRL.RST). */
    'nic.reset': { cause: 'power-on' | 'CTRL.RST' };
    /** The MAC's link state (STATUS.LU) changed. */
    'nic.link': { up: boolean; speed?: Speed; duplex?: Duplex };
    /** An EEPROM word was read (EERD or Microwire). */
    'eeprom.read': { via: 'EERD' | 'EECD'; address: number; data: number };
    /** An MDIC transaction completed. */
    'mdio': { op: 'read' | 'write' | 'invalid'; phyAddress: number; reg: number; data: number; error: boolean };
  }
}

/** Adapter drop and error counts that no 8254x statistics register holds. */
export interface NicCounters {
  /** Received frames that failed the address filter. */
  rxFiltered: number;
  /** Received frames while RCTL.EN was clear. */
  rxDisabled: number;
  /** Received frames while the MAC had no link (STATUS.LU clear). */
  rxNoLink: number;
  /** Received frames dropped because a receive descriptor could not be read by DMA. */
  rxDescriptorFaults: number;
  /** Transmit frames dropped because a buffer could not be read by DMA. */
  txBufferFaults: number;
  /** Transmit frames dropped as malformed (empty, over the transmit FIFO, longer than the ring, unsupported descriptors). */
  txMalformed: number;
  /** Doorbells ignored because a transmit descriptor could not be read. */
  txDescriptorFaults: number;
  /** Doorbells or frames ignored because ring registers were unusable. */
  ringErrors: number;
  /** Transmitted frames that re-entered the receive path through loopback (RCTL.LBM = 11b or PHY loopback) instead of the wire. */
  txLoopback: number;
  /** Frames from the wire not heard because the adapter was in loopback. */
  rxDuringLoopback: number;
  /** Received frames still in the receive FIFO when CTRL.RST emptied it. */
  rxFlushed: number;
}

/** A descriptor ring as its registers describe it. */
export interface Ring {
  /** Physical base address. */
  base: number;
  /** Descriptors in the ring. */
  count: number;
  /** Head index. */
  head: number;
  /** Tail index. */
  tail: number;
}

/** Where an adapter's parts meet. */
export class NicCore {
  /** Drops and errors not held in statistics registers. */
  readonly counters: NicCounters = { rxFiltered: 0, rxDisabled: 0, rxNoLink: 0, rxDescriptorFaults: 0, txBufferFaults: 0, txMalformed: 0, txDescriptorFaults: 0, ringErrors: 0, txLoopback: 0, rxDuringLoopback: 0, rxFlushed: 0 };
  /** Bumped by CTRL.RST: an event scheduled before a reset compares it and does nothing. */
  epoch = 0;
  /** The received frame being handled (named by `drop` events). */
  rxFrameId: number | undefined = undefined;
  /** Sets interrupt causes in ICR (installed by the interrupt unit). */
  raise: (causes: number) => void = () => {};

  constructor(
    /** The simulator. */
    readonly sim: Simulator,
    /** Trace name. */
    readonly name: string,
    /** The BAR0 register file. */
    readonly regs: RegisterFile,
    /** Host memory the adapter masters. */
    readonly memory: HostMemory,
  ) {}

  /** Traces a dropped received frame and the one counter that accounts for it. */
  dropRx(counter: string, reason: string, frameId?: number): void {
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'rx frame', reason, counter, frameId: frameId ?? this.rxFrameId });
  }

  private readonly txRing: Ring = { base: 0, count: 0, head: 0, tail: 0 };
  private readonly rxRing: Ring = { base: 0, count: 0, head: 0, tail: 0 };

  /** The transmit or receive ring from its registers (valid until the next call for the same ring), or why it is unusable. */
  ring(which: 'tx' | 'rx'): Ring | string {
    const r = this.regs;
    const tx = which === 'tx';
    const len = r.get(tx ? R.TDLEN : R.RDLEN);
    if (len === 0) return 'length 0 (ring disabled)';
    const count = len / DESC_SIZE;
    const head = r.get(tx ? R.TDH : R.RDH);
    const tail = r.get(tx ? R.TDT : R.RDT);
    if (head >= count) return `head ${head} beyond the ring of ${count} descriptors`;
    if (tail >= count) return `tail ${tail} beyond the ring of ${count} descriptors`;
    const ring = tx ? this.txRing : this.rxRing; // one object per ring, refilled: callers read it at once
    ring.base = r.get(tx ? R.TDBAH : R.RDBAH) * 0x100000000 + r.get(tx ? R.TDBAL : R.RDBAL);
    ring.count = count;
    ring.head = head;
    ring.tail = tail;
    return ring;
  }

  /** Counts and traces an unusable ring. */
  ringProblem(which: 'tx' | 'rx', problem: string): void {
    this.counters.ringErrors++;
    if (this.sim.trace.active) this.sim.trace.emit('nic.ring', this.name, { ring: which, problem });
  }
}
