import { describe, expect, test } from 'vitest';
import { fcs32, fcsValid, appendFcs, serializeFrame, findFrameStart, mtaHash, isBroadcast, isMulticast, onesComplementSum } from '../../../hw/index.js';
import { rfc1071Sum } from '../helpers.js';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));

describe('FCS (CRC-32)', () => {
  test('the standard check value and the wire byte order', () => {
    expect(fcs32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const f = new Uint8Array(64);
    f.set(hex('ffffffffffff 020000000001 0806'));
    appendFcs(f, 0, 60);
    const c = fcs32(f, 0, 60);
    expect(Array.from(f.subarray(60))).toEqual([c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24]);
    expect(fcsValid(f)).toBe(true);
    f[20] ^= 0x04;
    expect(fcsValid(f)).toBe(false);
    expect(fcsValid(new Uint8Array(3))).toBe(false);
  });
});

describe('framing', () => {
  test('preamble, SFD, padding to 60 and FCS', () => {
    const frame = hex('ffffffffffff 020000000001 0806 0001');
    const line = serializeFrame(frame, true, true);
    expect(line.length).toBe(8 + 60 + 4);
    expect(Array.from(line.subarray(0, 8))).toEqual([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5]);
    expect(Array.from(line.subarray(8, 24))).toEqual(Array.from(frame));
    expect(line.subarray(24, 68).every((b) => b === 0)).toBe(true);
    expect(fcsValid(line, 8)).toBe(true);
    expect(serializeFrame(frame, false, false).length).toBe(8 + 16);
    expect(findFrameStart(line)).toBe(8);
    expect(findFrameStart(line.subarray(5))).toBe(3); // shortened preamble still locks
    expect(findFrameStart(Uint8Array.of(0x55, 0x55, 0x54, 0xd5))).toBe(-1);
    expect(findFrameStart(Uint8Array.of(0xd5, 1))).toBe(-1);
  });

  test('serialized frames never share bytes, and short frames are zero-padded, across many allocations', () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 20_000; i++) frames.push(serializeFrame(Uint8Array.of(i & 0xff, 1, 2), true, true)); // > 1 MiB of frames
    for (const [i, f] of frames.entries()) {
      expect(f.length).toBe(8 + 60 + 4);
      expect(f[8]).toBe(i & 0xff);
      expect(f.subarray(11, 68).every((b) => b === 0)).toBe(true);
      expect(fcsValid(f, 8)).toBe(true);
    }
    frames[0].fill(0xee);
    expect(frames[1][8]).toBe(1); // writing one frame leaves its neighbour alone
    expect(fcsValid(frames[1], 8)).toBe(true);
  });

  test('IC inserts the ones-complement checksum from CSS at CSO', () => {
    // An IPv4 header with a zero checksum field: the inserted value is the header checksum.
    const frame = new Uint8Array(14 + 20);
    frame.set(hex('450000730000400040110000c0a80001c0a800c7'), 14);
    const line = serializeFrame(frame, true, false, { css: 14, cso: 14 + 10 });
    expect((line[8 + 24] << 8) | line[8 + 25]).toBe(0xb861);
  });
});

describe('ones-complement sum', () => {
  test('RFC 1071 example and odd lengths', () => {
    expect(onesComplementSum(hex('0001f203f4f5f6f7'), 0, 8)).toBe(0xddf2);
    expect(onesComplementSum(hex('0001f203f4f5f6f7ab'), 0, 9)).toBe((0xddf2 + 0xab00) % 0xffff);
    const big = new Uint8Array(4000).fill(0xff);
    expect(onesComplementSum(big, 0, big.length)).toBe(0xffff);
    expect(onesComplementSum(big, 5, 5)).toBe(0);
  });
});

describe('address filter helpers', () => {
  test('MTA hash for each RCTL.MO (01:00:5e:00:00:01)', () => {
    const a = hex('01005e000001');
    // bits 47:36 / 46:35 / 45:34 / 43:32 of the address as the 8254x takes them
    expect(mtaHash(a, 0, 0)).toBe(((0x00 >> 4) | (0x01 << 4)) & 0xfff);
    expect(mtaHash(a, 0, 1)).toBe(((0x00 >> 3) | (0x01 << 5)) & 0xfff);
    expect(mtaHash(a, 0, 2)).toBe(((0x00 >> 2) | (0x01 << 6)) & 0xfff);
    expect(mtaHash(a, 0, 3)).toBe((0x00 | (0x01 << 8)) & 0xfff);
    expect(mtaHash(hex('01005e7fffff'), 0, 0)).toBe(0xfff);
    expect(isBroadcast(hex('ffffffffffff'), 0)).toBe(true);
    expect(isMulticast(a, 0)).toBe(true);
    expect(isMulticast(hex('020000000001'), 0)).toBe(false);
  });
});

describe('onesComplementSum on 32-bit words', () => {
  const reference = rfc1071Sum; // the definition
  test('equals the definition at every alignment, parity and length, in views at any offset', () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    const backing = new Uint8Array(4096 + 16);
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < backing.length; i++) backing[i] = round % 7 === 0 ? 0xff : rnd() & 0xff;
      const view = backing.subarray(rnd() % 8); // a view starting at any byte
      const from = rnd() % 64;
      const to = Math.min(view.length, from + (rnd() % 2000));
      expect(onesComplementSum(view, from, to)).toBe(reference(view, from, to));
    }
    const zeros = new Uint8Array(1500);
    expect(onesComplementSum(zeros, 3, 1499)).toBe(0);
  });
});

describe('fcs32 on short and long ranges', () => {
  test('the table loop (below 128 bytes) and zlib agree with each other at every length and offset', async () => {
    const { crc32 } = await import('node:zlib');
    const b = new Uint8Array(400);
    for (let i = 0; i < b.length; i++) b[i] = (i * 151 + 17) & 0xff;
    for (let len = 0; len <= 200; len++) for (const off of [0, 1, 3, 8]) expect(fcs32(b, off, off + len)).toBe(crc32(b.subarray(off, off + len)) >>> 0);
  });
});
