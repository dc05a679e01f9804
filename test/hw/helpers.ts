/**
 * Helpers for the adapter's behaviour tests: adapters on a cable, a raw wire endpoint that
 * injects hand-made frames, and ring programming purely through BAR0 registers and host memory
 * (the way a driver does it — no adapter internals).
 */
import { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import { Nic, type NicOptions } from '../../hw/nic.js';
import { HostMemory } from '../../hw/memory.js';
import { Cable, type CableOptions } from '../../hw/medium/cable.js';
import * as R from '../../hw/registers/e1000.js';
import { DESC_SIZE, TXD_CMD, readRxDescriptor, writeRxDescriptor, writeTxDescriptor, type RxDescriptor } from '../../hw/descriptors.js';
import { serializeFrame, PREAMBLE_SFD_LEN } from '../../hw/mac/framing.js';
import { parseMac } from '../../hw/eeprom.js';
import { BIT_TIME_NS, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from '../../hw/medium/types.js';

export { R };

/** Host memory layout used by every test (each adapter has its own memory). */
export const LAYOUT = {
  memSize: 1 << 20,
  txRing: 0x1_0000,
  txBuf: 0x2_0000,
  rxRing: 0x6_0000,
  rxBuf: 0x7_0000,
} as const;

/** Size of each transmit buffer slot in {@link LAYOUT}. */
export const TX_SLOT = 0x800;

export const MAC_A = '02:00:00:00:00:0a';
export const MAC_B = '02:00:00:00:00:0b';

/** Options for {@link makeNic}. */
export type TestNicOptions = Partial<Omit<NicOptions, 'memory'>> & { memSize?: number };

/** A new adapter with its own host memory. */
export function makeNic(sim: Simulator, opts: TestNicOptions = {}): Nic {
  const { memSize, ...rest } = opts;
  return new Nic(sim, { ...rest, memory: new HostMemory(memSize ?? LAYOUT.memSize) });
}

/** The part of a register definition the helpers need. */
export interface RegLike {
  readonly offset: number;
  readonly stride: number;
}

/** Reads a register by definition (instance `i` of an array). */
export function rd(nic: Nic, def: RegLike, i = 0): number {
  return nic.read32(def.offset + i * def.stride);
}

/** Writes a register by definition (instance `i` of an array). */
export function wr(nic: Nic, def: RegLike, value: number, i = 0): void {
  nic.write32(def.offset + i * def.stride, value >>> 0);
}

/** Sets CTRL.SLU without touching RST (read-modify-write, as a driver does). */
export function setSlu(nic: Nic, on = true): void {
  const C = R.CTRL.f;
  const v = rd(nic, R.CTRL) & ~C.RST.mask;
  wr(nic, R.CTRL, on ? v | C.SLU.mask : v & ~C.SLU.mask);
}

/** True when STATUS.LU is set. */
export function linkUp(nic: Nic): boolean {
  return (rd(nic, R.STATUS) & R.STATUS.f.LU.mask) !== 0;
}

/** Runs events until `pred()` holds or `maxNs` of simulated time pass; returns whether it held. */
export function runUntil(sim: Simulator, pred: () => boolean, maxNs: Nanos): boolean {
  const limit = sim.now + maxNs;
  while (!pred()) {
    const t = sim.nextEventTime();
    if (t === undefined || t > limit) return pred();
    sim.step();
  }
  return true;
}

/** Two adapters (MACs {@link MAC_A}, {@link MAC_B}) on a cable, connected at t = 0. */
export interface Pair {
  sim: Simulator;
  a: Nic;
  b: Nic;
  cable: Cable;
}

/** Options for {@link makePair}. */
export interface PairOptions {
  /** Auto-negotiation time of both PHYs (default 1 ms). */
  autonegNs?: Nanos;
  /** Cable options (default 1 m cat5e). */
  cable?: CableOptions;
  /** Extra adapter options. */
  a?: TestNicOptions;
  b?: TestNicOptions;
  /** Set CTRL.SLU on both before connecting (default true). */
  slu?: boolean;
  /** Run until both MACs report link (default true). */
  waitLink?: boolean;
}

/** Builds two adapters on a cable; by default sets SLU and runs until both report link up. */
export function makePair(opts: PairOptions = {}): Pair {
  const sim = new Simulator({ seed: 7 });
  const autonegNs = opts.autonegNs ?? 1_000_000;
  const a = makeNic(sim, { name: 'a', mac: MAC_A, ...opts.a, phy: { autonegNs, ...opts.a?.phy } });
  const b = makeNic(sim, { name: 'b', mac: MAC_B, ...opts.b, phy: { autonegNs, ...opts.b?.phy } });
  if (opts.slu ?? true) {
    setSlu(a);
    setSlu(b);
  }
  const cable = new Cable(sim, opts.cable).connect(a.port, b.port);
  if ((opts.slu ?? true) && (opts.waitLink ?? true)) {
    if (!runUntil(sim, () => linkUp(a) && linkUp(b), 10 * autonegNs)) throw new Error('link did not come up');
  }
  return { sim, a, b, cable };
}

// ------------------------------------------------------------------ rings

/** Descriptors filled but not yet handed over with a TDT write (see `noDoorbell`), per adapter. */
const unrungTail = new WeakMap<Nic, number>();

/** Programs the transmit ring at {@link LAYOUT.txRing} (`count` descriptors) and enables TCTL. */
export function setupTx(nic: Nic, count = 8, tctlExtra = 0): void {
  unrungTail.delete(nic);
  wr(nic, R.TDBAL, LAYOUT.txRing);
  wr(nic, R.TDBAH, 0);
  wr(nic, R.TDLEN, count * DESC_SIZE);
  wr(nic, R.TDH, 0);
  wr(nic, R.TDT, 0);
  wr(nic, R.TCTL, R.TCTL.f.EN.mask | R.TCTL.f.PSP.mask | (0x0f << R.TCTL.f.CT.lsb) | (0x40 << R.TCTL.f.COLD.lsb) | tctlExtra);
}

/** Options for {@link queueTx}. */
export interface QueueTxOptions {
  /** Command bits (default EOP | IFCS | RS). */
  cmd?: number;
  /** Buffer address (default the descriptor's slot in {@link LAYOUT.txBuf}). */
  buffer?: number;
  /** Length written in the descriptor (default the frame's length). */
  length?: number;
  /** Do not ring the doorbell (default false). */
  noDoorbell?: boolean;
}

/**
 * Writes `frame` into the slot of the next free descriptor (TDT, or after the ones queued with
 * `noDoorbell`), fills the descriptor and (by default) writes TDT past it. Returns the descriptor index.
 */
export function queueTx(nic: Nic, frame: Uint8Array, opts: QueueTxOptions = {}): number {
  const count = rd(nic, R.TDLEN) / DESC_SIZE;
  const i = unrungTail.get(nic) ?? rd(nic, R.TDT);
  const slot = LAYOUT.txBuf + i * TX_SLOT;
  const buffer = opts.buffer ?? slot;
  if (opts.buffer === undefined) nic.memory.write(slot, frame);
  writeTxDescriptor(nic.memory, LAYOUT.txRing + i * DESC_SIZE, { buffer, length: opts.length ?? frame.length, cmd: opts.cmd ?? TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
  const next = (i + 1) % count;
  if (opts.noDoorbell) unrungTail.set(nic, next);
  else {
    unrungTail.delete(nic);
    wr(nic, R.TDT, next);
  }
  return i;
}

/** Programs the receive ring at {@link LAYOUT.rxRing} with `count` 2 KiB buffers, hands all but one to the device, and writes RCTL = EN | `rctlExtra`. */
export function setupRx(nic: Nic, count = 16, rctlExtra = 0): void {
  for (let i = 0; i < count; i++) writeRxDescriptor(nic.memory, LAYOUT.rxRing + i * DESC_SIZE, rxBuffer(i));
  wr(nic, R.RDBAL, LAYOUT.rxRing);
  wr(nic, R.RDBAH, 0);
  wr(nic, R.RDLEN, count * DESC_SIZE);
  wr(nic, R.RDH, 0);
  wr(nic, R.RDT, count - 1);
  wr(nic, R.RCTL, R.RCTL.f.EN.mask | rctlExtra);
}

/** Address of receive buffer `i` in {@link LAYOUT}. */
export function rxBuffer(i: number): number {
  return LAYOUT.rxBuf + i * 0x800;
}

/** The receive descriptor `i` as the device wrote it back. */
export function rxDesc(nic: Nic, i: number): RxDescriptor {
  return readRxDescriptor(nic.memory, LAYOUT.rxRing + i * DESC_SIZE);
}

/** The bytes the device wrote for receive descriptor `i`. */
export function rxBytes(nic: Nic, i: number): Uint8Array {
  const d = rxDesc(nic, i);
  return nic.memory.read(d.buffer, d.length);
}

// ------------------------------------------------------------------ frames

/** The RFC 1071 sum by its definition: big-endian 16-bit words of `b[from, to)` (an odd tail padded with 0), folded to 16 bits, not complemented. */
export function rfc1071Sum(b: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i += 2) sum += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Bytes of a MAC address string. */
export function mac(s: string): Uint8Array {
  return parseMac(s);
}

/** An Ethernet frame without FCS: dst, src, EtherType 0x88B5 (local experimental), a counting payload, `len` bytes in all. */
export function ethFrame(dst: string | Uint8Array, src: string | Uint8Array, len = 60, seed = 0): Uint8Array {
  const f = new Uint8Array(len);
  f.set(typeof dst === 'string' ? parseMac(dst) : dst, 0);
  f.set(typeof src === 'string' ? parseMac(src) : src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < len; i++) f[i] = (i * 7 + seed) & 0xff;
  return f;
}

/**
 * A bare wire endpoint: auto-negotiates with a fixed signal (all abilities by default), records
 * what arrives and sends hand-made {@link WireFrame}s with `link.send`.
 */
export class RawPort implements Endpoint {
  /** The medium link while plugged. */
  link: MediumLink | null = null;
  /** Frames that arrived (as delivered). */
  readonly received: WireFrame[] = [];
  /** The partner's latest signal. */
  partner: LinkSignal | null = null;
  /** Speed of the frames this port sends. */
  speed: Speed = 1000;

  constructor(
    private readonly sim: Simulator,
    readonly name = 'raw',
    /** The signal this port emits when plugged. */
    readonly sig: LinkSignal = { autoneg: true, anar: 0x01e1, gtcr: 0x0300, speed: 1000, duplex: 'full', msSeed: 1 },
  ) {}

  plugged(link: MediumLink | null): void {
    this.link = link;
    link?.signal(this.sig);
  }

  partnerSignal(sig: LinkSignal | null): void {
    this.partner = sig;
  }

  receive(frame: WireFrame): void {
    this.received.push(frame);
  }

  /** Sends raw line bytes (preamble, SFD, frame, FCS) starting now; returns the frame. */
  sendLine(bytes: Uint8Array): WireFrame {
    const wf: WireFrame = { id: this.sim.nextId('frame'), bytes, bitTimeNs: BIT_TIME_NS[this.speed], txStart: this.sim.now, sender: this.name };
    this.link!.send(wf);
    return wf;
  }

  /** Sends `frame` with preamble, SFD and a good FCS (or a corrupted one with `badFcs`). */
  send(frame: Uint8Array, badFcs = false): WireFrame {
    const line = serializeFrame(frame, true, false);
    if (badFcs) line[line.length - 1] ^= 0xff;
    return this.sendLine(line);
  }

  /** The frames received, without preamble and SFD (FCS included). */
  frames(): Uint8Array[] {
    return this.received.map((f) => f.bytes.subarray(PREAMBLE_SFD_LEN));
  }
}

/** One adapter connected to a {@link RawPort} by a 1 m cable; SLU set, link up, RX ring ready. */
export function nicWithRawPeer(opts: { nic?: TestNicOptions; autonegNs?: Nanos; rxCount?: number; rctl?: number; cable?: CableOptions } = {}): { sim: Simulator; nic: Nic; port: RawPort; cable: Cable } {
  const sim = new Simulator({ seed: 11 });
  const autonegNs = opts.autonegNs ?? 1_000_000;
  const nic = makeNic(sim, { name: 'dut', mac: MAC_B, ...opts.nic, phy: { autonegNs, ...opts.nic?.phy } });
  setSlu(nic);
  const port = new RawPort(sim);
  const cable = new Cable(sim, opts.cable).connect(port, nic.port);
  if (!runUntil(sim, () => linkUp(nic), 10 * autonegNs)) throw new Error('link did not come up');
  setupRx(nic, opts.rxCount ?? 16, opts.rctl ?? 0);
  return { sim, nic, port, cable };
}

// ------------------------------------------------------------------ PHY access through MDIC

/** Runs an MDIC read of PHY register `reg` at `phyAddr` (default 1) to completion; returns the MDIC value. */
export function mdic(sim: Simulator, nic: Nic, op: 'read' | 'write', reg: number, data = 0, phyAddr = 1, extra = 0): number {
  const M = R.MDIC.f;
  const cmd = (data & 0xffff) | (reg << M.REGADD.lsb) | (phyAddr << M.PHYADD.lsb) | ((op === 'read' ? 2 : 1) << M.OP.lsb) | extra;
  wr(nic, R.MDIC, cmd);
  if (!runUntil(sim, () => (rd(nic, R.MDIC) & M.R.mask) !== 0, 1_000_000)) throw new Error('MDIC never completed');
  return rd(nic, R.MDIC);
}

/** Reads PHY register `reg` through MDIC (throws if MDIC.E is set). */
export function phyRead(sim: Simulator, nic: Nic, reg: number): number {
  const v = mdic(sim, nic, 'read', reg);
  if (v & R.MDIC.f.E.mask) throw new Error('MDIC error');
  return v & 0xffff;
}

/** Writes PHY register `reg` through MDIC. */
export function phyWrite(sim: Simulator, nic: Nic, reg: number, value: number): void {
  mdic(sim, nic, 'write', reg, value);
}

/** Records the simulated times at which the adapter's IRQ line rose. */
export function irqRises(sim: Simulator, nic: Nic): Nanos[] {
  const times: Nanos[] = [];
  nic.irq.onChange((level) => {
    if (level) times.push(sim.now);
  });
  return times;
}
