/**
 * 10BASE-T Manchester code (IEEE 802.3 clause 7/14 convention): every bit is two half-bits with a
 * transition at mid-bit; a 1 is low→high (`01`), a 0 is high→low (`10`). Bytes go on the line
 * least-significant bit first. Plus the link-integrity normal link pulses (NLP) sent while idle.
 *
 * Guarantees: `manchesterEncode` never throws; `manchesterDecode` never throws on line input and
 * reports every half-bit pair without a mid-bit transition as a code violation.
 * @module
 */
import type { LineError } from './types.js';

/** Half-bit levels per byte: 8 bits × 2 half-bits, LSB first. */
const BYTE_HALVES = (() => {
  const t = new Uint8Array(256 * 16);
  for (let b = 0; b < 256; b++) {
    for (let k = 0; k < 8; k++) {
      const bit = (b >> k) & 1;
      t[b * 16 + 2 * k] = bit ^ 1;
      t[b * 16 + 2 * k + 1] = bit;
    }
  }
  return t;
})();

/** The same table viewed as 32-bit words (4 half-bits each), for a word-wise copy. */
const BYTE_HALVES32 = new Uint32Array(BYTE_HALVES.buffer);

/** Encodes bytes into Manchester half-bit levels (0/1), 16 per byte, LSB first. */
export function manchesterEncode(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out32 = new Uint32Array(n * 4);
  const tab = BYTE_HALVES32;
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const t = bytes[i] << 2;
    out32[o] = tab[t];
    out32[o + 1] = tab[t + 1];
    out32[o + 2] = tab[t + 2];
    out32[o + 3] = tab[t + 3];
  }
  return new Uint8Array(out32.buffer);
}

/** Result of Manchester decoding: the bytes and the code violations. */
export interface ManchesterDecodeResult {
  /** Whole bytes recovered (LSB first); trailing bits of an incomplete byte are dropped. */
  bytes: Uint8Array;
  /** One `code-violation` per half-bit pair with no mid-bit transition, indexed by bit. */
  errors: LineError[];
}

/**
 * Decodes Manchester half-bit levels (anything non-zero counts as high). A pair without a mid-bit
 * transition is a code violation; its bit is taken from the second half-bit.
 */
export function manchesterDecode(levels: ArrayLike<number>): ManchesterDecodeResult {
  const nBits = levels.length >> 1;
  const nBytes = nBits >> 3;
  const bytes = new Uint8Array(nBytes);
  const errors: LineError[] = [];
  let bi = 0;
  for (let i = 0; i < nBytes; i++) {
    let v = 0;
    for (let k = 0; k < 8; k++, bi++) {
      const a = levels[2 * bi] === 0 ? 0 : 1;
      const b = levels[2 * bi + 1] === 0 ? 0 : 1;
      if (a === b) errors.push(violation(bi, a));
      v |= b << k;
    }
    bytes[i] = v;
  }
  // a trailing incomplete byte still gets its pairs checked
  for (; bi < nBits; bi++) {
    const a = levels[2 * bi] === 0 ? 0 : 1;
    const b = levels[2 * bi + 1] === 0 ? 0 : 1;
    if (a === b) errors.push(violation(bi, a));
  }
  return { bytes, errors };
}

function violation(bit: number, level: number): LineError {
  return { kind: 'code-violation', index: bit, bit: 2 * bit, detail: level ? '11' : '00' };
}

/** Width of one normal link pulse (NLP), in ns. */
export const NLP_PULSE_WIDTH_NS = 100;
/** Nominal interval between link pulses, in ns (16 ms). */
export const NLP_INTERVAL_NS = 16_000_000;
/** Allowed deviation of the interval, in ns (± 8 ms, i.e. 8–24 ms). */
export const NLP_JITTER_NS = 8_000_000;

/** Options of `nlpPulseTimes`. */
export interface NlpOptions {
  /** Time of the first pulse (default `fromNs`). */
  firstAt?: number;
  /** Nominal interval (default 16 ms). */
  intervalNs?: number;
  /** Maximum deviation from the interval (default 8 ms); used only with `random`. */
  jitterNs?: number;
  /** Seeded uniform source in [0, 1); without it the pulses are exactly `intervalNs` apart. */
  random?: () => number;
}

/**
 * Start times (integer ns) of the 100 ns link-integrity pulses a 10BASE-T transmitter sends during
 * idle in the window [fromNs, toNs): one every 16 ms ± 8 ms.
 */
export function nlpPulseTimes(fromNs: number, toNs: number, opts: NlpOptions = {}): number[] {
  const interval = opts.intervalNs ?? NLP_INTERVAL_NS;
  const jitter = opts.jitterNs ?? NLP_JITTER_NS;
  const out: number[] = [];
  let t = opts.firstAt ?? fromNs;
  if (interval <= 0) throw new RangeError('nlpPulseTimes: intervalNs must be positive');
  while (t < toNs) {
    if (t >= fromNs) out.push(t);
    const dev = opts.random ? Math.round((2 * opts.random() - 1) * jitter) : 0;
    t += Math.max(1, interval + dev);
  }
  return out;
}
