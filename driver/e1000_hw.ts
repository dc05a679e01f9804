/**
 * The hardware-access layer of the e1000 driver (the role of Linux's e1000_hw.c): every register
 * access goes through `rd32`/`wr32` on the adapter's BAR0, `flush()` reads STATUS to push posted
 * writes, and the slow operations — reset, EEPROM words through EERD, PHY registers through MDIC —
 * are bounded polls in simulated time that end in a {@link DriverError} instead of hanging.
 *
 * This layer knows registers, not the OS: no rings, no interrupts, no netdev.
 * @module
 */
import type { Nanos } from '../sim/time.js';
import type { RegDef } from '../hw/registers/engine.js';
import * as R from '../hw/registers/e1000.js';
import type { Kernel } from './kernel/kernel.js';
import { DriverError } from './errors.js';

/** The adapter's BAR0 as the driver reaches it: 32-bit reads and writes at byte offsets. */
export interface Bar0 {
  /** Reads the register at `offset` (with its side effects, e.g. ICR read-to-clear). */
  read32(offset: number): number;
  /** Writes the register at `offset` (with its side effects, e.g. the TDT doorbell). */
  write32(offset: number, value: number): void;
}

/** Timing of the bounded polls (all simulated ns). */
export interface E1000HwOptions {
  /** Interval between EERD polls (default 5 µs). */
  eerdPollNs?: Nanos;
  /** Give up on one EEPROM word after this long (default 10 ms). */
  eerdTimeoutNs?: Nanos;
  /** Interval between MDIC polls (default 5 µs). */
  mdicPollNs?: Nanos;
  /** Give up on one PHY register access after this long (default 10 ms). */
  mdicTimeoutNs?: Nanos;
  /** Interval between CTRL.RST polls (default 1 µs). */
  resetPollNs?: Nanos;
  /** Give up on a reset after this long (default 10 ms). */
  resetTimeoutNs?: Nanos;
}

/** Number of 16-bit words in the 82540's EEPROM. */
export const EEPROM_WORDS = 64;
/** What the 64 EEPROM words must sum to (mod 2^16). */
export const EEPROM_SUM = 0xbaba;
/** MDIO address of the internal PHY. */
export const PHY_ADDR = 1;
/** Clause-22 PHY register numbers the driver uses. */
export const PHY_REG = { BMCR: 0, BMSR: 1, PHYID1: 2, PHYID2: 3 } as const;
/** Multicast exact-match entries: RAR[1..15] (RAR[0] holds the station address). */
export const RAR_ENTRIES = 16;
/** Registers in the multicast table array. */
export const MTA_REGS = 128;

const STAT32 = {
  crcerrs: R.CRCERRS, algnerrc: R.ALGNERRC, symerrs: R.SYMERRS, rxerrc: R.RXERRC, mpc: R.MPC, scc: R.SCC, ecol: R.ECOL, mcc: R.MCC,
  latecol: R.LATECOL, colc: R.COLC, dc: R.DC, tncrs: R.TNCRS, sec: R.SEC_, cexterr: R.CEXTERR, rlec: R.RLEC, xonrxc: R.XONRXC,
  xontxc: R.XONTXC, xoffrxc: R.XOFFRXC, xofftxc: R.XOFFTXC, fcruc: R.FCRUC, prc64: R.PRC64, prc127: R.PRC127, prc255: R.PRC255,
  prc511: R.PRC511, prc1023: R.PRC1023, prc1522: R.PRC1522, gprc: R.GPRC, bprc: R.BPRC, mprc: R.MPRC, gptc: R.GPTC, rnbc: R.RNBC,
  ruc: R.RUC, rfc: R.RFC, roc: R.ROC, rjc: R.RJC, tpr: R.TPR, tpt: R.TPT, ptc64: R.PTC64, ptc127: R.PTC127, ptc255: R.PTC255,
  ptc511: R.PTC511, ptc1023: R.PTC1023, ptc1522: R.PTC1522, mptc: R.MPTC, bptc: R.BPTC,
} as const;
const STAT64 = { gorc: [R.GORCL, R.GORCH], gotc: [R.GOTCL, R.GOTCH], tor: [R.TORL, R.TORH], tot: [R.TOTL, R.TOTH] } as const;

/** Names of the accumulated hardware statistics (the datasheet mnemonics in lower case; 64-bit octet counters without L/H). */
export type HwStatName = keyof typeof STAT32 | keyof typeof STAT64;
/** Hardware statistics accumulated from the clear-on-read registers (exact to 2^53). */
export type HwStats = Record<HwStatName, number>;

/** A zeroed {@link HwStats}. */
export function emptyHwStats(): HwStats {
  const s = {} as HwStats;
  for (const k of Object.keys(STAT32) as HwStatName[]) s[k] = 0;
  for (const k of Object.keys(STAT64) as HwStatName[]) s[k] = 0;
  return s;
}

/** The link as STATUS reports it. */
export interface HwLink {
  /** STATUS.LU. */
  up: boolean;
  /** Resolved speed in Mb/s. */
  speed: 10 | 100 | 1000;
  /** Resolved duplex. */
  duplex: 'full' | 'half';
}

/** The 12-bit multicast-table hash of `mac` for RCTL.MO = 0 (address bits 47:36). */
export function mtaHashMo0(mac: Uint8Array): number {
  return ((mac[4] >> 4) | (mac[5] << 4)) & 0xfff;
}

/** Register-level access to one adapter. */
export class E1000Hw {
  private readonly eerdPollNs: Nanos;
  private readonly eerdTimeoutNs: Nanos;
  private readonly mdicPollNs: Nanos;
  private readonly mdicTimeoutNs: Nanos;
  private readonly resetPollNs: Nanos;
  private readonly resetTimeoutNs: Nanos;
  private readonly costed: boolean;

  constructor(
    /** BAR0. */
    readonly bus: Bar0,
    /** The host kernel (time, CPU costs). */
    readonly kernel: Kernel,
    /** Name used in error messages. */
    readonly name: string,
    opts: E1000HwOptions = {},
  ) {
    this.eerdPollNs = opts.eerdPollNs ?? 5_000;
    this.eerdTimeoutNs = opts.eerdTimeoutNs ?? 10_000_000;
    this.mdicPollNs = opts.mdicPollNs ?? 5_000;
    this.mdicTimeoutNs = opts.mdicTimeoutNs ?? 10_000_000;
    this.resetPollNs = opts.resetPollNs ?? 1_000;
    this.resetTimeoutNs = opts.resetTimeoutNs ?? 10_000_000;
    for (const [k, v] of Object.entries({ eerdPollNs: this.eerdPollNs, mdicPollNs: this.mdicPollNs, resetPollNs: this.resetPollNs })) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${k} must be a positive integer of ns, got ${v}`);
    }
    this.costed = kernel.cpu.costed;
  }

  /** Reads register `reg` (instance `index` of an array). */
  rd32(reg: RegDef, index = 0): number {
    if (this.costed) this.kernel.cpu.charge(this.kernel.cpu.mmioReadNs);
    return this.bus.read32(reg.offset + index * reg.stride) >>> 0;
  }

  /** Writes register `reg` (instance `index` of an array). */
  wr32(reg: RegDef, value: number, index = 0): void {
    if (this.costed) this.kernel.cpu.charge(this.kernel.cpu.mmioWriteNs);
    this.bus.write32(reg.offset + index * reg.stride, value >>> 0);
  }

  /** Pushes posted writes to the device by reading STATUS. */
  flush(): void {
    this.rd32(R.STATUS);
  }

  /** Polls `reg` every `pollNs` until `(value & mask) === want`; returns the value, or null after `timeoutNs`. */
  private async pollFor(reg: RegDef, mask: number, want: number, pollNs: Nanos, timeoutNs: Nanos): Promise<number | null> {
    const sim = this.kernel.sim;
    const deadline = sim.now + timeoutNs;
    for (;;) {
      await this.kernel.sleep(pollNs);
      const v = this.rd32(reg);
      if ((v & mask) === want) return v;
      if (sim.now >= deadline) return null;
    }
  }

  /**
   * Resets the MAC: masks every interrupt, stops both DMA engines, sets CTRL.RST and waits for it to
   * clear, then masks again and clears pending causes. Throws `reset-timeout`.
   */
  async resetHw(): Promise<void> {
    this.wr32(R.IMC, 0xffffffff);
    this.wr32(R.RCTL, 0);
    this.wr32(R.TCTL, R.TCTL.f.PSP.mask);
    this.flush();
    const ctrl = this.rd32(R.CTRL);
    this.wr32(R.CTRL, ctrl | R.CTRL.f.RST.mask);
    const t0 = this.kernel.sim.now;
    const v = await this.pollFor(R.CTRL, R.CTRL.f.RST.mask, 0, this.resetPollNs, this.resetTimeoutNs);
    if (v === null) throw new DriverError('reset-timeout', `${this.name}: CTRL.RST still set ${fmt(this.kernel.sim.now - t0)} after the reset was requested`);
    this.wr32(R.IMC, 0xffffffff);
    this.rd32(R.ICR);
  }

  /** Reads EEPROM word `word` through EERD (START, then poll DONE). Throws `eeprom-timeout`. */
  async readEeprom(word: number): Promise<number> {
    const E = R.EERD.f;
    this.wr32(R.EERD, E.START.mask | ((word << E.ADDR.lsb) & E.ADDR.mask));
    const t0 = this.kernel.sim.now;
    const v = await this.pollFor(R.EERD, E.DONE.mask, E.DONE.mask, this.eerdPollNs, this.eerdTimeoutNs);
    if (v === null) throw new DriverError('eeprom-timeout', `${this.name}: EEPROM read of word 0x${word.toString(16)} through EERD did not complete (no EERD.DONE after ${fmt(this.kernel.sim.now - t0)})`);
    return v >>> E.DATA.lsb;
  }

  /** Sums the 64 EEPROM words; throws `eeprom-checksum` unless they sum to 0xBABA. */
  async validateEepromChecksum(): Promise<void> {
    let sum = 0;
    for (let i = 0; i < EEPROM_WORDS; i++) sum = (sum + (await this.readEeprom(i))) & 0xffff;
    if (sum !== EEPROM_SUM) {
      throw new DriverError('eeprom-checksum', `${this.name}: EEPROM checksum is invalid: the 64 words sum to 0x${sum.toString(16).padStart(4, '0')}, expected 0x${EEPROM_SUM.toString(16)}; refusing the device`);
    }
  }

  /** Reads the burned-in MAC address (EEPROM words 0-2, low byte first). Throws `invalid-mac` on a multicast or zero address. */
  async readMacAddr(): Promise<Uint8Array> {
    const mac = new Uint8Array(6);
    for (let i = 0; i < 3; i++) {
      const w = await this.readEeprom(i);
      mac[2 * i] = w & 0xff;
      mac[2 * i + 1] = w >>> 8;
    }
    if (mac[0] & 1 || mac.every((b) => b === 0)) throw new DriverError('invalid-mac', `${this.name}: the EEPROM holds an invalid MAC address ${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':')}`);
    return mac;
  }

  private async mdic(op: 1 | 2, reg: number, data: number): Promise<number> {
    const M = R.MDIC.f;
    this.wr32(R.MDIC, (data & 0xffff) | (reg << M.REGADD.lsb) | (PHY_ADDR << M.PHYADD.lsb) | (op << M.OP.lsb));
    const t0 = this.kernel.sim.now;
    const v = await this.pollFor(R.MDIC, M.R.mask, M.R.mask, this.mdicPollNs, this.mdicTimeoutNs);
    const what = `${op === 2 ? 'read' : 'write'} of PHY register ${reg}`;
    if (v === null) throw new DriverError('mdic-timeout', `${this.name}: MDIC ${what} did not complete (no MDIC.R after ${fmt(this.kernel.sim.now - t0)})`);
    if (v & M.E.mask) throw new DriverError('mdic-error', `${this.name}: MDIC ${what} failed (MDIC.E: no PHY at address ${PHY_ADDR})`);
    return v & M.DATA.mask;
  }

  /** Reads PHY register `reg` through MDIC. Throws `mdic-timeout` or `mdic-error`. */
  readPhyReg(reg: number): Promise<number> {
    return this.mdic(2, reg, 0);
  }

  /** Writes PHY register `reg` through MDIC. Throws `mdic-timeout` or `mdic-error`. */
  async writePhyReg(reg: number, value: number): Promise<void> {
    await this.mdic(1, reg, value);
  }

  /** The PHY identifier: PHYID1 in bits 31:16, PHYID2 in bits 15:0. */
  async readPhyId(): Promise<number> {
    const id1 = await this.readPhyReg(PHY_REG.PHYID1);
    const id2 = await this.readPhyReg(PHY_REG.PHYID2);
    return ((id1 << 16) | id2) >>> 0;
  }

  /** Lets the MAC follow the PHY's resolved link: sets CTRL.SLU, clears FRCSPD/FRCDPX. */
  setupLink(): void {
    const C = R.CTRL.f;
    const ctrl = this.rd32(R.CTRL);
    this.wr32(R.CTRL, (ctrl | C.SLU.mask) & ~(C.FRCSPD.mask | C.FRCDPX.mask | C.RST.mask));
  }

  /** Writes `mac` into receive-address entry `index` (RAL then RAH with AV). */
  rarSet(mac: Uint8Array, index: number): void {
    this.wr32(R.RAL, (mac[0] | (mac[1] << 8) | (mac[2] << 16) | (mac[3] << 24)) >>> 0, index);
    this.wr32(R.RAH, (mac[4] | (mac[5] << 8) | R.RAH.f.AV.mask) >>> 0, index);
  }

  /** Clears receive-address entry `index` (RAL, RAH = 0: not valid). */
  rarClear(index: number): void {
    this.wr32(R.RAL, 0, index);
    this.wr32(R.RAH, 0, index);
  }

  /** Programs the station address into RAR[0] and clears RAR[1..15]. */
  initRxAddrs(mac: Uint8Array): void {
    this.rarSet(mac, 0);
    for (let i = 1; i < RAR_ENTRIES; i++) this.rarClear(i);
  }

  /** Clears the 128 multicast table registers. */
  clearMta(): void {
    for (let i = 0; i < MTA_REGS; i++) this.wr32(R.MTA, 0, i);
  }

  /** Writes the whole multicast table from a 4096-bit image (128 words). */
  writeMta(table: Uint32Array): void {
    for (let i = 0; i < MTA_REGS; i++) this.wr32(R.MTA, table[i], i);
  }

  /** The link as STATUS reports it. */
  readLink(): HwLink {
    const S = R.STATUS.f;
    const s = this.rd32(R.STATUS);
    const code = (s & S.SPEED.mask) >>> S.SPEED.lsb;
    return { up: (s & S.LU.mask) !== 0, speed: code === 0 ? 10 : code === 1 ? 100 : 1000, duplex: s & S.FD.mask ? 'full' : 'half' };
  }

  /** Adds the clear-on-read statistics registers into `acc` (the 64-bit octet counters low half first). */
  readStats(acc: HwStats): void {
    for (const k of Object.keys(STAT32) as (keyof typeof STAT32)[]) acc[k] += this.rd32(STAT32[k]);
    for (const k of Object.keys(STAT64) as (keyof typeof STAT64)[]) {
      const [lo, hi] = STAT64[k];
      const l = this.rd32(lo);
      const h = this.rd32(hi);
      acc[k] += h * 0x100000000 + l;
    }
  }
}

function fmt(ns: Nanos): string {
  return ns >= 1_000_000 ? `${+(ns / 1_000_000).toFixed(3)} ms` : `${+(ns / 1000).toFixed(3)} µs`;
}
