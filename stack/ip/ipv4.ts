/**
 * The IPv4 layer (RFC 791, RFC 1122 §3.3, RFC 1812 for forwarding).
 *
 * Input: the header is validated with the wire codec (version, lengths, reserved flag, checksum,
 * option lengths; options are otherwise ignored: no source routing, record route or timestamp);
 * link-layer padding is stripped; the source must be a unicast host other than ourselves
 * (0.0.0.0 only towards a broadcast); a datagram that came as a link-layer broadcast must have a
 * broadcast or multicast destination (RFC 1122 §3.3.6). Then: our addresses (any interface: the
 * weak host model), 255.255.255.255 and each connected network's broadcast address, and the
 * multicast groups joined (224.0.0.1 always) are delivered locally, after reassembly, by protocol
 * number (ICMP internally, others to the handler registered with {@link Ipv4Layer.register});
 * everything else is forwarded when the stack is a router (TTL decremented, ICMP time exceeded
 * when it would reach 0, net unreachable without a route, fragmentation needed when DF forbids
 * fragmenting to the outgoing MTU), or dropped. Multicast is never forwarded; no redirects are sent.
 *
 * Output ({@link Ipv4Layer.output}): route (longest prefix), choose the source address (the
 * outgoing interface's), fragment to the outgoing MTU, resolve the next hop with ARP (broadcast
 * and multicast destinations map to their MACs directly), transmit. A datagram to one of our own
 * addresses is delivered internally at the same simulated instant (no loopback interface).
 *
 * Data path: a datagram is built once in the outgoing interface's transmit buffer (header written
 * field by field, payload copied once); the interface writes the Ethernet header, resolves the
 * neighbour and hands the frame to the device, which copies it; on an ARP miss or a busy device
 * the frame is copied into the waiting queue. Nothing is kept in the buffer past the call: a
 * transport that retransmits builds the datagram again from its own buffers. Input allocates a header view, a
 * payload view and the {@link IpDelivery} per datagram.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import { WireError } from '../wire/error.js';
import { MAC_BROADCAST } from '../wire/ethernet.js';
import { IP_PROTOCOL, IPV4_FIELD, IPV4_MIN_HEADER_LEN, Ipv4Packet, NO_IPV4_OPTIONS, emitIpv4, formatIpv4Addr, isLoopbackIpv4, isMulticastIpv4, parseIpv4Options } from '../wire/ipv4.js';
import { ICMP_TIME_EXCEEDED, ICMP_TYPE, ICMP_UNREACH } from '../wire/icmp.js';
import { fillTcpChecksum } from '../wire/tcp.js';
import type { CounterRef, Counters } from '../counters.js';
import type { StackTimers } from '../timers.js';
import type { Iface, TxStatus } from '../iface/netif.js';
import type { RoutingTable } from '../iface/route.js';
import type { Icmp } from '../icmp.js';
import { IPV4_MAX_DATAGRAM, Reassembler, copiedOptions, fragmentPayload, type ReassemblyConfig } from './frag.js';
import type { Napt } from './napt.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** An IPv4 packet (or fragment) received or sent by the IP layer. */
    'ip.packet': { dir: 'rx' | 'tx'; iface: string; src: string; dst: string; protocol: number; length: number; ttl: number; id: number; fragOffset: number; more: boolean };
  }
}

/** What `ip.output` sends. */
export interface IpOutput {
  /** Source address (default: the outgoing interface's). */
  src?: number;
  /** Destination address. */
  dst: number;
  /** Protocol number ({@link IP_PROTOCOL}). */
  protocol: number;
  /** The transport segment (copied: the caller may reuse it on return). */
  payload: Uint8Array;
  /** Time to live (default: the stack's, 64; 1 for multicast). */
  ttl?: number;
  /** Don't Fragment: a datagram over the MTU fails with EMSGSIZE instead of being fragmented. */
  df?: boolean;
  /** The TOS byte (DSCP and ECN; default 0). */
  tos?: number;
  /** Identification (default: the stack's counter). */
  id?: number;
  /** Raw IP options, a multiple of 4 bytes and at most 40 (default none). */
  options?: Uint8Array;
  /**
   * TCP only: the payload is a TCP packet carrying more than one segment's worth of data, to be
   * sent as segments of this many payload bytes — by the device (TSO) when the route's interface
   * offers it ({@link RouteInfo.tsoMaxSize}), else by the stack. Each segment gets its own
   * identification (the datagram's, +1 per segment). 0 or absent: an ordinary datagram.
   */
  segmentMss?: number;
}

/** Errno-style failures of `ip.output`. EHOSTUNREACH is reported later, through `icmpError`, when address resolution fails. */
export type IpOutputError = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EMSGSIZE' | 'ENOBUFS';

/** What `ip.output` did: sent to the device, queued (waiting for ARP or a busy device), or failed. */
export type OutputResult = 'sent' | 'queued' | { readonly error: IpOutputError };

/** A datagram delivered to a transport. */
export interface IpDelivery {
  /** Source address. */
  readonly src: number;
  /** Destination address (ours, a broadcast or a multicast group). */
  readonly dst: number;
  /** Protocol number. */
  readonly protocol: number;
  /** TTL as received. */
  readonly ttl: number;
  /** The transport segment (a view into the received bytes: copy it to keep it past the call). */
  readonly payload: Uint8Array;
  /** The checked IPv4 header view (TOS, id, options…) over the whole datagram. */
  readonly header: Ipv4Packet;
  /** The interface it arrived on. */
  readonly iface: Iface;
  /** Sent to 255.255.255.255 or a network's broadcast address. */
  readonly broadcast: boolean;
  /** Sent to a multicast group. */
  readonly multicast: boolean;
  /**
   * The ones' complement sum of `payload` (folded, not complemented) when the network device
   * supplied its receive checksum and the datagram arrived whole (not reassembled); a transport
   * may verify its checksum with it instead of summing the payload again.
   */
  readonly payloadSum?: number;
  /**
   * The device will report the end of the receive batch this datagram came in (`rxBatchEnd` of the
   * transports), at the same simulated instant: work may wait for it.
   */
  readonly batched: boolean;
}

/** An ICMP error about a datagram a transport sent (or address-resolution failure reported to ourselves). */
export interface IcmpErrorInfo {
  /** ICMP type (3 destination unreachable, 11 time exceeded, 12 parameter problem). */
  readonly type: number;
  /** ICMP code ({@link ICMP_UNREACH}, {@link ICMP_TIME_EXCEEDED}). */
  readonly code: number;
  /** Who reported it (the ICMP message's source; our own address for a resolution failure). */
  readonly from: number;
  /** Next-hop MTU of "fragmentation needed" when the router gave one. */
  readonly mtu?: number;
  /** The datagram it is about, as quoted. */
  readonly original: {
    /** Its source (ours). */
    readonly src: number;
    /** Its destination. */
    readonly dst: number;
    /** Its protocol. */
    readonly protocol: number;
    /** Its first payload bytes (at least 8: the ports, or the echo identifier and sequence). */
    readonly payload: Uint8Array;
  };
}

/** A transport's registration with {@link Ipv4Layer.register}. */
export interface IpHandler {
  /** A datagram for this protocol arrived. */
  receive(d: IpDelivery): void;
  /** An ICMP error about a datagram of this protocol arrived. */
  icmpError?(e: IcmpErrorInfo): void;
}

/** Where `ip.output` would send a datagram (for transports choosing a source address or an MSS). */
export interface RouteInfo {
  /** Outgoing interface. */
  readonly iface: Iface;
  /** Next hop (the destination itself when on-link). */
  readonly nextHop: number;
  /** Source address `output` would use. */
  readonly src: number;
  /** MTU of the outgoing interface. */
  readonly mtu: number;
  /** Delivered internally (one of our addresses). */
  readonly local: boolean;
  /** The largest datagram the outgoing device segments itself (TSO; see {@link IpOutput.segmentMss}); 0 when it does not or the route is local. */
  readonly tsoMaxSize: number;
}

/** What the IP layer needs from its stack. */
export interface Ipv4Context {
  /** The simulator. */
  readonly sim: Simulator;
  /** The stack's counters. */
  readonly counters: Counters;
  /** The stack's timers. */
  readonly timers: StackTimers;
  /** The routing table. */
  readonly routes: RoutingTable;
  /** Act as a router. */
  readonly forwarding: boolean;
  /** TTL of locally generated datagrams. */
  readonly defaultTtl: number;
  /** Reassembly limits. */
  readonly reassembly: Readonly<ReassemblyConfig>;
  /** First identification value. */
  readonly firstIdent: number;
}

/** Where a datagram leaves: the interface, the neighbour, and the link-layer destination when known without ARP (-1: resolve `nextHop`). */
interface NextHop {
  readonly iface: Iface;
  readonly nextHop: number;
  readonly l2: number;
}

interface TxHeader {
  tos: number;
  id: number;
  df: boolean;
  mf: boolean;
  fragOffset: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
}

const E_NETUNREACH: OutputResult = Object.freeze({ error: 'ENETUNREACH' });
const E_MSGSIZE: OutputResult = Object.freeze({ error: 'EMSGSIZE' });
const E_NOBUFS: OutputResult = Object.freeze({ error: 'ENOBUFS' });

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_BITS = 0x3fff; // MF and the offset
const ALL_HOSTS = 0xe000_0001;

/** The MAC an IPv4 multicast group maps to (RFC 1112: 01:00:5e + the low 23 bits). */
export function multicastMac(group: number): number {
  return 0x01_00_5e_00_00_00 + (group & 0x7f_ffff);
}

function statusRank(s: TxStatus): number {
  return s === 'sent' ? 0 : s === 'queued' ? 1 : s === 'nobufs' ? 2 : 3;
}

/** The IPv4 layer of one stack. */
export class Ipv4Layer {
  /** The reassembly buffer. */
  readonly reassembler: Reassembler;
  /** Whether this host forwards datagrams not addressed to it. */
  readonly forwarding: boolean;
  /** TTL of locally generated datagrams. */
  readonly defaultTtl: number;
  /** NAPT, when configured on this router. */
  napt: Napt | null = null;

  private icmpLayer: Icmp | null = null;
  private readonly ctx: Ipv4Context;
  private readonly counters: Counters;
  private readonly handlers: (IpHandler | undefined)[] = new Array<IpHandler | undefined>(256).fill(undefined);
  private readonly local = new Map<number, Iface>();
  private readonly bcast = new Map<number, Iface>();
  private readonly ifaceList: Iface[] = [];
  private readonly groups = new Set<number>([ALL_HOSTS]);
  private nextIdent: number;
  private readonly hdr: TxHeader = { tos: 0, id: 0, df: false, mf: false, fragOffset: 0, ttl: 64, protocol: 0, src: 0, dst: 0 };
  private readonly cDelivered: CounterRef;
  private readonly cForwarded: CounterRef;
  private readonly cOutRequests: CounterRef;
  private readonly cFragCreated: CounterRef;

  /** Creates the layer (the stack attaches interfaces and ICMP). */
  constructor(ctx: Ipv4Context) {
    this.ctx = ctx;
    this.counters = ctx.counters;
    this.forwarding = ctx.forwarding;
    this.defaultTtl = ctx.defaultTtl;
    this.nextIdent = ctx.firstIdent & 0xffff;
    this.cDelivered = ctx.counters.ref('ip.delivered');
    this.cForwarded = ctx.counters.ref('ip.forwarded');
    this.cOutRequests = ctx.counters.ref('ip.outRequests');
    this.cFragCreated = ctx.counters.ref('ip.fragCreated');
    this.reassembler = new Reassembler(ctx.reassembly, ctx.counters, ctx.timers, {
      timedOut: (iface, invoking) => this.icmp.sendError(invoking, ICMP_TYPE.TIME_EXCEEDED, ICMP_TIME_EXCEEDED.REASSEMBLY, iface),
    });
  }

  /** The ICMP layer. */
  get icmp(): Icmp {
    if (this.icmpLayer === null) throw new Error('ICMP is not attached');
    return this.icmpLayer;
  }

  /** Attaches the ICMP layer (done once by the stack). */
  attachIcmp(icmp: Icmp): void {
    this.icmpLayer = icmp;
  }

  /** Adds an interface's addresses (done by `NetStack.addInterface`). */
  attach(iface: Iface): void {
    this.ifaceList.push(iface);
    this.local.set(iface.address, iface);
    if (iface.broadcast !== 0xffff_ffff) this.bcast.set(iface.broadcast, iface);
    this.updateMulticastFilters();
  }

  /** The interfaces, in the order they were added. */
  get interfaces(): readonly Iface[] {
    return this.ifaceList;
  }

  /**
   * Registers the transport for `protocol` (one per number; ICMP is built in). Returns a function
   * that removes it. Registering a taken number is a programmer error.
   */
  register(protocol: number, handler: IpHandler): () => void {
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) throw new RangeError(`protocol must be 0…255, got ${protocol}`);
    if (protocol === IP_PROTOCOL.ICMP) throw new Error('ICMP is handled by the stack itself (use stack.icmp)');
    if (this.handlers[protocol] !== undefined) throw new Error(`protocol ${protocol} already has a handler`);
    this.handlers[protocol] = handler;
    return () => {
      if (this.handlers[protocol] === handler) this.handlers[protocol] = undefined;
    };
  }

  /** The handler registered for `protocol`, if any. */
  handler(protocol: number): IpHandler | undefined {
    return this.handlers[protocol];
  }

  /** True for one of our interface addresses. */
  isLocal(addr: number): boolean {
    return this.local.has(addr >>> 0);
  }

  /** The interface owning a local address. */
  ifaceOf(addr: number): Iface | undefined {
    return this.local.get(addr >>> 0);
  }

  /** True for 255.255.255.255 and the broadcast address of each connected network. */
  isBroadcast(addr: number): boolean {
    addr >>>= 0;
    return addr === 0xffff_ffff || this.bcast.has(addr);
  }

  /** Joins a multicast group (datagrams to it are delivered; the devices' filters are updated). */
  joinGroup(group: number): void {
    group >>>= 0;
    if (!isMulticastIpv4(group)) throw new RangeError(`${formatIpv4Addr(group)} is not a multicast group`);
    this.groups.add(group);
    this.updateMulticastFilters();
  }

  /** Leaves a multicast group (224.0.0.1 cannot be left). */
  leaveGroup(group: number): void {
    group >>>= 0;
    if (group === ALL_HOSTS) return;
    this.groups.delete(group);
    this.updateMulticastFilters();
  }

  /** The multicast groups joined. */
  get joinedGroups(): readonly number[] {
    return [...this.groups];
  }

  /** Where a datagram to `dst` would go (undefined when there is no route). */
  routeTo(dst: number, src?: number): RouteInfo | undefined {
    dst >>>= 0;
    const li = this.local.get(dst);
    if (li !== undefined) return { iface: li, nextHop: dst, src: src ?? dst, mtu: li.mtu, local: true, tsoMaxSize: 0 };
    const hop = this.pickRoute(dst, src);
    if (hop === undefined) return undefined;
    const iface = hop.iface;
    return { iface, nextHop: hop.nextHop, src: src ?? iface.address, mtu: iface.mtu, local: false, tsoMaxSize: iface.tsoMaxSize };
  }

  /**
   * Sends a datagram: route, source address, fragmentation to the outgoing MTU, ARP, device.
   * The path UDP and TCP use. Never throws on a well-formed request.
   */
  output(o: IpOutput): OutputResult {
    this.cOutRequests.value++;
    const dst = o.dst >>> 0;
    const payload = o.payload;
    const options = o.options !== undefined && o.options.length > 0 ? o.options : null;
    if (options !== null && (options.length % 4 !== 0 || options.length > 40)) throw new RangeError(`ip.output: options must be a multiple of 4 bytes, at most 40; got ${options.length}`);
    const optLen = options === null ? 0 : options.length;
    if (IPV4_MIN_HEADER_LEN + optLen + payload.length > IPV4_MAX_DATAGRAM) {
      this.counters.drop('ip.outTooBig');
      return E_MSGSIZE;
    }
    const mss = o.segmentMss ?? 0;
    let segments = 1;
    let segmentLen = 0; // the largest segment's transport bytes
    if (mss !== 0) {
      if (!Number.isSafeInteger(mss) || mss < 1) throw new RangeError(`ip.output: segmentMss must be a positive integer, got ${String(mss)}`);
      if (o.protocol !== IP_PROTOCOL.TCP) throw new RangeError(`ip.output: segmentMss is for TCP packets, not protocol ${o.protocol}`);
      const thl = payload.length >= 20 ? (payload[12] >>> 4) * 4 : 0;
      if (thl < 20 || thl >= payload.length) throw new RangeError('ip.output: segmentMss needs a TCP header and payload');
      segments = Math.ceil((payload.length - thl) / mss);
      segmentLen = thl + Math.min(mss, payload.length - thl);
    }
    const multicast = isMulticastIpv4(dst);
    const h = this.hdr;
    h.tos = (o.tos ?? 0) & 0xff;
    h.id = o.id !== undefined ? o.id & 0xffff : this.allocIdent();
    if (segments > 1 && o.id === undefined) this.nextIdent = (this.nextIdent + segments - 1) & 0xffff;
    h.df = o.df ?? false;
    h.mf = false;
    h.fragOffset = 0;
    h.ttl = (o.ttl ?? (multicast ? 1 : this.defaultTtl)) & 0xff;
    h.protocol = o.protocol & 0xff;
    h.dst = dst;
    const li = this.local.get(dst);
    if (li !== undefined) {
      h.src = o.src !== undefined ? o.src >>> 0 : dst;
      // loopback takes a packet of any size, but nobody segments it: it needs its own checksum
      return this.loopback(li, h, mss !== 0 ? withTcpChecksum(payload, h.src, dst) : payload);
    }
    const hop = this.pickRoute(dst, o.src);
    if (hop === undefined) {
      this.counters.drop('ip.outNoRoute');
      return E_NETUNREACH;
    }
    const iface = hop.iface;
    h.src = o.src !== undefined ? o.src >>> 0 : iface.address;
    if (h.df && IPV4_MIN_HEADER_LEN + optLen + (mss !== 0 ? segmentLen : payload.length) > iface.mtu) {
      this.counters.drop('ip.outTooBig');
      return E_MSGSIZE;
    }
    let st: TxStatus;
    if (mss === 0) st = this.sendDatagram(iface, hop.nextHop, hop.l2, h, options, payload);
    else if (segments > 1) st = this.sendFrame(iface, hop.nextHop, hop.l2, h, 0, false, options, payload, mss);
    else st = this.sendDatagram(iface, hop.nextHop, hop.l2, h, options, withTcpChecksum(payload, h.src, dst)); // one segment: nobody else would sum it
    return st === 'sent' ? 'sent' : st === 'queued' ? 'queued' : st === 'nobufs' ? E_NOBUFS : E_NETUNREACH;
  }

  /**
   * Where a transport may build the `len`-byte payload of a datagram to `dst` without IP options so
   * that {@link output} sends it without copying it: a view of the outgoing interface's transmit
   * buffer just after the link header and a 20-byte IP header. Null when the datagram would not
   * leave through an interface unfragmented (one of our addresses, broadcast, multicast, no route,
   * over the MTU — unless `segmentMss` > 0: a TCP packet to be segmented may be up to 64 KiB).
   * Valid until the next `output` or `payloadBuffer` call; a payload in it that `output` sends
   * elsewhere (or with options) is copied like any other.
   */
  payloadBuffer(dst: number, len: number, segmentMss = 0): Uint8Array | null {
    dst >>>= 0;
    if (dst === 0xffff_ffff || this.bcast.has(dst) || isMulticastIpv4(dst) || this.local.has(dst)) return null;
    const r = this.ctx.routes.lookup(dst);
    if (r === undefined || IPV4_MIN_HEADER_LEN + len > (segmentMss > 0 ? IPV4_MAX_DATAGRAM : r.iface.mtu)) return null;
    return r.iface.payloadBuffer(IPV4_MIN_HEADER_LEN, len);
  }

  /**
   * IPv4 input from an interface (`packet` is the Ethernet payload, padding included; `deviceSum`
   * the device's ones' complement sum over it, when it has one). Never throws.
   */
  input(iface: Iface, packet: Uint8Array, linkBroadcast: boolean, deviceSum?: number): void {
    this.receive(iface, packet, linkBroadcast, false, deviceSum);
  }

  // -------------------------------------------------------------------------------------------
  // Input

  private receive(iface: Iface, pkt: Uint8Array, linkBroadcast: boolean, loopback: boolean, deviceSum: number | undefined): void {
    const counters = this.counters;
    const p = new Ipv4Packet(pkt);
    const err = p.check();
    if (err !== undefined) return counters.drop(err.kind === 'truncated' ? 'ip.truncated' : err.kind === 'unsupported' ? 'ip.badVersion' : 'ip.badHeader');
    if (!p.checksumOk()) return counters.drop('ip.badChecksum');
    const hl = p.headerLen;
    if (hl > IPV4_MIN_HEADER_LEN && parseIpv4Options(p.optionBytes) instanceof WireError) return counters.drop('ip.badOptions');
    const total = p.totalLen;
    const packet = total === pkt.length ? pkt : pkt.subarray(0, total);
    const src = p.src;
    const dst = p.dst;
    const isB = dst === 0xffff_ffff || this.bcast.has(dst);
    const isM = !isB && dst >>> 28 === 0xe;
    if (!loopback && this.badSource(src, isB)) return counters.drop('ip.badSource');
    if (linkBroadcast && !isB && !isM) return counters.drop('ip.l2Broadcast');
    if (this.ctx.sim.trace.active) this.traceIp('rx', iface, p);
    if (isB) return this.localIn(iface, p, packet, true, false, deviceSum, loopback);
    if (isM) {
      if (this.groups.has(dst)) return this.localIn(iface, p, packet, false, true, deviceSum, loopback);
      return counters.drop('ip.notForUs');
    }
    if (this.local.has(dst)) return this.localIn(iface, p, packet, false, false, deviceSum, loopback);
    if (dst >>> 24 === 0 || isLoopbackIpv4(dst) || dst >>> 28 === 0xf) return counters.drop('ip.badDestination');
    if (!this.forwarding) return counters.drop('ip.notForUs');
    if (this.napt !== null && iface === this.napt.inside && (p.flagsFrag & FRAG_BITS) !== 0) {
      // NAPT needs the transport header: reassemble before translating (as Linux's defrag does).
      const whole = this.reassembler.add(iface, p);
      if (whole === null) return;
      const wp = new Ipv4Packet(whole);
      return this.forward(iface, wp, whole, wp.src, wp.dst, wp.payload);
    }
    this.forward(iface, p, packet, src, dst, p.payload);
  }

  private badSource(src: number, toBroadcast: boolean): boolean {
    if (src === 0) return !toBroadcast;
    return src === 0xffff_ffff || src >>> 28 >= 0xe || isLoopbackIpv4(src) || this.local.has(src) || this.bcast.has(src);
  }

  private localIn(iface: Iface, p: Ipv4Packet, packet: Uint8Array, isB: boolean, isM: boolean, deviceSum: number | undefined, loopback: boolean): void {
    if ((p.flagsFrag & FRAG_BITS) !== 0) {
      deviceSum = undefined; // the device summed one fragment, not the datagram
      const whole = this.reassembler.add(iface, p);
      if (whole === null) return;
      packet = whole;
      p = new Ipv4Packet(whole);
    }
    const napt = this.napt;
    if (napt !== null && !isB && !isM && iface === napt.outside && p.dst === napt.outside.address) {
      const t = napt.inbound(p);
      if (t !== null) return this.forward(iface, p, packet, p.src, t.dst, t.payload);
    }
    this.deliver(iface, p, packet, isB, isM, deviceSum, loopback);
  }

  private deliver(iface: Iface, p: Ipv4Packet, packet: Uint8Array, isB: boolean, isM: boolean, deviceSum: number | undefined, loopback: boolean): void {
    const protocol = p.protocol;
    if (protocol === IP_PROTOCOL.ICMP) return this.icmp.input(iface, p, packet, isB, isM);
    const h = this.handlers[protocol];
    if (h === undefined) {
      this.counters.drop('ip.unknownProtocol');
      this.icmp.sendError(packet, ICMP_TYPE.DEST_UNREACHABLE, ICMP_UNREACH.PROTOCOL, iface);
      return;
    }
    this.cDelivered.value++;
    // The device summed the whole Ethernet payload: the checked header sums to 0xFFFF (ones'
    // complement zero) and padding beyond the total length is zeros, so the device's sum is
    // the transport segment's sum.
    // (not on a NAPT router, whose translations rewrite bytes the device summed)
    const payloadSum = this.napt === null ? deviceSum : undefined;
    h.receive({ src: p.src, dst: p.dst, protocol, ttl: p.ttl, payload: p.payload, header: p, iface, broadcast: isB, multicast: isM, payloadSum, batched: !loopback && iface.batched });
  }

  /** Delivers a datagram built by `output` for one of our own addresses, at the same instant. */
  private loopback(iface: Iface, h: TxHeader, payload: Uint8Array): OutputResult {
    const pkt = new Uint8Array(IPV4_MIN_HEADER_LEN + payload.length);
    emitIpv4(
      {
        dscp: h.tos >>> 2,
        ecn: h.tos & 3,
        ident: h.id,
        dontFragment: h.df,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: h.ttl,
        protocol: h.protocol,
        src: h.src,
        dst: h.dst,
        options: NO_IPV4_OPTIONS,
        payload,
      },
      pkt,
    );
    this.counters.inc('ip.loopback');
    this.ctx.sim.schedule(0, () => this.receive(iface, pkt, false, true, undefined));
    return 'sent';
  }

  // -------------------------------------------------------------------------------------------
  // Forwarding

  /**
   * Forwards `p` (its bytes `packet`, as received) with source `src`, destination `dst` and
   * transport segment `payload` (they differ from the packet's only after NAPT inbound).
   */
  private forward(inIface: Iface, p: Ipv4Packet, packet: Uint8Array, src: number, dst: number, payload: Uint8Array): void {
    const counters = this.counters;
    if (p.ttl <= 1) {
      counters.drop('ip.ttlExpired');
      this.icmp.sendError(packet, ICMP_TYPE.TIME_EXCEEDED, ICMP_TIME_EXCEEDED.TTL, inIface);
      return;
    }
    const r = this.ctx.routes.lookup(dst);
    if (r === undefined) {
      counters.drop('ip.noRoute');
      this.icmp.sendError(packet, ICMP_TYPE.DEST_UNREACHABLE, ICMP_UNREACH.NET, inIface);
      return;
    }
    const out = r.iface;
    const napt = this.napt;
    if (napt !== null && inIface === napt.inside && out === napt.outside) {
      const t = napt.outbound(p, payload);
      if (t === null) return; // counted by NAPT
      src = out.address;
      payload = t;
    }
    const hl = p.headerLen;
    if (hl + payload.length > out.mtu && p.dontFragment) {
      counters.drop('ip.fragNeeded');
      this.icmp.sendError(packet, ICMP_TYPE.DEST_UNREACHABLE, ICMP_UNREACH.FRAG_NEEDED, inIface, out.mtu);
      return;
    }
    this.cForwarded.value++;
    const h = this.hdr;
    h.tos = p.buffer[p.offset + IPV4_FIELD.TOS];
    h.id = p.ident;
    h.df = p.dontFragment;
    h.mf = p.moreFragments;
    h.fragOffset = p.fragmentOffset;
    h.ttl = p.ttl - 1;
    h.protocol = p.protocol;
    h.src = src;
    h.dst = dst;
    const onLink = r.gateway === 0;
    this.sendDatagram(out, onLink ? dst : r.gateway, onLink && dst === out.broadcast ? MAC_BROADCAST : -1, h, hl > IPV4_MIN_HEADER_LEN ? p.optionBytes : null, payload);
  }

  // -------------------------------------------------------------------------------------------
  // Output

  /** Where a datagram to `dst` leaves (interface, next hop, link-layer destination); undefined without a route. */
  private pickRoute(dst: number, src: number | undefined): NextHop | undefined {
    if (dst === 0xffff_ffff) {
      const iface = (src !== undefined ? this.local.get(src >>> 0) : undefined) ?? this.ifaceList[0];
      return iface === undefined ? undefined : { iface, nextHop: dst, l2: MAC_BROADCAST };
    }
    if (isMulticastIpv4(dst)) {
      const r = this.ctx.routes.lookup(dst);
      const iface = r?.iface ?? (src !== undefined ? this.local.get(src >>> 0) : undefined) ?? this.ifaceList[0];
      return iface === undefined ? undefined : { iface, nextHop: dst, l2: multicastMac(dst) };
    }
    const r = this.ctx.routes.lookup(dst);
    if (r === undefined) return undefined;
    const onLink = r.gateway === 0;
    return { iface: r.iface, nextHop: onLink ? dst : r.gateway, l2: onLink && dst === r.iface.broadcast ? MAC_BROADCAST : -1 };
  }

  private allocIdent(): number {
    const id = this.nextIdent;
    this.nextIdent = (id + 1) & 0xffff;
    return id;
  }

  /** Sends one datagram, fragmenting it to the interface MTU when needed; returns the worst fragment status. */
  private sendDatagram(iface: Iface, nextHop: number, l2: number, h: TxHeader, options: Uint8Array | null, payload: Uint8Array): TxStatus {
    const mtu = iface.mtu;
    const hl = IPV4_MIN_HEADER_LEN + (options === null ? 0 : options.length);
    if (hl + payload.length <= mtu) return this.sendFrame(iface, nextHop, l2, h, h.fragOffset, h.mf, options, payload);
    let worst: TxStatus = 'sent';
    const later = options === null ? null : copiedOptions(options);
    const n = fragmentPayload(payload, mtu, options, later !== null && later.length > 0 ? later : null, h.fragOffset, h.mf, (offset, more, data, opts) => {
      const st = this.sendFrame(iface, nextHop, l2, h, offset, more, opts, data);
      if (statusRank(st) > statusRank(worst)) worst = st;
    });
    if (n === 0) {
      this.counters.drop('ip.outTooBig', 1, 'MTU too small to fragment');
      return 'nobufs';
    }
    this.cFragCreated.value += n;
    return worst;
  }

  /** Writes one datagram into the interface's transmit buffer and hands it to the interface (link header, neighbour). */
  private sendFrame(iface: Iface, nextHop: number, l2: number, h: TxHeader, fragOffset: number, more: boolean, options: Uint8Array | null, data: Uint8Array, segmentMss = 0): TxStatus {
    const hl = IPV4_MIN_HEADER_LEN + (options === null ? 0 : options.length);
    const ipLen = hl + data.length;
    const ip = iface.datagramBuffer(ipLen);
    const buf = ip.buffer;
    const o = ip.offset;
    // The payload first: one built in place (payloadBuffer) is already where it belongs, or moves
    // after longer options, which must not overwrite it before it has moved.
    if (!iface.payloadInPlace(data, hl)) buf.set(data, o + hl);
    buf[o] = 0x40 | (hl >>> 2);
    buf[o + IPV4_FIELD.TOS] = h.tos;
    ip.totalLen = ipLen;
    ip.ident = h.id;
    ip.flagsFrag = (h.df ? FLAG_DF : 0) | (more ? FLAG_MF : 0) | (fragOffset >>> 3);
    ip.ttl = h.ttl;
    ip.protocol = h.protocol;
    ip.src = h.src;
    ip.dst = h.dst;
    if (options !== null) buf.set(options, o + IPV4_MIN_HEADER_LEN);
    ip.fillChecksum();
    if (this.ctx.sim.trace.active) this.traceIp('tx', iface, ip);
    return iface.sendDatagram(nextHop, l2, ipLen, segmentMss);
  }

  private updateMulticastFilters(): void {
    const macs = [...this.groups].map((g) => Uint8Array.of(0x01, 0x00, 0x5e, (g >>> 16) & 0x7f, (g >>> 8) & 0xff, g & 0xff));
    for (const i of this.ifaceList) i.dev.setMulticastList(macs);
  }

  private traceIp(dir: 'rx' | 'tx', iface: Iface, p: Ipv4Packet): void {
    this.ctx.sim.trace.emit('ip.packet', iface.traceName, {
      dir,
      iface: iface.name,
      src: formatIpv4Addr(p.src),
      dst: formatIpv4Addr(p.dst),
      protocol: p.protocol,
      length: p.totalLen,
      ttl: p.ttl,
      id: p.ident,
      fragOffset: p.fragmentOffset,
      more: p.moreFragments,
    });
  }
}

/** A copy of the TCP segment `seg` with its checksum filled (a packet given `segmentMss` that will not be segmented). */
function withTcpChecksum(seg: Uint8Array, src: number, dst: number): Uint8Array {
  const copy = seg.slice();
  fillTcpChecksum(copy, 0, copy.length, src, dst);
  return copy;
}
