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

/** The longest frame {@link lineFcsValid} remembers a preamble correction for (a jumbo frame with FCS). */
const MAX_LINE_CORRECTION = 16384 + 4;

/** Slicing-by-8 tables of the reflected polynomial 0xEDB88320: table t at [256 t, 256 t + 256) (for CRC-32 loops eight bytes at a time). */
export const CRC32_SLICE8: Int32Array = (() => {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  return t;
})();
const T = CRC32_SLICE8;

/** The CRC-32 register `c` (start −1, not inverted) after eight more octets, given as two little-endian words (slicing-by-8). */
export function crc32Step8(c: number, w0: number, w1: number): number {
  const a = c ^ w0;
  return T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^ T[768 + (w1 & 0xff)] ^ T[512 + ((w1 >>> 8) & 0xff)] ^ T[256 + ((w1 >>> 16) & 0xff)] ^ T[w1 >>> 24];
}

function crcShort(b: Uint8Array, start: number, end: number): number {
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c = crc32Step8(c, b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24), b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24));
  }
  for (; i < end; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Copies `n` octets from 32-bit little-endian words (`words[w…]`, e.g. host memory's) to
 * `out[at…]` and returns their CRC-32 (the FCS value), in one pass: for short frames, where a
 * word load serves both the copy and the CRC. Reads whole words: the caller makes sure the last
 * one, ⌈n / 4⌉ words from `w`, is inside `words`.
 */
export function copyFcsFromWords(out: Uint8Array, at: number, words: Int32Array, w: number, n: number): number {
  let c = -1;
  let i = 0;
  for (; i + 8 <= n; i += 8, w += 2) {
    const w0 = words[w];
    const w1 = words[w + 1];
    const o = at + i;
    out[o] = w0;
    out[o + 1] = w0 >>> 8;
    out[o + 2] = w0 >>> 16;
    out[o + 3] = w0 >>> 24;
    out[o + 4] = w1;
    out[o + 5] = w1 >>> 8;
    out[o + 6] = w1 >>> 16;
    out[o + 7] = w1 >>> 24;
    c = crc32Step8(c, w0, w1);
  }
  // 0–7 octets left, from the next one or two words (i is a multiple of 8 here)
  for (let v = 0; i < n; i++) {
    if ((i & 3) === 0) v = words[w++];
    const b = v & 0xff;
    v >>>= 8;
    out[at + i] = b;
    c = T[(c ^ b) & 0xff] ^ (c >>> 8);
  }
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

/** CRC-32 of any frame followed by its own correct FCS (IEEE 802.3's "magic" residue). */
export const FCS_RESIDUE = 0x2144df1c;

/** The line image's preamble and SFD (7 × 0x55, 0xD5) whose CRC contribution {@link lineFcsValid} removes. */
const PREAMBLE = new Uint8Array([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5]);

/** Per frame length L: crc(preamble ‖ M) XOR crc(M) for any M of L bytes (it depends on L only), or -1 until computed. */
const prefixCorrection = new Float64Array(MAX_LINE_CORRECTION + 1).fill(-1);

/**
 * CRC-32 is affine in its starting state, so prepending the fixed preamble changes the CRC of an
 * L-byte message by a value that depends on L alone: crc(P ‖ M) ⊕ crc(M) = crc(P ‖ 0^L) ⊕ crc(0^L).
 * Computed once per length (two CRCs over zeros), then remembered.
 */
function correctionFor(len: number): number {
  let c = prefixCorrection[len];
  if (c < 0) {
    const zeros = new Uint8Array(len + PREAMBLE.length);
    const plain = crc32(zeros.subarray(0, len)) >>> 0;
    zeros.set(PREAMBLE);
    c = (crc32(zeros) ^ plain) >>> 0;
    prefixCorrection[len] = c;
  }
  return c;
}

/**
 * Whether the frame in a whole line image — exactly the 8 octets of preamble and SFD, then the
 * frame with its FCS — has a correct FCS. One CRC over the whole image (no view of the frame part
 * to build), with the preamble's contribution removed algebraically; the same verdict as
 * `fcsValid(line, 8)` for every input.
 */
export function lineFcsValid(line: Uint8Array): boolean {
  const len = line.length - PREAMBLE.length;
  if (len < 4) return false;
  if (len < SHORT || len > MAX_LINE_CORRECTION) return fcsValid(line, PREAMBLE.length, line.length);
  return ((crc32(line) ^ correctionFor(len)) >>> 0) === FCS_RESIDUE;
}
