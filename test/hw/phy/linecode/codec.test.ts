/** The common LineCodec interface over the three PHYs, line streams and the fault functions. */
import { describe, expect, test } from 'vitest';
import {
  EightB10BLineStream,
  Mlt3LineStream,
  createCodec100BaseTx,
  createLineCodec,
  flipBit,
  flipCodeGroupBit,
  flipLevel,
  lineStreamFromLevels,
  setLevel,
  type PhyKind,
} from '../../../../hw/phy/linecode/index.js';
import { PREAMBLE_SFD, arr, macFrame, prng } from './helpers.js';

const KINDS: PhyKind[] = ['10BASE-T', '100BASE-TX', '1000BASE-X'];
const rng = prng(41);

describe('LineCodec', () => {
  test.each(KINDS)('%s: round trip of random frames', (kind) => {
    const codec = createLineCodec(kind, { seed: 0x155 });
    expect(codec.kind).toBe(kind);
    for (let k = 0; k < 25; k++) {
      const mac = macFrame(rng, rng.int(1515));
      const s = codec.encodeFrame(mac);
      expect(s.kind).toBe(kind);
      expect(s.levels.length).toBe(s.bitCount);
      expect(s.groupCount).toBe(Math.floor(s.bitCount / s.bitsPerGroup));
      const r = codec.decodeFrame(s);
      expect(r.errors).toEqual([]);
      expect(arr(r.bytes)).toEqual(arr(mac));
      expect(r.frames).toHaveLength(1);
    }
  });

  test.each(['100BASE-TX', '1000BASE-X'] as const)('%s: several frames in one stream', (kind) => {
    const codec = createLineCodec(kind);
    const frames = [macFrame(rng, 60), macFrame(rng, 61), macFrame(rng, 300)];
    const r = codec.decodeFrame(codec.encodeFrames(frames));
    expect(r.errors).toEqual([]);
    expect(r.frames.map(arr)).toEqual(frames.map(arr));
  });

  test('a codec refuses another PHY’s stream (programmer error)', () => {
    const s = createLineCodec('10BASE-T').encodeFrame(Uint8Array.from(PREAMBLE_SFD));
    expect(() => createLineCodec('1000BASE-X').decodeFrame(s)).toThrow(TypeError);
  });
});

describe('code groups and levels as shown', () => {
  const mac = Uint8Array.from([...PREAMBLE_SFD, 0x0f]);

  test('10BASE-T: half-bit pairs per bit, LSB first', () => {
    const s = createLineCodec('10BASE-T').encodeFrame(mac);
    expect(s.codeGroups.slice(0, 8)).toEqual(['01', '10', '01', '10', '01', '10', '01', '10']);
    expect(s.codeGroups.slice(-8)).toEqual(['01', '01', '01', '01', '10', '10', '10', '10']);
    expect(arr(s.levels.subarray(0, 4))).toEqual([0, 1, 1, 0]);
  });

  test('100BASE-TX: code groups before the scrambler, levels after it', () => {
    const codec = createLineCodec('100BASE-TX', { seed: 0x4d2 });
    const s = codec.encodeFrame(mac, { idleBefore: 10, idleAfter: 1 });
    expect(s.codeGroups).toEqual([
      ...Array(10).fill('11111'), '11000', '10001',
      ...Array(13).fill('01011'), '11011', // 6 preamble octets + SFD
      '11101', '11110', // 0x0f: low nibble F, then 0
      '01101', '00111', '11111',
    ]);
    expect(new Set(s.levels)).toEqual(new Set([-1, 0, 1]));
    // unscrambled: the idle is a steady MLT-3 cycle 1,0,-1,0
    const plain = codec.encodeFrame(mac, { scramble: false, idleBefore: 2 });
    expect(arr(plain.levels.subarray(0, 10))).toEqual([1, 0, -1, 0, 1, 0, -1, 0, 1, 0]);
    expect(codec.decodeFrame(plain).errors).toEqual([]);
  });

  test('100BASE-TX: the transmit scrambler runs on across frames, the receiver locks each time', () => {
    const codec = createCodec100BaseTx({ seed: 0x001 });
    const a = codec.encodeFrame(mac) as Mlt3LineStream;
    const phase = codec.txState.phase;
    const b = codec.encodeFrame(mac) as Mlt3LineStream;
    expect(b.info.phase).toBe(phase);
    expect(arr(a.levels)).not.toEqual(arr(b.levels));
    expect(arr(codec.decodeFrame(b).bytes)).toEqual(arr(mac));
    // a receiver that knows nothing about the transmitter: raw levels, seed unknown
    const raw = lineStreamFromLevels('100BASE-TX', b.levels, { mlt3State: b.info.mlt3State });
    expect(raw.codeGroups).toEqual(b.codeGroups.slice(0, raw.codeGroups.length)); // found by locking
    expect(arr(createLineCodec('100BASE-TX').decodeFrame(raw).bytes)).toEqual(arr(mac));
  });

  test('1000BASE-X: code groups from negative disparity, levels are the code bits', () => {
    const s = createLineCodec('1000BASE-X').encodeFrame(mac, { idleBefore: 1 });
    expect(s.codeGroups.slice(0, 4)).toEqual(['0011111010', '1001000101', '1101101000', '1010100101']);
    expect(arr(s.levels.subarray(0, 10)).join('')).toBe('0011111010');
  });
});

describe('streams from levels and fault injection', () => {
  test('1000BASE-X from raw levels: comma alignment at any offset', () => {
    const codec = createLineCodec('1000BASE-X');
    const mac = macFrame(rng, 80);
    const s = codec.encodeFrame(mac);
    const shifted = [1, 0, 1, 1, 0, ...arr(s.levels)];
    const raw = lineStreamFromLevels('1000BASE-X', shifted);
    const r = codec.decodeFrame(raw);
    expect(r.errors).toEqual([]);
    expect(arr(r.bytes)).toEqual(arr(mac));
    expect(arr(codec.decodeFrame(s, { align: true }).bytes)).toEqual(arr(mac));
    expect(codec.decodeFrame(lineStreamFromLevels('1000BASE-X', new Array(200).fill(0))).errors[0]).toMatchObject({ kind: 'missing-start' });
  });

  test('1000BASE-X: once levels are materialised, in-place edits are seen by the decoder', () => {
    const codec = createLineCodec('1000BASE-X');
    const s = codec.encodeFrame(macFrame(rng, 60)) as EightB10BLineStream;
    expect(s.hasLevels).toBe(false);
    s.levels[200] ^= 1;
    expect(s.hasLevels).toBe(true);
    expect(codec.decodeFrame(s).errors.length).toBeGreaterThan(0);
  });

  test.each(KINDS)('%s: flip functions return new streams and leave the original alone', (kind) => {
    const codec = createLineCodec(kind);
    const mac = macFrame(rng, 50);
    const s = codec.encodeFrame(mac);
    const before = arr(s.levels);
    const i = Math.floor(s.bitCount / 2);
    for (const bad of [flipBit(s, i), flipCodeGroupBit(s, Math.floor(i / s.bitsPerGroup), i % s.bitsPerGroup), flipLevel(s, i), setLevel(s, i, 0 === s.levels[i] ? 1 : 0)]) {
      expect(bad.kind).toBe(kind);
      expect(bad.bitCount).toBe(s.bitCount);
      expect(arr(bad.levels)).not.toEqual(before);
      const r = codec.decodeFrame(bad);
      expect(r.errors.length > 0 || arr(r.bytes).join() !== arr(mac).join()).toBe(true);
    }
    expect(arr(s.levels)).toEqual(before);
    expect(arr(codec.decodeFrame(s).bytes)).toEqual(arr(mac));
    expect(() => flipBit(s, s.bitCount)).toThrow(RangeError);
    expect(() => flipCodeGroupBit(s, 0, s.bitsPerGroup)).toThrow(RangeError);
  });

  test('100BASE-TX: a code-bit flip changes exactly one received code bit', () => {
    const codec = createLineCodec('100BASE-TX', { seed: 0x222 });
    const s = codec.encodeFrame(macFrame(rng, 50), { scramble: false });
    const g = s.codeGroups;
    const bad = flipCodeGroupBit(s, 30, 2);
    const g2 = bad.codeGroups;
    expect(g2.filter((x, k) => x !== g[k])).toHaveLength(1);
    expect(g2[30]).toBe(g[30].slice(0, 2) + (g[30][2] === '1' ? '0' : '1') + g[30].slice(3));
    // while a level error is two transitions: two code bits change
    const lv = flipLevel(s, 30 * 5 + 2);
    const diff = lv.codeGroups.join('').split('').filter((c, k) => c !== g.join('')[k]).length;
    expect(diff).toBeLessThanOrEqual(2);
    expect(diff).toBeGreaterThan(0);
  });
});

describe('line input never makes a decoder throw', () => {
  test.each(KINDS)('%s: random levels, truncated and damaged streams', (kind) => {
    const codec = createLineCodec(kind);
    const values = kind === '100BASE-TX' ? [-1, 0, 1, 2, -5] : [0, 1, 3];
    for (let k = 0; k < 200; k++) {
      const noise = Array.from({ length: rng.int(3000) }, () => values[rng.int(values.length)]);
      const s = lineStreamFromLevels(kind, noise, { aligned: k % 2 === 0 });
      expect(() => codec.decodeFrame(s)).not.toThrow();
      expect(() => s.codeGroups).not.toThrow();
    }
    const good = codec.encodeFrame(macFrame(rng, 200));
    for (let k = 0; k < 100; k++) {
      const cut = lineStreamFromLevels(kind, good.levels.subarray(rng.int(good.bitCount), good.bitCount - rng.int(50)), {
        aligned: false,
      });
      const r = codec.decodeFrame(cut);
      expect(Array.isArray(r.errors)).toBe(true);
    }
  });
});
