/** The interrupt controller: latency, level semantics, shared vectors, "nobody cared", storms, spurious deliveries, masking. */
import { describe, expect, test } from 'vitest';
import { Line, setup } from './helpers.js';

describe('interrupt controller', () => {
  test('a rising line runs the handler at that instant plus the latency', () => {
    const { sim, k } = setup({ irqLatencyNs: 2_000 });
    const line = new Line();
    const v = k.irq.attach(line);
    const at: number[] = [];
    k.irq.request(v, 'dev', () => {
      at.push(sim.now);
      line.set(false);
      return 'handled';
    });
    sim.schedule(10_000, () => line.set(true));
    sim.run();
    expect(at).toEqual([12_000]);
    expect(k.irq.stats(v)).toEqual({ raised: 1, delivered: 1, handled: 1, unhandled: 0, spurious: 0 });
  });

  test('level semantics: a line still high after the handler returns fires again', () => {
    const { sim, k } = setup({ irqLatencyNs: 1_000 });
    const line = new Line();
    const v = k.irq.attach(line);
    let calls = 0;
    const at: number[] = [];
    k.irq.request(v, 'dev', () => {
      at.push(sim.now);
      if (++calls === 3) line.set(false); // the device needs three services
      return 'handled';
    });
    line.set(true);
    sim.run();
    expect(at).toEqual([1_000, 2_000, 3_000]);
    expect(k.irq.stats(v).raised).toBe(1);
  });

  test('shared vector: "not mine" from one handler, handled by the other', () => {
    const { sim, k } = setup();
    const line = new Line();
    const v = k.irq.attach(line);
    const log: string[] = [];
    k.irq.request(v, 'other', () => (log.push('other'), 'none'));
    k.irq.request(v, 'dev', () => (log.push('dev'), line.set(false), 'handled'));
    line.set(true);
    sim.run();
    expect(log).toEqual(['other', 'dev']);
    expect(k.irq.stats(v).handled).toBe(1);
  });

  test('a line nobody claims is disabled after unhandledLimit deliveries, so nothing hangs', () => {
    const { sim, k } = setup({ irqLatencyNs: 100, irq: { unhandledLimit: 50 } });
    const line = new Line();
    const v = k.irq.attach(line);
    k.irq.request(v, 'dev', () => 'none');
    line.set(true);
    expect(sim.run().reason).toBe('idle');
    expect(k.irq.stats(v).unhandled).toBe(50);
    expect(sim.now).toBe(5_000);
    expect(k.irq.disabledReason(v)).toMatch(/nobody cared/);
  });

  test('a storm at one instant (zero latency, handler never lowers the line) is cut off', () => {
    const { sim, k } = setup({ irq: { stormLimit: 100 } });
    const line = new Line();
    const v = k.irq.attach(line);
    k.irq.request(v, 'dev', () => 'handled');
    line.set(true);
    expect(sim.run().reason).toBe('idle');
    expect(k.irq.stats(v).delivered).toBe(100);
    expect(k.irq.disabledReason(v)).toMatch(/storm/);
  });

  test('a line that falls before the latency elapses is spurious; disable defers delivery until enable', () => {
    const { sim, k } = setup({ irqLatencyNs: 1_000 });
    const line = new Line();
    const v = k.irq.attach(line);
    let calls = 0;
    k.irq.request(v, 'dev', () => (calls++, line.set(false), 'handled'));
    line.set(true);
    sim.schedule(500, () => line.set(false));
    sim.run();
    expect(calls).toBe(0);
    expect(k.irq.stats(v).spurious).toBe(1);
    k.irq.disable(v);
    line.set(true);
    sim.run();
    expect(calls).toBe(0);
    k.irq.enable(v);
    sim.run();
    expect(calls).toBe(1);
  });
});
