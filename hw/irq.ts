/**
 * An interrupt request line: a level (asserted or not) and listeners told on every change.
 * The adapter recomputes its level as a pure function of its registers on every change.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';

declare module '../sim/trace.js' {
  interface TraceEventMap {
    /** An IRQ line changed level. */
    irq: { line: string; level: boolean };
  }
}

/** Listener of IRQ level changes. */
export type IrqListener = (level: boolean) => void;

/** A level-triggered interrupt line. */
export class IrqLine {
  private lvl = false;
  private listeners: IrqListener[] = [];
  /** Number of rising edges so far. */
  assertions = 0;

  constructor(
    private readonly sim: Simulator,
    /** The line's name (its device). */
    readonly name: string,
  ) {}

  /** Whether the line is asserted. */
  get level(): boolean {
    return this.lvl;
  }

  /** Drives the line (device side); listeners hear only real changes. */
  set(level: boolean): void {
    if (level === this.lvl) return;
    this.lvl = level;
    if (level) this.assertions++;
    if (this.sim.trace.active) this.sim.trace.emit('irq', this.name, { line: this.name, level });
    for (const l of this.listeners) l(level);
  }

  /** Subscribes to level changes; returns an unsubscribe function. */
  onChange(fn: IrqListener): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== fn);
    };
  }
}
