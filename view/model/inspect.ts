/**
 * Side-effect-free snapshots of an adapter for the view: the register file as stored (reading
 * through BAR0 would clear ICR and the statistics), the descriptor rings from host memory with the
 * driver's software indices, the IRQ line and the interrupt causes.
 * @module
 */
import type { Nic } from '../../hw/nic.js';
import type { E1000 } from '../../driver/e1000.js';
import { decodeFields, type RegDef } from '../../hw/registers/engine.js';
import { ICR, IMS, TDBAL, TDBAH, TDLEN, TDH, TDT, RDBAL, RDBAH, RDLEN, RDH, RDT } from '../../hw/registers/e1000.js';
import { DESC_SIZE, readRxDescriptor, readTxDescriptor, RXD_ERR, RXD_STAT, TXD_CMD, TXD_STA } from '../../hw/descriptors.js';

/** ICR cause bits by name (TXDW, LSC, RXT0, …), from the register table. */
export const ICR_CAUSES: Readonly<Record<string, number>> = Object.fromEntries(Object.values(ICR.f).filter((f) => f.width === 1).map((f) => [f.name, f.mask >>> 0]));

/** One register instance as stored. */
export interface RegRow {
  /** Mnemonic with the instance index for arrays (`RAL[0]`). */
  name: string;
  /** Long name. */
  long: string;
  /** BAR0 offset. */
  offset: number;
  /** Stored value. */
  value: number;
  /** Fields decoded (`EN|BAM|BSIZE=0(2048)`). */
  fields: string;
  /** Datasheet group. */
  group: string;
}

/** Names of the set bits of `value` in a name → bit table. */
export function bitNames(table: Readonly<Record<string, number>>, value: number): string[] {
  return Object.entries(table)
    .filter(([, b]) => (value & b) !== 0)
    .map(([n]) => n);
}

/**
 * The stored registers of `nic`, one row per instance. Arrays (MTA, VFTA, RAL/RAH…) show only the
 * instances that differ from the reset value, plus the first.
 */
export function registerRows(nic: Nic): RegRow[] {
  const rows: RegRow[] = [];
  for (const def of nic.regs.defs as readonly RegDef[]) {
    for (let i = 0; i < def.count; i++) {
      const offset = def.offset + i * def.stride;
      const value = nic.regs.get(def, i) >>> 0;
      if (def.count > 1 && i > 0 && value === def.reset >>> 0) continue;
      rows.push({ name: def.count > 1 ? `${def.name}[${i}]` : def.name, long: def.long, offset, value, fields: decodeFields(def, value), group: def.group });
    }
  }
  return rows;
}

/** One descriptor of a ring. */
export interface DescRow {
  /** Index in the ring. */
  index: number;
  /** Buffer address. */
  buffer: number;
  /** Length field. */
  length: number;
  /** Status byte (TX STA / RX status). */
  status: number;
  /** Names of the status bits set. */
  statusBits: string[];
  /** TX: command bits; RX: error bits. */
  other: number;
  /** Names of those bits. */
  otherBits: string[];
}

/** A descriptor ring as the device and the driver see it. */
export interface RingView {
  /** `tx` or `rx`. */
  which: 'tx' | 'rx';
  /** Base address (TDBAL/TDBAH or RDBAL/RDBAH). */
  base: number;
  /** Descriptors (TDLEN/RDLEN ÷ 16). */
  count: number;
  /** The device's head register (TDH/RDH). */
  head: number;
  /** The tail register the driver writes (TDT/RDT). */
  tail: number;
  /** The driver's next_to_use (null before the driver set the ring up). */
  nextToUse: number | null;
  /** The driver's next_to_clean. */
  nextToClean: number | null;
  /** Every descriptor, read from host memory. */
  descs: DescRow[];
}

/** The ring `which` of `nic` (descriptors from host memory; software indices from `driver.ringState()` when given). */
export function ringView(nic: Nic, which: 'tx' | 'rx', driver?: E1000): RingView {
  const r = nic.regs;
  const [bal, bah, len, h, t] = which === 'tx' ? [TDBAL, TDBAH, TDLEN, TDH, TDT] : [RDBAL, RDBAH, RDLEN, RDH, RDT];
  const base = (r.get(bah) >>> 0) * 2 ** 32 + ((r.get(bal) >>> 0) & ~0xf);
  const count = Math.floor((r.get(len) & 0xfff80) / DESC_SIZE);
  const sw = driver?.ringState()?.[which] ?? null;
  const descs: DescRow[] = [];
  const mem = nic.memory;
  for (let i = 0; i < count; i++) {
    const a = base + i * DESC_SIZE;
    if (mem.check(a, DESC_SIZE) !== null) break;
    if (which === 'tx') {
      const d = readTxDescriptor(mem, a);
      descs.push({ index: i, buffer: d.buffer, length: d.length, status: d.sta, statusBits: bitNames(TXD_STA, d.sta), other: d.cmd, otherBits: bitNames(TXD_CMD, d.cmd) });
    } else {
      const d = readRxDescriptor(mem, a);
      descs.push({ index: i, buffer: d.buffer, length: d.length, status: d.status, statusBits: bitNames(RXD_STAT, d.status), other: d.errors, otherBits: bitNames(RXD_ERR, d.errors) });
    }
  }
  return {
    which,
    base,
    count,
    head: r.get(h) >>> 0,
    tail: r.get(t) >>> 0,
    nextToUse: sw ? sw.nextToUse : null,
    nextToClean: sw ? sw.nextToClean : null,
    descs,
  };
}

/** The interrupt side of an adapter. */
export interface IrqView {
  /** The line's level. */
  level: boolean;
  /** Rising edges so far. */
  assertions: number;
  /** ICR as stored (pending causes). */
  icr: number;
  /** IMS (enabled causes). */
  ims: number;
  /** Names of the pending causes. */
  pending: string[];
  /** Names of the enabled causes. */
  enabled: string[];
}

/** The IRQ line and the causes of `nic`. */
export function irqView(nic: Nic): IrqView {
  const icr = nic.regs.get(ICR) >>> 0;
  const ims = nic.regs.get(IMS) >>> 0;
  return { level: nic.irq.level, assertions: nic.irq.assertions, icr, ims, pending: bitNames(ICR_CAUSES, icr), enabled: bitNames(ICR_CAUSES, ims) };
}

/** Up to `max` bytes of host memory at `addr` (empty when the range is outside memory). */
export function bufferBytes(nic: Nic, addr: number, length: number, max = 256): Uint8Array {
  const n = Math.min(length, max);
  if (n <= 0 || nic.memory.check(addr, n) !== null) return new Uint8Array(0);
  return nic.memory.read(addr, n);
}
