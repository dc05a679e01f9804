/**
 * nicsim/stack — the IP stack, by layer from the bottom. Sections follow the layers from the wire
 * up; transports, sockets, applications and tools add theirs between `icmp` and `host`. The wire
 * codecs have their own index (`stack/wire/index.ts`); the most used are re-exported here.
 *
 * Not implemented below the transports: IPv6; VLANs; IP options beyond validation and copying
 * on fragmentation (no source routing, record route or timestamp processing); ICMP redirects
 * (neither sent nor obeyed), router discovery, timestamps and address masks; a path-MTU cache
 * (transports receive "fragmentation needed" and decide); multicast routing and IGMP (groups
 * are joined locally only); multicast loopback; proxy ARP; duplicate address detection beyond
 * counting conflicts; randomised ARP reachable time; NAPT port preservation, hairpinning,
 * TCP-state-aware timeouts and translation of protocols other than TCP, UDP and ICMP echo.
 * @module
 */

// wire: the codecs' addresses and constants most users need
export {
  ETHERTYPE,
  IP_PROTOCOL,
  ICMP_TYPE,
  ICMP_UNREACH,
  ICMP_TIME_EXCEEDED,
  formatIpv4Addr,
  parseIpv4Addr,
  formatMac,
  parseMac,
} from './wire/index.js';

// iface: Ethernet demux, ARP, routing
export { Iface, type IfaceConfig, type IfaceHost, type TxStatus } from './iface/netif.js';
export {
  ArpCache,
  ARP_DEFAULTS,
  arpEntryMachine,
  type ArpConfig,
  type ArpEntryContext,
  type ArpEntryEvent,
  type ArpEntryInput,
  type ArpEntryState,
  type ArpRow,
} from './iface/arp.js';
export { RoutingTable, toIpv4, type Route, type RouteKind, type RouteRow, type RouteSpec } from './iface/route.js';

// ip: IPv4, fragmentation and reassembly, NAPT
export {
  Ipv4Layer,
  multicastMac,
  type IcmpErrorInfo,
  type IpDelivery,
  type IpHandler,
  type IpOutput,
  type IpOutputError,
  type Ipv4Context,
  type OutputResult,
  type RouteInfo,
} from './ip/ipv4.js';
export {
  Reassembler,
  REASSEMBLY_DEFAULTS,
  IPV4_MAX_DATAGRAM,
  copiedOptions,
  fragmentPayload,
  type FragmentSink,
  type ReassemblyConfig,
  type ReassemblyEntry,
  type ReassemblyHooks,
} from './ip/frag.js';
export { Napt, NAPT_DEFAULTS, type NaptMapping, type NaptOptions, type NaptRow } from './ip/napt.js';

// icmp
export { Icmp, ICMP_DEFAULTS, ICMP_ERROR_QUOTE_MAX, type EchoError, type EchoReply, type EchoRequest, type IcmpConfig } from './icmp.js';

// host: the stack, its counters and timers
export {
  NetStack,
  Counters,
  StackTimers,
  STACK_COUNTERS,
  type NetStackOptions,
  type InterfaceOptions,
  type CounterDef,
  type CounterKind,
  type CounterRef,
  type StackCounterName,
  type StackTimer,
} from './host.js';

// testing: an in-memory network device
export { TestDevice, TEST_DEVICE_MTU_RANGE, type SentFrame, type TestDeviceOptions } from './testdev.js';
