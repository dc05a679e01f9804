/**
 * The CSMA/CD machine's own graph: with the frame's half-duplex state in its context, shortest
 * paths cover every attempt count, the give-up rule (16 attempts; a late collision unless
 * TCTL.RTLC) and the back-off draws, without an adapter.
 */
import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { csmaMachine, ATTEMPT_LIMIT, CARRIER_STATES, type CsmaEvent } from '../../../hw/mac/csma.js';

/** The medium is quiet and the gap has passed whenever the machine checks (defer goes straight to transmit). */
const quiet = csmaMachine.provide({ guards: { carrier: () => false, gapElapsed: () => true } });
const AFTER = {
  tx: { type: 'xstate.after.TX_TIME.csma.transmit' },
  jam: { type: 'xstate.after.JAM_TIME.csma.jam' },
  backoff: { type: 'xstate.after.BACKOFF.csma.backoff' },
} as unknown as Record<'tx' | 'jam' | 'backoff', CsmaEvent>;

function paths(retryLate: boolean) {
  return getShortestPaths(quiet, {
    events: [{ type: 'FRAME_READY', retryLate }, { type: 'CARRIER_ON', late: false }, { type: 'CARRIER_ON', late: true }, AFTER.tx, AFTER.jam, AFTER.backoff],
    serializeState: (s) => `${JSON.stringify(s.value)} attempts=${s.context.attempts} late=${s.context.late} outcome=${s.context.outcome}`,
  });
}

describe('CSMA/CD machine context', () => {
  const all = paths(false);
  const find = (pred: (c: { value: unknown; attempts: number; late: boolean; outcome: string | null }) => boolean) =>
    all.filter((p) => pred({ value: p.state.value, attempts: p.state.context.attempts, late: p.state.context.late, outcome: p.state.context.outcome }));

  test('every attempt count from 1 to 15 reaches back-off; the 16th collision abandons the frame', () => {
    const backoffs = find((c) => c.value === 'backoff' && !c.late).map((p) => p.state.context.attempts).sort((a, b) => a - b);
    expect(backoffs).toEqual(Array.from({ length: ATTEMPT_LIMIT - 1 }, (_, k) => k + 1));
    const abandoned = find((c) => c.outcome === 'abandoned' && !c.late);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0].state.context.attempts).toBe(ATTEMPT_LIMIT);
    expect(abandoned[0].steps.filter((s) => s.event.type === 'CARRIER_ON')).toHaveLength(ATTEMPT_LIMIT);
  });

  test('a late collision abandons after its jam unless retryLate (TCTL.RTLC)', () => {
    const lateAbandon = find((c) => c.outcome === 'abandoned' && c.late);
    expect(lateAbandon.map((p) => p.state.context.attempts)).toContain(1);
    const retried = paths(true).filter((p) => p.state.value === 'backoff' && p.state.context.late);
    expect(retried.map((p) => p.state.context.attempts)).toContain(1);
  });

  test('a frame sent after n collisions says so (SCC/MCC come from this), and FRAME_READY starts the next frame from 0', () => {
    const sent = find((c) => c.outcome === 'sent' && !c.late).map((p) => p.state.context.attempts).sort((a, b) => a - b);
    expect(sent).toEqual(Array.from({ length: ATTEMPT_LIMIT }, (_, k) => k));
    const actor = createActor(quiet).start();
    actor.send({ type: 'FRAME_READY' });
    actor.send({ type: 'CARRIER_ON', late: false });
    expect(actor.getSnapshot().context.attempts).toBe(1);
    actor.send({ type: 'RESET' });
    expect(actor.getSnapshot().context).toMatchObject({ attempts: 0, late: false, outcome: null });
    actor.stop();
  });

  test('back-off draws see the attempt count: drawBackoff gets 1, 2, 3 after successive collisions', () => {
    const seen: number[] = [];
    const m = quiet.provide({ actions: { drawBackoff: ({ context }) => void seen.push(context.attempts) } });
    const actor = createActor(m).start();
    actor.send({ type: 'FRAME_READY' });
    for (let k = 0; k < 3; k++) {
      actor.send({ type: 'CARRIER_ON', late: false });
      actor.send(AFTER.jam);
      actor.send(AFTER.backoff);
    }
    expect(seen).toEqual([1, 2, 3]);
    actor.stop();
  });
});

describe('CARRIER_STATES', () => {
  test('lists exactly the states where a carrier event does something', () => {
    type Node = { path: string[]; on: Record<string, unknown>; states: Record<string, Node>; parent?: Node };
    const reacting: string[] = [];
    const walk = (n: Node) => {
      const kids = Object.values(n.states);
      if (kids.length > 0) return kids.forEach(walk);
      const handles = (x: Node | undefined): boolean => x !== undefined && ('CARRIER_ON' in x.on || 'CARRIER_OFF' in x.on || handles(x.parent));
      if (handles(n)) reacting.push(n.path.join('.'));
    };
    walk(csmaMachine.root as unknown as Node);
    expect(new Set(reacting)).toEqual(CARRIER_STATES);
  });
});
