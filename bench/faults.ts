/**
 * Cost of fault injection on the data path: the same frame-fidelity transfer (max-size frames,
 * adapter → cable → adapter at 1 Gb/s, programmed through registers and host memory as in
 * bench/adapter.ts) with and without a `bitErrors` injector at BER 1e-6 on the cable.
 * `faults.ber_overhead` is the slowdown, (frames/s without) ÷ (frames/s with); goal ≤ 1.1.
 * @module
 */
import { bitErrors } from '../hw/faults.js';
import type { Session } from './harness.js';
import { registerPair } from './pair.js';

const BATCH = 512;
const FRAME = 1518;

/** Max-size frames a → b, 512 per step, with bit errors at `ber` on the cable (none when null); units: frames sent. */
export function faultSession(ber: number | null): Session {
  const pair = registerPair({ size: FRAME, middleware: ber === null ? undefined : (sim) => bitErrors(sim, { ber, name: 'bench.ber' }) });
  let sent = 0;
  let good = 0;
  let crcErrors = 0;
  return {
    step() {
      const c = pair.batch(BATCH);
      sent += c.sent;
      good += c.good;
      crcErrors += c.crcErrors;
      return c.sent;
    },
    close() {
      if (ber === null && good !== sent) throw new Error(`faults: ${sent - good} of ${sent} frames lost without an injector`);
      // (with the injector, a flipped preamble or SFD bit loses a frame without a CRC error)
      if (ber !== null && crcErrors === 0) throw new Error('faults: the injector corrupted no frame');
    },
  };
}
