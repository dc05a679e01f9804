/**
 * xstate v5 on simulated time: a clock adapter so `after:` delays run on the simulator's queue,
 * and an actor factory that traces every state change on the bus.
 * @module
 */
import { createActor, initialTransition, transition, type AnyStateMachine, type Actor, type AnyMachineSnapshot } from 'xstate';
import type { Simulator } from './simulator.js';
import type { EventHandle } from './queue.js';
import type { Nanos } from './time.js';

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

/**
 * Creates and starts an actor on the simulator's clock; state changes are traced as `state` events.
 * The xstate inspector that sees them is attached only while the trace bus has listeners (or an
 * `onChange` callback is given): inspection costs more than the transition itself, so untraced
 * runs do not pay for it. A listener attached mid-run sees changes from the current state on.
 */
export function startSimActor<M extends AnyStateMachine>(
  sim: Simulator,
  machine: M,
  source: string,
  opts: { input?: unknown; onChange?: (from: string, to: string, event: string) => void } = {},
): Actor<M> {
  let prev = '';
  const actor = createActor(machine, { clock: simClock(sim), input: opts.input } as never) as Actor<M>;
  const observer = (ie: { type: string; actorRef: unknown; event?: { type: string }; snapshot?: { value?: unknown } }) => {
    if (ie.type !== '@xstate.snapshot' || ie.actorRef !== actor) return;
    const to = stateName(ie.snapshot?.value);
    if (to === prev) return;
    const from = prev;
    prev = to;
    const event = ie.event?.type ?? 'xstate.init';
    if (sim.trace.active) sim.trace.emit('state', source, { machine: machine.id, from, to, event });
    opts.onChange?.(from, to, event);
  };
  let sub: { unsubscribe(): void } | null = null;
  let started = false;
  const inspect = (on: boolean) => {
    if (on || opts.onChange !== undefined) {
      if (sub !== null) return;
      prev = started ? stateName((actor.getSnapshot() as { value?: unknown }).value) : '';
      sub = actor.system.inspect(observer as never);
    } else if (sub !== null) {
      sub.unsubscribe();
      sub = null;
    }
  };
  inspect(sim.trace.active);
  const unwatch = sim.trace.watchActive(inspect);
  actor.subscribe({ complete: unwatch, error: unwatch });
  actor.start();
  started = true;
  return actor;
}

/** What a host provides to a {@link RememberedMachine}. */
export interface RememberedMachineOptions<TContext, TEvent extends { type: string }> {
  /** Guards the host decides, by name: read when an event arrives (see the class comment). */
  guards: Record<string, () => boolean>;
  /** The event's fields other than `type` that the machine reads, as a short string (default: none). */
  eventKey?: (event: TEvent) => string;
  /** Named delays in ns, computed when the timer starts (with the context of that moment). */
  delays: Record<string, (context: TContext) => Nanos>;
  /** Named actions: called with the context as it is when the action runs, and the event. */
  actions: Record<string, (context: TContext, event: TEvent) => void>;
}

/** One remembered transition: where it leads and what it does, in xstate's order. */
interface Step {
  to: StateNode;
  /** Named actions, run in order, each with the context at its point in the step. */
  named: { name: string; context: unknown }[];
  /** Timers cancelled and started (delay name, after-event id and type), in the machine's order. */
  timers: ({ cancel: string } | { delay: string; id: string; event: string })[];
}

/** A (state value, context) pair of a machine, interned: its transitions are remembered on it. */
interface StateNode {
  snap: AnyMachineSnapshot;
  name: string;
  context: unknown;
  /** Remembered transitions by event key; `guarded` ones are keyed further by the guards' values (a bit mask). */
  steps: Map<string, { guarded: false; step: Step } | { guarded: true; byGuards: Map<number, Step> }>;
}

/** The interned states of a machine with one set of host options, shared by all its runners. */
interface Compiled {
  machine: AnyStateMachine;
  probe: Record<string, boolean>;
  consulted: Set<string>;
  delayNames: string[];
  nodes: Map<string, StateNode>;
}

const compiledMachines = new WeakMap<AnyStateMachine, WeakMap<object, Compiled>>();

/**
 * An xstate machine run by remembered pure transitions instead of an actor — for machines on a
 * hot path (CSMA/CD runs per frame and per collision in every station). Each (state value,
 * context, event key, guard values) is computed once with xstate's pure `transition()` and
 * remembered, so the machine stays the one definition of the behaviour while a step costs a map
 * look-up. Effects keep the actor's order: named actions in order, then timers cancelled and
 * started in the machine's order (`after` delays on the simulator's queue, computed after the
 * step's actions ran), then the `state` trace event.
 *
 * Conditions (true of the machines that use it): the context is a small plain value (it is part of
 * the key), guards the host decides read only host state that the machine's own actions in the
 * same step do not change, and the only built-in actions are `assign`, delayed `raise` (`after`)
 * and `cancel`. Events sent from inside an action are queued and run after the current step.
 */
export class RememberedMachine<TContext, TEvent extends { type: string }> {
  private node: StateNode;
  private readonly compiled: Compiled;
  private readonly timers = new Map<string, EventHandle>();
  private readonly queue: TEvent[] = [];
  private busy = false;
  private readonly guardNames: string[];
  private readonly guardFns: (() => boolean)[];

  constructor(
    private readonly sim: Simulator,
    machine: AnyStateMachine,
    /** Trace source of the `state` events. */
    private readonly source: string,
    private readonly opts: RememberedMachineOptions<TContext, TEvent>,
  ) {
    let byOpts = compiledMachines.get(machine);
    if (byOpts === undefined) compiledMachines.set(machine, (byOpts = new WeakMap()));
    // machines compiled per guard set: the probe holds the values the guards return while computing
    const shape = guardShape(Object.keys(opts.guards), Object.keys(opts.delays));
    let c = byOpts.get(shape);
    if (c === undefined) {
      const probe: Record<string, boolean> = {};
      const consulted = new Set<string>();
      const delayNames = Object.keys(opts.delays);
      const provided = machine.provide({
        guards: Object.fromEntries(
          Object.keys(opts.guards).map((g) => [
            g,
            () => {
              consulted.add(g);
              return probe[g];
            },
          ]),
        ),
        // each delay resolves to its index + 1, so a started timer names its delay
        delays: Object.fromEntries(delayNames.map((d, k) => [d, k + 1])),
      } as never) as AnyStateMachine;
      c = { machine: provided, probe, consulted, delayNames, nodes: new Map() };
      byOpts.set(shape, c);
    }
    this.compiled = c;
    this.guardNames = Object.keys(opts.guards);
    this.guardFns = this.guardNames.map((g) => opts.guards[g]);
    // the initial state and its entry effects (computed per runner: the guards may be consulted)
    for (let k = 0; k < this.guardNames.length; k++) c.probe[this.guardNames[k]] = this.guardFns[k]();
    const init = toStep(c, ...initialTransition(c.machine));
    this.node = init.to;
    this.busy = true;
    try {
      this.effects(init, { type: 'xstate.init' } as TEvent);
      while (this.queue.length > 0) this.process(this.queue.shift()!);
    } finally {
      this.busy = false;
    }
    if (sim.trace.active) sim.trace.emit('state', source, { machine: machine.id, from: '', to: this.node.name, event: 'xstate.init' });
  }

  /** The current state, as the trace names it (`idle`, `defer.gap`, …). */
  get state(): string {
    return this.node.name;
  }

  /** The current context. */
  get context(): TContext {
    return this.node.context as TContext;
  }

  /** Sends an event (queued when sent from inside one of the machine's own actions). */
  send(event: TEvent): void {
    if (this.busy) {
      this.queue.push(event);
      return;
    }
    this.busy = true;
    try {
      this.process(event);
      while (this.queue.length > 0) this.process(this.queue.shift()!);
    } finally {
      this.busy = false;
    }
  }

  private process(event: TEvent): void {
    const from = this.node;
    const step = this.lookup(from, event);
    this.effects(step, event);
    if (step.to.name !== from.name && this.sim.trace.active) {
      this.sim.trace.emit('state', this.source, { machine: this.compiled.machine.id, from: from.name, to: step.to.name, event: event.type });
    }
  }

  /** Runs a step's effects in the actor's order: named actions, then timers (with the new state's context). */
  private effects(step: Step, event: TEvent): void {
    for (const a of step.named) this.opts.actions[a.name]?.(a.context as TContext, event);
    this.node = step.to;
    for (const t of step.timers) {
      if ('cancel' in t) {
        this.timers.get(t.cancel)?.cancel();
        this.timers.delete(t.cancel);
        continue;
      }
      const ns = this.opts.delays[t.delay](step.to.context as TContext);
      const { id, event: type } = t;
      this.timers.get(id)?.cancel();
      this.timers.set(
        id,
        this.sim.schedule(Math.max(0, Math.round(ns)), () => {
          this.timers.delete(id);
          this.send({ type } as TEvent);
        }),
      );
    }
  }

  private lookup(from: StateNode, event: TEvent): Step {
    const extra = this.opts.eventKey?.(event) ?? '';
    const key = extra === '' ? event.type : `${event.type} ${extra}`;
    const entry = from.steps.get(key);
    if (entry !== undefined && !entry.guarded) return entry.step;
    const c = this.compiled;
    let bits = 0;
    for (let k = 0; k < this.guardFns.length; k++) if (this.guardFns[k]()) bits |= 1 << k;
    if (entry !== undefined) {
      const s = entry.byGuards.get(bits);
      if (s !== undefined) return s;
    }
    for (let k = 0; k < this.guardNames.length; k++) c.probe[this.guardNames[k]] = (bits & (1 << k)) !== 0;
    c.consulted.clear();
    const step = compute(c, from.snap, event);
    if (entry !== undefined) entry.byGuards.set(bits, step);
    else if (c.consulted.size === 0) from.steps.set(key, { guarded: false, step });
    else from.steps.set(key, { guarded: true, byGuards: new Map([[bits, step]]) });
    return step;
  }
}

const shapes = new Map<string, object>();
function guardShape(guards: string[], delays: string[]): object {
  const k = `${guards.join(',')}|${delays.join(',')}`;
  let o = shapes.get(k);
  if (o === undefined) shapes.set(k, (o = {}));
  return o;
}

function intern(c: Compiled, snap: AnyMachineSnapshot): StateNode {
  const name = stateName(snap.value);
  const key = `${name} ${JSON.stringify(snap.context)}`;
  let n = c.nodes.get(key);
  if (n === undefined) {
    n = { snap, name, context: Object.freeze({ ...(snap.context as object) }), steps: new Map() };
    c.nodes.set(key, n);
  }
  return n;
}

function compute(c: Compiled, snap: AnyMachineSnapshot, event: { type: string }): Step {
  return toStep(c, ...transition(c.machine, snap, event as never));
}

function toStep(c: Compiled, next: AnyMachineSnapshot, actions: readonly unknown[]): Step {
  const step: Step = { to: intern(c, next), named: [], timers: [] };
  for (const a of actions as readonly { type: string; params?: { delay?: number; id?: string; event?: { type: string }; sendId?: string }; info?: { context?: unknown } }[]) {
    if (a.type === 'xstate.raise') {
      const d = a.params?.delay;
      if (typeof d !== 'number' || c.delayNames[d - 1] === undefined) throw new Error(`RememberedMachine: only delayed raises (after:) are supported, got ${JSON.stringify(a.params)}`);
      const type = a.params!.event!.type;
      step.timers.push({ delay: c.delayNames[d - 1], id: a.params?.id ?? type, event: type });
    } else if (a.type === 'xstate.cancel') step.timers.push({ cancel: String(a.params?.sendId) });
    else if (a.type.startsWith('xstate.')) throw new Error(`RememberedMachine: built-in action ${a.type} is not supported`);
    else step.named.push({ name: a.type, context: Object.freeze({ ...(a.info?.context as object) }) });
  }
  return step;
}
