/**
 * A simulation driven one event at a time (`sim.step()`, as a debugger or a test harness does)
 * must do exactly what `sim.run()` does: the same frames stored, the same interrupt edges at the
 * same instants. (The adapter's cable arrivals and its IRQ line's notifications are events that
 * run a method on their object.)
 */
import { describe, expect, test } from 'vitest';
import { e1000 as R } from '../../hw/index.js';
import { ethFrame, irqRises, makePair, MAC_A, MAC_B, queueTx, rxBytes, setupRx, setupTx, wr } from './helpers.js';

function scenario(drive: (sim: ReturnType<typeof makePair>['sim']) => void) {
  const { sim, a, b } = makePair();
  setupTx(a);
  setupRx(b);
  wr(b, R.IMS, R.INT.RXT0);
  wr(a, R.IMS, R.INT.TXDW);
  const rises = { a: irqRises(sim, a), b: irqRises(sim, b) };
  const f1 = ethFrame(MAC_B, MAC_A, 60, 1);
  const f2 = ethFrame(MAC_B, MAC_A, 1514, 2);
  queueTx(a, f1);
  queueTx(a, f2);
  drive(sim);
  return { rx: [Array.from(rxBytes(b, 0)), Array.from(rxBytes(b, 1))], rises, gprc: b.read32(R.GPRC.offset), now: sim.now, f1, f2 };
}

describe('one event at a time', () => {
  test('sim.step() stores the same frames and raises the same interrupts at the same instants as sim.run()', () => {
    const byRun = scenario((sim) => sim.run({ until: sim.now + 1_000_000 }));
    const bySteps = scenario((sim) => {
      const until = sim.now + 1_000_000;
      while ((sim.nextEventTime() ?? Infinity) <= until) sim.step();
    });
    expect(bySteps.gprc).toBe(2);
    expect(bySteps.rx.map((r) => r.slice(0, -4))).toEqual([Array.from(bySteps.f1), Array.from(bySteps.f2)]); // (the FCS kept)
    expect(bySteps.rises.a.length).toBeGreaterThan(0);
    expect(bySteps.rises.b.length).toBeGreaterThan(0);
    expect({ rx: bySteps.rx, rises: bySteps.rises }).toEqual({ rx: byRun.rx, rises: byRun.rises });
  });
});
