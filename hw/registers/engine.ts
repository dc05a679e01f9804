/**
 * The register-file engine: one declarative table drives storage, access modes, reset values,
 * hooks and the generated datasheet. Access modes are implemented here once:
 *
 * | mode   | read                         | write                                   |
 * |--------|------------------------------|-----------------------------------------|
 * | RW     | stored value                 | stores                                  |
 * | RO     | stored value (device-set)    | ignored (traced when it would change it) |
 * | WO     | reads as 0                   | stores (hooks act on it)                |
 * | RC     | returns value, then clears   | ignored (traced)                        |
 * | RC/W1C | returns value, then clears   | a 1 clears the bit                      |
 * | W1C    | stored value                 | a 1 clears the bit                      |
 * | W1S    | stored value                 | a 1 sets the bit (0 has no effect)      |
 * | SC     | stored value                 | stores; the device clears it when done  |
 *
 * Reads or writes of offsets that are not in the table, and writes that set bits no field
 * defines, are reported on the trace bus (`reg.unknown`, `reg.unimplemented`) and counted.
 * @module
 */
import type { TraceBus } from '../../sim/trace.js';

/** A register or field access mode (see the module table). */
export type Access = 'RW' | 'RO' | 'WO' | 'RC' | 'RC/W1C' | 'W1C' | 'W1S' | 'SC';

/** A bit field of a register. */
export interface FieldDef {
  /** Datasheet mnemonic, e.g. `EN`. */
  readonly name: string;
  /** Least significant bit. */
  readonly lsb: number;
  /** Width in bits. */
  readonly width: number;
  /** The field's mask in place (`((1 << width) - 1) << lsb`). */
  readonly mask: number;
  /** Access mode (defaults to the register's). */
  readonly access: Access;
  /** One-line description. */
  readonly desc: string;
  /** Names of enumerated values, for decoding. */
  readonly values?: Readonly<Record<number, string>>;
}

/** Field shorthand input before the register fills in defaults. */
export interface FieldSpec {
  /** Least significant bit. */
  lsb: number;
  /** Width in bits (default 1). */
  width?: number;
  /** Access mode override. */
  access?: Access;
  /** One-line description. */
  desc: string;
  /** Names of enumerated values. */
  values?: Record<number, string>;
}

/** A one-bit field. */
export function bit(lsb: number, desc: string, access?: Access): FieldSpec {
  return { lsb, width: 1, desc, access };
}

/** A multi-bit field. */
export function bits(lsb: number, width: number, desc: string, opts: { access?: Access; values?: Record<number, string> } = {}): FieldSpec {
  return { lsb, width, desc, ...opts };
}

/** A register definition (possibly an array of registers at a stride). */
export interface RegDef<F extends Record<string, FieldDef> = Record<string, FieldDef>> {
  /** BAR0 byte offset of the first instance. */
  readonly offset: number;
  /** Datasheet mnemonic, e.g. `RCTL`. */
  readonly name: string;
  /** Long name, e.g. `Receive Control`. */
  readonly long: string;
  /** Default access mode of the register's fields. */
  readonly access: Access;
  /** Value after reset. */
  readonly reset: number;
  /** Fields keyed by mnemonic. */
  readonly f: F;
  /** Number of instances (arrays such as `RAL[0..15]`). */
  readonly count: number;
  /** Byte distance between instances. */
  readonly stride: number;
  /** Datasheet section the register belongs to. */
  readonly group: string;
  /** False for registers a driver touches that nicsim only stores. */
  readonly implemented: boolean;
  /** Behaviour notes for the datasheet. */
  readonly notes: string;
  /** Bits covered by fields. */
  readonly definedMask: number;
  /** Writes of 1s to bits no field defines are expected (e.g. IMC = 0xFFFFFFFF) and not reported. */
  readonly reservedWritesIgnored: boolean;
}

/** Options of {@link reg}. */
export interface RegOptions {
  /** Value after reset (default 0). */
  reset?: number;
  /** Number of instances (default 1). */
  count?: number;
  /** Byte stride between instances (default 4). */
  stride?: number;
  /** Datasheet section. */
  group: string;
  /** False for "accepted and stored harmlessly". */
  implemented?: boolean;
  /** Behaviour notes. */
  notes?: string;
  /** Writes to reserved bits are a documented idiom and not reported (default false). */
  reservedWritesIgnored?: boolean;
}

/** Declares a register. */
export function reg<S extends Record<string, FieldSpec>>(
  offset: number,
  name: string,
  long: string,
  access: Access,
  opts: RegOptions,
  fields: S,
): RegDef<{ [K in keyof S]: FieldDef }> {
  const f = {} as { [K in keyof S]: FieldDef };
  let defined = 0;
  for (const [k, s] of Object.entries(fields)) {
    const width = s.width ?? 1;
    const mask = (width === 32 ? 0xffffffff : ((1 << width) - 1) << s.lsb) >>> 0;
    if (defined & mask) throw new Error(`${name}.${k} overlaps another field`);
    defined = (defined | mask) >>> 0;
    (f as Record<string, FieldDef>)[k] = Object.freeze({ name: k, lsb: s.lsb, width, mask, access: s.access ?? access, desc: s.desc, values: s.values });
  }
  return Object.freeze({
    offset,
    name,
    long,
    access,
    reset: (opts.reset ?? 0) >>> 0,
    f,
    count: opts.count ?? 1,
    stride: opts.stride ?? 4,
    group: opts.group,
    implemented: opts.implemented ?? true,
    notes: opts.notes ?? '',
    definedMask: defined,
    reservedWritesIgnored: opts.reservedWritesIgnored ?? false,
  });
}

/** Reads field `fd` out of a register value. */
export function getField(value: number, fd: FieldDef): number {
  return ((value & fd.mask) >>> fd.lsb) >>> 0;
}

/** Returns `value` with field `fd` replaced by `v`. */
export function setField(value: number, fd: FieldDef, v: number): number {
  return ((value & ~fd.mask) | ((v << fd.lsb) & fd.mask)) >>> 0;
}

/** A register instance at one offset (arrays expand to one instance per element). */
export interface RegInstance {
  /** The definition. */
  readonly def: RegDef;
  /** Element index for arrays (0 otherwise). */
  readonly index: number;
  /** Byte offset. */
  readonly offset: number;
  /** Display name, e.g. `RAL[3]` or `CTRL`. */
  readonly label: string;
}

/** Called after a write has been applied. */
export type WriteHook = (now: number, inst: RegInstance, written: number, old: number) => void;
/** Called before a read returns; may return a replacement value (the stored value by default). */
export type ReadHook = (inst: RegInstance, stored: number) => number | void;

/** Register access trace payloads. */
declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A register read or write through BAR0 or the I/O window. */
    'reg.access': { op: 'read' | 'write'; offset: number; reg: string; value: number; fields: string };
    /** An access to an offset nicsim does not define. */
    'reg.unknown': { op: 'read' | 'write'; offset: number; value: number };
    /** A write set bits that no field of the register defines (or wrote to a read-only field). */
    'reg.unimplemented': { offset: number; reg: string; bits: number; why: string };
  }
}

/**
 * What every register file of one table and window size shares. Each register instance has a
 * slot (0, 1, 2… in table order); `slot` maps a word of the window to it, and everything else is
 * kept per slot, so a file's own state is a few cache lines rather than a window of pages.
 */
interface Layout {
  /** Slot of each 32-bit word of the window (−1 where no register is). */
  slot: Int32Array;
  /** Per slot: the instance and its access masks. */
  inst: RegInstance[];
  mStore: Uint32Array;
  mW1c: Uint32Array;
  mW1s: Uint32Array;
  mRc: Uint32Array;
  mWo: Uint32Array;
  mReadOnly: Uint32Array;
  /** Reset value per slot. */
  reset: Uint32Array;
}

/** The per-slot masks a field of each access type sets its bits in. */
const MASKS_OF_ACCESS: Readonly<Record<Access, readonly ('mStore' | 'mW1c' | 'mW1s' | 'mRc' | 'mWo' | 'mReadOnly')[]>> = {
  RW: ['mStore'],
  SC: ['mStore'],
  WO: ['mStore', 'mWo'],
  RO: ['mReadOnly'],
  RC: ['mRc', 'mReadOnly'],
  'RC/W1C': ['mRc', 'mW1c'],
  W1C: ['mW1c'],
  W1S: ['mW1s'],
};

const layouts = new WeakMap<readonly RegDef[], Map<number, Layout>>();

/** The shared layout of `defs` in a window of `size` bytes (computed once; adapters of one model share it). */
function layoutOf(defs: readonly RegDef[], size: number): Layout {
  let bySize = layouts.get(defs);
  if (bySize === undefined) layouts.set(defs, (bySize = new Map()));
  let l = bySize.get(size);
  if (l !== undefined) return l;
  const slot = new Int32Array(size >>> 2).fill(-1);
  const inst: RegInstance[] = [];
  for (const def of defs) {
    for (let i = 0; i < def.count; i++) {
      const off = def.offset + i * def.stride;
      if (off % 4 !== 0 || off >= size) throw new Error(`${def.name}: bad offset 0x${off.toString(16)}`);
      const w = off >>> 2;
      if (slot[w] >= 0) throw new Error(`${def.name}[${i}] overlaps ${inst[slot[w]].label}`);
      slot[w] = inst.length;
      inst.push({ def, index: i, offset: off, label: def.count > 1 ? `${def.name}[${i}]` : def.name });
    }
  }
  const n = inst.length;
  l = { slot, inst, mStore: new Uint32Array(n), mW1c: new Uint32Array(n), mW1s: new Uint32Array(n), mRc: new Uint32Array(n), mWo: new Uint32Array(n), mReadOnly: new Uint32Array(n), reset: new Uint32Array(n) };
  for (let s = 0; s < n; s++) {
    const def = inst[s].def;
    l.reset[s] = def.reset;
    for (const fd of Object.values(def.f)) for (const m of MASKS_OF_ACCESS[fd.access]) l[m][s] |= fd.mask;
  }
  bySize.set(size, l);
  return l;
}

/**
 * The register file: storage plus access semantics; the device hangs behaviour on hooks. Storage is
 * one word per register instance (its slot), not one per word of the window: the bus maps an offset
 * to its slot once, device-side accessors map a definition (and index) to its slot. The 8254x's
 * registers take about 1.5 KB per adapter this way instead of a 128 KiB window.
 */
export class RegisterFile {
  /**
   * Register storage: one 32-bit word per register instance, in table order (arrays element by
   * element); not indexed by offset — read a register with {@link get}, or through the bus.
   */
  readonly storage: Uint32Array;
  /** Slot per word index of the window (−1 where nothing is defined); shared by every file of the same layout. */
  private readonly slot: Int32Array;
  /** Instance per slot; shared. */
  private readonly inst: readonly RegInstance[];
  // Per-slot masks, computed once per layout (register table and window size) and shared.
  private readonly mStore: Uint32Array; // bits a plain write stores (RW, WO, SC)
  private readonly mW1c: Uint32Array;
  private readonly mW1s: Uint32Array;
  private readonly mRc: Uint32Array;
  private readonly mWo: Uint32Array;
  private readonly mReadOnly: Uint32Array; // RO and RC bits (writes ignored)
  private readonly resetValues: Uint32Array;
  private readonly writeHooks: (WriteHook | undefined)[];
  private readonly readHooks: (ReadHook | undefined)[];
  private readonly afterReadHooks: ((() => void) | undefined)[];
  /** All defined registers. */
  readonly defs: readonly RegDef[];
  /** Counts of accesses to unknown offsets and of unimplemented bits written. */
  readonly anomalies = { unknownReads: 0, unknownWrites: 0, unimplementedWrites: 0 };
  /** When true, every access is traced as `reg.access` (if the bus is active). */
  traceAccesses = true;

  constructor(
    defs: readonly RegDef[],
    /** Size of the register window in bytes. */
    readonly size: number,
    private readonly trace: TraceBus,
    private readonly source: string,
    private readonly clock: () => number,
  ) {
    this.defs = defs;
    const l = layoutOf(defs, size);
    this.slot = l.slot;
    this.inst = l.inst;
    this.mStore = l.mStore;
    this.mW1c = l.mW1c;
    this.mW1s = l.mW1s;
    this.mRc = l.mRc;
    this.mWo = l.mWo;
    this.mReadOnly = l.mReadOnly;
    this.resetValues = l.reset;
    const n = l.inst.length;
    this.storage = new Uint32Array(n);
    this.writeHooks = new Array<WriteHook | undefined>(n).fill(undefined);
    this.readHooks = new Array<ReadHook | undefined>(n).fill(undefined);
    this.afterReadHooks = new Array<(() => void) | undefined>(n).fill(undefined);
    this.reset();
  }

  /** Puts every register back to its reset value (hooks are kept). */
  reset(): void {
    this.storage.set(this.resetValues);
  }

  /** The slot of instance `index` of `def` (−1 when `def` is not in this file's table). */
  private slotOf(def: RegDef, index: number): number {
    return this.slot[(def.offset + index * def.stride) >>> 2];
  }

  /** The instance at `offset`, if defined. */
  instanceAt(offset: number): RegInstance | undefined {
    const s = offset >= 0 && offset < this.size && offset % 4 === 0 ? this.slot[offset >>> 2] : -1;
    return s < 0 ? undefined : this.inst[s];
  }

  /** Registers a hook run after writes to `def` (every instance of an array). */
  onWrite(def: RegDef, hook: WriteHook): void {
    for (let i = 0; i < def.count; i++) this.writeHooks[this.slotOf(def, i)] = hook;
  }

  /** Registers a hook run before reads of `def` return. */
  onRead(def: RegDef, hook: ReadHook): void {
    for (let i = 0; i < def.count; i++) this.readHooks[this.slotOf(def, i)] = hook;
  }

  /** Registers a hook run after a bus read of `def` has returned its value and applied read-clear. */
  afterRead(def: RegDef, hook: () => void): void {
    for (let i = 0; i < def.count; i++) this.afterReadHooks[this.slotOf(def, i)] = hook;
  }

  /** Device-side read of the stored value (no side effects). */
  get(def: RegDef, index = 0): number {
    return this.storage[this.slotOf(def, index)];
  }

  /** Device-side store (no side effects, no hooks). */
  set(def: RegDef, value: number, index = 0): void {
    this.storage[this.slotOf(def, index)] = value >>> 0;
  }

  /** Device-side: sets the bits of `mask`. */
  setBits(def: RegDef, mask: number, index = 0): void {
    const s = this.slotOf(def, index);
    this.storage[s] = (this.storage[s] | mask) >>> 0;
  }

  /** Device-side: clears the bits of `mask`. */
  clearBits(def: RegDef, mask: number, index = 0): void {
    const s = this.slotOf(def, index);
    this.storage[s] = (this.storage[s] & ~mask) >>> 0;
  }

  /** Device-side: a field's current value. */
  field(def: RegDef, fd: FieldDef, index = 0): number {
    return getField(this.get(def, index), fd);
  }

  /** Device-side: adds `n` to a statistics counter, saturating at 2^32 − 1. */
  count(def: RegDef, n = 1): void {
    const s = this.slotOf(def, 0);
    const v = this.storage[s] + n;
    this.storage[s] = v > 0xffffffff ? 0xffffffff : v;
  }

  /** Device-side: adds `n` to a 64-bit counter held in a low/high register pair. */
  count64(lo: RegDef, hi: RegDef, n: number): void {
    const sl = this.slotOf(lo, 0);
    const sh = this.slotOf(hi, 0);
    const v = this.storage[sl] + n;
    if (v > 0xffffffff) {
      this.storage[sl] = v % 0x100000000;
      this.storage[sh] = (this.storage[sh] + Math.floor(v / 0x100000000)) >>> 0;
    } else this.storage[sl] = v;
  }

  /** The register at `offset` for error messages: `RCTL (0x0100)` or `offset 0x1234 (no register)`. */
  private describe(offset: number): string {
    const inst = this.instanceAt(offset);
    const hex = '0x' + (offset >>> 0).toString(16).toUpperCase().padStart(4, '0');
    return inst ? `${inst.label} (${hex})` : `offset ${Number.isInteger(offset) && offset >= 0 ? hex : offset} (no register)`;
  }

  /** Throws a TypeError for a bus offset that is not a number (a number no register occupies is an unknown offset, not an error). */
  private checkOffset(op: 'read' | 'write', offset: unknown): void {
    throw new TypeError(`${this.source}: ${op} at a register offset that is ${describeValue(offset)}, not a number`);
  }

  /** Bus read of the 32-bit register at `offset` with its access semantics. */
  read(offset: number): number {
    if (typeof offset !== 'number') this.checkOffset('read', offset);
    const s = offset % 4 === 0 && offset >= 0 && offset < this.size ? this.slot[offset >>> 2] : -1;
    if (s < 0) {
      this.anomalies.unknownReads++;
      if (this.trace.active) this.trace.emit('reg.unknown', this.source, { op: 'read', offset, value: 0 });
      return 0;
    }
    const inst = this.inst[s];
    const stored = this.storage[s];
    const rh = this.readHooks[s];
    let v = stored;
    if (rh !== undefined) {
      const r = rh(inst, stored);
      if (typeof r === 'number') v = r >>> 0;
    }
    v = (v & ~this.mWo[s]) >>> 0;
    const rc = this.mRc[s];
    if (rc !== 0) this.storage[s] = (this.storage[s] & ~rc) >>> 0;
    if (this.traceAccesses && this.trace.active) this.trace.emit('reg.access', this.source, { op: 'read', offset, reg: inst.label, value: v, fields: decodeFields(inst.def, v) });
    const ah = this.afterReadHooks[s];
    if (ah !== undefined) ah();
    return v;
  }

  /**
   * Bus write of the 32-bit register at `offset` with its access semantics and hooks. `value` is a
   * 32-bit word as an integer in 0…0xFFFFFFFF or −2^31…−1 (the int32 form of the same bits);
   * anything else throws a TypeError (not a number) or RangeError (NaN, infinite, fractional, out
   * of range) naming the register, and nothing changes.
   */
  write(offset: number, value: number): void {
    if (typeof offset !== 'number') this.checkOffset('write', offset);
    if (typeof value !== 'number') throw new TypeError(`${this.source}: write of ${describeValue(value)} to ${this.describe(offset)}: the value must be a number`);
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) throw new RangeError(`${this.source}: write of ${value} to ${this.describe(offset)}: the value must be an integer in 0…0xFFFFFFFF (or −2^31…−1)`);
    value = value >>> 0;
    const s = offset % 4 === 0 && offset >= 0 && offset < this.size ? this.slot[offset >>> 2] : -1;
    if (s < 0) {
      this.anomalies.unknownWrites++;
      if (this.trace.active) this.trace.emit('reg.unknown', this.source, { op: 'write', offset, value });
      return;
    }
    const inst = this.inst[s];
    if (this.traceAccesses && this.trace.active) this.trace.emit('reg.access', this.source, { op: 'write', offset, reg: inst.label, value, fields: decodeFields(inst.def, value) });
    const undefinedBits = inst.def.reservedWritesIgnored ? 0 : value & ~inst.def.definedMask;
    // Writing back a read-only bit's current value (read-modify-write) is normal; only an attempt
    // to change one is reported. In a writable register, 0s in its read-only fields are how a
    // driver composes a command (EERD = START | ADDR, as Linux writes it): only 1s written to
    // read-only bits that read 0 are reported there.
    const roChanged = (value ^ this.storage[s]) & this.mReadOnly[s];
    const roBits = inst.def.access === 'RO' ? roChanged : roChanged & value;
    if (undefinedBits !== 0 || roBits !== 0) {
      this.anomalies.unimplementedWrites++;
      if (this.trace.active) {
        if (undefinedBits !== 0) this.trace.emit('reg.unimplemented', this.source, { offset, reg: inst.label, bits: undefinedBits >>> 0, why: 'no field defines these bits; written value ignored for them' });
        if (roBits !== 0) this.trace.emit('reg.unimplemented', this.source, { offset, reg: inst.label, bits: roBits >>> 0, why: 'read-only bits; write ignored' });
      }
    }
    const old = this.storage[s];
    const store = this.mStore[s];
    let nv = (old & ~store) | (value & store);
    nv &= ~(value & this.mW1c[s]);
    nv |= value & this.mW1s[s];
    this.storage[s] = nv >>> 0;
    const wh = this.writeHooks[s];
    if (wh !== undefined) wh(this.clock(), inst, value, old);
  }
}

/** A short description of any value for an error message (never throws, even on a Symbol). */
function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
    case 'bigint':
      return `${v}n (a BigInt)`;
    case 'symbol':
      return v.toString();
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'object':
      return v === null ? 'null' : 'an object';
    default:
      return String(v);
  }
}

/** Decodes a register value field by field, e.g. `EN|BAM|BSIZE=0`. Zero single-bit fields are omitted. */
export function decodeFields(def: RegDef, value: number): string {
  const parts: string[] = [];
  for (const fd of Object.values(def.f)) {
    const v = getField(value, fd);
    if (fd.width === 1) {
      if (v) parts.push(fd.name);
    } else if (fd.width === 32) {
      parts.push(`${fd.name}=0x${(value >>> 0).toString(16)}`);
    } else if (v !== 0 || fd.values) {
      const named = fd.values?.[v];
      parts.push(named !== undefined ? `${fd.name}=${v}(${named})` : `${fd.name}=${fd.width > 4 ? '0x' + v.toString(16) : v}`);
    }
  }
  const undef = (value & ~def.definedMask) >>> 0;
  if (undef && !def.reservedWritesIgnored) parts.push(`?0x${undef.toString(16)}`);
  return parts.join('|');
}
