import { describe, it, expect } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../../hw/mac/crc32.js';

/** A deterministic byte generator (xorshift32) for the random inputs. */
function bytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

describe('table-driven CRC-32 (the browser build) vs zlib.crc32', () => {
  it('known check values: "123456789" → 0xCBF43926, empty → 0', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with zlib.crc32 on 500 random inputs of 0..2000 bytes', () => {
    for (let s = 1; s <= 500; s++) {
      const b = bytes(s * 2654435761, (s * 37) % 2001);
      expect(crc32(b)).toBe(zlibCrc32(b) >>> 0);
    }
  });

  it('continues from a previous value as zlib does (split inputs give the whole CRC)', () => {
    for (let s = 1; s <= 100; s++) {
      const b = bytes(s, 300 + s);
      const cut = (s * 7) % b.length;
      const whole = zlibCrc32(b) >>> 0;
      expect(crc32(b.subarray(cut), crc32(b.subarray(0, cut)))).toBe(whole);
      expect(crc32(b.subarray(cut), zlibCrc32(b.subarray(0, cut)))).toBe(whole);
    }
  });

  it('strings are hashed as UTF-8, as zlib does', () => {
    for (const s of ['', 'a', 'nicsim', 'μs → ns', '\u{1f600}']) expect(crc32(s)).toBe(zlibCrc32(s) >>> 0);
  });
});
