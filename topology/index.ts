/**
 * nicsim/topology — whole emulated hosts (adapter + memory + kernel + driver + stack) on cables,
 * hubs and switches, booted the way an OS boots.
 * @module
 */
export { Network, NetHost, parseCidr, hostMemoryBytes, type HostSpec, type InterfaceSpec, type NetworkOptions } from './network.js';
export { buildLan, type LanNetwork, type LanNetworkOptions } from './lan.js';
export { Station, type StationOptions } from './station.js';
