/**
 * The Ethernet frame check sequence: IEEE 802.3 CRC-32 over destination address to the end of
 * the payload, transmitted least significant byte first. Computed with Node's `zlib.crc32`.
 * @module
 */
import { crc32 } from 'node:zlib';

/** CRC-32 (IEEE 802.3) of `bytes[start, end)`. */
export function fcs32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}

/** Writes the FCS of `bytes[start, end)` little-endian at `bytes[end, end+4)`. */
export function appendFcs(bytes: Uint8Array, start: number, end: number): void {
  const c = fcs32(bytes, start, end);
  bytes[end] = c & 0xff;
  bytes[end + 1] = (c >>> 8) & 0xff;
  bytes[end + 2] = (c >>> 16) & 0xff;
  bytes[end + 3] = c >>> 24;
}

/** True when the last four bytes of `frame[start, end)` are the FCS of the bytes before them. */
export function fcsValid(frame: Uint8Array, start = 0, end = frame.length): boolean {
  if (end - start < 4) return false;
  const c = fcs32(frame, start, end - 4);
  return (
    frame[end - 4] === (c & 0xff) && frame[end - 3] === ((c >>> 8) & 0xff) && frame[end - 2] === ((c >>> 16) & 0xff) && frame[end - 1] === c >>> 24
  );
}
