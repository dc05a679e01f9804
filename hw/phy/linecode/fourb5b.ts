/**
 * 100BASE-X 4B/5B block code (IEEE 802.3 clause 24, table 24-1). Each nibble becomes a 5-bit code
 * group, the low nibble of a byte first; the leftmost bit of a code group as written in the table
 * is transmitted first, and is bit 4 of the numbers used here.
 *
 * The PCS stream: the first preamble octet becomes the start-of-stream delimiter /J/K/, the frame
 * ends with the end-of-stream delimiter /T/R/, and idle is /I/ (all ones).
 * @module
 */

/** Code group of each data nibble 0x0–0xF. */
export const DATA_GROUPS: readonly number[] = [
  0b11110, 0b01001, 0b10100, 0b10101, 0b01010, 0b01011, 0b01110, 0b01111,
  0b10010, 0b10011, 0b10110, 0b10111, 0b11010, 0b11011, 0b11100, 0b11101,
];

/** Control code groups: idle, start-of-stream J/K, end-of-stream T/R, transmit error H. */
export const CONTROL_GROUPS = {
  I: 0b11111,
  J: 0b11000,
  K: 0b10001,
  T: 0b01101,
  R: 0b00111,
  H: 0b00100,
} as const;

/** Name of a control code group. */
export type ControlGroupName = keyof typeof CONTROL_GROUPS;

/** The ten code groups that are neither data nor control (00000 is also line-quiet). */
export const INVALID_GROUPS: readonly number[] = [
  0b00000, 0b00001, 0b00010, 0b00011, 0b00101, 0b00110, 0b01000, 0b01100, 0b10000, 0b11001,
];

/** Meaning of one received 5-bit code group. */
export type FiveBSymbol =
  | { kind: 'data'; nibble: number }
  | { kind: 'control'; name: ControlGroupName }
  | { kind: 'invalid' };

/** Control symbol codes used by the decode table (after the 16 nibbles). */
export const SYM_I = 16;
/** Decode-table code of /J/. */
export const SYM_J = 17;
/** Decode-table code of /K/. */
export const SYM_K = 18;
/** Decode-table code of /T/. */
export const SYM_T = 19;
/** Decode-table code of /R/. */
export const SYM_R = 20;
/** Decode-table code of /H/. */
export const SYM_H = 21;
const CONTROL_NAMES: readonly ControlGroupName[] = ['I', 'J', 'K', 'T', 'R', 'H'];

/** 5-bit code group → nibble 0–15, control code 16–21 (`SYM_*`), or -1 when invalid. */
export const GROUP_DECODE: Int8Array = (() => {
  const t = new Int8Array(32).fill(-1);
  DATA_GROUPS.forEach((g, n) => (t[g] = n));
  CONTROL_NAMES.forEach((name, k) => (t[CONTROL_GROUPS[name]] = 16 + k));
  return t;
})();

/** Ten code bits (two groups, low nibble's group first in bits 9–5) for each byte. */
export const BYTE_GROUPS10: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) t[b] = (DATA_GROUPS[b & 15] << 5) | DATA_GROUPS[b >> 4];
  return t;
})();

/** Two code groups (10 bits, first group in bits 9–5) → byte, or -1 unless both are data. */
export const GROUPS10_DECODE: Int16Array = (() => {
  const t = new Int16Array(1024).fill(-1);
  for (let b = 0; b < 256; b++) t[BYTE_GROUPS10[b]] = b;
  return t;
})();

/** Classifies a received 5-bit code group. */
export function classifyGroup(code: number): FiveBSymbol {
  const v = GROUP_DECODE[code & 31];
  if (v < 0) return { kind: 'invalid' };
  if (v < 16) return { kind: 'data', nibble: v };
  return { kind: 'control', name: CONTROL_NAMES[v - 16] };
}

/** A code group as its 5-character bit string, first transmitted bit first. */
export function groupToString(code: number): string {
  return (code & 31).toString(2).padStart(5, '0');
}

/** Name of a code group for messages: `/I/`, `/J/`…, the nibble in hex, or `invalid(01000)`. */
export function groupName(code: number): string {
  const v = GROUP_DECODE[code & 31];
  if (v < 0) return `invalid(${groupToString(code)})`;
  if (v < 16) return `data(${v.toString(16).toUpperCase()})`;
  return `/${CONTROL_NAMES[v - 16]}/`;
}

/** Encodes bytes into data code groups, two per byte, low nibble first. */
export function encodeNibbles(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = DATA_GROUPS[bytes[i] & 15];
    out[2 * i + 1] = DATA_GROUPS[bytes[i] >> 4];
  }
  return out;
}

/** Options of the 4B/5B stream encoder (counts of /I/ code groups). */
export interface FourB5BStreamOptions {
  /** /I/ groups before the first frame (default 10, enough for the descrambler to lock). */
  idleBefore?: number;
  /** /I/ groups between frames, after /T/R/ (default 22: with /T/R/ the 96-bit IPG). */
  idleBetween?: number;
  /** /I/ groups after the last frame (default 2). */
  idleAfter?: number;
}

/** Default idle counts of the 4B/5B stream encoder. */
export const FOUR_B5B_DEFAULTS: Required<FourB5BStreamOptions> = { idleBefore: 10, idleBetween: 22, idleAfter: 2 };

/**
 * The 100BASE-X PCS transmit stream for frames as the MAC hands them to the PHY (7×0x55, 0xD5,
 * frame, FCS): idle, then per frame /J/K/ in place of the first preamble octet, the remaining
 * octets as data groups, /T/R/, and idle between frames.
 */
export function encode4b5bStream(frames: readonly Uint8Array[], opts: FourB5BStreamOptions = {}): Uint8Array {
  const o = { ...FOUR_B5B_DEFAULTS, ...opts };
  let n = o.idleBefore + o.idleAfter + Math.max(0, frames.length - 1) * o.idleBetween;
  for (const f of frames) n += 2 * Math.max(1, f.length) + 2;
  const out = new Uint8Array(n);
  let k = 0;
  const idle = (count: number) => {
    for (let i = 0; i < count; i++) out[k++] = CONTROL_GROUPS.I;
  };
  idle(o.idleBefore);
  frames.forEach((f, fi) => {
    if (fi > 0) idle(o.idleBetween);
    out[k++] = CONTROL_GROUPS.J;
    out[k++] = CONTROL_GROUPS.K;
    for (let i = 1; i < f.length; i++) {
      out[k++] = DATA_GROUPS[f[i] & 15];
      out[k++] = DATA_GROUPS[f[i] >> 4];
    }
    out[k++] = CONTROL_GROUPS.T;
    out[k++] = CONTROL_GROUPS.R;
  });
  idle(o.idleAfter);
  return out;
}

/** Serialises code groups into code bits (0/1), first transmitted bit first. */
export function groupsToBits(groups: ArrayLike<number>): Uint8Array {
  const bits = new Uint8Array(groups.length * 5);
  for (let i = 0; i < groups.length; i++) {
    for (let j = 0; j < 5; j++) bits[5 * i + j] = (groups[i] >> (4 - j)) & 1;
  }
  return bits;
}
