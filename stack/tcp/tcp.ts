/**
 * TCP (RFC 9293) on one host: the transport behind `SOCK_STREAM` sockets. This module is the
 * demultiplexer and the host-wide part — the port table (with SO_REUSEADDR), the connection
 * table by 4-tuple, listeners, RST for segments nobody takes (RFC 9293 §3.10.7.1), initial
 * sequence numbers (RFC 6528), the timestamp clock (RFC 7323), challenge-ACK rate limiting
 * (RFC 5961 §7), ICMP errors (RFC 5927 checks, RFC 1191 path MTU), the counters and the one
 * segment writer every connection uses. Each connection's behaviour is in `socket.ts`.
 *
 * Counting: every segment IP delivers to TCP ends in exactly one of {@link TCP_RX_OUTCOMES}
 * (kind `stat`: the datagram is already `ip.delivered` in the stack's identity); each drop also
 * emits a `drop` trace event naming its counter. The other TCP counters count events.
 *
 * Data path: a segment is written once into one scratch buffer per host (header, options, and the
 * payload copied from the connection's send buffer) and handed to IP, which copies it into the
 * frame; nothing is kept in the scratch buffer, so a retransmission is built again from the send
 * buffer. Receiving keeps the frame's payload views without copying.
 * @module
 */
import { IP_PROTOCOL, formatIpv4Addr } from '../wire/ipv4.js';
import { ICMP_TYPE, ICMP_UNREACH } from '../wire/icmp.js';
import { TCP_FIELD, TCP_FLAG, TCP_HEADER_LEN, TcpSegment, emitTcpOptions, fillTcpChecksum, writeTcpHeader, writeTcpTimestamps, type TcpOption } from '../wire/tcp.js';
import { writeU16 } from '../wire/bytes.js';
import type { CounterDef, CounterRef, Counters } from '../counters.js';
import type { IcmpErrorInfo, IpDelivery, IpOutput } from '../ip/ipv4.js';
import { SocketError } from '../socket/errors.js';
import { SOCK_STREAM } from '../socket/types.js';
import type { Transport, TransportContext } from '../transport.js';
import type { Rng } from '../../sim/rng.js';
import type { Nanos } from '../../sim/time.js';
import type { CongestionFactory } from './congestion/index.js';
import { NewReno } from './congestion/newreno.js';
import { Cubic } from './congestion/cubic.js';
import { RTO_LINUX, RTO_RFC6298, type RtoConfig } from './rto.js';
import { seqAdd, seqGe, seqLt } from './seq.js';
import { TcpSocket } from './socket.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A TCP segment sent or received by this host (`seq`/`ack` absolute; `len` payload bytes). */
    'tcp.segment': {
      dir: 'rx' | 'tx';
      src: string;
      srcPort: number;
      dst: string;
      dstPort: number;
      seq: number;
      ack: number;
      flags: string;
      window: number;
      len: number;
      mss?: number;
      wscale?: number;
      sackPermitted?: boolean;
      sack?: string;
      retransmit?: boolean;
      /** Relative sequence numbers of this connection (from its ISNs), for readers. */
      relSeq?: number;
      relAck?: number;
    };
    /** A round-trip sample and the estimator after it. */
    'tcp.rtt': { conn: string; sampleNs: number; srttNs: number; rttvarNs: number; rtoNs: number; via: 'timed' | 'timestamp' };
    /** Something about a connection's send side worth telling: a retransmission, a timeout, recovery, a window probe. */
    'tcp.event': { conn: string; event: 'rto' | 'fast-retransmit' | 'recovery-exit' | 'sack-recovery' | 'zero-window-probe' | 'delayed-ack' | 'keepalive' | 'challenge-ack' | 'time-wait-end' | 'mss'; detail: string };
  }
}

/** TCP's counters (kind `stat`, see the module comment). */
export const TCP_COUNTERS = {
  // outcomes of received segments: exactly one each
  'tcp.truncated': { kind: 'stat', help: 'TCP segment dropped: shorter than its header, or a data offset below 5 or past the segment' },
  'tcp.badChecksum': { kind: 'stat', help: 'TCP segment dropped: checksum mismatch' },
  'tcp.notUnicast': { kind: 'stat', help: 'TCP segment dropped: sent to a broadcast or multicast address' },
  'tcp.noSocket': { kind: 'stat', help: 'TCP segment for no connection or listener (answered with RST unless it was one)' },
  'tcp.listenOverflow': { kind: 'stat', help: "TCP segment dropped: the listener's accept queue was full" },
  'tcp.synQueueFull': { kind: 'stat', help: "TCP SYN dropped: the listener's SYN queue was full" },
  'tcp.listenNotSyn': { kind: 'stat', help: 'TCP segment to a listener that is not a SYN (answered with RST when it carried an ACK)' },
  'tcp.synAccepted': { kind: 'stat', help: 'TCP SYN accepted by a listener (a connection in SYN-RECEIVED was created)' },
  'tcp.outOfWindow': { kind: 'stat', help: 'TCP segment dropped: not acceptable for the receive window (an ACK was sent unless it was a RST)' },
  'tcp.challengeAck': { kind: 'stat', help: 'TCP RST or SYN in the window but not exact: dropped, answered with a challenge ACK (RFC 5961)' },
  'tcp.badAck': { kind: 'stat', help: 'TCP segment dropped: it acknowledges data never sent or too old (RFC 5961 §5), or an unacceptable ACK in SYN-SENT' },
  'tcp.noAck': { kind: 'stat', help: 'TCP segment dropped: no ACK flag on a synchronized connection' },
  'tcp.rstAccepted': { kind: 'stat', help: 'TCP RST accepted: the connection was reset' },
  'tcp.processed': { kind: 'stat', help: 'TCP segment processed by its connection' },
  // events
  'tcp.activeOpens': { kind: 'stat', help: 'connections opened by connect (SYN sent)' },
  'tcp.passiveOpens': { kind: 'stat', help: 'connections accepted by a listener (reached ESTABLISHED)' },
  'tcp.attemptFails': { kind: 'stat', help: 'connection attempts that failed (refused, reset or timed out before ESTABLISHED)' },
  'tcp.estabResets': { kind: 'stat', help: 'established connections reset (by RST received or sent)' },
  'tcp.outSegs': { kind: 'stat', help: 'TCP segments sent (retransmissions included)' },
  'tcp.retransSegs': { kind: 'stat', help: 'TCP segments retransmitted' },
  'tcp.rtoExpired': { kind: 'stat', help: 'retransmission timer expiries' },
  'tcp.fastRetransmits': { kind: 'stat', help: 'fast retransmits (three duplicate ACKs, or SACK loss detection)' },
  'tcp.sackRecoveries': { kind: 'stat', help: 'loss recoveries driven by the SACK scoreboard (RFC 6675)' },
  'tcp.lostRetransmits': { kind: 'stat', help: 'retransmissions found lost during SACK recovery (later data SACKed, the hole still open) and sent again' },
  'tcp.newRenoRecoveries': { kind: 'stat', help: 'NewReno fast recoveries (RFC 6582)' },
  'tcp.dupAcks': { kind: 'stat', help: 'duplicate ACKs received' },
  'tcp.rstsSent': { kind: 'stat', help: 'RST segments sent' },
  'tcp.challengeAcksSent': { kind: 'stat', help: 'challenge ACKs sent (RFC 5961)' },
  'tcp.challengeAcksLimited': { kind: 'stat', help: 'challenge ACKs not sent: rate limit' },
  'tcp.delayedAcks': { kind: 'stat', help: 'ACKs sent by the delayed-ACK timer' },
  'tcp.oooSegments': { kind: 'stat', help: 'segments received out of order and held' },
  'tcp.dataBeyondWindow': { kind: 'stat', help: 'segments whose data was trimmed to the receive window' },
  'tcp.zeroWindowProbes': { kind: 'stat', help: 'zero-window probes sent (persist timer)' },
  'tcp.keepaliveProbes': { kind: 'stat', help: 'keepalive probes sent' },
  'tcp.timeouts': { kind: 'stat', help: 'connections closed because the peer stopped answering (retransmission or keepalive limit)' },
  'tcp.synRetransmits': { kind: 'stat', help: 'SYN and SYN-ACK retransmissions' },
  'tcp.dataAfterClose': { kind: 'stat', help: 'connections reset because data arrived after the socket was closed (nobody could read it)' },
  'tcp.pmtuUpdates': { kind: 'stat', help: 'MSS lowered by ICMP fragmentation needed (RFC 1191)' },
  'tcp.icmpErrors': { kind: 'stat', help: 'ICMP errors applied to a connection' },
  'tcp.icmpIgnored': { kind: 'stat', help: 'ICMP errors about TCP that match no connection or quote an unsent sequence number (RFC 5927)' },
} as const satisfies Record<string, CounterDef>;

/** A TCP counter name. */
export type TcpCounterName = keyof typeof TCP_COUNTERS;

/** The counters where each segment delivered to TCP ends, exactly one per segment. */
export const TCP_RX_OUTCOMES = [
  'tcp.truncated',
  'tcp.badChecksum',
  'tcp.notUnicast',
  'tcp.noSocket',
  'tcp.listenOverflow',
  'tcp.synQueueFull',
  'tcp.listenNotSyn',
  'tcp.synAccepted',
  'tcp.outOfWindow',
  'tcp.challengeAck',
  'tcp.badAck',
  'tcp.noAck',
  'tcp.rstAccepted',
  'tcp.processed',
] as const satisfies readonly TcpCounterName[];

/** TCP options of one host (defaults follow Linux where the RFCs leave a choice, except where noted). */
export interface TcpOptions {
  /** Default SO_RCVBUF, bytes (default 131,072: Linux's tcp_rmem default). */
  rcvbuf?: number;
  /** Default SO_SNDBUF, bytes (default 212,992). */
  sndbuf?: number;
  /** Maximum segment lifetime; TIME-WAIT lasts 2·MSL (default 30 s: Linux waits 60 s in all). */
  mslNs?: Nanos;
  /** RTO bounds: `'rfc6298'` (1 s minimum, the default), `'linux'` (200 ms minimum) or explicit. */
  rto?: 'rfc6298' | 'linux' | RtoConfig;
  /** Delayed-ACK timer (default 200 ms; RFC 1122 allows up to 500 ms). */
  delayedAckNs?: Nanos;
  /** Initial window of 10 segments (RFC 6928) instead of RFC 5681's 3–4 (default false). */
  iw10?: boolean;
  /** Offer and accept SACK (default true). */
  sack?: boolean;
  /** Offer and accept timestamps (default true). */
  timestamps?: boolean;
  /** Offer and accept window scaling (default true). */
  windowScaling?: boolean;
  /** Timestamp clock tick (default 1 ms, as Linux). */
  tsTickNs?: Nanos;
  /** SYN retransmissions before connect fails with ETIMEDOUT (default 6, Linux's tcp_syn_retries: about 127 s). */
  synRetries?: number;
  /** SYN-ACK retransmissions before a half-open connection is dropped (default 5). */
  synAckRetries?: number;
  /** Retransmissions of data before the connection is dropped (default 15, Linux's tcp_retries2). */
  retries?: number;
  /** Upper bound of the SYN queue of any listener (default 256, Linux's tcp_max_syn_backlog order). */
  maxSynBacklog?: number;
  /** Upper bound of a listener's backlog (default 4096, Linux's somaxconn). */
  somaxconn?: number;
  /** How long an orphaned connection may stay in FIN-WAIT-2 (default 60 s, Linux's tcp_fin_timeout). */
  finTimeoutNs?: Nanos;
  /** Keepalive: idle time before the first probe (default 2 h). */
  keepaliveIdleNs?: Nanos;
  /** Keepalive: interval between probes (default 75 s). */
  keepaliveIntervalNs?: Nanos;
  /** Keepalive: unanswered probes before the connection is dropped (default 9). */
  keepaliveProbes?: number;
  /** Challenge ACKs per second, host-wide (default 1000, RFC 5961 §7). */
  challengeAckLimit?: number;
  /** Congestion control of new connections: `'newreno'` (default), `'cubic'` (RFC 9438) or a factory. */
  congestion?: 'newreno' | 'cubic' | CongestionFactory;
  /** First ephemeral port (default 32768). */
  ephemeralLow?: number;
  /** Last ephemeral port (default 60999). */
  ephemeralHigh?: number;
}

/** The resolved configuration. */
export interface TcpConfig {
  /** Default SO_RCVBUF. */
  readonly rcvbuf: number;
  /** Default SO_SNDBUF. */
  readonly sndbuf: number;
  /** MSL, ns. */
  readonly mslNs: Nanos;
  /** RTO bounds. */
  readonly rto: RtoConfig;
  /** Delayed-ACK timeout, ns. */
  readonly delayedAckNs: Nanos;
  /** IW10. */
  readonly iw10: boolean;
  /** SACK offered. */
  readonly sack: boolean;
  /** Timestamps offered. */
  readonly timestamps: boolean;
  /** Window scaling offered. */
  readonly windowScaling: boolean;
  /** Timestamp tick, ns. */
  readonly tsTickNs: Nanos;
  /** SYN retries. */
  readonly synRetries: number;
  /** SYN-ACK retries. */
  readonly synAckRetries: number;
  /** Data retries. */
  readonly retries: number;
  /** SYN queue bound. */
  readonly maxSynBacklog: number;
  /** Backlog bound. */
  readonly somaxconn: number;
  /** Orphan FIN-WAIT-2 timeout. */
  readonly finTimeoutNs: Nanos;
  /** Keepalive idle. */
  readonly keepaliveIdleNs: Nanos;
  /** Keepalive interval. */
  readonly keepaliveIntervalNs: Nanos;
  /** Keepalive probes. */
  readonly keepaliveProbes: number;
  /** Challenge ACKs per second. */
  readonly challengeAckLimit: number;
  /** Congestion control factory. */
  readonly congestion: CongestionFactory;
}

/** Linux's default receive buffer for TCP (tcp_rmem[1]). */
export const TCP_DEFAULT_RCVBUF = 131_072;
/** Default send buffer. */
export const TCP_DEFAULT_SNDBUF = 212_992;

function positiveInt(v: number | undefined, dflt: number, name: string, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`TCP option ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function congestionFactory(c: TcpOptions['congestion']): CongestionFactory {
  if (c === undefined || c === 'newreno') return (mss, iw) => new NewReno(mss, iw);
  if (c === 'cubic') return (mss, iw) => new Cubic(mss, iw);
  if (typeof c !== 'function') throw new RangeError(`TCP option congestion must be 'newreno', 'cubic' or a factory, got ${String(c)}`);
  return c;
}

function resolveConfig(o: TcpOptions): TcpConfig {
  const rto = o.rto === undefined || o.rto === 'rfc6298' ? RTO_RFC6298 : o.rto === 'linux' ? RTO_LINUX : o.rto;
  if (typeof rto !== 'object' || rto === null || !(rto.minNs > 0) || !(rto.maxNs >= rto.minNs) || !(rto.initialNs > 0)) throw new RangeError('TCP option rto must be rfc6298, linux or { minNs, maxNs, initialNs, granularityNs } with 0 < min ≤ max');
  return Object.freeze({
    rcvbuf: positiveInt(o.rcvbuf, TCP_DEFAULT_RCVBUF, 'rcvbuf', 256),
    sndbuf: positiveInt(o.sndbuf, TCP_DEFAULT_SNDBUF, 'sndbuf', 256),
    mslNs: positiveInt(o.mslNs, 30_000_000_000, 'mslNs', 0),
    rto,
    delayedAckNs: positiveInt(o.delayedAckNs, 200_000_000, 'delayedAckNs', 0),
    iw10: o.iw10 ?? false,
    sack: o.sack ?? true,
    timestamps: o.timestamps ?? true,
    windowScaling: o.windowScaling ?? true,
    tsTickNs: positiveInt(o.tsTickNs, 1_000_000, 'tsTickNs'),
    synRetries: positiveInt(o.synRetries, 6, 'synRetries', 0),
    synAckRetries: positiveInt(o.synAckRetries, 5, 'synAckRetries', 0),
    retries: positiveInt(o.retries, 15, 'retries', 0),
    maxSynBacklog: positiveInt(o.maxSynBacklog, 256, 'maxSynBacklog'),
    somaxconn: positiveInt(o.somaxconn, 4096, 'somaxconn'),
    finTimeoutNs: positiveInt(o.finTimeoutNs, 60_000_000_000, 'finTimeoutNs', 0),
    keepaliveIdleNs: positiveInt(o.keepaliveIdleNs, 7_200_000_000_000, 'keepaliveIdleNs'),
    keepaliveIntervalNs: positiveInt(o.keepaliveIntervalNs, 75_000_000_000, 'keepaliveIntervalNs'),
    keepaliveProbes: positiveInt(o.keepaliveProbes, 9, 'keepaliveProbes'),
    challengeAckLimit: positiveInt(o.challengeAckLimit, 1000, 'challengeAckLimit', 0),
    congestion: congestionFactory(o.congestion),
  });
}

/** Flag letters as tcpdump prints them (S, S., P., F., R.…) — used in trace events. */
export function tcpFlagString(flags: number): string {
  let s = '';
  if (flags & TCP_FLAG.SYN) s += 'S';
  if (flags & TCP_FLAG.FIN) s += 'F';
  if (flags & TCP_FLAG.RST) s += 'R';
  if (flags & TCP_FLAG.PSH) s += 'P';
  if (flags & TCP_FLAG.URG) s += 'U';
  if (flags & TCP_FLAG.ACK) s += '.';
  return s === '' ? 'none' : s;
}

/** Key of the connection table: local and remote port (addresses are compared in the bucket). */
function portKey(localPort: number, remotePort: number): number {
  return localPort * 65536 + remotePort;
}

/** What the segment writer needs besides the connection's own fields. */
export interface SegmentSpec {
  /** Sequence number. */
  seq: number;
  /** Flags (ACK is added when the connection has an acknowledgement to send). */
  flags: number;
  /** Payload: offset in the send buffer and length (0: none). */
  dataOffset: number;
  /** Payload length. */
  dataLen: number;
  /** Options of a SYN or SYN-ACK (otherwise timestamps and SACK come from the connection). */
  synOptions?: readonly TcpOption[];
  /** A retransmission (for traces and counters). */
  retransmit: boolean;
  /** New data of several segments in one packet, to be cut into segments of this many payload bytes by the device (TSO) or the stack; 0 or absent: one segment. */
  segmentMss?: number;
}

/** TCP on one host (see the module comment). */
export class Tcp implements Transport {
  /** `tcp`. */
  readonly name = 'tcp';
  /** 6. */
  readonly ipProtocol = IP_PROTOCOL.TCP;
  /** SOCK_STREAM. */
  readonly socketType = SOCK_STREAM;
  /** The resolved options. */
  readonly config: TcpConfig;
  /** First and last ephemeral port. */
  readonly ephemeral: { readonly low: number; readonly high: number };
  /** Sockets holding each local port (bound, listening or connected). */
  private readonly ports = new Map<number, TcpSocket[]>();
  /** Connections by (local port, remote port), addresses checked in the bucket. */
  private readonly conns = new Map<number, TcpSocket[]>();
  /** Listeners by local port. */
  private readonly listeners = new Map<number, TcpSocket[]>();
  /** Every live connection (not listeners), for netstat. */
  private readonly live = new Set<TcpSocket>();
  private nextEphemeral: number;
  private readonly isnSecret: number[];
  private readonly rng: Rng;
  private readonly tx = new Uint8Array(TCP_HEADER_LEN + 40 + 65535);
  private readonly out: IpOutput = { src: 0, dst: 0, protocol: IP_PROTOCOL.TCP, payload: new Uint8Array(0), ttl: undefined, df: true, segmentMss: 0 };
  private challengeTokens: number;
  private challengeRefill = 0;
  private nextConnId = 1;
  /** True while a segment from a batching device is processed: acknowledgements wait for the batch's end. */
  inBatch = false;
  private readonly deferred: TcpSocket[] = [];
  /** Counter references for the data path. */
  readonly c: { [K in TcpCounterName]: CounterRef };
  private readonly counters: Counters;

  /** TCP over `ctx` (the host registers it: the `tcp` stack option or `NetStack.addTransport`). */
  constructor(
    /** What TCP sees of its host. */
    readonly ctx: TransportContext,
    opts: TcpOptions = {},
  ) {
    if (opts === null || typeof opts !== 'object') throw new TypeError('TCP options must be an object');
    this.config = resolveConfig(opts);
    const low = opts.ephemeralLow ?? 32768;
    const high = opts.ephemeralHigh ?? 60999;
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535 || high < low) throw new RangeError(`bad ephemeral port range ${low}…${high}`);
    this.ephemeral = { low, high };
    this.nextEphemeral = low;
    this.counters = ctx.counters;
    for (const [name, def] of Object.entries(TCP_COUNTERS)) this.counters.define(name, def);
    const c = {} as { [K in TcpCounterName]: CounterRef };
    for (const name of Object.keys(TCP_COUNTERS) as TcpCounterName[]) c[name] = this.counters.ref(name);
    this.c = c;
    this.rng = ctx.rng('tcp');
    const isnRng = ctx.rng('tcp.isn');
    this.isnSecret = [isnRng.nextU32(), isnRng.nextU32(), isnRng.nextU32(), isnRng.nextU32()];
    this.challengeTokens = this.config.challengeAckLimit;
  }

  /** A new, unbound socket (the socket layer's `socket(AF_INET, SOCK_STREAM)`). */
  socket(): TcpSocket {
    return new TcpSocket(this);
  }

  /** The current simulated time. */
  get now(): Nanos {
    return this.ctx.timers.now;
  }

  /** A host-unique name for a new connection's traces. */
  connName(s: TcpSocket): string {
    return `${this.ctx.hostName}:tcp${this.nextConnId++}:${s.localPort}`;
  }

  /** Every connection and listener of this host (netstat's list). */
  sockets(): TcpSocket[] {
    const out = new Set<TcpSocket>();
    for (const list of this.listeners.values()) for (const s of list) out.add(s);
    for (const s of this.live) out.add(s);
    for (const list of this.ports.values()) for (const s of list) out.add(s);
    return [...out];
  }

  // -------------------------------------------------------------------------------------------
  // Ports and tables

  /** Binds `s` to `address:port` (0: ephemeral); EADDRINUSE / EADDRNOTAVAIL. */
  bind(s: TcpSocket, address: number, port: number): void {
    if (address !== 0 && !this.ctx.isLocal(address)) throw new SocketError('EADDRNOTAVAIL', '', formatIpv4Addr(address));
    if (port === 0) port = this.allocEphemeral(address, 0, 0);
    else if (this.portConflict(s, address, port)) throw new SocketError('EADDRINUSE', '', `${formatIpv4Addr(address)}:${port}`);
    s.localAddr = address;
    s.localPort = port;
    const list = this.ports.get(port);
    if (list === undefined) this.ports.set(port, [s]);
    else list.push(s);
  }

  /**
   * Whether `s` may not take `address:port`: another socket holds the port on an overlapping
   * address — unless both set SO_REUSEADDR and none of them listens, or the other is a
   * connection in TIME-WAIT and `s` set SO_REUSEADDR (Linux's rules for the common cases).
   */
  private portConflict(s: TcpSocket, address: number, port: number): boolean {
    const list = this.ports.get(port);
    if (list === undefined) return false;
    for (const o of list) {
      if (o === s) continue;
      if (o.localAddr !== 0 && address !== 0 && o.localAddr !== address) continue;
      if (s.reuseAddr && (o.state === 'TIME-WAIT' || (o.reuseAddr && o.state !== 'LISTEN'))) continue;
      return true;
    }
    return false;
  }

  private allocEphemeral(address: number, remote: number, remotePort: number): number {
    const { low, high } = this.ephemeral;
    const n = high - low + 1;
    for (let k = 0; k < n; k++) {
      const p = this.nextEphemeral;
      this.nextEphemeral = p === high ? low : p + 1;
      const list = this.ports.get(p);
      if (list === undefined) return p;
      // a port may be shared by connections to different peers (Linux's connect-time allocation)
      if (remotePort !== 0 && list.every((o) => o.state !== 'LISTEN' && o.remotePort !== 0 && !(o.remoteAddr === remote && o.remotePort === remotePort) && (o.localAddr === 0 || address === 0 || o.localAddr === address))) return p;
    }
    throw new SocketError('EADDRNOTAVAIL', '', 'no free ephemeral port');
  }

  /** Chooses the local port of a connecting socket that was not bound. */
  bindForConnect(s: TcpSocket, local: number, remote: number, remotePort: number): void {
    const port = this.allocEphemeral(local, remote, remotePort);
    s.localAddr = local;
    s.localPort = port;
    const list = this.ports.get(port);
    if (list === undefined) this.ports.set(port, [s]);
    else list.push(s);
  }

  /** Enters a listener's new connection on the listener's port (so binds see it). */
  bindChild(s: TcpSocket): void {
    const list = this.ports.get(s.localPort);
    if (list === undefined) this.ports.set(s.localPort, [s]);
    else list.push(s);
  }

  /** Whether `s` (bound, about to listen) shares its port with a socket other than TIME-WAIT connections. */
  listenConflict(s: TcpSocket): boolean {
    const list = this.ports.get(s.localPort) ?? [];
    return list.some((o) => o !== s && o.state !== 'TIME-WAIT' && (o.localAddr === 0 || s.localAddr === 0 || o.localAddr === s.localAddr) && !(o.state === 'CLOSED' && o.reuseAddr && s.reuseAddr));
  }

  /** Releases `s`'s port. */
  unbind(s: TcpSocket): void {
    const list = this.ports.get(s.localPort);
    if (list === undefined) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.ports.delete(s.localPort);
  }

  /** Whether another connection already uses this exact 4-tuple. */
  tupleInUse(s: TcpSocket, local: number, localPort: number, remote: number, remotePort: number): boolean {
    const list = this.conns.get(portKey(localPort, remotePort));
    return list !== undefined && list.some((o) => o !== s && o.localAddr === local && o.remoteAddr === remote);
  }

  /** Enters `s` (addresses and ports set) in the connection table. */
  addConnection(s: TcpSocket): void {
    const k = portKey(s.localPort, s.remotePort);
    const list = this.conns.get(k);
    if (list === undefined) this.conns.set(k, [s]);
    else list.push(s);
    this.live.add(s);
  }

  /** Removes `s` from the connection table (and its port, unless it is a bound socket that lives on). */
  removeConnection(s: TcpSocket): void {
    const k = portKey(s.localPort, s.remotePort);
    const list = this.conns.get(k);
    if (list !== undefined) {
      const i = list.indexOf(s);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.conns.delete(k);
    }
    this.live.delete(s);
  }

  /** Enters a listening socket. */
  addListener(s: TcpSocket): void {
    const list = this.listeners.get(s.localPort);
    if (list === undefined) this.listeners.set(s.localPort, [s]);
    else list.push(s);
  }

  /** Removes a listening socket. */
  removeListener(s: TcpSocket): void {
    const list = this.listeners.get(s.localPort);
    if (list === undefined) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(s.localPort);
  }

  /** The connection for a received segment's 4-tuple. */
  private lookup(dst: number, dstPort: number, src: number, srcPort: number): TcpSocket | undefined {
    const list = this.conns.get(portKey(dstPort, srcPort));
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.remoteAddr === src && s.localAddr === dst) return s;
    }
    return undefined;
  }

  private listenerFor(dst: number, dstPort: number): TcpSocket | undefined {
    const list = this.listeners.get(dstPort);
    if (list === undefined) return undefined;
    let wild: TcpSocket | undefined;
    for (const s of list) {
      if (s.localAddr === dst) return s;
      if (s.localAddr === 0) wild ??= s;
    }
    return wild;
  }

  // -------------------------------------------------------------------------------------------
  // Numbers

  /** RFC 6528 initial sequence number: a 4 µs clock plus a keyed hash of the 4-tuple. */
  isn(local: number, localPort: number, remote: number, remotePort: number): number {
    const k = this.isnSecret;
    let h = k[0];
    h = mix(h ^ local, k[1]);
    h = mix(h ^ remote, k[2]);
    h = mix(h ^ ((localPort << 16) | remotePort), k[3]);
    return seqAdd(h, Math.floor(this.now / 4000));
  }

  /** A random 32-bit number from TCP's stream (timestamp offsets). */
  random32(): number {
    return this.rng.nextU32();
  }

  /** The timestamp clock (RFC 7323): ticks of `tsTickNs` since the start, plus a per-connection offset. */
  tsClock(offset: number): number {
    return seqAdd(Math.floor(this.now / this.config.tsTickNs), offset);
  }

  /** Takes a challenge-ACK token (RFC 5961 §7); false when over the limit. */
  challengeAllowed(): boolean {
    const now = this.now;
    const limit = this.config.challengeAckLimit;
    this.challengeTokens = Math.min(limit, this.challengeTokens + ((now - this.challengeRefill) * limit) / 1e9);
    this.challengeRefill = now;
    if (this.challengeTokens < 1) {
      this.c['tcp.challengeAcksLimited'].value++;
      return false;
    }
    this.challengeTokens -= 1;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Output

  /** Writes and sends one segment of `s` (see {@link SegmentSpec}); returns false when IP refused it. */
  send(s: TcpSocket, spec: SegmentSpec): boolean {
    let b: Uint8Array = this.tx;
    const mss = spec.segmentMss ?? 0;
    let flags = spec.flags;
    if (s.hasIrs) flags |= TCP_FLAG.ACK;
    const ack = (flags & TCP_FLAG.ACK) !== 0 ? s.rcvNxt : 0;
    const window = s.windowField((flags & TCP_FLAG.SYN) !== 0);
    let hl: number;
    if (spec.synOptions !== undefined) {
      const optBuf = b.subarray(TCP_HEADER_LEN);
      const n = emitTcpOptions(spec.synOptions, optBuf, 0);
      hl = writeTcpHeader(b, 0, s.localPort, s.remotePort, spec.seq, ack, flags, window, 0, n);
    } else {
      const sack = s.sackToSend();
      const tsLen = s.tsOk ? 12 : 0;
      const sackLen = sack === null ? 0 : 4 + 8 * sack.length;
      // built in the interface's transmit buffer when IP sends it from there (no copy in IP)
      const direct = this.ctx.payloadBuffer?.(s.remoteAddr, TCP_HEADER_LEN + tsLen + sackLen + spec.dataLen, mss) ?? null;
      if (direct !== null) b = direct;
      hl = writeTcpHeader(b, 0, s.localPort, s.remotePort, spec.seq, ack, flags, window, 0, tsLen + sackLen);
      if (tsLen > 0) writeTcpTimestamps(b, TCP_HEADER_LEN, s.tsVal(), s.tsRecent);
      if (sack !== null) {
        emitTcpOptions([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sack', blocks: sack }], b, TCP_HEADER_LEN + tsLen);
      }
    }
    if (spec.dataLen > 0) s.sndBuf.copyOut(spec.dataOffset, spec.dataLen, b, hl);
    const len = hl + spec.dataLen;
    // a packet to be segmented gets its checksums per segment, from the device or the stack's GSO
    if (mss === 0) fillTcpChecksum(b, 0, len, s.localAddr, s.remoteAddr);
    else writeU16(b, TCP_FIELD.CHECKSUM, 0);
    const out = this.out;
    out.src = s.localAddr;
    out.dst = s.remoteAddr;
    out.payload = b === this.tx ? b.subarray(0, len) : b;
    out.ttl = s.ttl;
    out.segmentMss = mss;
    this.c['tcp.outSegs'].value += mss > 0 ? Math.ceil(spec.dataLen / mss) : 1;
    if (spec.retransmit) this.c['tcp.retransSegs'].value++;
    if ((flags & TCP_FLAG.RST) !== 0) this.c['tcp.rstsSent'].value++;
    const trace = this.ctx.trace;
    if (trace.active) this.traceSegment('tx', s.localAddr, s.remoteAddr, new TcpSegment(b, 0, len), spec.retransmit, s);
    const r = this.ctx.output(out);
    return typeof r !== 'object';
  }

  /** Sends a RST answering a segment no connection takes (RFC 9293 §3.10.7.1). */
  private resetFor(d: IpDelivery, seg: TcpSegment): void {
    const flags = seg.flags;
    if ((flags & TCP_FLAG.RST) !== 0) return;
    const b = this.tx;
    let hl: number;
    if ((flags & TCP_FLAG.ACK) !== 0) hl = writeTcpHeader(b, 0, seg.dstPort, seg.srcPort, seg.ack, 0, TCP_FLAG.RST, 0);
    else hl = writeTcpHeader(b, 0, seg.dstPort, seg.srcPort, 0, seqAdd(seg.seq, seg.seqLen), TCP_FLAG.RST | TCP_FLAG.ACK, 0);
    this.sendRaw(d.dst, d.src, hl);
  }

  /** Sends a bare RST `<SEQ=seq><CTL=RST>` from a connection's addresses (an unacceptable ACK in SYN-SENT or SYN-RECEIVED). */
  sendRstTo(local: number, localPort: number, remote: number, remotePort: number, seq: number): void {
    const hl = writeTcpHeader(this.tx, 0, localPort, remotePort, seq, 0, TCP_FLAG.RST, 0);
    this.sendRaw(local, remote, hl);
  }

  private sendRaw(src: number, dst: number, len: number): void {
    const b = this.tx;
    fillTcpChecksum(b, 0, len, src, dst);
    const out = this.out;
    out.src = src;
    out.dst = dst;
    out.payload = b.subarray(0, len);
    out.ttl = undefined;
    out.segmentMss = 0;
    this.c['tcp.outSegs'].value++;
    this.c['tcp.rstsSent'].value++;
    if (this.ctx.trace.active) this.traceSegment('tx', src, dst, new TcpSegment(b, 0, len), false, undefined);
    this.ctx.output(out);
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** A segment from IP (never throws). */
  receive(d: IpDelivery): void {
    const c = this.c;
    const seg = new TcpSegment(d.payload);
    const err = seg.check();
    if (err !== undefined) return this.drop('tcp.truncated');
    if (!seg.checksumOk(d.src, d.dst, d.payloadSum)) return this.drop('tcp.badChecksum');
    if (d.broadcast || d.multicast) return this.drop('tcp.notUnicast');
    const srcPort = seg.srcPort;
    const dstPort = seg.dstPort;
    let s = this.lookup(d.dst, dstPort, d.src, srcPort);
    if (s !== undefined && s.reuseTimeWait(seg)) s = undefined;
    if (this.ctx.trace.active) this.traceSegment('rx', d.src, d.dst, seg, false, s);
    if (s !== undefined) {
      this.inBatch = d.batched;
      const outcome = s.segmentArrives(seg);
      this.inBatch = false;
      if (outcome === 'tcp.processed') c['tcp.processed'].value++;
      else if (outcome !== null) this.drop(outcome);
      return;
    }
    const l = this.listenerFor(d.dst, dstPort);
    if (l !== undefined) {
      const outcome = this.toListener(l, seg, d);
      if (outcome === 'tcp.synAccepted') c['tcp.synAccepted'].value++;
      else this.drop(outcome);
      return;
    }
    this.drop('tcp.noSocket');
    this.resetFor(d, seg);
  }

  /** Holds `s`'s acknowledgement until the receive batch ends (one ACK per batch, as with Linux's GRO). */
  deferAck(s: TcpSocket): void {
    if (!s.ackDeferred) {
      s.ackDeferred = true;
      this.deferred.push(s);
    }
  }

  /** The device's receive batch ended: the deferred acknowledgements go now. */
  rxBatchEnd(): void {
    const list = this.deferred;
    for (let i = 0; i < list.length; i++) list[i].flushAck();
    list.length = 0;
  }

  /** Counts a received segment's outcome (a drop: also a trace event). */
  drop(name: (typeof TCP_RX_OUTCOMES)[number]): void {
    this.counters.drop(name);
  }

  /** A segment for a listener (RFC 9293 §3.10.7.2). */
  private toListener(l: TcpSocket, seg: TcpSegment, d: IpDelivery): (typeof TCP_RX_OUTCOMES)[number] {
    const flags = seg.flags;
    if ((flags & TCP_FLAG.RST) !== 0) return 'tcp.listenNotSyn';
    if ((flags & TCP_FLAG.ACK) !== 0) {
      this.resetFor(d, seg);
      return 'tcp.listenNotSyn';
    }
    if ((flags & TCP_FLAG.SYN) === 0) return 'tcp.listenNotSyn';
    return l.listenerSyn(seg, d);
  }

  /** An ICMP error about a segment we sent (never throws). */
  icmpError(e: IcmpErrorInfo): void {
    const o = e.original;
    const p = o.payload;
    if (p.length < 8) return void this.c['tcp.icmpIgnored'].value++;
    const srcPort = (p[0] << 8) | p[1];
    const dstPort = (p[2] << 8) | p[3];
    const seq = ((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]) >>> 0;
    const s = this.lookup(o.src, srcPort, o.dst, dstPort);
    // RFC 5927 §4.1: the quoted sequence number must be one we sent and the peer has not acknowledged
    if (s === undefined || !(seqGe(seq, s.sndUna) && seqLt(seq, s.sndNxtMax))) return void this.c['tcp.icmpIgnored'].value++;
    this.c['tcp.icmpErrors'].value++;
    if (e.type === ICMP_TYPE.DEST_UNREACHABLE && e.code === ICMP_UNREACH.FRAG_NEEDED) s.pathMtu(e.mtu ?? 0);
    else s.icmpError(e.type, e.code);
  }

  /** Emits a `tcp.segment` trace event. */
  private traceSegment(dir: 'rx' | 'tx', src: number, dst: number, seg: TcpSegment, retransmit: boolean, s: TcpSocket | undefined): void {
    const flags = seg.flags;
    const ev: Parameters<typeof this.ctx.trace.emit<'tcp.segment'>>[2] = {
      dir,
      src: formatIpv4Addr(src),
      srcPort: seg.srcPort,
      dst: formatIpv4Addr(dst),
      dstPort: seg.dstPort,
      seq: seg.seq,
      ack: seg.ack,
      flags: tcpFlagString(flags),
      window: seg.window,
      len: seg.payload.length,
    };
    if (retransmit) ev.retransmit = true;
    const opt = s?.optionSummary(seg) ?? null;
    if (opt !== null) Object.assign(ev, opt);
    if (s !== undefined) {
      const rel = s.relative(dir, seg.seq, seg.ack, (flags & TCP_FLAG.ACK) !== 0);
      if (rel !== null) {
        ev.relSeq = rel[0];
        if (rel[1] >= 0) ev.relAck = rel[1];
      }
    }
    this.ctx.trace.emit('tcp.segment', this.ctx.hostName, ev);
  }
}

function mix(h: number, k: number): number {
  h = Math.imul(h ^ k, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h >>> 0;
}
