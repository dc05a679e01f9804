/**
 * nicsim/stack/wire — pure protocol codecs (smoltcp's Packet/Repr split).
 *
 * Per protocol: a field-offset table (`…_FIELD`), a view over a `Uint8Array`
 * (`new XPacket(bytes, offset)`, unchecked; validation lives in `check()`), a plain `…Repr`, and
 * `parseX(bytes) → XRepr | WireError`, `xBufferLen(repr)`, `emitX(repr, buf, offset = 0)`.
 * UDP and TCP also take the pseudo-header addresses: `parseUdp(bytes, src, dst)`,
 * `emitUdp(repr, buf, src, dst, offset)`, `parseTcp(bytes, src, dst)`,
 * `emitTcp(repr, buf, src?, dst?, offset)` (without addresses the TCP checksum is left 0); TCP
 * adds a repr-free header writer for the data path (`writeTcpHeader`). Parsers return a
 * {@link WireError} for bad input and never throw; emitters never validate, compute checksums,
 * and skip copying a payload that already lies at its destination (write the application data
 * into the frame buffer, then emit the headers around it: one buffer, no copies).
 * Addresses are numbers: MAC = 48-bit integer, IPv4 = unsigned 32-bit integer.
 *
 * Not implemented here: IPv6, IGMP and ICMPv6 codecs; QinQ (0x88a8) tags (an inner tag
 * stays in the payload); meaning of IPv4 options (Record Route, Timestamp… are kept as bytes);
 * meaning of TCP options other than MSS, window scale, SACK-permitted, SACK and timestamps (MD5,
 * TCP-AO, MPTCP, Fast Open… are kept as bytes); ICMP redirect, parameter problem and RFC 4884
 * extensions (returned as `'other'`); DNS rdata other than A (kept raw, compression pointers
 * inside it included), DNS over TCP framing.
 * @module
 */

// Errors and the result convention
export { WireError, isWireError, type WireErrorKind, type ParseOptions } from './error.js';

// Internet checksum (RFC 1071)
export {
  onesSum,
  combineSums,
  swapSum,
  finishChecksum,
  internetChecksum,
  checksumOk,
  ipv4PseudoHeaderSum,
} from './checksum.js';

// Ethernet II + 802.1Q, MAC addresses
export {
  type MacAddr,
  MAC_BROADCAST,
  MAC_ZERO,
  readMac,
  writeMac,
  macToBytes,
  parseMac,
  formatMac,
  isBroadcastMac,
  isMulticastMac,
  isUnicastMac,
  isLocalMac,
  macEquals,
  ETHERTYPE,
  ETHERNET_FIELD,
  VLAN_FIELD,
  ETHERNET_HEADER_LEN,
  VLAN_TAG_LEN,
  type VlanTag,
  type EthernetRepr,
  EthernetFrame,
  parseEthernet,
  ethernetHeaderLen,
  ethernetBufferLen,
  emitEthernet,
} from './ethernet.js';

// ARP (Ethernet/IPv4)
export {
  ARP_OP,
  ARP_HTYPE_ETHERNET,
  ARP_PTYPE_IPV4,
  ARP_FIELD,
  ARP_LEN,
  type ArpRepr,
  ArpPacket,
  parseArp,
  arpBufferLen,
  emitArp,
} from './arp.js';

// IPv4 header and addresses
export {
  type Ipv4Addr,
  IPV4_UNSPECIFIED,
  IPV4_BROADCAST,
  readIpv4Addr,
  writeIpv4Addr,
  ipv4AddrToUint32,
  ipv4AddrToBytes,
  parseIpv4Addr,
  formatIpv4Addr,
  prefixToMask,
  maskToPrefix,
  networkAddr,
  subnetBroadcast,
  inSubnet,
  type Ipv4Cidr,
  parseIpv4Cidr,
  formatIpv4Cidr,
  isUnspecifiedIpv4,
  isBroadcastIpv4,
  isMulticastIpv4,
  isLoopbackIpv4,
  isPrivateIpv4,
  isLinkLocalIpv4,
  IP_PROTOCOL,
  IPV4_OPTION,
  IPV4_FIELD,
  IPV4_MIN_HEADER_LEN,
  IPV4_MAX_HEADER_LEN,
  type Ipv4Option,
  type Ipv4Repr,
  NO_IPV4_OPTIONS,
  Ipv4Packet,
  parseIpv4Options,
  parseIpv4,
  ipv4OptionsLen,
  ipv4HeaderLen,
  ipv4BufferLen,
  emitIpv4,
} from './ipv4.js';

// ICMP for IPv4
export {
  ICMP_TYPE,
  ICMP_UNREACH,
  ICMP_TIME_EXCEEDED,
  ICMP_FIELD,
  ICMP_HEADER_LEN,
  type IcmpEchoRequest,
  type IcmpEchoReply,
  type IcmpDestUnreachable,
  type IcmpTimeExceeded,
  type IcmpOther,
  type IcmpRepr,
  IcmpPacket,
  parseIcmp,
  icmpBufferLen,
  emitIcmp,
} from './icmp.js';

// UDP
export {
  UDP_FIELD,
  UDP_HEADER_LEN,
  UDP_PORT,
  type UdpRepr,
  UdpPacket,
  parseUdp,
  udpBufferLen,
  emitUdp,
} from './udp.js';

// TCP
export {
  TCP_FIELD,
  TCP_HEADER_LEN,
  TCP_MAX_HEADER_LEN,
  TCP_FLAG,
  TCP_OPTION,
  TCP_TIMESTAMPS_ALIGNED_LEN,
  type TcpSackBlock,
  type TcpOptionEol,
  type TcpOptionNop,
  type TcpOptionMss,
  type TcpOptionWscale,
  type TcpOptionSackPermitted,
  type TcpOptionSack,
  type TcpOptionTimestamps,
  type TcpOptionOther,
  type TcpOption,
  NO_TCP_OPTIONS,
  TCP_NOP,
  TCP_SACK_PERMITTED,
  parseTcpOptions,
  tcpOptionsLen,
  emitTcpOptions,
  tcpOptionBytes,
  type TcpOptionsSummary,
  tcpOptionsSummary,
  type TcpSynOptionsInput,
  tcpSynOptions,
  tcpDataOptions,
  writeTcpTimestamps,
  tcpChecksumOk,
  fillTcpChecksum,
  TcpSegment,
  type TcpRepr,
  type TcpParseOptions,
  parseTcp,
  tcpHeaderLen,
  tcpBufferLen,
  emitTcp,
  writeTcpHeader,
} from './tcp.js';

// DNS
export {
  DNS_TYPE,
  DNS_CLASS,
  DNS_OPCODE,
  DNS_RCODE,
  DNS_FIELD,
  DNS_FLAG,
  DNS_HEADER_LEN,
  DNS_MAX_POINTERS,
  DNS_MAX_NAME_LEN,
  DNS_MAX_LABEL_LEN,
  type DnsQuestion,
  type DnsARecord,
  type DnsRawRecord,
  type DnsRecord,
  type DnsRepr,
  dnsRecordType,
  DnsPacket,
  parseDns,
  dnsNameToLabels,
  dnsBufferLen,
  emitDns,
} from './dns.js';
