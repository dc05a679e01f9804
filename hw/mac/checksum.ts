/**
 * The 16-bit ones' complement sum the 8254x computes for the legacy RX packet checksum and the
 * TX checksum insertion (IC), over big-endian 16-bit words.
 * @module
 */

/** Ones' complement sum of `b[from, to)` as big-endian 16-bit words (odd tail padded with 0), folded to 16 bits, not complemented. */
export function onesComplementSum(b: Uint8Array, from: number, to: number): number {
  if (to <= from) return 0;
  // Sum even-offset and odd-offset bytes separately (no shifts in the loop); the partial sums
  // stay far below 2^53 for any frame size.
  let hi = 0;
  let lo = 0;
  let i = from;
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
  let s = hi * 256 + lo;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}
