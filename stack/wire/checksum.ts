/**
 * The Internet checksum (RFC 1071): the 16-bit ones'-complement of the ones'-complement sum of
 * 16-bit big-endian words, an odd trailing byte padded with zero.
 *
 * Sums are "folded" 16-bit values (0…0xffff) that can be combined ({@link combineSums}), so a
 * pseudo-header, a header and a payload can be summed separately. A range with an odd length
 * shifts the word alignment of whatever follows it: combine such a sum with
 * `combineSums(a, swapSum(b))`, or sum ranges of even length first.
 *
 * The summing itself is the simulator's shared kernel (sim/checksum.ts: WebAssembly SIMD for long
 * ranges, a plain loop for short ones), the same the adapter uses. Never throws for in-bounds ranges.
 * @module
 */

import { onesSum16 } from '../../sim/checksum.js';

function fold(sum: number): number {
  // The first step also works above 2^32 (bitwise operators would truncate there).
  sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Swaps the two bytes of a folded 16-bit sum (the sum of the same bytes at odd alignment). */
export function swapSum(sum: number): number {
  return ((sum & 0xff) << 8) | (sum >>> 8);
}

/** Ones'-complement sum (folded to 16 bits) of `buf[start…end)`, as big-endian words from `start`. */
export function onesSum(buf: Uint8Array, start = 0, end = buf.length): number {
  return onesSum16(buf, start, end);
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
