/**
 * Adapter throughput: frames per wall-clock second moved adapter → cable → adapter, programmed
 * only through registers and host memory (no driver): see bench/pair.ts.
 * @module
 */
import type { Speed } from '../hw/medium/types.js';
import type { Session } from './harness.js';
import { registerPair } from './pair.js';

/** Options of {@link adapterSession}. */
export interface AdapterSessionOptions {
  /** Link speed (default 1000). */
  speed?: Speed;
  /** Adapter fidelity (default frame). */
  fidelity?: 'frame' | 'signal';
  /** Frames per step (default 512 in frame fidelity, 64 in signal fidelity). */
  batch?: number;
}

/** Moves frames of `size` bytes (header to FCS) a → b, one ring batch per step; units: good frames received. */
export function adapterSession(size: number, opts: AdapterSessionOptions = {}): Session {
  const pair = registerPair({ size, speed: opts.speed, fidelity: opts.fidelity });
  const batch = opts.batch ?? (opts.fidelity === 'signal' ? 64 : 512);
  let sent = 0;
  let good = 0;
  return {
    step() {
      const c = pair.batch(batch);
      sent += c.sent;
      good += c.good;
      return c.good;
    },
    close() {
      if (good !== sent) throw new Error(`adapter ${size} B: ${sent - good} of ${sent} frames did not arrive good`);
    },
  };
}
