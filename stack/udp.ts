/**
 * UDP (RFC 768, RFC 1122 §4.1): the transport behind `SOCK_DGRAM` sockets.
 *
 * Send: a datagram of at most {@link UDP_MAX_PAYLOAD} bytes (65,535 − 20 − 8) is written with its
 * header into one scratch buffer per host, its checksum computed over the IPv4 pseudo-header
 * (a computed 0 goes on the wire as 0xFFFF; the field is 0, "no checksum", only on a socket with
 * `UDP_NOCHECKSUM`), and handed to `ip.output`, which copies it, fragments it to the MTU and
 * resolves the next hop. The source address is the bound one, or the outgoing interface's.
 * Broadcast destinations need `SO_BROADCAST` (EACCES otherwise, as in Linux).
 *
 * Receive: the length field is checked against the IP payload, the checksum verified when the
 * field is not 0, and the datagram given to the best-matching socket — connected to the sender
 * (4 points) and/or bound to the destination address (2 points) beat a wildcard binding, as in
 * Linux's `compute_score`. Broadcast and multicast datagrams go to every socket bound to the port
 * with a wildcard (or that exact) address. No socket: ICMP port unreachable (never for broadcast
 * or multicast, RFC 1122 §4.1.3.1). A socket's receive queue holds at most `SO_RCVBUF` bytes of
 * payload — a datagram always fits an empty queue — and what does not fit is dropped and counted.
 *
 * ICMP errors: like Linux without IP_RECVERR, a "hard" error (port or protocol unreachable,
 * administratively prohibited, unknown network/host…) becomes the pending error of the connected
 * socket that sent the datagram; the next `recv` or `send` fails with it (ECONNREFUSED for port
 * unreachable). "Soft" errors (net or host unreachable — including a failed ARP resolution —,
 * time exceeded, fragmentation needed) are ignored unless the socket set `IP_RECVERR`, which also
 * makes unconnected sockets take errors.
 *
 * Counting: every datagram IP delivers to UDP ends in exactly one of the {@link UDP_RX_OUTCOMES}
 * counters; each drop also emits a `drop` trace event naming its counter.
 *
 * Ephemeral ports are handed out in order from the bottom of the range (32768…60999, Linux's
 * default range; Linux picks them at random — in order keeps traces readable and reproducible).
 * A port is taken by one socket, or by several bound to distinct specific addresses: there is
 * no SO_REUSEADDR.
 *
 * Data path: sending allocates the payload view and nothing else per datagram (one reused
 * output request and scratch buffer); receiving allocates the payload view and one
 * {@link RecvResult}, and keeps the view without copying — the frame belongs to the receiver
 * (see `NetDevice.onReceive`; reassembled and looped-back datagrams are fresh buffers too).
 * @module
 */
import { IP_PROTOCOL, formatIpv4Addr, isMulticastIpv4 } from './wire/ipv4.js';
import { ICMP_TYPE, ICMP_UNREACH } from './wire/icmp.js';
import { UDP_HEADER_LEN, UdpPacket } from './wire/udp.js';
import type { CounterDef, CounterRef, Counters } from './counters.js';
import type { IcmpErrorInfo, IpDelivery, IpOutput } from './ip/ipv4.js';
import { SocketError, type Errno } from './socket/errors.js';
import type { WaitQueue } from './socket/waiter.js';
import { errnoNumber, intOption, refuseGet, refuseSet } from './socket/options.js';
import type { Transport, TransportContext } from './transport.js';
import {
  IPPROTO_UDP,
  SOCK_DGRAM,
  type ProtoSocket,
  type RecvOptions,
  type RecvResult,
  type SockAddr,
  type SocketInfo,
  type SocketOption,
} from './socket/types.js';

declare module '../sim/trace.js' {
  interface TraceEventMap {
    /** A UDP datagram sent by or delivered to a socket of this host. */
    'udp.datagram': { dir: 'rx' | 'tx'; src: string; srcPort: number; dst: string; dstPort: number; length: number; checksum: boolean };
  }
}

/**
 * UDP's counters (added to the stack's registry when UDP attaches). They are all of kind `stat`:
 * a datagram IP delivered already ended in `ip.delivered` (rx-ok) there, so counting it again as
 * rx-drop/rx-ok would break the stack's "exactly one rx counter per frame" identity. UDP's own
 * identity: datagrams delivered to UDP = the sum of the {@link UDP_RX_OUTCOMES} counters.
 */
export const UDP_COUNTERS = {
  'udp.truncated': { kind: 'stat', help: 'UDP datagram dropped: shorter than its header or than its length field' },
  'udp.badLength': { kind: 'stat', help: 'UDP datagram dropped: length field below 8' },
  'udp.badChecksum': { kind: 'stat', help: 'UDP datagram dropped: checksum mismatch' },
  'udp.noPort': { kind: 'stat', help: 'UDP datagram dropped: no socket bound to the destination port (ICMP port unreachable sent)' },
  'udp.noPortBroadcast': { kind: 'stat', help: 'UDP broadcast or multicast datagram dropped: no socket listens on its port (no ICMP error, RFC 1122)' },
  'udp.rcvbufErrors': { kind: 'stat', help: "UDP datagram dropped: the socket's receive buffer was full" },
  'udp.delivered': { kind: 'stat', help: 'UDP datagram queued on (or handed to a reader of) a socket' },
  'udp.noChecksum': { kind: 'stat', help: 'UDP datagrams received without a checksum (field 0)' },
  'udp.outDatagrams': { kind: 'stat', help: 'UDP datagrams handed to IP' },
  'udp.outErrors': { kind: 'stat', help: 'UDP send calls that failed (EMSGSIZE, EACCES, ENETUNREACH…)' },
  'udp.icmpErrors': { kind: 'stat', help: 'ICMP errors that became a UDP socket error' },
  'udp.icmpIgnored': { kind: 'stat', help: 'ICMP errors about our UDP datagrams that no socket takes (unconnected, soft, or closed)' },
} as const satisfies Record<string, CounterDef>;

/** The counters where each datagram delivered to UDP ends, exactly one per datagram. */
export const UDP_RX_OUTCOMES = ['udp.truncated', 'udp.badLength', 'udp.badChecksum', 'udp.noPort', 'udp.noPortBroadcast', 'udp.rcvbufErrors', 'udp.delivered'] as const;

/** Largest UDP payload: 65,535 − 20 (IPv4 header) − 8 (UDP header). */
export const UDP_MAX_PAYLOAD = 65_507;

/** Linux's default socket buffer size (net.core.rmem_default / wmem_default), bytes. */
export const UDP_DEFAULT_BUFFER = 212_992;

/** UDP options of one host. */
export interface UdpOptions {
  /** First port of the ephemeral range (default 32768, Linux's ip_local_port_range). */
  ephemeralLow?: number;
  /** Last port of the ephemeral range (default 60999). */
  ephemeralHigh?: number;
  /** Default SO_RCVBUF of new sockets (default {@link UDP_DEFAULT_BUFFER}). */
  rcvbuf?: number;
  /** Default SO_SNDBUF of new sockets (default {@link UDP_DEFAULT_BUFFER}). */
  sndbuf?: number;
}

/** The errno of each ICMP destination-unreachable code, and whether it is "hard" (Linux's icmp_err_convert). */
const UNREACH_ERRNO: readonly (readonly [Errno, boolean])[] = [
  ['ENETUNREACH', false], // 0 net
  ['EHOSTUNREACH', false], // 1 host
  ['ENOPROTOOPT', true], // 2 protocol
  ['ECONNREFUSED', true], // 3 port
  ['EMSGSIZE', false], // 4 fragmentation needed
  ['EOPNOTSUPP', false], // 5 source route failed
  ['ENETUNREACH', true], // 6 net unknown
  ['EHOSTDOWN', true], // 7 host unknown
  ['EHOSTUNREACH', true], // 8 host isolated (ENONET in Linux)
  ['ENETUNREACH', true], // 9 net prohibited
  ['EHOSTUNREACH', true], // 10 host prohibited
  ['ENETUNREACH', false], // 11 net unreachable for TOS
  ['EHOSTUNREACH', false], // 12 host unreachable for TOS
  ['EHOSTUNREACH', true], // 13 communication prohibited
  ['EHOSTUNREACH', true], // 14 host precedence violation
  ['EHOSTUNREACH', true], // 15 precedence cutoff
];

/** The errno an ICMP error means for a socket, and whether it is hard (reported without IP_RECVERR). */
export function icmpErrno(type: number, code: number): { errno: Errno; hard: boolean } {
  if (type === ICMP_TYPE.DEST_UNREACHABLE) {
    const e = UNREACH_ERRNO[code];
    return e === undefined ? { errno: 'EHOSTUNREACH', hard: false } : { errno: e[0], hard: e[1] };
  }
  if (type === ICMP_TYPE.PARAMETER_PROBLEM) return { errno: 'EPROTO', hard: true };
  return { errno: 'EHOSTUNREACH', hard: false }; // time exceeded and anything else
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`${what} must be an integer 0…65535, got ${port}`);
}

/** UDP on one host: the port table, demultiplexing, and the send path. */
export class Udp implements Transport {
  /** `udp`. */
  readonly name = 'udp';
  /** 17. */
  readonly ipProtocol = IP_PROTOCOL.UDP;
  /** SOCK_DGRAM. */
  readonly socketType = SOCK_DGRAM;
  /** First and last ephemeral port. */
  readonly ephemeral: { readonly low: number; readonly high: number };
  /** Default SO_RCVBUF. */
  readonly defaultRcvbuf: number;
  /** Default SO_SNDBUF. */
  readonly defaultSndbuf: number;

  private readonly counters: Counters;
  private readonly ports = new Map<number, UdpSocket[]>();
  private nextEphemeral: number;
  private readonly tx = new Uint8Array(UDP_HEADER_LEN + UDP_MAX_PAYLOAD);
  private readonly txView = new UdpPacket(this.tx);
  private readonly out: IpOutput = { src: 0, dst: 0, protocol: IP_PROTOCOL.UDP, payload: new Uint8Array(0), ttl: undefined };
  private readonly cDelivered: CounterRef;
  private readonly cOut: CounterRef;
  private readonly cOutErrors: CounterRef;
  private readonly cNoChecksum: CounterRef;

  /** UDP over `ctx` (the host registers it: `NetStack.addTransport` or the `udp` stack option). */
  constructor(
    /** What UDP sees of its host. */
    readonly ctx: TransportContext,
    opts: UdpOptions = {},
  ) {
    this.counters = ctx.counters;
    const low = opts.ephemeralLow ?? 32768;
    const high = opts.ephemeralHigh ?? 60999;
    checkPort(low, 'ephemeralLow');
    checkPort(high, 'ephemeralHigh');
    if (low < 1 || high < low) throw new RangeError(`bad ephemeral port range ${low}…${high}`);
    this.ephemeral = { low, high };
    this.nextEphemeral = low;
    this.defaultRcvbuf = opts.rcvbuf ?? UDP_DEFAULT_BUFFER;
    this.defaultSndbuf = opts.sndbuf ?? UDP_DEFAULT_BUFFER;
    for (const [name, def] of Object.entries(UDP_COUNTERS)) this.counters.define(name, def);
    this.cDelivered = this.counters.ref('udp.delivered');
    this.cOut = this.counters.ref('udp.outDatagrams');
    this.cOutErrors = this.counters.ref('udp.outErrors');
    this.cNoChecksum = this.counters.ref('udp.noChecksum');
  }

  /** A new, unbound socket (the socket layer's `socket(AF_INET, SOCK_DGRAM)`). */
  socket(): UdpSocket {
    return new UdpSocket(this);
  }

  /** The sockets bound to a port (for tests and tools). */
  bound(): UdpSocket[] {
    const out: UdpSocket[] = [];
    for (const list of this.ports.values()) out.push(...list);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Port table (used by UdpSocket)

  /** Binds `s` to `address:port` (0: an ephemeral port); throws EADDRINUSE / EADDRNOTAVAIL. */
  bindSocket(s: UdpSocket, address: number, port: number): void {
    const ctx = this.ctx;
    if (address !== 0 && !ctx.isLocal(address) && !ctx.isBroadcast(address) && !isMulticastIpv4(address)) {
      throw new SocketError('EADDRNOTAVAIL', '', formatIpv4Addr(address));
    }
    if (port === 0) port = this.allocEphemeral();
    else {
      const list = this.ports.get(port);
      if (list !== undefined) {
        for (const o of list) {
          if (o.localAddr === 0 || address === 0 || o.localAddr === address) throw new SocketError('EADDRINUSE', '', `${formatIpv4Addr(address)}:${port}`);
        }
      }
    }
    s.localAddr = address;
    s.localPort = port;
    const list = this.ports.get(port);
    if (list === undefined) this.ports.set(port, [s]);
    else list.push(s);
  }

  /** Removes `s` from the port table. */
  unbind(s: UdpSocket): void {
    const list = this.ports.get(s.localPort);
    if (list === undefined) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.ports.delete(s.localPort);
  }

  private allocEphemeral(): number {
    const { low, high } = this.ephemeral;
    const n = high - low + 1;
    for (let k = 0; k < n; k++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === high ? low : p + 1;
      if (!this.ports.has(p)) return p;
    }
    throw new SocketError('EADDRINUSE', '', 'no free ephemeral port');
  }

  // -------------------------------------------------------------------------------------------
  // Send

  /** Sends one datagram from `s` (checks done by the caller except routing); returns the payload length. */
  output(s: UdpSocket, data: Uint8Array, dst: number, dstPort: number): number {
    const n = data.length;
    const ctx = this.ctx;
    let src = s.localAddr;
    if (src === 0 || !ctx.isLocal(src)) {
      // unbound, or bound to a broadcast/multicast address: the outgoing interface's address
      const r = ctx.route(dst);
      if (r === undefined) {
        this.cOutErrors.value++;
        throw new SocketError('ENETUNREACH', '', formatIpv4Addr(dst));
      }
      src = r.src;
    }
    const len = UDP_HEADER_LEN + n;
    // built in the interface's transmit buffer when IP can send it from there (no copy in IP)
    const direct = ctx.payloadBuffer?.(dst, len) ?? null;
    const v = direct === null ? this.txView : new UdpPacket(direct);
    const sp = s.localPort;
    v.srcPort = sp;
    v.dstPort = dstPort;
    v.length = len;
    v.buffer.set(data, v.offset + UDP_HEADER_LEN);
    const withSum = !s.noChecksum;
    if (withSum) v.fillChecksum(src, dst);
    else v.checksum = 0;
    const out = this.out;
    out.src = src;
    out.dst = dst;
    out.payload = direct ?? this.tx.subarray(0, len);
    out.ttl = s.ttl;
    const trace = ctx.trace;
    if (trace.active) trace.emit('udp.datagram', ctx.hostName, { dir: 'tx', src: formatIpv4Addr(src), srcPort: sp, dst: formatIpv4Addr(dst), dstPort, length: len, checksum: withSum });
    const r = ctx.output(out);
    if (typeof r === 'object') {
      this.cOutErrors.value++;
      throw new SocketError(r.error, '', formatIpv4Addr(dst));
    }
    this.cOut.value++;
    return n;
  }

  /** Counts a send call that failed before reaching `output`. */
  countSendError(): void {
    this.cOutErrors.value++;
  }

  // -------------------------------------------------------------------------------------------
  // Receive

  /** A datagram from IP (never throws). */
  receive(d: IpDelivery): void {
    const counters = this.counters;
    const u = new UdpPacket(d.payload);
    const err = u.check();
    if (err !== undefined) return counters.drop(err.kind === 'truncated' ? 'udp.truncated' : 'udp.badLength');
    const len = u.length;
    const sum = u.checksum;
    if (sum !== 0) {
      // with the device's receive checksum (and no bytes past the UDP length) the payload is not read again
      if (!u.checksumOk(d.src, d.dst, len === d.payload.length ? d.payloadSum : undefined)) return counters.drop('udp.badChecksum');
    } else this.cNoChecksum.value++;
    const srcPort = u.srcPort;
    const dstPort = u.dstPort;
    const data = u.payload;
    const trace = this.ctx.trace;
    if (trace.active) {
      trace.emit('udp.datagram', this.ctx.hostName, { dir: 'rx', src: formatIpv4Addr(d.src), srcPort, dst: formatIpv4Addr(d.dst), dstPort, length: len, checksum: sum !== 0 });
    }
    if (d.broadcast || d.multicast) return this.deliverAll(d, data, srcPort, dstPort);
    const s = this.lookup(d.dst, dstPort, d.src, srcPort);
    if (s === undefined) {
      counters.drop('udp.noPort');
      this.ctx.icmpUnreachable(d, ICMP_UNREACH.PORT);
      return;
    }
    if (s.enqueue(data, d.src, srcPort)) this.cDelivered.value++;
    else counters.drop('udp.rcvbufErrors');
  }

  /** The socket a unicast datagram goes to: best score wins, ties to the oldest binding. */
  private lookup(dst: number, dstPort: number, src: number, srcPort: number): UdpSocket | undefined {
    const list = this.ports.get(dstPort);
    if (list === undefined) return undefined;
    let best: UdpSocket | undefined;
    let bestScore = -1;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const score = s.score(dst, src, srcPort);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    return best;
  }

  private deliverAll(d: IpDelivery, data: Uint8Array, srcPort: number, dstPort: number): void {
    const list = this.ports.get(dstPort);
    let matched = 0;
    let queued = 0;
    if (list !== undefined) {
      for (const s of [...list]) {
        if (s.localAddr !== 0 && s.localAddr !== d.dst) continue;
        if (s.remotePort !== 0 && (s.remoteAddr !== d.src || s.remotePort !== srcPort)) continue;
        // Each socket gets its own bytes: one reader must not see another's changes.
        if (s.enqueue(matched === 0 ? data : data.slice(), d.src, srcPort)) queued++;
        matched++;
      }
    }
    if (matched === 0) return this.counters.drop('udp.noPortBroadcast');
    if (queued > 0) this.cDelivered.value++;
    else this.counters.drop('udp.rcvbufErrors');
  }

  /** An ICMP error about a datagram we sent (never throws). */
  icmpError(e: IcmpErrorInfo): void {
    const o = e.original;
    const p = o.payload;
    if (p.length < 4) return this.counters.inc('udp.icmpIgnored');
    const srcPort = (p[0] << 8) | p[1];
    const dstPort = (p[2] << 8) | p[3];
    const list = this.ports.get(srcPort);
    const { errno, hard } = icmpErrno(e.type, e.code);
    if (list !== undefined) {
      for (const s of list) {
        if (s.localAddr !== 0 && s.localAddr !== o.src) continue;
        const connected = s.remotePort !== 0;
        if (connected && (s.remoteAddr !== o.dst || s.remotePort !== dstPort)) continue;
        if (!s.recvErr && (!hard || !connected)) continue;
        this.counters.inc('udp.icmpErrors');
        s.setError(errno);
        return;
      }
    }
    this.counters.inc('udp.icmpIgnored');
  }
}

/** A UDP socket (protocol control block): addresses, options, the receive queue and its readers. */
export class UdpSocket implements ProtoSocket {
  /** Always SOCK_DGRAM. */
  readonly type = SOCK_DGRAM;
  /** Always 17. */
  readonly protocol = IPPROTO_UDP;
  /** Bound address (0: any). */
  localAddr = 0;
  /** Bound port (0: unbound). */
  localPort = 0;
  /** Peer address (0 when unconnected). */
  remoteAddr = 0;
  /** Peer port (0 when unconnected). */
  remotePort = 0;
  /** SO_RCVBUF: bytes of payload the queue holds. */
  rcvbuf: number;
  /** SO_SNDBUF (informational for UDP). */
  sndbuf: number;
  /** SO_BROADCAST. */
  broadcast = false;
  /** UDP_NOCHECKSUM. */
  noChecksum = false;
  /** IP_RECVERR. */
  recvErr = false;
  /** IP_TTL (undefined: the stack's default). */
  ttl: number | undefined = undefined;
  /** Bytes of payload queued. */
  queuedBytes = 0;
  /** Datagrams dropped for lack of buffer space. */
  drops = 0;
  /** Set by close(). */
  closed = false;

  private queue: RecvResult[] = [];
  private head = 0;
  private readonly readers: WaitQueue;
  private error: Errno | null = null;
  private addrFromConnect = false;

  /** Creates an unbound socket of `udp`. */
  constructor(private readonly udp: Udp) {
    this.rcvbuf = udp.defaultRcvbuf;
    this.sndbuf = udp.defaultSndbuf;
    this.readers = udp.ctx.waitQueue();
  }

  /** Datagrams queued. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** The pending error, if any (not cleared). */
  get pendingError(): Errno | null {
    return this.error;
  }

  /** How well this socket matches a unicast datagram (-1: not at all). */
  score(dst: number, src: number, srcPort: number): number {
    let score = 0;
    if (this.localAddr !== 0) {
      if (this.localAddr !== dst) return -1;
      score += 2;
    }
    if (this.remotePort !== 0) {
      if (this.remoteAddr !== src || this.remotePort !== srcPort) return -1;
      score += 4;
    }
    return score;
  }

  /** Binds (EINVAL when already bound). */
  bind(address: number, port: number): void {
    if (this.localPort !== 0) throw new SocketError('EINVAL', '', 'already bound');
    this.udp.bindSocket(this, address >>> 0, port);
  }

  /** Sets the peer: only its datagrams are received, `send` goes to it; binds if needed. */
  connect(address: number, port: number): void {
    address >>>= 0;
    if (port === 0) throw new SocketError('EINVAL', '', 'port 0');
    const ctx = this.udp.ctx;
    if (ctx.isBroadcast(address) && !this.broadcast) throw new SocketError('EACCES', '', `${formatIpv4Addr(address)} is a broadcast address (set SO_BROADCAST)`);
    const r = ctx.route(address, ctx.isLocal(this.localAddr) ? this.localAddr : undefined);
    if (r === undefined) throw new SocketError('ENETUNREACH', '', formatIpv4Addr(address));
    if (this.localPort === 0) this.udp.bindSocket(this, 0, 0);
    if (this.localAddr === 0) {
      this.localAddr = r.src;
      this.addrFromConnect = true;
    }
    this.remoteAddr = address;
    this.remotePort = port;
  }

  /** Forgets the peer (and the local address connect chose). */
  disconnect(): void {
    this.remoteAddr = 0;
    this.remotePort = 0;
    if (this.addrFromConnect) {
      this.localAddr = 0;
      this.addrFromConnect = false;
    }
  }

  /** Sends a datagram to `address:port`, or to the peer when `port` is -1. */
  sendto(data: Uint8Array, address: number, port: number): number {
    const udp = this.udp;
    const err = this.error;
    if (err !== null) {
      this.error = null;
      throw new SocketError(err);
    }
    if (port < 0) {
      if (this.remotePort === 0) {
        udp.countSendError();
        throw new SocketError('EDESTADDRREQ');
      }
      address = this.remoteAddr;
      port = this.remotePort;
    } else {
      address >>>= 0;
      if (port === 0) {
        udp.countSendError();
        throw new SocketError('EINVAL', '', 'port 0');
      }
      if (udp.ctx.isBroadcast(address) && !this.broadcast) {
        udp.countSendError();
        throw new SocketError('EACCES', '', `${formatIpv4Addr(address)} is a broadcast address (set SO_BROADCAST)`);
      }
    }
    if (data.length > UDP_MAX_PAYLOAD) {
      udp.countSendError();
      throw new SocketError('EMSGSIZE', '', `${data.length} bytes > ${UDP_MAX_PAYLOAD}`);
    }
    if (this.localPort === 0) udp.bindSocket(this, 0, 0);
    return udp.output(this, data, address, port);
  }

  /** The next datagram: at once when one is queued, else when one arrives. */
  recvfrom(opts: RecvOptions | undefined): RecvResult | Promise<RecvResult> {
    const r = this.tryRecv(opts);
    if (r !== undefined) return r; // (no promise of our own: the socket layer makes the one the caller gets)
    if (opts?.dontWait === true) throw new SocketError('EAGAIN');
    return this.readers.wait(() => this.tryRecv(opts), { timeoutNs: opts?.timeoutNs });
  }

  /** The pending error (thrown and cleared), else the next datagram, else undefined. */
  private tryRecv(opts: RecvOptions | undefined): RecvResult | undefined {
    const err = this.error;
    if (err !== null) {
      this.error = null;
      throw new SocketError(err);
    }
    if (this.head >= this.queue.length) return undefined;
    const r = this.queue[this.head];
    if (opts?.peek !== true) this.dequeue();
    return cut(r, opts);
  }

  /** Queues a received datagram and releases waiting readers; false when the buffer is full. */
  enqueue(data: Uint8Array, address: number, port: number): boolean {
    const n = data.length;
    if (this.head < this.queue.length && this.queuedBytes + n > this.rcvbuf) {
      this.drops++;
      return false;
    }
    this.push({ data, address, port, truncated: false });
    this.readers.notify();
    return true;
  }

  /** Records an error for the next call (a waiting receive fails with it now). */
  setError(errno: Errno): void {
    this.error = errno;
    this.readers.notify();
  }

  /** Sets an option. */
  setOption(name: SocketOption, value: number | boolean): void {
    switch (name) {
      case 'SO_RCVBUF':
      case 'SO_SNDBUF': {
        const v = intOption(name, value, 1, Number.MAX_SAFE_INTEGER);
        if (name === 'SO_RCVBUF') this.rcvbuf = v;
        else this.sndbuf = v;
        return;
      }
      case 'SO_BROADCAST':
        this.broadcast = Boolean(value);
        return;
      case 'UDP_NOCHECKSUM':
        this.noChecksum = Boolean(value);
        return;
      case 'IP_RECVERR':
        this.recvErr = Boolean(value);
        return;
      case 'IP_TTL':
        this.ttl = intOption(name, value, 1, 255);
        return;
      default:
        return refuseSet(name, 'UDP');
    }
  }

  /** Reads an option (`SO_ERROR` clears the pending error). */
  getOption(name: SocketOption): number | boolean {
    switch (name) {
      case 'SO_RCVBUF':
        return this.rcvbuf;
      case 'SO_SNDBUF':
        return this.sndbuf;
      case 'SO_BROADCAST':
        return this.broadcast;
      case 'UDP_NOCHECKSUM':
        return this.noChecksum;
      case 'IP_RECVERR':
        return this.recvErr;
      case 'IP_TTL':
        return this.ttl ?? this.udp.ctx.defaultTtl;
      case 'SO_ERROR': {
        const e = this.error;
        this.error = null;
        return errnoNumber(e);
      }
      case 'SO_TYPE':
        return SOCK_DGRAM;
      default:
        return refuseGet(name, 'UDP');
    }
  }

  /** Bound address and port. */
  localName(): SockAddr {
    return { address: this.localAddr, port: this.localPort };
  }

  /** The peer, when connected. */
  peerName(): SockAddr | null {
    return this.remotePort === 0 ? null : { address: this.remoteAddr, port: this.remotePort };
  }

  /** What netstat shows. */
  info(): SocketInfo {
    return {
      proto: 'udp',
      localAddress: this.localAddr,
      localPort: this.localPort,
      remoteAddress: this.remoteAddr,
      remotePort: this.remotePort,
      recvQ: this.queuedBytes,
      sendQ: 0,
      state: this.remotePort !== 0 ? 'ESTABLISHED' : '',
      drops: this.drops,
      bound: this.localPort !== 0,
    };
  }

  /** Releases the port, drops the queue, fails waiting receives with EBADF. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.localPort !== 0) this.udp.unbind(this);
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.readers.failAll('EBADF', 'closed while waiting');
  }

  private push(r: RecvResult): void {
    this.queue.push(r);
    this.queuedBytes += r.data.length;
  }

  private dequeue(): void {
    const q = this.queue;
    const r = q[this.head];
    this.queuedBytes -= r.data.length;
    this.head++;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }
}

function cut(r: RecvResult, opts: RecvOptions | undefined): RecvResult {
  const max = opts?.maxLength;
  const into = opts?.into;
  if (into !== undefined) {
    // into the caller's buffer: what fits (maxLength ≤ its length), the rest of the datagram discarded
    const n = Math.min(r.data.length, max ?? into.length, into.length);
    into.set(n === r.data.length ? r.data : r.data.subarray(0, n));
    return { data: into.subarray(0, n), address: r.address, port: r.port, truncated: n < r.data.length };
  }
  if (max === undefined || r.data.length <= max) return r;
  return { data: r.data.subarray(0, max), address: r.address, port: r.port, truncated: true };
}
