/** Softirq / NAPI: the poll runs after the handler, with the weight as budget; a used-up budget reschedules; delay and disable. */
import { describe, expect, test } from 'vitest';
import { setup } from './helpers.js';

describe('softirq / NAPI', () => {
  test('the poll runs after the handler returns, with the weight as budget; a full budget reschedules', () => {
    const { sim, k } = setup({ softirqDelayNs: 0 });
    let backlog = 150;
    const log: string[] = [];
    const napi = k.softirq.add('n', (budget) => {
      const work = Math.min(budget, backlog);
      backlog -= work;
      log.push(`poll ${work}/${budget} @${sim.now}`);
      if (work < budget) napi.complete();
      return work;
    }, 64);
    sim.schedule(100, () => {
      expect(napi.schedule()).toBe(true);
      expect(napi.schedule()).toBe(false); // already scheduled
      log.push('handler returns');
    });
    sim.run();
    expect(log).toEqual(['handler returns', 'poll 64/64 @100', 'poll 64/64 @100', 'poll 22/64 @100']);
    expect(napi.stats).toMatchObject({ polls: 3, work: 150, maxWork: 64, exhausted: 2, overBudget: 0, alreadyScheduled: 1 });
    expect(napi.scheduled).toBe(false);
  });

  test('delayNs postpones every poll (a slow receiver); disable drops a pending poll', () => {
    const { sim, k } = setup({ softirqDelayNs: 5_000 });
    const at: number[] = [];
    const napi = k.softirq.add('n', (b) => (at.push(sim.now), at.length < 2 ? b : (napi.complete(), 0)), 8);
    napi.schedule();
    sim.run();
    expect(at).toEqual([5_000, 10_000]);
    napi.schedule();
    napi.disable();
    sim.run();
    expect(at).toHaveLength(2);
    expect(napi.schedule()).toBe(false);
  });

  test('a poll that returns more than its budget is counted as a driver bug', () => {
    const { sim, k } = setup();
    const napi = k.softirq.add('n', () => (napi.complete(), 10), 4);
    napi.schedule();
    sim.run();
    expect(napi.stats.overBudget).toBe(1);
  });
});
