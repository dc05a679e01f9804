/**
 * Cost of fault injection on the data path: the same frame-fidelity transfer (max-size frames,
 * adapter → cable → adapter at 1 Gb/s, programmed through registers and host memory as in
 * bench/adapter.ts) timed with and without a `bitErrors` injector at BER 1e-6 on the cable.
 * `faults.ber_overhead` is the wall-clock ratio (with / without; target < 1.1).
 * @module
 */
import { bitErrors } from '../hw/faults.js';
import { registerPair } from './pair.js';
import type { BenchResult } from './types.js';

const BATCH = 512;
const FRAME = 1518;

/** Moves `count` max-size frames from one adapter to another; returns the wall time in ms and what arrived. */
export function faultTransferMs(count: number, ber: number | null): { ms: number; sent: number; good: number; crcErrors: number } {
  const pair = registerPair({ size: FRAME, middleware: ber === null ? undefined : (sim) => bitErrors(sim, { ber, name: 'bench.ber' }) });
  let sent = 0;
  let good = 0;
  let crcErrors = 0;
  const start = performance.now();
  while (sent < count) {
    const c = pair.batch(Math.min(BATCH, count - sent));
    sent += c.sent;
    good += c.good;
    crcErrors += c.crcErrors;
  }
  return { ms: performance.now() - start, sent, good, crcErrors };
}

/**
 * The fault-injection benchmarks: `frames` frames per configuration, split into `rounds` rounds
 * that alternate which configuration runs first; the figure is the ratio of the fastest round of
 * each (the least disturbed by other load on the machine).
 */
export function benchFaults(frames = 200_000, rounds = 8): BenchResult[] {
  faultTransferMs(20_000, null); // warm-up
  faultTransferMs(20_000, 1e-6);
  const per = Math.ceil(frames / rounds);
  let base = Infinity;
  let ber = Infinity;
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      base = Math.min(base, faultTransferMs(per, null).ms);
      ber = Math.min(ber, faultTransferMs(per, 1e-6).ms);
    } else {
      ber = Math.min(ber, faultTransferMs(per, 1e-6).ms);
      base = Math.min(base, faultTransferMs(per, null).ms);
    }
  }
  return [{ name: 'faults.ber_overhead', value: Math.round((ber / base) * 1000) / 1000, unit: 'ratio' }];
}
