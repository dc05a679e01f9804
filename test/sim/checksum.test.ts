import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/rng.js';
import { onesSum16, onesSumJs, SIMD_CHECKSUM, SIMD_MIN } from '../../sim/checksum.js';

/** RFC 1071 the slow, obvious way: big-endian words from `from`, odd tail padded, end-around carry. */
function reference(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) {
    s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

/** Deterministic pseudo-random bytes (the simulator's seeded stream). */
function bytes(n: number, seed: number): Uint8Array {
  return new Rng(seed, 'test bytes').bytes(new Uint8Array(n));
}

describe('the shared ones’ complement sum', () => {
  it('runs the WebAssembly SIMD kernel on Node (a broken kernel would otherwise hide behind the fallback)', () => {
    expect(SIMD_CHECKSUM).toBe(true);
  });

  it('equals RFC 1071 summed word by word for every alignment and length around the thresholds', () => {
    const buf = bytes(4096, 7);
    for (let from = 0; from < 8; from++) {
      for (const len of [0, 1, 2, 3, 31, 32, 33, SIMD_MIN - 1, SIMD_MIN, SIMD_MIN + 1, 255, 256, 257, 1499, 1500, 1514, 2047]) {
        const want = reference(buf, from, from + len);
        expect(onesSum16(buf, from, from + len), `from ${from} len ${len}`).toBe(want);
        expect(onesSumJs(buf, from, from + len), `js from ${from} len ${len}`).toBe(want);
      }
    }
  });

  it('sums views into a larger buffer (byteOffset) and 5,000 random ranges the same way as the reference', () => {
    const backing = bytes(10_000, 99);
    const view = new Uint8Array(backing.buffer, 3, 9_000);
    let x = 12345;
    for (let t = 0; t < 5_000; t++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const from = x % 4000;
      const len = (x >>> 12) % 5000;
      expect(onesSum16(view, from, from + len)).toBe(reference(view, from, from + len));
    }
  });

  it('sums ranges longer than one 64 KiB kernel chunk, and extreme contents, exactly', () => {
    const big = bytes(200_000, 3);
    for (const [from, to] of [
      [0, 65_536],
      [1, 65_538],
      [5, 131_077],
      [0, 200_000],
    ]) {
      expect(onesSum16(big, from, to), `${from}..${to}`).toBe(reference(big, from, to));
    }
    const ones = new Uint8Array(65_535).fill(0xff);
    expect(onesSum16(ones, 0, ones.length)).toBe(0xff00); // 32,767 words of 0xffff fold to 0xffff, plus 0xff00
    expect(onesSum16(new Uint8Array(1500), 0, 1500)).toBe(0);
  });
});
