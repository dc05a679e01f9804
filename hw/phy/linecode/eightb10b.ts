/**
 * 1000BASE-X 8b/10b code (IEEE 802.3 clause 36; Widmer & Franaszek). An octet `HGF EDCBA` is the
 * data character Dx.y with x = EDCBA and y = HGF; the 5b/6b sub-block encodes x into `abcdei`, the
 * 3b/4b sub-block encodes y into `fghj`, each column chosen by the running disparity (RD), and
 * code groups go on the line in the order `abcdeifghj`. Here a code group is a 10-bit number with
 * `a` in bit 9 and `j` in bit 0, and RD is 0 (negative) or 1 (positive).
 *
 * Symbols: 0–255 are data characters; control characters are `0x100 | octet` (K28.5 = 0x1BC).
 * Encoding and decoding use precomputed tables (per (octet, RD) and per (code group, RD)). The
 * data runs (a frame's octets) go through the WebAssembly SIMD kernel of eightb10b-kernel.ts when
 * the engine has it; the JavaScript loops here are the reference and the fallback, and the output
 * (code groups, frames, errors and their positions) is the same either way.
 *
 * Guarantees: the stream decoder never throws on line input; it reports invalid code groups,
 * running-disparity errors, false carrier / missing /S/ and frames without /T/R/.
 * @module
 */
import type { LineError } from './types.js';
import type { Slab } from '../../../sim/slab.js';
import { KERNEL_MAX, createEightB10BKernel, type EightB10BKernel } from './eightb10b-kernel.js';

/** 5b/6b sub-block `abcdei` for x = 0–31: [RD−, RD+] (table 36-1a). */
export const FIVE_B_SIX_B: readonly (readonly [string, string])[] = [
  ['100111', '011000'], ['011101', '100010'], ['101101', '010010'], ['110001', '110001'],
  ['110101', '001010'], ['101001', '101001'], ['011001', '011001'], ['111000', '000111'],
  ['111001', '000110'], ['100101', '100101'], ['010101', '010101'], ['110100', '110100'],
  ['001101', '001101'], ['101100', '101100'], ['011100', '011100'], ['010111', '101000'],
  ['011011', '100100'], ['100011', '100011'], ['010011', '010011'], ['110010', '110010'],
  ['001011', '001011'], ['101010', '101010'], ['011010', '011010'], ['111010', '000101'],
  ['110011', '001100'], ['100110', '100110'], ['010110', '010110'], ['110110', '001001'],
  ['001110', '001110'], ['101110', '010001'], ['011110', '100001'], ['101011', '010100'],
];

/** 3b/4b sub-block `fghj` for y = 0–7 (y = 7 is the primary P7): [RD−, RD+] (table 36-1a). */
export const THREE_B_FOUR_B: readonly (readonly [string, string])[] = [
  ['1011', '0100'], ['1001', '1001'], ['0101', '0101'], ['1100', '0011'],
  ['1101', '0010'], ['1010', '1010'], ['0110', '0110'], ['1110', '0001'],
];

/** Alternate 3b/4b sub-block A7 for Dx.7: [RD−, RD+]; used for x = 17, 18, 20 at RD− and x = 11, 13, 14 at RD+. */
export const THREE_B_FOUR_B_A7: readonly [string, string] = ['0111', '1000'];

/** The twelve valid special code groups (table 36-2): symbol, name, [RD−, RD+] as `abcdeifghj`. */
export const CONTROL_CODES: readonly { symbol: number; name: string; codes: readonly [string, string] }[] = [
  { symbol: 0x11c, name: 'K28.0', codes: ['0011110100', '1100001011'] },
  { symbol: 0x13c, name: 'K28.1', codes: ['0011111001', '1100000110'] },
  { symbol: 0x15c, name: 'K28.2', codes: ['0011110101', '1100001010'] },
  { symbol: 0x17c, name: 'K28.3', codes: ['0011110011', '1100001100'] },
  { symbol: 0x19c, name: 'K28.4', codes: ['0011110010', '1100001101'] },
  { symbol: 0x1bc, name: 'K28.5', codes: ['0011111010', '1100000101'] },
  { symbol: 0x1dc, name: 'K28.6', codes: ['0011110110', '1100001001'] },
  { symbol: 0x1fc, name: 'K28.7', codes: ['0011111000', '1100000111'] },
  { symbol: 0x1f7, name: 'K23.7', codes: ['1110101000', '0001010111'] },
  { symbol: 0x1fb, name: 'K27.7', codes: ['1101101000', '0010010111'] },
  { symbol: 0x1fd, name: 'K29.7', codes: ['1011101000', '0100010111'] },
  { symbol: 0x1fe, name: 'K30.7', codes: ['0111101000', '1000010111'] },
];

/** K28.5, the comma character that starts every /I/ ordered set. */
export const K28_5 = 0x1bc;
/** K23.7, /R/ carrier extend. */
export const K23_7 = 0x1f7;
/** K27.7, /S/ start of packet. */
export const K27_7 = 0x1fb;
/** K29.7, /T/ end of packet. */
export const K29_7 = 0x1fd;
/** K30.7, /V/ error propagation. */
export const K30_7 = 0x1fe;
/** D5.6, second character of /I1/. */
export const D5_6 = 0xc5;
/** D16.2, second character of /I2/. */
export const D16_2 = 0x50;

/** The ordered sets of clause 36 used here, as symbol sequences. */
export const ORDERED_SETS = {
  /** Start of packet. */
  S: [K27_7],
  /** End of packet. */
  T: [K29_7],
  /** Carrier extend (also pads the end of packet to an even position). */
  R: [K23_7],
  /** IDLE 1: flips a positive running disparity to negative. */
  I1: [K28_5, D5_6],
  /** IDLE 2: keeps a negative running disparity. */
  I2: [K28_5, D16_2],
} as const;

/** Name of an ordered set. */
export type OrderedSetName = keyof typeof ORDERED_SETS;

/** Flag in a decode-table entry: the symbol is a control character. */
export const DEC_CONTROL = 0x100;
/** Flag in a decode-table entry: running disparity after the code group is positive. */
export const DEC_RD_PLUS = 0x800;
/** Flag in a decode-table entry: not a valid code group in either column. */
export const DEC_INVALID = 0x1000;
/** Flag in a decode-table entry: valid only in the other running-disparity column. */
export const DEC_DISPARITY = 0x2000;

function bits(s: string): number {
  return parseInt(s, 2);
}

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

/**
 * Running disparity after a code group, by the sub-block rules of 36.2.4.4: a sub-block with
 * more ones (or 000111 / 0011) makes it positive, with more zeros (or 111000 / 1100) negative,
 * a neutral one leaves it as it was.
 */
export function runningDisparityAfter(code: number, rd: number): number {
  const six = (code >>> 4) & 63;
  const four = code & 15;
  const o6 = popcount(six);
  let r = o6 > 3 ? 1 : o6 < 3 ? 0 : six === 0b000111 ? 1 : six === 0b111000 ? 0 : rd & 1;
  const o4 = popcount(four);
  r = o4 > 2 ? 1 : o4 < 2 ? 0 : four === 0b0011 ? 1 : four === 0b1100 ? 0 : r;
  return r;
}

/** (RD << 8 | octet) → code group | RD after << 10. */
const ENC_DATA = new Uint16Array(512);
/** (RD << 8 | octet) → code group | RD after << 10 for control characters, 0 when not valid. */
const ENC_CONTROL = new Uint16Array(512);
/** (RD << 10 | code group) → symbol | DEC_* flags. */
const DEC = new Int32Array(2048);
/** (RD << 8 | octet) → code group only. */
const ENC_CODE = new Uint16Array(512);
/** Octet → 1 when its code group has non-zero disparity (the RD flips), whatever the RD. */
const FLIP = new Uint8Array(256);
/**
 * Code group → how it sets the RD, for an RD kept as the index bit 0x400 of DEC: the low half is
 * 0x400 when the group keeps the RD (else 0), the high half 0x400 when it forces RD+ (else 0);
 * next RD bit = (rd & low) | high.
 */
const RD_NEXT = new Int32Array(1024);
/** ENC_CODE as 32-bit words, so two code groups combine into one 32-bit store. */
const ENC_WORD = new Uint32Array(512);
/** Octet → 0x100 when its code group flips the RD, else 0 (the RD as an index bit of ENC_WORD). */
const FLIP_IDX = new Int32Array(256);
/** Shifts of the first and second of two code groups in a 32-bit word (memory order: little-endian machines put the first in the low half). */
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const FIRST = LE ? 0 : 16;
const SECOND = LE ? 16 : 0;
/** Longest scratch buffer the stream encoder keeps between calls (longer streams get one of their own). */
const SCRATCH_MAX = 1 << 16;

{
  const six = FIVE_B_SIX_B.map(([m, p]) => [bits(m), bits(p)]);
  const four = THREE_B_FOUR_B.map(([m, p]) => [bits(m), bits(p)]);
  const a7 = [bits(THREE_B_FOUR_B_A7[0]), bits(THREE_B_FOUR_B_A7[1])];
  for (let rd = 0; rd < 2; rd++) {
    for (let b = 0; b < 256; b++) {
      const x = b & 31;
      const y = b >> 5;
      const s6 = six[x][rd];
      const rd1 = popcount(s6) === 3 ? rd : rd ^ 1;
      const useA7 = y === 7 && (rd1 === 0 ? x === 17 || x === 18 || x === 20 : x === 11 || x === 13 || x === 14);
      const s4 = useA7 ? a7[rd1] : four[y][rd1];
      const code = (s6 << 4) | s4;
      const after = runningDisparityAfter(code, rd);
      ENC_DATA[(rd << 8) | b] = code | (after << 10);
      ENC_CODE[(rd << 8) | b] = code;
      const flip = after ^ rd;
      if (rd === 1 && flip !== FLIP[b]) throw new Error('8b/10b: disparity flip depends on RD');
      FLIP[b] = flip;
      FLIP_IDX[b] = flip << 8;
      ENC_WORD[(rd << 8) | b] = code;
    }
    for (const k of CONTROL_CODES) {
      const code = bits(k.codes[rd]);
      ENC_CONTROL[(rd << 8) | (k.symbol & 0xff)] = code | (runningDisparityAfter(code, rd) << 10);
    }
  }
  // decode table: valid in this column, valid only in the other one, or invalid
  const owner = new Int32Array(2048).fill(-1);
  const add = (rd: number, code: number, sym: number): void => {
    const prev = owner[(rd << 10) | code];
    if (prev >= 0 && prev !== sym) throw new Error('8b/10b: ambiguous code group');
    owner[(rd << 10) | code] = sym;
  };
  for (let rd = 0; rd < 2; rd++) {
    for (let b = 0; b < 256; b++) add(rd, ENC_DATA[(rd << 8) | b] & 0x3ff, b);
    for (const k of CONTROL_CODES) add(rd, ENC_CONTROL[(rd << 8) | (k.symbol & 0xff)] & 0x3ff, k.symbol);
  }
  for (let code = 0; code < 1024; code++) {
    const a0 = runningDisparityAfter(code, 0);
    const a1 = runningDisparityAfter(code, 1);
    const keeps = a0 === 0 && a1 === 1;
    RD_NEXT[code] = (keeps ? 0x400 : 0) | (!keeps && a0 === 1 ? 0x400 << 16 : 0);
  }
  for (let rd = 0; rd < 2; rd++) {
    for (let code = 0; code < 1024; code++) {
      const after = runningDisparityAfter(code, rd) ? DEC_RD_PLUS : 0;
      const here = owner[(rd << 10) | code];
      const there = owner[((rd ^ 1) << 10) | code];
      if (here >= 0 && there >= 0 && here !== there) throw new Error('8b/10b: code group decodes differently by column');
      DEC[(rd << 10) | code] = here >= 0 ? here | after : there >= 0 ? there | after | DEC_DISPARITY : after | DEC_INVALID;
    }
  }
}

/** The WebAssembly data-run loops, with their tables derived from the ones above (null without WebAssembly). */
const kernel: EightB10BKernel | null = (() => {
  const dec = new Uint32Array(1024);
  for (let c = 0; c < 1024; c++) {
    let e = 0;
    let seen = -1;
    for (let rd = 0; rd < 2; rd++) {
      const d = DEC[(rd << 10) | c];
      // the reference run (decodeDataRun) stops at an invalid group, a disparity error or a control character
      if ((d & (DEC_INVALID | DEC_DISPARITY | DEC_CONTROL)) !== 0) {
        e |= 0x100 << rd;
        continue;
      }
      const flip = (d & DEC_RD_PLUS ? 1 : 0) ^ rd;
      const t = RD_NEXT[c];
      if ((((rd << 10) & t) | (t >>> 16)) >>> 10 !== (flip ^ rd)) throw new Error('8b/10b: RD_NEXT disagrees with the decode table');
      const v = (d & 0xff) | (flip << 10);
      if (seen >= 0 && seen !== v) throw new Error('8b/10b: data group decodes differently by column');
      seen = v;
      e |= v;
    }
    dec[c] = e;
  }
  return createEightB10BKernel(ENC_CODE, dec);
})();

/** Whether this engine runs the 8b/10b data runs in WebAssembly (otherwise the JavaScript loops). */
export const EIGHT_B10B_KERNEL = kernel !== null;

let kernelOn = true;

/**
 * Switches the WebAssembly data-run loops off (false) or back on (true, when the engine has them);
 * returns the previous setting. For tests comparing them with the JavaScript reference loops;
 * the output never depends on it.
 */
export function useEightB10BKernel(on: boolean): boolean {
  const was = kernelOn;
  kernelOn = on;
  return was;
}

/**
 * Encodes one symbol (octet 0–255, or `0x100 | octet` for a control character) at running
 * disparity `rd`; returns `code | rdAfter << 10`. Throws for a control character that does not
 * exist (a programmer error).
 */
export function encodeSymbol(symbol: number, rd: number): number {
  if (symbol >= 0 && symbol < 256) return ENC_DATA[((rd & 1) << 8) | symbol];
  const e = symbol >= 0x100 && symbol < 0x200 ? ENC_CONTROL[((rd & 1) << 8) | (symbol & 0xff)] : 0;
  if (e === 0) throw new RangeError(`8b/10b: no such control character ${symbolName(symbol)}`);
  return e;
}

/**
 * Decodes one code group received at running disparity `rd`: returns the symbol (bits 0–8)
 * with `DEC_RD_PLUS`, `DEC_INVALID` and `DEC_DISPARITY` flags.
 */
export function decodeCodeGroup(code: number, rd: number): number {
  return DEC[((rd & 1) << 10) | (code & 0x3ff)];
}

/** A decoded code group, spelled out. */
export interface CodeGroupInfo {
  /** The symbol (0–255 data, 0x100|octet control); 0 when invalid. */
  symbol: number;
  /** Its name (`D21.5`, `K28.5`), or `invalid`. */
  name: string;
  /** Whether it is a control character. */
  control: boolean;
  /** Whether the code group exists in either column. */
  valid: boolean;
  /** Whether it exists only in the other running-disparity column. */
  disparityError: boolean;
  /** Running disparity after it (0 negative, 1 positive). */
  rd: number;
}

/** Decodes one code group received at running disparity `rd` into a readable record. */
export function codeGroupInfo(code: number, rd: number): CodeGroupInfo {
  const e = decodeCodeGroup(code, rd);
  const valid = (e & DEC_INVALID) === 0;
  const symbol = valid ? e & 0x1ff : 0;
  return {
    symbol,
    name: valid ? symbolName(symbol) : 'invalid',
    control: valid && (symbol & 0x100) !== 0,
    valid,
    disparityError: (e & DEC_DISPARITY) !== 0,
    rd: e & DEC_RD_PLUS ? 1 : 0,
  };
}

/** The name of a symbol: `Dx.y` or `Kx.y`. */
export function symbolName(symbol: number): string {
  return `${symbol & 0x100 ? 'K' : 'D'}${symbol & 31}.${(symbol >> 5) & 7}`;
}

/** A code group as its 10-character `abcdeifghj` bit string. */
export function codeGroupToString(code: number): string {
  return (code & 0x3ff).toString(2).padStart(10, '0');
}

/** Parses a 10-character `abcdeifghj` bit string (spaces ignored) into a code group. */
export function parseCodeGroup(s: string): number {
  const t = s.replace(/\s+/g, '');
  if (!/^[01]{10}$/.test(t)) throw new RangeError(`8b/10b: not a 10-bit code group: ${s}`);
  return parseInt(t, 2);
}

/**
 * Encodes an ordered set starting at running disparity `rd`: the code groups and the RD after.
 */
export function encodeOrderedSet(name: OrderedSetName, rd: number): { codes: number[]; rd: number } {
  const codes: number[] = [];
  let r = rd & 1;
  for (const sym of ORDERED_SETS[name]) {
    const e = encodeSymbol(sym, r);
    codes.push(e & 0x3ff);
    r = e >>> 10;
  }
  return { codes, rd: r };
}

/**
 * Position of the first comma (`0011111` or `1100000`, the first seven bits of K28.1/K28.5/K28.7)
 * in a bit stream at or after `from`, or -1. The comma's first bit is a code-group boundary.
 */
export function findComma(bitStream: ArrayLike<number>, from = 0): number {
  let w = 0;
  for (let i = from; i < bitStream.length; i++) {
    w = ((w << 1) | (bitStream[i] & 1)) & 0x7f;
    if (i - from >= 6 && (w === 0b0011111 || w === 0b1100000)) return i - 6;
  }
  return -1;
}

/** Code groups aligned on a comma. */
export interface CommaAlignment {
  /** Bit index of the comma (the first code-group boundary). */
  offset: number;
  /** Whole code groups from `offset` on. */
  codes: Uint16Array;
  /** Running disparity before the first code group, told by the comma's polarity. */
  rd: number;
}

/** Aligns a bit stream on its first comma and packs it into code groups; null without comma. */
export function alignCodeGroups(bitStream: ArrayLike<number>, from = 0): CommaAlignment | null {
  const c = findComma(bitStream, from);
  if (c < 0) return null;
  const count = Math.floor((bitStream.length - c) / 10);
  const codes = new Uint16Array(count);
  for (let k = 0, b = c; k < count; k++) {
    let w = 0;
    for (let j = 0; j < 10; j++, b++) w = (w << 1) | (bitStream[b] & 1);
    codes[k] = w;
  }
  return { offset: c, codes, rd: bitStream[c] & 1 ? 1 : 0 };
}

/** Unpacks code groups into NRZ levels (0/1), `a` first. */
export function codeGroupsToBits(codes: ArrayLike<number>): Int8Array {
  const out = new Int8Array(codes.length * 10);
  for (let k = 0, o = 0; k < codes.length; k++) {
    const c = codes[k];
    for (let j = 9; j >= 0; j--) out[o++] = (c >> j) & 1;
  }
  return out;
}

/** Options of the 8b/10b stream encoder (counts of /I/ ordered sets, two code groups each). */
export interface EightB10BStreamOptions {
  /** /I/ before the first frame (default 2). */
  idleBefore?: number;
  /** /I/ between frames (default 5: with /T/R/ the 12-code-group IPG). */
  idleBetween?: number;
  /** /I/ after the last frame (default 1, which restores negative running disparity). */
  idleAfter?: number;
}

/** Default idle counts of the 8b/10b stream encoder. */
export const EIGHT_B10B_DEFAULTS: Required<EightB10BStreamOptions> = { idleBefore: 2, idleBetween: 5, idleAfter: 1 };

/**
 * The 1000BASE-X PCS transmit stream for frames as the MAC hands them to the PHY (7×0x55, 0xD5,
 * frame, FCS), starting at running disparity `rd`: /I/ idle, then per frame /S/ in place of the
 * first preamble octet, the remaining octets, /T/R/ plus one /R/ when needed so that the next
 * ordered set starts at an even position, and idle whose first /I/ is /I1/ when the running
 * disparity is positive (restoring it to negative) and /I2/ otherwise. The code groups come from
 * `slab` when given (its pool of code-group arrays, `frameU16`, when one is free).
 */
export function encode8b10bStream(
  frames: readonly Uint8Array[],
  opts: EightB10BStreamOptions = {},
  rd = 0,
  slab?: Slab,
): { codes: Uint16Array; rd: number } {
  const idleBefore = opts.idleBefore ?? EIGHT_B10B_DEFAULTS.idleBefore;
  const idleBetween = opts.idleBetween ?? EIGHT_B10B_DEFAULTS.idleBetween;
  const idleAfter = opts.idleAfter ?? EIGHT_B10B_DEFAULTS.idleAfter;
  const k = kernelOn ? kernel : null;
  if (k === null) return encodeStreamJs(frames, idleBefore, idleBetween, idleAfter, rd, slab);
  // the exact length first (it does not depend on the running disparity), then every code group
  // goes straight into the result: ordered sets from here, data runs from the kernel
  let len = 2 * idleBefore;
  for (let fi = 0; fi < frames.length; fi++) {
    const n = frames[fi].length;
    if (n > KERNEL_MAX) return encodeStreamJs(frames, idleBefore, idleBetween, idleAfter, rd, slab);
    if (fi > 0) len += 2 * idleBetween;
    len += 3 + Math.max(0, n - 1); // /S/, octets 1…, /T/R/
    len += len & 1; // the /R/ that brings the next ordered set to an even position
  }
  len += 2 * idleAfter;
  if (len > KERNEL_MAX) return encodeStreamJs(frames, idleBefore, idleBetween, idleAfter, rd, slab);
  // the whole stream is put together in the kernel's code-group area (ordered sets from here,
  // data runs by the kernel, each octet at the index of its code group), then copied out once
  const codes = k.codes;
  let w = putIdle(codes, rd & 1, idleBefore);
  for (let fi = 0; fi < frames.length; fi++) {
    const f = frames[fi];
    if (fi > 0) w = putIdle(codes, w, idleBetween);
    w = putSymbol(codes, w, K27_7);
    const pos = w >>> 1;
    let r = w & 1;
    if (f.length > 1) {
      k.octets.set(f, pos - 1);
      r = k.encode(pos, pos + f.length - 1, r);
    }
    w = ((pos + Math.max(0, f.length - 1)) << 1) | r;
    w = putSymbol(codes, w, K29_7);
    w = putSymbol(codes, w, K23_7);
    if ((w >>> 1) & 1) w = putSymbol(codes, w, K23_7);
  }
  w = putIdle(codes, w, idleAfter);
  if (w >>> 1 !== len) throw new Error('8b/10b: stream length miscounted');
  const out = slab ? slab.frameU16(len) : new Uint16Array(len); // every word written here
  out.set(codeView(k, len));
  return { codes: out, rd: w & 1 };
}

/** Views of the kernel's memory areas, the last one of each kept (its memory never moves): steady traffic builds none. */
let codeViewLen = -1;
let codeViewLast: Uint16Array = new Uint16Array(0);
let octetViewFrom = -1;
let octetViewTo = -1;
let octetViewLast: Uint8Array = new Uint8Array(0);

/** The kernel's code groups [0, len). */
function codeView(k: EightB10BKernel, len: number): Uint16Array {
  if (len !== codeViewLen) {
    codeViewLast = k.codes.subarray(0, len);
    codeViewLen = len;
  }
  return codeViewLast;
}

/** The kernel's octets [from, to). */
function octetView(k: EightB10BKernel, from: number, to: number): Uint8Array {
  if (from !== octetViewFrom || to !== octetViewTo) {
    octetViewLast = k.octets.subarray(from, to);
    octetViewFrom = from;
    octetViewTo = to;
  }
  return octetViewLast;
}

/** The stream encoder with the JavaScript data-run loop (the reference; also the fallback). */
function encodeStreamJs(
  frames: readonly Uint8Array[],
  idleBefore: number,
  idleBetween: number,
  idleAfter: number,
  rd: number,
  slab: Slab | undefined,
): { codes: Uint16Array; rd: number } {
  let max = 2 * (idleBefore + idleAfter + Math.max(0, frames.length - 1) * idleBetween);
  for (const f of frames) max += Math.max(1, f.length) + 3;
  // The code groups go into a scratch buffer with a standing 32-bit view (the data loop stores
  // two per word), then one block copy into a fresh array of the exact length.
  const big = max > SCRATCH_MAX;
  const out = big ? new Uint16Array(max + (max & 1)) : encScratch(max);
  const words = big ? new Uint32Array(out.buffer) : encWords;
  // packed writer state: k (position) << 1 | rd
  let w = putIdle(out, rd & 1, idleBefore);
  for (let fi = 0; fi < frames.length; fi++) {
    const f = frames[fi];
    if (fi > 0) w = putIdle(out, w, idleBetween);
    w = putSymbol(out, w, K27_7);
    const k = w >>> 1;
    const r = encodeDataRun(f, out, words, k, w & 1);
    w = ((k + Math.max(0, f.length - 1)) << 1) | r;
    w = putSymbol(out, w, K29_7);
    w = putSymbol(out, w, K23_7);
    if ((w >>> 1) & 1) w = putSymbol(out, w, K23_7);
  }
  w = putIdle(out, w, idleAfter);
  const len = w >>> 1;
  const codes = slab ? slab.u16(len) : new Uint16Array(len);
  codes.set(len === out.length ? out : out.subarray(0, len));
  return { codes, rd: w & 1 };
}

/** Scratch code groups of the encoder (and a 32-bit view of the same memory), grown on demand up to SCRATCH_MAX. */
let encCodes = new Uint16Array(4096);
let encWords = new Uint32Array(encCodes.buffer);

/** The encoder's scratch, at least `n` code groups long. */
function encScratch(n: number): Uint16Array {
  if (encCodes.length < n) {
    let size = encCodes.length;
    while (size < n) size *= 2;
    encCodes = new Uint16Array(size);
    encWords = new Uint32Array(encCodes.buffer);
  }
  return encCodes;
}

/**
 * Encodes octets 1… of `f` into `out` from `k` on, starting at RD `rd`; returns the RD after.
 * `words` is a 32-bit view of `out` (same buffer, offset 0): two code groups per store.
 */
function encodeDataRun(f: Uint8Array, out: Uint16Array, words: Uint32Array, k: number, rd: number): number {
  const n = f.length;
  const enc = ENC_WORD;
  const flip = FLIP_IDX;
  let i = 1;
  let r = rd << 8; // the RD as an index bit of ENC_WORD
  if (n > 2 && k & 1) {
    // one octet alone brings the output to a 32-bit boundary
    const b = f[1];
    out[k] = enc[r | b];
    r ^= flip[b];
    i = 2;
  }
  if (((k + i - 1) & 1) === 0) {
    let w = (k + i - 1) >>> 1;
    for (; i + 1 < n; i += 2) {
      const b0 = f[i];
      const b1 = f[i + 1];
      // the next RD depends on the octets only (FLIP), which keeps the loop-carried chain short
      const r1 = r ^ flip[b0];
      words[w++] = (enc[r | b0] << FIRST) | (enc[r1 | b1] << SECOND);
      r = r1 ^ flip[b1];
    }
  }
  const d = k - 1;
  for (; i < n; i++) {
    const b = f[i];
    out[i + d] = enc[r | b];
    r ^= flip[b];
  }
  return r >>> 8;
}

/** Writes one symbol at writer state `w` (position << 1 | RD); returns the new state. */
function putSymbol(out: Uint16Array, w: number, sym: number): number {
  const e = encodeSymbol(sym, w & 1);
  out[w >>> 1] = e & 0x3ff;
  return (((w >>> 1) + 1) << 1) | (e >>> 10);
}

/** Writes `count` /I/ ordered sets, each /I1/ or /I2/ as the running disparity requires. */
function putIdle(out: Uint16Array, w: number, count: number): number {
  for (let i = 0; i < count; i++) {
    w = putSymbol(out, w, K28_5);
    // K28.5 flipped the disparity: D5.6 (neutral) keeps it negative, D16.2 flips a positive one back
    w = putSymbol(out, w, (w & 1) === 0 ? D5_6 : D16_2);
  }
  return w;
}

/** Options of the 8b/10b stream decoder. */
export interface Rx1000Options {
  /** Running disparity before the first code group (default 0, negative). */
  rd?: number;
  /** Bit position of the first code group in the line stream (for error positions; default 0). */
  bitOffset?: number;
}

/** What the 1000BASE-X receive path recovered. */
export interface Rx1000Result {
  /** Frames in order, each starting with the 0x55 that /S/ stood for. */
  frames: Uint8Array[];
  /** Errors in stream order. */
  errors: LineError[];
}

/**
 * Decodes aligned code groups: checks every group against the running-disparity column, reads
 * /I/ ordered sets while idle, a frame from /S/ to /T/R/ (restoring the preamble octet /S/
 * replaced), and reports anything else.
 */
export function decode8b10bStream(codes: ArrayLike<number>, opts: Rx1000Options = {}, slab?: Slab): Rx1000Result {
  const n = codes.length;
  const base = opts.bitOffset ?? 0;
  const frames: Uint8Array[] = [];
  const errors: LineError[] = [];
  let rd = (opts.rd ?? 0) & 1;
  let i = 0;
  // the kernel takes 16-bit code groups only (other array-likes keep the reference loop's reading)
  const k = kernelOn && kernel !== null && codes instanceof Uint16Array && n <= KERNEL_MAX ? kernel : null;
  if (k !== null) k.codes.set(codes);

  while (i < n) {
    // ---- idle
    let e = entry(rd, codes[i]);
    if (e & DEC_DISPARITY) disparity(errors, base, codes, i, e, rd);
    const sym = e & 0x1ff;
    if ((e & DEC_INVALID) === 0 && sym === K28_5) {
      rd = (e >>> 11) & 1;
      i++;
      if (i < n) {
        const e2 = entry(rd, codes[i]);
        const s2 = e2 & 0x1ff;
        if ((e2 & DEC_INVALID) === 0 && (s2 === D5_6 || s2 === D16_2)) {
          if (e2 & DEC_DISPARITY) disparity(errors, base, codes, i, e2, rd);
          rd = (e2 >>> 11) & 1;
          i++;
        } else {
          report(errors, 'invalid-code-group', base, i, `bad /I/ ordered set: K28.5 followed by ${what(codes, i, e2)}`);
        }
      }
      continue;
    }
    if ((e & DEC_INVALID) !== 0 || sym !== K27_7) {
      const kind = e & DEC_INVALID ? 'invalid-code-group' : 'missing-start';
      report(errors, kind, base, i, `false carrier: ${what(codes, i, e)} while idle (expected /I/ or /S/)`);
      // stay in false carrier until the next comma
      rd = (e >>> 11) & 1;
      i++;
      while (i < n) {
        e = entry(rd, codes[i]);
        if ((e & (DEC_INVALID | 0x1ff)) === K28_5) break;
        rd = (e >>> 11) & 1;
        i++;
      }
      continue;
    }

    // ---- frame: /S/ stands for the first preamble octet
    rd = (e >>> 11) & 1;
    i++;
    // room for every group left; with the kernel, a frame whose first run ends at a valid /T/ (the
    // usual case) gets a buffer of its exact length instead (nothing more is written into it)
    let size = n - i + 1;
    let first = -1; // the kernel's first run of the frame (stop << 1 | rd), before the buffer exists
    if (k !== null) {
      first = k.decode(i, n, rd);
      const stop = first >>> 1;
      if (stop < n && (entry(first & 1, codes[stop]) & (DEC_INVALID | DEC_DISPARITY | 0x1ff)) === K29_7) size = 1 + stop - i;
    }
    const f = slab ? slab.frame(size) : new Uint8Array(size); // only the octets written are handed out
    f[0] = 0x55;
    let fl = 1;
    for (;;) {
      // hot loop (in its own small function): valid data characters in the right column
      const st = k === null ? decodeDataRun(codes, i, rd, f, fl) : copyRun(k, first >= 0 ? first : k.decode(i, n, rd), i, f, fl);
      first = -1;
      const count = st >>> 1; // one octet per code group
      fl += count;
      i += count;
      rd = st & 1;
      if (i < n) e = entry(rd, codes[i]);
      if (i >= n) {
        report(errors, 'missing-end', base, i, 'stream ended inside a frame (no /T/R/)');
        break;
      }
      if ((e & (DEC_INVALID | 0x1ff)) === K28_5) {
        // idle inside a frame: the frame ended without /T/R/; the comma is processed as idle
        report(errors, 'missing-end', base, i, 'premature end: /I/ inside a frame (no /T/R/)');
        break;
      }
      if (e & DEC_DISPARITY) disparity(errors, base, codes, i, e, rd);
      const s = e & 0x1ff;
      if ((e & DEC_INVALID) === 0 && s === K29_7) {
        rd = (e >>> 11) & 1;
        i++;
        const e2 = i < n ? entry(rd, codes[i]) : DEC_INVALID;
        if ((e2 & (DEC_INVALID | 0x1ff)) === K23_7) {
          if (e2 & DEC_DISPARITY) disparity(errors, base, codes, i, e2, rd);
          rd = (e2 >>> 11) & 1;
          i++;
          // one more /R/ brings the next ordered set to an even position
          if (i & 1 && i < n) {
            const e3 = entry(rd, codes[i]);
            if ((e3 & (DEC_INVALID | 0x1ff)) === K23_7) {
              if (e3 & DEC_DISPARITY) disparity(errors, base, codes, i, e3, rd);
              rd = (e3 >>> 11) & 1;
              i++;
            }
          }
        } else {
          const got = i < n ? what(codes, i, e2) : 'end of stream';
          report(errors, 'missing-end', base, i, `premature end: /T/ followed by ${got}, not /R/`);
        }
        break;
      }
      if (e & DEC_INVALID || s >= 0x100) {
        report(errors, 'invalid-code-group', base, i, `${what(codes, i, e)} inside a frame`);
        f[fl++] = 0;
      } else {
        f[fl++] = s; // data with a disparity error
      }
      rd = (e >>> 11) & 1;
      i++;
    }
    frames.push(fl === f.length ? f : f.subarray(0, fl));
  }
  return { frames, errors };
}

/**
 * The decode-table entry of a received group at RD `rd`; a value wider than 10 bits (which no
 * encoder produces) is an invalid code group, with the RD after it taken from its low 10 bits.
 */
function entry(rd: number, c: number): number {
  return c >>> 10 === 0 ? DEC[(rd << 10) | c] : (DEC[(rd << 10) | (c & 0x3ff)] & DEC_RD_PLUS) | DEC_INVALID;
}

/**
 * Decodes the run of valid data characters at `i` into `f` from `fl` on; stops at the first code
 * group that is not one (or after 2^20). Returns `count << 1 | rd'`.
 */
function decodeDataRun(codes: ArrayLike<number>, i: number, rd: number, f: Uint8Array, fl: number): number {
  const n = Math.min(codes.length, i + 0x100000);
  const i0 = i;
  const d = fl - i;
  // tables and flags in locals/literals: module bindings cost a load (and a check) per use
  const dec = DEC;
  const next = RD_NEXT;
  let r = rd << 10; // the RD as DEC's index bit
  for (; i < n; i++) {
    const c = codes[i];
    if (c >>> 10 !== 0) break; // wider than 10 bits: invalid
    const e = dec[r | c];
    if ((e & 0x3100) !== 0) break; // DEC_INVALID | DEC_DISPARITY | DEC_CONTROL
    f[i + d] = e;
    // the next RD is forced by the code group or kept (RD_NEXT does not depend on it): short chain
    const t = next[c];
    r = (r & t) | (t >>> 16);
  }
  return ((i - i0) << 1) | (r >>> 10);
}

/** Copies the octets of a kernel run from `i` (its result `st`, stop << 1 | rd) into `f` from `fl` on; returns `count << 1 | rd`, as `decodeDataRun`. */
function copyRun(k: EightB10BKernel, st: number, i: number, f: Uint8Array, fl: number): number {
  const stop = st >>> 1;
  if (stop > i) f.set(octetView(k, i, stop), fl);
  return ((stop - i) << 1) | (st & 1);
}

function report(errors: LineError[], kind: LineError['kind'], base: number, i: number, detail: string): void {
  errors.push({ kind, index: i, bit: base + 10 * i, detail });
}

function what(codes: ArrayLike<number>, i: number, e: number): string {
  const c = codeGroupToString(codes[i]);
  return e & DEC_INVALID ? `invalid ${c}` : `${symbolName(e & 0x1ff)} (${c})`;
}

function disparity(errors: LineError[], base: number, codes: ArrayLike<number>, i: number, e: number, rd: number): void {
  report(errors, 'disparity', base, i, `${what(codes, i, e)} at RD${rd ? '+' : '-'}`);
}
