/** 10BASE-T Manchester (IEEE 802.3 convention) and link pulses. */
import { describe, expect, test } from 'vitest';
import { NLP_PULSE_WIDTH_NS, manchesterDecode, manchesterEncode, nlpPulseTimes } from '../../../../hw/phy/linecode/index.js';
import { arr, prng } from './helpers.js';

describe('Manchester', () => {
  test('0x55 goes LSB first: 1,0,1,0,… as 01 10 01 10 …', () => {
    expect(arr(manchesterEncode(Uint8Array.of(0x55))).join('')).toBe('0110011001100110');
    // 0xD5 (SFD) = 1,0,1,0,1,0,1,1 LSB first
    expect(arr(manchesterEncode(Uint8Array.of(0xd5))).join('')).toBe('0110011001100101');
    expect(arr(manchesterEncode(Uint8Array.of(0x01, 0x80))).join('')).toBe('01101010101010101010101010101001');
  });

  test('round trip of random bytes', () => {
    const rng = prng(31);
    for (let k = 0; k < 20; k++) {
      const bytes = Uint8Array.from({ length: rng.int(1600) }, () => rng.int(256));
      const r = manchesterDecode(manchesterEncode(bytes));
      expect(r.errors).toEqual([]);
      expect(arr(r.bytes)).toEqual(arr(bytes));
    }
  });

  test('no mid-bit transition is a code violation, reported with its bit index', () => {
    const lv = manchesterEncode(Uint8Array.of(0x00, 0xff));
    lv[2 * 3] = 0; // bit 3 of 0x00: "10" → "00"
    lv[2 * 12 + 1] = 0; // bit 12 (bit 4 of 0xff): "01" → "00"
    lv[2 * 15] = 1; // bit 15: "01" → "11"
    const r = manchesterDecode(lv);
    expect(r.errors).toEqual([
      { kind: 'code-violation', index: 3, bit: 6, detail: '00' },
      { kind: 'code-violation', index: 12, bit: 24, detail: '00' },
      { kind: 'code-violation', index: 15, bit: 30, detail: '11' },
    ]);
    // a trailing incomplete byte is still checked
    expect(manchesterDecode([1, 0, 1, 1]).errors).toEqual([{ kind: 'code-violation', index: 1, bit: 2, detail: '11' }]);
  });
});

describe('link-integrity pulses (NLP)', () => {
  test('every 16 ms without jitter', () => {
    expect(nlpPulseTimes(0, 50_000_000)).toEqual([0, 16_000_000, 32_000_000, 48_000_000]);
    expect(NLP_PULSE_WIDTH_NS).toBe(100);
  });

  test('with a seeded jitter source: 8–24 ms apart, deterministic', () => {
    const mk = () => {
      const r = prng(77);
      return nlpPulseTimes(1_000, 1_000_000_000, { random: () => r.u32() / 2 ** 32 });
    };
    const t = mk();
    expect(t).toEqual(mk());
    expect(t[0]).toBe(1_000);
    for (let i = 1; i < t.length; i++) {
      const gap = t[i] - t[i - 1];
      expect(gap).toBeGreaterThanOrEqual(8_000_000);
      expect(gap).toBeLessThanOrEqual(24_000_000);
    }
    expect(new Set(t.slice(1).map((x, i) => x - t[i])).size).toBeGreaterThan(10);
  });
});
