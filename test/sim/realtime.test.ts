import { describe, expect, test } from 'vitest';
import { Simulator } from '../../sim/simulator.js';

const MS = 1_000_000;

/** Wall-clock ms since `t0`. */
function since(t0: number): number {
  return performance.now() - t0;
}

describe('real-time loop', () => {
  test('a late wake-up of an earlier short sleep does not swallow a later sleep’s wake-up (post at +100 ms runs at about +100 ms, not at the next timer)', async () => {
    const sim = new Simulator();
    const t0 = performance.now();
    let ranAtWall = -1;
    let ranAtSim = -1;
    // At t = 0: an event 1 ms away makes the loop take a short sleep; a continuation then posts
    // an event that cancels it, so the loop's next sleep is a long one (until the event at 2 s).
    sim.schedule(0, () => {
      const short = sim.schedule(1 * MS, () => undefined);
      void Promise.resolve().then(() => sim.post(() => short.cancel()));
    });
    sim.schedule(2_000 * MS, () => undefined);
    setTimeout(() => {
      sim.post(() => {
        ranAtWall = since(t0);
        ranAtSim = sim.now;
        sim.stop();
      });
    }, 100);
    const r = await sim.runRealtime({ until: 2_500 * MS });
    expect(r.reason).toBe('stopped');
    expect(ranAtWall).toBeGreaterThanOrEqual(99);
    expect(ranAtWall).toBeLessThan(600);
    expect(ranAtSim).toBeGreaterThanOrEqual(50 * MS); // the run started a little after t0
    expect(ranAtSim).toBeLessThan(600 * MS);
  });

  test('sim.schedule() from outside an event wakes the sleeping loop, and its delay counts from the wall clock', async () => {
    const sim = new Simulator();
    const t0 = performance.now();
    sim.schedule(2_000 * MS, () => undefined);
    const ran: Array<{ wall: number; sim: number }> = [];
    setTimeout(() => {
      sim.schedule(0, () => ran.push({ wall: since(t0), sim: sim.now }));
      sim.schedule(50 * MS, () => {
        ran.push({ wall: since(t0), sim: sim.now });
        sim.stop();
      });
    }, 60);
    const r = await sim.runRealtime({ until: 2_500 * MS });
    expect(r.reason).toBe('stopped');
    expect(ran).toHaveLength(2);
    expect(ran[0].wall).toBeLessThan(500);
    expect(ran[0].sim).toBeGreaterThanOrEqual(30 * MS); // the wall clock at the call (the run started a little after t0)
    expect(ran[1].sim - ran[0].sim).toBe(50 * MS);
    expect(ran[1].wall).toBeGreaterThanOrEqual(108);
    expect(ran[1].wall).toBeLessThan(700);
  });

  test('stop() from outside wakes the sleeping loop, and the clock ends at the wall clock', async () => {
    const sim = new Simulator();
    const t0 = performance.now();
    setTimeout(() => sim.stop(), 50);
    const r = await sim.runRealtime({ waitForPosts: true, until: 3_000 * MS });
    expect(r.reason).toBe('stopped');
    expect(since(t0)).toBeLessThan(1_000);
    expect(sim.now).toBeGreaterThanOrEqual(49 * MS); // idle time passed on the simulated clock too
    expect(sim.now).toBeLessThan(1_000 * MS);
  });

  test('events under 2 ms apart do not busy-spin: the loop sleeps on timers (CPU well under the wall time)', async () => {
    const sim = new Simulator();
    let ticks = 0;
    const tick = () => {
      ticks++;
      sim.schedule(1_500_000, tick); // every 1.5 ms
    };
    sim.schedule(0, tick);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sim.runRealtime({ until: 300 * MS });
    const wall = since(t0);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(ticks).toBeGreaterThanOrEqual(190);
    expect(wall).toBeGreaterThanOrEqual(299);
    // A setImmediate spin burns a whole core (cpu ≈ wall); timers leave it mostly idle.
    expect(cpuMs / wall).toBeLessThan(0.5);
  });

  test('event chains microseconds apart run together, not one host timer each', async () => {
    const sim = new Simulator();
    let n = 0;
    const step = () => {
      if (++n < 1000) sim.schedule(10_000, step); // 1000 events 10 µs apart: 10 ms of simulated time
    };
    sim.schedule(0, step);
    const t0 = performance.now();
    await sim.runRealtime();
    const wall = since(t0);
    expect(n).toBe(1000);
    expect(wall).toBeGreaterThanOrEqual(8);
    expect(wall).toBeLessThan(500); // one host timer per event would take over 1,000 ms
  });

  test('realtimeStats() reports events, rate and lag while the loop runs, undefined otherwise', async () => {
    const sim = new Simulator();
    expect(sim.realtimeStats()).toBeUndefined();
    const tick = () => sim.schedule(MS, tick);
    sim.schedule(0, tick);
    const samples: Array<ReturnType<Simulator['realtimeStats']>> = [];
    setTimeout(() => samples.push(sim.realtimeStats()), 200);
    setTimeout(() => samples.push(sim.realtimeStats()), 700);
    // a stall of 30 ms on the host shows up as lag
    setTimeout(() => {
      const t = performance.now();
      while (performance.now() - t < 30);
    }, 300);
    await sim.runRealtime({ until: 800 * MS });
    expect(sim.realtimeStats()).toBeUndefined();
    const [a, b] = samples;
    expect(a!.events).toBeGreaterThan(100);
    expect(a!.eventsPerSec).toBeGreaterThan(500);
    expect(a!.eventsPerSec).toBeLessThan(1100);
    expect(b!.events).toBeGreaterThan(a!.events);
    expect(b!.eventsPerSec).toBeGreaterThan(500);
    expect(b!.eventsPerSec).toBeLessThan(1100);
    expect(b!.maxLagNs).toBeGreaterThanOrEqual(25 * MS);
    expect(b!.wallMs).toBeGreaterThanOrEqual(699);
    expect(b!.sleeps).toBeGreaterThan(0);
  });

  test('rejects a bad speed or aheadMs, and a second concurrent run', async () => {
    const sim = new Simulator();
    await expect(sim.runRealtime({ speed: 0 })).rejects.toThrow(/speed/);
    await expect(sim.runRealtime({ aheadMs: -1 })).rejects.toThrow(/aheadMs/);
    sim.schedule(20 * MS, () => undefined);
    const first = sim.runRealtime();
    await expect(sim.runRealtime()).rejects.toThrow(/already/);
    await first;
  });
});
