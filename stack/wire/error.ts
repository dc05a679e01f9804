/**
 * The error type of the wire codecs. `parse*` functions return a {@link WireError} for bad network
 * input and never throw; `emit*` functions trust their input (a programmer error may throw).
 *
 * Result convention, used by every codec in `stack/wire`: `parse…(bytes) → Repr | WireError`,
 * tested with `instanceof WireError` (or {@link isWireError}). Error instances are preallocated per
 * failure site, so a stream of bad packets allocates nothing; compare them by `kind`, not identity.
 * @module
 */

/** Why a parse failed: too few bytes, inconsistent fields, a bad checksum, or a valid but unhandled variant. */
export type WireErrorKind = 'truncated' | 'malformed' | 'checksum' | 'unsupported';

/** A parse failure on network input; returned by the `parse…` functions, never thrown. */
export class WireError {
  /** The failure class. */
  readonly kind: WireErrorKind;
  /** What was wrong, prefixed with the protocol, e.g. `ipv4: header checksum mismatch`. */
  readonly message: string;

  /** Creates an error; codecs keep one frozen instance per failure site. */
  constructor(kind: WireErrorKind, message: string) {
    this.kind = kind;
    this.message = message;
    Object.freeze(this);
  }

  /** `WireError(kind): message`, for logs. */
  toString(): string {
    return `WireError(${this.kind}): ${this.message}`;
  }
}

/** True when a parse result is a {@link WireError}. */
export function isWireError(x: unknown): x is WireError {
  return x instanceof WireError;
}

/** Options accepted by the parsers of checksummed protocols (IPv4, ICMP, UDP). */
export interface ParseOptions {
  /** Verify the checksum and return a `'checksum'` error on mismatch (default `true`). */
  readonly verifyChecksum?: boolean;
}
