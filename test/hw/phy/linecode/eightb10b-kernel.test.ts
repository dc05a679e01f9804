/**
 * The WebAssembly 8b/10b data-run kernel against the JavaScript loops it replaces (the reference):
 * the same code groups, the same final running disparity, the same frames and the same errors at
 * the same positions, for every data octet at both disparities, every 10-bit group (invalid ones
 * and groups of more than 10 bits included) in every lane of a 16-symbol block, random and jumbo
 * frames, frames at odd byte offsets, and randomly damaged streams.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { Rng } from '../../../../sim/rng.js';
import { Slab } from '../../../../sim/slab.js';
import {
  EIGHT_B10B_KERNEL,
  decode8b10bStream,
  encode8b10bStream,
  useEightB10BKernel,
  type EightB10BStreamOptions,
  type Rx1000Result,
} from '../../../../hw/phy/linecode/eightb10b.js';
import { KERNEL_MAX } from '../../../../hw/phy/linecode/eightb10b-kernel.js';
import { createCodec1000BaseX } from '../../../../hw/phy/linecode/codec.js';
import { EightB10BLineStream, flipBit } from '../../../../hw/phy/linecode/stream.js';

afterEach(() => {
  useEightB10BKernel(true);
});

/** Runs `f` with the JavaScript reference loops, then with the kernel; returns both results. */
function both<T>(f: () => T): { ref: T; fast: T } {
  useEightB10BKernel(false);
  const ref = f();
  useEightB10BKernel(true);
  const fast = f();
  return { ref, fast };
}

function encodeBoth(frames: Uint8Array[], opts: EightB10BStreamOptions = {}, rd = 0): { codes: Uint16Array; rd: number } {
  const { ref, fast } = both(() => encode8b10bStream(frames, opts, rd));
  expect(fast.rd).toBe(ref.rd);
  expect(fast.codes.length).toBe(ref.codes.length);
  expect(Buffer.from(fast.codes.buffer, fast.codes.byteOffset, fast.codes.byteLength).equals(Buffer.from(ref.codes.buffer, ref.codes.byteOffset, ref.codes.byteLength))).toBe(true);
  return ref;
}

function plain(r: Rx1000Result): { frames: number[][]; errors: Rx1000Result['errors'] } {
  return { frames: r.frames.map((f) => Array.from(f)), errors: r.errors };
}

function decodeBoth(codes: ArrayLike<number>, rd = 0): Rx1000Result {
  const { ref, fast } = both(() => decode8b10bStream(codes, { rd }));
  expect(plain(fast)).toEqual(plain(ref));
  return ref;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  return rng.bytes(new Uint8Array(n));
}

describe('8b/10b WebAssembly kernel', () => {
  test('is active on Node (a broken kernel would otherwise hide behind the JavaScript fallback)', () => {
    expect(EIGHT_B10B_KERNEL).toBe(true);
  });

  test('every data octet at both running disparities, in every lane and in the scalar tail', () => {
    for (let rd = 0; rd < 2; rd++) {
      for (let b = 0; b < 256; b++) {
        // 40 octets: two 16-octet blocks (the octet at both RDs when it flips them) and a tail
        const f = new Uint8Array(41).fill(b);
        const { codes } = encodeBoth([f], { idleBefore: 0, idleAfter: 0 }, rd);
        const r = decodeBoth(codes, rd);
        expect(r.errors).toEqual([]);
        expect(Array.from(r.frames[0].subarray(1))).toEqual(Array.from(f.subarray(1)));
      }
    }
  });

  test('every 10-bit group (and groups above 10 bits) at both disparities in every lane position: same frames, same errors', () => {
    const f = new Uint8Array(40).fill(0x4a); // D10.2: neutral, so the RD at every position is the starting one
    for (let rd = 0; rd < 2; rd++) {
      const { codes } = encode8b10bStream([f], { idleBefore: 0, idleAfter: 0 }, rd);
      // /S/ is group 0, octet 1 is group 1: positions 1–35 cover lanes 0–15 of both blocks and the tail
      for (const pos of [1, 2, 8, 15, 16, 17, 18, 24, 31, 32, 33, 35]) {
        for (let c = 0; c < 1024 + 4; c++) {
          const damaged = codes.slice();
          damaged[pos] = c < 1024 ? c : [0x400, 0x7ff, 0x8000, 0xffff][c - 1024];
          decodeBoth(damaged, rd);
        }
      }
    }
  });

  test('random frames of every length class, several per stream, any idle counts and starting disparity', () => {
    const rng = new Rng(8, 'kernel frames');
    for (let t = 0; t < 300; t++) {
      const count = rng.int(1, 4);
      const frames = Array.from({ length: count }, () => randomBytes(rng, t < 40 ? rng.int(0, 40) : rng.int(0, 3000)));
      const opts = { idleBefore: rng.int(0, 3), idleBetween: rng.int(0, 6), idleAfter: rng.int(0, 2) };
      const rd = rng.int(0, 1);
      const { codes } = encodeBoth(frames, opts, rd);
      const r = decodeBoth(codes, rd);
      expect(r.errors).toEqual([]);
      expect(r.frames.length).toBe(count);
    }
  });

  test('jumbo frames and a stream longer than the kernel takes in one call (JavaScript path) decode the same', () => {
    const rng = new Rng(9, 'kernel jumbo');
    for (const n of [9018, 16110, KERNEL_MAX + 100]) {
      const f = randomBytes(rng, n);
      f[0] = 0x55;
      const { codes } = encodeBoth([f]);
      const r = decodeBoth(codes);
      expect(r.errors).toEqual([]);
      expect(r.frames[0].length).toBe(n);
      expect(Buffer.from(r.frames[0]).equals(Buffer.from(f))).toBe(true);
    }
  });

  test('frames at odd byte offsets inside a larger buffer encode as their copies do', () => {
    const rng = new Rng(10, 'kernel offsets');
    const big = randomBytes(rng, 4000);
    for (const off of [1, 3, 7, 17, 333]) {
      const view = big.subarray(off, off + 1526);
      const a = encodeBoth([view]);
      const b = encode8b10bStream([view.slice()]);
      expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    }
  });

  test('randomly damaged streams (bit flips, random groups, groups above 10 bits): same frames and errors, same positions', () => {
    const rng = new Rng(11, 'kernel damage');
    for (let t = 0; t < 400; t++) {
      const frames = Array.from({ length: rng.int(1, 3) }, () => randomBytes(rng, rng.int(1, 200)));
      const { codes } = encode8b10bStream(frames);
      const damaged = codes.slice();
      const hits = rng.int(1, 4);
      for (let h = 0; h < hits; h++) {
        const i = rng.int(0, damaged.length - 1);
        const kind = rng.int(0, 3);
        if (kind === 0) damaged[i] ^= 1 << rng.int(0, 9);
        else if (kind === 1) damaged[i] = rng.int(0, 1023);
        else if (kind === 2) damaged[i] |= 1 << rng.int(10, 15);
        else damaged[i] ^= 1 << rng.int(0, 9) | (1 << rng.int(0, 9));
      }
      decodeBoth(damaged, 0);
      // the same code groups as a plain array take the reference loop: still the same answer
      expect(plain(decode8b10bStream(Array.from(damaged)))).toEqual(plain(decodeBoth(damaged)));
    }
  });

  test('through the 1000BASE-X codec: a clean stream, a flipped bit and a slab-backed stream decode the same both ways', () => {
    const rng = new Rng(12, 'kernel codec');
    const frame = randomBytes(rng, 1526);
    frame.set([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5]);
    const slab = new Slab();
    for (const codec of [createCodec1000BaseX(), createCodec1000BaseX(slab)]) {
      const { ref, fast } = both(() => {
        const s = codec.encodeFrame(frame) as EightB10BLineStream;
        const clean = codec.decodeFrame(s);
        const hit = codec.decodeFrame(flipBit(s, 10 * 700 + 3));
        return { codes: Array.from(s.codes!), clean: { bytes: Array.from(clean.bytes), errors: clean.errors }, hit: { bytes: Array.from(hit.bytes), errors: hit.errors } };
      });
      expect(fast).toEqual(ref);
      expect(ref.clean.errors).toEqual([]);
      expect(ref.clean.bytes).toEqual(Array.from(frame));
      expect(ref.hit.errors.length).toBeGreaterThan(0);
    }
  });
});
