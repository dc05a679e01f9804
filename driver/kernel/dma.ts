/**
 * A DMA-coherent allocator over host physical memory: first fit over a sorted free list,
 * power-of-two alignment, zero-filled blocks, neighbours coalesced on free. It never hands out
 * physical address 0 (the first page is reserved) nor any MMIO window registered in the memory.
 * @module
 */
import type { HostMemory } from '../../hw/memory.js';

/** A block of DMA-coherent memory. */
export interface DmaBuffer {
  /** Physical (bus) address the device is given. */
  readonly addr: number;
  /** Size in bytes. */
  readonly size: number;
  /** The CPU's view of the block (a window on host memory). */
  readonly bytes: Uint8Array;
}

/** Options of a {@link DmaAllocator}. */
export interface DmaAllocatorOptions {
  /** First address the allocator may use (default 0x1000: page 0 is never handed out). */
  base?: number;
  /** One past the last address (default the end of memory). */
  limit?: number;
}

interface Range {
  start: number;
  end: number;
}

/** The allocator. */
export class DmaAllocator {
  private free: Range[] = [];
  private readonly live = new Map<number, number>();
  private used = 0;

  constructor(
    /** The memory blocks come from. */
    readonly memory: HostMemory,
    opts: DmaAllocatorOptions = {},
  ) {
    const base = opts.base ?? 0x1000;
    const limit = opts.limit ?? memory.size;
    if (!(Number.isSafeInteger(base) && Number.isSafeInteger(limit) && base > 0 && base < limit && limit <= memory.size)) {
      throw new RangeError(`DMA zone [0x${base.toString(16)}, 0x${limit.toString(16)}) is not inside memory of 0x${memory.size.toString(16)} bytes`);
    }
    let ranges: Range[] = [{ start: base, end: limit }];
    for (const w of memory.mmio) {
      const next: Range[] = [];
      for (const r of ranges) {
        if (w.base >= r.end || w.base + w.size <= r.start) next.push(r);
        else {
          if (w.base > r.start) next.push({ start: r.start, end: w.base });
          if (w.base + w.size < r.end) next.push({ start: w.base + w.size, end: r.end });
        }
      }
      ranges = next;
    }
    this.free = ranges;
  }

  /** Bytes currently allocated. */
  get inUse(): number {
    return this.used;
  }

  /** Number of live allocations. */
  get allocations(): number {
    return this.live.size;
  }

  /** Allocates `size` zeroed bytes aligned to `align` (a power of two); null when memory is exhausted. */
  alloc(size: number, align = 16): DmaBuffer | null {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`DMA allocation size must be a positive integer, got ${size}`);
    if (!Number.isSafeInteger(align) || align <= 0 || (align & (align - 1)) !== 0) throw new RangeError(`DMA alignment must be a power of two, got ${align}`);
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      const addr = Math.ceil(r.start / align) * align;
      if (addr + size > r.end) continue;
      const pieces: Range[] = [];
      if (addr > r.start) pieces.push({ start: r.start, end: addr });
      if (addr + size < r.end) pieces.push({ start: addr + size, end: r.end });
      this.free.splice(i, 1, ...pieces);
      this.live.set(addr, size);
      this.used += size;
      const bytes = this.memory.bytes.subarray(addr, addr + size);
      zero(bytes);
      return { addr, size, bytes };
    }
    return null;
  }

  /** Frees a block (by buffer or address); freeing twice or a foreign address throws. */
  release(buf: DmaBuffer | number): void {
    const addr = typeof buf === 'number' ? buf : buf.addr;
    const size = this.live.get(addr);
    if (size === undefined) throw new Error(`DMA free of 0x${addr.toString(16)}: not an allocated block`);
    this.live.delete(addr);
    this.used -= size;
    const r: Range = { start: addr, end: addr + size };
    let i = 0;
    while (i < this.free.length && this.free[i].start < r.start) i++;
    this.free.splice(i, 0, r);
    // coalesce with the neighbours
    if (i + 1 < this.free.length && this.free[i].end === this.free[i + 1].start) {
      this.free[i].end = this.free[i + 1].end;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].end === this.free[i].start) {
      this.free[i - 1].end = this.free[i].end;
      this.free.splice(i, 1);
    }
  }

  /** Number of free ranges (1 when nothing is allocated in a zone without holes). */
  get fragments(): number {
    return this.free.length;
  }
}

/**
 * Zeroes `b` page by page, writing only pages that hold a non-zero byte: host memory is zero-filled
 * on demand by the OS, so a ring's buffers that were never used stay untouched (and out of the
 * resident set) until the adapter or the driver first writes them.
 */
function zero(b: Uint8Array): void {
  if (b.byteOffset % 4 !== 0) {
    b.fill(0);
    return;
  }
  const words = new Int32Array(b.buffer, b.byteOffset, b.length >>> 2);
  const PAGE_WORDS = 1024;
  for (let p = 0; p < words.length; p += PAGE_WORDS) {
    const end = Math.min(words.length, p + PAGE_WORDS);
    for (let i = p; i < end; i++) {
      if (words[i] !== 0) {
        words.fill(0, p, end);
        break;
      }
    }
  }
  for (let i = words.length << 2; i < b.length; i++) b[i] = 0;
}
