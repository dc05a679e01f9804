/**
 * The TCP control-plane machine against a model written from RFC 9293: figure 5 plus the
 * transitions of its event-processing section (§3.10) that the machine's module comment lists.
 * The model is a table of (state, event) → (next state, named actions); every pair not in the table
 * must leave the machine where it was with no effect. The machine is driven with xstate's pure
 * `transition()` / `initialTransition()`, as the connection drives it.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { TCP_STATES, tcpMachine, type TcpAction, type TcpEvent, type TcpState } from '../../../stack/tcp/machine.js';

type EventType = TcpEvent['type'];
type Snap = SnapshotFrom<typeof tcpMachine>;

const EVENT_TYPES: readonly EventType[] = ['CONNECT', 'LISTEN', 'CLOSE', 'ABORT', 'RCV_SYN', 'RCV_SYN_ACK', 'ACK_OF_SYN', 'ACK_OF_FIN', 'RCV_FIN', 'RCV_RST', 'TIMEOUT', 'GIVE_UP'];
const EVENTS: TcpEvent[] = EVENT_TYPES.map((type) => ({ type }) as TcpEvent);

/** One transition of the model. */
interface Step {
  readonly to: TcpState;
  readonly actions: readonly TcpAction[];
}

/** A row of the model: for each event that does something, what it does (may depend on how the connection was opened). */
type Row = Partial<Record<EventType, Step | ((passive: boolean) => Step)>>;

const go = (to: TcpState, ...actions: TcpAction[]): Step => ({ to, actions });

/** Every synchronized state an application still owns: RST resets it, ABORT sends RST (RFC 9293 §3.10.4, §3.10.7.4). */
const syncOwned = (): Row => ({
  RCV_RST: go('CLOSED', 'reset', 'deleteTcb'),
  ABORT: go('CLOSED', 'sendRst', 'deleteTcb'),
  GIVE_UP: go('CLOSED', 'timedOut', 'deleteTcb'),
});
/** States where the application has already closed: RST and ABORT just delete the TCB, no error and no RST. */
const closedByApp = (): Row => ({
  RCV_RST: go('CLOSED', 'deleteTcb'),
  ABORT: go('CLOSED', 'deleteTcb'),
});

/**
 * RFC 9293 in table form. Figure 5's arcs, then the event-processing ones:
 * - CLOSED: active OPEN sends SYN; passive OPEN listens.
 * - LISTEN: SYN → SYN-RECEIVED with SYN,ACK; CLOSE/ABORT delete the TCB. RST and ACKs are ignored
 *   (an ACK or SYN-ACK is answered with a RST by the connection, outside the machine).
 * - SYN-SENT: SYN,ACK → ESTABLISHED; a bare SYN (simultaneous open) → SYN-RECEIVED with SYN,ACK;
 *   an acceptable RST → "connection refused"; CLOSE/ABORT delete the TCB without sending anything.
 * - SYN-RECEIVED: ACK of SYN → ESTABLISHED; FIN → CLOSE-WAIT; CLOSE sends FIN → FIN-WAIT-1;
 *   RST → LISTEN when passively opened, "refused" when actively opened; ABORT sends RST.
 * - ESTABLISHED: CLOSE sends FIN → FIN-WAIT-1; FIN → CLOSE-WAIT.
 * - FIN-WAIT-1: ACK of FIN → FIN-WAIT-2; FIN → CLOSING (simultaneous close).
 * - FIN-WAIT-2: FIN → TIME-WAIT; the orphan timeout (Linux's tcp_fin_timeout) closes.
 * - CLOSE-WAIT: CLOSE sends FIN → LAST-ACK.
 * - CLOSING: ACK of FIN → TIME-WAIT.  LAST-ACK: ACK of FIN → CLOSED.
 * - TIME-WAIT: a retransmitted FIN restarts the 2·MSL wait; the wait's end closes.
 * - RST in every synchronized state closes (an error only where the application still owns the
 *   connection); ABORT sends RST from SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT; the
 *   retransmission limit (GIVE_UP) closes with "timed out" wherever something is retransmitted.
 */
const MODEL: Record<TcpState, Row> = {
  CLOSED: {
    CONNECT: go('SYN-SENT', 'sendSyn'),
    LISTEN: go('LISTEN'),
  },
  LISTEN: {
    RCV_SYN: go('SYN-RECEIVED', 'sendSynAck'),
    CLOSE: go('CLOSED', 'deleteTcb'),
    ABORT: go('CLOSED', 'deleteTcb'),
  },
  'SYN-SENT': {
    RCV_SYN_ACK: go('ESTABLISHED', 'established'),
    RCV_SYN: go('SYN-RECEIVED', 'sendSynAck'),
    RCV_RST: go('CLOSED', 'refused', 'deleteTcb'),
    CLOSE: go('CLOSED', 'deleteTcb'),
    ABORT: go('CLOSED', 'deleteTcb'),
    GIVE_UP: go('CLOSED', 'timedOut', 'deleteTcb'),
  },
  'SYN-RECEIVED': {
    ...syncOwned(),
    ACK_OF_SYN: go('ESTABLISHED', 'established'),
    RCV_FIN: go('CLOSE-WAIT', 'peerClosed'),
    CLOSE: go('FIN-WAIT-1', 'sendFin'),
    RCV_RST: (passive) => (passive ? go('LISTEN', 'backToListen') : go('CLOSED', 'refused', 'deleteTcb')),
  },
  ESTABLISHED: {
    ...syncOwned(),
    CLOSE: go('FIN-WAIT-1', 'sendFin'),
    RCV_FIN: go('CLOSE-WAIT', 'peerClosed'),
  },
  'FIN-WAIT-1': {
    ...syncOwned(),
    ACK_OF_FIN: go('FIN-WAIT-2'),
    RCV_FIN: go('CLOSING', 'peerClosed'),
  },
  'FIN-WAIT-2': {
    ...syncOwned(),
    RCV_FIN: go('TIME-WAIT', 'peerClosed', 'startTimeWait'),
    TIMEOUT: go('CLOSED', 'deleteTcb'),
  },
  'CLOSE-WAIT': {
    ...syncOwned(),
    CLOSE: go('LAST-ACK', 'sendFin'),
  },
  CLOSING: {
    ...closedByApp(),
    ACK_OF_FIN: go('TIME-WAIT', 'startTimeWait'),
    GIVE_UP: go('CLOSED', 'timedOut', 'deleteTcb'),
  },
  'LAST-ACK': {
    ...closedByApp(),
    ACK_OF_FIN: go('CLOSED', 'deleteTcb'),
    GIVE_UP: go('CLOSED', 'timedOut', 'deleteTcb'),
  },
  'TIME-WAIT': {
    ...closedByApp(),
    RCV_FIN: go('TIME-WAIT', 'startTimeWait'),
    TIMEOUT: go('CLOSED', 'deleteTcb'),
  },
};

/** The model's answer to `event` in `state` (undefined: ignored). */
function model(state: TcpState, event: EventType, passive: boolean): Step | undefined {
  const s = MODEL[state][event];
  return typeof s === 'function' ? s(passive) : s;
}

/** The machine's snapshot in `state`, reached along the model's shortest path, for a connection opened `passive`ly or not. */
function snapshotIn(state: TcpState, passive: boolean): Snap {
  const paths = getShortestPaths(tcpMachine, { events: EVENTS, input: { passive }, serializeState: serialize });
  const path = paths.find((p) => p.state.value === state);
  if (!path) throw new Error(`${state} is not reachable with passive=${passive}`);
  let snap = initialTransition(tcpMachine, { passive })[0];
  for (const step of path.steps.slice(1)) snap = transition(tcpMachine, snap, step.event)[0];
  expect(snap.value).toBe(state);
  return snap;
}

function serialize(s: Snap): string {
  return `${String(s.value)} passive=${s.context.passive}`;
}

/** Sends `type` with the pure API; the next state and the names of the actions to perform. */
function fire(snap: Snap, type: EventType): { snap: Snap; state: TcpState; actions: string[] } {
  const [next, actions] = transition(tcpMachine, snap, { type } as TcpEvent);
  return { snap: next, state: next.value as TcpState, actions: actions.map((a) => a.type) };
}

describe('tcpMachine: reachability (xstate/graph)', () => {
  it('every one of the eleven states is reachable from CLOSED, by an active opener and by a listener’s child', () => {
    for (const passive of [false, true]) {
      const paths = getShortestPaths(tcpMachine, { events: EVENTS, input: { passive }, serializeState: serialize });
      expect(new Set(paths.map((p) => p.state.value))).toEqual(new Set(TCP_STATES));
    }
  });

  it('the shortest paths are the textbook ones', () => {
    const paths = getShortestPaths(tcpMachine, { events: EVENTS, input: { passive: false }, serializeState: serialize });
    const shown = Object.fromEntries(paths.map((p) => [p.state.value, p.steps.slice(1).map((s) => s.event.type).join(' ')]));
    expect(shown).toEqual({
      CLOSED: '',
      'SYN-SENT': 'CONNECT',
      LISTEN: 'LISTEN',
      'SYN-RECEIVED': 'CONNECT RCV_SYN',
      ESTABLISHED: 'CONNECT RCV_SYN_ACK',
      'FIN-WAIT-1': 'CONNECT RCV_SYN CLOSE',
      'CLOSE-WAIT': 'CONNECT RCV_SYN RCV_FIN',
      'FIN-WAIT-2': 'CONNECT RCV_SYN CLOSE ACK_OF_FIN',
      CLOSING: 'CONNECT RCV_SYN CLOSE RCV_FIN',
      'LAST-ACK': 'CONNECT RCV_SYN RCV_FIN CLOSE',
      'TIME-WAIT': 'CONNECT RCV_SYN CLOSE ACK_OF_FIN RCV_FIN',
    });
  });

  it('the initial state is CLOSED with no actions and the context records how the connection was opened', () => {
    for (const passive of [false, true]) {
      const [snap, actions] = initialTransition(tcpMachine, { passive });
      expect(snap.value).toBe('CLOSED');
      expect(snap.context).toEqual({ passive });
      expect(actions).toEqual([]);
    }
    expect(initialTransition(tcpMachine, {})[0].context).toEqual({ passive: false });
  });
});

describe('tcpMachine: every (state, event) pair against the RFC 9293 model', () => {
  for (const passive of [false, true]) {
    for (const state of TCP_STATES) {
      for (const event of EVENT_TYPES) {
        const want = model(state, event, passive);
        const name = want ? `${state} + ${event} → ${want.to}${want.actions.length ? ` [${want.actions.join(', ')}]` : ''}` : `${state} + ${event} is ignored`;
        it(`${passive ? 'passive' : 'active'}: ${name}`, () => {
          const before = snapshotIn(state, passive);
          const got = fire(before, event);
          if (want) {
            expect(got.state).toBe(want.to);
            expect(got.actions).toEqual(want.actions);
          } else {
            expect(got.state).toBe(state);
            expect(got.actions).toEqual([]);
            expect(got.snap).toBe(before); // nothing at all changed
          }
          expect(got.snap.context).toEqual({ passive }); // no transition rewrites how the connection was opened
        });
      }
    }
  }

  it('the model has an entry for every state (no state forgotten)', () => {
    expect(Object.keys(MODEL).sort()).toEqual([...TCP_STATES].sort());
  });
});

describe('tcpMachine: named transitions from the RFC', () => {
  const cases: [string, boolean, TcpState, EventType, TcpState, string[]][] = [
    ['active open', false, 'CLOSED', 'CONNECT', 'SYN-SENT', ['sendSyn']],
    ['passive open', true, 'CLOSED', 'LISTEN', 'LISTEN', []],
    ['SYN to a listener', true, 'LISTEN', 'RCV_SYN', 'SYN-RECEIVED', ['sendSynAck']],
    ['simultaneous open', false, 'SYN-SENT', 'RCV_SYN', 'SYN-RECEIVED', ['sendSynAck']],
    ['RST answering our SYN', false, 'SYN-SENT', 'RCV_RST', 'CLOSED', ['refused', 'deleteTcb']],
    ['SYN retransmissions exhausted', false, 'SYN-SENT', 'GIVE_UP', 'CLOSED', ['timedOut', 'deleteTcb']],
    ['RST in SYN-RECEIVED, passive', true, 'SYN-RECEIVED', 'RCV_RST', 'LISTEN', ['backToListen']],
    ['RST in SYN-RECEIVED, active', false, 'SYN-RECEIVED', 'RCV_RST', 'CLOSED', ['refused', 'deleteTcb']],
    ['close in ESTABLISHED', false, 'ESTABLISHED', 'CLOSE', 'FIN-WAIT-1', ['sendFin']],
    ['abort in ESTABLISHED', false, 'ESTABLISHED', 'ABORT', 'CLOSED', ['sendRst', 'deleteTcb']],
    ['RST in ESTABLISHED', true, 'ESTABLISHED', 'RCV_RST', 'CLOSED', ['reset', 'deleteTcb']],
    ['simultaneous close', false, 'FIN-WAIT-1', 'RCV_FIN', 'CLOSING', ['peerClosed']],
    ['FIN in FIN-WAIT-2', false, 'FIN-WAIT-2', 'RCV_FIN', 'TIME-WAIT', ['peerClosed', 'startTimeWait']],
    ['ACK of FIN in CLOSING', false, 'CLOSING', 'ACK_OF_FIN', 'TIME-WAIT', ['startTimeWait']],
    ['retransmitted FIN in TIME-WAIT restarts the wait', false, 'TIME-WAIT', 'RCV_FIN', 'TIME-WAIT', ['startTimeWait']],
    ['2·MSL elapsed', false, 'TIME-WAIT', 'TIMEOUT', 'CLOSED', ['deleteTcb']],
    ['RST in TIME-WAIT (no error: the application is gone)', false, 'TIME-WAIT', 'RCV_RST', 'CLOSED', ['deleteTcb']],
    ['orphan FIN-WAIT-2 timeout', false, 'FIN-WAIT-2', 'TIMEOUT', 'CLOSED', ['deleteTcb']],
    ['close in CLOSE-WAIT', false, 'CLOSE-WAIT', 'CLOSE', 'LAST-ACK', ['sendFin']],
    ['ACK of FIN in LAST-ACK', false, 'LAST-ACK', 'ACK_OF_FIN', 'CLOSED', ['deleteTcb']],
  ];
  for (const [what, passive, from, event, to, actions] of cases) {
    it(`${what}: ${from} + ${event} → ${to}`, () => {
      const got = fire(snapshotIn(from, passive), event);
      expect([got.state, got.actions]).toEqual([to, actions]);
    });
  }
});

describe('tcpMachine: every simple path replayed against the model', () => {
  for (const passive of [false, true]) {
    const paths = getSimplePaths(tcpMachine, { events: EVENTS, input: { passive }, serializeState: serialize });

    it(`${passive ? 'passive' : 'active'}: the simple paths reach every state`, () => {
      expect(new Set(paths.map((p) => p.state.value))).toEqual(new Set(TCP_STATES));
      expect(paths.length).toBeGreaterThanOrEqual(40);
    });

    for (const path of paths) {
      const events = path.steps.slice(1).map((s) => s.event.type as EventType);
      it(`${passive ? 'passive' : 'active'}: ${['CLOSED', ...events].join(' → ')} ⇒ ${String(path.state.value)}`, () => {
        let snap = initialTransition(tcpMachine, { passive })[0];
        let modelState: TcpState = 'CLOSED';
        const effects: string[] = [];
        const modelEffects: string[] = [];
        for (const e of events) {
          const r = fire(snap, e);
          snap = r.snap;
          effects.push(...r.actions);
          const m = model(modelState, e, passive);
          expect(m, `${modelState} + ${e} must be in the model`).toBeDefined();
          modelState = m!.to;
          modelEffects.push(...m!.actions);
        }
        expect(snap.value).toBe(modelState);
        expect(snap.value).toBe(path.state.value);
        expect(effects).toEqual(modelEffects);
        // invariants a connection relies on
        // a simple path never revisits a state: at most one SYN and one SYN-ACK (both only in a simultaneous open)
        expect(effects.filter((a) => a === 'sendSyn').length).toBeLessThanOrEqual(1);
        expect(effects.filter((a) => a === 'sendSynAck').length).toBeLessThanOrEqual(1);
        expect(effects.filter((a) => a === 'deleteTcb').length).toBe(snap.value === 'CLOSED' && events.length > 0 ? 1 : 0);
        expect(effects.filter((a) => a === 'sendFin').length).toBeLessThanOrEqual(1);
        const errors = effects.filter((a) => a === 'refused' || a === 'reset' || a === 'timedOut');
        expect(errors.length).toBeLessThanOrEqual(1);
        if (errors.length === 1) expect(snap.value).toBe('CLOSED');
      });
    }
  }
});

describe('tcpMachine: random walks against the model', () => {
  it('2,000 seeded walks of 40 events each: the machine and the model agree at every step', () => {
    let x = 0x2545f491; // xorshift32: deterministic, the test needs no simulator
    const next = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    let transitions = 0;
    let closedAgain = 0;
    for (let walk = 0; walk < 2000; walk++) {
      const passive = next(2) === 1;
      let snap = initialTransition(tcpMachine, { passive })[0];
      let state: TcpState = 'CLOSED';
      for (let i = 0; i < 40; i++) {
        const e = EVENT_TYPES[next(EVENT_TYPES.length)];
        const r = fire(snap, e);
        const m = model(state, e, passive);
        if (m) {
          expect([r.state, r.actions], `walk ${walk} step ${i}: ${state} + ${e}`).toEqual([m.to, m.actions]);
          transitions++;
          if (m.to === 'CLOSED') {
            closedAgain++;
            expect(r.actions.at(-1), `${state} + ${e}`).toBe('deleteTcb');
          }
          state = m.to;
        } else {
          expect(r.snap, `walk ${walk} step ${i}: ${state} + ${e} must be ignored`).toBe(snap);
        }
        snap = r.snap;
      }
    }
    expect(transitions).toBeGreaterThan(10_000);
    expect(closedAgain).toBeGreaterThan(1000);
  });
});
