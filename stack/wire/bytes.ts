/**
 * Big-endian field access and payload placement shared by the codecs (internal to `stack/wire`).
 * Plain byte math over a `Uint8Array`: no DataView, no allocation.
 * @module
 */

/** Reads a big-endian 16-bit value at `o`. */
export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Reads a big-endian unsigned 32-bit value at `o`. */
export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Writes a big-endian 16-bit value at `o`. */
export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Writes a big-endian 32-bit value at `o`. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/**
 * Copies `payload` to `buf[at…]`, unless it already lies there (same memory), which makes
 * in-place emission free: write the payload into the frame buffer first, then emit the headers.
 */
export function placePayload(payload: Uint8Array, buf: Uint8Array, at: number): void {
  if (payload.length === 0) return;
  if (payload.buffer === buf.buffer && payload.byteOffset === buf.byteOffset + at) return;
  buf.set(payload, at);
}

/** A shared empty byte array for reprs without data (never written to: it has no bytes). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
