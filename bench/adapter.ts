/**
 * Adapter throughput: frames per wall-clock second moved adapter → cable → adapter at 1 Gb/s,
 * programmed only through registers and host memory (no driver): see bench/pair.ts.
 * @module
 */
import type { Speed } from '../hw/medium/types.js';
import { registerPair } from './pair.js';
import type { BenchResult } from './types.js';

const BATCH = 512;

/** Moves frames of `size` bytes (header to FCS) for about `seconds` of wall time; returns frames/s. */
export function adapterFramesPerSecond(size: number, seconds: number, opts: { speed?: Speed; fidelity?: 'frame' | 'signal' } = {}): { framesPerSecond: number; frames: number; simNs: number } {
  const pair = registerPair({ size, ...opts });
  const batch = Math.min(BATCH, Math.max(8, Math.round(seconds * 1000)));
  const simStart = pair.sim.now;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let frames = 0;
  while (performance.now() < deadline) frames += pair.batch(batch).good;
  const wall = (performance.now() - start) / 1000;
  return { framesPerSecond: frames / wall, frames, simNs: pair.sim.now - simStart };
}

/** The adapter benchmarks. */
export function benchAdapter(seconds = 3): BenchResult[] {
  const out: BenchResult[] = [];
  for (const size of [1518, 64]) {
    adapterFramesPerSecond(size, 0.3); // warm-up
    const r = adapterFramesPerSecond(size, seconds);
    out.push({ name: `adapter.frames_per_s.${size}`, value: Math.round(r.framesPerSecond), unit: 'frames/s' });
  }
  return out;
}
