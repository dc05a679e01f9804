/**
 * Host physical memory: a flat byte-addressed space that the driver fills and the adapter reaches
 * as a bus master. Device accesses are bounds-checked and return a {@link DmaFault} instead of
 * throwing; host (driver) accesses throw on programmer error.
 * @module
 */

/** Why a device DMA access was refused. */
export type DmaFault = 'null address' | 'out of range' | 'register window';

/** An address window the device must never reach by DMA (its own registers). */
export interface MmioWindow {
  /** Physical base address. */
  base: number;
  /** Size in bytes. */
  size: number;
}

/** Whether this host stores words least significant byte first (what {@link HostMemory.words} needs). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A flat physical address space. */
export class HostMemory {
  /** The backing bytes. */
  readonly bytes: Uint8Array;
  /** A view for multi-byte little-endian access. */
  readonly view: DataView;
  /**
   * The same bytes as 32-bit words in the host's byte order (`words[a >>> 2]` is bytes a…a+3 for a
   * 4-aligned `a` below 2^32), or null on a big-endian host: the device's fast paths for descriptors
   * and short frames, which fall back to {@link view} and byte loops without it.
   */
  readonly words: Int32Array | null;
  /** MMIO windows that DMA must not touch (registered by devices). */
  readonly mmio: MmioWindow[] = [];

  /** Creates `size` bytes of zeroed memory (default 16 MiB). */
  constructor(readonly size = 16 * 1024 * 1024) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`memory size must be a positive integer, got ${size}`);
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.words = LITTLE_ENDIAN ? new Int32Array(this.bytes.buffer, 0, Math.floor(size / 4)) : null;
  }

  /**
   * The index in {@link words} of the word at `addr` when `[addr, addr + len)` can be reached a
   * word at a time — a little-endian host, `addr` 4-aligned and below 2^32, every word inside
   * memory (the last partial word of a memory whose size is not a multiple of 4 is not) — else −1.
   * Compared as numbers: an address near 2^32 does not wrap.
   */
  wordAt(addr: number, len: number): number {
    const w = this.words;
    return w !== null && addr % 4 === 0 && addr >= 0 && addr < 0x100000000 && addr + len <= w.length * 4 ? addr >>> 2 : -1;
  }

  /** Checks a device access of `len` bytes at `addr`; returns a fault or null when allowed. */
  check(addr: number, len: number): DmaFault | null {
    if (addr === 0) return 'null address';
    for (const w of this.mmio) if (addr < w.base + w.size && addr + len > w.base) return 'register window';
    if (!(addr >= 0) || addr + len > this.size || !Number.isSafeInteger(addr)) return 'out of range';
    return null;
  }

  private hostCheck(addr: number, len: number): void {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr + len > this.size) throw new RangeError(`host memory access [0x${addr.toString(16)}, +${len}) is outside 0..0x${this.size.toString(16)}`);
  }

  /** Host write of bytes at `addr`. */
  write(addr: number, data: Uint8Array): void {
    this.hostCheck(addr, data.length);
    this.bytes.set(data, addr);
  }

  /** Host read (a copy) of `len` bytes at `addr`. */
  read(addr: number, len: number): Uint8Array {
    this.hostCheck(addr, len);
    return this.bytes.slice(addr, addr + len);
  }

  /** Host read of a little-endian 16-bit word. */
  readU16(addr: number): number {
    this.hostCheck(addr, 2);
    return this.view.getUint16(addr, true);
  }

  /** Host read of a little-endian 32-bit word. */
  readU32(addr: number): number {
    this.hostCheck(addr, 4);
    return this.view.getUint32(addr, true);
  }

  /** Host write of a little-endian 16-bit word. */
  writeU16(addr: number, v: number): void {
    this.hostCheck(addr, 2);
    this.view.setUint16(addr, v, true);
  }

  /** Host write of a little-endian 32-bit word. */
  writeU32(addr: number, v: number): void {
    this.hostCheck(addr, 4);
    this.view.setUint32(addr, v >>> 0, true);
  }

  /** Host write of a little-endian 64-bit address (exact below 2^53). */
  writeU64(addr: number, v: number): void {
    this.hostCheck(addr, 8);
    this.view.setUint32(addr, v % 0x100000000, true);
    this.view.setUint32(addr + 4, Math.floor(v / 0x100000000), true);
  }

  /** Host read of a little-endian 64-bit value (exact below 2^53). */
  readU64(addr: number): number {
    this.hostCheck(addr, 8);
    return this.view.getUint32(addr + 4, true) * 0x100000000 + this.view.getUint32(addr, true);
  }

  /** Host fill of `len` bytes at `addr` with `value`. */
  fill(addr: number, len: number, value: number): void {
    this.hostCheck(addr, len);
    this.bytes.fill(value, addr, addr + len);
  }
}
