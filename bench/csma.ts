/**
 * CSMA/CD study throughput: simulated seconds per wall-clock second of `nicsim lan --hub` —
 * N adapters on one 10 Mb/s repeater hub, every station keeping its transmit ring full of
 * max-size frames (a saturated collision domain: deferrals, collisions, jams and back-offs all
 * the time). Built and warmed up (link up, 100 ms of traffic) before timing; each step runs 5 ms
 * of simulated time.
 * @module
 */
import { buildLan } from '../topology/lan.js';
import { MS } from '../sim/time.js';
import * as R from '../hw/registers/e1000.js';
import type { Session } from './harness.js';

/** Simulated time per step, ns. */
const STEP_NS = 5 * MS;

/** `stations` saturated stations with `size`-byte frames on a 10 Mb/s hub; units: simulated seconds. */
export function csmaSession(stations: number, size = 1518): Session {
  const lan = buildLan({ stations, size, seed: 1 });
  const { sim } = lan;
  sim.run({ until: 5 * MS }); // link up by parallel detection
  lan.start();
  sim.run({ until: sim.now + 100 * MS });
  const sent = () => lan.nics.reduce((a, n) => a + n.read32(R.GPTC.offset), 0);
  sent(); // GPTC is read-to-clear
  let frames = 0;
  let simNs = 0;
  return {
    step() {
      sim.run({ until: sim.now + STEP_NS });
      frames += sent();
      simNs += STEP_NS;
      return STEP_NS / 1e9;
    },
    close() {
      // a saturated 10 Mb/s hub carries most of its capacity in max-size frames: a stalled study would not
      const perS = frames / (simNs / 1e9);
      if (size === 1518 && perS < 700) throw new Error(`csma: only ${perS.toFixed(0)} frames/s delivered (expected ≈ 780 on a saturated 10 Mb/s hub)`);
    },
  };
}
