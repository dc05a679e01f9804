/**
 * Transition codes: NRZI (a 1 toggles the two-level line, 100BASE-FX) and MLT-3 (a 1 moves the
 * three-level line one step along the cycle 0, +1, 0, -1; 100BASE-TX). Both are decoded by
 * looking for a change of level between consecutive bit times.
 * @module
 */

/** MLT-3 level of each of the four states of the cycle. */
export const MLT3_LEVELS: readonly number[] = [0, 1, 0, -1];

/** Encodes bits into MLT-3 levels starting from `state` (0–3); returns the levels and end state. */
export function mlt3Encode(bits: ArrayLike<number>, state = 0): { levels: Int8Array; state: number } {
  const levels = new Int8Array(bits.length);
  let s = state & 3;
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] & 1) s = (s + 1) & 3;
    levels[i] = MLT3_LEVELS[s];
  }
  return { levels, state: s };
}

/** Decodes MLT-3 (or any transition-coded) levels: a bit is 1 when the level changed. */
export function mlt3Decode(levels: ArrayLike<number>, prevLevel = 0): Uint8Array {
  const bits = new Uint8Array(levels.length);
  let prev = prevLevel;
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i];
    bits[i] = v !== prev ? 1 : 0;
    prev = v;
  }
  return bits;
}

/**
 * The MLT-3 state after a level was seen in `state`: the state itself when the level did not
 * change, the next state when it moved one step, else the state that best explains the level.
 */
export function mlt3NextState(state: number, level: number): number {
  const s = state & 3;
  if (level === MLT3_LEVELS[s]) return s;
  const n = (s + 1) & 3;
  if (level === MLT3_LEVELS[n]) return n;
  if (level > 0) return 1;
  if (level < 0) return 3;
  return s === 1 ? 2 : 0;
}

/** Encodes bits into NRZI levels (0/1) starting from `level`; returns the levels and end level. */
export function nrziEncode(bits: ArrayLike<number>, level = 0): { levels: Int8Array; level: number } {
  const levels = new Int8Array(bits.length);
  let l = level & 1;
  for (let i = 0; i < bits.length; i++) {
    l ^= bits[i] & 1;
    levels[i] = l;
  }
  return { levels, level: l };
}

/** Decodes NRZI levels: a bit is 1 when the level toggled. */
export function nrziDecode(levels: ArrayLike<number>, prevLevel = 0): Uint8Array {
  return mlt3Decode(levels, prevLevel);
}
