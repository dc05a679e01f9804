/**
 * `nicsim lan`: the shared-medium study. N stations saturate a 10 Mb/s repeater hub with frames
 * of one size; the result is the channel utilization (bits of frames delivered intact, header to
 * FCS, over bit rate × time), collisions per delivered frame, and per-station figures.
 * @module
 */
import { SEC, MS } from '../sim/time.js';
import type { Nic } from '../hw/nic.js';
import * as R from '../hw/registers/e1000.js';
import { buildLan } from '../topology/lan.js';

/** Study parameters. */
export interface LanOptions {
  /** Number of stations (1..64). */
  stations: number;
  /** Frame size from destination to FCS (64..1518). */
  size: number;
  /** Measured simulated seconds (after a 100 ms warm-up). */
  seconds: number;
  /** Seed. */
  seed: number;
  /** Station cable length in metres (default 25). */
  lengthM?: number;
  /** Hub speed (default 10). */
  speed?: 10 | 100;
}

/** Per-station results. */
export interface LanStation {
  /** Station name. */
  name: string;
  /** Frames sent intact per simulated second. */
  framesPerSecond: number;
  /** Collisions this station's transmitter saw. */
  collisions: number;
  /** Frames abandoned after 16 attempts. */
  excessiveCollisions: number;
  /** Late collisions. */
  lateCollisions: number;
  /** Defer events. */
  deferrals: number;
}

/** Study results. */
export interface LanResult {
  /** Bits of intact frames / (bit rate × time). */
  utilization: number;
  /** Collisions per intact frame. */
  collisionsPerFrame: number;
  /** Intact frames per second, all stations. */
  framesPerSecond: number;
  /** Per station. */
  stations: LanStation[];
  /** Parameters. */
  params: { stations: number; size: number; seconds: number; seed: number; speedMbps: number };
}

/** Progress of a long run: simulated time reached, the simulated span the run covers (warm-up included), events executed so far. */
export type Progress = (p: { simNs: number; startNs: number; endNs: number; events: number }) => void;

/** Runs the study; with `onProgress`, runs in slices and reports after each (yielding to the event loop). */
export async function runLan(o: LanOptions, onProgress?: Progress): Promise<LanResult> {
  const { sim, nics, start } = buildLan(o);
  const speed = o.speed ?? 10;
  const warm = 100 * MS;
  const dur = Math.round(o.seconds * SEC);
  const startNs = sim.now;
  const endNs = 5 * MS + warm + dur;
  /** Runs to `until` in slices of 20 ms, reporting after each and yielding to the event loop. */
  const runTo = async (until: number) => {
    while (sim.now < until) {
      sim.run({ until: Math.min(until, sim.now + 20 * MS) });
      if (onProgress) {
        onProgress({ simNs: sim.now, startNs, endNs, events: sim.eventsRun });
        await new Promise((r) => setImmediate(r));
      }
    }
  };
  await runTo(5 * MS); // link up by parallel detection
  start();
  await runTo(sim.now + warm);
  const read = (n: Nic, reg: { offset: number }) => n.read32(reg.offset);
  for (const n of nics) for (const r of [R.GPTC, R.COLC, R.ECOL, R.LATECOL, R.DC]) read(n, r); // clear
  await runTo(sim.now + dur);
  const per = nics.map((n) => ({ name: n.name, sent: read(n, R.GPTC), collisions: read(n, R.COLC), excessive: read(n, R.ECOL), late: read(n, R.LATECOL), deferrals: read(n, R.DC) }));
  const totalSent = per.reduce((a, p) => a + p.sent, 0);
  const totalCol = per.reduce((a, p) => a + p.collisions, 0);
  return {
    utilization: (totalSent * o.size * 8) / (speed * 1e6 * o.seconds),
    collisionsPerFrame: totalSent > 0 ? totalCol / totalSent : 0,
    framesPerSecond: totalSent / o.seconds,
    stations: per.map((p) => ({ name: p.name, framesPerSecond: p.sent / o.seconds, collisions: p.collisions, excessiveCollisions: p.excessive, lateCollisions: p.late, deferrals: p.deferrals })),
    params: { stations: o.stations, size: o.size, seconds: o.seconds, seed: o.seed, speedMbps: speed },
  };
}
