/**
 * The simulator's xstate adapters: actors trace state changes only while the bus has listeners
 * (and from the current state when one attaches mid-run), and a RememberedMachine — the machine
 * run by remembered pure transitions — behaves exactly as an actor of the same machine: the same
 * states at the same simulated times, the same actions with the same context, the same timers.
 */
import { describe, expect, test } from 'vitest';
import { assign, setup } from 'xstate';
import { Simulator } from '../../sim/simulator.js';
import { startSimActor, nsToXstateMs, RememberedMachine } from '../../sim/xstate.js';
import { csmaMachine, type CsmaContext, type CsmaEvent } from '../../hw/mac/csma.js';

const toggle = setup({ types: { events: {} as { type: 'FLIP' } } }).createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off' }, after: { 1: 'off' } } },
});

describe('startSimActor tracing', () => {
  test('no listener: no state events; a listener attached mid-run sees changes from the current state', () => {
    const sim = new Simulator();
    const actor = startSimActor(sim, toggle, 'm');
    actor.send({ type: 'FLIP' }); // off → on, nobody listens
    const rec = sim.trace.record(['state']);
    actor.send({ type: 'FLIP' }); // on → off
    actor.send({ type: 'FLIP' }); // off → on
    sim.run(); // after 1 ms: on → off
    rec.stop();
    actor.send({ type: 'FLIP' }); // unheard
    expect(rec.events.map((e) => (e.kind === 'state' ? `${e.time} ${e.from}→${e.to} ${e.event}` : ''))).toEqual([
      '0 on→off FLIP',
      '0 off→on FLIP',
      '1000000 on→off xstate.after.1.toggle.on',
    ]);
  });

  test('a listener present at creation sees the initial state', () => {
    const sim = new Simulator();
    const rec = sim.trace.record(['state']);
    startSimActor(sim, toggle, 'm');
    expect(rec.events).toMatchObject([{ kind: 'state', from: '', to: 'off', event: 'xstate.init' }]);
  });
});

/** The CSMA machine on a simulator, driven by a seeded schedule of carrier changes and frames; returns what happened. */
function driveCsma(kind: 'actor' | 'remembered', seed: number): string[] {
  const sim = new Simulator({ seed });
  const log: string[] = [];
  let carrier = false;
  let quietAt = 0;
  const rng = sim.rng('schedule');
  const delays = { TX_TIME: () => 12_000, JAM_TIME: () => 3_200, GAP_LEFT: () => Math.max(0, quietAt + 9_600 - sim.now), BACKOFF: () => 51_200 * (1 + (sim.now % 3)) };
  const act = (name: string) => (ctx: CsmaContext, ev: CsmaEvent) => log.push(`${sim.now} ${name} ${JSON.stringify(ctx)} ${ev.type}`);
  const names = ['noteDeferred', 'startTx', 'txDone', 'collision', 'startJam', 'abandon', 'drawBackoff'] as const;
  const guards = { carrier: () => carrier, gapElapsed: () => quietAt + 9_600 <= sim.now };
  let send: (e: CsmaEvent) => void;
  sim.trace.subscribe((e) => {
    if (e.kind === 'state') log.push(`${e.time} ${e.from}→${e.to} (${e.event})`);
  });
  if (kind === 'actor') {
    const m = csmaMachine.provide({
      guards,
      delays: Object.fromEntries(Object.entries(delays).map(([k, f]) => [k, () => nsToXstateMs(f())])),
      actions: Object.fromEntries(names.map((n) => [n, ({ context, event }: { context: CsmaContext; event: CsmaEvent }) => act(n)(context, event)])),
    } as never);
    const a = startSimActor(sim, m, 'mac');
    send = (e) => a.send(e);
  } else {
    const r = new RememberedMachine<CsmaContext, CsmaEvent>(sim, csmaMachine, 'mac', {
      guards,
      eventKey: (e) => (e.type === 'CARRIER_ON' ? String(e.late ?? false) : e.type === 'FRAME_READY' ? String(e.retryLate ?? false) : ''),
      delays,
      actions: Object.fromEntries(names.map((n) => [n, act(n)])),
    });
    send = (e) => r.send(e);
  }
  let t = 0;
  for (let k = 0; k < 400; k++) {
    t += 1_000 * rng.int(1, 40);
    const pick = rng.int(0, 9);
    sim.at(t, () => {
      if (pick < 2) send({ type: 'FRAME_READY', retryLate: pick === 1 });
      else if (pick < 6) {
        carrier = !carrier;
        if (!carrier) quietAt = sim.now;
        send(carrier ? { type: 'CARRIER_ON', late: pick === 5 } : { type: 'CARRIER_OFF' });
      } else if (pick === 9 && k % 50 === 0) send({ type: 'RESET' });
    });
  }
  sim.run();
  return log;
}

describe('RememberedMachine', () => {
  test.each([1, 2, 3, 4])('the CSMA/CD machine does exactly what its actor does (seed %i)', (seed) => {
    const expected = driveCsma('actor', seed);
    expect(expected.length).toBeGreaterThan(300);
    for (const what of [' collision ', ' drawBackoff ', ' txDone ', '→defer.waitCarrier', '→defer.gap']) expect(expected.some((l) => l.includes(what))).toBe(true);
    expect(driveCsma('remembered', seed)).toEqual(expected);
  });

  test('a step is computed once per (state, context, event, guards) and then remembered', () => {
    const sim = new Simulator();
    let calls = 0;
    const counting = setup({ types: { context: {} as { n: number }, events: {} as { type: 'GO' } }, guards: { open: () => true } }).createMachine({
      id: 'c',
      context: { n: 0 },
      initial: 'a',
      states: { a: { on: { GO: [{ guard: 'open', target: 'b', actions: assign({ n: ({ context }) => (calls++, context.n) }) }, { target: 'a' }] } }, b: { on: { GO: 'a' } } },
    });
    let open = true;
    const r = new RememberedMachine<{ n: number }, { type: 'GO' }>(sim, counting, 'c', { guards: { open: () => open }, delays: {}, actions: {} });
    for (let k = 0; k < 10; k++) r.send({ type: 'GO' });
    expect(r.state).toBe('a');
    expect(calls).toBe(1); // a→b computed once (the assign ran once, in xstate's pure transition)
    open = false;
    r.send({ type: 'GO' });
    expect(r.state).toBe('a'); // the other guard value is a different step
  });

  test("the initial state's entry actions and timers run as an actor's would", () => {
    const m = setup({ types: { events: {} as { type: 'X' } }, actions: { hello: () => {} }, delays: { SOON: 1 } }).createMachine({
      id: 'init',
      initial: 'a',
      states: { a: { entry: 'hello', after: { SOON: 'b' } }, b: {} },
    });
    const sim = new Simulator();
    const seen: string[] = [];
    const r = new RememberedMachine<unknown, { type: 'X' }>(sim, m, 'init', { guards: {}, delays: { SOON: () => 500 }, actions: { hello: () => void seen.push(`hello at ${sim.now}`) } });
    expect(seen).toEqual(['hello at 0']);
    expect(r.state).toBe('a');
    sim.run();
    expect([r.state, sim.now]).toEqual(['b', 500]);
  });
});
