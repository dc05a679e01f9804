/**
 * The TCP connection's control plane (RFC 9293 §3.3.2, figure 5) as a pure xstate machine: the
 * eleven states, the events that move between them, and named actions for the effects. The
 * machine never touches a segment, a buffer or a timer: the connection classifies what arrived
 * (a SYN, an acceptable ACK of our SYN or FIN, an in-order FIN, an acceptable RST…), asks the
 * machine with xstate's pure `transition()`, and performs the returned actions itself. The data
 * path of an established connection (sequence numbers, windows, retransmission) is plain code in
 * `connection.ts` and never goes through the machine.
 *
 * Transitions that are not in figure 5 but are in the RFC's event processing: SYN-RECEIVED + RST
 * returns a passively opened connection to LISTEN (the implementation then discards that child)
 * and refuses an actively opened one; RST in any synchronized state closes with "connection
 * reset" (in CLOSING, LAST-ACK and TIME-WAIT without an error: the application already closed);
 * ABORT (close with SO_LINGER 0, or with unread data) sends RST from a synchronized state; the
 * retransmission limit (GIVE_UP) closes with "timed out"; a FIN retransmitted into TIME-WAIT
 * restarts the 2·MSL wait; an orphaned connection (its socket closed) gives up waiting for the
 * peer's FIN in FIN-WAIT-2 after a timeout (TIMEOUT there, Linux's tcp_fin_timeout).
 * @module
 */
import { setup, transition } from 'xstate';

/** The eleven connection states, as RFC 9293 names them. */
export const TCP_STATES = ['CLOSED', 'LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT'] as const;

/** A connection state. */
export type TcpState = (typeof TCP_STATES)[number];

/** What the connection tells its control plane. */
export type TcpEvent =
  /** The application's active open (connect). */
  | { type: 'CONNECT' }
  /** The application's passive open (listen). */
  | { type: 'LISTEN' }
  /** The application closes its sending side (close or shutdown(SHUT_WR)). */
  | { type: 'CLOSE' }
  /** The application aborts (SO_LINGER 0, close with unread data). */
  | { type: 'ABORT' }
  /** A SYN without ACK arrived (LISTEN: a new connection; SYN-SENT: simultaneous open). */
  | { type: 'RCV_SYN' }
  /** An acceptable SYN-ACK arrived in SYN-SENT. */
  | { type: 'RCV_SYN_ACK' }
  /** An acceptable ACK acknowledged our SYN (SYN-RECEIVED). */
  | { type: 'ACK_OF_SYN' }
  /** An acceptable ACK acknowledged our FIN. */
  | { type: 'ACK_OF_FIN' }
  /** The peer's FIN arrived in order. */
  | { type: 'RCV_FIN' }
  /** An acceptable RST arrived. */
  | { type: 'RCV_RST' }
  /** The 2·MSL wait ended (TIME-WAIT), or an orphan's FIN-WAIT-2 timeout. */
  | { type: 'TIMEOUT' }
  /** The retransmission limit was reached. */
  | { type: 'GIVE_UP' };

/** The names of the effects the connection performs (see the module comment). */
export type TcpAction =
  | 'sendSyn'
  | 'sendSynAck'
  | 'sendFin'
  | 'sendRst'
  | 'established'
  | 'peerClosed'
  | 'startTimeWait'
  | 'refused'
  | 'reset'
  | 'timedOut'
  | 'backToListen'
  | 'deleteTcb';

/** Context: whether the connection was opened passively (from a listener). */
export interface TcpMachineContext {
  /** Opened by a listener (SYN-RECEIVED + RST then returns to LISTEN). */
  readonly passive: boolean;
}

const noop = (): void => undefined;

/** The connection state machine (pure: its actions are named and performed by the connection). */
export const tcpMachine = setup({
  types: {
    context: {} as TcpMachineContext,
    input: {} as { passive?: boolean; start?: 'CLOSED' | 'LISTEN' },
    events: {} as TcpEvent,
  },
  actions: {
    sendSyn: noop,
    sendSynAck: noop,
    sendFin: noop,
    sendRst: noop,
    established: noop,
    peerClosed: noop,
    startTimeWait: noop,
    refused: noop,
    reset: noop,
    timedOut: noop,
    backToListen: noop,
    deleteTcb: noop,
  },
  guards: {
    passive: ({ context }) => context.passive,
  },
}).createMachine({
  id: 'tcp',
  context: ({ input }) => ({ passive: input.passive ?? false }),
  initial: 'CLOSED',
  states: {
    CLOSED: {
      on: {
        CONNECT: { target: 'SYN-SENT', actions: 'sendSyn' },
        LISTEN: { target: 'LISTEN' },
      },
    },
    LISTEN: {
      on: {
        RCV_SYN: { target: 'SYN-RECEIVED', actions: 'sendSynAck' },
        CLOSE: { target: 'CLOSED', actions: 'deleteTcb' },
        ABORT: { target: 'CLOSED', actions: 'deleteTcb' },
      },
    },
    'SYN-SENT': {
      on: {
        RCV_SYN_ACK: { target: 'ESTABLISHED', actions: 'established' },
        RCV_SYN: { target: 'SYN-RECEIVED', actions: 'sendSynAck' },
        RCV_RST: { target: 'CLOSED', actions: ['refused', 'deleteTcb'] },
        CLOSE: { target: 'CLOSED', actions: 'deleteTcb' },
        ABORT: { target: 'CLOSED', actions: 'deleteTcb' },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'SYN-RECEIVED': {
      on: {
        ACK_OF_SYN: { target: 'ESTABLISHED', actions: 'established' },
        RCV_FIN: { target: 'CLOSE-WAIT', actions: 'peerClosed' },
        CLOSE: { target: 'FIN-WAIT-1', actions: 'sendFin' },
        RCV_RST: [
          { guard: 'passive', target: 'LISTEN', actions: 'backToListen' },
          { target: 'CLOSED', actions: ['refused', 'deleteTcb'] },
        ],
        ABORT: { target: 'CLOSED', actions: ['sendRst', 'deleteTcb'] },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    ESTABLISHED: {
      on: {
        CLOSE: { target: 'FIN-WAIT-1', actions: 'sendFin' },
        RCV_FIN: { target: 'CLOSE-WAIT', actions: 'peerClosed' },
        RCV_RST: { target: 'CLOSED', actions: ['reset', 'deleteTcb'] },
        ABORT: { target: 'CLOSED', actions: ['sendRst', 'deleteTcb'] },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'FIN-WAIT-1': {
      on: {
        ACK_OF_FIN: { target: 'FIN-WAIT-2' },
        RCV_FIN: { target: 'CLOSING', actions: 'peerClosed' },
        RCV_RST: { target: 'CLOSED', actions: ['reset', 'deleteTcb'] },
        ABORT: { target: 'CLOSED', actions: ['sendRst', 'deleteTcb'] },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'FIN-WAIT-2': {
      on: {
        RCV_FIN: { target: 'TIME-WAIT', actions: ['peerClosed', 'startTimeWait'] },
        TIMEOUT: { target: 'CLOSED', actions: 'deleteTcb' },
        RCV_RST: { target: 'CLOSED', actions: ['reset', 'deleteTcb'] },
        ABORT: { target: 'CLOSED', actions: ['sendRst', 'deleteTcb'] },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'CLOSE-WAIT': {
      on: {
        CLOSE: { target: 'LAST-ACK', actions: 'sendFin' },
        RCV_RST: { target: 'CLOSED', actions: ['reset', 'deleteTcb'] },
        ABORT: { target: 'CLOSED', actions: ['sendRst', 'deleteTcb'] },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    CLOSING: {
      on: {
        ACK_OF_FIN: { target: 'TIME-WAIT', actions: 'startTimeWait' },
        RCV_RST: { target: 'CLOSED', actions: 'deleteTcb' },
        ABORT: { target: 'CLOSED', actions: 'deleteTcb' },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'LAST-ACK': {
      on: {
        ACK_OF_FIN: { target: 'CLOSED', actions: 'deleteTcb' },
        RCV_RST: { target: 'CLOSED', actions: 'deleteTcb' },
        ABORT: { target: 'CLOSED', actions: 'deleteTcb' },
        GIVE_UP: { target: 'CLOSED', actions: ['timedOut', 'deleteTcb'] },
      },
    },
    'TIME-WAIT': {
      on: {
        RCV_FIN: { target: 'TIME-WAIT', reenter: true, actions: 'startTimeWait' },
        TIMEOUT: { target: 'CLOSED', actions: 'deleteTcb' },
        RCV_RST: { target: 'CLOSED', actions: 'deleteTcb' },
        ABORT: { target: 'CLOSED', actions: 'deleteTcb' },
      },
    },
  },
});

/** What one transition of {@link tcpMachine} does: the state it leads to and the actions it names. */
export interface TcpStep {
  /** The state after the event (the same state when the event does nothing there). */
  readonly to: TcpState;
  /** The named actions, in order. */
  readonly actions: readonly TcpAction[];
}

const steps = new Map<string, TcpStep>();

/**
 * The transition of {@link tcpMachine} from `state` on `event` (for a passively opened connection
 * when `passive`), computed with xstate's pure `transition()` the first time and remembered: the
 * machine has no other context, so each (state, event, passive) has one answer. Connections call
 * this instead of keeping an xstate snapshot each — the machine stays the one definition of the
 * control plane at a few map look-ups per control event.
 */
export function tcpStep(state: TcpState, event: TcpEvent['type'], passive: boolean): TcpStep {
  const key = `${passive ? 'p' : 'a'} ${state} ${event}`;
  let s = steps.get(key);
  if (s === undefined) {
    const snap = tcpMachine.resolveState({ value: state, context: { passive } });
    const [next, actions] = transition(tcpMachine, snap, { type: event } as TcpEvent);
    s = Object.freeze({ to: next.value as TcpState, actions: Object.freeze(actions.map((a) => a.type as TcpAction)) });
    steps.set(key, s);
  }
  return s;
}
