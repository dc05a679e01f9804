/**
 * An interrupt request line: a level (asserted or not) and listeners told about changes.
 * The adapter recomputes its level as a pure function of its registers on every change.
 *
 * The level (`level`, `assertions`, the `irq` trace event) changes synchronously with the register
 * access that changes it, but listeners are told in an event of their own at the same simulated
 * instant, never from inside the device: a listener may read and write the device's registers
 * (even reset it) without re-entering a transmit or receive walk. Listeners still hear every
 * change, in order (a rise and a fall within one instant are two calls).
 * @module
 */
import type { ReusableEvent, Simulator } from '../sim/simulator.js';

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
  /** The level listeners last heard. */
  private heard = false;
  /** Changes not yet told to listeners (they alternate, starting from the opposite of `heard`). */
  private untold = 0;
  /** The notification event: one, scheduled again for each instant with changes (no allocation per change). */
  private readonly notifier: ReusableEvent;
  /** Number of rising edges so far. */
  assertions = 0;

  constructor(
    private readonly sim: Simulator,
    /** The line's name (its device). */
    readonly name: string,
  ) {
    this.notifier = sim.reusableEvent(IrqLine.prototype.notify, this);
  }

  /** The notification event's run: tells the listeners every change not yet told. */
  private notify(): void {
    let n = this.untold;
    this.untold = 0;
    while (n-- > 0) {
      const level = !this.heard;
      this.heard = level;
      for (const l of this.listeners) l(level); // changes they cause are told in a later event
    }
  }

  /** Whether the line is asserted. */
  get level(): boolean {
    return this.lvl;
  }

  /** Drives the line (device side); listeners hear each real change in an event at the same instant. */
  set(level: boolean): void {
    if (level === this.lvl) return;
    this.lvl = level;
    if (level) this.assertions++;
    if (this.sim.trace.active) this.sim.trace.emit('irq', this.name, { line: this.name, level });
    if (this.listeners.length === 0 && this.untold === 0) {
      this.heard = level;
      return;
    }
    this.untold++;
    this.notifier.schedule(0); // no-op while already pending
  }

  /** Subscribes to level changes; returns an unsubscribe function. */
  onChange(fn: IrqListener): () => void {
    if (this.listeners.length === 0 && this.untold === 0) this.heard = this.lvl;
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((x) => x !== fn);
    };
  }
}
