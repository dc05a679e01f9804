/**
 * CSMA/CD, the half-duplex MAC transmit process of IEEE 802.3, as an xstate machine:
 * `idle` → `defer` (wait until the carrier is gone and an interframe gap has passed) →
 * `transmit` → back to `idle`; a carrier seen while transmitting is a collision → `jam`
 * (32 bit times) → `backoff` (r × slot, r uniform in [0, 2^min(n,10) − 1]) → `defer` again,
 * up to 16 attempts. The machine decides; the adapter provides the effects (start, jam, done,
 * abandon) and the timings, so the machine never touches the wire itself.
 * @module
 */
import { setup } from 'xstate';

/** Attempts before a frame is abandoned with excessive collisions. */
export const ATTEMPT_LIMIT = 16;
/** Backoff exponent cap. */
export const BACKOFF_LIMIT = 10;
/** Jam length in bits. */
export const JAM_BITS = 32;

/** Slot time in bit times at a speed (512 at 10/100 Mb/s, 4096 at 1 Gb/s). */
export function slotBits(speed: number): number {
  return speed >= 1000 ? 4096 : 512;
}

/** The largest backoff multiplier after `n` collisions: 2^min(n, 10) − 1. */
export function backoffRange(n: number): number {
  return 2 ** Math.min(n, BACKOFF_LIMIT) - 1;
}

/** Events of the CSMA/CD machine. */
export type CsmaEvent = { type: 'FRAME_READY' } | { type: 'CARRIER_ON' } | { type: 'CARRIER_OFF' } | { type: 'RESET' };

/**
 * The CSMA/CD transmit machine. Effects (actions) the adapter provides: `noteDeferred`,
 * `startTx`, `txDone`, `collision`, `startJam`, `abandon`, `drawBackoff`; guards: `carrier`,
 * `gapElapsed`, `giveUp`; delays (ms of simulated time): `TX_TIME`, `JAM_TIME`, `GAP_LEFT`, `BACKOFF`.
 */
export const csmaMachine = setup({
  types: { events: {} as CsmaEvent },
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
    giveUp: () => false,
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
  on: { RESET: '.idle' },
  states: {
    idle: {
      on: { FRAME_READY: 'defer' },
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
      after: { TX_TIME: { target: 'idle', actions: 'txDone' } },
      on: { CARRIER_ON: { target: 'jam', actions: 'collision' } },
    },
    jam: {
      entry: 'startJam',
      after: {
        JAM_TIME: [
          { guard: 'giveUp', target: 'idle', actions: 'abandon' },
          { target: 'backoff', actions: 'drawBackoff' },
        ],
      },
    },
    backoff: {
      after: { BACKOFF: 'defer' },
    },
  },
});
