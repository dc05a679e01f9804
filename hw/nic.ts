/**
 * The LAN adapter: an Intel 8254x (82540EM) subset programmed purely through BAR0 registers (or
 * the I/O window) and host memory. This file composes the parts in `hw/nic/` — interrupt causes
 * and moderation, transmit DMA, receive DMA, the packet buffer, MAC transmit, MAC receive — with
 * the register file, the EEPROM, the PHY and the IRQ line, and holds reset, the EEPROM/MDIC side
 * bands, the MAC link and the register hooks that belong to no single part.
 *
 * Guarantees: a register access never throws on any integer offset and 32-bit value (a value that
 * is not one, e.g. NaN, 1.5, 2^32 or a string, is a TypeError or RangeError naming the register,
 * and nothing changes); every doorbell does bounded work (at most one pass over the ring); DMA
 * never leaves host memory or enters the adapter's own register window; every frame the adapter
 * drops is traced as one `drop` event naming the one counter that accounts for it (a statistics
 * register or a {@link NicCounters} field); IRQ listeners are told in events of their own, so no
 * listener re-enters a walk, and CTRL.RST is clean at any instant.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { EventHandle } from '../sim/queue.js';
import type { Nanos } from '../sim/time.js';
import { RegisterFile, getField } from './registers/engine.js';
import * as R from './registers/e1000.js';
import type { HostMemory } from './memory.js';
import { IrqLine } from './irq.js';
import { buildEepromImage, MicrowireEeprom, EEPROM_WORDS, parseMac } from './eeprom.js';
import { Phy, type PhyOptions } from './phy/phy.js';
import type { LinkMode } from './phy/link.js';
import { PHY_ADDRESS } from './phy/registers.js';
import { soleDelivery, unseenSinceMade, type Endpoint, type LinkSignal, type MediumLink, type Speed, type Duplex, type WireFrame } from './medium/types.js';
import { NicCore, type NicCounters } from './nic/core.js';
import { Interrupts } from './nic/interrupts.js';
import { RxDma } from './nic/rx-dma.js';
import { PacketBuffer } from './nic/packet-buffer.js';
import { MacTransmit } from './nic/mac-tx.js';
import { MacReceive } from './nic/mac-rx.js';
import { TxDma } from './nic/tx-dma.js';
import { EightB10BLineStream } from './phy/linecode/stream.js';

export type { NicCounters } from './nic/core.js';

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
  readonly counters: NicCounters;
  /** Host memory. */
  readonly memory: HostMemory;
  /** BAR0 physical base address. */
  readonly bar0Base: number;
  /** Whether this adapter's PHY line-codes what it sends. */
  readonly fidelity: 'frame' | 'signal';

  private readonly sim: Simulator;
  private readonly core: NicCore;
  private readonly interrupts: Interrupts;
  private readonly packetBuffer: PacketBuffer;
  private readonly macTx: MacTransmit;
  private readonly macRx: MacReceive;
  private readonly txDma: TxDma;
  private readonly microwire: MicrowireEeprom;
  private readonly eerdDelayNs: Nanos;
  private readonly mdioDelayNs: Nanos;
  private readonly resetNs: Nanos;
  private readonly eerdNeverCompletes: boolean;
  private medium: MediumLink | null = null;
  private macLink: { speed: Speed; duplex: Duplex } | null = null;
  private eerdTimer: EventHandle | null = null;
  private mdicTimer: EventHandle | null = null;
  private resetTimer: EventHandle | null = null;

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
    // the parts, each with the register file and raise(cause) through the core
    const core = (this.core = new NicCore(sim, this.name, this.regs, this.memory));
    this.counters = core.counters;
    this.interrupts = new Interrupts(core, this.irq);
    const rxDma = new RxDma(core, this.interrupts);
    this.port = new Nic.Port(this);
    this.macTx = new MacTransmit(
      core,
      {
        link: () => this.macLink,
        medium: () => this.medium,
        loopback: () => this.loopbackMode(),
        loopIn: (wf) => this.macRx.receive(wf),
        done: (base, descs, cmdOr, extraStatus) => this.txDma.complete(base, descs, cmdOr, extraStatus),
        port: this.port,
      },
      this.fidelity,
    );
    this.macRx = new MacReceive(core, this.phy, this.macTx, () => this.macLink);
    this.packetBuffer = new PacketBuffer(core, rxDma, (len, bcast, mcast) => this.macRx.countGood(len, bcast, mcast));
    this.macRx.packetBuffer = this.packetBuffer;
    this.txDma = new TxDma(core, this.interrupts, this.packetBuffer, this.macTx, () => this.macLink !== null && (this.medium !== null || this.loopbackMode() !== null));
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
    return this.packetBuffer.rxFrames;
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

  // ------------------------------------------------------------------ hooks (the parts install their own)

  private installHooks(): void {
    const r = this.regs;
    r.onWrite(R.CTRL, (_n, _i, written, old) => this.ctrlWritten(written, old));
    r.onWrite(R.EECD, () => this.eecdWritten());
    r.onWrite(R.EERD, (_n, _i, written) => this.eerdWritten(written));
    r.onWrite(R.MDIC, (_n, _i, written) => this.mdicWritten(written));
    r.onWrite(R.RCTL, (_n, _i, _w, old) => this.rctlWritten(old));
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
    this.core.epoch++;
    this.interrupts.reset();
    for (const t of [this.eerdTimer, this.mdicTimer, this.resetTimer]) t?.cancel();
    this.eerdTimer = this.mdicTimer = null;
    const wasPhyHeld = (this.regs.get(R.CTRL) & R.CTRL.f.PHY_RST.mask) !== 0;
    this.regs.reset();
    this.ioRegs.reset();
    this.macTx.reset();
    this.txDma.reset();
    this.packetBuffer.reset();
    this.loadFromEeprom();
    if (wasPhyHeld) this.phy.setHardReset(false);
    this.regs.setBits(R.CTRL, R.CTRL.f.RST.mask);
    this.resetTimer = this.sim.schedule(this.resetNs, () => {
      this.resetTimer = null;
      this.regs.clearBits(R.CTRL, R.CTRL.f.RST.mask);
    });
    this.updateMacLink(false);
    this.interrupts.update();
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
    const epoch = this.core.epoch;
    this.eerdTimer = this.sim.schedule(this.eerdDelayNs, () => {
      this.eerdTimer = null;
      if (epoch !== this.core.epoch) return;
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
    const epoch = this.core.epoch;
    const op = getField(written, M.OP);
    const phyAddr = getField(written, M.PHYADD);
    const regAddr = getField(written, M.REGADD);
    const data = getField(written, M.DATA);
    this.mdicTimer = this.sim.schedule(this.mdioDelayNs, () => {
      this.mdicTimer = null;
      if (epoch !== this.core.epoch) return;
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
      if (written & M.I.mask) this.core.raise(R.INT.MDAC);
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
    if (lbm === 3) this.txDma.kick(); // frames waiting for a medium may go now
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
    if (signalChange) this.core.raise(R.INT.LSC);
    if (this.macTx.linkChanged(next)) return; // a half-duplex frame in progress starts over
    if (next) this.txDma.kick();
  }

  /**
   * The adapter's side of its medium. One class for every adapter (not an object literal per
   * adapter): its methods and getters sit on a shared prototype, where a literal with getters is a
   * dictionary-mode object with its own accessor closures, cache lines a medium reaches per frame.
   */
  private static readonly Port = class NicPort implements Endpoint {
    constructor(private readonly nic: Nic) {}

    get name() {
      return this.nic.name;
    }

    plugged(link: MediumLink | null) {
      this.nic.medium = link;
      this.nic.phy.plugged(link);
    }

    partnerSignal(sig: LinkSignal | null) {
      this.nic.phy.partnerSignal(sig);
    }

    receive(frame: WireFrame) {
      const nic = this.nic;
      const sole = soleDelivery.frame === frame && frame.pooledBy != null;
      let decoded: Uint8Array | null = null;
      if (nic.loopbackMode() !== null) {
        // in loopback the receive path hears only the adapter's own frames
        nic.counters.rxDuringLoopback++;
        nic.core.rxFrameId = frame.id;
        nic.core.dropRx('rxDuringLoopback', 'the adapter is in loopback');
      } else {
        nic.macRx.receive(frame);
        decoded = nic.macRx.takeDecoded();
      }
      const trace = nic.sim.trace;
      if (trace.active || nic.packetBuffer.holds(frame)) return;
      const slab = nic.sim.slab;
      // The octets this adapter's PHY decoded are its own: back to the pool once stored or dropped.
      if (decoded !== null) slab.recycle(decoded);
      // The frame's bytes (and code groups) go back to the pool when this adapter held the last reference (see WireFrame.pooledBy).
      if (sole && unseenSinceMade(frame, trace)) {
        slab.recycle(frame.bytes);
        const symbols = frame.symbols;
        if (symbols instanceof EightB10BLineStream) {
          const codes = symbols.codes;
          if (codes !== null) slab.recycleU16(codes);
        }
      }
    }

    get wantsCarrier() {
      return (this.nic.macLink ?? this.nic.phy.link)?.duplex === 'half';
    }

    get listening() {
      return this.nic.macTx.listening;
    }

    carrier(on: boolean) {
      this.nic.macTx.carrierChanged(on);
    }
  };
}

function defaultMac(name: string): Uint8Array {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) >>> 0;
  return Uint8Array.of(0x02, 0x00, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
}
