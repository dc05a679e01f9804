/**
 * What the MAC adds around a frame on transmit and looks for on receive: a 7-octet preamble of
 * 0x55 (alternating 1s and 0s, LSB first), the start frame delimiter 0xD5, and the FCS.
 * @module
 */
import { appendFcs, copyFcsFromWords, fcs32, putFcs } from './fcs.js';
import { onesComplementSum } from './checksum.js';
import type { Slab } from '../../sim/slab.js';

/** The preamble octet (10101010 on the wire, LSB first). */
export const PREAMBLE_OCTET = 0x55;
/** The start frame delimiter octet (10101011 on the wire). */
export const SFD = 0xd5;
/** Preamble + SFD length in octets. */
export const PREAMBLE_SFD_LEN = 8;
/** Minimum frame length without FCS (padding target). */
export const MIN_FRAME_NO_FCS = 60;
/** Minimum frame length with FCS. */
export const MIN_FRAME = 64;
/** Maximum untagged frame length with FCS. */
export const MAX_FRAME = 1518;
/** Maximum VLAN-tagged frame length with FCS (what the 8254x accepts without LPE). */
export const MAX_FRAME_TAGGED = 1522;
/** Largest frame accepted with RCTL.LPE. */
export const MAX_JUMBO_FRAME = 16384;
/** FCS length in octets. */
export const FCS_LEN = 4;

/** A checksum the MAC inserts while serializing: offsets into the frame (without preamble). */
export interface ChecksumInsert {
  /** Where the 16-bit result is stored (big-endian). */
  cso: number;
  /** First byte summed. */
  css: number;
  /** Last byte summed (inclusive); 0 or absent: to the end of the frame. */
  cse?: number;
}

/**
 * Serializes a frame as the MAC puts it on the line: preamble, SFD, the frame padded with zeros
 * to 60 octets when `pad`, and the FCS when `appendCrc`. Each checksum insertion (first `insertChecksum`,
 * then `second`) stores the ones' complement of the 16-bit ones' complement sum of its range at its
 * offset; one whose range or offset falls outside the frame is skipped. Returns a buffer of its
 * own: fresh, or with `slab` (a simulator's `sim.slab`) from its frame pool ({@link Slab.frame};
 * every byte is written here).
 */
export function serializeFrame(frame: Uint8Array, appendCrc: boolean, pad: boolean, insertChecksum?: ChecksumInsert | null, second?: ChecksumInsert | null, slab?: Slab): Uint8Array {
  return serializeRange(frame, 0, frame.length, appendCrc, pad, insertChecksum, second, slab);
}

/** Below this many octets a frame is copied with a loop (cheaper than a view and `set()`): {@link copyOctets}, and the adapter's word paths. */
export const SHORT_COPY = 128;

/**
 * Copies `src[from, from + n)` to `dst[at…]`: a byte loop for a short run at integer offsets (an
 * address read from a Float64Array is a double, and a double index costs a conversion per byte),
 * else a view and `set()`.
 */
export function copyOctets(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  const a = at | 0;
  const f = from | 0;
  if (n < SHORT_COPY && a === at && f === from) for (let j = 0; j < n; j++) dst[a + j] = src[f + j];
  else dst.set(from === 0 && n === src.length ? src : src.subarray(from, from + n), at);
}

/** {@link serializeFrame} of the frame `src[from, from + len)` (no view of it is made for a short frame). */
export function serializeRange(src: Uint8Array, from: number, len: number, appendCrc: boolean, pad: boolean, insertChecksum?: ChecksumInsert | null, second?: ChecksumInsert | null, slab?: Slab): Uint8Array {
  const out = lineBuffer(len, appendCrc, pad, slab);
  copyOctets(out, PREAMBLE_SFD_LEN, src, from, len);
  if (appendCrc && !insertChecksum && !second && out.length === PREAMBLE_SFD_LEN + len + FCS_LEN) {
    putFcs(out, PREAMBLE_SFD_LEN + len, fcs32(out, PREAMBLE_SFD_LEN, PREAMBLE_SFD_LEN + len)); // over the bytes just copied
    return out;
  }
  finishLine(out, len, appendCrc, insertChecksum, second);
  return out;
}

/**
 * {@link serializeRange} of a frame that starts at a 4-aligned address of memory seen as 32-bit
 * little-endian words (`words[w…]`, `len` octets; the caller makes sure ⌈len / 4⌉ words are
 * there): for short frames, where reading words and computing the FCS while copying saves a pass.
 */
export function serializeFromWords(words: Int32Array, w: number, len: number, appendCrc: boolean, pad: boolean, insertChecksum?: ChecksumInsert | null, second?: ChecksumInsert | null, slab?: Slab): Uint8Array {
  const out = lineBuffer(len, appendCrc, pad, slab);
  const fcs = copyFcsFromWords(out, PREAMBLE_SFD_LEN, words, w, len);
  if (appendCrc && !insertChecksum && !second && out.length === PREAMBLE_SFD_LEN + len + FCS_LEN) putFcs(out, PREAMBLE_SFD_LEN + len, fcs);
  else finishLine(out, len, appendCrc, insertChecksum, second);
  return out;
}

/**
 * A line buffer for a frame of `frameLen` octets (padded with zeros to 60 when `pad`, room for the
 * FCS when `appendCrc`) with the preamble, SFD and padding written; the caller writes the frame at
 * offset 8 and then calls {@link finishLine}. From `slab`'s frame pool when given (old bytes: the
 * caller must write every frame octet).
 */
export function lineBuffer(frameLen: number, appendCrc: boolean, pad: boolean, slab?: Slab): Uint8Array {
  const body = pad && frameLen < MIN_FRAME_NO_FCS ? MIN_FRAME_NO_FCS : frameLen;
  const n = PREAMBLE_SFD_LEN + body + (appendCrc ? FCS_LEN : 0);
  const out = slab ? slab.frame(n) : new Uint8Array(n); // from the pool: old bytes, all overwritten below
  for (let i = 0; i < 7; i++) out[i] = PREAMBLE_OCTET; // (a loop costs less than fill() for 7 bytes)
  out[7] = SFD;
  if (body !== frameLen) out.fill(0, PREAMBLE_SFD_LEN + frameLen, PREAMBLE_SFD_LEN + body); // padding
  return out;
}

/**
 * Completes a line buffer from {@link lineBuffer} holding a `frameLen`-octet frame: the checksum
 * insertions (as in {@link serializeFrame}), then the FCS over the (padded) frame when `appendCrc`.
 */
export function finishLine(out: Uint8Array, frameLen: number, appendCrc: boolean, insertChecksum?: ChecksumInsert | null, second?: ChecksumInsert | null): void {
  // The 8254x checksum insertion (legacy IC, or IXSM/TXSM with a context descriptor): software
  // preloads any pseudo-header sum into the checksum field.
  if (insertChecksum) insertSum(out, frameLen, insertChecksum);
  if (second) insertSum(out, frameLen, second);
  if (appendCrc) appendFcs(out, PREAMBLE_SFD_LEN, out.length - FCS_LEN);
}

function insertSum(out: Uint8Array, len: number, c: ChecksumInsert): void {
  const end = c.cse ? Math.min(c.cse + 1, len) : len;
  if (c.css >= end || c.cso + 2 > len) return;
  const o = PREAMBLE_SFD_LEN;
  const v = ~onesComplementSum(out, o + c.css, o + end) & 0xffff;
  out[o + c.cso] = v >>> 8;
  out[o + c.cso + 1] = v & 0xff;
}

/**
 * Finds the SFD at the end of a preamble and returns the index of the first frame octet, or -1
 * when there is no SFD. As a real receiver, it tolerates a shortened preamble (at least one
 * preamble octet, as some preamble bits are lost while the receiver locks).
 */
export function findFrameStart(line: Uint8Array): number {
  let i = 0;
  while (i < line.length && line[i] === PREAMBLE_OCTET) i++;
  if (i === 0 || i >= line.length || line[i] !== SFD) return -1;
  return i + 1;
}
