/**
 * Fault injectors: seeded, deterministic middleware for one direction of a medium
 * (`cable.use(0, bitErrors(sim, { ber: 1e-6 }))`). Several on one direction compose in the order
 * they were added; each sees the frames the previous one passed on.
 *
 * Guarantees:
 * - All randomness comes from `sim.rng(name)`: the same seed, name and traffic give the same
 *   faults, and adding an injector never perturbs another's stream. Named injectors get the
 *   stream of their name; unnamed ones a unique name from `sim.uniqueName` (so creation order
 *   matters for unnamed injectors).
 * - Frames are never mutated (traces and senders hold references): damage goes into a copy of
 *   `bytes` (frame fidelity) or a new line stream from `flipBit` (signal fidelity), carried by a
 *   new frame object with the same `id`.
 * - Every injected fault is one `fault` trace event naming the frame; a flipped bit also carries
 *   its position (bit k of the line: octet k >> 3, bit k & 7, LSB first as Ethernet transmits; or
 *   code bit k of the symbols), so a bit can be followed to the counter that caught it.
 * - Random error models cost time per error (and per burst state change), not per bit: the
 *   distance to the next error is drawn from a geometric distribution and carried across frames.
 *
 * In signal fidelity (frames with `symbols`) the bit-error models damage code bits of the line
 * stream over its `bitCount` (idle included) and leave `bytes` alone, since the receiving PHY
 * decodes the symbols.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { Nanos } from '../sim/time.js';
import type { FrameMiddleware } from './medium/cable.js';
import { frameDurationNs, type WireFrame } from './medium/types.js';
import { flipBit, createLineCodec, type LineCodec, type LineStream, type PhyKind } from './phy/linecode/index.js';
import { findFrameStart, FCS_LEN } from './mac/framing.js';
import { appendFcs } from './mac/fcs.js';

declare module '../sim/trace.js' {
  interface TraceEventMap {
    /** A fault injector damaged, dropped, duplicated or delayed a frame. */
    fault: { fault: 'bit' | 'symbol' | 'drop' | 'duplicate' | 'delay' | 'corrupt'; frameId: number; position?: number; detail?: string };
  }
}

/** Counters of one injector. */
export interface FaultStats {
  /** Frames that entered the injector. */
  frames: number;
  /** Faults injected: bits flipped, or frames dropped, duplicated or delayed. */
  faults: number;
}

/** A fault injector: a {@link FrameMiddleware} with its name (trace source and random stream) and counters. */
export interface FaultInjector extends FrameMiddleware {
  /** Trace source and random stream name. */
  readonly faultName: string;
  /** Live counters. */
  readonly stats: FaultStats;
}

/** Options of {@link bitErrors}. */
export interface BitErrorOptions {
  /** Bit error rate, 0 ≤ ber ≤ 1: each line bit (or code bit) is inverted independently with this probability. */
  ber: number;
  /** Trace source and random stream name (default `bitErrorsN`). */
  name?: string;
}

/** Options of {@link gilbertElliott}. */
export interface GilbertElliottOptions {
  /** Probability, per bit, of moving from the good to the bad state. */
  pGoodToBad: number;
  /** Probability, per bit, of moving from the bad to the good state. */
  pBadToGood: number;
  /** Bit error rate in the good state. */
  berGood: number;
  /** Bit error rate in the bad state. */
  berBad: number;
  /** Trace source and random stream name (default `gilbertElliottN`). */
  name?: string;
}

/** One scripted flip: bit `bit` of frame `frame`'s line bytes, or code bit `symbol` of its line stream. */
export type ScriptedFlip = { frame: number; bit: number } | { frame: number; symbol: number };

/** Options of {@link dropFrames} and {@link duplicateFrames}. */
export interface FrameSelectOptions {
  /** Probability that each frame is chosen (drawn per frame when given). */
  probability?: number;
  /** 1-based numbers of the frames (counted as they enter this injector) that are always chosen. */
  frames?: number[];
  /** Trace source and random stream name. */
  name?: string;
}

/** Options of {@link delayFrames}. */
export interface DelayOptions {
  /** Fixed extra delay, ns. */
  ns: Nanos;
  /** Up to this much more, uniform per frame (integer ns; default 0). */
  jitterNs?: Nanos;
  /** Trace source and random stream name (default `delayFramesN`). */
  name?: string;
}

const IPG_BITS = 96;

function checkProbability(p: number, what: string): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${what} must be a probability in [0, 1], got ${p}`);
}

function checkNanos(t: number, what: string): void {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`${what} must be a non-negative integer number of ns, got ${t}`);
}

function lineStreamOf(frame: WireFrame): LineStream | undefined {
  const s = frame.symbols as LineStream | undefined;
  return s !== undefined && s !== null && typeof s.bitCount === 'number' ? s : undefined;
}

/** Names an injector; `handsOnOnce` when it passes each frame on at most once and keeps none (see {@link FrameMiddleware}). */
function makeInjector(name: string, stats: FaultStats, mw: FrameMiddleware, handsOnOnce = false): FaultInjector {
  return Object.assign(mw, { faultName: name, stats, handsOnOnce });
}

/**
 * A copy of `frame` with the given line bit positions (ascending) inverted: in `symbols` when the
 * frame carries a line stream, otherwise in a copy of `bytes`. Traces one fault per bit, with
 * `details[i]` (or `detail`) as its detail.
 */
function damage(sim: Simulator, source: string, frame: WireFrame, stream: LineStream | undefined, positions: readonly number[], detail?: string, details?: readonly string[]): WireFrame {
  const trace = sim.trace;
  const fault = stream !== undefined ? 'symbol' : 'bit';
  let bytes = frame.bytes;
  let s = stream;
  if (s === undefined) bytes = bytes.slice();
  for (let i = 0; i < positions.length; i++) {
    const k = positions[i];
    if (s !== undefined) s = flipBit(s, k);
    else bytes[k >>> 3] ^= 1 << (k & 7);
    if (trace.active) {
      const d = details?.[i] ?? detail;
      trace.emit('fault', source, d === undefined ? { fault, frameId: frame.id, position: k } : { fault, frameId: frame.id, position: k, detail: d });
    }
  }
  return s !== undefined ? changedCopy(frame, { symbols: s }) : changedCopy(frame, { bytes });
}

/** A copy of `frame` with `changes`, never pooled (its bytes are not the sender's buffer, or not only its). */
function changedCopy(frame: WireFrame, changes: Partial<WireFrame>): WireFrame {
  const { pooledBy: _pooled, ...rest } = frame;
  return { ...rest, ...changes };
}

/**
 * Independent bit errors at a bit error rate. The number of error-free bits before the next error
 * is geometric(ber); the remainder carries over to the next frame, so the work per frame is
 * constant plus one draw per error. Frame fidelity flips line bits of `bytes` (preamble to FCS);
 * signal fidelity flips code bits of `symbols` with `flipBit`.
 */
export function bitErrors(sim: Simulator, opts: BitErrorOptions): FaultInjector {
  const ber = opts.ber;
  checkProbability(ber, 'ber');
  const name = opts.name ?? sim.uniqueName('bitErrors');
  const rng = sim.rng(name);
  const stats: FaultStats = { frames: 0, faults: 0 };
  let gap = rng.geometric(ber); // error-free bits before the next error (Infinity when ber = 0)
  return makeInjector(name, stats, (frame, next) => {
    stats.frames++;
    const stream = lineStreamOf(frame);
    const n = stream !== undefined ? stream.bitCount : frame.bytes.length * 8;
    if (gap >= n) {
      gap -= n;
      next(frame);
      return;
    }
    const positions: number[] = [];
    let k = gap;
    while (k < n) {
      positions.push(k);
      k += 1 + rng.geometric(ber);
    }
    gap = k - n;
    stats.faults += positions.length;
    next(damage(sim, name, frame, stream, positions));
  }, true);
}

/**
 * The Gilbert–Elliott burst error model, evaluated per bit: a two-state Markov chain (good, bad)
 * with its own bit error rate in each state; after every bit the chain moves to the other state
 * with `pGoodToBad` (from good) or `pBadToGood` (from bad). It starts in the good state and runs
 * on across frames (the idle between frames is not counted: the chain advances only over bits
 * that pass). Sampled by sojourn: the bits left in the current state are 1 + geometric(p_leave),
 * the error gap within a state geometric(ber_state), redrawn on every state change (both are
 * memoryless, so this is exact). Flipped bits are traced with `detail` `'good'` or `'bad'`.
 */
export function gilbertElliott(sim: Simulator, opts: GilbertElliottOptions): FaultInjector {
  checkProbability(opts.pGoodToBad, 'pGoodToBad');
  checkProbability(opts.pBadToGood, 'pBadToGood');
  checkProbability(opts.berGood, 'berGood');
  checkProbability(opts.berBad, 'berBad');
  const name = opts.name ?? sim.uniqueName('gilbertElliott');
  const rng = sim.rng(name);
  const stats: FaultStats = { frames: 0, faults: 0 };
  let bad = false;
  let stateLeft = 1 + rng.geometric(opts.pGoodToBad); // bits left in the current state
  let gap = rng.geometric(opts.berGood); // error-free bits before the next error in this state
  return makeInjector(name, stats, (frame, next) => {
    stats.frames++;
    const stream = lineStreamOf(frame);
    const n = stream !== undefined ? stream.bitCount : frame.bytes.length * 8;
    let positions: number[] | null = null;
    let states: string[] | null = null;
    let pos = 0;
    while (pos < n) {
      const segStart = pos;
      const end = Math.min(n, pos + stateLeft);
      while (pos + gap < end) {
        const k = pos + gap;
        (positions ??= []).push(k);
        (states ??= []).push(bad ? 'bad' : 'good');
        pos = k + 1;
        gap = rng.geometric(bad ? opts.berBad : opts.berGood);
      }
      gap -= end - pos;
      stateLeft -= end - segStart;
      pos = end;
      if (stateLeft === 0) {
        bad = !bad;
        stateLeft = 1 + rng.geometric(bad ? opts.pBadToGood : opts.pGoodToBad);
        gap = rng.geometric(bad ? opts.berBad : opts.berGood);
      }
    }
    if (positions === null) {
      next(frame);
      return;
    }
    stats.faults += positions.length;
    const f = damage(sim, name, frame, stream, positions, undefined, states!);
    next(f);
  }, true);
}

/**
 * Flips exactly the listed bits: `{ frame: n, bit: k }` inverts line bit k of `bytes` of the n-th
 * frame to enter this injector (1-based), `{ frame: n, symbol: k }` code bit k of its `symbols`.
 * A position beyond the frame, or a `symbol` entry for a frame without symbols, is skipped with a
 * `log` warning. (In signal fidelity the receiver decodes the symbols: use `symbol` there.)
 */
export function scriptedFlips(sim: Simulator, script: readonly ScriptedFlip[], opts: { name?: string } = {}): FaultInjector {
  const byFrame = new Map<number, { bits: number[]; symbols: number[] }>();
  for (const s of script) {
    const k = 'bit' in s ? s.bit : s.symbol;
    if (!Number.isSafeInteger(s.frame) || s.frame < 1) throw new RangeError(`scripted flip: frame must be a 1-based frame number, got ${s.frame}`);
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`scripted flip: bit position must be an integer ≥ 0, got ${k}`);
    let e = byFrame.get(s.frame);
    if (e === undefined) byFrame.set(s.frame, (e = { bits: [], symbols: [] }));
    ('bit' in s ? e.bits : e.symbols).push(k);
  }
  const name = opts.name ?? sim.uniqueName('scriptedFlips');
  const stats: FaultStats = { frames: 0, faults: 0 };
  const warn = (message: string) => {
    if (sim.trace.active) sim.trace.emit('log', name, { level: 'warn', message });
  };
  return makeInjector(name, stats, (frame, next) => {
    const n = ++stats.frames;
    const e = byFrame.get(n);
    if (e === undefined) {
      next(frame);
      return;
    }
    let f = frame;
    const nBits = frame.bytes.length * 8;
    const bits = [...new Set(e.bits)].sort((a, b) => a - b).filter((k) => k < nBits || (warn(`frame ${n} (id ${frame.id}) has ${nBits} line bits: bit ${k} not flipped`), false));
    if (bits.length > 0) {
      stats.faults += bits.length;
      f = damage(sim, name, f, undefined, bits, 'scripted');
    }
    if (e.symbols.length > 0) {
      const stream = lineStreamOf(frame);
      if (stream === undefined) warn(`frame ${n} (id ${frame.id}) carries no symbols: code bits ${e.symbols.join(', ')} not flipped`);
      else {
        const sym = [...new Set(e.symbols)].sort((a, b) => a - b).filter((k) => k < stream.bitCount || (warn(`frame ${n} (id ${frame.id}) has ${stream.bitCount} code bits: code bit ${k} not flipped`), false));
        if (sym.length > 0) {
          stats.faults += sym.length;
          f = damage(sim, name, f, stream, sym, 'scripted');
        }
      }
    }
    next(f);
  }, true);
}

/** One scripted corruption: octet `byte` (0 = the first octet of the destination address) of the `frame`-th frame. */
export interface ScriptedCorruption {
  /** 1-based number of the frame as it enters the injector. */
  frame: number;
  /** Octet of the frame, counted from the destination address (FCS excluded). */
  byte: number;
  /** XOR mask applied to the octet (default 0xff: every bit inverted). */
  mask?: number;
}

/**
 * A faulty store-and-forward device: damages the listed octets and writes a fresh, valid FCS over
 * the damaged frame — what a router or switch does when its memory corrupts a frame between the
 * receive side's FCS check and the transmit side's FCS generation. The receiver's MAC accepts the
 * frame; only an end-to-end check (the IP header checksum, the UDP or TCP checksum) can catch it.
 * In signal fidelity the frame's symbols are encoded again from the damaged octets, so the line
 * carries a well-formed code. An octet beyond the frame is skipped with a `log` warning. One
 * `fault` event (`corrupt`, position = octet) per damaged octet.
 */
export function corruptFrames(sim: Simulator, script: readonly ScriptedCorruption[], opts: { name?: string } = {}): FaultInjector {
  const byFrame = new Map<number, ScriptedCorruption[]>();
  for (const c of script) {
    if (!Number.isSafeInteger(c.frame) || c.frame < 1) throw new RangeError(`scripted corruption: frame must be a 1-based frame number, got ${c.frame}`);
    if (!Number.isSafeInteger(c.byte) || c.byte < 0) throw new RangeError(`scripted corruption: byte must be an integer ≥ 0, got ${c.byte}`);
    const mask = c.mask ?? 0xff;
    if (!Number.isInteger(mask) || mask < 1 || mask > 0xff) throw new RangeError(`scripted corruption: mask must be 1…255, got ${mask}`);
    byFrame.set(c.frame, [...(byFrame.get(c.frame) ?? []), c]);
  }
  const name = opts.name ?? sim.uniqueName('corruptFrames');
  const stats: FaultStats = { frames: 0, faults: 0 };
  const codecs = new Map<PhyKind, LineCodec>();
  return makeInjector(name, stats, (frame, next) => {
    const n = ++stats.frames;
    const list = byFrame.get(n);
    if (list === undefined) return void next(frame);
    const start = findFrameStart(frame.bytes);
    const end = frame.bytes.length - FCS_LEN;
    const bytes = frame.bytes.slice();
    let hit = 0;
    for (const c of list) {
      const at = start + c.byte;
      if (start < 0 || at >= end) {
        if (sim.trace.active) sim.trace.emit('log', name, { level: 'warn', message: `frame ${n} (id ${frame.id}) has ${Math.max(0, end - start)} octets before its FCS: octet ${c.byte} not damaged` });
        continue;
      }
      const before = bytes[at];
      bytes[at] ^= c.mask ?? 0xff;
      hit++;
      if (sim.trace.active) sim.trace.emit('fault', name, { fault: 'corrupt', frameId: frame.id, position: c.byte, detail: `octet ${c.byte}: 0x${before.toString(16).padStart(2, '0')} → 0x${bytes[at].toString(16).padStart(2, '0')}, FCS computed again over the damaged frame` });
    }
    if (hit === 0) return void next(frame);
    stats.faults += hit;
    appendFcs(bytes, start, end);
    const stream = lineStreamOf(frame);
    if (stream === undefined) return void next(changedCopy(frame, { bytes }));
    let codec = codecs.get(stream.kind);
    if (codec === undefined) codecs.set(stream.kind, (codec = createLineCodec(stream.kind)));
    next(changedCopy(frame, { bytes, symbols: codec.encodeFrame(bytes) }));
  }, true);
}

/** A per-frame selector: scripted frame numbers, then a random draw (only when a probability is given). */
function selector(sim: Simulator, opts: FrameSelectOptions, name: string): (n: number) => 'scripted' | 'random' | null {
  const p = opts.probability ?? 0;
  checkProbability(p, 'probability');
  const frames = new Set(opts.frames ?? []);
  for (const n of frames) if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`frames must hold 1-based frame numbers, got ${n}`);
  const rng = sim.rng(name);
  return (n) => {
    // Draw for every frame when random, scripted or not, so the stream stays aligned with the traffic.
    const hit = p > 0 && rng.chance(p);
    return frames.has(n) ? 'scripted' : hit ? 'random' : null;
  };
}

/** Drops the listed frames (1-based, as they enter) and, with `probability`, random others. */
export function dropFrames(sim: Simulator, opts: FrameSelectOptions = {}): FaultInjector {
  const name = opts.name ?? sim.uniqueName('dropFrames');
  const pick = selector(sim, opts, name);
  const stats: FaultStats = { frames: 0, faults: 0 };
  return makeInjector(name, stats, (frame, next) => {
    const why = pick(++stats.frames);
    if (why === null) {
      next(frame);
      return;
    }
    stats.faults++;
    if (sim.trace.active) sim.trace.emit('fault', name, { fault: 'drop', frameId: frame.id, detail: why });
  }, true);
}

/**
 * Passes every frame and, for the selected ones, a copy right behind it: the copy gets a new frame
 * id and starts one frame duration plus the 96-bit gap after the original (it may then overlap a
 * frame the sender sent back to back; the medium does not check). Downstream injectors count the
 * copy as a frame of its own.
 */
export function duplicateFrames(sim: Simulator, opts: FrameSelectOptions = {}): FaultInjector {
  const name = opts.name ?? sim.uniqueName('duplicateFrames');
  const pick = selector(sim, opts, name);
  const stats: FaultStats = { frames: 0, faults: 0 };
  return makeInjector(name, stats, (frame, next) => {
    const why = pick(++stats.frames);
    next(frame);
    if (why === null) return;
    stats.faults++;
    const copy = changedCopy(frame, { id: sim.nextId('frame'), txStart: frame.txStart + frameDurationNs(frame.bytes.length, frame.bitTimeNs) + IPG_BITS * frame.bitTimeNs });
    if (sim.trace.active) sim.trace.emit('fault', name, { fault: 'duplicate', frameId: frame.id, detail: `${why}: copy is frame ${copy.id}` });
    next(copy);
  });
}

/**
 * Delays every frame by `ns` plus a uniform 0..`jitterNs`: the frame passes on `delay` ns later
 * (through `sim.schedule`) with its `txStart` moved by the same amount, so it arrives exactly that
 * much later. With jitter, frames can overtake each other (reordering), and a delayed frame may
 * overlap the next one at the receiver; pulling the cable still loses delayed frames.
 */
export function delayFrames(sim: Simulator, opts: DelayOptions): FaultInjector {
  checkNanos(opts.ns, 'ns');
  const jitter = opts.jitterNs ?? 0;
  checkNanos(jitter, 'jitterNs');
  const name = opts.name ?? sim.uniqueName('delayFrames');
  const rng = sim.rng(name);
  const stats: FaultStats = { frames: 0, faults: 0 };
  return makeInjector(name, stats, (frame, next) => {
    stats.frames++;
    const d = opts.ns + (jitter > 0 ? rng.int(0, jitter) : 0);
    if (d === 0) {
      next(frame);
      return;
    }
    stats.faults++;
    if (sim.trace.active) sim.trace.emit('fault', name, { fault: 'delay', frameId: frame.id, detail: `+${d} ns` });
    const moved = changedCopy(frame, { txStart: frame.txStart + d });
    sim.schedule(d, () => next(moved));
  });
}
