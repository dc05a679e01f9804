/**
 * ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2): the echo responder, error generation, and the
 * delivery of received errors to the transport that sent the original datagram.
 *
 * Errors sent: destination unreachable (net, host, protocol, port, fragmentation needed with the
 * next-hop MTU — RFC 1191) and time exceeded (TTL, reassembly). They quote the invoking datagram
 * up to 548 bytes (the error fits 576 bytes, RFC 1812 §4.3.2.3), carry TOS 0xc0 (internetwork
 * control) and come from the address the invoking datagram was sent to when it is ours, else from
 * the interface it arrived on. Never sent (RFC 1122 §3.2.2, counted `icmp.errorsSuppressed`): about
 * an ICMP error (or an unknown ICMP type), about a datagram to a broadcast or multicast address,
 * about a fragment other than the first, or about a datagram whose source is not one host
 * (0.0.0.0, broadcast, multicast, loopback, class E). A token bucket (default 1000 errors/s,
 * burst 50, like Linux's icmp_msgs_per_sec) limits them; "fragmentation needed" is exempt.
 * An error about a datagram we sent ourselves (address resolution failed) is not sent on the
 * wire: it is reported to our own transport directly, as Linux's loopback delivery does.
 *
 * Received: echo requests are answered (those to broadcast or multicast addresses are ignored by
 * default, like Linux's icmp_echo_ignore_broadcasts); echo replies go to the `onEchoReply`
 * listeners; destination unreachable, time exceeded and parameter problem go to the transport
 * registered for the quoted datagram's protocol (`icmpError`), or to the `onEchoError` listeners
 * when they quote one of our echo requests. The quoted datagram must have been sent by one of our
 * addresses and carry at least 8 payload bytes. Redirects, source quench, timestamps and others
 * are counted and ignored.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { Nanos } from '../sim/time.js';
import { ICMP_TYPE, ICMP_UNREACH, emitIcmp, parseIcmp, type IcmpRepr } from './wire/icmp.js';
import { WireError } from './wire/error.js';
import { IP_PROTOCOL, IPV4_MIN_HEADER_LEN, Ipv4Packet, isLoopbackIpv4 } from './wire/ipv4.js';
import type { CounterRef, Counters } from './counters.js';
import type { Iface } from './iface/netif.js';
import type { IcmpErrorInfo, IpDelivery, Ipv4Layer, OutputResult } from './ip/ipv4.js';

/** ICMP options. */
export interface IcmpConfig {
  /** Errors per second the token bucket allows (default 1000). */
  ratePerSec: number;
  /** Bucket size (default 50). */
  burst: number;
  /** Ignore echo requests to broadcast and multicast addresses (default true). */
  echoIgnoreBroadcasts: boolean;
}

/** Default ICMP options. */
export const ICMP_DEFAULTS: Readonly<IcmpConfig> = Object.freeze({ ratePerSec: 1000, burst: 50, echoIgnoreBroadcasts: true });

/** The largest invoking-datagram quote in an error (576 − 20 − 8). */
export const ICMP_ERROR_QUOTE_MAX = 548;

/** An echo request to send. */
export interface EchoRequest {
  /** Destination. */
  dst: number;
  /** Identifier. */
  id: number;
  /** Sequence number. */
  seq: number;
  /** Data to be echoed back. */
  data: Uint8Array;
  /** TTL (default: the stack's). */
  ttl?: number;
  /** Source address (default: chosen by routing). */
  src?: number;
  /** Don't Fragment. */
  df?: boolean;
}

/** A received echo reply. */
export interface EchoReply {
  /** Who answered. */
  readonly src: number;
  /** Our address it was sent to. */
  readonly dst: number;
  /** Identifier. */
  readonly id: number;
  /** Sequence number. */
  readonly seq: number;
  /** The echoed data (a view: copy it to keep it). */
  readonly data: Uint8Array;
  /** TTL as received. */
  readonly ttl: number;
  /** Arrival time, ns. */
  readonly time: Nanos;
  /** The interface it arrived on. */
  readonly iface: Iface;
}

/** An ICMP error about one of our echo requests. */
export interface EchoError extends IcmpErrorInfo {
  /** The request's identifier. */
  readonly id: number;
  /** The request's sequence number. */
  readonly seq: number;
}

/** The ICMP layer of one stack. */
export class Icmp {
  private replyListeners: ((r: EchoReply) => void)[] = [];
  private errorListeners: ((e: EchoError) => void)[] = [];
  private tokens: number;
  private lastRefill: Nanos;
  private readonly cErrorsSuppressed: CounterRef;
  private readonly cEchoSent: CounterRef;
  private readonly cEchoAnswered: CounterRef;
  private readonly cEchoReply: CounterRef;

  /** Creates the layer; the stack attaches it to `ip`. */
  constructor(
    private readonly sim: Simulator,
    private readonly counters: Counters,
    private readonly ip: Ipv4Layer,
    /** The options in force. */
    readonly config: Readonly<IcmpConfig>,
  ) {
    this.tokens = config.burst;
    this.lastRefill = sim.now;
    this.cErrorsSuppressed = counters.ref('icmp.errorsSuppressed');
    this.cEchoSent = counters.ref('icmp.echoSent');
    this.cEchoAnswered = counters.ref('icmp.echoAnswered');
    this.cEchoReply = counters.ref('icmp.echoReply');
  }

  /** Listens for echo replies (all of them: filter by `id`); returns a function that stops listening. */
  onEchoReply(cb: (r: EchoReply) => void): () => void {
    this.replyListeners = [...this.replyListeners, cb];
    return () => {
      this.replyListeners = this.replyListeners.filter((x) => x !== cb);
    };
  }

  /** Listens for errors about our echo requests (unreachable, time exceeded…); returns a function that stops listening. */
  onEchoError(cb: (e: EchoError) => void): () => void {
    this.errorListeners = [...this.errorListeners, cb];
    return () => {
      this.errorListeners = this.errorListeners.filter((x) => x !== cb);
    };
  }

  /** Sends an echo request. */
  sendEcho(req: EchoRequest): OutputResult {
    const msg = new Uint8Array(8 + req.data.length);
    emitIcmp({ kind: 'echoRequest', id: req.id & 0xffff, seq: req.seq & 0xffff, data: req.data }, msg);
    this.cEchoSent.value++;
    return this.ip.output({ src: req.src, dst: req.dst, protocol: IP_PROTOCOL.ICMP, payload: msg, ttl: req.ttl, df: req.df });
  }

  /** Sends destination unreachable about a delivered datagram (a transport's "port unreachable"); returns whether it went out. */
  destUnreachable(d: IpDelivery, code: number = ICMP_UNREACH.PORT): boolean {
    const h = d.header;
    return this.sendError(h.buffer.subarray(h.offset, h.offset + h.totalLen), ICMP_TYPE.DEST_UNREACHABLE, code, d.iface);
  }

  /** Reports that address resolution failed for `packet` (ICMP host unreachable, to its source). */
  reportUnresolved(packet: Uint8Array): void {
    this.sendError(packet, ICMP_TYPE.DEST_UNREACHABLE, ICMP_UNREACH.HOST);
  }

  /**
   * Sends an ICMP error (type 3 or 11) about `original` (an IPv4 datagram as received, or its first
   * bytes) unless the RFC 1122 rules or the rate limit forbid it; `iface` is where it arrived,
   * `mtu` the next-hop MTU for "fragmentation needed". Returns whether an error was sent (or
   * reported to ourselves).
   */
  sendError(original: Uint8Array, type: number, code: number, iface?: Iface, mtu?: number): boolean {
    if (original.length < IPV4_MIN_HEADER_LEN) return this.suppressed();
    const p = new Ipv4Packet(original);
    const hl = p.headerLen;
    if (p.version !== 4 || hl < IPV4_MIN_HEADER_LEN || original.length < hl) return this.suppressed();
    const src = p.src;
    const dst = p.dst;
    if (p.fragmentOffset !== 0) return this.suppressed();
    if (this.ip.isBroadcast(dst) || dst >>> 28 === 0xe) return this.suppressed();
    if (src === 0 || src === 0xffff_ffff || src >>> 28 >= 0xe || isLoopbackIpv4(src) || this.ip.isBroadcast(src)) return this.suppressed();
    if (p.protocol === IP_PROTOCOL.ICMP) {
      if (original.length <= hl) return this.suppressed();
      const t = original[hl];
      if (t > 18 || t === 3 || t === 4 || t === 5 || t === 11 || t === 12) return this.suppressed();
    }
    const total = p.totalLen;
    const end = total >= hl && total < original.length ? total : original.length; // a quote may be shorter than its length field
    const quote = original.subarray(0, Math.min(end, ICMP_ERROR_QUOTE_MAX));
    if (this.ip.isLocal(src)) {
      // Our own datagram: report to ourselves (no wire, no rate limit).
      this.counters.inc('icmp.localErrors');
      this.dispatchError({ type, code, from: src, mtu: mtu, original: quoteInfo(quote) });
      return true;
    }
    if (!(type === ICMP_TYPE.DEST_UNREACHABLE && code === ICMP_UNREACH.FRAG_NEEDED) && !this.takeToken()) {
      this.counters.drop('icmp.rateLimited');
      return false;
    }
    const repr: IcmpRepr =
      type === ICMP_TYPE.TIME_EXCEEDED
        ? { kind: 'timeExceeded', code, invoking: quote }
        : { kind: 'destUnreachable', code, nextHopMtu: type === ICMP_TYPE.DEST_UNREACHABLE && code === ICMP_UNREACH.FRAG_NEEDED ? (mtu ?? 0) : 0, invoking: quote };
    const msg = new Uint8Array(8 + quote.length);
    emitIcmp(repr, msg);
    const from = this.ip.isLocal(dst) ? dst : iface?.address;
    this.counters.inc('icmp.errorsSent');
    this.ip.output({ src: from, dst: src, protocol: IP_PROTOCOL.ICMP, payload: msg, tos: 0xc0 });
    return true;
  }

  /** ICMP input (from the IP layer): `p` is the datagram's header view, `packet` its bytes. Never throws. */
  input(iface: Iface, p: Ipv4Packet, packet: Uint8Array, broadcast: boolean, multicast: boolean): void {
    const counters = this.counters;
    const msg = p.payload;
    const repr = parseIcmp(msg);
    if (repr instanceof WireError) return counters.drop(repr.kind === 'checksum' ? 'icmp.badChecksum' : 'icmp.truncated');
    switch (repr.kind) {
      case 'echoRequest': {
        if ((broadcast || multicast) && this.config.echoIgnoreBroadcasts) return counters.drop('icmp.echoBroadcast');
        const reply = new Uint8Array(msg.length);
        emitIcmp({ kind: 'echoReply', id: repr.id, seq: repr.seq, data: repr.data }, reply);
        this.cEchoAnswered.value++;
        const src = broadcast || multicast ? iface.address : p.dst;
        const options = p.headerLen > IPV4_MIN_HEADER_LEN ? echoReplyOptions(p.optionBytes, src) : undefined;
        this.ip.output({ src, dst: p.src, protocol: IP_PROTOCOL.ICMP, payload: reply, tos: packet[1], options });
        return;
      }
      case 'echoReply': {
        const listeners = this.replyListeners;
        if (listeners.length === 0) return counters.drop('icmp.noListener');
        this.cEchoReply.value++;
        const r: EchoReply = { src: p.src, dst: p.dst, id: repr.id, seq: repr.seq, data: repr.data, ttl: p.ttl, time: this.sim.now, iface };
        for (const cb of listeners) cb(r);
        return;
      }
      case 'destUnreachable':
        return this.errorIn(p, ICMP_TYPE.DEST_UNREACHABLE, repr.code, repr.invoking, repr.code === ICMP_UNREACH.FRAG_NEEDED && repr.nextHopMtu > 0 ? repr.nextHopMtu : undefined);
      case 'timeExceeded':
        return this.errorIn(p, ICMP_TYPE.TIME_EXCEEDED, repr.code, repr.invoking, undefined);
      case 'other':
        if (repr.type === ICMP_TYPE.PARAMETER_PROBLEM) return this.errorIn(p, repr.type, repr.code, repr.data, undefined);
        if (repr.type === ICMP_TYPE.DEST_UNREACHABLE || repr.type === ICMP_TYPE.TIME_EXCEEDED) {
          // RFC 4884 extensions or non-zero unused bytes: still an error about the quoted datagram.
          return this.errorIn(p, repr.type, repr.code, repr.data, undefined);
        }
        return counters.drop('icmp.unsupportedType');
    }
  }

  private errorIn(p: Ipv4Packet, type: number, code: number, invoking: Uint8Array, mtu: number | undefined): void {
    if (invoking.length < IPV4_MIN_HEADER_LEN) return this.counters.drop('icmp.badError');
    const q = new Ipv4Packet(invoking);
    const hl = q.headerLen;
    if (q.version !== 4 || hl < IPV4_MIN_HEADER_LEN || invoking.length < hl + 8) return this.counters.drop('icmp.badError');
    if (!this.ip.isLocal(q.src)) return this.counters.drop('icmp.badError');
    const info: IcmpErrorInfo = { type, code, from: p.src, mtu, original: quoteInfo(invoking) };
    if (!this.dispatchError(info)) return this.counters.drop('icmp.noErrorHandler');
    this.counters.inc('icmp.errorDelivered');
  }

  /** Hands an error to the echo listeners or the transport of the quoted datagram; false when nobody takes it. */
  private dispatchError(info: IcmpErrorInfo): boolean {
    const o = info.original;
    if (o.protocol === IP_PROTOCOL.ICMP) {
      const pl = o.payload;
      if (pl.length < 8 || pl[0] !== ICMP_TYPE.ECHO_REQUEST || this.errorListeners.length === 0) return false;
      const e: EchoError = { ...info, id: (pl[4] << 8) | pl[5], seq: (pl[6] << 8) | pl[7] };
      for (const cb of this.errorListeners) cb(e);
      return true;
    }
    const h = this.ip.handler(o.protocol);
    if (h?.icmpError === undefined) return false;
    h.icmpError(info);
    return true;
  }

  private suppressed(): false {
    this.cErrorsSuppressed.value++;
    return false;
  }

  private takeToken(): boolean {
    const now = this.sim.now;
    const cfg = this.config;
    this.tokens = Math.min(cfg.burst, this.tokens + ((now - this.lastRefill) * cfg.ratePerSec) / 1e9);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function quoteInfo(quote: Uint8Array): IcmpErrorInfo['original'] {
  const q = new Ipv4Packet(quote);
  const hl = Math.min(q.headerLen, quote.length);
  return { src: q.src, dst: q.dst, protocol: q.protocol, payload: quote.subarray(hl) };
}

/**
 * The options of an echo reply, from the request's (RFC 1122 §3.2.2.6 and §3.2.1.8): returned, a
 * Record Route option with room left gets `self` recorded (so the route covers the round trip);
 * source routes (they would need reversing) and NOPs (alignment) are left out. Options were validated on input; a
 * malformed rest is cut off. The result is padded to a multiple of 4 (empty: undefined).
 */
export function echoReplyOptions(opts: Uint8Array, self: number): Uint8Array | undefined {
  const out: number[] = [];
  let i = 0;
  while (i < opts.length) {
    const type = opts[i];
    if (type === 0) break;
    if (type === 1) {
      i++; // alignment only: the reply's options are laid out afresh
      continue;
    }
    const len = opts[i + 1];
    if (len === undefined || len < 2 || i + len > opts.length) break;
    const o = Array.from(opts.subarray(i, i + len));
    i += len;
    if (type === 131 || type === 137) continue; // LSRR, SSRR
    if (type === 7 && len >= 3) {
      const ptr = o[2];
      if (ptr >= 4 && ptr + 3 <= len) {
        o[ptr - 1] = self >>> 24;
        o[ptr] = (self >>> 16) & 0xff;
        o[ptr + 1] = (self >>> 8) & 0xff;
        o[ptr + 2] = self & 0xff;
        o[2] = ptr + 4;
      }
    }
    out.push(...o);
  }
  while (out.length % 4 !== 0) out.push(0);
  return out.length === 0 ? undefined : Uint8Array.from(out);
}
