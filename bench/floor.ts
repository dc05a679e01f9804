/**
 * The floor: what the machine does per frame for the least work an honest emulator must do.
 * Emulating a frame costs at least one CRC-32 on transmit and one on receive, plus two DMA copies;
 * these workloads time each of those alone over 1518-byte frame bytes, in the same run as the
 * benchmarks they are compared with.
 * @module
 */
import { crc32 } from 'node:zlib';
import type { Session } from './harness.js';

/** Frames per step of the floor workloads. */
const PER_STEP = 1000;

function frameBytes(size: number): Uint8Array {
  const f = new Uint8Array(size);
  for (let i = 0; i < size; i++) f[i] = (i * 131 + 7) & 0xff;
  return f;
}

/** zlib.crc32 over the bytes of a `size`-byte frame, `PER_STEP` times per step; units: frames. */
export function crc32Session(size = 1518): Session {
  const frame = frameBytes(size);
  let last = 0;
  return {
    step() {
      for (let i = 0; i < PER_STEP; i++) {
        frame[0] = i & 0xff; // a different frame each time
        last = crc32(frame);
      }
      return PER_STEP;
    },
    close() {
      if (last !== crc32(frame)) throw new Error('crc32 floor: the last CRC does not match the frame');
    },
  };
}

/** A `size`-byte copy (TypedArray.set) from one frame buffer into one of 64 slots, `PER_STEP` times per step; units: frames. */
export function copySession(size = 1518): Session {
  const SLOTS = 64;
  const frame = frameBytes(size);
  const pool = new Uint8Array(SLOTS * size);
  let n = 0;
  return {
    step() {
      for (let i = 0; i < PER_STEP; i++) {
        frame[0] = n & 0xff;
        pool.set(frame, (n++ % SLOTS) * size);
      }
      return PER_STEP;
    },
    close() {
      if (pool[(--n % SLOTS) * size] !== (n & 0xff)) throw new Error('copy floor: the last copy is not in the pool');
    },
  };
}
