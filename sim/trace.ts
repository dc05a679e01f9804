/**
 * The trace bus: every layer emits typed events on it, sinks subscribe. Event shapes are declared
 * by the layers themselves through declaration merging on {@link TraceEventMap}, so `sim/` knows
 * nothing of the layers above it while subscribers still get a precise discriminated union.
 *
 * Emitting is free when nobody listens: producers guard with `if (bus.active)` before building
 * the event object.
 * @module
 */
import type { Nanos } from './time.js';

/**
 * Event payloads by kind. Layers add their own kinds with
 * `declare module '<path>/sim/trace.js' { interface TraceEventMap { 'my.kind': {...} } }`.
 */
export interface TraceEventMap {
  /** A free-form message. */
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string };
  /** A state machine changed state. */
  state: { machine: string; from: string; to: string; event: string };
  /** Something was dropped; `counter` names the one place it is counted; `frameId` when it was a frame on a medium. */
  drop: { what: string; reason: string; counter: string; frameId?: number };
}

/** The kinds of trace event currently declared. */
export type TraceKind = keyof TraceEventMap;

/** Fields every trace event carries. */
export interface TraceEventBase {
  /** Simulated time of the event, ns. */
  time: Nanos;
  /** The emitting component (e.g. `nic0`, `cable0`). */
  source: string;
}

/** A trace event of kind `K` (a discriminated union over all kinds by default). */
export type TraceEvent<K extends TraceKind = TraceKind> = K extends TraceKind
  ? TraceEventBase & { kind: K } & TraceEventMap[K]
  : never;

/** A trace subscriber. */
export type TraceListener = (ev: TraceEvent) => void;

/** The bus: one per simulator. */
export class TraceBus {
  /** True when at least one listener is attached; producers check it before building events. */
  active = false;
  /**
   * How many times a listener has been attached (never decreases). Equal values at two instants,
   * with the bus inactive at the first, mean no listener saw any event in between.
   */
  subscriptions = 0;
  private listeners: TraceListener[] = [];
  private readonly watchers = new Set<(active: boolean) => void>();

  constructor(private readonly clock: () => Nanos) {}

  /** Adds a listener (optionally only for some kinds); returns a function that removes it. */
  subscribe(fn: TraceListener, kinds?: readonly TraceKind[] | ((kind: TraceKind) => boolean)): () => void {
    let l: TraceListener = fn;
    if (Array.isArray(kinds)) {
      const set = new Set<string>(kinds);
      l = (ev) => {
        if (set.has(ev.kind)) fn(ev);
      };
    } else if (typeof kinds === 'function') {
      const pred = kinds;
      l = (ev) => {
        if (pred(ev.kind)) fn(ev);
      };
    }
    this.listeners = [...this.listeners, l];
    this.subscriptions++;
    this.setActive(true);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
      this.setActive(this.listeners.length > 0);
    };
  }

  /**
   * Calls `fn(active)` whenever {@link active} changes (a producer that keeps costly
   * instrumentation attached only while someone listens); returns a function that stops it.
   */
  watchActive(fn: (active: boolean) => void): () => void {
    this.watchers.add(fn);
    return () => {
      this.watchers.delete(fn);
    };
  }

  private setActive(on: boolean): void {
    if (on === this.active) return;
    this.active = on;
    for (const w of [...this.watchers]) w(on);
  }

  /** Emits an event stamped with the current simulated time. */
  emit<K extends TraceKind>(kind: K, source: string, data: TraceEventMap[K]): void {
    if (!this.active) return;
    const ev = { time: this.clock(), source, kind, ...data } as unknown as TraceEvent;
    for (const l of this.listeners) l(ev);
  }

  /** Records every event into an array (handy in tests); returns the array and a stop function. */
  record(kinds?: readonly TraceKind[]): { events: TraceEvent[]; stop: () => void } {
    const events: TraceEvent[] = [];
    const stop = this.subscribe((e) => events.push(e), kinds);
    return { events, stop };
  }
}
