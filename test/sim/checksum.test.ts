import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/rng.js';
import { arenaBytes, onesSum16, onesSumJs, SIMD_CHECKSUM, SIMD_MIN } from '../../sim/checksum.js';
import { Slab } from '../../sim/slab.js';

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

  it('sums ranges of buffers in the kernel’s own memory in place, with the same result for every alignment and length', () => {
    const a = arenaBytes(70_000)!;
    expect(a).not.toBeNull();
    expect(a.every((v) => v === 0)).toBe(true); // zero when first handed out
    a.set(bytes(70_000, 11));
    for (let from = 0; from < 8; from++) {
      for (const len of [SIMD_MIN, SIMD_MIN + 1, 223, 224, 225, 255, 256, 257, 1499, 1500, 1514, 4095]) {
        expect(onesSum16(a, from, from + len), `from ${from} len ${len}`).toBe(reference(a, from, from + len));
      }
    }
    // a subarray (another byteOffset in the same memory), a range over 64 KiB, all-ones and all-zero ranges
    const v = a.subarray(13, 69_000);
    expect(onesSum16(v, 3, 68_000)).toBe(reference(v, 3, 68_000));
    a.fill(0xff, 0, 65_535);
    expect(onesSum16(a, 0, 65_535)).toBe(0xff00);
    a.fill(0, 0, 1500);
    expect(onesSum16(a, 0, 1500)).toBe(0);
    // the bytes past the range are not summed (they belong to another buffer)
    const b = arenaBytes(600)!;
    const c = arenaBytes(600)!;
    c.fill(0xab);
    b.set(bytes(600, 5));
    expect(onesSum16(b, 0, 250)).toBe(reference(b, 0, 250));
  });

  it('gives a simulator’s frame pool its buffers from that memory until its share is used, then plain memory', () => {
    const kernelBuffer = arenaBytes(16)!.buffer;
    const slab = new Slab();
    const first = slab.frame(1526);
    expect(first.buffer === kernelBuffer).toBe(true);
    expect(first.every((x) => x === 0)).toBe(true);
    slab.recycle(first);
    expect(slab.frame(1526)).toBe(first); // the pool, not the arena, serves the next frame of that length
    let inArena = 1;
    for (let i = 0; i < 400; i++) if (slab.frame(1526).buffer === kernelBuffer) inArena++;
    expect(inArena).toBe(Math.floor((512 * 1024) / 1536)); // the simulator's 512 KiB share
    // once the process's arena is used up, frames come from plain memory
    while (arenaBytes(65_536) !== null);
    while (arenaBytes(16) !== null);
    const later = new Slab().frame(1526);
    expect(later.buffer === kernelBuffer).toBe(false);
    expect(later.length).toBe(1526);
  });
});
