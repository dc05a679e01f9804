/**
 * What a transport (UDP, TCP) sees of its host: a small context instead of the whole stack, so
 * a transport can be unit-tested against a fake one and never reaches into the interfaces. The
 * host builds one context per transport and registers the transport with IP (its protocol
 * number) and with the socket layer (its socket type) together, once, with its options
 * ({@link NetStack.addTransport}).
 * @module
 */
import type { Rng } from '../sim/rng.js';
import type { TraceBus } from '../sim/trace.js';
import type { Counters } from './counters.js';
import type { StackTimers } from './timers.js';
import type { IpDelivery, IpHandler, IpOutput, OutputResult, RouteInfo } from './ip/ipv4.js';
import type { ProtoSocket } from './socket/types.js';
import type { WaitQueue } from './socket/waiter.js';

/** What a transport needs from its host. */
export interface TransportContext {
  /** The host's name (the `source` of trace events). */
  readonly hostName: string;
  /** The host's counter registry (transports `define` theirs). */
  readonly counters: Counters;
  /** Timers on the simulator's clock (`now`, `after`, `at`). */
  readonly timers: StackTimers;
  /** The trace bus. */
  readonly trace: TraceBus;
  /** TTL of datagrams the host originates. */
  readonly defaultTtl: number;
  /** A random stream of this host named `name` (derived from the simulation's seed). */
  rng(name: string): Rng;
  /** Sends a datagram through IP (route, fragment, ARP, device); the payload is copied. */
  output(o: IpOutput): OutputResult;
  /**
   * Where to build the `len`-byte payload of a datagram to `dst` (no IP options) so that `output`
   * need not copy it: a view of the outgoing interface's transmit buffer, or null when the datagram
   * would not leave through one interface unfragmented. With `segmentMss` > 0 (a TCP packet to be
   * segmented, see `IpOutput.segmentMss`) the payload may exceed the MTU. Valid until the next
   * `output` or `payloadBuffer` call. (Absent: build it anywhere.)
   */
  payloadBuffer?(dst: number, len: number, segmentMss?: number): Uint8Array | null;
  /** Where a datagram to `dst` would go (source address, interface MTU), or undefined. */
  route(dst: number, src?: number): RouteInfo | undefined;
  /** True for one of the host's addresses. */
  isLocal(addr: number): boolean;
  /** True for a broadcast address of the host's networks (or 255.255.255.255). */
  isBroadcast(addr: number): boolean;
  /** Answers a received datagram with ICMP destination unreachable `code` (rate-limited, RFC 1122 rules). */
  icmpUnreachable(d: IpDelivery, code: number): void;
  /** Upper-layer proof that the neighbour towards `dst` is reachable (Linux's dst_confirm). */
  confirmReachable(dst: number): void;
  /** A new queue of blocked socket calls; settling one wakes the simulator. */
  waitQueue(): WaitQueue;
}

/** A transport as the host registers it: an IP protocol handler that also makes sockets. */
export interface Transport extends IpHandler {
  /** Name (`udp`, `tcp`): the socket layer's and netstat's. */
  readonly name: string;
  /** IP protocol number it handles. */
  readonly ipProtocol: number;
  /** Socket type it serves (SOCK_DGRAM, SOCK_STREAM). */
  readonly socketType: number;
  /** A new, unbound socket. */
  socket(): ProtoSocket;
  /** Optional: an interface finished delivering a receive batch (work deferred to it is due now). */
  rxBatchEnd?(): void;
}
