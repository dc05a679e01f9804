/**
 * What the transports' socket options share: a value no program could mean (a fraction, a TTL of
 * 300) is a programmer error and throws a RangeError naming the option; read-only and unknown
 * options are refused with ENOPROTOOPT; SO_ERROR reads as an errno number.
 * @module
 */
import { ERRNO, SocketError, type Errno } from './errors.js';
import type { SocketOption } from './types.js';

/** `value` as an integer within `min…max`, or a RangeError naming `name`. */
export function intOption(name: string, value: number | boolean, min: number, max: number, unit = ''): number {
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer ${min}…${max === Number.MAX_SAFE_INTEGER ? '' : max}${unit}, got ${String(value)}`);
  return v;
}

/**
 * Refuses to set `name` on a `proto` socket: SO_ERROR and SO_TYPE are read-only, any other name
 * is not one of the protocol's options (ENOPROTOOPT either way, as Linux answers).
 */
export function refuseSet(name: SocketOption, proto: string): never {
  if (name === 'SO_ERROR' || name === 'SO_TYPE') throw new SocketError('ENOPROTOOPT', '', `${name} is read-only`);
  return refuseGet(name, proto);
}

/** Refuses to read `name`, which is not one of a `proto` socket's options (ENOPROTOOPT). */
export function refuseGet(name: SocketOption, proto: string): never {
  throw new SocketError('ENOPROTOOPT', '', `${name} is not a ${proto} socket option`);
}

/** SO_ERROR's value for a pending error: its errno number, 0 when none. */
export function errnoNumber(e: Errno | null): number {
  return e === null ? 0 : ERRNO[e];
}
