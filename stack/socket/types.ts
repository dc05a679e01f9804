/**
 * The vocabulary of the socket layer: address family, socket types and protocol numbers, socket
 * addresses, receive results and options, socket options, and the operations every transport
 * socket offers the descriptor API ({@link ProtoSocket}, BSD's `pr_usrreqs`). Shared by the
 * socket API, the protocol switch and the transports, so none of them imports another's code.
 * @module
 */
import type { Nanos } from '../../sim/time.js';

/** Address family: IPv4 (the only one). */
export const AF_INET = 2;
/** Socket type: a reliable byte stream (TCP). */
export const SOCK_STREAM = 1;
/** Socket type: datagrams (UDP). */
export const SOCK_DGRAM = 2;
/** Socket type: raw IP (not implemented). */
export const SOCK_RAW = 3;
/** Protocol number of TCP. */
export const IPPROTO_TCP = 6;
/** Protocol number of UDP. */
export const IPPROTO_UDP = 17;

/** An IPv4 socket address (`struct sockaddr_in`): a uint32 address and a port. */
export interface SockAddr {
  /** IPv4 address (uint32; 0 is INADDR_ANY). */
  readonly address: number;
  /** Port (0 when unset). */
  readonly port: number;
}

/** One received datagram (or, for streams, a chunk of bytes) and who sent it. */
export interface RecvResult {
  /** The bytes (a view into the received frame: the socket layer hands it over, nothing else writes it). */
  readonly data: Uint8Array;
  /** Sender's address. */
  readonly address: number;
  /** Sender's port. */
  readonly port: number;
  /** The datagram was longer than `maxLength` and was cut (MSG_TRUNC). */
  readonly truncated: boolean;
}

/**
 * Options of one receive call. On a datagram socket a datagram longer than `maxLength` is cut and
 * the rest discarded (MSG_TRUNC); on a stream socket a read returns at most `maxLength` bytes and
 * the rest stays queued for the next read.
 */
export interface RecvOptions {
  /** Fail with ETIMEDOUT when nothing arrives within this many simulated ns (SO_RCVTIMEO). */
  timeoutNs?: Nanos;
  /** Fail with EAGAIN at once when nothing is queued (MSG_DONTWAIT). */
  dontWait?: boolean;
  /** Room in the caller's buffer (see above). */
  maxLength?: number;
  /** Return the next datagram or bytes without removing them (MSG_PEEK). */
  peek?: boolean;
  /** Stream sockets: wait until `maxLength` bytes (or end of stream, or an error) are there (MSG_WAITALL). */
  waitAll?: boolean;
  /**
   * Receive into this buffer (C's `read(fd, buf, len)`, Python's `recv_into`): at most its length
   * (and at most `maxLength`) bytes are copied to its start, and the result's data is a view of
   * them; no array is allocated for the data. Without it the data is a new array, or a view of the
   * received frame.
   */
  into?: Uint8Array;
}

/**
 * Options of one send call. A datagram is taken whole or not at all; a stream socket takes what
 * fits its send buffer: without `dontWait` it blocks until all is taken, with it the call
 * returns the bytes taken (a partial write) or fails with EAGAIN when none fit.
 */
export interface SendOptions {
  /** Never block (MSG_DONTWAIT, or a non-blocking socket). */
  dontWait?: boolean;
  /** Fail with EAGAIN when not all is taken within this many simulated ns (SO_SNDTIMEO); a partial write returns its count. */
  timeoutNs?: Nanos;
}

/** Socket options `setsockopt`/`getsockopt` know. */
export type SocketOption =
  /** Receive buffer size, bytes of queued payload (default 212,992, Linux's). */
  | 'SO_RCVBUF'
  /** Send buffer size, bytes (kept for TCP; UDP hands datagrams to IP at once). */
  | 'SO_SNDBUF'
  /** Allow sending to broadcast addresses (otherwise EACCES). */
  | 'SO_BROADCAST'
  /** Send UDP datagrams without a checksum (field 0), Linux's SO_NO_CHECK. */
  | 'UDP_NOCHECKSUM'
  /** TTL of datagrams sent (default: the stack's). */
  | 'IP_TTL'
  /** Report every ICMP error (soft ones too, and on unconnected sockets), like Linux's IP_RECVERR. */
  | 'IP_RECVERR'
  /** Read-only: the pending error's errno number, cleared by reading (0 when none). */
  | 'SO_ERROR'
  /** Read-only: the socket type. */
  | 'SO_TYPE'
  /** TCP: allow binding a port held by connections in TIME-WAIT. */
  | 'SO_REUSEADDR'
  /** TCP: send keepalive probes on an idle connection. */
  | 'SO_KEEPALIVE'
  /** TCP: close waits this many seconds for the data to be acknowledged; 0 aborts with RST (false / -1: off). */
  | 'SO_LINGER'
  /** TCP: send small segments at once (no Nagle). */
  | 'TCP_NODELAY'
  /** TCP: the MSS to announce (before connect or listen). */
  | 'TCP_MAXSEG'
  /** TCP: keepalive idle time, seconds. */
  | 'TCP_KEEPIDLE'
  /** TCP: keepalive probe interval, seconds. */
  | 'TCP_KEEPINTVL'
  /** TCP: keepalive probes before the connection is dropped. */
  | 'TCP_KEEPCNT';

/** What `netstat` shows of a socket. */
export interface SocketInfo {
  /** Protocol name (`udp`, `tcp`). */
  readonly proto: string;
  /** Local address (0 when unbound or bound to INADDR_ANY). */
  readonly localAddress: number;
  /** Local port (0 when unbound). */
  readonly localPort: number;
  /** Peer address (0 when unconnected). */
  readonly remoteAddress: number;
  /** Peer port (0 when unconnected). */
  readonly remotePort: number;
  /** Bytes waiting to be read. */
  readonly recvQ: number;
  /** Bytes not yet handed to IP (or, for TCP, not yet acknowledged). */
  readonly sendQ: number;
  /** State as netstat prints it (`ESTABLISHED` for a connected UDP socket, empty otherwise). */
  readonly state: string;
  /** Datagrams dropped because the receive buffer was full. */
  readonly drops: number;
  /** Whether it is bound to a port (Linux lists only those). */
  readonly bound: boolean;
}

/**
 * The operations a transport socket offers the descriptor API. Errors are thrown as
 * `SocketError` (synchronous operations) or reject (asynchronous ones); the API adds the call name.
 */
export interface ProtoSocket {
  /** Socket type ({@link SOCK_DGRAM}, {@link SOCK_STREAM}). */
  readonly type: number;
  /** Protocol number. */
  readonly protocol: number;
  /** Binds to `address:port` (port 0: an ephemeral port). */
  bind(address: number, port: number): void;
  /** Sets the peer (UDP) or opens a connection (TCP: resolves when established; EINPROGRESS with `dontWait`). */
  connect(address: number, port: number, opts?: SendOptions): void | Promise<void>;
  /** Forgets the peer (connect with AF_UNSPEC). */
  disconnect(): void;
  /** Sends `data` to `address:port`, or to the peer when `port` is -1; resolves to the bytes taken. */
  sendto(data: Uint8Array, address: number, port: number, opts?: SendOptions): number | Promise<number>;
  /** Receives the next datagram or bytes (a stream's end: zero bytes): the result itself when there is one now (or a SocketError thrown), else a promise of it. */
  recvfrom(opts: RecvOptions | undefined): RecvResult | Promise<RecvResult>;
  /** Sets an option (EINVAL/ENOPROTOOPT for options this protocol does not have). */
  setOption(name: SocketOption, value: number | boolean): void;
  /** Reads an option. */
  getOption(name: SocketOption): number | boolean;
  /** The local address and port. */
  localName(): SockAddr;
  /** The peer, or null when unconnected. */
  peerName(): SockAddr | null;
  /** What `netstat` shows. */
  info(): SocketInfo;
  /** Releases the socket; fails pending calls with EBADF (TCP: may wait for SO_LINGER). */
  close(): void | Promise<void>;
  /** Marks a stream socket as accepting connections (TCP). */
  listen?(backlog: number): void;
  /** Waits for an incoming connection (TCP; EAGAIN at once with `dontWait`). */
  accept?(opts?: RecvOptions): Promise<{ socket: ProtoSocket; peer: SockAddr }>;
  /** Shuts down one or both directions (TCP). */
  shutdown?(how: 'read' | 'write' | 'both'): void;
  /** Waits until a connection attempt ends: resolves when established, rejects with its error (TCP). */
  waitConnected?(timeoutNs?: Nanos): Promise<void>;
}

/** A protocol the switch knows: which `(type, protocol)` it serves and how to make a socket. */
export interface ProtoEntry {
  /** Socket type it serves. */
  readonly type: number;
  /** Protocol number it serves. */
  readonly protocol: number;
  /** Name (`udp`, `tcp`). */
  readonly name: string;
  /** Creates an unbound socket. */
  create(): ProtoSocket;
}
