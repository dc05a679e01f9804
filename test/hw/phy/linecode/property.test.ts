/**
 * Property: a single symbol error never slips through silently. For random frames, every code
 * bit (4B/5B and 8b/10b) or half-bit (Manchester) is flipped in turn; each flip must be reported
 * by the decoder, or change the decoded bytes so that the MAC's SFD/FCS check fails. The one
 * harmless exception is a preamble octet turned into another valid data octet (possible only in
 * 100BASE-TX, where one code bit can turn nibble 5 into 4 or 1): the preamble is outside the FCS,
 * the frame itself arrives intact, and the test checks exactly that.
 */
import { describe, expect, test } from 'vitest';
import { createLineCodec, flipBit, type LineCodec, type PhyKind } from '../../../../hw/phy/linecode/index.js';
import { afterSfd, macCheck, macFrame, prng, sameBytes } from './helpers.js';

type Outcome = 'reported' | 'mac-detects' | 'preamble-only' | 'silent' | 'invisible';

function outcome(codec: LineCodec, mac: Uint8Array, stream: ReturnType<LineCodec['encodeFrame']>, bit: number): Outcome {
  const r = codec.decodeFrame(flipBit(stream, bit));
  if (r.errors.length > 0) return 'reported';
  if (r.frames.length === 1 && sameBytes(r.bytes, mac)) return 'invisible';
  if (r.frames.length !== 1) return 'silent';
  if (macCheck(r.bytes) !== 'ok') return 'mac-detects';
  const got = afterSfd(r.bytes);
  return got && sameBytes(got, mac.subarray(8)) ? 'preamble-only' : 'silent';
}

function run(kind: PhyKind, seed: number, frames: number, sampleLong: number) {
  const rng = prng(seed);
  const codec = createLineCodec(kind, { seed: 1 + rng.int(2047) });
  const tally: Record<Outcome, number> = { reported: 0, 'mac-detects': 0, 'preamble-only': 0, silent: 0, invisible: 0 };
  const bad: string[] = [];
  const check = (mac: Uint8Array, bits: Iterable<number>, s: ReturnType<LineCodec['encodeFrame']>) => {
    for (const b of bits) {
      const o = outcome(codec, mac, s, b);
      tally[o]++;
      if ((o === 'silent' || o === 'invisible') && bad.length < 5) bad.push(`${kind}: flip of bit ${b} (${mac.length}-byte frame) was ${o}`);
    }
  };
  // every position of short frames
  for (let f = 0; f < frames; f++) {
    const mac = macFrame(rng, 46 + rng.int(40));
    const s = codec.encodeFrame(mac);
    expect(codec.decodeFrame(s).errors).toEqual([]);
    check(mac, Array.from({ length: s.bitCount }, (_, i) => i), s);
  }
  // sampled positions of maximum-size frames
  const mac = macFrame(rng, 1514);
  const s = codec.encodeFrame(mac);
  const sample = new Set<number>();
  for (let k = 0; k < 64; k++) sample.add(k); // the whole leading idle / preamble
  for (let k = s.bitCount - 64; k < s.bitCount; k++) sample.add(k); // /T/R/ and trailing idle
  while (sample.size < 128 + sampleLong) sample.add(rng.int(s.bitCount));
  check(mac, sample, s);
  return { tally, bad };
}

describe('single symbol errors never pass silently', () => {
  test('10BASE-T: every half-bit flip is a code violation', () => {
    const { tally, bad } = run('10BASE-T', 101, 4, 400);
    expect(bad).toEqual([]);
    expect(tally['mac-detects'] + tally['preamble-only']).toBe(0); // all reported by the PHY
    expect(tally.reported).toBeGreaterThan(4 * 16 * 60);
  });

  test('100BASE-TX: every code-bit flip is reported or fails the FCS (preamble excepted)', () => {
    const { tally, bad } = run('100BASE-TX', 202, 12, 1500);
    expect(bad).toEqual([]);
    expect(tally.reported).toBeGreaterThan(0);
    expect(tally['mac-detects']).toBeGreaterThan(0);
  });

  test('1000BASE-X: every code-bit flip is reported or fails the FCS', () => {
    const { tally, bad } = run('1000BASE-X', 303, 16, 2000);
    expect(bad).toEqual([]);
    expect(tally.reported).toBeGreaterThan(0);
    expect(tally['preamble-only']).toBe(0); // a wrong preamble character always breaks the disparity
  });
});
