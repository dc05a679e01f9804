/** MLT-3 and NRZI line levels. */
import { expect, test } from 'vitest';
import { mlt3Decode, mlt3Encode, mlt3NextState, nrziDecode, nrziEncode } from '../../../../hw/phy/linecode/index.js';
import { arr, prng } from './helpers.js';

test('MLT-3: each 1 moves along 0, +1, 0, -1; a 0 holds the level', () => {
  const bits = [1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1];
  expect(arr(mlt3Encode(bits).levels)).toEqual([1, 0, -1, 0, 1, 1, 1, 0, 0, -1, 0, 0, 1]);
  const r = mlt3Encode([1, 1], 2);
  expect({ levels: arr(r.levels), state: r.state }).toEqual({ levels: [-1, 0], state: 0 });
});

test('MLT-3 and NRZI decode by transitions, round trip', () => {
  const rng = prng(9);
  const bits = Array.from({ length: 1000 }, () => rng.int(2));
  const m = mlt3Encode(bits, 3);
  expect(arr(mlt3Decode(m.levels, -1))).toEqual(bits);
  const z = nrziEncode(bits, 1);
  expect(arr(nrziDecode(z.levels, 1))).toEqual(bits);
  expect(arr(nrziEncode([1, 0, 1, 1]).levels)).toEqual([1, 1, 0, 1]);
});

test('MLT-3 state tracking from levels', () => {
  expect(mlt3NextState(0, 0)).toBe(0);
  expect(mlt3NextState(0, 1)).toBe(1);
  expect(mlt3NextState(1, 0)).toBe(2);
  expect(mlt3NextState(2, -1)).toBe(3);
  expect(mlt3NextState(3, 0)).toBe(0);
  expect(mlt3NextState(1, -1)).toBe(3); // not a legal step: the state that explains the level
});
