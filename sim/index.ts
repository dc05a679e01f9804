/**
 * nicsim/sim — the discrete-event kernel: time, event queue, seeded random streams, trace bus,
 * real-time pacing, and xstate on simulated time.
 * @module
 */
export { Simulator, type ReusableEvent, type SimulatorOptions, type RunOptions, type RunResult, type RealtimeOptions, type RealtimeResult, type RealtimeStats } from './simulator.js';
export { EventQueue, type EventHandle } from './queue.js';
export { Rng } from './rng.js';
export { Slab } from './slab.js';
export { TraceBus, type TraceEvent, type TraceEventMap, type TraceKind, type TraceListener, type TraceEventBase } from './trace.js';
export { type Nanos, NS, US, MS, SEC, assertNanos, formatNanos, formatDuration } from './time.js';
export { simClock, startSimActor, nsToXstateMs, RememberedMachine, type XstateClock, type RememberedMachineOptions } from './xstate.js';
