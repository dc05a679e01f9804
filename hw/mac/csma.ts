/**
 * CSMA/CD, the half-duplex MAC transmit process of IEEE 802.3, as an xstate machine:
 * `idle` → `defer` (wait until the carrier is gone and an interframe gap has passed) →
 * `transmit` → back to `idle`; a carrier seen while transmitting is a collision → `jam`
 * (32 bit times) → `backoff` (r × slot, r uniform in [0, 2^min(n,10) − 1]) → `defer` again,
 * up to 16 attempts. The machine decides and keeps the frame's half-duplex state in its context
 * (attempts, whether a collision was late, whether late collisions are retried, the outcome); the
 * adapter provides the effects (start, jam, done, abandon, the back-off draw) and the timings, so
 * the machine never touches the wire itself and graph tests can cover attempts and back-off.
 * @module
 */
import { assign, setup } from 'xstate';

/** Attempts before a frame is abandoned with excessive collisions. */
export const ATTEMPT_LIMIT = 16;
/** Backoff exponent cap. */
export const BACKOFF_LIMIT = 10;
/** Jam length in bits. */
export const JAM_BITS = 32;

/**
 * The states of {@link csmaMachine} that react to carrier changes (deferring and transmitting);
 * in the others a carrier event does nothing, so a medium need not deliver it (a test checks this
 * list against the machine).
 */
export const CARRIER_STATES: ReadonlySet<string> = new Set(['defer.waitCarrier', 'defer.gap', 'transmit']);

/** Slot time in bit times at a speed (512 at 10/100 Mb/s, 4096 at 1 Gb/s). */
export function slotBits(speed: number): number {
  return speed >= 1000 ? 4096 : 512;
}

/** The largest backoff multiplier after `n` collisions: 2^min(n, 10) − 1. */
export function backoffRange(n: number): number {
  return 2 ** Math.min(n, BACKOFF_LIMIT) - 1;
}

/**
 * Events of the CSMA/CD machine. `FRAME_READY.retryLate` is TCTL.RTLC when the frame is handed
 * over; `CARRIER_ON.late` says whether, during a transmission, the carrier came one slot time or
 * more after the start (a late collision).
 */
export type CsmaEvent = { type: 'FRAME_READY'; retryLate?: boolean } | { type: 'CARRIER_ON'; late?: boolean } | { type: 'CARRIER_OFF' } | { type: 'RESET' };

/** The half-duplex state of the frame being sent. */
export interface CsmaContext {
  /** Collisions so far (transmission attempts that failed). */
  attempts: number;
  /** Whether one of them was late. */
  late: boolean;
  /** Whether a late collision is retried (TCTL.RTLC) rather than abandoned. */
  retryLate: boolean;
  /** How the last frame ended, or null while one is in progress or none was sent. */
  outcome: 'sent' | 'abandoned' | null;
}

/**
 * The CSMA/CD transmit machine. Effects (actions) the adapter provides: `noteDeferred`,
 * `startTx`, `txDone`, `collision`, `startJam`, `abandon`, `drawBackoff` (each gets the context);
 * guards it provides: `carrier`, `gapElapsed`; delays (ms of simulated time): `TX_TIME`,
 * `JAM_TIME`, `GAP_LEFT`, `BACKOFF`. The give-up rule is the machine's own: 16 attempts, or a late
 * collision without `retryLate`.
 */
export const csmaMachine = setup({
  types: { events: {} as CsmaEvent, context: {} as CsmaContext },
  actions: {
    noteDeferred: () => {},
    startTx: () => {},
    txDone: () => {},
    collision: () => {},
    startJam: () => {},
    abandon: () => {},
    drawBackoff: () => {},
  },
  guards: {
    carrier: () => false,
    gapElapsed: () => true,
    giveUp: ({ context }) => context.attempts >= ATTEMPT_LIMIT || (context.late && !context.retryLate),
  },
  delays: {
    TX_TIME: 1,
    JAM_TIME: 1,
    GAP_LEFT: 1,
    BACKOFF: 1,
  },
}).createMachine({
  id: 'csma',
  initial: 'idle',
  context: { attempts: 0, late: false, retryLate: false, outcome: null },
  on: { RESET: { target: '.idle', actions: assign({ attempts: 0, late: false, outcome: null }) } },
  states: {
    idle: {
      on: {
        FRAME_READY: {
          target: 'defer',
          actions: assign(({ event }) => ({ attempts: 0, late: false, retryLate: event.retryLate ?? false, outcome: null })),
        },
      },
    },
    defer: {
      initial: 'check',
      states: {
        check: {
          always: [
            { guard: 'carrier', target: 'waitCarrier', actions: 'noteDeferred' },
            { guard: 'gapElapsed', target: '#csma.transmit' },
            { target: 'gap' },
          ],
        },
        waitCarrier: {
          on: { CARRIER_OFF: 'check' },
        },
        gap: {
          after: { GAP_LEFT: '#csma.transmit' },
          on: { CARRIER_ON: { target: 'waitCarrier', actions: 'noteDeferred' } },
        },
      },
    },
    transmit: {
      entry: 'startTx',
      after: { TX_TIME: { target: 'idle', actions: ['txDone', assign({ outcome: 'sent' })] } },
      on: {
        CARRIER_ON: {
          target: 'jam',
          actions: [assign(({ context, event }) => ({ attempts: context.attempts + 1, late: context.late || (event.late ?? false) })), 'collision'],
        },
      },
    },
    jam: {
      entry: 'startJam',
      after: {
        JAM_TIME: [
          { guard: 'giveUp', target: 'idle', actions: ['abandon', assign({ outcome: 'abandoned' })] },
          { target: 'backoff', actions: 'drawBackoff' },
        ],
      },
    },
    backoff: {
      after: { BACKOFF: 'defer' },
    },
  },
});
