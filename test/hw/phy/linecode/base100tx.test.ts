/** The fused 100BASE-TX pipeline against the composition of its stages, and its receive errors. */
import { describe, expect, test } from 'vitest';
import {
  CONTROL_GROUPS,
  DATA_GROUPS,
  decode100BaseTx,
  encode100BaseTx,
  encode4b5bStream,
  groupsToBits,
  mlt3Encode,
  scrambleBits,
  scramblerPhase,
  scramblerStateAt,
} from '../../../../hw/phy/linecode/index.js';
import { PREAMBLE_SFD, arr, macFrame, prng } from './helpers.js';

const rng = prng(21);

/** The reference: 4B/5B stream → bits → scrambler (bit by bit) → MLT-3. */
function reference(frames: Uint8Array[], opts: { idleBefore?: number; idleBetween?: number; idleAfter?: number; scramble?: boolean }, seed: number, st: number) {
  const bits = groupsToBits(encode4b5bStream(frames, opts));
  const s = opts.scramble === false ? { bits, state: seed } : scrambleBits(bits, seed);
  return { ...mlt3Encode(s.bits, st), seedAfter: s.state };
}

describe('100BASE-TX transmit = 4B/5B → scrambler → MLT-3', () => {
  test('same levels and same end state as the stage-by-stage reference', () => {
    for (let k = 0; k < 40; k++) {
      const frames = Array.from({ length: 1 + rng.int(3) }, () => macFrame(rng, rng.int(200)));
      const opts = { idleBefore: rng.int(14), idleBetween: rng.int(25), idleAfter: rng.int(5), scramble: k % 5 !== 0 };
      const seed = 1 + rng.int(2047);
      const st = rng.int(4);
      const fused = encode100BaseTx(frames, opts, { phase: scramblerPhase(seed), mlt3State: st });
      const ref = reference(frames, opts, seed, st);
      expect(arr(fused.levels)).toEqual(arr(ref.levels));
      expect(fused.state.mlt3State).toBe(ref.state);
      if (opts.scramble) expect(scramblerStateAt(fused.state.phase)).toBe(ref.seedAfter);
    }
  });
});

describe('100BASE-TX receive', () => {
  const enc = (frames: Uint8Array[], opts = {}, seed = 0x3c1) => encode100BaseTx(frames, opts, { phase: scramblerPhase(seed), mlt3State: 0 }).levels;

  test('round trip of random frames, several per stream, any seed', () => {
    for (let k = 0; k < 30; k++) {
      const frames = Array.from({ length: 1 + rng.int(3) }, () => macFrame(rng, rng.int(1515)));
      const r = decode100BaseTx(enc(frames, {}, 1 + rng.int(2047)));
      expect(r.errors).toEqual([]);
      expect(r.frames.map(arr)).toEqual(frames.map(arr));
    }
  });

  test('levels that do not start on a 32-bit boundary, or any code-bit alignment', () => {
    const mac = macFrame(rng, 100);
    for (let shift = 0; shift < 9; shift++) {
      const lv = enc([mac], { idleBefore: 12 + shift });
      const buf = new Int8Array(lv.length + 3);
      buf.set(lv, 3);
      const r = decode100BaseTx(buf.subarray(3));
      expect(r.errors).toEqual([]);
      expect(arr(r.frames[0])).toEqual(arr(mac));
      // drop a few leading levels: the receiver finds /J/K/ at any bit position
      const cut = decode100BaseTx(lv.subarray(shift), { prevLevel: shift ? lv[shift - 1] : 0 });
      expect(cut.errors).toEqual([]);
      expect(arr(cut.frames[0])).toEqual(arr(mac));
    }
  });

  test('no scrambler', () => {
    const mac = macFrame(rng, 60);
    const r = decode100BaseTx(enc([mac], { scramble: false, idleBefore: 1 }), { scramble: false });
    expect(r.errors).toEqual([]);
    expect(arr(r.frames[0])).toEqual(arr(mac));
  });

  test('too little idle to lock', () => {
    const r = decode100BaseTx(enc([macFrame(rng, 60)], { idleBefore: 4 }));
    expect(r.frames).toEqual([]);
    expect(r.errors.map((e) => e.kind)).toContain('scrambler-lock');
  });

  /** Unscrambled streams built from explicit code groups, to place errors exactly. */
  function fromGroups(groups: number[]) {
    const { levels } = mlt3Encode(groupsToBits(groups));
    return decode100BaseTx(levels, { scramble: false });
  }
  const { I, J, K, T, R, H } = CONTROL_GROUPS;
  const d = (b: number) => [DATA_GROUPS[b & 15], DATA_GROUPS[b >> 4]];
  const body = [...PREAMBLE_SFD.slice(1), 0x12, 0x34].flatMap(d);

  test('good reference stream', () => {
    const r = fromGroups([I, I, J, K, ...body, T, R, I, I]);
    expect(r.errors).toEqual([]);
    expect(arr(r.frames[0])).toEqual([...PREAMBLE_SFD, 0x12, 0x34]);
  });

  test('invalid code group inside a frame', () => {
    const g = [I, I, J, K, ...body, T, R, I, I];
    g[10] = 0b00000;
    const r = fromGroups(g);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'invalid-code-group', index: 10, bit: 50 })]);
    g[10] = H;
    expect(fromGroups(g).errors[0]).toMatchObject({ kind: 'invalid-code-group', index: 10, detail: '/H/ inside a frame' });
  });

  test('bad /J/K/ is a false carrier (missing start)', () => {
    const r = fromGroups([I, I, J, J, ...body, T, R, I, I, I, I]);
    expect(r.errors[0]).toMatchObject({ kind: 'missing-start', index: 2 });
    expect(r.frames).toEqual([]);
    expect(fromGroups([I, I, I, 0b11110, I, I, I]).errors).toEqual([expect.objectContaining({ kind: 'missing-start' })]);
  });

  test('missing /T/R/: /I/ inside the frame, /T/ without /R/, end of stream', () => {
    const idle = fromGroups([I, I, J, K, ...body, I, I, I]);
    expect(idle.errors).toEqual([expect.objectContaining({ kind: 'missing-end', index: 4 + body.length })]);
    expect(arr(idle.frames[0])).toEqual([...PREAMBLE_SFD, 0x12, 0x34]);
    const noR = fromGroups([I, I, J, K, ...body, T, I, I, I]);
    expect(noR.errors[0]).toMatchObject({ kind: 'missing-end', index: 5 + body.length });
    const cut = fromGroups([I, I, J, K, ...body]);
    expect(cut.errors).toEqual([expect.objectContaining({ kind: 'missing-end', index: 4 + body.length })]);
  });

  test('two frames with idle between them', () => {
    const r = fromGroups([I, J, K, ...body, T, R, I, I, I, J, K, ...body, T, R, I]);
    expect(r.errors).toEqual([]);
    expect(r.frames).toHaveLength(2);
  });
});
