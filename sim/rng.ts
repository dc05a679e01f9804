/**
 * Seeded, per-component random streams. Each component asks the simulator for a stream by name;
 * the stream's state is derived from (seed, name), so adding a component never perturbs others.
 * Generator: xoshiro128** (32-bit), seeded through splitmix32 from an FNV-1a hash of the name.
 * @module
 */

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic pseudo-random stream (xoshiro128**). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Creates a stream from a numeric seed and a component name. */
  constructor(seed: number, name = '') {
    const st = { s: (Math.trunc(seed) ^ fnv1a(name)) | 0 };
    // mix the high part of large seeds in too
    st.s = (st.s + Math.floor(seed / 0x100000000)) | 0;
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r >>> 0;
  }

  /** Uniform float in [0, 1) with 53 bits of precision. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi] inclusive (unbiased by rejection). */
  int(lo: number, hi: number): number {
    if (!(hi >= lo)) throw new RangeError(`Rng.int: empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1;
    if (span > 0x100000000) return lo + Math.floor(this.float() * span);
    const limit = 0x100000000 - (0x100000000 % span);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return lo + (x % span);
    }
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A geometric variate: number of failures before the first success with success probability `p` (0 < p ≤ 1). */
  geometric(p: number): number {
    if (p >= 1) return 0;
    if (p <= 0) return Infinity;
    const u = 1 - this.float(); // (0, 1]
    return Math.floor(Math.log(u) / Math.log1p(-p));
  }

  /** Fills `buf` with random bytes. */
  bytes(buf: Uint8Array): Uint8Array {
    for (let i = 0; i < buf.length; i += 4) {
      let x = this.nextU32();
      for (let j = 0; j < 4 && i + j < buf.length; j++) {
        buf[i + j] = x & 0xff;
        x >>>= 8;
      }
    }
    return buf;
  }

  /** Derives an independent child stream. */
  fork(name: string): Rng {
    return new Rng(this.nextU32(), name);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
