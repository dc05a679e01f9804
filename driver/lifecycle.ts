/**
 * The driver lifecycle as an xstate machine: `unprobed → probing → down ⇄ (opening → up → closing)`,
 * `up` holding `linkDown ⇄ linkUp`, with `failed` (probe refused the device, or a reset failed
 * while closing) and `removed` (final). The machine decides which transitions are legal and names
 * the effects; the driver provides them (`carrierOn`, `carrierOff`, `reportFailure`) and sends the
 * events as its async procedures finish. The machine never touches the adapter.
 * @module
 */
import { assign, setup } from 'xstate';

/** Events of the lifecycle machine. */
export type LifecycleEvent =
  | { type: 'PROBE' }
  | { type: 'PROBE_OK' }
  | { type: 'PROBE_FAIL'; error: string }
  | { type: 'OPEN' }
  | { type: 'OPEN_OK' }
  | { type: 'OPEN_FAIL'; error: string }
  | { type: 'LINK_UP' }
  | { type: 'LINK_DOWN' }
  | { type: 'CLOSE' }
  | { type: 'CLOSE_OK' }
  | { type: 'CLOSE_FAIL'; error: string }
  | { type: 'REMOVE' };

/** The machine's context: the last error reported by a failed procedure. */
export interface LifecycleContext {
  /** Message of the last failure, or null. */
  error: string | null;
}

/** The lifecycle states, flattened (`up.linkUp`). */
export type LifecycleState = 'unprobed' | 'probing' | 'down' | 'opening' | 'up.linkDown' | 'up.linkUp' | 'closing' | 'failed' | 'removed';

/**
 * The driver lifecycle machine. Effects are named actions the driver provides:
 * `carrierOn` (entering `up.linkUp`: enable transmit, wake the queue, tell the stack),
 * `carrierOff` (leaving it), `reportFailure` (entering `failed`).
 */
export const e1000Lifecycle = setup({
  types: { events: {} as LifecycleEvent, context: {} as LifecycleContext },
  actions: {
    carrierOn: () => {},
    carrierOff: () => {},
    reportFailure: () => {},
    recordError: assign({ error: ({ event }) => ('error' in event ? event.error : null) }),
  },
}).createMachine({
  id: 'e1000',
  initial: 'unprobed',
  context: { error: null },
  states: {
    unprobed: { on: { PROBE: 'probing', REMOVE: 'removed' } },
    probing: {
      on: {
        PROBE_OK: 'down',
        PROBE_FAIL: { target: 'failed', actions: 'recordError' },
      },
    },
    down: { on: { OPEN: 'opening', REMOVE: 'removed' } },
    opening: {
      on: {
        OPEN_OK: 'up',
        OPEN_FAIL: { target: 'down', actions: 'recordError' },
      },
    },
    up: {
      initial: 'linkDown',
      states: {
        linkDown: { on: { LINK_UP: 'linkUp' } },
        linkUp: { entry: 'carrierOn', exit: 'carrierOff', on: { LINK_DOWN: 'linkDown' } },
      },
      on: { CLOSE: 'closing' },
    },
    closing: {
      on: {
        CLOSE_OK: 'down',
        CLOSE_FAIL: { target: 'failed', actions: 'recordError' },
      },
    },
    failed: { entry: 'reportFailure', on: { REMOVE: 'removed' } },
    removed: { type: 'final' },
  },
});

/** Flattens a machine state value (`{ up: 'linkUp' }` → `up.linkUp`). */
export function lifecycleStateName(value: unknown): LifecycleState {
  if (typeof value === 'string') return value as LifecycleState;
  const [k, v] = Object.entries(value as Record<string, unknown>)[0];
  return `${k}.${String(v)}` as LifecycleState;
}
