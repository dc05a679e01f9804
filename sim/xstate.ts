/**
 * xstate v5 on simulated time: a clock adapter so `after:` delays run on the simulator's queue,
 * and an actor factory that traces every state change on the bus.
 * @module
 */
import { createActor, type AnyStateMachine, type Actor } from 'xstate';
import type { Simulator } from './simulator.js';
import type { EventHandle } from './queue.js';

/** The clock interface xstate's `createActor` accepts. */
export interface XstateClock {
  /** Schedules `fn` after `ms` milliseconds. */
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  /** Cancels a scheduled callback. */
  clearTimeout(id: unknown): void;
}

/** An xstate clock whose milliseconds are simulated milliseconds (fractions allowed, rounded to ns). */
export function simClock(sim: Simulator): XstateClock {
  return {
    setTimeout: (fn: (...args: unknown[]) => void, ms: number) => sim.schedule(Math.max(0, Math.round(ms * 1e6)), () => fn()),
    clearTimeout: (h: unknown) => {
      (h as EventHandle | undefined)?.cancel();
    },
  };
}

/** Converts nanoseconds to the millisecond unit xstate delays use. */
export function nsToXstateMs(ns: number): number {
  return ns / 1e6;
}

function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}.${stateName(v)}`)
      .join(',');
  }
  return String(value);
}

/** Creates and starts an actor on the simulator's clock; state changes are traced as `state` events. */
export function startSimActor<M extends AnyStateMachine>(
  sim: Simulator,
  machine: M,
  source: string,
  opts: { input?: unknown; onChange?: (from: string, to: string, event: string) => void } = {},
): Actor<M> {
  let prev = '';
  let actor: Actor<M> | undefined;
  const inspect = (ie: { type: string; actorRef: unknown; event?: { type: string }; snapshot?: { value?: unknown } }) => {
    if (ie.type !== '@xstate.snapshot' || actor === undefined || ie.actorRef !== actor) return;
    const to = stateName(ie.snapshot?.value);
    if (to === prev) return;
    const from = prev;
    prev = to;
    const event = ie.event?.type ?? 'xstate.init';
    if (sim.trace.active) sim.trace.emit('state', source, { machine: machine.id, from, to, event });
    opts.onChange?.(from, to, event);
  };
  actor = createActor(machine, { clock: simClock(sim), input: opts.input, inspect } as never) as Actor<M>;
  actor.start();
  return actor;
}
