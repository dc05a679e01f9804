/** The kernel's CPU cost model, sleep and timers on simulated time. */
import { describe, expect, test } from 'vitest';
import { setup } from './helpers.js';

describe('CPU costs, sleep, timers', () => {
  test('costs charged by one unit of work delay the next unit', () => {
    const { sim, k } = setup({ costs: { mmioReadNs: 1_000, mmioWriteNs: 100, copyNsPerByte: 0.5, irqEntryNs: 300 } });
    const at: number[] = [];
    sim.schedule(0, () => {
      k.cpu.run(() => {
        at.push(sim.now);
        k.cpu.charge(k.cpu.mmioReadNs);
        k.cpu.chargeCopy(1000);
      });
      k.cpu.run(() => at.push(sim.now));
    });
    sim.run();
    expect(at).toEqual([0, 1_500]);
    expect(k.cpu.busyNs).toBe(1_500);
  });

  test('all costs zero: work runs at once and nothing is charged', () => {
    const { sim, k } = setup();
    expect(k.cpu.costed).toBe(false);
    const at: number[] = [];
    sim.schedule(7, () => k.cpu.run(() => at.push(sim.now)));
    sim.run();
    expect(at).toEqual([7]);
  });

  test('sleep resolves at the exact simulated instant under runAsync; timers re-arm and cancel', async () => {
    const { sim, k } = setup();
    const log: string[] = [];
    const p = (async () => {
      await k.sleep(1_000);
      log.push(`woke ${sim.now}`);
      await k.sleep(500);
      log.push(`woke ${sim.now}`);
    })();
    await sim.runAsync();
    await p;
    expect(log).toEqual(['woke 1000', 'woke 1500']);
    const t = k.timer(() => log.push(`timer ${sim.now}`));
    t.mod(100);
    t.mod(300); // replaces the pending expiry
    expect(t.pending).toBe(true);
    sim.run();
    t.mod(50);
    t.cancel();
    sim.run();
    expect(log.slice(2)).toEqual(['timer 1800']);
    expect(t.pending).toBe(false);
  });
});
