/**
 * nicsim — an Ethernet LAN adapter emulated at register level (an Intel 8254x subset), the media
 * it attaches to, an OS-like driver, an IP stack, and the simulation kernel they run on. Layers are
 * also reachable as subpaths: `nicsim/sim`, `nicsim/hw`, `nicsim/driver`, `nicsim/stack`,
 * `nicsim/topology`, `nicsim/trace`.
 * @module
 */

// sim: the discrete-event kernel
export { Simulator, EventQueue, Rng, TraceBus, NS, US, MS, SEC, formatNanos, formatDuration, simClock, startSimActor, RememberedMachine } from './sim/index.js';
export type { SimulatorOptions, RunOptions, RunResult, RealtimeOptions, RealtimeResult, RealtimeStats, EventHandle, TraceEvent, TraceEventMap, TraceKind, TraceListener, Nanos } from './sim/index.js';

// hw: the adapter, host memory and media
export { Nic, HostMemory, IrqLine, Cable, Phy, RegisterFile, e1000, phyRegisters } from './hw/index.js';
export { buildEepromImage, eepromChecksumValid, macFromEeprom, parseMac, formatMac } from './hw/index.js';
export { writeTxDescriptor, readTxDescriptor, writeRxDescriptor, readRxDescriptor, TXD_CMD, TXD_STA, RXD_STAT, RXD_ERR, DESC_SIZE } from './hw/index.js';
export { fcs32, fcsValid, serializeFrame, resolveLink, decodeFields } from './hw/index.js';
export type { NicOptions, NicCounters, CableOptions, Endpoint, MediumLink, WireFrame, LinkSignal, LinkMode, Speed, Duplex, RegDef, FieldDef, FrameMiddleware } from './hw/index.js';

export { Hub, Switch, RemoteEndpoint, bitErrors, gilbertElliott, scriptedFlips, dropFrames, duplicateFrames, delayFrames } from './hw/index.js';
export type { HubOptions, SwitchOptions, FaultInjector, RemoteEndpointOptions, RemoteEndpointStats } from './hw/index.js';

// driver: the host kernel, the e1000 driver, register-sequence testing
export { Kernel, E1000, DriverError, recordRegisters, assertRegisterSequence, RegisterSequenceError } from './driver/index.js';
export type { KernelOptions, E1000Options, NetDevice, NetDevStats, LinkState } from './driver/index.js';

// stack: the IP stack, sockets, applications and tools
export { NetStack, TestDevice, Process, SocketError, DnsResolver, DnsServer, HttpServer, httpGet, HttpError, TcpEchoServer, ping, formatPing, AF_INET, SOCK_STREAM, SOCK_DGRAM, IPPROTO_TCP, IPPROTO_UDP, Tcp, TcpSocket, tcpMachine } from './stack/index.js';
export type { NetStackOptions, IpDelivery, IcmpErrorInfo, PingResult, HttpResponse, TcpOptions, TcpInfo, TcpState } from './stack/index.js';

// topology: whole hosts on cables, hubs and switches
export { Network, NetHost, parseTopology, buildTopology, TOPOLOGY_SCHEMA, TopologyError, attachUdp, attachStream } from './topology/index.js';
export type { HostSpec, InterfaceSpec, NetworkOptions, TopologySpec, BuiltTopology, Link, LinkStats } from './topology/index.js';

// trace: views of the trace bus
export { formatEvent, describeEvent, hexBytes, VcdWriter, Capture, CaptureStream, FileSink, LadderRecorder, summarizeFrame, summarizeWireFrame, toLine } from './trace/index.js';
export { narrate, narrateAll, layerOf, LAYERS, type Layer } from './trace/index.js';
export { story, formatStory, type StoryLine } from './trace/index.js';
