/**
 * nicsim/topology — whole emulated hosts (adapter + memory + kernel + driver + stack) on cables,
 * hubs and switches, booted the way an OS boots.
 * @module
 */
export { Network, NetHost, parseCidr, hostMemoryBytes, type HostSpec, type InterfaceSpec, type NetworkOptions } from './network.js';
export {
  parseTopology, buildTopology, addRoutes, defaultMac, TOPOLOGY_SCHEMA, TopologyError,
  type TopologySpec, type BuiltTopology, type BuiltRemote, type HostFileSpec, type InterfaceFileSpec, type ServicesSpec, type RemoteFileSpec, type FaultsSpec, type CableFileSpec, type RunStep,
} from './file.js';
export { attachUdp, attachStream, parseHostPort, type Link, type LinkStats, type HostPort, type UdpLinkOptions, type StreamLinkOptions } from './links.js';
export { startServices, runStep, httpPages, defaultPage, echoPattern, TcpService, type RunningServices, type StepResult, type TcpServiceStats } from './services.js';
export { buildLan, type LanNetwork, type LanNetworkOptions } from './lan.js';
export { Station, type StationOptions } from './station.js';
