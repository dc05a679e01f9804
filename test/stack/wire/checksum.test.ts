import { describe, expect, it } from 'vitest';
import {
  checksumOk,
  combineSums,
  finishChecksum,
  internetChecksum,
  ipv4PseudoHeaderSum,
  onesSum,
  swapSum,
} from '../../../stack/wire/checksum.js';
import { atOffset, hex, prng, pseudoHeader, refChecksum } from './helpers.js';

// RFC 1071 §3, "Numerical Examples": bytes 00 01 f2 03 f4 f5 f6 f7.
const RFC1071 = hex('00 01 f2 03 f4 f5 f6 f7');

describe('Internet checksum (RFC 1071)', () => {
  it('RFC 1071 example: sum 0xddf2, checksum 0x220d', () => {
    expect(onesSum(RFC1071)).toBe(0xddf2);
    expect(internetChecksum(RFC1071)).toBe(0x220d);
    expect(finishChecksum(0xddf2)).toBe(0x220d);
    expect(refChecksum(RFC1071)).toBe(0x220d);
  });

  it('the example with its checksum appended verifies (sums to 0xffff)', () => {
    const withSum = hex('00 01 f2 03 f4 f5 f6 f7 22 0d');
    expect(onesSum(withSum)).toBe(0xffff);
    expect(checksumOk(withSum)).toBe(true);
    withSum[3] ^= 1;
    expect(checksumOk(withSum)).toBe(false);
  });

  it('odd lengths pad the last byte with zero on the right', () => {
    expect(onesSum(hex('ab'))).toBe(0xab00);
    expect(onesSum(hex('00 01 f2'))).toBe(0xf201);
    expect(internetChecksum(hex('00 01 f2 03 f4'))).toBe(refChecksum(hex('00 01 f2 03 f4')));
    expect(onesSum(new Uint8Array(0))).toBe(0);
  });

  it('sums a sub-range and honours byteOffset', () => {
    const framed = hex('ff ff 00 01 f2 03 f4 f5 f6 f7 ff');
    expect(onesSum(framed, 2, 10)).toBe(0xddf2);
    expect(onesSum(atOffset(RFC1071, 3))).toBe(0xddf2);
  });

  it('combines partial sums of even-length ranges', () => {
    expect(combineSums(onesSum(RFC1071, 0, 4), onesSum(RFC1071, 4, 8))).toBe(0xddf2);
    expect(combineSums(0xffff, 0xffff)).toBe(0xffff);
    expect(combineSums(0x8000, 0x8000)).toBe(0x0001);
  });

  it('combines an odd-length range with the next through swapSum', () => {
    const a = onesSum(RFC1071, 0, 3);
    const b = onesSum(RFC1071, 3, 8);
    expect(combineSums(a, swapSum(b))).toBe(0xddf2);
  });

  it('the IPv4 pseudo-header sum equals the sum of its 12 bytes', () => {
    const src = 0xc0a80164; // 192.168.1.100
    const dst = 0xc0a80101; // 192.168.1.1
    const sum = ipv4PseudoHeaderSum(src, dst, 17, 48);
    expect(finishChecksum(sum)).toBe(refChecksum(pseudoHeader(src, dst, 17, 48)));
    expect(sum).toBe(onesSum(pseudoHeader(src, dst, 17, 48)));
    expect(ipv4PseudoHeaderSum(0xffffffff, 0xffffffff, 255, 0xffff)).toBe(onesSum(pseudoHeader(0xffffffff, 0xffffffff, 255, 0xffff)));
  });

  it('matches the reference on random data of every length 0…300 at every alignment', () => {
    const rnd = prng(1071);
    const backing = new Uint8Array(400);
    for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(rnd() * 256);
    for (let len = 0; len <= 300; len++) {
      for (let align = 0; align < 4; align++) {
        const view = backing.subarray(align, align + len);
        expect(internetChecksum(view), `len ${len} align ${align}`).toBe(refChecksum(view));
      }
      const start = len % 7;
      expect(internetChecksum(backing, start, start + len)).toBe(refChecksum(backing.subarray(start, start + len)));
    }
  });

  it('handles all-0xff and all-zero data and large buffers exactly', () => {
    expect(onesSum(new Uint8Array(1500))).toBe(0);
    expect(onesSum(new Uint8Array(1500).fill(0xff))).toBe(0xffff);
    const big = new Uint8Array(200_000).fill(0xff);
    expect(onesSum(big)).toBe(0xffff);
    const rnd = prng(7);
    const jumbo = new Uint8Array(70_001);
    for (let i = 0; i < jumbo.length; i++) jumbo[i] = Math.floor(rnd() * 256);
    expect(internetChecksum(jumbo)).toBe(refChecksum(jumbo));
    expect(internetChecksum(jumbo, 1, 65_536)).toBe(refChecksum(jumbo.subarray(1, 65_536)));
  });
});
