/**
 * The 100BASE-TX stream cipher (ANSI X3.263 TP-PMD, used by IEEE 802.3 clause 25): an 11-bit
 * linear feedback shift register with the polynomial x^11 + x^9 + 1 produces the key stream
 * `L[n] = L[n-11] ⊕ L[n-9]`; the transmitter sends `code bit ⊕ L[n]`. The receiver is not
 * self-synchronising: it must *lock*, which it does on idle (all-ones code groups), where every
 * received bit is `1 ⊕ L[n]`: it loads 11 received bits ⊕ 1 as its state, then checks that the
 * bits it predicts keep matching before it trusts the lock.
 *
 * State convention: an 11-bit number holding the last 11 key bits, bit 0 the newest. The key
 * stream is periodic (2047 bits, the polynomial is primitive), so the hot path uses a precomputed
 * period indexed by *phase* (position in the period) instead of stepping the register per bit.
 * @module
 */

/** Width of the scrambler state in bits. */
export const SCRAMBLER_BITS = 11;
/** Period of the key stream (2^11 − 1). */
export const SCRAMBLER_PERIOD = 2047;
const MASK = 0x7ff;

/** The key bit an LFSR in `state` produces next (L[n] = L[n-9] ⊕ L[n-11]). */
export function scramblerKeyBit(state: number): number {
  return ((state >>> 8) ^ (state >>> 10)) & 1;
}

/** The LFSR state after producing one key bit. */
export function scramblerStep(state: number): number {
  return ((state << 1) | scramblerKeyBit(state)) & MASK;
}

/** One key-stream period, phase 0 = the bit produced from the all-ones state. */
export const KEY_STREAM: Uint8Array = new Uint8Array(SCRAMBLER_PERIOD);
/** Phase of each non-zero state (the position of the next key bit), -1 for state 0. */
const PHASE_OF_STATE = new Int16Array(MASK + 1).fill(-1);
/** State at each phase. */
const STATE_AT_PHASE = new Uint16Array(SCRAMBLER_PERIOD);
/** Ten key bits starting at each phase, the first one in bit 9 (wrapping around the period). */
export const KEY10: Uint16Array = new Uint16Array(SCRAMBLER_PERIOD);
/** A zero key stream of the same shape, used when scrambling is off. */
export const ZERO_KEY10: Uint16Array = new Uint16Array(SCRAMBLER_PERIOD);

{
  let s = MASK;
  for (let p = 0; p < SCRAMBLER_PERIOD; p++) {
    if (PHASE_OF_STATE[s] !== -1) throw new Error('scrambler: polynomial is not maximal');
    PHASE_OF_STATE[s] = p;
    STATE_AT_PHASE[p] = s;
    KEY_STREAM[p] = scramblerKeyBit(s);
    s = scramblerStep(s);
  }
  if (s !== MASK) throw new Error('scrambler: period is not 2047');
  for (let p = 0; p < SCRAMBLER_PERIOD; p++) {
    let w = 0;
    for (let j = 0; j < 10; j++) w = (w << 1) | KEY_STREAM[(p + j) % SCRAMBLER_PERIOD];
    KEY10[p] = w;
  }
}

/** Phase (position in the key-stream period) of a non-zero 11-bit state; throws on 0. */
export function scramblerPhase(state: number): number {
  const p = PHASE_OF_STATE[state & MASK];
  if ((state & ~MASK) !== 0 || p < 0) throw new RangeError(`scrambler: seed must be a non-zero 11-bit value, got ${state}`);
  return p;
}

/** The LFSR state at a phase. */
export function scramblerStateAt(phase: number): number {
  return STATE_AT_PHASE[mod(phase)];
}

/** The phase `bits` key bits after `phase`, reduced into [0, 2047). */
export function scramblerAdvance(phase: number, bits: number): number {
  return mod(phase + bits);
}

function mod(p: number): number {
  const r = p % SCRAMBLER_PERIOD;
  return r < 0 ? r + SCRAMBLER_PERIOD : r;
}

/**
 * Scrambles (or, the same operation, descrambles with a known state) a bit array with the key
 * stream starting from `seed`; returns the output and the state to continue from. Reference
 * implementation: steps the register bit by bit.
 */
export function scrambleBits(bits: ArrayLike<number>, seed: number): { bits: Uint8Array; state: number } {
  scramblerPhase(seed); // validates
  let s = seed;
  const out = new Uint8Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    out[i] = (bits[i] & 1) ^ scramblerKeyBit(s);
    s = scramblerStep(s);
  }
  return { bits: out, state: s };
}

/** Result of descrambler lock acquisition. */
export interface ScramblerLock {
  /** Whether a lock was verified. */
  locked: boolean;
  /** Index of the first bit after the verified lock window (where descrambling continues). */
  at: number;
  /** Key-stream phase for bit `at` (-1 when not locked). */
  phase: number;
  /** LFSR state for bit `at` (0 when not locked). */
  state: number;
  /** Bit indices where a verification failed (each failure restarts the acquisition). */
  failures: number[];
}

/**
 * Lock acquisition from scrambled idle: load 11 received bits ⊕ 1 as the LFSR state, then verify
 * that the next `verifyBits` received bits equal `1 ⊕ key`. On a mismatch the attempt restarts
 * just after it. `bitAt(i)` gives the received (scrambled) bit i, for i in [from, end).
 */
export function acquireScramblerLock(
  bitAt: (i: number) => number,
  from: number,
  end: number,
  verifyBits = 29,
): ScramblerLock {
  const failures: number[] = [];
  let start = from;
  while (start + SCRAMBLER_BITS + verifyBits <= end) {
    let s = 0;
    for (let i = start; i < start + SCRAMBLER_BITS; i++) s = (s << 1) | (bitAt(i) ^ 1);
    let p = PHASE_OF_STATE[s];
    if (p < 0) {
      // state 0 cannot be a key-stream window: this was not idle
      failures.push(start + SCRAMBLER_BITS - 1);
      start++;
      continue;
    }
    let i = start + SCRAMBLER_BITS;
    const stop = i + verifyBits;
    for (; i < stop; i++) {
      if ((bitAt(i) ^ KEY_STREAM[p]) !== 1) break;
      p = p + 1 === SCRAMBLER_PERIOD ? 0 : p + 1;
    }
    if (i === stop) return { locked: true, at: stop, phase: p, state: STATE_AT_PHASE[p], failures };
    failures.push(i);
    start = i + 1;
  }
  return { locked: false, at: end, phase: -1, state: 0, failures };
}

/** Lock acquisition over a bit array (see `acquireScramblerLock`). */
export function descramblerLock(bits: ArrayLike<number>, from = 0, verifyBits = 29): ScramblerLock {
  return acquireScramblerLock((i) => bits[i] & 1, from, bits.length, verifyBits);
}
