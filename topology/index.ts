/**
 * nicsim/topology — whole emulated hosts (adapter + memory + kernel + driver + stack) on cables,
 * hubs and switches, booted the way an OS boots.
 * @module
 */
export { Network, NetHost, parseCidr, type HostSpec, type InterfaceSpec, type NetworkOptions } from './network.js';
