/**
 * Fresh zeroed buffers carved from slabs: each buffer is a new region that is never handed out
 * again (its bytes stay valid and unchanged for as long as anyone holds it), so a slab only saves
 * allocating a backing store per frame on the data path. Regions are 8-byte aligned. Each
 * {@link Simulator} owns one (`sim.slab`), so simulations never share memory and a finished
 * simulation's slabs go with it.
 * @module
 */

const SLAB_BYTES = 1 << 16;
/** Requests larger than this get their own backing store. */
const LARGE = SLAB_BYTES / 16;

/** A source of fresh zeroed byte and 16-bit buffers carved from 1 MiB slabs. */
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

  /** A zeroed array of `n` 16-bit words. */
  u16(n: number): Uint16Array {
    if (2 * n > LARGE) return new Uint16Array(n);
    const offset = this.carve(2 * n);
    return new Uint16Array(this.slab, offset, n);
  }
}
