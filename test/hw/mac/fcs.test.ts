import { describe, expect, it } from 'vitest';
import { Rng } from '../../../sim/rng.js';
import { fcsValid, FCS_RESIDUE, lineFcsValid } from '../../../hw/mac/fcs.js';
import { serializeFrame as serialize } from '../../../hw/mac/framing.js';
import { crc32 } from 'node:zlib';


/** Deterministic pseudo-random bytes (the simulator's seeded stream). */
function bytes(n: number, seed: number): Uint8Array {
  return new Rng(seed, 'test bytes').bytes(new Uint8Array(n));
}

describe('FCS check over a whole line image', () => {
  it('a frame followed by its own FCS has the IEEE 802.3 residue', () => {
    const line = serialize(bytes(100, 1), true, true);
    expect(crc32(line.subarray(8)) >>> 0).toBe(FCS_RESIDUE);
  });

  it('gives the verdict of fcsValid(line, 8) for every length from 0 to 1,600 bytes and for jumbo frames, good and damaged', () => {
    const lengths = [...Array.from({ length: 1601 }, (_, i) => i), 9000, 16384];
    for (const n of lengths) {
      const line = serialize(bytes(n, n + 1), true, false);
      expect(lineFcsValid(line), `good, ${n} bytes`).toBe(fcsValid(line, 8));
      expect(lineFcsValid(line), `good, ${n} bytes`).toBe(true);
      // one bit flipped anywhere in the frame or its FCS
      const k = 8 + ((n * 7919) % (n + 4));
      line[k] ^= 1 << (n & 7);
      expect(lineFcsValid(line), `damaged at ${k}, ${n} bytes`).toBe(false);
      expect(fcsValid(line, 8)).toBe(false);
    }
  });

  it('refuses what is too short to hold an FCS', () => {
    expect(lineFcsValid(new Uint8Array([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5, 1, 2, 3]))).toBe(false);
  });
});
