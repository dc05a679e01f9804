/**
 * Simulated time: an integer number of nanoseconds held in a `number` (exact up to 2^53 ns ≈ 104 days).
 * @module
 */

/** Simulated time or duration in integer nanoseconds. */
export type Nanos = number;

/** One nanosecond. */
export const NS: Nanos = 1;
/** One microsecond in nanoseconds. */
export const US: Nanos = 1_000;
/** One millisecond in nanoseconds. */
export const MS: Nanos = 1_000_000;
/** One second in nanoseconds. */
export const SEC: Nanos = 1_000_000_000;

/** Throws unless `t` is a non-negative safe integer (a programmer error, never network input). */
export function assertNanos(t: number, what = 'time'): Nanos {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`${what} must be a non-negative integer number of nanoseconds, got ${t}`);
  return t;
}

/** Formats a time as seconds with nanosecond precision, e.g. `1.000000512s`. */
export function formatNanos(t: Nanos): string {
  const sign = t < 0 ? '-' : '';
  const a = Math.abs(t);
  const s = Math.floor(a / SEC);
  const frac = String(a % SEC).padStart(9, '0');
  return `${sign}${s}.${frac}s`;
}

/** Formats a duration in the most readable unit (ns, µs, ms, s). */
export function formatDuration(t: Nanos): string {
  const a = Math.abs(t);
  if (a < US) return `${t} ns`;
  if (a < MS) return `${+(t / US).toFixed(3)} µs`;
  if (a < SEC) return `${+(t / MS).toFixed(3)} ms`;
  return `${+(t / SEC).toFixed(6)} s`;
}
