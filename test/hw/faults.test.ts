/**
 * Fault injectors: determinism, statistics of the random models, exact placement of scripted
 * flips (followed to the adapter counter that catches them), drop/duplicate/delay, composition
 * order, and that no injector ever mutates a frame it was given.
 */
import { describe, expect, test } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Nanos } from '../../sim/time.js';
import { Cable } from '../../hw/medium/cable.js';
import type { Endpoint, LinkSignal, MediumLink, WireFrame } from '../../hw/medium/types.js';
import { bitErrors, delayFrames, dropFrames, duplicateFrames, gilbertElliott, scriptedFlips, type FaultInjector } from '../../hw/faults.js';
import { serializeFrame, PREAMBLE_SFD_LEN } from '../../hw/mac/framing.js';
import { createLineCodec, type LineStream } from '../../hw/phy/linecode/index.js';
import { MAC_A, MAC_B, R, ethFrame, nicWithRawPeer, rd } from './helpers.js';

let nextId = 1;

/** A line of `len` frame octets (with preamble, SFD and FCS) as a frame-fidelity WireFrame. */
function wire(len = 1514, seed = 0, txStart = 0): WireFrame {
  return { id: nextId++, bytes: serializeFrame(ethFrame(MAC_B, MAC_A, len, seed), true, false), bitTimeNs: 1, txStart, sender: 'test' };
}

/** Runs frames through one middleware synchronously; returns what came out. */
function through(mw: (f: WireFrame, next: (g: WireFrame) => void) => void, frames: WireFrame[]): WireFrame[] {
  const out: WireFrame[] = [];
  for (const f of frames) mw(f, (g) => out.push(g));
  return out;
}

function faultEvents(events: TraceEvent[]): Extract<TraceEvent, { kind: 'fault' }>[] {
  return events.filter((e): e is Extract<TraceEvent, { kind: 'fault' }> => e.kind === 'fault');
}

/** Bit positions where `a` and `b` differ (LSB first within each octet). */
function diffBits(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i];
    for (let j = 0; j < 8; j++) if (x & (1 << j)) out.push(i * 8 + j);
  }
  return out;
}

/** Records arrivals with their times. */
class Sink implements Endpoint {
  readonly got: { frame: WireFrame; at: Nanos }[] = [];
  constructor(
    private readonly sim: Simulator,
    readonly name = 'sink',
  ) {}
  plugged(link: MediumLink | null): void {
    link?.signal({ autoneg: true, anar: 0x01e1, gtcr: 0x0300, speed: 1000, duplex: 'full', msSeed: 1 } satisfies LinkSignal);
  }
  partnerSignal(): void {}
  receive(frame: WireFrame): void {
    this.got.push({ frame, at: this.sim.now });
  }
}

/** A sender and a {@link Sink} on a 1 m cable (5 ns), with the injectors on the sender → sink direction. */
function wireUp(make: (sim: Simulator) => FaultInjector[]) {
  const sim = new Simulator({ seed: 9 });
  const dst = new Sink(sim, 'dst');
  let link: MediumLink | null = null;
  const sender: Endpoint = { name: 'src', plugged: (l) => (link = l), partnerSignal: () => {}, receive: () => {} };
  const cable = new Cable(sim).connect(sender, dst);
  const injectors = make(sim);
  for (const mw of injectors) cable.use(0, mw);
  const send = (f: WireFrame) => link!.send(f);
  return { sim, dst, send, cable, injectors };
}

describe('bitErrors', () => {
  function flips(seed: number, name = 'ber'): { frameId: number; position?: number }[] {
    const sim = new Simulator({ seed });
    const rec = sim.trace.record(['fault']);
    const mw = bitErrors(sim, { ber: 1e-4, name });
    through(
      mw,
      Array.from({ length: 200 }, (_, i) => ({ ...wire(1514, i), id: i + 1 })),
    );
    return faultEvents(rec.events).map(({ frameId, position }) => ({ frameId, position }));
  }

  test('the same seed and name give the same flips; another seed or name others', () => {
    const a = flips(5);
    expect(a.length).toBeGreaterThan(100);
    expect(flips(5)).toEqual(a);
    expect(flips(6)).not.toEqual(a);
    expect(flips(5, 'other')).not.toEqual(a);
  });

  test('the empirical bit error rate over many frames is within 5 σ of the configured one', () => {
    const sim = new Simulator({ seed: 21 });
    const BER = 1e-4;
    const mw = bitErrors(sim, { ber: BER });
    const frame = wire(1514);
    let errors = 0;
    let bits = 0;
    const positionsInFrame: number[] = [];
    for (let i = 0; i < 2000; i++) {
      mw(frame, (g) => {
        bits += frame.bytes.length * 8;
        if (g === frame) return;
        const d = diffBits(frame.bytes, g.bytes);
        errors += d.length;
        positionsInFrame.push(...d);
      });
    }
    const expected = bits * BER;
    const sigma = Math.sqrt(bits * BER * (1 - BER));
    expect(Math.abs(errors - expected)).toBeLessThan(5 * sigma);
    expect(mw.stats).toEqual({ frames: 2000, faults: errors });
    // errors are spread uniformly over the frame (mean position ≈ the middle)
    const mean = positionsInFrame.reduce((s, k) => s + k, 0) / positionsInFrame.length;
    const n = frame.bytes.length * 8;
    expect(Math.abs(mean - n / 2)).toBeLessThan(5 * (n / Math.sqrt(12)) / Math.sqrt(positionsInFrame.length));
  });

  test('the distance to the next error carries across frames (a rate far below one error per frame still shows)', () => {
    const sim = new Simulator({ seed: 4 });
    const mw = bitErrors(sim, { ber: 1e-6 });
    const frames = Array.from({ length: 20_000 }, () => wire(60));
    const out = through(mw, frames);
    const damaged = out.filter((g, i) => g !== frames[i]).length;
    const bits = 20_000 * 72 * 8; // 11.52 M bits: 11.5 errors expected
    expect(damaged).toBeGreaterThan(0);
    expect(Math.abs(damaged - bits * 1e-6)).toBeLessThan(5 * Math.sqrt(bits * 1e-6));
  });

  test('a flipped frame is a new object with a damaged copy of the bytes (LSB first), the same id, the original intact', () => {
    const sim = new Simulator({ seed: 1 });
    const rec = sim.trace.record(['fault']);
    const mw = bitErrors(sim, { ber: 1e-3, name: 'ber' });
    const frames = Array.from({ length: 20 }, (_, i) => wire(1514, i));
    const before = frames.map((f) => f.bytes.slice());
    const out = through(mw, frames);
    let seen = 0;
    for (let i = 0; i < frames.length; i++) {
      expect(frames[i].bytes).toEqual(before[i]);
      const g = out[i];
      const d = diffBits(before[i], g.bytes);
      if (d.length === 0) {
        expect(g).toBe(frames[i]);
        continue;
      }
      expect(g).not.toBe(frames[i]);
      expect(g.bytes).not.toBe(frames[i].bytes);
      expect({ ...g, bytes: null }).toEqual({ ...frames[i], bytes: null });
      const traced = faultEvents(rec.events).filter((e) => e.frameId === g.id);
      expect(traced.map((e) => e.position)).toEqual(d);
      expect(traced.every((e) => e.fault === 'bit' && e.source === 'ber')).toBe(true);
      seen += d.length;
    }
    expect(seen).toBe(mw.stats.faults);
    expect(seen).toBeGreaterThan(100);
  });

  test('signal fidelity: code bits of the symbols are flipped, bytes left alone', () => {
    const sim = new Simulator({ seed: 2 });
    const rec = sim.trace.record(['fault']);
    const mw = bitErrors(sim, { ber: 3e-3 });
    const base = wire(200);
    const symbols = createLineCodec('1000BASE-X').encodeFrame(base.bytes);
    const levels = symbols.levels.slice();
    const frame: WireFrame = { ...base, symbols };
    const [g] = through(mw, [frame]);
    expect(g).not.toBe(frame);
    expect(g.bytes).toBe(frame.bytes);
    const out = g.symbols as LineStream;
    expect(out.bitCount).toBe(symbols.bitCount);
    const changed: number[] = [];
    for (let i = 0; i < levels.length; i++) if (out.levels[i] !== levels[i]) changed.push(i);
    expect(changed.length).toBeGreaterThan(0);
    const ev = faultEvents(rec.events);
    expect(ev.map((e) => e.position)).toEqual(changed);
    expect(ev.every((e) => e.fault === 'symbol')).toBe(true);
    expect(symbols.levels).toEqual(levels); // the original stream is untouched
    const decoded = createLineCodec('1000BASE-X').decodeFrame(out);
    expect(decoded.errors.length > 0 || Buffer.compare(decoded.bytes, base.bytes) !== 0).toBe(true); // the receiver would notice
  });

  test('ber 0 passes every frame through untouched; ber outside [0, 1] is a programmer error', () => {
    const sim = new Simulator();
    const frames = [wire(), wire()];
    expect(through(bitErrors(sim, { ber: 0 }), frames)).toEqual(frames);
    expect(() => bitErrors(sim, { ber: 1.5 })).toThrow(RangeError);
    expect(() => bitErrors(sim, { ber: -1 })).toThrow(RangeError);
  });
});

describe('gilbertElliott', () => {
  /** Runs `count` frames and returns the global positions of all flipped bits, the bits seen and the trace. */
  function run(opts: Parameters<typeof gilbertElliott>[1], count: number, seed = 13) {
    const sim = new Simulator({ seed });
    const rec = sim.trace.record(['fault']);
    const mw = gilbertElliott(sim, opts);
    const frame = wire(1514);
    const n = frame.bytes.length * 8;
    const all: number[] = [];
    for (let i = 0; i < count; i++) mw(frame, (g) => g !== frame && all.push(...diffBits(frame.bytes, g.bytes).map((k) => i * n + k)));
    return { all, bits: count * n, events: faultEvents(rec.events), mw };
  }

  test('errors come in bursts: the mean rate follows the stationary bad-state share, and an error is very likely next to another', () => {
    const P_GB = 1e-4;
    const P_BG = 1e-2;
    const { all, bits, events } = run({ pGoodToBad: P_GB, pBadToGood: P_BG, berGood: 0, berBad: 0.5 }, 2000);
    const expectedRate = (P_GB / (P_GB + P_BG)) * 0.5;
    const rate = all.length / bits;
    expect(rate).toBeGreaterThan(expectedRate * 0.85);
    expect(rate).toBeLessThan(expectedRate * 1.15);
    // P(error at k+1 | error at k) ≈ (1 − pBadToGood) × berBad ≈ 0.495, a hundred times the mean rate
    const set = new Set(all);
    const pairs = all.filter((k) => set.has(k + 1)).length;
    const conditional = pairs / all.length;
    expect(conditional).toBeGreaterThan(0.45);
    expect(conditional).toBeLessThan(0.54);
    expect(events.every((e) => e.detail === 'bad')).toBe(true);
  });

  test('equal error rates in both states are plain independent bit errors', () => {
    const BER = 5e-5;
    const { all, bits } = run({ pGoodToBad: 0.01, pBadToGood: 0.01, berGood: BER, berBad: BER }, 2000);
    expect(Math.abs(all.length - bits * BER)).toBeLessThan(5 * Math.sqrt(bits * BER));
  });

  test('deterministic per seed', () => {
    const opts = { pGoodToBad: 1e-3, pBadToGood: 0.1, berGood: 1e-6, berBad: 0.1 };
    expect(run(opts, 50).all).toEqual(run(opts, 50).all);
    expect(run(opts, 50, 14).all).not.toEqual(run(opts, 50).all);
  });
});

describe('scriptedFlips', () => {
  test('flips exactly bit k of the n-th frame and nothing else', () => {
    const sim = new Simulator();
    const rec = sim.trace.record(['fault']);
    const frames = [wire(100, 1), wire(100, 2), wire(100, 3)];
    const before = frames.map((f) => f.bytes.slice());
    const out = through(scriptedFlips(sim, [{ frame: 2, bit: 123 }, { frame: 3, bit: 0 }, { frame: 3, bit: 815 }], { name: 'script' }), frames);
    expect(out[0]).toBe(frames[0]);
    expect(diffBits(before[1], out[1].bytes)).toEqual([123]);
    expect(out[1].bytes[123 >> 3]).toBe(before[1][15] ^ (1 << 3));
    expect(diffBits(before[2], out[2].bytes)).toEqual([0, 815]);
    expect(frames.map((f) => f.bytes)).toEqual(before);
    expect(faultEvents(rec.events).map(({ source, fault, frameId, position, detail }) => ({ source, fault, frameId, position, detail }))).toEqual([
      { source: 'script', fault: 'bit', frameId: frames[1].id, position: 123, detail: 'scripted' },
      { source: 'script', fault: 'bit', frameId: frames[2].id, position: 0, detail: 'scripted' },
      { source: 'script', fault: 'bit', frameId: frames[2].id, position: 815, detail: 'scripted' },
    ]);
  });

  test('a flipped FCS bit shows up as CRCERRS on the receiving adapter, and the trace links the two', () => {
    const { sim, nic, port, cable } = nicWithRawPeer();
    const FCS_BIT = (PREAMBLE_SFD_LEN + 60) * 8 + 5; // inside the FCS of a 64-octet frame
    cable.use(0, scriptedFlips(sim, [{ frame: 1, bit: FCS_BIT }], { name: 'flip' }));
    const rec = sim.trace.record(['fault', 'drop']);
    const sent = port.send(ethFrame(MAC_B, MAC_A, 60, 1));
    port.send(ethFrame(MAC_B, MAC_A, 60, 2));
    sim.run();
    expect(rd(nic, R.CRCERRS)).toBe(1);
    expect(rd(nic, R.GPRC)).toBe(1);
    expect(rec.events.map((e) => ({ ...e, time: undefined }))).toEqual([
      { kind: 'fault', source: 'flip', time: undefined, fault: 'bit', frameId: sent.id, position: FCS_BIT, detail: 'scripted' },
      { kind: 'drop', source: 'dut', time: undefined, what: 'rx frame', reason: 'FCS error', counter: 'CRCERRS', frameId: sent.id },
    ]);
  });

  test('symbol flips damage code bits of a line stream; positions beyond the frame are skipped with a warning', () => {
    const sim = new Simulator();
    const rec = sim.trace.record(['fault', 'log']);
    const base = wire(60);
    const symbols = createLineCodec('1000BASE-X').encodeFrame(base.bytes);
    const frame: WireFrame = { ...base, symbols };
    const [g] = through(scriptedFlips(sim, [{ frame: 1, symbol: 333 }, { frame: 1, symbol: 10 ** 6 }, { frame: 1, bit: 10 ** 6 }]), [frame]);
    const out = g.symbols as LineStream;
    const changed: number[] = [];
    for (let i = 0; i < symbols.bitCount; i++) if (out.levels[i] !== symbols.levels[i]) changed.push(i);
    expect(changed).toEqual([333]);
    expect(g.bytes).toBe(frame.bytes);
    expect(rec.events.filter((e) => e.kind === 'log').length).toBe(2);
    expect(faultEvents(rec.events)).toMatchObject([{ fault: 'symbol', position: 333 }]);
  });
});

describe('dropFrames, duplicateFrames, delayFrames', () => {
  test('dropFrames drops the listed frames and a random share of the others, reproducibly', () => {
    const sim = new Simulator();
    const rec = sim.trace.record(['fault']);
    const frames = Array.from({ length: 5 }, () => wire(60));
    expect(through(dropFrames(sim, { frames: [2, 4] }), frames)).toEqual([frames[0], frames[2], frames[4]]);
    expect(faultEvents(rec.events).map((e) => [e.fault, e.frameId, e.detail])).toEqual([
      ['drop', frames[1].id, 'scripted'],
      ['drop', frames[3].id, 'scripted'],
    ]);
    const many = Array.from({ length: 4000 }, () => wire(60));
    const kept = (seed: number) => through(dropFrames(new Simulator({ seed }), { probability: 0.25, name: 'loss' }), many).map((f) => f.id);
    const k1 = kept(1);
    expect(kept(1)).toEqual(k1);
    expect(kept(2)).not.toEqual(k1);
    expect(Math.abs(4000 - k1.length - 1000)).toBeLessThan(5 * Math.sqrt(4000 * 0.25 * 0.75));
  });

  test('duplicateFrames sends a copy with a new id right behind the original; the adapter receives both', () => {
    const { sim, nic, port, cable } = nicWithRawPeer();
    const rec = sim.trace.record(['fault', 'wire.rx']);
    const dup = duplicateFrames(sim, { frames: [1] });
    cable.use(0, dup);
    const sent = port.send(ethFrame(MAC_B, MAC_A, 60));
    sim.run();
    expect(rd(nic, R.GPRC)).toBe(2);
    const rx = rec.events.filter((e) => e.kind === 'wire.rx').map((e) => (e.kind === 'wire.rx' ? e.frame : sent));
    expect(rx[0]).toBe(sent);
    expect(rx[1].id).not.toBe(sent.id);
    expect(rx[1].bytes).toBe(sent.bytes);
    expect(rx[1].txStart).toBe(sent.txStart + 72 * 8 + 96);
    expect(faultEvents(rec.events)).toMatchObject([{ fault: 'duplicate', frameId: sent.id, detail: `scripted: copy is frame ${rx[1].id}` }]);
    expect(dup.stats).toEqual({ frames: 1, faults: 1 });
  });

  test('delayFrames delivers exactly ns later', () => {
    const { sim, dst, send } = wireUp((s) => [delayFrames(s, { ns: 12_345 })]);
    sim.run();
    const f = wire(60, 0, sim.now);
    const t0 = sim.now;
    send(f);
    sim.run();
    expect(dst.got.map((g) => g.at)).toEqual([t0 + 72 * 8 + 5 + 12_345]);
    expect(dst.got[0].frame.txStart).toBe(t0 + 12_345);
    expect(f.txStart).toBe(t0);
  });

  test('delayFrames with jitter can reorder frames, reproducibly', () => {
    const order = (seed: number) => {
      const sim = new Simulator({ seed });
      const mw = delayFrames(sim, { ns: 100, jitterNs: 5_000, name: 'jitter' });
      const got: number[] = [];
      const frames = Array.from({ length: 50 }, (_, i) => ({ ...wire(60), id: i + 1, txStart: i * 672 }));
      for (const f of frames) sim.at(f.txStart, () => mw(f, (g) => got.push(g.id)));
      sim.run();
      return got;
    };
    const a = order(3);
    expect(a).toEqual(order(3));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(a).not.toEqual([...a].sort((x, y) => x - y)); // reordered
  });

  test('bad options are programmer errors', () => {
    const sim = new Simulator();
    expect(() => dropFrames(sim, { probability: 2 })).toThrow(RangeError);
    expect(() => duplicateFrames(sim, { frames: [0] })).toThrow(RangeError);
    expect(() => delayFrames(sim, { ns: -1 })).toThrow(RangeError);
    expect(() => delayFrames(sim, { ns: 1, jitterNs: 0.5 })).toThrow(RangeError);
    expect(() => scriptedFlips(sim, [{ frame: 0, bit: 1 }])).toThrow(RangeError);
    expect(() => gilbertElliott(sim, { pGoodToBad: 0.1, pBadToGood: 1.1, berGood: 0, berBad: 0 })).toThrow(RangeError);
  });
});

describe('composition', () => {
  test('injectors run in the order they were added (each counts the frames that reach it)', () => {
    const twoFrames = (make: (s: Simulator) => FaultInjector[]) => {
      const w = wireUp(make);
      const f1 = wire(60, 1, w.sim.now);
      const f2 = wire(60, 2, w.sim.now + 1000);
      w.send(f1);
      w.send(f2);
      w.sim.run();
      return w.dst.got.map((g) => (g.frame.bytes === f1.bytes ? 'f1' : g.frame.bytes === f2.bytes ? 'f2' : '?') + (g.frame.id === f1.id || g.frame.id === f2.id ? '' : ' copy'));
    };
    // drop first: frame 1 is gone, so the duplicator's first frame is frame 2
    expect(twoFrames((s) => [dropFrames(s, { frames: [1] }), duplicateFrames(s, { frames: [1] })])).toEqual(['f2', 'f2 copy']);
    // duplicate first: the dropper's first frame is the original of frame 1; its copy passes
    expect(twoFrames((s) => [duplicateFrames(s, { frames: [1] }), dropFrames(s, { frames: [1] })])).toEqual(['f1 copy', 'f2']);
  });

  test('a chain of injectors never mutates the frames it was given', () => {
    const { sim, dst, send } = wireUp((s) => [
      bitErrors(s, { ber: 1e-3 }),
      scriptedFlips(s, [{ frame: 3, bit: 70 }]),
      gilbertElliott(s, { pGoodToBad: 1e-3, pBadToGood: 0.1, berGood: 0, berBad: 0.2 }),
      duplicateFrames(s, { probability: 0.2 }),
      delayFrames(s, { ns: 50, jitterNs: 50 }),
    ]);
    const frames = Array.from({ length: 40 }, (_, i) => wire(1514, i, i * 20_000));
    const before = frames.map((f) => ({ ...f, bytes: f.bytes.slice() }));
    for (const f of frames) sim.at(f.txStart, () => send(f));
    sim.run();
    expect(frames).toEqual(before);
    expect(dst.got.length).toBeGreaterThan(40);
    expect(dst.got.some((g) => frames.every((f) => f.bytes !== g.frame.bytes))).toBe(true);
  });
});
