/**
 * The `LineCodec` of each PHY: one interface over the three line codes, so the medium and the
 * fault layer can carry and damage line signals without knowing which PHY made them.
 *
 * The 100BASE-TX codec is the only stateful one: its transmit scrambler (and MLT-3 line) runs on
 * from frame to frame, as on a real link; its receiver locks afresh on the idle in front of every
 * stream. The other codecs are pure.
 * @module
 */
import { decode100BaseTx, encode100BaseTx, type Tx100State } from './base100tx.js';
import { alignCodeGroups, decode8b10bStream, encode8b10bStream } from './eightb10b.js';
import type { Slab } from '../../../sim/slab.js';
import { manchesterDecode, manchesterEncode } from './manchester.js';
import { scramblerPhase } from './scrambler.js';
import { EightB10BLineStream, ManchesterLineStream, Mlt3LineStream } from './stream.js';
import type { DecodeOptions, DecodeResult, EncodeOptions, LineCodec, LineError, LineStream, PhyKind } from './types.js';

const EMPTY = new Uint8Array(0);

function result(frames: Uint8Array[], errors: LineError[]): DecodeResult {
  return { bytes: frames[0] ?? EMPTY, frames, errors };
}

function wrongKind(kind: PhyKind, stream: LineStream): never {
  throw new TypeError(`${kind} codec cannot decode a ${stream.kind} stream`);
}

/**
 * 10BASE-T: Manchester; the stream is the MAC bytes as they are (the preamble itself is on the
 * wire, there are no delimiters). Several frames are put back to back (the inter-frame silence
 * and TP_IDL are not modelled) and decode as one byte sequence.
 */
export function createCodec10BaseT(): LineCodec {
  const encodeFrames = (frames: readonly Uint8Array[]): LineStream => {
    let n = 0;
    for (const f of frames) n += f.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const f of frames) {
      all.set(f, o);
      o += f.length;
    }
    const hb = manchesterEncode(all);
    return new ManchesterLineStream(new Int8Array(hb.buffer, hb.byteOffset, hb.length));
  };
  return {
    kind: '10BASE-T',
    encodeFrame: (macBytes) => {
      const hb = manchesterEncode(macBytes);
      return new ManchesterLineStream(new Int8Array(hb.buffer, hb.byteOffset, hb.length));
    },
    encodeFrames,
    decodeFrame: (stream) => {
      if (stream.kind !== '10BASE-T') wrongKind('10BASE-T', stream);
      const r = manchesterDecode(stream.levels);
      return result([r.bytes], r.errors);
    },
  };
}

/** Options of the 100BASE-TX codec. */
export interface Codec100Options {
  /** Non-zero 11-bit initial state of the transmit scrambler (default 0x5a5). */
  seed?: number;
  /** Initial MLT-3 state, 0–3 (default 0: level 0, next step to +1). */
  mlt3State?: number;
}

/** The 100BASE-TX codec, with its running transmitter state visible. */
export interface Codec100BaseTx extends LineCodec {
  /** Which PHY. */
  readonly kind: '100BASE-TX';
  /** Scrambler phase and MLT-3 state the next stream starts from. */
  readonly txState: Readonly<Tx100State>;
}

/** 100BASE-TX: 4B/5B + scrambler + MLT-3, with a transmit scrambler running across frames. */
export function createCodec100BaseTx(opts: Codec100Options = {}): Codec100BaseTx {
  let tx: Tx100State = { phase: scramblerPhase(opts.seed ?? 0x5a5), mlt3State: (opts.mlt3State ?? 0) & 3 };
  const encodeFrames = (frames: readonly Uint8Array[], o: EncodeOptions = {}): LineStream => {
    const scrambled = o.scramble !== false;
    const start = tx;
    const r = encode100BaseTx(frames, o, start);
    tx = r.state;
    return new Mlt3LineStream(r.levels, { scrambled, phase: start.phase, mlt3State: start.mlt3State });
  };
  return {
    kind: '100BASE-TX',
    get txState() {
      return tx;
    },
    encodeFrame: (macBytes, o) => encodeFrames([macBytes], o),
    encodeFrames,
    decodeFrame: (stream, o: DecodeOptions = {}) => {
      if (stream.kind !== '100BASE-TX') wrongKind('100BASE-TX', stream);
      const mlt3 = stream instanceof Mlt3LineStream ? stream : undefined;
      const info = mlt3?.info;
      const r = decode100BaseTx(stream.levels, {
        prevLevel: mlt3 ? mlt3.prevLevel : 0,
        scramble: o.scramble ?? info?.scrambled ?? true,
        lockVerifyBits: o.lockVerifyBits,
      });
      return result(r.frames, r.errors);
    },
  };
}

/** 1000BASE-X: 8b/10b with ordered sets; every stream starts at negative running disparity. Code groups and decoded frames come from `slab` when given. */
export function createCodec1000BaseX(slab?: Slab): LineCodec {
  const encodeFrames = (frames: readonly Uint8Array[], o: EncodeOptions = {}): LineStream =>
    EightB10BLineStream.fromCodes(encode8b10bStream(frames, o, 0, slab).codes);
  return {
    kind: '1000BASE-X',
    encodeFrame: (macBytes, o) => encodeFrames([macBytes], o),
    encodeFrames,
    decodeFrame: (stream, o: DecodeOptions = {}) => {
      if (stream.kind !== '1000BASE-X') wrongKind('1000BASE-X', stream);
      const s = stream instanceof EightB10BLineStream ? stream : EightB10BLineStream.fromLevels(stream.levels);
      const codes = s.codes;
      if (codes && !o.align) {
        const r = decode8b10bStream(codes, {}, slab);
        return result(r.frames, r.errors);
      }
      const levels = s.levels;
      if (s.aligned && !o.align) {
        const words = new Uint16Array(Math.floor(levels.length / 10));
        for (let k = 0, b = 0; k < words.length; k++) {
          let w = 0;
          for (let j = 0; j < 10; j++, b++) w = (w << 1) | (levels[b] & 1);
          words[k] = w;
        }
        const r = decode8b10bStream(words);
        return result(r.frames, r.errors);
      }
      const al = alignCodeGroups(levels);
      if (!al) {
        return result([], [{ kind: 'missing-start', index: 0, bit: 0, detail: 'no comma: code-group alignment not acquired' }]);
      }
      const r = decode8b10bStream(al.codes, { rd: al.rd, bitOffset: al.offset });
      return result(r.frames, r.errors);
    },
  };
}

/** The codec of a PHY kind (`opts` applies to 100BASE-TX; `slab`, for per-frame buffers, to 1000BASE-X). */
export function createLineCodec(kind: PhyKind, opts: Codec100Options = {}, slab?: Slab): LineCodec {
  switch (kind) {
    case '10BASE-T':
      return createCodec10BaseT();
    case '100BASE-TX':
      return createCodec100BaseTx(opts);
    case '1000BASE-X':
      return createCodec1000BaseX(slab);
    default:
      throw new RangeError(`unknown PHY kind ${String(kind)}`);
  }
}

/** Context for a stream built from raw levels. */
export interface FromLevelsOptions {
  /** 100BASE-TX: MLT-3 state before the first level (default 0, the line at 0). */
  mlt3State?: number;
  /** 100BASE-TX: whether the line is scrambled (default true). */
  scrambled?: boolean;
  /** 1000BASE-X: whether bit 0 starts a code group (default false: the decoder finds a comma). */
  aligned?: boolean;
}

/** A `LineStream` over raw line levels (copied), e.g. as sampled from a medium. */
export function lineStreamFromLevels(kind: PhyKind, levels: ArrayLike<number>, opts: FromLevelsOptions = {}): LineStream {
  const lv = Int8Array.from(levels);
  switch (kind) {
    case '10BASE-T':
      return new ManchesterLineStream(lv);
    case '100BASE-TX':
      return new Mlt3LineStream(lv, { scrambled: opts.scrambled ?? true, phase: -1, mlt3State: (opts.mlt3State ?? 0) & 3 });
    case '1000BASE-X':
      return EightB10BLineStream.fromLevels(lv, opts.aligned ?? false);
    default:
      throw new RangeError(`unknown PHY kind ${String(kind)}`);
  }
}
