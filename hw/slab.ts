/**
 * Fresh zeroed buffers carved from shared slabs: each buffer is a new region that is never handed
 * out again (its bytes stay valid and unchanged for as long as anyone holds it), so this only
 * saves allocating a backing store per frame on the data path. Regions are 8-byte aligned.
 * @module
 */

const SLAB_BYTES = 1 << 20;
/** Requests larger than this get their own backing store. */
const LARGE = SLAB_BYTES / 16;
let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

function carve(bytes: number): { buffer: ArrayBuffer; offset: number } {
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const offset = used;
  used += (bytes + 7) & ~7;
  return { buffer: slab, offset };
}

/** A zeroed byte buffer of `n` bytes. */
export function slabBytes(n: number): Uint8Array {
  if (n > LARGE) return new Uint8Array(n);
  const { buffer, offset } = carve(n);
  return new Uint8Array(buffer, offset, n);
}

/** A zeroed array of `n` 16-bit words. */
export function slabU16(n: number): Uint16Array {
  if (2 * n > LARGE) return new Uint16Array(n);
  const { buffer, offset } = carve(2 * n);
  return new Uint16Array(buffer, offset, n);
}
