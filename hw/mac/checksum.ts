/**
 * The 16-bit ones' complement sum the 8254x computes for the legacy RX packet checksum and the
 * TX checksum insertion (IC), over big-endian 16-bit words.
 *
 * The bulk of the range is summed as 32-bit little-endian words through an Int32Array over the
 * 4-byte-aligned part of the bytes, each word's two 16-bit halves added apart as small integers. A ones' complement sum does not depend on byte
 * order (RFC 1071 §2(B)): the folded sum of the little-endian halves, byte-swapped, is the
 * big-endian sum — or, when the aligned part starts an odd number of bytes into the range, it is
 * already, without the swap (each byte then lands in the half of its big-endian word).
 * @module
 */

let lastBuffer: ArrayBufferLike | null = null;
let lastWords: Int32Array | null = null;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An Int32Array over all of `buffer` (the last one is remembered: frames share their slab's buffer). */
function wordsOf(buffer: ArrayBufferLike): Int32Array {
  if (buffer !== lastBuffer) {
    lastBuffer = buffer;
    lastWords = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return lastWords!;
}

/** Ones' complement sum of `b[from, to)` as big-endian 16-bit words (odd tail padded with 0), folded to 16 bits, not complemented. */
export function onesComplementSum(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return 0;
  // Even-offset (high) and odd-offset (low) bytes outside the aligned words are summed apart.
  let hi = 0;
  let lo = 0;
  let i = from;
  if (to - from >= 64 && LITTLE_ENDIAN) {
    // head: up to the first 4-byte-aligned address
    const abs = b.byteOffset + i;
    const headEnd = i + ((4 - (abs & 3)) & 3);
    for (; i < headEnd; i++) {
      if ((i - from) & 1) lo += b[i];
      else hi += b[i];
    }
    const nWords = (to - i) >>> 2;
    const w = wordsOf(b.buffer);
    const w0 = (b.byteOffset + i) >>> 2;
    // each word's two 16-bit halves added as small integers (int32 arithmetic while the range
    // stays under 64 KiB; beyond that the sums just become doubles, still exact)
    let p = 0;
    let q = 0;
    let k = w0;
    const end = w0 + nWords;
    for (; k + 2 <= end; k += 2) {
      const x = w[k];
      const y = w[k + 1];
      p += (x & 0xffff) + (x >>> 16);
      q += (y & 0xffff) + (y >>> 16);
    }
    if (k < end) p += (w[k] & 0xffff) + (w[k] >>> 16);
    let acc = p + q;
    while (acc > 0xffff) acc = (acc % 0x10000) + Math.floor(acc / 0x10000);
    if (((i - from) & 1) === 0) acc = ((acc & 0xff) << 8) | (acc >>> 8); // little-endian halves: swap
    i += nWords << 2;
    // a folded partial sum, added as a big-endian word
    hi += acc >>> 8;
    lo += acc & 0xff;
    // tail: continue with the parity of the range
    for (; i < to; i++) {
      if ((i - from) & 1) lo += b[i];
      else hi += b[i];
    }
  } else {
    // Sum even-offset and odd-offset bytes separately (no shifts in the loop); the partial sums
    // stay far below 2^53 for any frame size.
    const end8 = from + ((to - from) & ~7);
    for (; i < end8; i += 8) {
      hi += b[i] + b[i + 2] + b[i + 4] + b[i + 6];
      lo += b[i + 1] + b[i + 3] + b[i + 5] + b[i + 7];
    }
    for (; i + 1 < to; i += 2) {
      hi += b[i];
      lo += b[i + 1];
    }
    if (i < to) hi += b[i];
  }
  let s = hi * 256 + lo;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}
