/**
 * The Internet checksum (RFC 1071): the 16-bit ones'-complement of the ones'-complement sum of
 * 16-bit big-endian words, an odd trailing byte padded with zero.
 *
 * Sums are "folded" 16-bit values (0…0xffff) that can be combined ({@link combineSums}), so a
 * pseudo-header, a header and a payload can be summed separately. A range with an odd length
 * shifts the word alignment of whatever follows it: combine such a sum with
 * `combineSums(a, swapSum(b))`, or sum ranges of even length first.
 *
 * Guarantees: no allocation for ranges shorter than 128 bytes; longer ranges read 32-bit words
 * through one typed-array view and are about twice as fast. Never throws for in-bounds ranges.
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Ranges at least this long are summed as aligned 32-bit words. */
const WORD_PATH_MIN = 128;

function fold(sum: number): number {
  // The first step also works above 2^32 (bitwise operators would truncate there).
  sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Sum of big-endian words starting at `i` (even positions relative to `i` are high bytes), unfolded. */
function sumBytesBE(b: Uint8Array, i: number, end: number): number {
  let sum = 0;
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return sum;
}

/** Swaps the two bytes of a folded 16-bit sum (the sum of the same bytes at odd alignment). */
export function swapSum(sum: number): number {
  return ((sum & 0xff) << 8) | (sum >>> 8);
}

/** Ones'-complement sum (folded to 16 bits) of `buf[start…end)`, as big-endian words from `start`. */
export function onesSum(buf: Uint8Array, start = 0, end = buf.length): number {
  const len = end - start;
  if (len < WORD_PATH_MIN) return fold(sumBytesBE(buf, start, end));
  // Head bytes up to a 4-byte boundary of the underlying memory, then 32-bit words, then the tail.
  const head = (4 - ((buf.byteOffset + start) & 3)) & 3;
  const wordsStart = start + head;
  const words = (end - wordsStart) >>> 2;
  const wordsEnd = wordsStart + words * 4;
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset + wordsStart, words);
  let w = 0;
  for (let k = 0; k < words; k++) w += u32[k];
  // A 32-bit word is congruent (mod 0xffff) to the sum of its two 16-bit halves. Read little-endian,
  // the word sums bytes at even positions (relative to wordsStart) as low bytes: a swapped sum.
  let mid = fold(w);
  if (LITTLE_ENDIAN) mid = swapSum(mid);
  if (head & 1) mid = swapSum(mid); // wordsStart is at an odd position relative to start
  let sum = sumBytesBE(buf, start, wordsStart) + mid;
  const tail = sumBytesBE(buf, wordsEnd, end);
  sum += (wordsEnd - start) & 1 ? swapSum(fold(tail)) : tail;
  return fold(sum);
}

/** Ones'-complement addition of two folded sums (the second range must start at an even distance). */
export function combineSums(a: number, b: number): number {
  const s = a + b;
  return s > 0xffff ? s - 0xffff : s;
}

/** The checksum field value for a folded sum: its ones'-complement. */
export function finishChecksum(sum: number): number {
  return ~sum & 0xffff;
}

/** The Internet checksum of `buf[start…end)`, ready to store in a checksum field. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return ~onesSum(buf, start, end) & 0xffff;
}

/** True when `buf[start…end)`, checksum field included, sums to 0xffff (a correct checksum). */
export function checksumOk(buf: Uint8Array, start = 0, end = buf.length): boolean {
  return onesSum(buf, start, end) === 0xffff;
}

/**
 * Folded sum of the IPv4 pseudo-header (RFC 768, RFC 9293): source and destination addresses
 * (uint32), zero, protocol, and the upper-layer length.
 */
export function ipv4PseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return fold((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (protocol & 0xff) + (length & 0xffff));
}
