/**
 * The LAN adapter: an Intel 8254x (82540EM) subset programmed purely through BAR0 registers (or
 * the I/O window) and host memory. It wires together the register file, the EEPROM, the PHY, the
 * transmit and receive DMA engines, the MAC (framing, FCS, filtering, counters) and the IRQ line.
 *
 * Guarantees: a register access never throws on any integer offset and 32-bit value (a value that
 * is not one, e.g. NaN, 1.5, 2^32 or a string, is a TypeError or RangeError naming the register,
 * and nothing changes); every doorbell does bounded
 * work (at most one pass over the ring); DMA never leaves host memory or enters the adapter's own
 * register window; every frame the adapter drops is traced as one `drop` event naming the one
 * counter that accounts for it (a statistics register or a {@link NicCounters} field; the 8254x
 * itself bumps some companions too, e.g. RNBC with MPC).
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { EventHandle } from '../sim/queue.js';
import type { Nanos } from '../sim/time.js';
import { RegisterFile, getField } from './registers/engine.js';
import * as R from './registers/e1000.js';
import { HostMemory, type DmaFault } from './memory.js';
import { IrqLine } from './irq.js';
import { buildEepromImage, MicrowireEeprom, EEPROM_WORDS, parseMac } from './eeprom.js';
import { Phy, type PhyOptions } from './phy/phy.js';
import type { LinkMode } from './phy/link.js';
import { PHY_ADDRESS } from './phy/registers.js';
import { BIT_TIME_NS, frameDurationNs, type Endpoint, type LinkSignal, type MediumLink, type Speed, type Duplex, type WireFrame } from './medium/types.js';
import { DESC, DESC_SIZE, RXD_ERR, RXD_STAT, TXD_CMD, TXD_POPTS, TXD_STA, TXD_TUCMD } from './descriptors.js';

/** Data descriptor DCMD bit 2: TCP segmentation (where the legacy CMD has IC). */
const TXD_DCMD_TSE = 1 << 2;
import { fcsValid } from './mac/fcs.js';
import { findFrameStart, serializeFrame, type ChecksumInsert, MIN_FRAME, MAX_FRAME_TAGGED, MAX_JUMBO_FRAME, FCS_LEN, PREAMBLE_SFD_LEN } from './mac/framing.js';
import { isBroadcast, isMulticast, mtaHash } from './mac/filter.js';
import { onesComplementSum } from './mac/checksum.js';
import { csmaMachine, slotBits, backoffRange, ATTEMPT_LIMIT, JAM_BITS } from './mac/csma.js';
import { startSimActor, nsToXstateMs } from '../sim/xstate.js';
import type { Actor } from 'xstate';
import type { Rng } from '../sim/rng.js';
import { createLineCodec, type LineCodec, type LineStream, type PhyKind } from './phy/linecode/index.js';

declare module '../sim/trace.js' {
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
  /** Transmit frames dropped as malformed (empty, over 64 KiB without EOP, extended descriptors). */
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

/** Adapter options. */
export interface NicOptions {
  /** Host memory the adapter masters. */
  memory: HostMemory;
  /** Trace name (default `nicN`). */
  name?: string;
  /** Burned-in MAC address (default: a locally administered 02:00:xx:xx:xx:xx hashed from the name). */
  mac?: string | Uint8Array;
  /** A complete 64-word EEPROM image (overrides `mac`; may be deliberately bad). */
  eeprom?: Uint16Array;
  /** Physical base of BAR0 (default 0xFEBC0000); DMA into it is refused. */
  bar0Base?: number;
  /** EERD read time (default 10 µs). */
  eerdDelayNs?: Nanos;
  /** MDIC transaction time (default 25.6 µs: 64 bits at 2.5 MHz). */
  mdioDelayNs?: Nanos;
  /** How long CTRL.RST reads 1 after a reset (default 1 µs). */
  resetNs?: Nanos;
  /** PHY options (auto-negotiation time, ...). */
  phy?: PhyOptions;
  /** Never set EERD.DONE (a hostile-hardware test mode: an EEPROM read that never completes). */
  eerdNeverCompletes?: boolean;
  /**
   * `frame` (default): the medium carries frames with exact timing. `signal`: the PHY also
   * line-codes every frame it sends (Manchester, 4B/5B+MLT-3 or 8b/10b by speed) and decodes the
   * symbols it receives, so a damaged symbol can become a code violation. Timing is identical.
   */
  fidelity?: 'frame' | 'signal';
}

/** The on-chip packet buffer shared by the receive and transmit FIFOs (PBA splits it), KB. */
const PACKET_BUFFER_KB = 64;
/** Receive DMA speed when the FIFO drains: about 250 MB/s, a 32-bit 66 MHz PCI bus. */
const DMA_NS_PER_BYTE = 4;
/** Frames the receive FIFO can hold at most (64 KB of minimum-size frames). */
const RX_FIFO_SLOTS = (PACKET_BUFFER_KB * 1024) / MIN_FRAME;
/** rxDma outcomes. */
const RX_NO_DESCRIPTOR = 0;
const RX_STORED = 1;
const RX_DROPPED = 2;

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
const PHY_BY_SPEED: Readonly<Record<Speed, PhyKind>> = { 10: '10BASE-T', 100: '100BASE-TX', 1000: '1000BASE-X' };
const TIMER_UNIT_NS = 1024;

/** The adapter. */
export class Nic {
  /** Trace name. */
  readonly name: string;
  /** The BAR0 register file. */
  readonly regs: RegisterFile;
  /** The I/O BAR window (IOADDR/IODATA). */
  readonly ioRegs: RegisterFile;
  /** The internal PHY. */
  readonly phy: Phy;
  /** The interrupt request line. */
  readonly irq: IrqLine;
  /** The EEPROM image. */
  readonly eeprom: Uint16Array;
  /** The endpoint to attach media to (`cable.connect(nicA.port, nicB.port)`). */
  readonly port: Endpoint;
  /** Drops and errors not held in statistics registers. */
  readonly counters: NicCounters = { rxFiltered: 0, rxDisabled: 0, rxNoLink: 0, rxDescriptorFaults: 0, txBufferFaults: 0, txMalformed: 0, txDescriptorFaults: 0, ringErrors: 0, txLoopback: 0, rxDuringLoopback: 0, rxFlushed: 0 };
  /** Host memory. */
  readonly memory: HostMemory;
  /** BAR0 physical base address. */
  readonly bar0Base: number;

  private readonly sim: Simulator;
  private readonly microwire: MicrowireEeprom;
  private readonly eerdDelayNs: Nanos;
  private readonly mdioDelayNs: Nanos;
  private readonly resetNs: Nanos;
  private readonly eerdNeverCompletes: boolean;
  /** Whether this adapter's PHY line-codes what it sends. */
  readonly fidelity: 'frame' | 'signal';
  private readonly codecs = new Map<PhyKind, LineCodec>();
  private medium: MediumLink | null = null;
  private epoch = 0;
  private macLink: { speed: Speed; duplex: Duplex } | null = null;

  // interrupt state
  private lastAssertAt = -Infinity;
  private itrTimer: EventHandle | null = null;
  private rxPacketTimer: EventHandle | null = null;
  private rxAbsTimer: EventHandle | null = null;
  private txPacketTimer: EventHandle | null = null;
  private txAbsTimer: EventHandle | null = null;
  private eerdTimer: EventHandle | null = null;
  private mdicTimer: EventHandle | null = null;
  private resetTimer: EventHandle | null = null;

  // transmit engine
  private txBusy = false;
  private txLineFreeAt: Nanos = 0;
  private txChunks: Uint8Array[] = [];
  private txChainLen = 0;
  private txChainDescs: number[] = [];
  private txChainPoison: 'none' | 'buffer' | 'malformed' = 'none';
  private txChainWhy = '';
  /** POPTS of the frame's first extended data descriptor, or -1 for a legacy frame. */
  private txPopts = -1;
  // checksum insertion: the legacy IC offsets of the EOP descriptor, and the context descriptor's
  private readonly txLegacySum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private readonly txIpSum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private readonly txTuSum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private txContextValid = false;
  /** Dropping the rest of a chain that outgrew the FIFO or the ring, up to its EOP. */
  private txDiscarding = false;
  private txEopCmd = 0;
  private txEopCso = 0;
  private txEopCss = 0;

  // half duplex: CSMA/CD
  private readonly csma: Actor<typeof csmaMachine>;
  private readonly backoffRng: Rng;
  private hd: { bytes: Uint8Array; base: number; descs: number[]; cmdOr: number; attempts: number; late: boolean; wf: WireFrame | null; startedAt: Nanos; backoffNs: Nanos } | null = null;
  private carrierSense = false;
  private quietSince: Nanos = 0;
  private lastTxStart: Nanos = -1;
  private lastTxEnd: Nanos = -1;
  /** The frame being received (for drop events). */
  private rxFrameId: number | undefined = undefined;
  // receive FIFO: a circular queue of frames waiting for descriptors
  private readonly rxFifo: (RxHeld | undefined)[] = new Array(RX_FIFO_SLOTS);
  private rxFifoHead = 0;
  private rxFifoCount = 0;
  private rxFifoBytes = 0;
  private rxDrainTimer: EventHandle | null = null;
  private readonly rxDrainStep = (): void => this.rxDrain();
  /** Buffer addresses of the descriptors a received frame uses, fetched once (at most 16384 / 256). */
  private readonly rxAddrs = new Float64Array(MAX_JUMBO_FRAME / 256 + 1);

  constructor(sim: Simulator, opts: NicOptions) {
    this.sim = sim;
    this.name = opts.name ?? sim.uniqueName('nic');
    this.memory = opts.memory;
    this.bar0Base = opts.bar0Base ?? 0xfebc0000;
    this.memory.mmio.push({ base: this.bar0Base, size: R.BAR0_SIZE });
    this.eerdDelayNs = opts.eerdDelayNs ?? 10_000;
    this.mdioDelayNs = opts.mdioDelayNs ?? 25_600;
    this.resetNs = opts.resetNs ?? 1_000;
    this.eerdNeverCompletes = opts.eerdNeverCompletes ?? false;
    this.fidelity = opts.fidelity ?? 'frame';
    if (opts.eeprom) {
      if (opts.eeprom.length !== EEPROM_WORDS) throw new Error(`an EEPROM image has ${EEPROM_WORDS} words, got ${opts.eeprom.length}`);
      this.eeprom = Uint16Array.from(opts.eeprom);
    } else {
      const mac = opts.mac ?? defaultMac(this.name);
      this.eeprom = buildEepromImage(typeof mac === 'string' ? parseMac(mac) : mac);
    }
    this.microwire = new MicrowireEeprom(
      this.eeprom,
      6,
      (op) => {
        if (sim.trace.active) sim.trace.emit('log', this.name, { level: 'warn', message: `EEPROM: Microwire opcode ${op.toString(2).padStart(3, '0')}b is not supported (the EEPROM is read-only)` });
      },
      (address, data) => {
        if (sim.trace.active) sim.trace.emit('eeprom.read', this.name, { via: 'EECD', address, data });
      },
    );
    this.irq = new IrqLine(sim, this.name);
    this.regs = new RegisterFile(R.E1000_REGISTERS, R.BAR0_SIZE, sim.trace, this.name, () => sim.now);
    this.ioRegs = new RegisterFile(R.IO_REGISTERS, R.IO_BAR_SIZE, sim.trace, `${this.name}.io`, () => sim.now);
    this.phy = new Phy(sim, `${this.name}.phy`, opts.phy);
    this.phy.onLinkChange = () => this.updateMacLink(true);
    this.port = this.makeEndpoint();
    this.backoffRng = sim.rng(`${this.name}.backoff`);
    this.csma = startSimActor(sim, this.makeCsma(), `${this.name}.mac`);
    this.installHooks();
    this.loadFromEeprom();
    if (sim.trace.active) sim.trace.emit('nic.reset', this.name, { cause: 'power-on' });
  }

  // ------------------------------------------------------------------ bus interface

  /** Reads the 32-bit register at BAR0 `offset` (with its side effects, e.g. ICR read-to-clear). */
  read32(offset: number): number {
    return this.regs.read(offset);
  }

  /** Writes the 32-bit register at BAR0 `offset` (with its side effects, e.g. the TDT doorbell); throws a TypeError/RangeError naming the register for a value that is not a 32-bit word. */
  write32(offset: number, value: number): void {
    this.regs.write(offset, value);
  }

  /** Reads the I/O BAR at `port` (0: IOADDR, 4: IODATA → the register IOADDR names). */
  ioRead32(port: number): number {
    return this.ioRegs.read(port);
  }

  /** Writes the I/O BAR at `port` (0: IOADDR, 4: IODATA → the register IOADDR names). */
  ioWrite32(port: number, value: number): void {
    this.ioRegs.write(port, value);
  }

  /** Frames waiting in the receive FIFO for descriptors (at most PBA.RXA KB of them). */
  get rxFifoFrames(): number {
    return this.rxFifoCount;
  }

  /** The MAC's current link (speed, duplex) or null. */
  get link(): { speed: Speed; duplex: Duplex } | null {
    return this.macLink;
  }

  /** The MAC address currently in RAL[0]/RAH[0]. */
  get macAddress(): Uint8Array {
    const lo = this.regs.get(R.RAL, 0);
    const hi = this.regs.get(R.RAH, 0);
    return Uint8Array.of(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff);
  }

  // ------------------------------------------------------------------ hooks

  private installHooks(): void {
    const r = this.regs;
    r.onWrite(R.CTRL, (_n, _i, written, old) => this.ctrlWritten(written, old));
    r.onWrite(R.EECD, () => this.eecdWritten());
    r.onWrite(R.EERD, (_n, _i, written) => this.eerdWritten(written));
    r.onWrite(R.MDIC, (_n, _i, written) => this.mdicWritten(written));
    r.afterRead(R.ICR, () => this.updateIrq()); // reading ICR clears it, which deasserts the line
    r.onWrite(R.ICR, () => this.updateIrq());
    r.onWrite(R.ICS, (_n, _i, written) => this.raise(written & R.ICR.definedMask));
    r.onWrite(R.IMS, () => this.updateIrq());
    r.onWrite(R.IMC, (_n, _i, written) => {
      r.clearBits(R.IMS, written);
      this.updateIrq();
    });
    r.onWrite(R.ITR, () => this.updateIrq());
    r.onWrite(R.TDT, () => this.txKick());
    r.onWrite(R.PBA, () => this.pbaWritten());
    r.onWrite(R.RCTL, (_n, _i, _w, old) => this.rctlWritten(old));
    r.onWrite(R.RDT, () => this.rxKick());
    r.onWrite(R.TCTL, (_n, _i, _w, old) => {
      if ((r.get(R.TCTL) & ~old & R.TCTL.f.EN.mask) !== 0) this.txKick();
    });
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
    // 64-bit octet counters: reading the high half clears both halves.
    for (const [lo, hi] of [
      [R.GORCL, R.GORCH],
      [R.GOTCL, R.GOTCH],
      [R.TORL, R.TORH],
      [R.TOTL, R.TOTH],
    ] as const) {
      r.afterRead(hi, () => r.set(lo, 0));
    }
    const io = this.ioRegs;
    io.onRead(R.IODATA, () => this.regs.read(io.get(R.IOADDR) & ~3));
    io.onWrite(R.IODATA, (_n, _i, written) => this.regs.write(io.get(R.IOADDR) & ~3, written));
  }

  // ------------------------------------------------------------------ reset, EEPROM, PHY access

  private loadFromEeprom(): void {
    const w = this.eeprom;
    this.regs.set(R.RAL, (w[0] | (w[1] << 16)) >>> 0, 0);
    this.regs.set(R.RAH, (w[2] | R.RAH.f.AV.mask) >>> 0, 0);
  }

  private ctrlWritten(written: number, old: number): void {
    const C = R.CTRL.f;
    if (written & C.RST.mask) {
      this.deviceReset();
      return;
    }
    if (this.resetTimer !== null && !this.resetTimer.done) this.regs.setBits(R.CTRL, C.RST.mask); // still resetting
    const now = this.regs.get(R.CTRL);
    if ((now ^ old) & C.PHY_RST.mask) this.phy.setHardReset((now & C.PHY_RST.mask) !== 0);
    if ((now ^ old) & (C.SLU.mask | C.FRCSPD.mask | C.FRCDPX.mask | C.SPEED.mask | C.FD.mask)) this.updateMacLink(true);
  }

  private deviceReset(): void {
    this.epoch++;
    for (const t of [this.itrTimer, this.rxPacketTimer, this.rxAbsTimer, this.txPacketTimer, this.txAbsTimer, this.eerdTimer, this.mdicTimer, this.resetTimer]) t?.cancel();
    this.itrTimer = this.rxPacketTimer = this.rxAbsTimer = this.txPacketTimer = this.txAbsTimer = this.eerdTimer = this.mdicTimer = null;
    const wasPhyHeld = (this.regs.get(R.CTRL) & R.CTRL.f.PHY_RST.mask) !== 0;
    this.regs.reset();
    this.ioRegs.reset();
    this.txBusy = false;
    this.txLineFreeAt = Math.max(this.txLineFreeAt, this.sim.now);
    this.resetTxChain();
    this.txDiscarding = false;
    this.txContextValid = false;
    this.flushRxFifo();
    this.hd = null;
    this.csma.send({ type: 'RESET' });
    this.lastAssertAt = -Infinity;
    this.loadFromEeprom();
    if (wasPhyHeld) this.phy.setHardReset(false);
    this.regs.setBits(R.CTRL, R.CTRL.f.RST.mask);
    this.resetTimer = this.sim.schedule(this.resetNs, () => {
      this.resetTimer = null;
      this.regs.clearBits(R.CTRL, R.CTRL.f.RST.mask);
    });
    this.updateMacLink(false);
    this.updateIrq();
    if (this.sim.trace.active) this.sim.trace.emit('nic.reset', this.name, { cause: 'CTRL.RST' });
  }

  private eecdWritten(): void {
    const v = this.regs.get(R.EECD);
    const E = R.EECD.f;
    if (v & E.EE_REQ.mask) this.regs.setBits(R.EECD, E.EE_GNT.mask);
    else this.regs.clearBits(R.EECD, E.EE_GNT.mask);
    if (!(this.regs.get(R.EECD) & E.EE_GNT.mask)) return;
    this.microwire.pins((v >>> E.CS.lsb) & 1, (v >>> E.SK.lsb) & 1, (v >>> E.DI.lsb) & 1);
    if (this.microwire.dout) this.regs.setBits(R.EECD, E.DO.mask);
    else this.regs.clearBits(R.EECD, E.DO.mask);
  }

  private eerdWritten(written: number): void {
    if (!(written & R.EERD.f.START.mask)) return;
    const E = R.EERD.f;
    this.regs.clearBits(R.EERD, E.START.mask | E.DONE.mask | E.DATA.mask);
    this.eerdTimer?.cancel();
    this.eerdTimer = null;
    if (this.eerdNeverCompletes) return;
    const epoch = this.epoch;
    this.eerdTimer = this.sim.schedule(this.eerdDelayNs, () => {
      this.eerdTimer = null;
      if (epoch !== this.epoch) return;
      const addr = this.regs.field(R.EERD, E.ADDR);
      const data = addr < EEPROM_WORDS ? this.eeprom[addr] : 0xffff;
      if (addr >= EEPROM_WORDS && this.sim.trace.active) this.sim.trace.emit('log', this.name, { level: 'warn', message: `EERD: word 0x${addr.toString(16)} is beyond the 64-word EEPROM; returned 0xFFFF` });
      this.regs.set(R.EERD, (this.regs.get(R.EERD) & ~E.DATA.mask) | (data << 16) | E.DONE.mask);
      if (this.sim.trace.active) this.sim.trace.emit('eeprom.read', this.name, { via: 'EERD', address: addr, data });
    });
  }

  private mdicWritten(written: number): void {
    const M = R.MDIC.f;
    this.regs.clearBits(R.MDIC, M.R.mask | M.E.mask);
    this.mdicTimer?.cancel();
    const epoch = this.epoch;
    const op = getField(written, M.OP);
    const phyAddr = getField(written, M.PHYADD);
    const regAddr = getField(written, M.REGADD);
    const data = getField(written, M.DATA);
    this.mdicTimer = this.sim.schedule(this.mdioDelayNs, () => {
      this.mdicTimer = null;
      if (epoch !== this.epoch) return;
      let v = this.regs.get(R.MDIC);
      let error = false;
      let out = data;
      if (phyAddr !== PHY_ADDRESS || (op !== 1 && op !== 2)) {
        error = true;
        v |= M.E.mask;
      } else if (op === 2) {
        out = this.phy.mdioRead(regAddr);
        v = (v & ~M.DATA.mask) | out;
      } else {
        this.phy.mdioWrite(regAddr, data);
      }
      this.regs.set(R.MDIC, (v | M.R.mask) >>> 0);
      if (this.sim.trace.active) this.sim.trace.emit('mdio', this.name, { op: op === 2 ? 'read' : op === 1 ? 'write' : 'invalid', phyAddress: phyAddr, reg: regAddr, data: out, error });
      if (written & M.I.mask) this.raise(R.INT.MDAC);
    });
  }

  // ------------------------------------------------------------------ link

  /** Where transmitted frames go instead of the wire: PHY loopback (BMCR.LOOPBACK), RCTL.LBM = 11b, or nowhere (null). */
  private loopbackMode(): 'PHY' | 'RCTL.LBM' | null {
    if (this.phy.loopback !== null) return 'PHY';
    return this.regs.field(R.RCTL, R.RCTL.f.LBM) === 3 ? 'RCTL.LBM' : null;
  }

  private rctlWritten(old: number): void {
    const lbm = this.regs.field(R.RCTL, R.RCTL.f.LBM);
    if (lbm === getField(old, R.RCTL.f.LBM)) return;
    if ((lbm === 1 || lbm === 2) && this.sim.trace.active) {
      this.sim.trace.emit('log', this.name, { level: 'warn', message: `RCTL.LBM = ${lbm.toString(2).padStart(2, '0')}b is undefined on the 8254x; no loopback` });
    }
    if (lbm === 3) this.txKick(); // frames waiting for a medium may go now
  }

  private updateMacLink(signalChange: boolean): void {
    const ctrl = this.regs.get(R.CTRL);
    const C = R.CTRL.f;
    const phyLink: LinkMode | null = this.phy.loopback ?? this.phy.link;
    let next: { speed: Speed; duplex: Duplex } | null = null;
    if (phyLink && ctrl & C.SLU.mask) {
      const forcedSpeed = ctrl & C.FRCSPD.mask ? ([10, 100, 1000, 1000] as const)[getField(ctrl, C.SPEED)] : phyLink.speed;
      const duplex: Duplex = ctrl & C.FRCDPX.mask ? (ctrl & C.FD.mask ? 'full' : 'half') : phyLink.duplex;
      if (forcedSpeed === phyLink.speed) next = { speed: phyLink.speed, duplex };
    }
    const S = R.STATUS.f;
    let status = this.regs.get(R.STATUS) & ~(S.LU.mask | S.FD.mask | S.SPEED.mask | S.ASDV.mask);
    if (next) {
      const code = next.speed === 1000 ? 2 : next.speed === 100 ? 1 : 0;
      status |= S.LU.mask | (next.duplex === 'full' ? S.FD.mask : 0) | (code << S.SPEED.lsb) | (code << S.ASDV.lsb);
    }
    this.regs.set(R.STATUS, status);
    const changed = (next === null) !== (this.macLink === null) || (next !== null && this.macLink !== null && (next.speed !== this.macLink.speed || next.duplex !== this.macLink.duplex));
    this.macLink = next;
    if (!changed) return;
    if (this.sim.trace.active) this.sim.trace.emit('nic.link', this.name, next ? { up: true, speed: next.speed, duplex: next.duplex } : { up: false });
    if (signalChange) this.raise(R.INT.LSC);
    if (this.hd !== null) {
      // a half-duplex frame in progress starts over when the link comes back
      this.csma.send({ type: 'RESET' });
      this.hd.attempts = 0;
      this.hd.wf = null;
      if (next && next.duplex === 'half') this.csma.send({ type: 'FRAME_READY' });
      else if (next) {
        const h = this.hd;
        this.hd = null;
        this.txBusy = false;
        this.transmitBytes(h.bytes, h.base, h.descs, h.cmdOr);
      }
      return;
    }
    if (next) this.txKick();
  }

  private makeEndpoint(): Endpoint {
    const self = this;
    return {
      get name() {
        return self.name;
      },
      plugged(link: MediumLink | null) {
        self.medium = link;
        self.phy.plugged(link);
      },
      partnerSignal(sig: LinkSignal | null) {
        self.phy.partnerSignal(sig);
      },
      receive(frame: WireFrame) {
        if (self.loopbackMode() !== null) {
          // in loopback the receive path hears only the adapter's own frames
          self.counters.rxDuringLoopback++;
          self.rxFrameId = frame.id;
          self.drop('rxDuringLoopback', 'the adapter is in loopback');
          return;
        }
        self.receiveFrame(frame);
      },
      get wantsCarrier() {
        return (self.macLink ?? self.phy.link)?.duplex === 'half';
      },
      carrier(on: boolean) {
        self.carrierChanged(on);
      },
    };
  }

  // ------------------------------------------------------------------ interrupts

  /** Sets interrupt causes in ICR and re-evaluates the IRQ line. */
  private raise(causes: number): void {
    if (causes === 0) return;
    this.regs.setBits(R.ICR, causes);
    if (this.sim.trace.active) this.sim.trace.emit('nic.cause', this.name, { causes, icr: this.regs.get(R.ICR) });
    this.updateIrq();
  }

  /** The IRQ level is `(ICR & IMS) != 0`, with assertions spaced by at least ITR × 256 ns. */
  private updateIrq(): void {
    const pending = (this.regs.get(R.ICR) & this.regs.get(R.IMS)) !== 0;
    if (!pending) {
      this.irq.set(false);
      return;
    }
    if (this.irq.level) return;
    const interval = this.regs.field(R.ITR, R.ITR.f.INTERVAL) * 256;
    const earliest = this.lastAssertAt + interval;
    if (interval > 0 && this.sim.now < earliest) {
      if (this.itrTimer === null) {
        this.itrTimer = this.sim.at(earliest, () => {
          this.itrTimer = null;
          this.updateIrq();
        });
      }
      return;
    }
    this.lastAssertAt = this.sim.now;
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

  private rxFrameDone(): void {
    const delay = this.regs.field(R.RDTR, R.RDTR.f.DELAY);
    if (delay === 0) {
      this.fireRxTimer();
      return;
    }
    this.rxPacketTimer?.cancel();
    this.rxPacketTimer = this.sim.schedule(delay * TIMER_UNIT_NS, () => this.fireRxTimer());
    const abs = this.regs.field(R.RADV, R.RADV.f.DELAY);
    if (abs > 0 && this.rxAbsTimer === null) this.rxAbsTimer = this.sim.schedule(abs * TIMER_UNIT_NS, () => this.fireRxTimer());
  }

  private txWrittenBack(ide: boolean): void {
    const delay = this.regs.field(R.TIDV, R.TIDV.f.DELAY);
    if (!ide || delay === 0) {
      this.raise(R.INT.TXDW);
      return;
    }
    this.txPacketTimer?.cancel();
    this.txPacketTimer = this.sim.schedule(delay * TIMER_UNIT_NS, () => this.fireTxTimer());
    const abs = this.regs.field(R.TADV, R.TADV.f.DELAY);
    if (abs > 0 && this.txAbsTimer === null) this.txAbsTimer = this.sim.schedule(abs * TIMER_UNIT_NS, () => this.fireTxTimer());
  }

  // ------------------------------------------------------------------ transmit

  private ring(which: 'tx' | 'rx'): { base: number; count: number; head: number; tail: number } | string {
    const r = this.regs;
    const [BAL, BAH, LEN, H, T] = which === 'tx' ? [R.TDBAL, R.TDBAH, R.TDLEN, R.TDH, R.TDT] : [R.RDBAL, R.RDBAH, R.RDLEN, R.RDH, R.RDT];
    const len = r.get(LEN);
    if (len === 0) return 'length 0 (ring disabled)';
    const count = len / DESC_SIZE;
    const head = r.get(H);
    const tail = r.get(T);
    if (head >= count) return `head ${head} beyond the ring of ${count} descriptors`;
    if (tail >= count) return `tail ${tail} beyond the ring of ${count} descriptors`;
    const base = r.get(BAH) * 0x100000000 + r.get(BAL);
    return { base, count, head, tail };
  }

  private ringProblem(which: 'tx' | 'rx', problem: string): void {
    this.counters.ringErrors++;
    if (this.sim.trace.active) this.sim.trace.emit('nic.ring', this.name, { ring: which, problem });
  }

  private resetTxChain(): void {
    this.txChunks = [];
    this.txChainLen = 0;
    this.txChainDescs = [];
    this.txChainPoison = 'none';
    this.txChainWhy = '';
    this.txPopts = -1;
  }

  /** The device keeps PBA.TXA = 64 − RXA (KB). */
  private pbaWritten(): void {
    const rxa = Math.min(PACKET_BUFFER_KB, this.regs.field(R.PBA, R.PBA.f.RXA));
    this.regs.set(R.PBA, ((PACKET_BUFFER_KB - rxa) << R.PBA.f.TXA.lsb) | this.regs.field(R.PBA, R.PBA.f.RXA));
  }

  /** Bytes of the transmit FIFO (PBA.TXA KB). */
  private txFifoBytes(): number {
    return this.regs.field(R.PBA, R.PBA.f.TXA) * 1024;
  }

  /**
   * Drops the chain being gathered now, before its EOP (it outgrew the transmit FIFO or the ring):
   * counted once, its descriptors written back; the rest of it up to EOP is discarded as fetched.
   */
  private dropLongChain(base: number, reason: string): void {
    const descs = this.txChainDescs;
    let cmdOr = 0;
    for (const i of descs) cmdOr |= this.memory.bytes[base + i * DESC_SIZE + DESC.CMD];
    this.resetTxChain();
    this.txDiscarding = true;
    this.counters.txMalformed++;
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'tx frame', reason, counter: 'txMalformed' });
    this.writeBackTx(base, descs, 0);
    if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
  }

  /** Fetches descriptors from TDH towards TDT until one frame is complete, then transmits it. */
  private txKick(): void {
    if (this.txBusy) return;
    if (!(this.regs.get(R.TCTL) & R.TCTL.f.EN.mask) || this.macLink === null || (this.medium === null && this.loopbackMode() === null)) return;
    const ring = this.ring('tx');
    if (typeof ring === 'string') {
      if (this.regs.get(R.TDT) !== this.regs.get(R.TDH) || this.regs.get(R.TDLEN) === 0) this.ringProblem('tx', ring);
      return;
    }
    const mem = this.memory;
    const view = mem.view;
    const trace = this.sim.trace;
    let { head } = ring;
    const { tail, count, base } = ring;
    let fetched = 0;
    while (head !== tail && fetched < count) {
      const da = base + head * DESC_SIZE;
      const fault = mem.check(da, DESC_SIZE);
      if (fault !== null) {
        this.counters.txDescriptorFaults++;
        if (trace.active) trace.emit('dma.fault', this.name, { ring: 'tx', what: 'descriptor', addr: da, length: DESC_SIZE, fault });
        return; // TDH stays; the next doorbell retries
      }
      fetched++;
      const buf = view.getUint32(da + DESC.ADDR + 4, true) * 0x100000000 + view.getUint32(da + DESC.ADDR, true);
      const cso = mem.bytes[da + DESC.CSO];
      const cmd = mem.bytes[da + DESC.CMD];
      const css = mem.bytes[da + DESC.CSS];
      const ext = (cmd & TXD_CMD.DEXT) !== 0;
      const dtyp = cso >>> 4; // extended descriptors: 0 context, 1 data
      // legacy: 16-bit LENGTH; extended data: 20-bit DTALEN
      const len = ext ? (dtyp === 1 ? view.getUint16(da + DESC.LENGTH, true) + (cso & 0x0f) * 0x10000 : 0) : view.getUint16(da + DESC.LENGTH, true);
      if (trace.active) trace.emit('nic.txdesc', this.name, { index: head, buffer: buf, length: len, cmd });
      const index = head;
      head = head + 1 === count ? 0 : head + 1;
      this.regs.set(R.TDH, head);
      if (this.txDiscarding) {
        // the rest of a chain already dropped: consumed and written back, up to its EOP
        if (cmd & TXD_CMD.EOP) this.txDiscarding = false;
        if (cmd & (TXD_CMD.RS | TXD_CMD.RPS)) {
          this.writeBackTx(base, [index], 0);
          this.txWrittenBack((cmd & TXD_CMD.IDE) !== 0);
        }
        continue;
      }
      if (ext && dtyp === 0 && this.txChainDescs.length === 0) {
        // a TCP/IP context descriptor between frames: offsets for the checksums of the frames after it
        this.loadTxContext(da);
        if (cmd & TXD_TUCMD.RS) {
          this.writeBackTx(base, [index], 0);
          this.txWrittenBack((cmd & TXD_TUCMD.IDE) !== 0);
        }
        continue;
      }
      this.txChainDescs.push(index);
      if (ext && this.txChainPoison === 'none') {
        if (dtyp !== 1) this.poisonTx(dtyp === 0 ? 'context descriptor inside a frame' : `extended descriptor of unknown type (DTYP ${dtyp})`);
        else if (cmd & TXD_DCMD_TSE) this.poisonTx('TCP segmentation (TSE) not supported');
        else if (this.txPopts < 0) this.txPopts = mem.bytes[da + DESC.POPTS];
      } else if (!ext && this.txPopts >= 0 && this.txChainPoison === 'none') this.poisonTx('legacy and extended descriptors in one frame');
      if (len > 0 && this.txChainPoison === 'none') {
        const bf = mem.check(buf, len);
        if (bf !== null) {
          this.txChainPoison = 'buffer';
          if (trace.active) trace.emit('dma.fault', this.name, { ring: 'tx', what: 'buffer', addr: buf, length: len, fault: bf });
        } else if (this.txChainLen + len > this.txFifoBytes()) {
          // The data no longer fits the transmit FIFO: the frame is lost now, whether or not an EOP follows.
          if (cmd & TXD_CMD.EOP) this.poisonTx(`descriptor chain over the ${this.txFifoBytes()}-byte transmit FIFO`);
          else {
            this.dropLongChain(base, `descriptor chain over the ${this.txFifoBytes()}-byte transmit FIFO`);
            continue;
          }
        } else {
          this.txChunks.push(mem.bytes.subarray(buf, buf + len));
          this.txChainLen += len;
        }
      }
      if (!(cmd & TXD_CMD.EOP) && this.txChainDescs.length >= count) {
        // More descriptors than the ring holds can never be a frame software handed over.
        this.dropLongChain(base, `descriptor chain longer than the ring (${count} descriptors)`);
        continue;
      }
      if (!(cmd & TXD_CMD.EOP)) continue;
      // A frame is complete.
      this.txEopCmd = cmd;
      this.txEopCso = cso;
      this.txEopCss = css;
      const descs = this.txChainDescs;
      let cmdOr = 0;
      for (const i of descs) cmdOr |= mem.bytes[base + i * DESC_SIZE + DESC.CMD];
      const poison = this.txChainPoison;
      const why = this.txChainWhy;
      const chunks = this.txChunks;
      const total = this.txChainLen;
      const popts = this.txPopts;
      this.resetTxChain();
      if (poison !== 'none' || total === 0) {
        const reason = poison === 'buffer' ? 'transmit buffer outside host memory' : poison === 'malformed' ? why : 'empty frame';
        if (poison === 'buffer') this.counters.txBufferFaults++;
        else this.counters.txMalformed++;
        if (trace.active) trace.emit('drop', this.name, { what: 'tx frame', reason, counter: poison === 'buffer' ? 'txBufferFaults' : 'txMalformed' });
        this.writeBackTx(base, descs, 0);
        if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
        continue;
      }
      this.transmit(chunks, total, base, descs, cmdOr, popts);
      return;
    }
    if (fetched > 0 && head === tail && !this.txBusy) this.raise(R.INT.TXQE);
  }

  /** Marks the frame being gathered as malformed (dropped at its EOP); the first reason wins. */
  private poisonTx(why: string): void {
    if (this.txChainPoison !== 'none') return;
    this.txChainPoison = 'malformed';
    this.txChainWhy = why;
  }

  /** Loads the checksum offsets of a TCP/IP context descriptor at `da`. */
  private loadTxContext(da: number): void {
    const b = this.memory.bytes;
    const v = this.memory.view;
    const ip = this.txIpSum;
    const tu = this.txTuSum;
    ip.css = b[da + DESC.IPCSS];
    ip.cso = b[da + DESC.IPCSO];
    ip.cse = v.getUint16(da + DESC.IPCSE, true);
    tu.css = b[da + DESC.TUCSS];
    tu.cso = b[da + DESC.TUCSO];
    tu.cse = v.getUint16(da + DESC.TUCSE, true);
    this.txContextValid = true;
  }

  private transmit(chunks: Uint8Array[], total: number, base: number, descs: number[], cmdOr: number, popts: number): void {
    const cmd = this.txEopCmd;
    let frame: Uint8Array;
    if (chunks.length === 1) frame = chunks[0];
    else {
      frame = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        frame.set(c, o);
        o += c.length;
      }
    }
    const ifcs = (cmd & TXD_CMD.IFCS) !== 0;
    const psp = (this.regs.get(R.TCTL) & R.TCTL.f.PSP.mask) !== 0;
    let first: ChecksumInsert | null = null;
    let second: ChecksumInsert | null = null;
    if (popts < 0) {
      if (cmd & TXD_CMD.IC) {
        first = this.txLegacySum;
        first.cso = this.txEopCso;
        first.css = this.txEopCss;
      }
    } else if (this.txContextValid) {
      if (popts & TXD_POPTS.IXSM) first = this.txIpSum;
      if (popts & TXD_POPTS.TXSM) second = this.txTuSum;
    }
    const bytes = serializeFrame(frame, ifcs, psp && ifcs, first, second, this.sim.slab);
    this.transmitBytes(bytes, base, descs, cmdOr);
  }

  /** Sends a serialized frame: at once in full duplex, through CSMA/CD in half duplex. */
  private transmitBytes(bytes: Uint8Array, base: number, descs: number[], cmdOr: number): void {
    const link = this.macLink!;
    this.txBusy = true;
    const loop = this.loopbackMode();
    if (loop !== null) {
      this.loopBack(bytes, base, descs, cmdOr, link.speed, loop);
      return;
    }
    if (link.duplex === 'half') {
      this.hd = { bytes, base, descs, cmdOr, attempts: 0, late: false, wf: null, startedAt: 0, backoffNs: 0 };
      this.csma.send({ type: 'FRAME_READY' });
      return;
    }
    const bitTimeNs = BIT_TIME_NS[link.speed];
    const start = Math.max(this.sim.now, this.txLineFreeAt);
    const end = start + frameDurationNs(bytes.length, bitTimeNs);
    this.txLineFreeAt = end + this.ipgNs(bitTimeNs);
    const wf: WireFrame = { id: this.sim.nextId('frame'), bytes, bitTimeNs, txStart: start, sender: this.name, symbols: this.lineCode(bytes, link.speed) };
    const epoch = this.epoch;
    const go = () => {
      if (epoch !== this.epoch) return;
      if (this.sim.trace.active) this.sim.trace.emit('wire.tx', this.name, { frame: wf, end });
      this.medium?.send(wf);
    };
    if (start === this.sim.now) go();
    else this.sim.at(start, go);
    this.sim.at(end, () => {
      if (epoch !== this.epoch) return;
      this.txBusy = false;
      this.txDone(wf, base, descs, cmdOr, 0);
    });
  }

  /** Loopback: the frame takes its usual time on the transmit side and then enters this adapter's own receive path. */
  private loopBack(bytes: Uint8Array, base: number, descs: number[], cmdOr: number, speed: Speed, mode: 'PHY' | 'RCTL.LBM'): void {
    const bitTimeNs = BIT_TIME_NS[speed];
    const start = Math.max(this.sim.now, this.txLineFreeAt);
    const end = start + frameDurationNs(bytes.length, bitTimeNs);
    this.txLineFreeAt = end + this.ipgNs(bitTimeNs);
    const wf: WireFrame = { id: this.sim.nextId('frame'), bytes, bitTimeNs, txStart: start, sender: this.name, symbols: mode === 'PHY' ? this.lineCode(bytes, speed) : undefined };
    if (this.sim.trace.active) this.sim.trace.emit('nic.loopback', this.name, { frame: wf, mode, end });
    const epoch = this.epoch;
    this.sim.at(end, () => {
      if (epoch !== this.epoch) return;
      this.counters.txLoopback++;
      this.receiveFrame(wf);
      this.txBusy = false;
      this.txDone(wf, base, descs, cmdOr, 0);
    });
  }

  private codec(kind: PhyKind): LineCodec {
    let c = this.codecs.get(kind);
    if (c === undefined) {
      // the 100BASE-TX transmit scrambler starts from a seed of this adapter's own stream
      c = createLineCodec(kind, { seed: 1 + (this.sim.rng(`${this.name}.scrambler`).nextU32() % 2047) }, this.sim.slab);
      this.codecs.set(kind, c);
    }
    return c;
  }

  /** The frame's line symbols in signal fidelity (undefined in frame fidelity). */
  private lineCode(bytes: Uint8Array, speed: Speed): LineStream | undefined {
    if (this.fidelity !== 'signal') return undefined;
    return this.codec(PHY_BY_SPEED[speed]).encodeFrame(bytes);
  }

  private ipgNs(bitTimeNs: number): Nanos {
    return (this.regs.field(R.TIPG, R.TIPG.f.IPGT) + 4) * 8 * bitTimeNs;
  }

  // ------------------------------------------------------------------ half duplex (CSMA/CD)

  private carrierChanged(on: boolean): void {
    if (on === this.carrierSense) return;
    this.carrierSense = on;
    if (!on) this.quietSince = Math.max(this.quietSince, this.sim.now);
    if (this.macLink?.duplex === 'half') this.csma.send({ type: on ? 'CARRIER_ON' : 'CARRIER_OFF' });
  }

  private makeCsma() {
    const bitNs = () => BIT_TIME_NS[this.macLink?.speed ?? 10];
    const gapLeft = () => Math.max(0, this.quietSince + this.ipgNs(bitNs()) - this.sim.now);
    return csmaMachine.provide({
      guards: {
        carrier: () => this.carrierSense,
        gapElapsed: () => gapLeft() === 0,
        giveUp: () => {
          const h = this.hd!;
          return (h.late && !(this.regs.get(R.TCTL) & R.TCTL.f.RTLC.mask)) || h.attempts >= ATTEMPT_LIMIT;
        },
      },
      delays: {
        TX_TIME: () => nsToXstateMs(frameDurationNs(this.hd!.bytes.length, bitNs())),
        JAM_TIME: () => nsToXstateMs(JAM_BITS * bitNs()),
        GAP_LEFT: () => nsToXstateMs(gapLeft()),
        BACKOFF: () => nsToXstateMs(this.hd!.backoffNs),
      },
      actions: {
        noteDeferred: () => this.regs.count(R.DC), // a defer event: the medium was busy when the MAC wanted it
        startTx: () => {
          const h = this.hd!;
          const bitTimeNs = bitNs();
          const wf: WireFrame = { id: this.sim.nextId('frame'), bytes: h.bytes, bitTimeNs, txStart: this.sim.now, sender: this.name, symbols: this.lineCode(h.bytes, this.macLink?.speed ?? 10) };
          h.wf = wf;
          h.startedAt = this.sim.now;
          this.lastTxStart = this.sim.now;
          this.lastTxEnd = this.sim.now + frameDurationNs(h.bytes.length, bitTimeNs);
          if (this.sim.trace.active) this.sim.trace.emit('wire.tx', this.name, { frame: wf, end: this.lastTxEnd });
          this.medium?.send(wf, true);
        },
        txDone: () => {
          const h = this.hd!;
          this.hd = null;
          this.quietSince = Math.max(this.quietSince, this.sim.now);
          const r = this.regs;
          if (h.attempts === 1) r.count(R.SCC);
          else if (h.attempts > 1) r.count(R.MCC);
          this.txBusy = false;
          const epoch = this.epoch;
          this.sim.schedule(0, () => epoch === this.epoch && this.txDone(h.wf!, h.base, h.descs, h.cmdOr, 0));
        },
        collision: () => {
          const h = this.hd!;
          h.attempts++;
          this.regs.count(R.COLC);
          if (this.sim.now - h.startedAt >= slotBits(this.macLink?.speed ?? 10) * bitNs()) {
            h.late = true;
            this.regs.count(R.LATECOL);
          }
        },
        startJam: () => {
          const h = this.hd!;
          const end = this.sim.now + JAM_BITS * bitNs();
          this.lastTxEnd = end;
          if (h.wf) this.medium?.abort(h.wf.id, end);
        },
        abandon: () => {
          const h = this.hd!;
          this.hd = null;
          this.quietSince = Math.max(this.quietSince, this.sim.now);
          const late = h.late && !(this.regs.get(R.TCTL) & R.TCTL.f.RTLC.mask);
          if (!late) this.regs.count(R.ECOL);
          if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'tx frame', reason: late ? 'late collision' : `excessive collisions (${h.attempts} attempts)`, counter: late ? 'LATECOL' : 'ECOL', frameId: h.wf?.id });
          this.txBusy = false;
          const epoch = this.epoch;
          this.sim.schedule(0, () => {
            if (epoch !== this.epoch) return;
            this.writeBackTx(h.base, h.descs, late ? TXD_STA.LC : TXD_STA.EC);
            if (h.cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.txWrittenBack((h.cmdOr & TXD_CMD.IDE) !== 0);
            this.txKick();
            if (!this.txBusy && this.regs.get(R.TDH) === this.regs.get(R.TDT)) this.raise(R.INT.TXQE);
          });
        },
        drawBackoff: () => {
          const h = this.hd!;
          const r = this.backoffRng.int(0, backoffRange(h.attempts));
          h.backoffNs = r * slotBits(this.macLink?.speed ?? 10) * bitNs();
        },
      },
    });
  }

  private txDone(wf: WireFrame, base: number, descs: number[], cmdOr: number, extraStatus: number): void {
    const r = this.regs;
    const len = wf.bytes.length - PREAMBLE_SFD_LEN;
    r.count(R.GPTC);
    r.count(R.TPT);
    r.count64(R.GOTCL, R.GOTCH, len);
    r.count64(R.TOTL, R.TOTH, len);
    r.count(len <= 64 ? R.PTC64 : len <= 127 ? R.PTC127 : len <= 255 ? R.PTC255 : len <= 511 ? R.PTC511 : len <= 1023 ? R.PTC1023 : R.PTC1522);
    if (wf.bytes[PREAMBLE_SFD_LEN] & 1) {
      if (isBroadcast(wf.bytes, PREAMBLE_SFD_LEN)) r.count(R.BPTC);
      else r.count(R.MPTC);
    }
    this.writeBackTx(base, descs, extraStatus);
    if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
    this.txKick();
    if (!this.txBusy && r.get(R.TDH) === r.get(R.TDT)) this.raise(R.INT.TXQE);
  }

  private writeBackTx(base: number, descs: number[], extraStatus: number): void {
    const mem = this.memory;
    for (const i of descs) {
      const da = base + i * DESC_SIZE;
      if (mem.check(da, DESC_SIZE) !== null) continue;
      const cmd = mem.bytes[da + DESC.CMD];
      if (cmd & (TXD_CMD.RS | TXD_CMD.RPS)) {
        mem.bytes[da + DESC.STATUS] = (mem.bytes[da + DESC.STATUS] & 0xf0) | TXD_STA.DD | extraStatus;
        if (this.sim.trace.active) this.sim.trace.emit('nic.writeback', this.name, { ring: 'tx', index: i, status: TXD_STA.DD | extraStatus, errors: 0, length: mem.view.getUint16(da + DESC.LENGTH, true) });
      }
    }
  }

  // ------------------------------------------------------------------ receive

  private drop(counter: string, reason: string, frameId?: number): void {
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'rx frame', reason, counter, frameId: frameId ?? this.rxFrameId });
  }

  private receiveFrame(wf: WireFrame): void {
    this.rxFrameId = wf.id;
    const r = this.regs;
    if (this.macLink === null || this.macLink.speed !== (wf.bitTimeNs === 1 ? 1000 : wf.bitTimeNs === 10 ? 100 : 10)) {
      this.counters.rxNoLink++;
      this.drop('rxNoLink', 'no link (or a speed mismatch)');
      return;
    }
    let line = wf.bytes;
    let lineErrors = 0;
    if (wf.symbols !== undefined) {
      // signal fidelity: the PHY decodes what the wire carried
      const stream = wf.symbols as LineStream;
      const res = this.codec(stream.kind).decodeFrame(stream);
      lineErrors = res.errors.length;
      line = res.bytes;
      if (lineErrors > 0) {
        for (let i = 0; i < lineErrors; i++) this.phy.countSymbolError();
        if (this.sim.trace.active) this.sim.trace.emit('log', this.name, { level: 'info', message: `PHY: ${res.errors.map((e) => `${e.kind} at code group ${e.index}`).join(', ')}` });
      }
    }
    if (this.macLink.duplex === 'half') {
      const arrivalStart = this.sim.now - frameDurationNs(line.length, wf.bitTimeNs);
      if (arrivalStart < this.lastTxEnd && this.sim.now > this.lastTxStart) {
        // heard while this station was transmitting: a collision, already counted in COLC
        this.drop('COLC', 'received while transmitting (collision)');
        return;
      }
    }
    const start = findFrameStart(line);
    if (start < 0) {
      r.count(R.RXERRC);
      if (lineErrors > 0) r.count(R.SYMERRS);
      this.drop('RXERRC', lineErrors > 0 ? 'no frame could be decoded from the line symbols' : 'no start frame delimiter');
      return;
    }
    const len = line.length - start;
    r.count(R.TPR);
    r.count64(R.TORL, R.TORH, len);
    const rctl = r.get(R.RCTL);
    const C = R.RCTL.f;
    const fcsOk = fcsValid(line, start, line.length);
    const lpe = (rctl & C.LPE.mask) !== 0;
    const maxLen = lpe ? MAX_JUMBO_FRAME : MAX_FRAME_TAGGED;
    if (len < MIN_FRAME) {
      r.count(fcsOk ? R.RUC : R.RFC);
      this.drop(fcsOk ? 'RUC' : 'RFC', `runt (${len} bytes)`);
      return;
    }
    if (len > maxLen) {
      r.count(fcsOk ? R.ROC : R.RJC);
      this.drop(fcsOk ? 'ROC' : 'RJC', `oversize (${len} bytes > ${maxLen})`);
      return;
    }
    let errors = 0;
    if (lineErrors > 0) {
      r.count(R.SYMERRS);
      r.count(R.RXERRC);
      if (!(rctl & C.SBP.mask)) {
        this.drop('SYMERRS', `symbol error (${lineErrors} code violation${lineErrors > 1 ? 's' : ''})`);
        return;
      }
      errors |= RXD_ERR.SE | RXD_ERR.RXE;
    }
    if (!fcsOk) {
      r.count(R.CRCERRS);
      if (!(rctl & C.SBP.mask)) {
        this.drop('CRCERRS', 'FCS error');
        return;
      }
      errors |= RXD_ERR.CE;
    }
    // address filter
    const bcast = isBroadcast(line, start);
    const mcast = isMulticast(line, start);
    let pif = false;
    if (!this.acceptAddress(line, start, rctl, bcast, mcast)) {
      this.counters.rxFiltered++;
      this.drop('rxFiltered', 'destination address not accepted by the filter');
      return;
    }
    if (mcast && !bcast && !this.exactMatch(line, start)) pif = !(rctl & C.MPE.mask);
    if (!(rctl & C.EN.mask)) {
      this.counters.rxDisabled++;
      this.drop('rxDisabled', 'receiver disabled (RCTL.EN clear)');
      return;
    }
    this.rxAccept(wf, line, start, len, errors, pif, bcast, mcast, fcsOk);
  }

  /** Good packets: received without error and stored in host memory. */
  private countGood(len: number, bcast: boolean, mcast: boolean): void {
    const r = this.regs;
    r.count(R.GPRC);
    r.count64(R.GORCL, R.GORCH, len);
    if (bcast) r.count(R.BPRC);
    else if (mcast) r.count(R.MPRC);
    r.count(len <= 64 ? R.PRC64 : len <= 127 ? R.PRC127 : len <= 255 ? R.PRC255 : len <= 511 ? R.PRC511 : len <= 1023 ? R.PRC1023 : R.PRC1522);
  }

  /**
   * A frame the MAC accepted enters the receive FIFO. With the FIFO empty and descriptors free it is
   * stored at once; otherwise it waits behind the frames already held (RNBC counts it if no
   * descriptor is free for it), and only a frame the FIFO has no room for is missed (MPC, ICR.RXO).
   */
  private rxAccept(wf: WireFrame, line: Uint8Array, start: number, len: number, errors: number, pif: boolean, bcast: boolean, mcast: boolean, fcsOk: boolean): void {
    const r = this.regs;
    if (this.rxFifoCount === 0) {
      const res = this.rxDma(wf, line, start, len, errors, pif);
      if (res === RX_STORED) {
        if (fcsOk && errors === 0) this.countGood(len, bcast, mcast);
        return;
      }
      if (res === RX_DROPPED) return;
      r.count(R.RNBC);
    } else if (!this.rxDescriptorsFor(len)) r.count(R.RNBC);
    const room = Math.min(PACKET_BUFFER_KB, r.field(R.PBA, R.PBA.f.RXA)) * 1024;
    if (this.rxFifoBytes + len > room || this.rxFifoCount === RX_FIFO_SLOTS) {
      r.count(R.MPC);
      this.drop('MPC', `receive FIFO full (${this.rxFifoBytes} of ${room} bytes held)`);
      this.raise(R.INT.RXO);
      return;
    }
    const i = (this.rxFifoHead + this.rxFifoCount) % RX_FIFO_SLOTS;
    this.rxFifo[i] = { wf, line, start, len, errors, pif, bcast, mcast, fcsOk };
    this.rxFifoCount++;
    this.rxFifoBytes += len;
  }

  /** Whether the ring has enough free descriptors for a frame of `len` bytes now. */
  private rxDescriptorsFor(len: number): boolean {
    const ring = this.ring('rx');
    if (typeof ring === 'string') return false;
    const rctl = this.regs.get(R.RCTL);
    const stored = rctl & R.RCTL.f.SECRC.mask ? len - FCS_LEN : len;
    const needed = Math.max(1, Math.ceil(stored / this.bufferSize(rctl)));
    return (ring.tail - ring.head + ring.count) % ring.count >= needed;
  }

  /** RDT moved: frames held in the FIFO start draining (one at a time, at DMA speed). */
  private rxKick(): void {
    if (this.rxFifoCount === 0 || this.rxDrainTimer !== null) return;
    this.rxDrainTimer = this.sim.schedule(this.rxFifo[this.rxFifoHead]!.len * DMA_NS_PER_BYTE, this.rxDrainStep);
  }

  /** Stores the frame at the head of the FIFO, if descriptors allow, and schedules the next. */
  private rxDrain(): void {
    this.rxDrainTimer = null;
    const h = this.rxFifo[this.rxFifoHead]!;
    this.rxFrameId = h.wf.id;
    const res = this.rxDma(h.wf, h.line, h.start, h.len, h.errors, h.pif);
    if (res === RX_NO_DESCRIPTOR) return; // waits for the next RDT write
    this.rxFifo[this.rxFifoHead] = undefined;
    this.rxFifoHead = (this.rxFifoHead + 1) % RX_FIFO_SLOTS;
    this.rxFifoCount--;
    this.rxFifoBytes -= h.len;
    if (res === RX_STORED && h.fcsOk && h.errors === 0) this.countGood(h.len, h.bcast, h.mcast);
    this.rxKick();
  }

  /** CTRL.RST: the frames held in the FIFO are lost (counted in rxFlushed, each traced). */
  private flushRxFifo(): void {
    this.rxDrainTimer?.cancel();
    this.rxDrainTimer = null;
    while (this.rxFifoCount > 0) {
      const h = this.rxFifo[this.rxFifoHead]!;
      this.rxFifo[this.rxFifoHead] = undefined;
      this.rxFifoHead = (this.rxFifoHead + 1) % RX_FIFO_SLOTS;
      this.rxFifoCount--;
      this.counters.rxFlushed++;
      this.drop('rxFlushed', 'receive FIFO emptied by CTRL.RST', h.wf.id);
    }
    this.rxFifoBytes = 0;
  }

  private exactMatch(line: Uint8Array, off: number): boolean {
    const r = this.regs;
    const lo = (line[off] | (line[off + 1] << 8) | (line[off + 2] << 16) | (line[off + 3] << 24)) >>> 0;
    const hi = line[off + 4] | (line[off + 5] << 8);
    for (let i = 0; i < 16; i++) {
      const rah = r.get(R.RAH, i);
      if (!(rah & R.RAH.f.AV.mask) || getField(rah, R.RAH.f.AS) !== 0) continue;
      if (r.get(R.RAL, i) === lo && (rah & 0xffff) === hi) return true;
    }
    return false;
  }

  private acceptAddress(line: Uint8Array, off: number, rctl: number, bcast: boolean, mcast: boolean): boolean {
    const C = R.RCTL.f;
    if (bcast) {
      if (rctl & (C.BAM.mask | C.MPE.mask)) return true;
    } else if (mcast) {
      if (rctl & C.MPE.mask) return true;
    } else if (rctl & C.UPE.mask) return true;
    if (this.exactMatch(line, off)) return true;
    if (mcast) {
      const h = mtaHash(line, off, getField(rctl, C.MO));
      return ((this.regs.get(R.MTA, h >>> 5) >>> (h & 31)) & 1) === 1;
    }
    return false;
  }

  private bufferSize(rctl: number): number {
    const C = R.RCTL.f;
    const bsize = getField(rctl, C.BSIZE);
    if (rctl & C.BSEX.mask) return bsize === 0 ? 2048 : [0, 16384, 8192, 4096][bsize];
    return [2048, 1024, 512, 256][bsize];
  }

  /** Stores a received frame into the ring: RX_STORED (whole), RX_DROPPED (counted) or RX_NO_DESCRIPTOR (nothing done). */
  private rxDma(wf: WireFrame, line: Uint8Array, start: number, len: number, errors: number, pif: boolean): number {
    const r = this.regs;
    const trace = this.sim.trace;
    const rctl = r.get(R.RCTL);
    const C = R.RCTL.f;
    const stored = rctl & C.SECRC.mask ? len - FCS_LEN : len;
    const ring = this.ring('rx');
    if (typeof ring === 'string') {
      this.ringProblem('rx', ring);
      return RX_NO_DESCRIPTOR;
    }
    const bufSize = this.bufferSize(rctl);
    const lpe = (rctl & C.LPE.mask) !== 0;
    if (stored > bufSize && !lpe) {
      r.count(R.RLEC);
      this.drop('RLEC', `frame of ${stored} bytes does not fit one ${bufSize}-byte buffer and RCTL.LPE is clear`);
      return RX_DROPPED;
    }
    const needed = Math.max(1, Math.ceil(stored / bufSize));
    const { base, count, tail } = ring;
    let head = ring.head;
    const free = (tail - head + count) % count;
    if (free < needed) return RX_NO_DESCRIPTOR;
    const mem = this.memory;
    const view = mem.view;
    // Fetch every descriptor once, first, so a frame is either delivered whole or not at all, and
    // so the frame's own bytes (a buffer may overlap a later descriptor) cannot redirect the DMA:
    // the writes below use only the addresses fetched here, each checked.
    const addrs = this.rxAddrs;
    for (let k = 0, h = head; k < needed; k++, h = h + 1 === count ? 0 : h + 1) {
      const da = base + h * DESC_SIZE;
      const fault = mem.check(da, DESC_SIZE);
      if (fault !== null) {
        this.counters.rxDescriptorFaults++;
        if (trace.active) trace.emit('dma.fault', this.name, { ring: 'rx', what: 'descriptor', addr: da, length: DESC_SIZE, fault });
        this.drop('rxDescriptorFaults', 'receive descriptor outside host memory');
        return RX_DROPPED;
      }
      addrs[k] = view.getUint32(da + DESC.ADDR + 4, true) * 0x100000000 + view.getUint32(da + DESC.ADDR, true);
    }
    const first = head;
    const rxcsum = r.get(R.RXCSUM);
    const pcss = getField(rxcsum, R.RXCSUM.f.PCSS);
    const offload = rxcsum & (R.RXCSUM.f.IPOFLD.mask | R.RXCSUM.f.TUOFLD.mask);
    const payloadEnd = start + len - FCS_LEN;
    // A buffer the device cannot reach: that descriptor is written back with RXE and length 0,
    // earlier ones of the frame as they were filled, and the frame is dropped (RXERRC).
    let faultAt = -1;
    for (let k = 0, w = 0; k < needed; k++) {
      const n = Math.min(bufSize, stored - w);
      w += n;
      const bf = mem.check(addrs[k], n);
      if (bf !== null) {
        faultAt = k;
        if (trace.active) trace.emit('dma.fault', this.name, { ring: 'rx', what: 'buffer', addr: addrs[k], length: n, fault: bf });
        break;
      }
    }
    if (faultAt < 0 && trace.active) trace.emit('nic.rx', this.name, { frameId: wf.id, length: stored, firstIndex: first, descriptors: needed, errors });
    let written = 0;
    const last = faultAt >= 0 ? faultAt : needed - 1;
    for (let k = 0; k <= last; k++) {
      const da = base + head * DESC_SIZE;
      const buf = addrs[k];
      const n = Math.min(bufSize, stored - written);
      const eop = k === last;
      const fault = k === faultAt;
      let status = RXD_STAT.DD | (offload === 0 ? RXD_STAT.IXSM : 0) | (eop ? RXD_STAT.EOP : 0) | (eop && pif && !fault ? RXD_STAT.PIF : 0);
      let errs = fault ? errors | RXD_ERR.RXE : errors;
      if (eop && !fault && offload !== 0) {
        const ck = rxChecksumOffload(line, start, payloadEnd, offload);
        status |= ck & 0xff;
        errs |= ck >>> 8;
      }
      if (!fault) mem.bytes.set(line.subarray(start + written, start + written + n), buf);
      written += n;
      const csum = eop && faultAt < 0 ? onesComplementSum(line, start + pcss, payloadEnd) : 0;
      view.setUint16(da + DESC.LENGTH, fault ? 0 : n, true);
      view.setUint16(da + DESC.CSUM, csum, true);
      mem.bytes[da + DESC.STATUS] = status;
      mem.bytes[da + DESC.ERRORS] = errs;
      view.setUint16(da + DESC.SPECIAL, 0, true);
      if (trace.active) trace.emit('nic.writeback', this.name, { ring: 'rx', index: head, status, errors: errs, length: fault ? 0 : n });
      head = head + 1 === count ? 0 : head + 1;
    }
    r.set(R.RDH, head);
    if (faultAt >= 0) {
      r.count(R.RXERRC);
      this.drop('RXERRC', 'receive buffer outside host memory (descriptor written back with RXE)');
    }
    // RXDMT0 when the free descriptors fall to the threshold.
    const freeAfter = (tail - head + count) % count;
    const threshold = count >> (r.field(R.RCTL, R.RCTL.f.RDMTS) + 1);
    if (free > threshold && freeAfter <= threshold) this.raise(R.INT.RXDMT0);
    this.rxFrameDone();
    return faultAt < 0 ? RX_STORED : RX_DROPPED;
  }
}

/**
 * Receive checksum offload for the frame `line[start, end)` (FCS excluded): for an IPv4 frame,
 * IPCS (and IPE on a mismatch) with RXCSUM.IPOFLD; for an unfragmented TCP or UDP datagram (UDP with
 * a non-zero checksum), TCPCS (plus UDPCS for UDP) and TCPE on a mismatch with RXCSUM.TUOFLD.
 * Returns the status bits in bits 7:0 and the error bits in 15:8.
 */
function rxChecksumOffload(line: Uint8Array, start: number, end: number, rxcsum: number): number {
  const ip = start + 14;
  if (end - ip < 20 || line[start + 12] !== 0x08 || line[start + 13] !== 0x00) return 0;
  const vihl = line[ip];
  const ihl = (vihl & 0x0f) * 4;
  const total = (line[ip + 2] << 8) | line[ip + 3];
  if (vihl >>> 4 !== 4 || ihl < 20 || total < ihl || ip + total > end) return 0;
  let status = 0;
  let errors = 0;
  if (rxcsum & R.RXCSUM.f.IPOFLD.mask) {
    status |= RXD_STAT.IPCS;
    if (onesComplementSum(line, ip, ip + ihl) !== 0xffff) errors |= RXD_ERR.IPE;
  }
  const fragment = (((line[ip + 6] << 8) | line[ip + 7]) & 0x3fff) !== 0; // MF or an offset
  const proto = line[ip + 9];
  const l4 = ip + ihl;
  const l4len = total - ihl;
  if (rxcsum & R.RXCSUM.f.TUOFLD.mask && !fragment && ((proto === 6 && l4len >= 20) || (proto === 17 && l4len >= 8 && (line[l4 + 6] | line[l4 + 7]) !== 0))) {
    status |= proto === 6 ? RXD_STAT.TCPCS : RXD_STAT.TCPCS | RXD_STAT.UDPCS;
    let sum = onesComplementSum(line, ip + 12, ip + 20) + proto + l4len + onesComplementSum(line, l4, l4 + l4len);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    if (sum !== 0xffff) errors |= RXD_ERR.TCPE;
  }
  return status | (errors << 8);
}

function defaultMac(name: string): Uint8Array {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return Uint8Array.of(0x02, 0x00, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}
