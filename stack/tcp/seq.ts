/**
 * Sequence-space arithmetic (RFC 9293 §3.4): sequence numbers are 32-bit and compared modulo 2^32,
 * so "a before b" means that the signed 32-bit distance from b to a is negative. Every comparison
 * of sequence or acknowledgement numbers in TCP goes through these functions; they are valid for
 * numbers less than 2^31 apart.
 * @module
 */

/** `a + n` modulo 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance `a − b` (negative when `a` is before `b`). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `a` is before `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` is before or equal to `b`. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a` is after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` is after or equal to `b`. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of `a` and `b`. */
export function seqMax(a: number, b: number): number {
  return seqGe(a, b) ? a : b;
}

/** The earlier of `a` and `b`. */
export function seqMin(a: number, b: number): number {
  return seqLe(a, b) ? a : b;
}

/** `lo ≤ x < hi` in sequence space. */
export function seqInRange(x: number, lo: number, hi: number): boolean {
  return ((x - lo) | 0) >= 0 && ((x - hi) | 0) < 0;
}
