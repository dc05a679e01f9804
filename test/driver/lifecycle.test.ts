/**
 * The driver lifecycle machine, path by path (xstate/graph), comparing the machine with a model of
 * what each state means for the carrier; then the real driver's transitions as traced on the bus.
 */
import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { e1000Lifecycle, lifecycleStateName, type LifecycleEvent } from '../../driver/index.js';
import { bringUp, makePair, settle } from './helpers.js';

const EVENTS: LifecycleEvent[] = [
  { type: 'PROBE' },
  { type: 'PROBE_OK' },
  { type: 'PROBE_FAIL', error: 'EEPROM checksum is invalid' },
  { type: 'OPEN' },
  { type: 'OPEN_OK' },
  { type: 'OPEN_FAIL', error: 'no DMA memory' },
  { type: 'LINK_UP' },
  { type: 'LINK_DOWN' },
  { type: 'CLOSE' },
  { type: 'CLOSE_OK' },
  { type: 'CLOSE_FAIL', error: 'reset did not complete' },
  { type: 'REMOVE' },
];

/** Runs `events` on the machine with recording actions; returns the final state and what the effects did. */
function replay(events: readonly LifecycleEvent[]) {
  let carrier = false;
  const effects: string[] = [];
  const actor = createActor(
    e1000Lifecycle.provide({
      actions: {
        carrierOn: () => {
          carrier = true;
          effects.push('carrierOn');
        },
        carrierOff: () => {
          carrier = false;
          effects.push('carrierOff');
        },
        reportFailure: () => effects.push('reportFailure'),
      },
    }),
  ).start();
  for (const e of events) actor.send(e);
  const snap = actor.getSnapshot();
  return { state: lifecycleStateName(snap.value), carrier, effects, error: snap.context.error };
}

describe('lifecycle machine (graph paths)', () => {
  const shortest = getShortestPaths(e1000Lifecycle, { events: EVENTS });
  const simple = getSimplePaths(e1000Lifecycle, { events: EVENTS });

  test('every state is reachable', () => {
    const states = new Set(shortest.map((p) => lifecycleStateName(p.state.value)));
    expect([...states].sort()).toEqual(['closing', 'down', 'failed', 'opening', 'probing', 'removed', 'unprobed', 'up.linkDown', 'up.linkUp'].sort());
  });

  for (const path of simple) {
    const events = path.steps.map((s) => s.event);
    const name = events.map((e) => e.type).join(' → ') || '(initial)';
    test(`${name} ⇒ ${lifecycleStateName(path.state.value)}`, () => {
      const r = replay(events);
      expect(r.state).toBe(lifecycleStateName(path.state.value));
      // the model: carrier is on exactly in up.linkUp, and on/off effects alternate
      expect(r.carrier).toBe(r.state === 'up.linkUp');
      r.effects.filter((e) => e !== 'reportFailure').forEach((e, i) => expect(e).toBe(i % 2 === 0 ? 'carrierOn' : 'carrierOff'));
      expect(r.effects.filter((e) => e === 'reportFailure')).toHaveLength(r.state === 'failed' || (r.state === 'removed' && events.some((e) => e.type.endsWith('_FAIL') && e.type !== 'OPEN_FAIL')) ? 1 : 0);
      const lastError = [...events].reverse().find((e) => 'error' in e);
      expect(r.error).toBe(lastError && 'error' in lastError ? lastError.error : null);
    });
  }

  test('illegal events are ignored: OPEN before PROBE_OK, LINK_UP while down, CLOSE while opening', () => {
    expect(replay([{ type: 'OPEN' }]).state).toBe('unprobed');
    expect(replay([{ type: 'PROBE' }, { type: 'PROBE_OK' }, { type: 'LINK_UP' }]).state).toBe('down');
    expect(replay([{ type: 'PROBE' }, { type: 'PROBE_OK' }, { type: 'OPEN' }, { type: 'CLOSE' }]).state).toBe('opening');
    expect(replay([{ type: 'REMOVE' }, { type: 'PROBE' }]).state).toBe('removed');
  });
});

describe('the driver drives the machine', () => {
  test('probe, open, link up, cable pulled and back, close, remove: every transition traced', async () => {
    const { sim, a, b, cable } = makePair();
    const rec = sim.trace.record(['state']);
    await bringUp(sim, a, b);
    cable.unplug();
    sim.run({ until: sim.now + 1_000 });
    cable.plug();
    await settle(sim, a.drv.waitForLink(10_000_000));
    await settle(sim, a.drv.remove());
    rec.stop();
    const mine = rec.events.filter((e) => e.source === 'a.eth0' && e.kind === 'state') as { from: string; to: string; event: string; time: number }[];
    expect(mine.map((e) => `${e.from} -${e.event}-> ${e.to} @${e.time}`)).toEqual([
      'unprobed -PROBE-> probing @0',
      'probing -PROBE_OK-> down @731000',
      'down -OPEN-> opening @731000',
      'opening -OPEN_OK-> up.linkDown @731000',
      'up.linkDown -LINK_UP-> up.linkUp @1000000',
      'up.linkUp -LINK_DOWN-> up.linkDown @1000000',
      'up.linkDown -LINK_UP-> up.linkUp @2001000', // plugged at 1.001 ms, 1 ms of auto-negotiation
      'up.linkUp -CLOSE-> closing @2001000',
      'closing -CLOSE_OK-> down @12002000', // 10 ms for DMA in flight, 1 µs reset
      'down -REMOVE-> removed @12002000',
    ]);
  });
});
