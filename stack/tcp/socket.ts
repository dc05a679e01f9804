/**
 * One TCP connection and its socket (the transmission control block of RFC 9293 §3.3.1 with the
 * socket calls on it). The control plane — which of the eleven states the connection is in — is
 * the pure machine of `machine.ts`; this class classifies each event, asks the machine (through
 * `tcpStep`, which remembers each answer), and performs the actions it names. Everything else is
 * plain code over sequence space:
 *
 * - receive (RFC 9293 §3.10.7.4): the acceptability test against the advertised window, RST and
 *   SYN checks with RFC 5961's challenge ACKs, the ACK checks (RFC 5961 §5), window updates,
 *   in-order data to the socket and out-of-order data held for reassembly and reported in SACK
 *   blocks (RFC 2018), FIN; delayed ACKs (RFC 1122: every second full segment — by the peer's
 *   segment size measured as it arrives — or the timer); on a device that reports receive
 *   batches, the acknowledgement and the reader's wake-up wait for the batch's end.
 * - send: Nagle (RFC 896, off with TCP_NODELAY), sender and receiver silly-window avoidance
 *   (RFC 1122), the receive window with window scaling (RFC 7323), zero-window probes from the
 *   persist timer, slow start and congestion avoidance (RFC 5681, pluggable), limited transmit
 *   (RFC 3042), fast retransmit (with RFC 5827 early retransmit) and NewReno recovery (RFC 6582)
 *   or, when SACK was negotiated, loss recovery from the SACK scoreboard (RFC 6675: IsLost, pipe,
 *   NextSeg rules 1–3, and a lost retransmission noticed from later SACKs), and the retransmission
 *   timer (RFC 6298 with Karn's rule; RTT samples from send times, or from timestamp echoes when
 *   the acknowledged data was retransmitted), go-back-N after a timeout.
 * - MSS: announced from the route's MTU (or TCP_MAXSEG), never sending more than the peer's
 *   (536 when it announced none), lowered by ICMP "fragmentation needed" (RFC 1191); a segment
 *   that carries SACK blocks carries that much less data.
 *
 * Not implemented: urgent data (URG is ignored), PAWS (timestamps are used for RTT and echoed,
 * RFC 7323 §5 rejection of old segments is not done), ECN, TCP Fast Open, SYN cookies, D-SACK,
 * RACK-TLP (a lost tail waits for the retransmission timer), receive-buffer autotuning, data
 * carried on a SYN.
 * @module
 */
import type { Errno } from '../socket/errors.js';
import { SocketError } from '../socket/errors.js';
import type { IpDelivery } from '../ip/ipv4.js';
import type { WaitQueue } from '../socket/waiter.js';
import { SOCK_STREAM, IPPROTO_TCP, type ProtoSocket, type RecvOptions, type RecvResult, type SendOptions, type SockAddr, type SocketInfo, type SocketOption } from '../socket/types.js';
import { formatIpv4Addr, isMulticastIpv4 } from '../wire/ipv4.js';
import { ICMP_TYPE } from '../wire/icmp.js';
import { TCP_FLAG, TCP_OPTION, TcpSegment, parseTcpOptions, tcpOptionsSummary, tcpSynOptions, type TcpSackBlock } from '../wire/tcp.js';
import { readU32 } from '../wire/bytes.js';
import { icmpErrno } from '../udp.js';
import { errnoNumber, intOption, refuseGet, refuseSet } from '../socket/options.js';
import type { StackTimer } from '../timers.js';
import type { Nanos } from '../../sim/time.js';
import { ReceiveQueue, Reassembly, SackScoreboard, SendBuffer, TxTimes } from './buffers.js';
import { initialWindow, type CongestionControl } from './congestion/index.js';
import { tcpStep, type TcpAction, type TcpEvent, type TcpState } from './machine.js';
import { RtoEstimator } from './rto.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax } from './seq.js';
import type { Tcp, TCP_RX_OUTCOMES } from './tcp.js';

type Outcome = (typeof TCP_RX_OUTCOMES)[number];

/** TCP-level detail of a connection, as `ss -ti` shows it. */
export interface TcpInfo {
  /** State (RFC 9293 name). */
  readonly state: TcpState;
  /** Sender MSS (payload bytes per segment). */
  readonly mss: number;
  /** MSS announced to the peer. */
  readonly advMss: number;
  /** Congestion window, bytes. */
  readonly cwnd: number;
  /** Slow-start threshold, bytes (0x7fffffff: not yet set). */
  readonly ssthresh: number;
  /** Smoothed RTT, ns. */
  readonly srttNs: number;
  /** RTT variation, ns. */
  readonly rttvarNs: number;
  /** Current RTO, ns. */
  readonly rtoNs: number;
  /** Segments retransmitted. */
  readonly retransmits: number;
  /** Consecutive retransmissions of the current data (the back-off count). */
  readonly backoff: number;
  /** Bytes the peer SACKed and we hold as received. */
  readonly sacked: number;
  /** Bytes in flight (sent, not acknowledged). */
  readonly unacked: number;
  /** Peer's receive window, bytes. */
  readonly sndWnd: number;
  /** Our advertised window, bytes. */
  readonly rcvWnd: number;
  /** Window scale shifts: ours (receive) and the peer's (send); -1 when not negotiated. */
  readonly wscale: readonly [rcv: number, snd: number];
  /** SACK, timestamps negotiated. */
  readonly sackOk: boolean;
  /** Timestamps negotiated. */
  readonly tsOk: boolean;
  /** In loss recovery. */
  readonly recovery: 'none' | 'newreno' | 'sack';
  /** Congestion control algorithm. */
  readonly congestion: string;
  /** Bytes acknowledged by the peer. */
  readonly bytesAcked: number;
  /** Bytes received in order. */
  readonly bytesReceived: number;
}

const EMPTY = new Uint8Array(0);
const SYNCHRONIZED: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT']);
const CAN_SEND: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'CLOSE-WAIT', 'FIN-WAIT-1', 'CLOSING', 'LAST-ACK']);
const RECEIVES_DATA: ReadonlySet<TcpState> = new Set(['ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2']);

/** A TCP socket: a connection, a listener, or not yet either (see the module comment). */
export class TcpSocket implements ProtoSocket {
  /** SOCK_STREAM. */
  readonly type = SOCK_STREAM;
  /** 6. */
  readonly protocol = IPPROTO_TCP;
  /** Connection state. */
  state: TcpState = 'CLOSED';
  /** Local address (0 until bound or connected). */
  localAddr = 0;
  /** Local port (0 until bound). */
  localPort = 0;
  /** Peer address. */
  remoteAddr = 0;
  /** Peer port. */
  remotePort = 0;
  /** Name in traces. */
  name = '';

  // options
  /** SO_RCVBUF. */
  rcvbuf: number;
  /** SO_SNDBUF. */
  sndbuf: number;
  /** TCP_NODELAY. */
  nodelay = false;
  /** SO_KEEPALIVE. */
  keepalive = false;
  /** SO_LINGER seconds (-1: off). */
  linger = -1;
  /** SO_REUSEADDR. */
  reuseAddr = false;
  /** TCP_MAXSEG (0: from the route). */
  userMss = 0;
  /** IP_TTL (undefined: the host's). */
  ttl: number | undefined = undefined;
  /** TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT overrides. */
  keepIdleNs: number;
  /** Keepalive interval, ns. */
  keepIntvlNs: number;
  /** Keepalive probes. */
  keepCnt: number;

  // send sequence space
  /** Initial send sequence number. */
  iss = 0;
  /** Oldest unacknowledged sequence number. */
  sndUna = 0;
  /** Next sequence number to send (pulled back to SND.UNA after a timeout). */
  sndNxt = 0;
  /** Highest sequence number sent + 1. */
  sndNxtMax = 0;
  /** Peer's window, bytes (scaled). */
  sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  /** Unacknowledged and unsent bytes. */
  readonly sndBuf: SendBuffer;
  /** Sequence number of the first byte in `sndBuf`. */
  private sndBufSeq = 0;
  private finQueued = false;
  private finSeq = 0;

  // receive sequence space
  /** Initial receive sequence number. */
  irs = 0;
  /** Next sequence number expected. */
  rcvNxt = 0;
  /** A SYN was received (ACKs carry RCV.NXT). */
  hasIrs = false;
  private rcvAdvEdge = 0;
  private readonly rcvQueue = new ReceiveQueue();
  private readonly reasm = new Reassembly();
  private finRcvd = false;
  private peerFinSeq = -1;

  // negotiated
  /** Sender MSS (payload per segment, options excluded). */
  mss = 536;
  /** MSS we announced. */
  advMss = 536;
  private peerMss = 536;
  /** The largest datagram the route's device segments (TSO), 0 when it does not: new data then leaves in packets of several MSS. */
  private tsoMax = 0;
  private sndScale = 0;
  private rcvScale = 0;
  private wsOk = false;
  /** SACK negotiated. */
  sackOk = false;
  /** Timestamps negotiated. */
  tsOk = false;
  /** TS.Recent (RFC 7323). */
  tsRecent = 0;
  private tsOffset = 0;
  private lastAckSent = 0;

  // timers and estimators
  private readonly rto: RtoEstimator;
  private readonly txTimes = new TxTimes();
  private rtxTimer: StackTimer | null = null;
  private rtxDeadline = -1;
  private rtxCount = 0;
  private delackTimer: StackTimer | null = null;
  private persistTimer: StackTimer | null = null;
  private persistBackoff = 0;
  private kaTimer: StackTimer | null = null;
  private kaProbes = 0;
  private stateTimer: StackTimer | null = null;
  private lastRecv = 0;
  private lastConfirm = -1e18;
  private ackNow = false;
  /** An acknowledgement (or a reader's wake-up) waits for the end of the device's receive batch. */
  ackDeferred = false;
  private readPending = false;
  private pendingAckBytes = 0;
  /** Estimate of the peer's segment size (for "every second full segment"). */
  private rcvMss = 536;

  // congestion and recovery
  /** Congestion control. */
  cc: CongestionControl | null = null;
  private dupAcks = 0;
  private recovery: 'none' | 'newreno' | 'sack' = 'none';
  private recover = 0;
  private readonly board = new SackScoreboard();
  private highRxt = 0;
  /** SND.MAX when the first hole was last retransmitted (-1: not in this recovery). */
  private rxtMark = -1;
  private limitedTransmit = 0;

  // the socket
  private passive = false;
  /** The listener a passively opened connection came from (until accepted). */
  parent: TcpSocket | null = null;
  private backlog = 0;
  private readonly synQ = new Set<TcpSocket>();
  private readonly acceptQ: TcpSocket[] = [];
  private readonly readers: WaitQueue;
  private readonly writers: WaitQueue;
  private readonly connectors: WaitQueue;
  private error: Errno | null = null;
  private softError: Errno | null = null;
  private shutRd = false;
  private shutWr = false;
  private closePending = false;
  private appClosed = false;
  private everConnected = false;
  private bound = false;
  private inTable = false;

  // statistics
  /** Segments retransmitted by this connection. */
  retransmits = 0;
  private bytesAcked = 0;
  private bytesReceived = 0;

  /** A new, unbound socket of `tcp`. */
  constructor(private readonly tcp: Tcp) {
    const cfg = tcp.config;
    this.rcvbuf = cfg.rcvbuf;
    this.sndbuf = cfg.sndbuf;
    this.sndBuf = new SendBuffer(cfg.sndbuf);
    this.keepIdleNs = cfg.keepaliveIdleNs;
    this.keepIntvlNs = cfg.keepaliveIntervalNs;
    this.keepCnt = cfg.keepaliveProbes;
    this.rto = new RtoEstimator(cfg.rto);
    this.readers = tcp.ctx.waitQueue();
    this.writers = tcp.ctx.waitQueue();
    this.connectors = tcp.ctx.waitQueue();
  }

  // ===========================================================================================
  // The control plane

  /** Sends `type` to the state machine and performs the actions it returns. */
  private ctl(type: TcpEvent['type']): void {
    const step = tcpStep(this.state, type, this.passive);
    const from = this.state;
    this.state = step.to;
    const actions = step.actions;
    const trace = this.tcp.ctx.trace;
    if (trace.active && from !== this.state) trace.emit('state', this.name || this.tcp.ctx.hostName, { machine: 'tcp', from, to: this.state, event: type });
    for (const a of actions) this.perform(a);
    if (from !== this.state) this.connectors.notify(); // connect and a lingering close wait on states
  }

  private perform(a: TcpAction): void {
    switch (a) {
      case 'sendSyn':
        this.sendSyn(false);
        return;
      case 'sendSynAck':
        this.sendSyn(true);
        return;
      case 'sendFin':
        this.finQueued = true;
        this.finSeq = seqAdd(this.sndBufSeq, this.sndBuf.length);
        this.output();
        return;
      case 'sendRst':
        this.tcp.send(this, { seq: this.sndNxt, flags: TCP_FLAG.RST | TCP_FLAG.ACK, dataOffset: 0, dataLen: 0, retransmit: false });
        if (this.everConnected) this.tcp.c['tcp.estabResets'].value++;
        return;
      case 'established':
        return this.onEstablished();
      case 'peerClosed':
        this.finRcvd = true;
        this.readers.notify();
        return;
      case 'startTimeWait':
        this.cancelTimers();
        this.stateTimer = this.tcp.ctx.timers.after(2 * this.tcp.config.mslNs, () => {
          this.stateTimer = null;
          this.traceEvent('time-wait-end', `2·MSL (${(2 * this.tcp.config.mslNs) / 1e9} s) over: the connection is deleted`);
          this.ctl('TIMEOUT');
        });
        return;
      case 'refused':
        this.fail('ECONNREFUSED');
        this.tcp.c['tcp.attemptFails'].value++;
        return;
      case 'reset':
        this.fail('ECONNRESET');
        this.tcp.c['tcp.estabResets'].value++;
        return;
      case 'timedOut':
        if (!this.everConnected) this.tcp.c['tcp.attemptFails'].value++;
        this.tcp.c['tcp.timeouts'].value++;
        this.fail(this.softError ?? 'ETIMEDOUT');
        return;
      case 'backToListen':
        this.deleteTcb();
        return;
      case 'deleteTcb':
        this.deleteTcb();
        return;
    }
  }

  /** Records a hard error and releases every blocked call so it sees it. */
  private fail(errno: Errno): void {
    if (!this.appClosed) this.error = errno;
    this.readers.notify();
    this.writers.notify();
    this.connectors.notify();
  }

  private onEstablished(): void {
    this.everConnected = true;
    const cfg = this.tcp.config;
    this.cc ??= cfg.congestion(this.mss, initialWindow(this.mss, cfg.iw10));
    if (this.passive) this.tcp.c['tcp.passiveOpens'].value++;
    const p = this.parent;
    if (p !== null) {
      p.synQ.delete(this);
      p.acceptQ.push(this);
      p.connectors.notify();
    }
    this.armKeepalive();
    this.connectors.notify();
    this.writers.notify();
    if (this.closePending) {
      this.closePending = false;
      this.ctl('CLOSE');
    }
  }

  private deleteTcb(): void {
    this.cancelTimers();
    if (this.inTable) {
      this.tcp.removeConnection(this);
      this.inTable = false;
    }
    const p = this.parent;
    if (p !== null) {
      p.synQ.delete(this);
      const i = p.acceptQ.indexOf(this);
      if (i >= 0) p.acceptQ.splice(i, 1);
      this.parent = null;
      this.appClosed = true; // nobody will ever hold it
    }
    this.sndBuf.clear();
    this.reasm.clear();
    this.board.clear();
    this.txTimes.clear();
    if (this.appClosed && this.bound) {
      this.tcp.unbind(this);
      this.bound = false;
    }
    this.readers.notify();
    this.writers.notify();
    this.connectors.notify();
  }

  private cancelTimers(): void {
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
    this.rtxDeadline = -1;
    this.delackTimer?.cancel();
    this.delackTimer = null;
    this.persistTimer?.cancel();
    this.persistTimer = null;
    this.kaTimer?.cancel();
    this.kaTimer = null;
    this.stateTimer?.cancel();
    this.stateTimer = null;
  }

  // ===========================================================================================
  // Opening

  /** Sets up the addresses, MSS, ISS and the connection-table entry of a new connection. */
  private prepare(local: number, remote: number, remotePort: number, mtu: number, tsoMaxSize: number): void {
    this.localAddr = local;
    this.tsoMax = tsoMaxSize;
    this.remoteAddr = remote;
    this.remotePort = remotePort;
    this.name = this.tcp.connName(this) + `→${formatIpv4Addr(remote)}:${remotePort}`;
    let adv = Math.max(88, mtu - 40);
    if (this.userMss > 0) adv = Math.min(adv, this.userMss);
    this.advMss = adv;
    this.mss = Math.min(adv, 536);
    this.iss = this.tcp.isn(local, this.localPort, remote, remotePort);
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndNxtMax = this.iss;
    this.sndBufSeq = seqAdd(this.iss, 1);
    this.sndBuf.capacity = this.sndbuf;
    const cfg = this.tcp.config;
    if (cfg.windowScaling) {
      let s = 0;
      while (s < 14 && Math.max(this.rcvbuf, 6 * 1024 * 1024) >>> s > 65535) s++;
      this.rcvScale = s;
    }
    this.tsOffset = this.tcp.random32();
    this.tcp.addConnection(this);
    this.inTable = true;
  }

  private sendSyn(ack: boolean): void {
    const cfg = this.tcp.config;
    const offerTs = ack ? this.tsOk : cfg.timestamps;
    const offerSack = ack ? this.sackOk : cfg.sack;
    const offerWs = ack ? this.wsOk : cfg.windowScaling;
    const opts = tcpSynOptions({
      mss: this.advMss,
      sackPermitted: offerSack,
      timestamps: offerTs ? { tsVal: this.tsVal(), tsEcr: ack ? this.tsRecent : 0 } : undefined,
      wscale: offerWs ? this.rcvScale : undefined,
    });
    const retransmit = seqGt(this.sndNxtMax, this.iss);
    this.tcp.send(this, { seq: this.iss, flags: TCP_FLAG.SYN, dataOffset: 0, dataLen: 0, synOptions: opts, retransmit });
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndNxtMax = this.sndNxt;
    this.lastAckSent = this.rcvNxt;
    if (!retransmit) this.txTimes.push(this.sndNxt, this.tcp.now);
    this.armRtx();
  }

  /** A SYN reached this listener: creates the connection in SYN-RECEIVED (the listener's half of RFC 9293 §3.10.7.2). */
  listenerSyn(seg: TcpSegment, d: IpDelivery): Outcome {
    if (this.acceptQ.length >= this.backlog) return 'tcp.listenOverflow';
    if (this.synQ.size >= Math.min(Math.max(this.backlog, 1), this.tcp.config.maxSynBacklog)) return 'tcp.synQueueFull';
    const route = this.tcp.ctx.route(d.src, d.dst);
    if (route === undefined) return 'tcp.noSocket';
    const child = new TcpSocket(this.tcp);
    child.copyOptionsFrom(this);
    child.localPort = this.localPort;
    child.bound = true;
    this.tcp.bindChild(child);
    child.parent = this;
    child.passive = true;
    child.prepare(d.dst, d.src, seg.srcPort, route.mtu, route.tsoMaxSize);
    child.takeSyn(seg);
    this.synQ.add(child);
    child.ctl('LISTEN');
    child.ctl('RCV_SYN');
    return 'tcp.synAccepted';
  }

  /** Copies the socket options a child inherits from its listener. */
  private copyOptionsFrom(l: TcpSocket): void {
    this.rcvbuf = l.rcvbuf;
    this.sndbuf = l.sndbuf;
    this.nodelay = l.nodelay;
    this.keepalive = l.keepalive;
    this.linger = l.linger;
    this.userMss = l.userMss;
    this.ttl = l.ttl;
    this.keepIdleNs = l.keepIdleNs;
    this.keepIntvlNs = l.keepIntvlNs;
    this.keepCnt = l.keepCnt;
  }

  /** Takes the peer's SYN: IRS, RCV.NXT, its window and options (RFC 9293 §3.10.7.2/3). */
  private takeSyn(seg: TcpSegment): void {
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.hasIrs = true;
    this.rcvAdvEdge = seqAdd(this.rcvNxt, Math.min(this.rcvbuf, 65535));
    const cfg = this.tcp.config;
    const raw = seg.optionBytes;
    const parsed = raw.length === 0 ? [] : parseTcpOptions(raw);
    const o = Array.isArray(parsed) ? tcpOptionsSummary(parsed) : { sackPermitted: false };
    this.peerMss = o.mss !== undefined && o.mss > 0 ? o.mss : 536;
    this.tsOk = cfg.timestamps && o.tsVal !== undefined;
    if (this.tsOk) this.tsRecent = o.tsVal!;
    this.sackOk = cfg.sack && o.sackPermitted;
    this.wsOk = cfg.windowScaling && o.wscale !== undefined;
    this.sndScale = this.wsOk ? Math.min(o.wscale!, 14) : 0;
    if (!this.wsOk) this.rcvScale = 0;
    this.mss = Math.max(1, Math.min(this.peerMss, this.advMss) - (this.tsOk ? 12 : 0));
    this.sndWnd = seg.window; // never scaled in a SYN
    this.maxSndWnd = this.sndWnd;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
  }

  // ===========================================================================================
  // Segment arrival (RFC 9293 §3.10.7.3 and §3.10.7.4)

  /** Processes a segment for this connection; returns where it is counted. Never throws. */
  segmentArrives(seg: TcpSegment): Outcome {
    this.lastRecv = this.tcp.now;
    this.kaProbes = 0;
    if (this.state === 'SYN-SENT') return this.synSentArrives(seg);
    if (this.state === 'CLOSED' || this.state === 'LISTEN') return 'tcp.noSocket';
    const flags = seg.flags;
    const seq = seg.seq;
    let payload = seg.payload;
    const segLen = seg.seqLen;
    this.readTimestamps(seg);
    // 1. acceptability
    const wnd = Math.max(0, seqDiff(this.rcvAdvEdge, this.rcvNxt));
    const rn = this.rcvNxt;
    let ok: boolean;
    if (segLen === 0) ok = wnd === 0 ? seq === rn : seqInRange(seq, rn, seqAdd(rn, wnd));
    else ok = wnd !== 0 && (seqInRange(seq, rn, seqAdd(rn, wnd)) || seqInRange(seqAdd(seq, segLen - 1), rn, seqAdd(rn, wnd)));
    if (!ok) {
      if (this.state === 'TIME-WAIT' && (flags & TCP_FLAG.FIN) !== 0 && (flags & (TCP_FLAG.RST | TCP_FLAG.SYN)) === 0) {
        this.sendAck(); // the peer's FIN again: our last ACK was lost
        this.ctl('RCV_FIN');
        return 'tcp.processed';
      }
      if (this.state === 'SYN-RECEIVED' && (flags & (TCP_FLAG.SYN | TCP_FLAG.ACK | TCP_FLAG.RST)) === TCP_FLAG.SYN && seq === this.irs) {
        this.sendSyn(true); // the peer's SYN again: our SYN-ACK was lost
        this.tcp.c['tcp.synRetransmits'].value++;
        return 'tcp.processed';
      }
      if ((flags & TCP_FLAG.RST) === 0) {
        if (this.state === 'TIME-WAIT' && (flags & TCP_FLAG.SYN) !== 0) return 'tcp.outOfWindow';
        this.sendAck();
      }
      return 'tcp.outOfWindow';
    }
    // 2. RST (RFC 5961 §3.2)
    if ((flags & TCP_FLAG.RST) !== 0) {
      if (seq !== rn) {
        this.challengeAck();
        return 'tcp.challengeAck';
      }
      this.ctl('RCV_RST');
      return 'tcp.rstAccepted';
    }
    // 4. SYN (RFC 5961 §4): in any synchronized state a challenge ACK, never a reset
    if ((flags & TCP_FLAG.SYN) !== 0) {
      this.challengeAck();
      return 'tcp.challengeAck';
    }
    // 5. ACK
    if ((flags & TCP_FLAG.ACK) === 0) return 'tcp.noAck';
    const ack = seg.ack;
    if (this.state === 'SYN-RECEIVED') {
      if (!(seqLt(this.sndUna, ack) && seqLe(ack, this.sndNxtMax))) {
        this.tcp.sendRstTo(this.localAddr, this.localPort, this.remoteAddr, this.remotePort, ack);
        return 'tcp.badAck';
      }
      const p = this.parent;
      if (p !== null && p.acceptQ.length >= p.backlog) return 'tcp.listenOverflow';
      this.sndUna = seqAdd(this.iss, 1);
      this.rttFromAck(ack);
      this.rtxCount = 0;
      this.stopRtx();
      this.sndWnd = seg.window << this.sndScale;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seq;
      this.sndWl2 = ack;
      this.ctl('ACK_OF_SYN');
      if ((this.state as TcpState) !== 'ESTABLISHED') return 'tcp.processed';
    } else {
      const r = this.processAck(seg, ack, segLen);
      if (r !== null) return r;
      if ((this.state as TcpState) === 'CLOSED') return 'tcp.processed';
    }
    if (this.state === 'TIME-WAIT') {
      if ((flags & TCP_FLAG.FIN) !== 0) {
        this.sendAck();
        this.ctl('RCV_FIN'); // restart the 2·MSL wait
      }
      return 'tcp.processed';
    }
    // 7. text
    let s = seq;
    let fin = (flags & TCP_FLAG.FIN) !== 0;
    if (seqLt(s, this.rcvNxt)) {
      const cut = seqDiff(this.rcvNxt, s);
      if (cut >= payload.length) {
        payload = EMPTY;
        if (fin && seqLt(seqAdd(seq, payload.length), this.rcvNxt)) fin = false; // the FIN is old too
      } else payload = payload.subarray(cut);
      s = this.rcvNxt;
    }
    const room = Math.max(0, seqDiff(this.rcvAdvEdge, s));
    if (payload.length > room) {
      payload = payload.subarray(0, room);
      fin = false;
      this.tcp.c['tcp.dataBeyondWindow'].value++;
    }
    if (payload.length > 0 && this.appClosed && (this.state === 'FIN-WAIT-1' || this.state === 'FIN-WAIT-2')) {
      // nobody will ever read it: the socket was closed (Linux answers with RST, RFC 2525 §2.17)
      this.tcp.c['tcp.dataAfterClose'].value++;
      this.ctl('ABORT');
      return 'tcp.processed';
    }
    if (payload.length > 0 || fin) {
      // data after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK) is ignored, RFC 9293
      if (RECEIVES_DATA.has(this.state)) this.receiveData(s, payload, fin);
    }
    this.output();
    return 'tcp.processed';
  }

  /** SYN-SENT (RFC 9293 §3.10.7.3). */
  private synSentArrives(seg: TcpSegment): Outcome {
    const flags = seg.flags;
    const hasAck = (flags & TCP_FLAG.ACK) !== 0;
    const ack = seg.ack;
    if (hasAck && (seqLe(ack, this.iss) || seqGt(ack, this.sndNxtMax))) {
      if ((flags & TCP_FLAG.RST) === 0) this.tcp.sendRstTo(this.localAddr, this.localPort, this.remoteAddr, this.remotePort, ack);
      return 'tcp.badAck';
    }
    if ((flags & TCP_FLAG.RST) !== 0) {
      if (!hasAck) return 'tcp.badAck'; // RFC 5961 §3.2: a RST without an acceptable ACK is ignored
      this.ctl('RCV_RST');
      return 'tcp.rstAccepted';
    }
    if ((flags & TCP_FLAG.SYN) === 0) return 'tcp.noAck';
    this.takeSyn(seg);
    if (hasAck) {
      this.sndUna = ack;
      this.rttFromAck(ack);
      this.rtxCount = 0;
      this.stopRtx();
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      this.ackNow = true;
      this.ctl('RCV_SYN_ACK');
      this.output();
      return 'tcp.processed';
    }
    // simultaneous open
    this.ctl('RCV_SYN');
    return 'tcp.processed';
  }

  /** Step 5 for synchronized states; returns an outcome when the segment is dropped here. */
  private processAck(seg: TcpSegment, ack: number, segLen: number): Outcome | null {
    const una = this.sndUna;
    if (seqGt(ack, this.sndNxtMax)) {
      this.sendAck();
      return 'tcp.badAck';
    }
    if (seqLt(ack, seqAdd(una, -this.maxSndWnd))) {
      this.sendAck(); // RFC 5961 §5: blind data injection
      return 'tcp.badAck';
    }
    const win = seg.window << this.sndScale;
    const flight = seqDiff(this.sndNxtMax, una);
    if (seqGt(ack, una)) this.newAck(ack, flight);
    else if (ack === una && segLen === 0 && win === this.sndWnd && flight > 0 && (seg.flags & (TCP_FLAG.SYN | TCP_FLAG.FIN)) === 0) this.dupAck(seg);
    if (this.sackOk) {
      this.takeSack(seg);
      if (this.recovery === 'sack') this.detectLostRetransmit();
    }
    // window update (RFC 9293 §3.10.7.4, SND.WL1/WL2)
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
      const opened = win > this.sndWnd;
      this.sndWnd = win;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      if (win > this.maxSndWnd) this.maxSndWnd = win;
      if (opened) {
        this.persistTimer?.cancel();
        this.persistTimer = null;
        this.persistBackoff = 0;
      }
    }
    if (this.finQueued && seqGt(ack, this.finSeq) && (this.state === 'FIN-WAIT-1' || this.state === 'CLOSING' || this.state === 'LAST-ACK')) {
      this.ctl('ACK_OF_FIN');
      if ((this.state as TcpState) === 'FIN-WAIT-2' && this.appClosed) this.armFinWait2();
    }
    return null;
  }

  /** An ACK of new data (RFC 5681, RFC 6582, RFC 6298). */
  private newAck(ack: number, flight: number): void {
    const acked = seqDiff(ack, this.sndUna);
    const dataEnd = seqAdd(this.sndBufSeq, this.sndBuf.length);
    const dataAcked = Math.min(acked, Math.max(0, seqDiff(seqLe(ack, dataEnd) ? ack : dataEnd, this.sndBufSeq)));
    this.sndBuf.consume(dataAcked);
    this.sndBufSeq = seqAdd(this.sndBufSeq, dataAcked);
    this.bytesAcked += dataAcked;
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    this.rttFromAck(ack);
    this.rtxCount = 0;
    this.board.advance(ack);
    const cc = this.cc;
    if (this.recovery !== 'none') {
      if (seqGe(ack, this.recover)) {
        // RFC 6582 §3.2 step 3 (full ACK), option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS)
        if (cc !== null) cc.cwnd = this.recovery === 'newreno' ? Math.min(cc.ssthresh, Math.max(seqDiff(this.sndNxtMax, ack), this.mss) + this.mss) : cc.ssthresh;
        this.traceEvent('recovery-exit', `all data up to ${this.rel(this.recover)} acknowledged: recovery ends, cwnd ${cc?.cwnd ?? 0}`);
        this.recovery = 'none';
      } else if (this.recovery === 'newreno' && cc !== null) {
        // partial ACK (RFC 6582 §3.2 step 3)
        this.retransmitHead();
        cc.cwnd = Math.max(this.mss, cc.cwnd - acked + (acked >= this.mss ? this.mss : 0));
      }
    } else if (cc !== null) cc.onAck(acked, flight, this.tcp.now, this.rto.srtt);
    this.dupAcks = 0;
    this.limitedTransmit = 0;
    if (seqDiff(this.sndNxtMax, this.sndUna) > 0) this.armRtx(true);
    else this.stopRtx();
    const now = this.tcp.now;
    if (now - this.lastConfirm >= 1_000_000_000) {
      this.lastConfirm = now;
      this.tcp.ctx.confirmReachable(this.remoteAddr);
    }
    this.writers.notify();
  }

  /** A duplicate ACK (RFC 5681 §3.2, RFC 3042, RFC 6582, RFC 6675). */
  private dupAck(seg: TcpSegment): void {
    this.dupAcks++;
    this.tcp.c['tcp.dupAcks'].value++;
    const cc = this.cc;
    if (cc === null) return;
    if (this.sackOk) this.takeSack(seg);
    if (this.recovery === 'newreno') {
      cc.cwnd += this.mss; // inflation
      return;
    }
    if (this.recovery === 'sack') return;
    const lost = this.sackOk ? this.board.sackedAbove(this.sndUna) > 2 * this.mss : false;
    // RFC 5827 early retransmit: with fewer than four segments out and nothing new to send,
    // three duplicate ACKs can never come; the threshold is one less than the segments out
    const flightSegs = Math.ceil(seqDiff(this.sndNxtMax, this.sndUna) / this.mss);
    const unsent = seqDiff(seqAdd(this.sndBufSeq, this.sndBuf.length), this.sndNxtMax) > 0;
    const thresh = !unsent && flightSegs < 4 ? Math.max(1, flightSegs - 1) : 3;
    if (this.dupAcks >= thresh || lost) {
      if (!this.sackOk && !seqGt(seg.ack, this.recover) && this.recover !== 0 && seqGt(this.recover, this.sndUna)) return; // RFC 6582 §3.2 step 2
      const flight = seqDiff(this.sndNxtMax, this.sndUna);
      cc.onLoss(flight, this.tcp.now);
      this.recover = this.sndNxtMax;
      this.limitedTransmit = 0;
      this.tcp.c['tcp.fastRetransmits'].value++;
      if (this.sackOk) {
        this.recovery = 'sack';
        this.highRxt = this.sndUna;
        cc.cwnd = cc.ssthresh;
        this.tcp.c['tcp.sackRecoveries'].value++;
        this.traceEvent('sack-recovery', `${this.dupAcks} duplicate ACKs, ${this.board.sacked} bytes SACKed: retransmitting the holes, ssthresh ${cc.ssthresh}`);
        // RFC 6675 §5 (4.3): the first segment presumed dropped goes at once
        this.rxtMark = this.sndNxtMax;
        this.retransmitHead();
        this.highRxt = seqAdd(this.sndUna, Math.min(this.segMss(), Math.max(1, seqDiff(this.board.nextSacked(this.sndUna, this.sndNxtMax), this.sndUna))));
      } else {
        this.recovery = 'newreno';
        cc.cwnd = cc.ssthresh + 3 * this.mss;
        this.tcp.c['tcp.newRenoRecoveries'].value++;
        this.traceEvent('fast-retransmit', `3 duplicate ACKs for ${this.rel(this.sndUna)}: fast retransmit, ssthresh ${cc.ssthresh}, cwnd ${cc.cwnd}`);
        this.retransmitHead();
      }
    } else this.limitedTransmit = this.dupAcks; // RFC 3042
  }

  /**
   * A retransmission of the first hole is lost when more than 2·MSS of data sent after it has
   * been SACKed while the hole is still there (Linux's lost-retransmit detection; RFC 6675 alone
   * would wait for the RTO): the holes may be retransmitted again.
   */
  private detectLostRetransmit(): void {
    if (this.rxtMark < 0 || !seqGt(this.highRxt, this.sndUna)) return;
    if (this.board.sackedAbove(this.rxtMark) <= 2 * this.mss) return;
    this.tcp.c['tcp.lostRetransmits'].value++;
    this.traceEvent('sack-recovery', `the retransmission of ${this.rel(this.sndUna)} was lost too (later data is SACKed): sending it again`);
    this.highRxt = this.sndUna;
    this.rxtMark = -1;
  }

  /** Merges the segment's SACK blocks into the scoreboard (blocks outside what we sent are ignored). */
  private takeSack(seg: TcpSegment): void {
    const raw = seg.optionBytes;
    if (raw.length < 10) return;
    for (let i = 0; i + 1 < raw.length; ) {
      const kind = raw[i];
      if (kind === TCP_OPTION.EOL) break;
      if (kind === TCP_OPTION.NOP) {
        i++;
        continue;
      }
      const len = raw[i + 1];
      if (len < 2 || i + len > raw.length) break;
      if (kind === TCP_OPTION.SACK && (len - 2) % 8 === 0) {
        for (let b = i + 2; b + 8 <= i + len; b += 8) {
          const l = readU32(raw, b);
          const r = readU32(raw, b + 4);
          if (seqGe(l, this.sndUna) && seqLt(l, r) && seqLe(r, this.sndNxtMax)) this.board.add(l, r);
        }
      }
      i += len;
    }
  }

  /** RTT from the send time of the newest acknowledged segment, or from the timestamp echo when it was retransmitted. */
  private rttFromAck(ack: number): void {
    const t = this.txTimes.ack(ack);
    let sample = -1;
    let source: 'timed' | 'timestamp' = 'timed';
    if (t >= 0) sample = this.tcp.now - t;
    else if (this.tsOk && this.rxTsEcr !== 0) {
      // a round trip shorter than one tick of the timestamp clock says nothing: no sample
      const ticks = seqDiff(this.tcp.tsClock(this.tsOffset), this.rxTsEcr);
      sample = ticks > 0 ? ticks * this.tcp.config.tsTickNs : -1;
      source = 'timestamp';
    }
    if (sample < 0) {
      if (this.rto.backoffs > 0) this.rto.rto = this.rto.base();
      return;
    }
    this.rto.sample(sample);
    const trace = this.tcp.ctx.trace;
    if (trace.active) trace.emit('tcp.rtt', this.tcp.ctx.hostName, { conn: this.name, sampleNs: sample, srttNs: Math.round(this.rto.srtt), rttvarNs: Math.round(this.rto.rttvar), rtoNs: this.rto.rto, via: source });
  }

  private rxTsVal = 0;
  private rxTsEcr = 0;
  private rxHasTs = false;

  /** Reads the timestamps option (fast path for Linux's NOP NOP TS layout) and updates TS.Recent (RFC 7323 §4.3). */
  private readTimestamps(seg: TcpSegment): void {
    this.rxHasTs = false;
    if (!this.tsOk) return;
    const raw = seg.optionBytes;
    if (raw.length === 0) return;
    if (raw.length >= 12 && raw[0] === TCP_OPTION.NOP && raw[1] === TCP_OPTION.NOP && raw[2] === TCP_OPTION.TIMESTAMPS && raw[3] === 10) {
      this.rxTsVal = readU32(raw, 4);
      this.rxTsEcr = readU32(raw, 8);
      this.rxHasTs = true;
    } else {
      const p = parseTcpOptions(raw);
      if (!Array.isArray(p)) return;
      const o = tcpOptionsSummary(p);
      if (o.tsVal === undefined) return;
      this.rxTsVal = o.tsVal;
      this.rxTsEcr = o.tsEcr!;
      this.rxHasTs = true;
    }
    if (this.rxHasTs && seqLe(seg.seq, this.lastAckSent)) this.tsRecent = this.rxTsVal;
  }

  /** In-window data at `seq` (trimmed to the window), with the FIN flag. */
  private receiveData(seq: number, payload: Uint8Array, fin: boolean): void {
    const n = payload.length;
    if (fin) this.peerFinSeq = seqAdd(seq, n);
    if (n > 0) {
      if (seq === this.rcvNxt) {
        const hadHoles = this.reasm.count > 0;
        this.rcvQueue.push(payload);
        this.rcvNxt = seqAdd(this.rcvNxt, n);
        this.bytesReceived += n;
        if (hadHoles) {
          this.reasm.pull(this.rcvNxt, (piece) => {
            this.rcvQueue.push(piece);
            this.rcvNxt = seqAdd(this.rcvNxt, piece.length);
            this.bytesReceived += piece.length;
          });
          this.ackNow = true; // a hole filled: ACK at once (RFC 5681 §4.2)
        }
        this.pendingAckBytes += n;
        // the peer's segment size, estimated from what arrives (Linux's rcv_mss): more than one
        // full segment unacknowledged — every second full segment — is acknowledged at once
        if (n >= this.rcvMss) this.rcvMss = Math.min(n, this.advMss);
        if (this.pendingAckBytes > this.rcvMss) this.ackNow = true;
        // within a device's receive batch the reader is woken once, at the batch's end
        if (this.tcp.inBatch) {
          this.readPending = true;
          this.tcp.deferAck(this);
        } else this.readers.notify();
      } else {
        this.reasm.add(seq, payload);
        this.tcp.c['tcp.oooSegments'].value++;
        this.ackNow = true; // out of order: duplicate ACK at once, with SACK blocks
      }
    }
    if (this.peerFinSeq >= 0 && this.peerFinSeq === this.rcvNxt && !this.finRcvd) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.ackNow = true;
      this.ctl('RCV_FIN');
    }
    if (!this.ackNow && this.pendingAckBytes > 0) this.armDelack();
  }

  // ===========================================================================================
  // Output

  /** Sends what the windows, Nagle and recovery allow, then a pure ACK when one is owed. */
  private output(force = false): void {
    if (this.cc === null && CAN_SEND.has(this.state)) this.cc = this.tcp.config.congestion(this.mss, initialWindow(this.mss, this.tcp.config.iw10));
    const cc = this.cc;
    if (cc !== null && CAN_SEND.has(this.state)) {
      let sent = 0;
      for (let guard = 0; guard < 4096; guard++) {
        if (!this.sendOne(cc, force && sent === 0)) break;
        sent++;
      }
      if (sent > 0) this.armRtx();
      this.maybePersist();
    }
    if (this.ackNow) {
      if (this.tcp.inBatch) this.tcp.deferAck(this);
      else this.sendAck();
    }
  }

  /** The receive batch ended: wake the reader once and send the acknowledgement still owed. */
  flushAck(): void {
    this.ackDeferred = false;
    if (this.readPending) {
      this.readPending = false;
      this.readers.notify();
    }
    if (this.ackNow && this.hasIrs && this.state !== 'CLOSED') this.sendAck();
  }

  /**
   * The payload that fits one segment now: the MSS less the SACK blocks this segment will carry
   * (Linux's current MSS), so that a data segment with SACK still fits the MTU.
   */
  private segMss(): number {
    const n = this.sackOk ? Math.min(this.reasm.count, this.tsOk ? 3 : 4) : 0;
    return n === 0 ? this.mss : Math.max(1, this.mss - 4 - 8 * n);
  }

  /** Sends one segment if allowed; false when nothing (more) may be sent now. */
  private sendOne(cc: CongestionControl, force: boolean): boolean {
    const mss = this.segMss();
    const una = this.sndUna;
    // SACK recovery (RFC 6675 §5): retransmit lost holes first, within cwnd − pipe
    if (this.recovery === 'sack') {
      if (cc.cwnd - this.pipe() < mss) return false;
      const hole = this.nextLostHole();
      if (hole !== null) {
        if (hole[0] === this.sndUna) this.rxtMark = this.sndNxtMax;
        this.sendData(hole[0], hole[1], false, true);
        this.highRxt = seqAdd(hole[0], hole[1]);
        return true;
      }
    }
    const nxt = this.sndNxt;
    // skip what the peer SACKed when going back after a timeout
    if (seqLt(nxt, this.sndNxtMax)) {
      const end = this.board.sackedEnd(nxt);
      if (end >= 0) {
        this.sndNxt = seqLe(end, this.sndNxtMax) ? end : this.sndNxtMax;
        return true;
      }
    }
    const bufEnd = seqAdd(this.sndBufSeq, this.sndBuf.length);
    const avail = Math.max(0, seqDiff(bufEnd, nxt));
    const finPending = this.finQueued && seqLe(nxt, this.finSeq);
    if (avail === 0 && !finPending) return false;
    const inFlight = seqDiff(nxt, una);
    const wndRoom = seqDiff(seqAdd(una, this.sndWnd), nxt);
    let cwndRoom = this.recovery === 'sack' ? cc.cwnd - this.pipe() : cc.cwnd + this.limitedTransmit * mss - inFlight;
    if (force) cwndRoom = Math.max(cwndRoom, 1);
    let room = Math.min(wndRoom, cwndRoom);
    if (force && room <= 0) room = Math.min(Math.max(this.sndWnd, 1), mss);
    const retransmit = seqLt(nxt, this.sndNxtMax);
    let len = Math.min(avail, mss, Math.max(0, room));
    if (this.tsoMax > 0 && !retransmit && !force && this.recovery === 'none' && len === mss) {
      // TSO: as many whole segments as the windows, the data and the device allow, in one packet
      const most = Math.min(avail, room, this.tsoMax - 20 - 60); // IPv4 header, the longest TCP header
      if (most >= 2 * mss) len = most - (most % mss);
    }
    if (retransmit) len = Math.min(len, seqDiff(this.board.nextSacked(nxt, this.sndNxtMax), nxt));
    const fin = finPending && len === avail;
    if (len === 0 && !fin) return false;
    if (len === 0 && fin && cwndRoom <= 0 && inFlight > 0) return false;
    if (!retransmit && !force && len < mss && !fin) {
      if (len < avail) {
        // limited by a window: sender SWS avoidance (RFC 1122 §4.2.3.4)
        if (!(this.maxSndWnd > 0 && len >= this.maxSndWnd / 2)) return false;
      } else if (!this.nodelay && inFlight > 0) return false; // Nagle (RFC 896)
    }
    this.sendData(nxt, len, fin, retransmit);
    const end = seqAdd(nxt, len + (fin ? 1 : 0));
    if (!retransmit) this.txTimes.push(end, this.tcp.now);
    this.sndNxt = end;
    if (seqGt(end, this.sndNxtMax)) this.sndNxtMax = end;
    return true;
  }

  /** Writes one data (and/or FIN) segment. */
  private sendData(seq: number, len: number, fin: boolean, retransmit: boolean): void {
    let flags = TCP_FLAG.ACK;
    if (len > 0 && seqAdd(seq, len) === seqAdd(this.sndBufSeq, this.sndBuf.length)) flags |= TCP_FLAG.PSH;
    if (fin) flags |= TCP_FLAG.FIN;
    if (retransmit) this.retransmits++;
    this.tcp.send(this, { seq, flags, dataOffset: seqDiff(seq, this.sndBufSeq), dataLen: len, retransmit, segmentMss: len > this.segMss() ? this.segMss() : 0 });
    this.ackSent();
  }

  /** Retransmits the first unacknowledged segment (fast retransmit, NewReno partial ACK). */
  private retransmitHead(): void {
    const una = this.sndUna;
    const bufEnd = seqAdd(this.sndBufSeq, this.sndBuf.length);
    const len = Math.min(this.segMss(), Math.max(0, seqDiff(bufEnd, una)), Math.max(0, seqDiff(this.sndNxtMax, una)));
    const fin = this.finQueued && seqAdd(una, len) === this.finSeq && seqGt(this.sndNxtMax, this.finSeq);
    if (len === 0 && !fin) return;
    this.txTimes.markRetransmitted(una, seqAdd(una, len));
    this.sendData(una, len, fin, true);
    this.armRtx(true);
  }

  /** RFC 6675 pipe: bytes in flight that are neither SACKed nor deemed lost, plus retransmissions. */
  private pipe(): number {
    const una = this.sndUna;
    const max = this.sndNxtMax;
    const lostEnd = this.lostBoundary();
    let pipe = 0;
    let s = una;
    while (seqLt(s, max)) {
      const sEnd = this.board.sackedEnd(s);
      if (sEnd >= 0) {
        s = sEnd;
        continue;
      }
      const holeEnd = this.board.nextSacked(s, max);
      // hole [s, holeEnd): the part below lostEnd is lost (counted only if retransmitted)
      const lostTo = seqLt(lostEnd, holeEnd) ? (seqGt(lostEnd, s) ? lostEnd : s) : holeEnd;
      const rxTo = seqLt(this.highRxt, lostTo) ? (seqGt(this.highRxt, s) ? this.highRxt : s) : lostTo;
      pipe += seqDiff(rxTo, s) + seqDiff(holeEnd, lostTo);
      s = holeEnd;
    }
    return pipe;
  }

  /** The sequence number below which un-SACKed data counts as lost (IsLost: more than 2·MSS SACKed above). */
  private lostBoundary(): number {
    const limit = 2 * this.mss;
    let above = 0;
    const r = this.board.ranges;
    for (let i = r.length - 1; i >= 0; i--) {
      above += seqDiff(r[i][1], r[i][0]);
      if (above > limit) return r[i][0];
    }
    return this.sndUna;
  }

  /** NextSeg rule 1: the first lost, not yet retransmitted hole piece (start, length), or null. */
  private nextLostHole(): [number, number] | null {
    const lostEnd = this.lostBoundary();
    let s = seqMax(this.highRxt, this.sndUna);
    while (seqLt(s, lostEnd)) {
      const sEnd = this.board.sackedEnd(s);
      if (sEnd >= 0) {
        s = sEnd;
        continue;
      }
      const holeEnd = this.board.nextSacked(s, lostEnd);
      const len = Math.min(this.segMss(), seqDiff(holeEnd, s));
      if (len > 0) {
        this.txTimes.markRetransmitted(s, seqAdd(s, len));
        return [s, len];
      }
      s = holeEnd;
    }
    return null;
  }

  /** Sends a pure ACK (with the current window, timestamps and SACK blocks). */
  private sendAck(): void {
    if (!this.hasIrs) return;
    this.tcp.send(this, { seq: this.sndNxt, flags: TCP_FLAG.ACK, dataOffset: 0, dataLen: 0, retransmit: false });
    this.ackSent();
  }

  private ackSent(): void {
    this.ackNow = false;
    this.pendingAckBytes = 0;
    this.lastAckSent = this.rcvNxt;
    if (this.delackTimer !== null) {
      this.delackTimer.cancel();
      this.delackTimer = null;
    }
  }

  private challengeAck(): void {
    if (!this.tcp.challengeAllowed()) return;
    this.tcp.c['tcp.challengeAcksSent'].value++;
    this.traceEvent('challenge-ack', 'a RST or SYN inside the window but not at RCV.NXT: answered with an ACK (RFC 5961)');
    this.sendAck();
  }

  /** The window field to send (RFC 7323: scaled except on a SYN; RFC 1122 receiver SWS avoidance; never shrinks). */
  windowField(syn: boolean): number {
    const free = Math.max(0, this.rcvbuf - this.rcvQueue.length - this.reasm.bytes);
    const cur = Math.max(0, seqDiff(this.rcvAdvEdge, this.rcvNxt));
    let wnd = free;
    if (wnd < cur) wnd = cur;
    else if (wnd - cur < Math.min(this.rcvbuf / 2, this.advMss) && wnd < this.rcvbuf && cur > 0) wnd = cur;
    else if (wnd < Math.min(this.rcvbuf / 2, this.advMss) && cur === 0 && wnd < this.rcvbuf) wnd = 0;
    if (syn) {
      const f = Math.min(wnd, 65535);
      this.rcvAdvEdge = seqAdd(this.rcvNxt, f);
      return f;
    }
    const f = Math.min(wnd >>> this.rcvScale, 65535);
    const adv = f << this.rcvScale;
    if (seqGt(seqAdd(this.rcvNxt, adv), this.rcvAdvEdge)) this.rcvAdvEdge = seqAdd(this.rcvNxt, adv);
    return f;
  }

  /** The SACK blocks to put on the next segment (null when none or SACK is off). */
  sackToSend(): TcpSackBlock[] | null {
    if (!this.sackOk || this.reasm.count === 0) return null;
    return this.reasm.sackBlocks(this.tsOk ? 3 : 4);
  }

  /** Our current timestamp value. */
  tsVal(): number {
    return this.tcp.tsClock(this.tsOffset);
  }

  // ===========================================================================================
  // Timers

  /** (Re)starts the retransmission timer at now + RTO (`restart`: even when it is running). */
  private armRtx(restart = false): void {
    if (this.rtxDeadline >= 0 && !restart) return;
    const deadline = this.tcp.now + this.rto.rto;
    this.rtxDeadline = deadline;
    const t = this.rtxTimer;
    if (t !== null && !t.done && t.expiresAt <= deadline) return; // fires early and re-arms itself
    t?.cancel();
    this.rtxTimer = this.tcp.ctx.timers.at(deadline, () => this.rtxFired());
  }

  private stopRtx(): void {
    this.rtxDeadline = -1;
    this.rtxTimer?.cancel();
    this.rtxTimer = null;
  }

  private rtxFired(): void {
    this.rtxTimer = null;
    if (this.rtxDeadline < 0) return;
    if (this.rtxDeadline > this.tcp.now) {
      this.rtxTimer = this.tcp.ctx.timers.at(this.rtxDeadline, () => this.rtxFired());
      return;
    }
    this.rtxDeadline = -1;
    this.onRetransmitTimeout();
  }

  /** The retransmission timer expired (RFC 6298 §5.4–5.6, RFC 5681 §3.1). */
  private onRetransmitTimeout(): void {
    const cfg = this.tcp.config;
    this.tcp.c['tcp.rtoExpired'].value++;
    if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') {
      const limit = this.state === 'SYN-SENT' ? cfg.synRetries : cfg.synAckRetries;
      if (this.rtxCount >= limit) return this.ctl('GIVE_UP');
      this.rtxCount++;
      this.rto.backoff();
      this.retransmits++;
      this.tcp.c['tcp.synRetransmits'].value++;
      this.traceEvent('rto', `no answer to our ${this.state === 'SYN-SENT' ? 'SYN' : 'SYN-ACK'}: retransmitted, next timeout in ${fmtNs(this.rto.rto)}`);
      this.txTimes.clear();
      this.sendSyn(this.state === 'SYN-RECEIVED');
      return;
    }
    if (seqDiff(this.sndNxtMax, this.sndUna) <= 0) return;
    if (this.rtxCount >= cfg.retries) return this.ctl('GIVE_UP');
    this.rtxCount++;
    const cc = this.cc;
    if (cc !== null) cc.onTimeout(seqDiff(this.sndNxtMax, this.sndUna), this.tcp.now);
    this.rto.backoff();
    this.recovery = 'none';
    this.recover = this.sndNxtMax;
    this.dupAcks = 0;
    this.limitedTransmit = 0;
    this.txTimes.markRetransmitted(this.sndUna, this.sndNxtMax);
    this.sndNxt = this.sndUna; // go back N (SACKed data is skipped)
    this.highRxt = this.sndUna;
    this.traceEvent('rto', `retransmission timeout: resending from ${this.rel(this.sndUna)}, cwnd ${cc?.cwnd ?? 0}, next timeout in ${fmtNs(this.rto.rto)}`);
    this.output(true);
    this.armRtx(true);
  }

  private armDelack(): void {
    if (this.delackTimer !== null) return;
    this.delackTimer = this.tcp.ctx.timers.after(this.tcp.config.delayedAckNs, () => {
      this.delackTimer = null;
      if (this.pendingAckBytes === 0 && !this.ackNow) return;
      this.tcp.c['tcp.delayedAcks'].value++;
      this.traceEvent('delayed-ack', `nothing to piggy-back the ACK on for ${fmtNs(this.tcp.config.delayedAckNs)}: ACK sent alone`);
      this.sendAck();
    });
  }

  /** Persist timer (RFC 9293 §3.8.6.1): data waits, nothing is in flight, the window is too small to send it. */
  private maybePersist(): void {
    const bufEnd = seqAdd(this.sndBufSeq, this.sndBuf.length);
    const waiting = seqDiff(bufEnd, this.sndNxt) > 0 || (this.finQueued && seqLe(this.sndNxt, this.finSeq));
    if (!waiting || seqDiff(this.sndNxtMax, this.sndUna) > 0) {
      if (this.persistTimer !== null && seqDiff(this.sndNxtMax, this.sndUna) > 0) {
        this.persistTimer.cancel();
        this.persistTimer = null;
      }
      return;
    }
    if (this.persistTimer !== null) return;
    const delay = Math.min(this.rto.base() * 2 ** this.persistBackoff, this.tcp.config.rto.maxNs);
    this.persistTimer = this.tcp.ctx.timers.after(delay, () => {
      this.persistTimer = null;
      if (!CAN_SEND.has(this.state)) return;
      this.persistBackoff = Math.min(this.persistBackoff + 1, 16);
      if (this.sndWnd === 0) {
        this.tcp.c['tcp.zeroWindowProbes'].value++;
        this.traceEvent('zero-window-probe', `the peer's window is 0: probing (next probe in ${fmtNs(Math.min(this.rto.base() * 2 ** this.persistBackoff, this.tcp.config.rto.maxNs))})`);
        this.tcp.send(this, { seq: seqAdd(this.sndUna, -1), flags: TCP_FLAG.ACK, dataOffset: 0, dataLen: 0, retransmit: false });
        this.maybePersist();
      } else this.output(true);
    });
  }

  private armKeepalive(): void {
    if (!this.keepalive || this.state !== 'ESTABLISHED') return;
    this.kaTimer?.cancel();
    const due = Math.max(this.lastRecv + (this.kaProbes === 0 ? this.keepIdleNs : this.keepIntvlNs), this.tcp.now);
    this.kaTimer = this.tcp.ctx.timers.at(due, () => {
      this.kaTimer = null;
      if (!this.keepalive || !SYNCHRONIZED.has(this.state) || this.state === 'TIME-WAIT') return;
      const idle = this.tcp.now - this.lastRecv;
      if (this.kaProbes === 0 && idle < this.keepIdleNs) return this.armKeepalive();
      if (this.kaProbes >= this.keepCnt) return this.ctl('GIVE_UP');
      this.kaProbes++;
      this.tcp.c['tcp.keepaliveProbes'].value++;
      this.traceEvent('keepalive', `idle for ${fmtNs(idle)}: keepalive probe ${this.kaProbes} of ${this.keepCnt}`);
      this.tcp.send(this, { seq: seqAdd(this.sndUna, -1), flags: TCP_FLAG.ACK, dataOffset: 0, dataLen: 0, retransmit: false });
      this.kaTimer = this.tcp.ctx.timers.after(this.keepIntvlNs, () => {
        this.kaTimer = null;
        if (this.tcp.now - this.lastRecv >= this.keepIntvlNs) this.armKeepaliveProbe();
        else {
          this.kaProbes = 0;
          this.armKeepalive();
        }
      });
    });
  }

  private armKeepaliveProbe(): void {
    if (this.kaProbes >= this.keepCnt) return this.ctl('GIVE_UP');
    this.lastRecv = this.tcp.now - this.keepIntvlNs;
    this.armKeepalive();
  }

  /** An orphaned connection may wait in FIN-WAIT-2 only so long (Linux's tcp_fin_timeout). */
  private armFinWait2(): void {
    this.stateTimer?.cancel();
    this.stateTimer = this.tcp.ctx.timers.after(this.tcp.config.finTimeoutNs, () => {
      this.stateTimer = null;
      if (this.state === 'FIN-WAIT-2') this.ctl('TIMEOUT');
    });
  }

  // ===========================================================================================
  // ICMP

  /** ICMP fragmentation needed with next-hop MTU `mtu` (RFC 1191): lower the MSS and resend. */
  pathMtu(mtu: number): void {
    if (mtu < 68) return;
    const newMss = Math.max(48, mtu - 40 - (this.tsOk ? 12 : 0));
    if (newMss >= this.mss) return;
    this.mss = newMss;
    this.cc?.setMss(newMss);
    this.tcp.c['tcp.pmtuUpdates'].value++;
    this.traceEvent('mss', `ICMP fragmentation needed (next-hop MTU ${mtu}): MSS lowered to ${newMss}, resending`);
    if (seqDiff(this.sndNxtMax, this.sndUna) > 0) {
      this.txTimes.markRetransmitted(this.sndUna, this.sndNxtMax);
      this.sndNxt = this.sndUna;
      this.output(true);
    }
  }

  /** Another ICMP error about this connection: fatal while connecting (as Linux), remembered otherwise. */
  icmpError(type: number, code: number): void {
    const { errno } = icmpErrno(type, code);
    if (this.state === 'SYN-SENT' || (this.state === 'SYN-RECEIVED' && !this.passive)) {
      this.error = errno;
      this.tcp.c['tcp.attemptFails'].value++;
      this.ctl('ABORT');
      return;
    }
    if (type === ICMP_TYPE.DEST_UNREACHABLE || type === ICMP_TYPE.TIME_EXCEEDED) this.softError = errno;
  }

  // ===========================================================================================
  // Socket calls (ProtoSocket)

  /** Binds (EINVAL when already bound). */
  bind(address: number, port: number): void {
    if (this.bound) throw new SocketError('EINVAL', '', 'already bound');
    if (this.state !== 'CLOSED' || this.everConnected) throw new SocketError('EINVAL');
    this.tcp.bind(this, address >>> 0, port);
    this.bound = true;
  }

  /** Opens a connection (see `Process.connect`). */
  connect(address: number, port: number, opts?: SendOptions): Promise<void> | void {
    address >>>= 0;
    const st = this.state;
    if (st === 'LISTEN') throw new SocketError('EINVAL', '', 'listening socket');
    if (st === 'SYN-SENT' || st === 'SYN-RECEIVED') {
      if (opts?.dontWait === true) throw new SocketError('EALREADY');
      return this.waitConnected();
    }
    if (st !== 'CLOSED' || this.everConnected || this.error !== null) throw new SocketError('EISCONN');
    if (port === 0) throw new SocketError('ECONNREFUSED', '', 'port 0');
    const ctx = this.tcp.ctx;
    if (address === 0 || ctx.isBroadcast(address) || isMulticastIpv4(address)) throw new SocketError('ENETUNREACH', '', formatIpv4Addr(address));
    const route = ctx.route(address, this.localAddr !== 0 ? this.localAddr : undefined);
    if (route === undefined) throw new SocketError('ENETUNREACH', '', formatIpv4Addr(address));
    const local = this.localAddr !== 0 ? this.localAddr : route.src;
    if (!this.bound) {
      this.tcp.bindForConnect(this, local, address, port);
      this.bound = true;
    } else if (this.tcp.tupleInUse(this, local, this.localPort, address, port)) throw new SocketError('EADDRNOTAVAIL', '', '4-tuple in use');
    this.prepare(local, address, port, route.mtu, route.tsoMaxSize);
    this.tcp.c['tcp.activeOpens'].value++;
    this.ctl('CONNECT');
    if (opts?.dontWait === true) throw new SocketError('EINPROGRESS');
    return this.waitConnected();
  }

  /** Resolves when the connection attempt succeeds; rejects with its error. */
  waitConnected(timeoutNs?: Nanos): Promise<void> {
    const attempt = (): true | undefined => {
      if (this.error !== null && !this.everConnected) {
        const e = this.error;
        this.error = null;
        throw new SocketError(e);
      }
      if (this.everConnected) return true;
      if (this.state === 'CLOSED') throw new SocketError(this.error ?? 'ECONNREFUSED');
      if (this.state === 'LISTEN') throw new SocketError('EINVAL');
      return undefined;
    };
    const now = attempt();
    if (now === true) return Promise.resolve();
    return this.connectors.wait(attempt, { timeoutNs }).then(() => undefined);
  }

  /** TCP has no datagram disconnect (connect with AF_UNSPEC): EOPNOTSUPP. */
  disconnect(): void {
    throw new SocketError('EOPNOTSUPP', '', 'a stream socket cannot be disconnected; close it');
  }

  /** Marks the socket as passive (EINVAL unless closed and bound; binds an ephemeral port if unbound). */
  listen(backlog: number): void {
    if (this.state === 'LISTEN') {
      this.backlog = Math.min(backlog, this.tcp.config.somaxconn);
      return;
    }
    if (this.state !== 'CLOSED' || this.everConnected) throw new SocketError('EINVAL');
    if (!this.bound) {
      this.tcp.bind(this, 0, 0);
      this.bound = true;
    } else {
      // a listener may not share its port with another socket unless that one is in TIME-WAIT
      if (this.tcp.listenConflict(this)) throw new SocketError('EADDRINUSE', '', `port ${this.localPort}`);
    }
    this.backlog = Math.min(Math.max(backlog, 1), this.tcp.config.somaxconn);
    this.name = `${this.tcp.ctx.hostName}:tcp:${this.localPort} (listen)`;
    this.ctl('LISTEN');
    this.tcp.addListener(this);
  }

  /** The next established connection (EINVAL when not listening). */
  accept(opts?: RecvOptions): Promise<{ socket: ProtoSocket; peer: SockAddr }> {
    if (this.state !== 'LISTEN') return Promise.reject(new SocketError('EINVAL', '', 'not listening'));
    const attempt = (): { socket: ProtoSocket; peer: SockAddr } | undefined => {
      if (this.state !== 'LISTEN') throw new SocketError('EINVAL', '', 'not listening');
      const c = this.acceptQ.shift();
      if (c === undefined) return undefined;
      c.parent = null;
      return { socket: c, peer: { address: c.remoteAddr, port: c.remotePort } };
    };
    const r = attempt();
    if (r !== undefined) return Promise.resolve(r);
    if (opts?.dontWait === true) return Promise.reject(new SocketError('EAGAIN'));
    return this.connectors.wait(attempt, { timeoutNs: opts?.timeoutNs, timeoutErrno: 'EAGAIN' });
  }

  /** Queues bytes for sending (see `Process.send`). */
  sendto(data: Uint8Array, _address: number, _port: number, opts?: SendOptions): number | Promise<number> {
    const total = data.length;
    let done = 0;
    const attempt = (): number | undefined => {
      const err = this.writeError();
      if (err !== null) {
        if (done > 0) return done;
        throw err;
      }
      if (this.state === 'SYN-SENT' || this.state === 'SYN-RECEIVED') return undefined;
      if (done < total) {
        done += this.sndBuf.write(data, done);
        this.output();
      }
      return done === total ? done : undefined;
    };
    const first = attempt();
    if (first !== undefined) return first;
    if (opts?.dontWait === true) {
      if (done > 0) return done;
      throw new SocketError('EAGAIN');
    }
    return this.writers.wait(attempt, { timeoutNs: opts?.timeoutNs, timeoutErrno: 'EAGAIN', timeoutValue: () => (done > 0 ? done : undefined) });
  }

  /** Why a write cannot proceed now, or null. */
  private writeError(): SocketError | null {
    if (this.error !== null) {
      const e = this.error;
      this.error = null;
      this.sticky = 'EPIPE';
      return new SocketError(e);
    }
    if (this.shutWr || this.finQueued) return new SocketError('EPIPE');
    const st = this.state;
    if (st === 'ESTABLISHED' || st === 'CLOSE-WAIT' || st === 'SYN-SENT' || st === 'SYN-RECEIVED') return null;
    if (this.sticky !== null || this.everConnected) return new SocketError('EPIPE');
    return new SocketError('ENOTCONN');
  }

  private sticky: Errno | null = null;

  /**
   * Reads bytes (see `Process.recv`): data first, then the error, then end of stream (zero bytes).
   * With `waitAll` (MSG_WAITALL) the data is taken as it arrives, so the window keeps opening,
   * until `maxLength` bytes, the end of the stream, an error, a timeout or (non-blocking) what is
   * there now; what was taken is returned then, so more than SO_RCVBUF can be waited for.
   */
  recvfrom(opts: RecvOptions | undefined): RecvResult | Promise<RecvResult> {
    const max = opts?.maxLength ?? Infinity;
    const peek = opts?.peek === true;
    const into = opts?.into;
    const waitAll = opts?.waitAll === true && !peek;
    let got = 0; // MSG_WAITALL: bytes taken so far
    let parts: Uint8Array[] | null = null; // and where they are, without `into`
    const result = (data: Uint8Array): RecvResult => ({ data, address: this.remoteAddr, port: this.remotePort, truncated: false });
    const gathered = (): RecvResult => {
      if (into !== undefined) return result(into.subarray(0, got));
      const p = parts!;
      if (p.length === 1) return result(p[0]);
      const data = new Uint8Array(got);
      let at = 0;
      for (const c of p) {
        data.set(c, at);
        at += c.length;
      }
      return result(data);
    };
    const attempt = (): RecvResult | undefined => {
      const q = this.rcvQueue;
      const eof = this.finRcvd || this.shutRd || (this.state === 'CLOSED' && this.everConnected);
      if (waitAll && max > 0) {
        if (q.length > 0) {
          const d = q.take(max === Infinity ? q.length : max - got, false, into?.subarray(got));
          if (into === undefined) (parts ??= []).push(d);
          got += d.length;
          this.afterRead();
        }
        if (got > 0 && (got >= max || eof || this.error !== null || opts?.dontWait === true)) return gathered();
      } else if (q.length > 0 && (opts?.waitAll !== true || q.length >= max || eof || this.error !== null)) {
        const data = q.take(max === Infinity ? q.length : max, peek, into);
        if (!peek) this.afterRead();
        return result(data);
      }
      if (this.error !== null) {
        const e = this.error;
        this.error = null;
        this.sticky = 'EPIPE';
        throw new SocketError(e);
      }
      if (eof || max === 0) return result(EMPTY);
      if (this.state === 'LISTEN') throw new SocketError('EINVAL', '', 'listening socket');
      if (this.state === 'CLOSED') throw new SocketError('ENOTCONN');
      return undefined;
    };
    let r: RecvResult | undefined;
    try {
      r = attempt();
    } catch (e) {
      return Promise.reject(e);
    }
    if (r !== undefined) return r; // (no promise of our own: the socket layer makes the one the caller gets)
    if (opts?.dontWait === true) throw new SocketError('EAGAIN');
    // a timeout after part of a MSG_WAITALL read returns that part (as Linux does)
    return this.readers.wait(attempt, { timeoutNs: opts?.timeoutNs, timeoutValue: () => (got > 0 ? gathered() : undefined) }) as Promise<RecvResult>;
  }

  /**
   * After a read: announce the window at once when the advertised one had (nearly) closed — under
   * two segments, where the sender's SWS avoidance would hold its data — and the read opened at
   * least min(buffer / 2, MSS) more (RFC 1122 §4.2.3.3); otherwise the next segment carries it.
   */
  private afterRead(): void {
    if (!this.hasIrs || !SYNCHRONIZED.has(this.state)) return;
    const free = Math.max(0, this.rcvbuf - this.rcvQueue.length - this.reasm.bytes);
    const cur = Math.max(0, seqDiff(this.rcvAdvEdge, this.rcvNxt));
    if (cur < 2 * this.advMss && free - cur >= Math.min(this.rcvbuf / 2, this.advMss)) {
      this.ackNow = true;
      this.output();
    }
  }

  /** Shuts down reading, writing or both (ENOTCONN when not connected). */
  shutdown(how: 'read' | 'write' | 'both'): void {
    const st = this.state;
    if (st === 'CLOSED' || st === 'LISTEN') throw new SocketError('ENOTCONN');
    if (how === 'read' || how === 'both') {
      this.shutRd = true;
      this.readers.notify();
    }
    if (how === 'write' || how === 'both') {
      if (this.shutWr) return;
      this.shutWr = true;
      if (st === 'SYN-SENT') this.closePending = true;
      else this.ctl('CLOSE');
      this.writers.notify();
    }
  }

  /** Closes the descriptor's socket: graceful (FIN after the data), abortive (RST) with SO_LINGER 0 or unread data. */
  close(): void | Promise<void> {
    if (this.appClosed) return;
    this.appClosed = true;
    this.readers.failAll('EBADF', 'closed while waiting');
    this.writers.failAll('EBADF', 'closed while waiting');
    this.connectors.failAll('EBADF', 'closed while waiting');
    const st = this.state;
    if (st === 'LISTEN') {
      this.tcp.removeListener(this);
      for (const c of [...this.synQ, ...this.acceptQ]) c.abort();
      this.synQ.clear();
      this.acceptQ.length = 0;
      this.ctl('CLOSE');
      return this.release();
    }
    if (st === 'CLOSED') return this.release();
    if (st === 'SYN-SENT') {
      this.ctl('CLOSE');
      return this.release();
    }
    if (this.linger === 0 || this.rcvQueue.length > 0) {
      this.ctl('ABORT');
      return this.release();
    }
    if (st === 'ESTABLISHED' || st === 'SYN-RECEIVED' || st === 'CLOSE-WAIT') {
      this.shutWr = true;
      this.ctl('CLOSE');
    } else if (st === 'FIN-WAIT-2') this.armFinWait2();
    if (this.linger > 0) {
      const lingerNs = this.linger * 1e9;
      const wq = this.connectors;
      return wq
        .wait(() => (this.state === 'CLOSED' || this.state === 'TIME-WAIT' || this.state === 'FIN-WAIT-2' ? true : undefined), { timeoutNs: lingerNs, timeoutValue: () => true })
        .then(() => undefined);
    }
  }

  /** A new SYN for this TIME-WAIT connection's 4-tuple beyond its sequence space (RFC 1122 §4.2.2.13): the wait ends now. */
  reuseTimeWait(seg: TcpSegment): boolean {
    if (this.state !== 'TIME-WAIT' || (seg.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK | TCP_FLAG.RST)) !== TCP_FLAG.SYN || !seqGt(seg.seq, this.rcvNxt)) return false;
    this.traceEvent('time-wait-end', 'a new SYN beyond the old sequence space: TIME-WAIT ends early, the listener takes it');
    this.ctl('TIMEOUT');
    return true;
  }

  /** Aborts a connection nobody holds (a listener closing with children): RST from synchronized states. */
  private abort(): void {
    this.appClosed = true;
    this.ctl('ABORT');
    if (this.state !== 'CLOSED') this.deleteTcb();
  }

  private release(): void {
    if (this.state === 'CLOSED' && this.bound) {
      this.tcp.unbind(this);
      this.bound = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Options

  /** Sets an option. */
  setOption(name: SocketOption, value: number | boolean): void {
    switch (name) {
      case 'SO_RCVBUF':
      case 'SO_SNDBUF': {
        const b = Math.max(intOption(name, value, 1, Number.MAX_SAFE_INTEGER), 2304); // Linux's SOCK_MIN_RCVBUF order of magnitude
        if (name === 'SO_RCVBUF') this.rcvbuf = b;
        else {
          this.sndbuf = b;
          this.sndBuf.capacity = b;
          this.writers.notify();
        }
        return;
      }
      case 'TCP_NODELAY':
        this.nodelay = Boolean(value);
        if (this.nodelay) this.output();
        return;
      case 'SO_KEEPALIVE':
        this.keepalive = Boolean(value);
        if (this.keepalive) this.armKeepalive();
        else {
          this.kaTimer?.cancel();
          this.kaTimer = null;
        }
        return;
      case 'SO_REUSEADDR':
        this.reuseAddr = Boolean(value);
        return;
      case 'SO_LINGER': {
        if (value === false) {
          this.linger = -1;
          return;
        }
        this.linger = intOption('SO_LINGER (seconds, or -1 / false for off)', value, -1, 65535);
        return;
      }
      case 'TCP_MAXSEG': {
        const v = intOption(name, value, 88, 65495);
        if (this.state !== 'CLOSED' && this.state !== 'LISTEN') throw new SocketError('EINVAL', '', 'TCP_MAXSEG before connect');
        this.userMss = v;
        return;
      }
      case 'TCP_KEEPIDLE':
      case 'TCP_KEEPINTVL': {
        const v = intOption(name, value, 1, 32767, ' s');
        if (name === 'TCP_KEEPIDLE') this.keepIdleNs = v * 1e9;
        else this.keepIntvlNs = v * 1e9;
        if (this.keepalive) this.armKeepalive();
        return;
      }
      case 'TCP_KEEPCNT':
        this.keepCnt = intOption(name, value, 1, 127);
        return;
      case 'IP_TTL':
        this.ttl = intOption(name, value, 1, 255);
        return;
      default:
        return refuseSet(name, 'TCP');
    }
  }

  /** Reads an option (`SO_ERROR` returns and clears the pending error). */
  getOption(name: SocketOption): number | boolean {
    switch (name) {
      case 'SO_RCVBUF':
        return this.rcvbuf;
      case 'SO_SNDBUF':
        return this.sndbuf;
      case 'TCP_NODELAY':
        return this.nodelay;
      case 'SO_KEEPALIVE':
        return this.keepalive;
      case 'SO_REUSEADDR':
        return this.reuseAddr;
      case 'SO_LINGER':
        return this.linger;
      case 'TCP_MAXSEG':
        return this.hasIrs ? this.mss : this.userMss > 0 ? this.userMss : 536;
      case 'TCP_KEEPIDLE':
        return this.keepIdleNs / 1e9;
      case 'TCP_KEEPINTVL':
        return this.keepIntvlNs / 1e9;
      case 'TCP_KEEPCNT':
        return this.keepCnt;
      case 'IP_TTL':
        return this.ttl ?? this.tcp.ctx.defaultTtl;
      case 'SO_ERROR': {
        const e = this.error;
        this.error = null;
        return errnoNumber(e);
      }
      case 'SO_TYPE':
        return SOCK_STREAM;
      default:
        return refuseGet(name, 'TCP');
    }
  }

  /** Bound address and port. */
  localName(): SockAddr {
    return { address: this.localAddr, port: this.localPort };
  }

  /** The peer, when connected (or once was). */
  peerName(): SockAddr | null {
    return this.remotePort === 0 || this.state === 'LISTEN' ? null : { address: this.remoteAddr, port: this.remotePort };
  }

  /** What `netstat` shows. */
  info(): SocketInfo {
    return {
      proto: 'tcp',
      localAddress: this.localAddr,
      localPort: this.localPort,
      remoteAddress: this.state === 'LISTEN' ? 0 : this.remoteAddr,
      remotePort: this.state === 'LISTEN' ? 0 : this.remotePort,
      recvQ: this.state === 'LISTEN' ? this.acceptQ.length : this.rcvQueue.length,
      sendQ: this.state === 'LISTEN' ? this.backlog : this.sndBuf.length,
      state: this.state === 'CLOSED' && !this.everConnected && this.remotePort === 0 ? 'CLOSE' : netstatState(this.state),
      drops: 0,
      bound: this.bound,
    };
  }

  /** What `ss -ti` shows. */
  tcpInfo(): TcpInfo {
    const cc = this.cc;
    return {
      state: this.state,
      mss: this.mss,
      advMss: this.advMss,
      cwnd: cc?.cwnd ?? 0,
      ssthresh: cc?.ssthresh ?? 0x7fff_ffff,
      srttNs: Math.round(this.rto.srtt),
      rttvarNs: Math.round(this.rto.rttvar),
      rtoNs: this.rto.rto,
      retransmits: this.retransmits,
      backoff: this.rto.backoffs,
      sacked: this.board.sacked,
      unacked: Math.max(0, seqDiff(this.sndNxtMax, this.sndUna)),
      sndWnd: this.sndWnd,
      rcvWnd: Math.max(0, seqDiff(this.rcvAdvEdge, this.rcvNxt)),
      wscale: this.wsOk ? [this.rcvScale, this.sndScale] : [-1, -1],
      sackOk: this.sackOk,
      tsOk: this.tsOk,
      recovery: this.recovery,
      congestion: cc?.name ?? this.tcp.config.congestion(536, 536).name,
      bytesAcked: this.bytesAcked,
      bytesReceived: this.bytesReceived,
    };
  }

  /** Connections waiting in this listener's queues: half-open and established-not-accepted. */
  get queues(): { syn: number; accept: number; backlog: number } {
    return { syn: this.synQ.size, accept: this.acceptQ.length, backlog: this.backlog };
  }

  // -------------------------------------------------------------------------------------------
  // Traces

  /** Relative sequence and acknowledgement numbers of a segment of this connection (null before the ISNs are known). */
  relative(dir: 'rx' | 'tx', seq: number, ack: number, hasAck: boolean): [number, number] | null {
    if (this.iss === 0 && this.sndNxtMax === 0) return null;
    if (dir === 'tx') return [seqDiff(seq, this.iss) >>> 0, hasAck && this.hasIrs ? seqDiff(ack, this.irs) >>> 0 : -1];
    if (!this.hasIrs) return [0, hasAck ? seqDiff(ack, this.iss) >>> 0 : -1]; // the peer's SYN: its sequence number is the IRS
    return [seqDiff(seq, this.irs) >>> 0, hasAck ? seqDiff(ack, this.iss) >>> 0 : -1];
  }

  /** The MSS, window scale and SACK options of a segment, for its trace event (null when it has none). */
  optionSummary(seg: TcpSegment): { mss?: number; wscale?: number; sackPermitted?: boolean; sack?: string } | null {
    const raw = seg.optionBytes;
    if (raw.length === 0) return null;
    const p = parseTcpOptions(raw);
    if (!Array.isArray(p)) return null;
    const o = tcpOptionsSummary(p);
    const out: { mss?: number; wscale?: number; sackPermitted?: boolean; sack?: string } = {};
    if (o.mss !== undefined) out.mss = o.mss;
    if (o.wscale !== undefined) out.wscale = o.wscale;
    if (o.sackPermitted) out.sackPermitted = true;
    if (o.sack !== undefined) {
      const base = seg.srcPort === this.localPort ? this.irs : this.iss;
      out.sack = o.sack.map(([l, r]) => `${seqDiff(l, base) >>> 0}-${seqDiff(r, base) >>> 0}`).join(' ');
    }
    return out;
  }

  private rel(seq: number): number {
    return seqDiff(seq, this.iss) >>> 0;
  }

  private traceEvent(event: 'rto' | 'fast-retransmit' | 'recovery-exit' | 'sack-recovery' | 'zero-window-probe' | 'delayed-ack' | 'keepalive' | 'challenge-ack' | 'time-wait-end' | 'mss', detail: string): void {
    const trace = this.tcp.ctx.trace;
    if (trace.active) trace.emit('tcp.event', this.tcp.ctx.hostName, { conn: this.name, event, detail });
  }
}

/** The state as netstat prints it. */
function netstatState(s: TcpState): string {
  switch (s) {
    case 'SYN-SENT':
      return 'SYN_SENT';
    case 'SYN-RECEIVED':
      return 'SYN_RECV';
    case 'FIN-WAIT-1':
      return 'FIN_WAIT1';
    case 'FIN-WAIT-2':
      return 'FIN_WAIT2';
    case 'CLOSE-WAIT':
      return 'CLOSE_WAIT';
    case 'LAST-ACK':
      return 'LAST_ACK';
    case 'TIME-WAIT':
      return 'TIME_WAIT';
    case 'CLOSED':
      return 'CLOSE';
    default:
      return s;
  }
}

function fmtNs(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(ns % 1e9 === 0 ? 0 : 3)} s` : `${(ns / 1e6).toFixed(ns % 1e6 === 0 ? 0 : 3)} ms`;
}
