/**
 * Test helpers for the line codes: a seeded PRNG, frames as the MAC hands them to the PHY, and a
 * small model of what the receiving MAC checks (SFD after the preamble, then the FCS).
 */
import { crc32 } from 'node:zlib';

/** A seeded PRNG (mulberry32): uniform integers, never Math.random. */
export function prng(seed: number): { u32(): number; int(n: number): number } {
  let a = seed >>> 0;
  const u32 = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return { u32, int: (n: number) => u32() % n };
}

/** 7×0x55 preamble and the SFD. */
export const PREAMBLE_SFD = [0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5];

/** A frame as the MAC hands it to the PHY: preamble, SFD, `len` random bytes, FCS (LE CRC-32). */
export function macFrame(rng: { int(n: number): number }, len: number): Uint8Array {
  const out = new Uint8Array(8 + len + 4);
  out.set(PREAMBLE_SFD);
  for (let i = 0; i < len; i++) out[8 + i] = rng.int(256);
  const fcs = crc32(out.subarray(8, 8 + len)) >>> 0;
  new DataView(out.buffer).setUint32(8 + len, fcs, true);
  return out;
}

/** What the receiving MAC makes of PHY bytes. */
export type MacVerdict = 'ok' | 'no-sfd' | 'bad-fcs';

/** Index of the SFD as the MAC finds it: the first 0xD5 octet (preamble octets are not checked), or -1. */
export function sfdIndex(bytes: Uint8Array): number {
  return bytes.indexOf(0xd5);
}

/** The receiving MAC's checks: find the SFD, then check the FCS of the frame after it. */
export function macCheck(bytes: Uint8Array): MacVerdict {
  const i = sfdIndex(bytes);
  if (i < 0) return 'no-sfd';
  const frame = bytes.subarray(i + 1);
  if (frame.length < 4) return 'bad-fcs';
  const body = frame.subarray(0, frame.length - 4);
  const fcs = new DataView(frame.buffer, frame.byteOffset + frame.length - 4, 4).getUint32(0, true);
  return (crc32(body) >>> 0) === fcs ? 'ok' : 'bad-fcs';
}

/** The frame after the SFD as the MAC finds it, or null without SFD. */
export function afterSfd(bytes: Uint8Array): Uint8Array | null {
  const i = sfdIndex(bytes);
  return i < 0 ? null : bytes.subarray(i + 1);
}

/** Whether two byte arrays are equal. */
export function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytes as a plain array (for readable `toEqual` diffs). */
export function arr(a: ArrayLike<number>): number[] {
  return Array.from(a);
}
