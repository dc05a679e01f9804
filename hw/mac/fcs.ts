/**
 * The Ethernet frame check sequence: IEEE 802.3 CRC-32 over destination address to the end of
 * the payload, transmitted least significant byte first. Computed with Node's `zlib.crc32`, or
 * for short ranges (minimum-size frames) with a table-driven loop eight bytes at a time, which
 * costs less than the call into zlib there.
 * @module
 */
import { crc32 } from 'node:zlib';

/** Below this many bytes the JavaScript loop is faster than zlib's call overhead. */
const SHORT = 128;

/** Slicing-by-8 tables of the reflected polynomial 0xEDB88320: table t at [256 t, 256 t + 256). */
const T = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  return t;
})();

function crcShort(b: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    c = T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^ T[768 + b[i + 4]] ^ T[512 + b[i + 5]] ^ T[256 + b[i + 6]] ^ T[b[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** CRC-32 (IEEE 802.3) of `bytes[start, end)`. */
export function fcs32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (end - start < SHORT) return crcShort(bytes, start, end);
  return crc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}

/** Writes the FCS of `bytes[start, end)` little-endian at `bytes[end, end+4)`. */
export function appendFcs(bytes: Uint8Array, start: number, end: number): void {
  putFcs(bytes, end, fcs32(bytes, start, end));
}

/** Writes an FCS value `c` little-endian (transmission order) at `bytes[at, at+4)`. */
export function putFcs(bytes: Uint8Array, at: number, c: number): void {
  bytes[at] = c & 0xff;
  bytes[at + 1] = (c >>> 8) & 0xff;
  bytes[at + 2] = (c >>> 16) & 0xff;
  bytes[at + 3] = c >>> 24;
}

/** True when the last four bytes of `frame[start, end)` are the FCS of the bytes before them. */
export function fcsValid(frame: Uint8Array, start = 0, end = frame.length): boolean {
  if (end - start < 4) return false;
  const c = fcs32(frame, start, end - 4);
  return (
    frame[end - 4] === (c & 0xff) && frame[end - 3] === ((c >>> 8) & 0xff) && frame[end - 2] === ((c >>> 16) & 0xff) && frame[end - 1] === c >>> 24
  );
}
