/**
 * Shared test helpers for the wire codecs: hex fixtures, a reference checksum written
 * independently of `stack/wire/checksum.ts`, the round-trip helper and the prefix/fuzz sweeps.
 */
import { expect } from 'vitest';
import { WireError } from '../../../stack/wire/error.js';

/** Bytes from a hex dump: whitespace ignored, `//` comments to the end of a line ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex fixture: ${digits}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Hex dump for readable failures. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A buffer of `len` bytes all set to `byte` (0xa5 by default), so unwritten bytes show up. */
export function filled(len: number, byte = 0xa5): Uint8Array {
  return new Uint8Array(len).fill(byte);
}

/** Bytes at a non-zero `byteOffset` inside a larger buffer, to catch code that ignores it. */
export function atOffset(bytes: Uint8Array, pad = 5): Uint8Array {
  const big = filled(bytes.length + 2 * pad, 0x5a);
  big.set(bytes, pad);
  return big.subarray(pad, pad + bytes.length);
}

/**
 * Reference Internet checksum, deliberately naive: sum big-endian 16-bit words as a BigInt,
 * fold with end-around carries, complement. Returns the value to put in a checksum field.
 */
export function refChecksum(...parts: Uint8Array[]): number {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  let sum = 0n;
  for (let i = 0; i < all.length; i += 2) sum += BigInt(all[i] * 256 + (i + 1 < all.length ? all[i + 1] : 0));
  while (sum > 0xffffn) sum = (sum & 0xffffn) + (sum >> 16n);
  return Number(~sum & 0xffffn);
}

/** The 12-byte IPv4 pseudo-header as bytes (for {@link refChecksum}). */
export function pseudoHeader(src: number, dst: number, protocol: number, length: number): Uint8Array {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint32(0, src);
  new DataView(b.buffer).setUint32(4, dst);
  b[9] = protocol;
  new DataView(b.buffer).setUint16(10, length);
  return b;
}

/** A codec as the round-trip helper sees it. */
export interface Codec<R> {
  parse(bytes: Uint8Array): R | WireError;
  bufferLen(repr: R): number;
  emit(repr: R, buf: Uint8Array, offset?: number): void;
}

/**
 * The shared round trip: parse(fixture) equals `repr`; bufferLen(repr) is the fixture's length;
 * emit into an exact 0xa5 buffer equals the fixture; emit at offset 7 inside a larger 0xa5 buffer
 * writes exactly the fixture there and nothing around it; and the bytes parsed back from that
 * sub-view (non-zero byteOffset) equal `repr` again.
 */
export function roundTrip<R>(codec: Codec<R>, repr: R, fixture: Uint8Array): void {
  expect(codec.parse(fixture)).toEqual(repr);
  const len = codec.bufferLen(repr);
  expect(len).toBe(fixture.length);

  const exact = filled(len);
  codec.emit(repr, exact);
  expect(toHex(exact)).toBe(toHex(fixture));

  const pre = 7;
  const post = 9;
  const big = filled(pre + len + post);
  codec.emit(repr, big, pre);
  expect(toHex(big.subarray(pre, pre + len))).toBe(toHex(fixture));
  expect(big.subarray(0, pre).every((b) => b === 0xa5)).toBe(true);
  expect(big.subarray(pre + len).every((b) => b === 0xa5)).toBe(true);
  expect(codec.parse(big.subarray(pre, pre + len))).toEqual(repr);
}

/** Parses every strict prefix of `fixture`: none may throw; returns the results by length. */
export function everyPrefix<R>(fixture: Uint8Array, parse: (b: Uint8Array) => R | WireError): (R | WireError)[] {
  const out: (R | WireError)[] = [];
  for (let n = 0; n < fixture.length; n++) {
    const r = parse(fixture.slice(0, n));
    expect(r).toBeDefined();
    out.push(r);
  }
  return out;
}

/** A small seeded PRNG for fuzzing (mulberry32). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** `count` mutants of `fixture` with 1–4 random byte changes each, deterministic for `seed`. */
export function mutants(fixture: Uint8Array, count: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const m = fixture.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    out.push(m);
  }
  return out;
}

/** Asserts a parse result is a WireError of `kind`. */
export function expectError(result: unknown, kind: WireError['kind']): void {
  expect(result).toBeInstanceOf(WireError);
  expect((result as WireError).kind).toBe(kind);
}
