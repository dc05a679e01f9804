/**
 * The three `LineStream` implementations and the fault functions that derive a damaged copy of a
 * stream (one code bit or one level changed). Streams are treated as immutable: every fault
 * function returns a new stream and leaves its argument alone.
 *
 * Representations: Manchester and MLT-3 streams hold their levels (what is on the wire); an
 * 8b/10b stream holds its code groups as 10-bit numbers and unpacks levels only when asked (its
 * NRZ levels are exactly its code bits). `codeGroups` strings are built on first access.
 * @module
 */
import { codeGroupToString } from './eightb10b.js';
import { MLT3_LEVELS, mlt3Decode, mlt3NextState } from './mlt3.js';
import { KEY_STREAM, SCRAMBLER_PERIOD, descramblerLock, scramblerAdvance } from './scrambler.js';
import type { LineStream } from './types.js';

/** A 10BASE-T stream: Manchester half-bit levels (0/1), two per bit. */
export class ManchesterLineStream implements LineStream {
  /** Always '10BASE-T'. */
  readonly kind = '10BASE-T' as const;
  /** Two half-bits per bit. */
  readonly bitsPerGroup = 2;
  private groups: string[] | null = null;

  /** Wraps half-bit levels (not copied). */
  constructor(
    /** Half-bit levels, 0 low and 1 high. */
    readonly levels: Int8Array,
  ) {}

  /** Number of half-bits. */
  get bitCount(): number {
    return this.levels.length;
  }

  /** Number of whole bits (half-bit pairs). */
  get groupCount(): number {
    return this.levels.length >> 1;
  }

  /** Half-bit pairs: "01" for a 1, "10" for a 0, "00"/"11" for a code violation. */
  get codeGroups(): readonly string[] {
    if (!this.groups) {
      const g: string[] = new Array(this.groupCount);
      const L = this.levels;
      for (let k = 0; k < g.length; k++) g[k] = `${L[2 * k] ? 1 : 0}${L[2 * k + 1] ? 1 : 0}`;
      this.groups = g;
    }
    return this.groups;
  }
}

/** How a 100BASE-TX stream was produced (what its `codeGroups` need to undo the scrambler). */
export interface Mlt3StreamInfo {
  /** Whether the code bits were scrambled. */
  scrambled: boolean;
  /** Key-stream phase of the first code bit, or -1 when unknown (then found by locking). */
  phase: number;
  /** MLT-3 state (0–3) before the first level; its level is the line before the stream. */
  mlt3State: number;
}

/** A 100BASE-TX stream: MLT-3 levels (-1/0/+1), one per code bit, after the scrambler. */
export class Mlt3LineStream implements LineStream {
  /** Always '100BASE-TX'. */
  readonly kind = '100BASE-TX' as const;
  /** Five code bits per 4B/5B group. */
  readonly bitsPerGroup = 5;
  private groups: string[] | null = null;

  /** Wraps MLT-3 levels (not copied). */
  constructor(
    /** MLT-3 levels. */
    readonly levels: Int8Array,
    /** Scrambler and MLT-3 context. */
    readonly info: Mlt3StreamInfo,
  ) {}

  /** Number of code bits. */
  get bitCount(): number {
    return this.levels.length;
  }

  /** Number of whole 5-bit code groups. */
  get groupCount(): number {
    return Math.floor(this.levels.length / 5);
  }

  /** The line level before the first level of the stream. */
  get prevLevel(): number {
    return MLT3_LEVELS[this.info.mlt3State & 3];
  }

  /** The received code bits, descrambled when the stream is scrambled (and the key is known or lockable). */
  codeBits(): Uint8Array {
    const bits = mlt3Decode(this.levels, this.prevLevel);
    if (!this.info.scrambled) return bits;
    let phase = this.info.phase;
    if (phase < 0) {
      const lock = descramblerLock(bits);
      if (!lock.locked) return bits;
      phase = scramblerAdvance(lock.phase, -lock.at);
    }
    for (let i = 0; i < bits.length; i++) {
      bits[i] ^= KEY_STREAM[phase];
      phase = phase + 1 === SCRAMBLER_PERIOD ? 0 : phase + 1;
    }
    return bits;
  }

  /** 5-bit code groups before the scrambler, grouped from the first level of the stream. */
  get codeGroups(): readonly string[] {
    if (!this.groups) {
      const bits = this.codeBits();
      const g: string[] = new Array(this.groupCount);
      for (let k = 0; k < g.length; k++) {
        let s = '';
        for (let j = 0; j < 5; j++) s += bits[5 * k + j];
        g[k] = s;
      }
      this.groups = g;
    }
    return this.groups;
  }
}

/** A 1000BASE-X stream: 8b/10b code groups; its levels are the NRZ code bits (0/1). */
export class EightB10BLineStream implements LineStream {
  /** Always '1000BASE-X'. */
  readonly kind = '1000BASE-X' as const;
  /** Ten code bits per code group. */
  readonly bitsPerGroup = 10;
  private words: Uint16Array | null;
  private lv: Int8Array | null;
  private groups: string[] | null = null;

  private constructor(
    words: Uint16Array | null,
    lv: Int8Array | null,
    /** Whether bit 0 is a code-group boundary (false: the decoder must find a comma). */
    readonly aligned: boolean,
  ) {
    this.words = words;
    this.lv = lv;
  }

  /** A stream of aligned code groups (not copied), the first encoded at negative disparity. */
  static fromCodes(codes: Uint16Array): EightB10BLineStream {
    return new EightB10BLineStream(codes, null, true);
  }

  /** A stream of NRZ levels (not copied); `aligned` tells whether bit 0 starts a code group. */
  static fromLevels(levels: Int8Array, aligned = false): EightB10BLineStream {
    return new EightB10BLineStream(null, levels, aligned);
  }

  /** Number of code bits. */
  get bitCount(): number {
    return this.lv ? this.lv.length : this.words!.length * 10;
  }

  /** Number of whole code groups (counted from bit 0). */
  get groupCount(): number {
    return Math.floor(this.bitCount / 10);
  }

  /** Whether the levels have been materialised (then they are the truth, in-place edits included). */
  get hasLevels(): boolean {
    return this.lv !== null;
  }

  /** The code groups when the stream was built from them and its levels never materialised. */
  get codes(): Uint16Array | null {
    return this.lv ? null : this.words;
  }

  /** NRZ levels (0/1), unpacked on first access. */
  get levels(): Int8Array {
    if (!this.lv) {
      const w = this.words!;
      const out = new Int8Array(w.length * 10);
      for (let k = 0, o = 0; k < w.length; k++) {
        const c = w[k];
        for (let j = 9; j >= 0; j--) out[o++] = (c >> j) & 1;
      }
      this.lv = out;
    }
    return this.lv;
  }

  /** Code groups as `abcdeifghj` strings, grouped from bit 0 (unaligned streams: raw 10-bit slices). */
  get codeGroups(): readonly string[] {
    if (!this.groups) {
      const g: string[] = new Array(this.groupCount);
      const w = this.codes;
      if (w) {
        for (let k = 0; k < g.length; k++) g[k] = codeGroupToString(w[k]);
      } else {
        const L = this.levels;
        for (let k = 0; k < g.length; k++) {
          let s = '';
          for (let j = 0; j < 10; j++) s += L[10 * k + j] ? '1' : '0';
          g[k] = s;
        }
      }
      this.groups = g;
    }
    return this.groups;
  }
}

function checkIndex(stream: LineStream, i: number, count: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) {
    throw new RangeError(`${stream.kind}: ${what} ${i} out of range [0, ${count})`);
  }
}

/**
 * A copy of `stream` with code bit `i` (in transmission order) inverted, as if the error happened
 * before the line coding: a Manchester half-bit, a 4B/5B code bit (the MLT-3 levels after it are
 * re-derived, i.e. one transition added or removed), or an 8b/10b code bit.
 */
export function flipBit(stream: LineStream, i: number): LineStream {
  checkIndex(stream, i, stream.bitCount, 'bit');
  if (stream instanceof Mlt3LineStream) {
    const L = stream.levels;
    const out = L.slice();
    let st = stream.info.mlt3State & 3;
    for (let j = 0; j < i; j++) st = mlt3NextState(st, L[j]);
    const old = L[i] !== (i > 0 ? L[i - 1] : stream.prevLevel);
    const delta = old ? 3 : 1; // remove a step (−1 mod 4) or add one
    for (let j = i; j < L.length; j++) {
      st = mlt3NextState(st, L[j]);
      out[j] = MLT3_LEVELS[(st + delta) & 3];
    }
    return new Mlt3LineStream(out, stream.info);
  }
  if (stream instanceof EightB10BLineStream) {
    const w = stream.codes;
    if (w && stream.aligned) {
      const copy = w.slice();
      copy[Math.floor(i / 10)] ^= 1 << (9 - (i % 10));
      return EightB10BLineStream.fromCodes(copy);
    }
    const lv = stream.levels.slice();
    lv[i] ^= 1;
    return EightB10BLineStream.fromLevels(lv, stream.aligned);
  }
  if (stream instanceof ManchesterLineStream) {
    const lv = stream.levels.slice();
    lv[i] = lv[i] ? 0 : 1;
    return new ManchesterLineStream(lv);
  }
  throw new TypeError('flipBit: not a stream from this module');
}

/** A copy of `stream` with bit `bit` of code group `group` inverted (see `flipBit`). */
export function flipCodeGroupBit(stream: LineStream, group: number, bit: number): LineStream {
  checkIndex(stream, group, stream.groupCount, 'code group');
  checkIndex(stream, bit, stream.bitsPerGroup, 'bit in code group');
  return flipBit(stream, group * stream.bitsPerGroup + bit);
}

/** A copy of `stream` with level `i` set to `value` (a level error on the wire). */
export function setLevel(stream: LineStream, i: number, value: number): LineStream {
  checkIndex(stream, i, stream.bitCount, 'level');
  const lv = stream.levels.slice();
  lv[i] = value;
  if (stream instanceof Mlt3LineStream) return new Mlt3LineStream(lv, stream.info);
  if (stream instanceof EightB10BLineStream) return EightB10BLineStream.fromLevels(lv, stream.aligned);
  if (stream instanceof ManchesterLineStream) return new ManchesterLineStream(lv);
  throw new TypeError('setLevel: not a stream from this module');
}

/**
 * A copy of `stream` with level `i` changed: 0↔1 on two-level lines (Manchester, 8b/10b NRZ);
 * on MLT-3 a non-zero level becomes 0 and 0 becomes +1.
 */
export function flipLevel(stream: LineStream, i: number): LineStream {
  checkIndex(stream, i, stream.bitCount, 'level');
  const v = stream.levels[i];
  if (stream.kind === '100BASE-TX') return setLevel(stream, i, v === 0 ? 1 : 0);
  return setLevel(stream, i, v ? 0 : 1);
}
