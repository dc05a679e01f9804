/**
 * nicsim — an Ethernet LAN adapter emulated at register level (an Intel 8254x subset), the media
 * it attaches to, and the simulation kernel they run on. Layers are also reachable as subpaths:
 * `nicsim/sim`, `nicsim/hw`, `nicsim/trace`.
 * @module
 */

// sim: the discrete-event kernel
export { Simulator, EventQueue, Rng, TraceBus, NS, US, MS, SEC, formatNanos, formatDuration, simClock, startSimActor } from './sim/index.js';
export type { SimulatorOptions, RunOptions, RunResult, RealtimeOptions, RealtimeResult, EventHandle, TraceEvent, TraceEventMap, TraceKind, TraceListener, Nanos } from './sim/index.js';

// hw: the adapter, host memory and media
export { Nic, HostMemory, IrqLine, Cable, Phy, RegisterFile, e1000, phyRegisters } from './hw/index.js';
export { buildEepromImage, eepromChecksumValid, macFromEeprom, parseMac, formatMac } from './hw/index.js';
export { writeTxDescriptor, readTxDescriptor, writeRxDescriptor, readRxDescriptor, TXD_CMD, TXD_STA, RXD_STAT, RXD_ERR, DESC_SIZE } from './hw/index.js';
export { fcs32, fcsValid, serializeFrame, resolveLink, decodeFields } from './hw/index.js';
export type { NicOptions, NicCounters, CableOptions, Endpoint, MediumLink, WireFrame, LinkSignal, LinkMode, Speed, Duplex, RegDef, FieldDef, FrameMiddleware } from './hw/index.js';

// trace: views of the trace bus
export { formatEvent, describeEvent, hexBytes } from './trace/index.js';
