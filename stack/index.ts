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
 * TCP sequence tracking (its TCP timeouts follow SYN/FIN/RST, RFC 5382, but a RST is not checked
 * against the window), RFC 5382 REQ-4's hold of unsolicited SYNs, and translation of protocols
 * other than TCP, UDP and ICMP echo.
 * @module
  *
 * Not implemented above IP (TCP's own gaps are listed in `tcp/socket.ts`): raw sockets, SO_REUSEPORT,
 * multicast socket options (use `stack.ip.joinGroup`), IP_RECVERR's error queue, privileged ports,
 * DNS over TCP, negative caching and AAAA records.
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
export { Napt, NAPT_DEFAULTS, type NaptMapping, type NaptOptions, type NaptRow, type NaptTcpPhase } from './ip/napt.js';

// icmp
export { Icmp, ICMP_DEFAULTS, ICMP_ERROR_QUOTE_MAX, type EchoError, type EchoReply, type EchoRequest, type IcmpConfig } from './icmp.js';

// udp: the transport
export {
  /** UDP on one host (`stack.udp`; registered with the `udp` stack option): port table, demultiplexing, send path. */
  Udp,
  /** A UDP socket (protocol control block). */
  UdpSocket,
  /** UDP's counter definitions. */
  UDP_COUNTERS,
  /** The counters where each datagram delivered to UDP ends. */
  UDP_RX_OUTCOMES,
  /** Largest UDP payload (65,507 bytes). */
  UDP_MAX_PAYLOAD,
  /** Default socket buffer size (212,992 bytes). */
  UDP_DEFAULT_BUFFER,
  /** The errno an ICMP error means for a socket, and whether it is hard. */
  icmpErrno,
  /** UDP options of one host. */
  type UdpOptions,
} from './udp.js';

// tcp: the transport
export {
  /** TCP on one host (`stack.tcp`): demultiplexing, listeners, RST, ISNs, the segment writer. */
  Tcp,
  /** TCP's counter definitions. */
  TCP_COUNTERS,
  /** The counters where each segment delivered to TCP ends. */
  TCP_RX_OUTCOMES,
  /** Linux's default TCP receive buffer (131,072 bytes). */
  TCP_DEFAULT_RCVBUF,
  /** Default TCP send buffer (212,992 bytes). */
  TCP_DEFAULT_SNDBUF,
  /** Flag letters as tcpdump prints them. */
  tcpFlagString,
  /** TCP options of one host. */
  type TcpOptions,
  /** The resolved TCP configuration. */
  type TcpConfig,
  /** A TCP counter name. */
  type TcpCounterName,
  /** What the segment writer needs. */
  type SegmentSpec,
} from './tcp/tcp.js';
export {
  /** A TCP connection and its socket. */
  TcpSocket,
  /** What `ss -ti` shows of a connection. */
  type TcpInfo,
} from './tcp/socket.js';
export {
  /** The connection state machine (RFC 9293's eleven states; pure, named actions). */
  tcpMachine,
  /** The eleven state names. */
  TCP_STATES,
  /** A connection state. */
  type TcpState,
  /** An event of the connection machine. */
  type TcpEvent,
  /** An action the connection machine names. */
  type TcpAction,
  /** The machine's context. */
  type TcpMachineContext,
} from './tcp/machine.js';
export {
  /** The RFC 6298 retransmission-timeout estimator. */
  RtoEstimator,
  /** RFC 6298's bounds (1 s minimum). */
  RTO_RFC6298,
  /** Linux's bounds (200 ms minimum). */
  RTO_LINUX,
  /** RTO bounds and granularity. */
  type RtoConfig,
} from './tcp/rto.js';
export {
  /** NewReno congestion control (RFC 5681 window arithmetic). */
  NewReno,
} from './tcp/congestion/newreno.js';
export {
  /** CUBIC congestion control (RFC 9438). */
  Cubic,
  /** RFC 9438 β. */
  CUBIC_BETA,
  /** RFC 9438 C. */
  CUBIC_C,
} from './tcp/congestion/cubic.js';
export {
  /** RFC 5681 / RFC 6928 initial window. */
  initialWindow,
  /** A congestion-control algorithm. */
  type CongestionControl,
  /** Makes a connection's algorithm. */
  type CongestionFactory,
} from './tcp/congestion/index.js';
export {
  /** a + n modulo 2^32. */
  seqAdd,
  /** Signed distance a − b in sequence space. */
  seqDiff,
  /** a before b. */
  seqLt,
  /** a before or at b. */
  seqLe,
  /** a after b. */
  seqGt,
  /** a after or at b. */
  seqGe,
} from './tcp/seq.js';

// socket: the descriptor API and the protocol switch
export {
  /** A process on a host: descriptor table and the socket calls. */
  Process,
  /** Options of a process. */
  type ProcessOptions,
  /** A socket address as applications write it. */
  type SockAddrIn,
  /** What `accept` returns. */
  type Accepted,
} from './socket/api.js';
export {
  /** A socket call failed with an errno code. */
  SocketError,
  /** Linux errno numbers of the codes the socket layer reports. */
  ERRNO,
  /** strerror text of each code. */
  ERRNO_MESSAGE,
  /** True for a SocketError (optionally with a given code). */
  isSocketError,
  /** An errno code. */
  type Errno,
} from './socket/errors.js';
export {
  /** Address family IPv4. */
  AF_INET,
  /** Stream sockets (TCP). */
  SOCK_STREAM,
  /** Datagram sockets (UDP). */
  SOCK_DGRAM,
  /** Raw sockets (not implemented). */
  SOCK_RAW,
  /** Protocol number of TCP. */
  IPPROTO_TCP,
  /** Protocol number of UDP. */
  IPPROTO_UDP,
  /** An IPv4 socket address (numbers). */
  type SockAddr,
  /** A received datagram and its sender. */
  type RecvResult,
  /** Options of a receive call. */
  type RecvOptions,
  /** Options of a send call (non-blocking, timeout). */
  type SendOptions,
  /** Socket option names. */
  type SocketOption,
  /** What netstat shows of a socket. */
  type SocketInfo,
  /** The operations a transport socket offers the API. */
  type ProtoSocket,
  /** A protocol-switch entry. */
  type ProtoEntry,
} from './socket/types.js';
export {
  /** The protocol switch: transports by (type, protocol). */
  ProtocolSwitch,
  /** The socket table of one host. */
  SocketLayer,
  /** An open socket in the host's table. */
  type OpenSocket,
  /** Who holds a socket. */
  type SocketOwner,
} from './socket/proto.js';
export {
  /** A FIFO of blocked socket calls that wakes the simulator on every settlement. */
  WaitQueue,
  /** Options of one blocking wait. */
  type WaitOptions,
} from './socket/waiter.js';
export {
  /** What a transport sees of its host. */
  type TransportContext,
  /** A transport as the host registers it. */
  type Transport,
} from './transport.js';
export {
  /** Every open socket of a host as data. */
  socketTable,
  /** One open socket. */
  type SocketRow,
} from './socket/netstat.js';

// apps
export {
  /** The stub resolver: hosts table, TTL cache, queries with retries. */
  DnsResolver,
  /** A small authoritative DNS server app. */
  DnsServer,
  /** A failed lookup. */
  DnsError,
  /** A DNS query message for one A question. */
  dnsQuery,
  /** Why a lookup failed. */
  type DnsErrorCode,
  /** A successful lookup. */
  type DnsAnswer,
  /** Where an answer came from. */
  type DnsSource,
  /** Options of a resolver. */
  type DnsResolverOptions,
  /** What a resolver did so far. */
  type DnsResolverStats,
  /** A cached answer. */
  type DnsCacheEntry,
  /** A zone: names and addresses. */
  type DnsZone,
  /** Options of a DNS server. */
  type DnsServerOptions,
  /** What a DNS server did so far. */
  type DnsServerStats,
} from './apps/dns.js';
export {
  /** The UDP echo service (RFC 862). */
  EchoServer,
  /** Options of an echo server. */
  type EchoServerOptions,
} from './apps/echo.js';
export {
  /** The TCP echo service (RFC 862): each connection gets its bytes back. */
  TcpEchoServer,
  /** Options of a TCP echo server. */
  type TcpEchoServerOptions,
  /** What a TCP echo server did so far. */
  type TcpEchoStats,
} from './apps/tcpecho.js';
export {
  /** A small HTTP/1.1 server: a map of paths to pages, Content-Length, bounded request parsing. */
  HttpServer,
  /** GETs a page over TCP (resolving the host first when given a resolver). */
  httpGet,
  /** Parses an HTTP/1.1 request head (never throws). */
  parseRequestHead,
  /** A failed HTTP exchange. */
  HttpError,
  /** The HTTP port (80). */
  HTTP_PORT,
  /** Reason phrases of the status codes the server sends. */
  HTTP_REASON,
  /** Why an HTTP exchange failed. */
  type HttpErrorCode,
  /** A page the server serves. */
  type HttpPage,
  /** Options of an HTTP server. */
  type HttpServerOptions,
  /** What an HTTP server did so far. */
  type HttpServerStats,
  /** A parsed request head. */
  type HttpRequestHead,
  /** Why a request head was refused. */
  type HttpHeadError,
  /** An HTTP response as the client read it. */
  type HttpResponse,
  /** Options of httpGet. */
  type HttpGetOptions,
} from './apps/http.js';
export {
  /** The shape of a small UDP service (bind, answer each datagram, stop): subclass it. */
  UdpServer,
  /** Where a UDP server listens. */
  type UdpServerBinding,
} from './apps/udpserver.js';
export {
  /** The shape of a small TCP service (listen, serve each connection in its own handler, stop): subclass it. */
  TcpServer,
  /** Where a TCP server listens. */
  type TcpServerBinding,
} from './apps/tcpserver.js';

// tools
export {
  /** Pings a destination; resolves to the statistics. */
  ping,
  /** A ping run as iputils prints it. */
  formatPing,
  /** iputils' text for an ICMP error. */
  pingErrorText,
  /** The data of an echo request (pattern + timeval). */
  pingData,
  /** iputils' per-reply time format. */
  formatRttMs,
  /** printf's %g. */
  formatG,
  /** Options of ping. */
  type PingOptions,
  /** The outcome of a ping run. */
  type PingResult,
  /** One echo reply. */
  type PingReply,
  /** One ICMP error about a request. */
  type PingError,
  /** Replies, errors and send failures in order. */
  type PingEvent,
} from './tools/ping.js';
export {
  /** Every interface's ARP entries. */
  arp,
  /** The ARP table as `arp -n` prints it. */
  formatArp,
  /** The ARP table as `ip neigh` prints it. */
  formatIpNeigh,
} from './tools/arp.js';
export {
  /** The routing table as `route -n` rows. */
  route,
  /** The routing table as `route -n` prints it. */
  formatRoute,
  /** The routing table as `ip route` rows. */
  ipRoute,
  /** The routing table as `ip route` prints it. */
  formatIpRoute,
  /** One line of `ip route`. */
  type IpRouteRow,
} from './tools/route.js';
export {
  /** The sockets netstat lists. */
  netstat,
  /** The sockets as netstat prints them. */
  formatNetstat,
  /** One line of netstat. */
  type NetstatRow,
  /** Options of netstat. */
  type NetstatOptions,
  /** A TCP connection's Send-Q as Linux computes it. */
  tcpSendQ,
} from './tools/netstat.js';
export {
  /** The TCP sockets ss lists. */
  ss,
  /** The TCP sockets as `ss -t[a|l][i]` prints them. */
  formatSs,
  /** The fields of ss's tcp_info line. */
  tcpInfoFields,
  /** One socket as ss shows it. */
  type SsRow,
  /** Options of ss. */
  type SsOptions,
} from './tools/ss.js';
export {
  /** Every interface with its device statistics. */
  ipLink,
  /** The interfaces as `ip [-s [-s]] link` prints them. */
  formatIpLink,
  /** One interface as `ip link` shows it. */
  type LinkRow,
} from './tools/iplink.js';

// host: the stack, its counters and timers
export { NetStack, type NetStackOptions, type InterfaceOptions } from './host.js';
export { Counters, STACK_COUNTERS, type CounterDef, type CounterKind, type CounterRef, type StackCounterName } from './counters.js';
export { StackTimers, type StackTimer } from './timers.js';

// testing: an in-memory network device
export { TestDevice, TEST_DEVICE_MTU_RANGE, type SentFrame, type TestDeviceOptions } from './testdev.js';
