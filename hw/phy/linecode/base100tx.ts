/**
 * The 100BASE-TX transmit and receive pipelines, fused for speed: 4B/5B stream (J/K, T/R, idle)
 * → scrambler (x^11 + x^9 + 1) → MLT-3 levels, and back: MLT-3 transitions → descrambler lock on
 * idle → code-group alignment on /J/K/ → 4B/5B decode. Each stage also exists on its own
 * (`fourb5b.ts`, `scrambler.ts`, `mlt3.ts`); the tests check the fused path against their
 * composition.
 *
 * Speed: the transmitter works one octet (10 code bits) at a time and copies its 10 MLT-3 levels
 * from a table with 32/16-bit stores; the receiver first packs the levels' transitions into a
 * bit array four levels at a time (word-wide XOR with the previous level), then reads 10 bits
 * per octet from it. Both have a plain per-level fallback (odd start position, misaligned input,
 * big-endian host) with the same results.
 *
 * Guarantees: the decoder never throws on line input; it reports invalid code groups, descrambler
 * lock failures, false carrier / bad start-of-stream delimiter (`missing-start`) and frames that
 * end without /T/R/ (`missing-end`), each with its code-group and bit position.
 * @module
 */
import {
  BYTE_GROUPS10,
  CONTROL_GROUPS,
  FOUR_B5B_DEFAULTS,
  GROUP_DECODE,
  GROUPS10_DECODE,
  SYM_I,
  SYM_T,
  groupName,
  type FourB5BStreamOptions,
} from './fourb5b.js';
import { MLT3_LEVELS } from './mlt3.js';
import { KEY10, KEY_STREAM, SCRAMBLER_PERIOD, ZERO_KEY10, acquireScramblerLock } from './scrambler.js';
import type { LineError } from './types.js';

const P = SCRAMBLER_PERIOD;
const ZERO_KEY_STREAM = new Uint8Array(P);
const JK = (CONTROL_GROUPS.J << 5) | CONTROL_GROUPS.K;
const TR = (CONTROL_GROUPS.T << 5) | CONTROL_GROUPS.R;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * MLT-3 levels for every (state, 10 code bits) = idx, in 16-byte entries: table A holds the 10
 * levels at bytes 0–9 (for an output position ≡ 0 mod 4), table B at bytes 2–11 (≡ 2 mod 4).
 */
const LVA = new Int8Array(4096 * 16);
const LVB = new Int8Array(4096 * 16);
const LVA32 = new Uint32Array(LVA.buffer);
const LVA16 = new Uint16Array(LVA.buffer);
const LVB32 = new Uint32Array(LVB.buffer);
const LVB16 = new Uint16Array(LVB.buffer);
/** Number of ones in 10 code bits, mod 4 (how far MLT-3 moves along its cycle). */
const STEP10 = new Uint8Array(1024);
{
  for (let x = 0; x < 1024; x++) {
    let c = 0;
    for (let v = x; v; v &= v - 1) c++;
    STEP10[x] = c & 3;
  }
  for (let st0 = 0; st0 < 4; st0++) {
    for (let x = 0; x < 1024; x++) {
      let st = st0;
      const idx = (st0 << 10) | x;
      for (let j = 0; j < 10; j++) {
        if ((x >> (9 - j)) & 1) st = (st + 1) & 3;
        LVA[idx * 16 + j] = MLT3_LEVELS[st];
        LVB[idx * 16 + 2 + j] = MLT3_LEVELS[st];
      }
    }
  }
}

/** Transmitter state carried from one frame to the next. */
export interface Tx100State {
  /** Scrambler key-stream phase of the next code bit (see `scramblerPhase`). */
  phase: number;
  /** MLT-3 state (0–3) before the next code bit. */
  mlt3State: number;
}

/** Options of the 100BASE-TX transmit pipeline. */
export interface Tx100EncodeOptions extends FourB5BStreamOptions {
  /** Scramble the code bits (default true). */
  scramble?: boolean;
}

/** Where the transmitter is: output position, scrambler phase, MLT-3 state. */
class Mlt3Writer {
  readonly out16: Uint16Array;
  readonly out32: Uint32Array;

  constructor(
    readonly out: Int8Array,
    readonly key: Uint16Array,
    public k: number,
    public ph: number,
    public st: number,
  ) {
    this.out16 = new Uint16Array(out.buffer);
    this.out32 = new Uint32Array(out.buffer);
  }

  /** Writes `count` code groups `g`. */
  groups(g: number, count: number): void {
    const out = this.out;
    for (let i = 0; i < count; i++) {
      const x = g ^ (this.key[this.ph] >>> 5);
      this.ph += 5;
      if (this.ph >= P) this.ph -= P;
      let st = this.st;
      for (let j = 4; j >= 0; j--) {
        if ((x >> j) & 1) st = (st + 1) & 3;
        out[this.k++] = MLT3_LEVELS[st];
      }
      this.st = st;
    }
  }

  /** Writes two code groups given as 10 bits (first group in bits 9–5). */
  pair(c: number): void {
    const x = c ^ this.key[this.ph];
    this.ph += 10;
    if (this.ph >= P) this.ph -= P;
    const base = ((this.st << 10) | x) * 16;
    for (let j = 0; j < 10; j++) this.out[this.k + j] = LVA[base + j];
    this.k += 10;
    this.st = (this.st + STEP10[x]) & 3;
  }

  /** Writes octets 1… of `f` as data code groups (the hot loop). */
  octets(f: Uint8Array): void {
    const n = f.length;
    const key = this.key;
    // tables in locals: module bindings cost a load (and a check) per use in the loop
    const groups10 = BYTE_GROUPS10;
    const step10 = STEP10;
    const lva32 = LVA32;
    const lva16 = LVA16;
    const lvb32 = LVB32;
    const lvb16 = LVB16;
    const period = P;
    let k = this.k;
    let ph = this.ph;
    let st = this.st;
    let i = 1;
    if ((k & 1) === 0) {
      // 10 levels per octet with one 16-bit and two 32-bit stores; k alternates between ≡0 and ≡2 mod 4
      const o16 = this.out16;
      const o32 = this.out32;
      if ((k & 2) !== 0 && i < n) {
        const x = groups10[f[i++]] ^ key[ph];
        ph += 10;
        if (ph >= period) ph -= period;
        const idx = (st << 10) | x;
        o16[k >> 1] = lvb16[idx * 8 + 1];
        o32[(k + 2) >> 2] = lvb32[idx * 4 + 1];
        o32[((k + 2) >> 2) + 1] = lvb32[idx * 4 + 2];
        st = (st + step10[x]) & 3;
        k += 10;
      }
      for (; i + 1 < n; i += 2) {
        const x = groups10[f[i]] ^ key[ph];
        ph += 10;
        if (ph >= period) ph -= period;
        const idx = (st << 10) | x;
        const w = k >> 2;
        o32[w] = lva32[idx * 4];
        o32[w + 1] = lva32[idx * 4 + 1];
        o16[(k >> 1) + 4] = lva16[idx * 8 + 4];
        st = (st + step10[x]) & 3;
        const y = groups10[f[i + 1]] ^ key[ph];
        ph += 10;
        if (ph >= period) ph -= period;
        const idy = (st << 10) | y;
        o16[(k >> 1) + 5] = lvb16[idy * 8 + 1];
        o32[w + 3] = lvb32[idy * 4 + 1];
        o32[w + 4] = lvb32[idy * 4 + 2];
        st = (st + step10[y]) & 3;
        k += 20;
      }
    }
    const out = this.out;
    for (; i < n; i++) {
      const x = groups10[f[i]] ^ key[ph];
      ph += 10;
      if (ph >= period) ph -= period;
      const base = ((st << 10) | x) * 16;
      for (let j = 0; j < 10; j++) out[k + j] = LVA[base + j];
      st = (st + step10[x]) & 3;
      k += 10;
    }
    this.k = k;
    this.ph = ph;
    this.st = st;
  }
}

/**
 * Encodes frames (as the MAC hands them: preamble, SFD, frame, FCS) into MLT-3 levels, one per
 * code bit. Pure: returns the levels and the transmitter state to continue from.
 */
export function encode100BaseTx(
  frames: readonly Uint8Array[],
  opts: Tx100EncodeOptions,
  state: Tx100State,
): { levels: Int8Array; state: Tx100State } {
  const idleBefore = opts.idleBefore ?? FOUR_B5B_DEFAULTS.idleBefore;
  const idleBetween = opts.idleBetween ?? FOUR_B5B_DEFAULTS.idleBetween;
  const idleAfter = opts.idleAfter ?? FOUR_B5B_DEFAULTS.idleAfter;
  const key = opts.scramble === false ? ZERO_KEY10 : KEY10;
  let groups = idleBefore + idleAfter + Math.max(0, frames.length - 1) * idleBetween;
  for (const f of frames) groups += 2 * Math.max(1, f.length) + 2;
  const len = groups * 5;
  const out = new Int8Array(new ArrayBuffer((len + 3) & ~3), 0, len);
  const w = new Mlt3Writer(out, key, 0, state.phase, state.mlt3State & 3);

  w.groups(CONTROL_GROUPS.I, idleBefore);
  for (let fi = 0; fi < frames.length; fi++) {
    if (fi > 0) w.groups(CONTROL_GROUPS.I, idleBetween);
    w.pair(JK);
    w.octets(frames[fi]);
    w.pair(TR);
  }
  w.groups(CONTROL_GROUPS.I, idleAfter);
  return { levels: out, state: { phase: w.ph, mlt3State: w.st } };
}

/**
 * Packs the transitions of a level stream into bits, MSB first (bit i of the stream is bit
 * `31 - (i & 31)` of word `i >>> 5`): bit i is 1 when level i differs from level i-1 (level -1
 * being `prevLevel`). One spare zero word at the end lets readers look one word ahead.
 */
export function packTransitions(levels: Int8Array, prevLevel = 0): Uint32Array {
  const n = levels.length;
  const packed = new Uint32Array((n >>> 5) + 2);
  let i = 0;
  if (LITTLE_ENDIAN && (levels.byteOffset & 3) === 0) {
    // four levels per 32-bit word: XOR with the word shifted by one level gives a non-zero byte
    // exactly where the level changed; fold each byte to its low bit and gather the four bits
    const words = n >>> 2;
    const L32 = new Uint32Array(levels.buffer, levels.byteOffset, words);
    let prev = prevLevel & 0xff;
    let acc = 0;
    let j = 0;
    for (; j < words; j++) {
      const v = L32[j];
      let x = v ^ ((v << 8) | prev);
      prev = v >>> 24;
      x |= x >>> 4;
      x |= x >>> 2;
      x |= x >>> 1;
      acc = (acc << 4) | (Math.imul(x & 0x01010101, 0x08040201) >>> 24);
      if ((j & 7) === 7) {
        packed[j >>> 3] = acc;
        acc = 0;
      }
    }
    if ((j & 7) !== 0) packed[j >>> 3] = acc << (4 * (8 - (j & 7)));
    i = words * 4;
  }
  for (; i < n; i++) {
    if (levels[i] !== (i > 0 ? levels[i - 1] : prevLevel)) packed[i >>> 5] |= 0x80000000 >>> (i & 31);
  }
  return packed;
}

/** Options of the 100BASE-TX receive pipeline. */
export interface Rx100Options {
  /** Level on the line before the first level of the stream (default 0). */
  prevLevel?: number;
  /** Whether the line is scrambled (default true). */
  scramble?: boolean;
  /** Bits verified after loading the descrambler state (default 29, at least 11 is sensible). */
  lockVerifyBits?: number;
}

/** What the 100BASE-TX receive pipeline recovered. */
export interface Rx100Result {
  /** Frames in order, each starting with the 0x55 that /J/K/ stood for. */
  frames: Uint8Array[];
  /** Errors in stream order. */
  errors: LineError[];
}

/** Random access to the received code bits of a level stream (packed transitions). */
class Rx100Line {
  constructor(
    readonly bits: Uint32Array,
    readonly key10: Uint16Array,
  ) {}

  /** Received (scrambled) code bit i. */
  bitAt(i: number): number {
    return (this.bits[i >>> 5] >>> (31 - (i & 31))) & 1;
  }

  /** The descrambled 5-bit code group at bit p, whose first bit has key phase `phase`. */
  read5(p: number, phase: number): number {
    return (read10(this.bits, p) >>> 5) ^ (this.key10[phase] >>> 5);
  }
}

/** Ten received bits starting at bit p (needs one readable word after p's). */
function read10(bits: Uint32Array, p: number): number {
  const w = p >>> 5;
  const off = p & 31;
  const v = off > 22 ? (bits[w] << off) | (bits[w + 1] >>> (32 - off)) : bits[w] << off;
  return v >>> 22;
}

/**
 * Decodes the run of data octets at bit p into `f` from `fl` on; stops before the first pair of
 * code groups that is not two data groups, or when fewer than 10 bits remain. Returns the count.
 */
function decodeOctetRun(bits: Uint32Array, n: number, p: number, ph: number, key10: Uint16Array, f: Uint8Array, fl: number): number {
  const fl0 = fl;
  const dec = GROUPS10_DECODE;
  const period = P;
  for (; p + 10 <= n; p += 10) {
    const w = p >>> 5;
    const off = p & 31;
    const v = off > 22 ? (bits[w] << off) | (bits[w + 1] >>> (32 - off)) : bits[w] << off;
    const b = dec[(v >>> 22) ^ key10[ph]];
    if (b < 0) break;
    f[fl++] = b;
    ph += 10;
    if (ph >= period) ph -= period;
  }
  return fl - fl0;
}

function adv(phase: number, d: number): number {
  const q = phase + d;
  return q >= P ? q - P : q < 0 ? q + P : q;
}

function report(errors: LineError[], kind: LineError['kind'], bit: number, detail: string): void {
  errors.push({ kind, index: Math.floor(bit / 5), bit, detail });
}

/**
 * Decodes MLT-3 levels: locks the descrambler on idle, finds each /J/K/ in the bit stream (two
 * ones before the first zero after idle), decodes 4B/5B until /T/R/, and keeps looking for more.
 */
export function decode100BaseTx(levels: Int8Array, opts: Rx100Options = {}): Rx100Result {
  const n = levels.length;
  const frames: Uint8Array[] = [];
  const errors: LineError[] = [];
  const scrambled = opts.scramble !== false;
  const key = scrambled ? KEY_STREAM : ZERO_KEY_STREAM;
  const key10 = scrambled ? KEY10 : ZERO_KEY10;
  const bits = packTransitions(levels, opts.prevLevel ?? 0);
  const line = new Rx100Line(bits, key10);

  let pos = 0;
  let ph = 0;
  if (scrambled) {
    const lock = acquireScramblerLock((i) => line.bitAt(i), 0, n, opts.lockVerifyBits ?? 29);
    if (lock.failures.length > 0) {
      const f = lock.failures[0];
      report(errors, 'scrambler-lock', f, `descrambler lock verification failed at bit ${f} (${lock.failures.length} failed attempts)`);
    }
    if (!lock.locked) {
      report(errors, 'scrambler-lock', n, 'descrambler never locked: no scrambled idle long enough');
      return { frames, errors };
    }
    pos = lock.at;
    ph = lock.phase;
  }

  for (;;) {
    // idle: look for the first zero
    while (pos < n && (line.bitAt(pos) ^ key[ph]) === 1) {
      pos++;
      ph = ph + 1 === P ? 0 : ph + 1;
    }
    if (pos >= n) break;
    const s = pos - 2;
    const phs = adv(ph, -2);
    const ssd = s >= 0 && s + 10 <= n ? read10(bits, s) ^ key10[phs] : -1;
    if (ssd !== JK) {
      const detail = ssd < 0 ? 'false carrier at the edge of the stream' : `false carrier: expected /J/K/, got ${groupName(ssd >> 5)} ${groupName(ssd & 31)}`;
      report(errors, 'missing-start', Math.max(0, s), detail);
      // wait for idle again (10 ones) before looking for the next start
      let ones = 0;
      while (pos < n && ones < 10) {
        ones = (line.bitAt(pos) ^ key[ph]) === 1 ? ones + 1 : 0;
        pos++;
        ph = ph + 1 === P ? 0 : ph + 1;
      }
      continue;
    }

    // frame
    let p = s + 10;
    ph = adv(phs, 10);
    const f = new Uint8Array(((n - p) / 10 | 0) + 2);
    f[0] = 0x55;
    let fl = 1;
    let low = -1; // pending low nibble
    for (;;) {
      if (low < 0) {
        const count = decodeOctetRun(bits, n, p, ph, key10, f, fl);
        fl += count;
        p += 10 * count;
        ph = (ph + 10 * count) % P;
      }
      if (p + 5 > n) {
        report(errors, 'missing-end', p, 'stream ended inside a frame (no /T/R/)');
        pos = n;
        break;
      }
      const g = line.read5(p, ph);
      const v = GROUP_DECODE[g];
      if (v >= 0 && v < 16) {
        if (low < 0) low = v;
        else {
          f[fl++] = low | (v << 4);
          low = -1;
        }
        p += 5;
        ph = adv(ph, 5);
        continue;
      }
      if (v === SYM_T) {
        const r = p + 10 <= n ? line.read5(p + 5, adv(ph, 5)) : -1;
        if (r === CONTROL_GROUPS.R) {
          pos = p + 10;
          ph = adv(ph, 10);
        } else {
          const got = r < 0 ? 'end of stream' : groupName(r);
          report(errors, 'missing-end', p + 5, `premature end: /T/ followed by ${got}, not /R/`);
          pos = p + 5;
          ph = adv(ph, 5);
        }
        break;
      }
      if (v === SYM_I) {
        report(errors, 'missing-end', p, 'premature end: /I/ inside a frame (no /T/R/)');
        pos = p;
        break;
      }
      report(errors, 'invalid-code-group', p, `${groupName(g)} inside a frame`);
      if (low < 0) low = 0;
      else {
        f[fl++] = low;
        low = -1;
      }
      p += 5;
      ph = adv(ph, 5);
    }
    frames.push(f.subarray(0, fl));
  }
  return { frames, errors };
}
