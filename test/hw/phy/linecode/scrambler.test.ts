/** The 100BASE-TX stream cipher x^11 + x^9 + 1 and descrambler lock acquisition on idle. */
import { describe, expect, test } from 'vitest';
import {
  KEY_STREAM,
  SCRAMBLER_PERIOD,
  acquireScramblerLock,
  descramblerLock,
  scrambleBits,
  scramblerKeyBit,
  scramblerPhase,
  scramblerStateAt,
  scramblerStep,
} from '../../../../hw/phy/linecode/index.js';
import { arr, prng } from './helpers.js';

/** The key stream by the recurrence L[n] = L[n-11] ⊕ L[n-9], from 11 seed bits (oldest first). */
function keyByRecurrence(seedBits: number[], count: number): number[] {
  const l = seedBits.slice();
  for (let n = 11; n < 11 + count; n++) l.push(l[n - 11] ^ l[n - 9]);
  return l.slice(11);
}

/** The 11-bit state (bit 0 newest) from seed bits oldest first. */
const stateOf = (bits: number[]) => bits.reduce((s: number, b) => (s << 1) | b, 0);

describe('scrambler', () => {
  test('the LFSR follows L[n] = L[n-11] xor L[n-9]', () => {
    const rng = prng(3);
    for (let k = 0; k < 20; k++) {
      const seedBits = Array.from({ length: 11 }, () => rng.int(2));
      if (!seedBits.includes(1)) seedBits[0] = 1;
      let s = stateOf(seedBits);
      const got: number[] = [];
      for (let i = 0; i < 100; i++) {
        got.push(scramblerKeyBit(s));
        s = scramblerStep(s);
      }
      expect(got).toEqual(keyByRecurrence(seedBits, 100));
    }
  });

  test('maximal length: period 2047, every non-zero state once', () => {
    expect(SCRAMBLER_PERIOD).toBe(2047);
    const seen = new Set<number>();
    let s = 1;
    for (let i = 0; i < 2047; i++) {
      seen.add(s);
      s = scramblerStep(s);
    }
    expect(s).toBe(1);
    expect(seen.size).toBe(2047);
    expect(KEY_STREAM.reduce((a, b) => a + b, 0)).toBe(1024); // an m-sequence has 2^10 ones
    expect(() => scramblerPhase(0)).toThrow(RangeError);
    for (const st of [1, 0x5a5, 0x7ff]) expect(scramblerStateAt(scramblerPhase(st))).toBe(st);
  });

  test('descrambling with the same seed undoes scrambling', () => {
    const rng = prng(4);
    const bits = Array.from({ length: 500 }, () => rng.int(2));
    const a = scrambleBits(bits, 0x123);
    expect(arr(a.bits)).not.toEqual(bits);
    expect(arr(scrambleBits(a.bits, 0x123).bits)).toEqual(bits);
  });

  test('lock from scrambled idle with an arbitrary transmitter seed (the seed is never shared)', () => {
    const rng = prng(5);
    for (let k = 0; k < 50; k++) {
      const seed = 1 + rng.int(2047);
      const idle = new Array(60).fill(1);
      const data = Array.from({ length: 200 }, () => rng.int(2));
      const tx = scrambleBits([...idle, ...data], seed);
      const lock = descramblerLock(tx.bits);
      expect(lock.locked).toBe(true);
      expect(lock.failures).toEqual([]);
      expect(lock.at).toBe(40); // 11 bits loaded + 29 verified
      // from the lock on, the receiver's key equals the transmitter's: the data comes out
      const rx: number[] = [];
      let p = lock.phase;
      for (let i = lock.at; i < tx.bits.length; i++) {
        rx.push(tx.bits[i] ^ KEY_STREAM[p]);
        p = (p + 1) % SCRAMBLER_PERIOD;
      }
      expect(rx).toEqual([...idle.slice(40), ...data]);
    }
  });

  test('a bit error during acquisition fails verification and restarts the lock', () => {
    const tx = scrambleBits(new Array(120).fill(1), 0x2aa);
    for (const at of [0, 5, 10, 11, 25, 39]) {
      const bad = Uint8Array.from(tx.bits);
      bad[at] ^= 1;
      const lock = descramblerLock(bad);
      expect(lock.failures.length).toBeGreaterThan(0);
      expect(lock.failures[0]).toBeLessThanOrEqual(at + 11);
      expect(lock.locked).toBe(true); // there is enough idle after the error to lock again
      expect(lock.at).toBeGreaterThan(at);
    }
    // not idle at all: never locks
    const rng = prng(6);
    const noise = Uint8Array.from({ length: 300 }, () => rng.int(2));
    expect(acquireScramblerLock((i) => noise[i], 0, noise.length).locked).toBe(false);
  });
});
