/**
 * Checks of socket option values shared by the transports: a value no program could mean (a
 * fraction, a TTL of 300) is a programmer error and throws a RangeError naming the option.
 * @module
 */

/** `value` as an integer within `min…max`, or a RangeError naming `name`. */
export function intOption(name: string, value: number | boolean, min: number, max: number, unit = ''): number {
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer ${min}…${max === Number.MAX_SAFE_INTEGER ? '' : max}${unit}, got ${String(value)}`);
  return v;
}
