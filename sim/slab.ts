/**
 * Fresh zeroed buffers carved from slabs: each buffer is a new region that is never handed out
 * again (its bytes stay valid and unchanged for as long as anyone holds it), so a slab only saves
 * allocating a backing store per frame on the data path. Regions are 8-byte aligned. Each
 * {@link Simulator} owns one (`sim.slab`), so simulations never share memory and a finished
 * simulation's slabs go with it.
 *
 * Serialized frames may also come from a pool ({@link Slab.frame}): a buffer given back with
 * {@link Slab.recycle} is handed out again for the next frame of the same length. The contract:
 * only the one party that holds the last reference to a buffer may give it back, and `frame()`
 * returns bytes of any content, which the caller overwrites entirely. (The adapter gives back a
 * frame's bytes only when it provably is that party: see `hw/medium/types.ts`, {@link WireFrame}'s
 * `pooledBy`.)
 * @module
 */

import { arenaBytes } from './checksum.js';

const SLAB_BYTES = 1 << 16;
/**
 * Bytes of the checksum kernel's memory a simulator's frame pool may take ({@link arenaBytes}; the
 * process has 4 MiB of it, so the first eight simulators of a process get it, and later ones use
 * plain memory: the same bytes, only their sums cost a copy more).
 */
const ARENA_PER_SLAB = 512 * 1024;
/** Requests larger than this get their own backing store. */
const LARGE = SLAB_BYTES / 16;
/** Buffers kept per length in the frame pool (a full-duplex link has about two frames in flight). */
const POOL_PER_LENGTH = 32;

/** A source of fresh zeroed byte and 16-bit buffers carved from 64 KiB slabs. */
export class Slab {
  private slab = new ArrayBuffer(SLAB_BYTES);
  private used = 0;

  private carve(bytes: number): number {
    if (this.used + bytes > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const offset = this.used;
    this.used += (bytes + 7) & ~7;
    return offset;
  }

  /** A zeroed byte buffer of `n` bytes. */
  bytes(n: number): Uint8Array {
    if (n > LARGE) return new Uint8Array(n);
    const offset = this.carve(n);
    return new Uint8Array(this.slab, offset, n);
  }

  /**
   * A buffer of `n` bytes for a serialized frame: one given back with {@link recycle} when the pool
   * has one of that length (its old bytes still in it), else a fresh zeroed one. The caller writes
   * every byte.
   */
  frame(n: number): Uint8Array {
    const list = n === this.poolLen ? this.poolList : this.poolFor(n);
    if (list.length > 0) return list.pop()!;
    if (n <= this.arenaLeft) {
      // a new pool buffer in the checksum kernel's memory when there is room: the adapter's
      // checksums over it (the legacy receive checksum, checksum insertion) are summed in place
      const a = arenaBytes(n);
      if (a !== null) {
        this.arenaLeft -= (n + 15) & ~15;
        return a;
      }
      this.arenaLeft = 0;
    }
    return this.bytes(n);
  }

  private arenaLeft = ARENA_PER_SLAB;

  /**
   * Gives back a buffer from {@link frame} for a later frame of its length. Only the holder of its
   * last reference may call this: nothing may read or write `b` afterwards.
   */
  recycle(b: Uint8Array): void {
    const n = b.length;
    const list = n === this.poolLen ? this.poolList : this.poolFor(n);
    if (list.length < POOL_PER_LENGTH) list.push(b);
  }

  private readonly pool = new Map<number, Uint8Array[]>();
  private poolLen = -1;
  private poolList: Uint8Array[] = [];

  private poolFor(n: number): Uint8Array[] {
    let list = this.pool.get(n);
    if (list === undefined) this.pool.set(n, (list = []));
    this.poolLen = n;
    this.poolList = list;
    return list;
  }

  /** A zeroed array of `n` 16-bit words. */
  u16(n: number): Uint16Array {
    if (2 * n > LARGE) return new Uint16Array(n);
    const offset = this.carve(2 * n);
    return new Uint16Array(this.slab, offset, n);
  }

  /**
   * An array of `n` 16-bit words for a frame's line code groups: one given back with
   * {@link recycleU16} when the pool has one of that length (old contents), else a fresh zeroed
   * one. The caller writes every word. The same contract as {@link frame}.
   */
  frameU16(n: number): Uint16Array {
    const list = this.pool16.get(n);
    return list !== undefined && list.length > 0 ? list.pop()! : this.u16(n);
  }

  /** Gives back an array from {@link frameU16}; only the holder of its last reference may call this. */
  recycleU16(b: Uint16Array): void {
    let list = this.pool16.get(b.length);
    if (list === undefined) this.pool16.set(b.length, (list = []));
    if (list.length < POOL_PER_LENGTH) list.push(b);
  }

  private readonly pool16 = new Map<number, Uint16Array[]>();
}
