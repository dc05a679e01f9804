/**
 * NAPT (network address and port translation, RFC 3022; the seed's private/public example) on a
 * router between an inside (private) and an outside (public) interface.
 *
 * A datagram forwarded from the inside interface out of the outside one gets the outside
 * interface's address as its source and a public port (TCP, UDP) or echo identifier (ICMP) from
 * `portRange`; the mapping remembers (protocol, inside address and port, remote address and
 * port). Datagrams arriving on the outside interface for the public address are translated back
 * when they match a mapping *and* come from its remote address and port (address- and
 * port-dependent filtering: an unsolicited packet is not let in, it reaches the router itself);
 * everything else is the router's own traffic. ICMP errors about translated datagrams are
 * translated in both directions (the quoted header and ports too), so traceroute and "port
 * unreachable" work through the NAPT.
 *
 * Mappings are endpoint-dependent (one per remote endpoint, like Linux's MASQUERADE without port
 * preservation), ports are allocated sequentially with wrap-around, and a mapping expires after
 * an idle time that depends on what it carries (RFC 5382 §5, REQ-5):
 * - UDP and ICMP echo: `timeoutNs` after the last packet in either direction;
 * - TCP, by the SYN, FIN and RST flags seen through the mapping ({@link NaptTcpPhase}): an
 *   *established* connection (a SYN seen both ways, or a connection picked up mid-stream once
 *   something came back; half-closed connections stay established) idles out after
 *   `tcpEstablishedTimeoutNs` (default 2 h 4 min, the RFC's minimum; Linux's conntrack keeps 5
 *   days), a *transitory* one (opening: a SYN from one side only; closed: FIN both ways; reset: a
 *   RST either way) after `tcpTransitoryTimeoutNs` (default 4 min, the RFC's minimum). A bare SYN
 *   on a closed or reset mapping starts a new connection there. RSTs are not checked against the
 *   sequence space (only the remote endpoint must match, as for every inbound packet). An
 *   unsolicited inbound SYN reaches the router's own TCP, which answers with RST when nothing
 *   listens (as a Linux router does); RFC 5382 REQ-4's 6-second hold of such a SYN, for
 *   simultaneous opens through the NAPT, is not implemented.
 * Checksums are fixed incrementally (RFC 1624), so a corrupt checksum stays corrupt; a UDP
 * checksum of 0 stays 0. Translated traffic is reassembled first when fragmented (the IP layer
 * does that before calling {@link Napt.outbound}).
 *
 * Guarantees: never throws on network input; the table never holds more than `maxMappings`; one
 * sweep timer at most.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import { ICMP_TYPE } from '../wire/icmp.js';
import { IP_PROTOCOL, formatIpv4Addr, type Ipv4Packet } from '../wire/ipv4.js';
import type { Counters } from '../counters.js';
import type { StackTimer, StackTimers } from '../timers.js';
import type { Iface } from '../iface/netif.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A NAPT mapping was created or expired. */
    'napt.mapping': { event: 'create' | 'expire'; protocol: string; inside: string; outside: string; remote: string };
  }
}

/** NAPT configuration. */
export interface NaptOptions {
  /** The private side. */
  inside: Iface;
  /** The public side (its address is the one outside hosts see). */
  outside: Iface;
  /** Public ports (and echo identifiers) to allocate, inclusive (default 49152–65535). */
  portRange?: readonly [number, number];
  /** Idle time after which a UDP or ICMP echo mapping expires, ns (default 60 s). */
  timeoutNs?: Nanos;
  /** Idle time after which an established TCP mapping expires, ns (default 2 h 4 min, RFC 5382 REQ-5). */
  tcpEstablishedTimeoutNs?: Nanos;
  /** Idle time after which a transitory TCP mapping (opening, closed or reset) expires, ns (default 4 min, RFC 5382 REQ-5). */
  tcpTransitoryTimeoutNs?: Nanos;
  /** Mappings at most (default 4096). */
  maxMappings?: number;
}

/** Default NAPT parameters. */
export const NAPT_DEFAULTS = Object.freeze({
  portRange: [49152, 65535] as const,
  timeoutNs: 60_000_000_000,
  tcpEstablishedTimeoutNs: 7_440_000_000_000,
  tcpTransitoryTimeoutNs: 240_000_000_000,
  maxMappings: 4096,
});

/**
 * What NAPT has seen of a TCP connection through a mapping: `opening` (a SYN from one side only,
 * or picked up mid-stream with nothing back yet), `established` (a SYN both ways, or traffic back
 * on a picked-up connection; also when half-closed), `closed` (a FIN both ways), `reset` (a RST).
 */
export type NaptTcpPhase = 'opening' | 'established' | 'closed' | 'reset';

// What a TCP mapping has seen (bits of NaptMapping.tcpSeen).
const SEEN_SYN_OUT = 1;
const SEEN_SYN_IN = 2;
const SEEN_FIN_OUT = 4;
const SEEN_FIN_IN = 8;
const SEEN_RST = 16;
const SEEN_PICKUP = 32; // created by a segment other than a bare SYN
const SEEN_IN = 64; // any segment came back

// TCP header flag bits (byte 13).
const F_FIN = 0x01;
const F_SYN = 0x02;
const F_RST = 0x04;
const F_ACK = 0x10;

/** The phase of a TCP mapping that has seen `seen` (SEEN_* bits). */
function phaseOf(seen: number): NaptTcpPhase {
  if (seen & SEEN_RST) return 'reset';
  if ((seen & (SEEN_FIN_OUT | SEEN_FIN_IN)) === (SEEN_FIN_OUT | SEEN_FIN_IN)) return 'closed';
  if ((seen & (SEEN_SYN_OUT | SEEN_SYN_IN)) === (SEEN_SYN_OUT | SEEN_SYN_IN)) return 'established';
  if ((seen & (SEEN_PICKUP | SEEN_IN)) === (SEEN_PICKUP | SEEN_IN)) return 'established';
  return 'opening';
}

/** One translation. */
export interface NaptMapping {
  /** 6 (TCP), 17 (UDP) or 1 (ICMP echo). */
  readonly protocol: number;
  /** The inside host. */
  readonly insideAddr: number;
  /** Its port (or echo identifier). */
  readonly insidePort: number;
  /** The public port (or identifier). */
  readonly outsidePort: number;
  /** The remote host. */
  readonly remoteAddr: number;
  /** Its port (0 for ICMP). */
  readonly remotePort: number;
  /** When it expires unless used, ns. */
  expiresAt: Nanos;
  /** TCP: the connection's phase as NAPT has seen it (null for UDP and ICMP). */
  readonly tcpPhase: NaptTcpPhase | null;
}

/** A mapping with its bookkeeping. */
interface Entry extends NaptMapping {
  /** Updated as segments pass. */
  tcpPhase: NaptTcpPhase | null;
  /** SEEN_* bits (TCP). */
  tcpSeen: number;
  /** The expiry list it is on. */
  lru: Set<Entry> | null;
}

/** A row of the NAPT table view. */
export interface NaptRow {
  /** `tcp`, `udp` or `icmp`. */
  protocol: string;
  /** `address:port` inside. */
  inside: string;
  /** `address:port` as seen outside. */
  outside: string;
  /** `address:port` of the remote end. */
  remote: string;
  /** Time left, ns. */
  expiresInNs: Nanos;
  /** TCP only: the connection's phase as NAPT has seen it. */
  state?: NaptTcpPhase;
}

/** A checksum field: its offset, and whether it follows UDP's "0 means none" rule. */
interface Slot {
  readonly off: number;
  readonly udp: boolean;
}

const NO_SLOTS: readonly Slot[] = [];

function rd16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changed from `old` to `nw`. */
function csumFix(c: number, old: number, nw: number): number {
  let s = (~c & 0xffff) + (~old & 0xffff) + nw;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * A covered word changed from `old` to `nw`: fix each inner checksum in `inner` and, when
 * `outer` ≥ 0, the checksum covering both the word and the inner checksums.
 */
function adjust(b: Uint8Array, old: number, nw: number, inner: readonly Slot[], outer: number): void {
  if (old === nw) return;
  for (const s of inner) {
    if (s.off < 0 || s.off + 2 > b.length) continue;
    const co = rd16(b, s.off);
    if (s.udp && co === 0) continue;
    let cn = csumFix(co, old, nw);
    if (s.udp && cn === 0) cn = 0xffff;
    wr16(b, s.off, cn);
    if (outer >= 0) wr16(b, outer, csumFix(rd16(b, outer), co, cn));
  }
  if (outer >= 0) wr16(b, outer, csumFix(rd16(b, outer), old, nw));
}

/** Writes the word at `off` and fixes the checksums covering it. */
function rewrite16(b: Uint8Array, off: number, nw: number, inner: readonly Slot[], outer: number): void {
  const old = rd16(b, off);
  wr16(b, off, nw);
  adjust(b, old, nw, inner, outer);
}

/** Writes the address at `off` and fixes the checksums covering it. */
function rewrite32(b: Uint8Array, off: number, nw: number, inner: readonly Slot[], outer: number): void {
  rewrite16(b, off, nw >>> 16, inner, outer);
  rewrite16(b, off + 2, nw & 0xffff, inner, outer);
}

/** A pseudo-header address changed (not in the buffer): fix the checksums covering it. */
function pseudoChanged(b: Uint8Array, old: number, nw: number, inner: readonly Slot[]): void {
  adjust(b, old >>> 16, nw >>> 16, inner, -1);
  adjust(b, old & 0xffff, nw & 0xffff, inner, -1);
}

function protoName(p: number): string {
  return p === IP_PROTOCOL.TCP ? 'tcp' : p === IP_PROTOCOL.UDP ? 'udp' : 'icmp';
}

function isError(type: number): boolean {
  return type === ICMP_TYPE.DEST_UNREACHABLE || type === ICMP_TYPE.TIME_EXCEEDED || type === ICMP_TYPE.PARAMETER_PROBLEM;
}

/** The transport checksum slot of a TCP or UDP header at `t` (or none for other protocols). */
function transportSlot(protocol: number, t: number): Slot {
  if (protocol === IP_PROTOCOL.UDP) return { off: t + 6, udp: true };
  if (protocol === IP_PROTOCOL.TCP) return { off: t + 16, udp: false };
  if (protocol === IP_PROTOCOL.ICMP) return { off: t + 2, udp: false };
  return { off: -1, udp: false };
}

function timeout(v: Nanos | undefined, dflt: Nanos, name: string): Nanos {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer of nanoseconds, got ${v}`);
  return v;
}

/** Records the flags of a TCP segment through `m` (`inbound`: from the remote side) and updates its phase. */
function track(m: Entry, flags: number, inbound: boolean): void {
  let seen = m.tcpSeen;
  const bareSyn = (flags & (F_SYN | F_ACK | F_RST)) === F_SYN;
  // A new connection on a finished mapping (the same endpoints again): start over.
  if (bareSyn && (m.tcpPhase === 'closed' || m.tcpPhase === 'reset')) seen = 0;
  if (inbound) seen |= SEEN_IN;
  if (flags & F_SYN) seen |= inbound ? SEEN_SYN_IN : SEEN_SYN_OUT;
  if (flags & F_FIN) seen |= inbound ? SEEN_FIN_IN : SEEN_FIN_OUT;
  if (flags & F_RST) seen |= SEEN_RST;
  m.tcpSeen = seen;
  m.tcpPhase = phaseOf(seen);
}

/** NAPT on one router. */
export class Napt {
  /** The private side. */
  readonly inside: Iface;
  /** The public side. */
  readonly outside: Iface;
  /** Public ports allocated, inclusive. */
  readonly portRange: readonly [number, number];
  /** Idle timeout of UDP and ICMP echo mappings, ns. */
  readonly timeoutNs: Nanos;
  /** Idle timeout of established TCP mappings, ns. */
  readonly tcpEstablishedTimeoutNs: Nanos;
  /** Idle timeout of transitory TCP mappings, ns. */
  readonly tcpTransitoryTimeoutNs: Nanos;
  /** Table size limit. */
  readonly maxMappings: number;

  private readonly byInside = new Map<string, Entry>();
  private readonly byOutside = new Map<number, Entry>();
  /** Mappings in order of last use, one list per timeout (so each list's first expires first). */
  private readonly lruOther = new Set<Entry>();
  private readonly lruEstablished = new Set<Entry>();
  private readonly lruTransitory = new Set<Entry>();
  private readonly lrus = [this.lruOther, this.lruEstablished, this.lruTransitory] as const;
  private readonly cursor = new Map<number, number>();
  private sweep: StackTimer | null = null;

  /** Creates NAPT between `opts.inside` and `opts.outside`. */
  constructor(
    private readonly sim: Simulator,
    private readonly counters: Counters,
    private readonly timers: StackTimers,
    opts: NaptOptions,
  ) {
    this.inside = opts.inside;
    this.outside = opts.outside;
    const [lo, hi] = opts.portRange ?? NAPT_DEFAULTS.portRange;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || lo > hi) throw new RangeError(`bad port range ${lo}–${hi}`);
    this.portRange = [lo, hi];
    this.timeoutNs = timeout(opts.timeoutNs, NAPT_DEFAULTS.timeoutNs, 'timeoutNs');
    this.tcpEstablishedTimeoutNs = timeout(opts.tcpEstablishedTimeoutNs, NAPT_DEFAULTS.tcpEstablishedTimeoutNs, 'tcpEstablishedTimeoutNs');
    this.tcpTransitoryTimeoutNs = timeout(opts.tcpTransitoryTimeoutNs, NAPT_DEFAULTS.tcpTransitoryTimeoutNs, 'tcpTransitoryTimeoutNs');
    this.maxMappings = opts.maxMappings ?? NAPT_DEFAULTS.maxMappings;
  }

  /** Number of mappings. */
  get size(): number {
    return this.byInside.size;
  }

  /** The mappings, oldest first. */
  mappings(): readonly NaptMapping[] {
    return [...this.byInside.values()];
  }

  /** The table as rows (oldest first). */
  table(): NaptRow[] {
    const now = this.sim.now;
    const out = formatIpv4Addr(this.outside.address);
    return this.mappings().map((m) => ({
      protocol: protoName(m.protocol),
      inside: `${formatIpv4Addr(m.insideAddr)}:${m.insidePort}`,
      outside: `${out}:${m.outsidePort}`,
      remote: `${formatIpv4Addr(m.remoteAddr)}:${m.remotePort}`,
      expiresInNs: m.expiresAt - now,
      ...(m.tcpPhase !== null ? { state: m.tcpPhase } : {}),
    }));
  }

  /**
   * Translates a datagram leaving through the outside interface (`p` its header, `payload` its
   * transport segment): returns the translated segment (a copy; the source becomes the outside
   * address), or null when it was dropped (counted here).
   */
  outbound(p: Ipv4Packet, payload: Uint8Array): Uint8Array | null {
    const protocol = p.protocol;
    const src = p.src;
    const pub = this.outside.address;
    if (protocol === IP_PROTOCOL.UDP || protocol === IP_PROTOCOL.TCP) {
      if (payload.length < (protocol === IP_PROTOCOL.UDP ? 8 : 20)) return this.drop('napt.badPacket');
      const m = this.mapOut(protocol, src, rd16(payload, 0), p.dst, rd16(payload, 2), protocol === IP_PROTOCOL.TCP ? payload[13] : 0);
      if (m === null) return null;
      if (protocol === IP_PROTOCOL.TCP) track(m, payload[13], false);
      const out = payload.slice();
      const slots = [transportSlot(protocol, 0)];
      rewrite16(out, 0, m.outsidePort, slots, -1);
      pseudoChanged(out, src, pub, slots);
      return this.done(m, out, 'napt.translatedOut');
    }
    if (protocol !== IP_PROTOCOL.ICMP) return this.drop('napt.unsupported');
    if (payload.length < 8) return this.drop('napt.badPacket');
    const type = payload[0];
    if (type === ICMP_TYPE.ECHO_REQUEST) {
      const m = this.mapOut(protocol, src, rd16(payload, 4), p.dst, 0, 0);
      if (m === null) return null;
      const out = payload.slice();
      rewrite16(out, 4, m.outsidePort, NO_SLOTS, 2);
      return this.done(m, out, 'napt.translatedOut');
    }
    if (!isError(type)) return this.drop('napt.unsupported');
    // An inside host reports an error about a datagram that came in through us: the quoted
    // datagram went remote → inside host; make it read remote → public address.
    const q = this.quoted(payload);
    if (q === null) return this.drop('napt.badPacket');
    const { ihl, innerProto } = q;
    if (innerProto !== IP_PROTOCOL.UDP && innerProto !== IP_PROTOCOL.TCP) return this.drop('napt.unsupported');
    const t = 8 + ihl;
    const key = `${innerProto}/${rd32(payload, 8 + 16)}/${rd16(payload, t + 2)}/${rd32(payload, 8 + 12)}/${rd16(payload, t)}`;
    const m = this.byInside.get(key);
    if (m === undefined) return this.drop('napt.unsupported');
    const out = payload.slice();
    const ipSlot: Slot = { off: 8 + 10, udp: false };
    const tSlot = transportSlot(innerProto, t);
    rewrite32(out, 8 + 16, pub, [ipSlot, tSlot], 2);
    rewrite16(out, t + 2, m.outsidePort, [tSlot], 2);
    return this.done(m, out, 'napt.translatedOut');
  }

  /**
   * Translates a datagram that arrived on the outside interface for the public address: returns
   * the inside destination and the translated segment (a copy), or null when no mapping matches
   * (the datagram is then the router's own).
   */
  inbound(p: Ipv4Packet): { dst: number; payload: Uint8Array } | null {
    const protocol = p.protocol;
    const payload = p.payload;
    const src = p.src;
    const pub = this.outside.address;
    if (protocol === IP_PROTOCOL.UDP || protocol === IP_PROTOCOL.TCP) {
      if (payload.length < (protocol === IP_PROTOCOL.UDP ? 8 : 20)) return null;
      const m = this.byOutside.get(protocol * 65536 + rd16(payload, 2));
      if (m === undefined || m.remoteAddr !== src || m.remotePort !== rd16(payload, 0)) return null;
      if (protocol === IP_PROTOCOL.TCP) track(m, payload[13], true);
      const out = payload.slice();
      const slots = [transportSlot(protocol, 0)];
      rewrite16(out, 2, m.insidePort, slots, -1);
      pseudoChanged(out, pub, m.insideAddr, slots);
      return { dst: m.insideAddr, payload: this.done(m, out, 'napt.translatedIn') };
    }
    if (protocol !== IP_PROTOCOL.ICMP || payload.length < 8) return null;
    const type = payload[0];
    if (type === ICMP_TYPE.ECHO_REPLY) {
      const m = this.byOutside.get(IP_PROTOCOL.ICMP * 65536 + rd16(payload, 4));
      if (m === undefined || m.remoteAddr !== src) return null;
      const out = payload.slice();
      rewrite16(out, 4, m.insidePort, NO_SLOTS, 2);
      return { dst: m.insideAddr, payload: this.done(m, out, 'napt.translatedIn') };
    }
    if (!isError(type)) return null;
    // An error about a datagram we translated: it quotes public address → remote.
    const q = this.quoted(payload);
    if (q === null || rd32(payload, 8 + 12) !== pub) return null;
    const { ihl, innerProto } = q;
    const t = 8 + ihl;
    const innerDst = rd32(payload, 8 + 16);
    let m: Entry | undefined;
    let portOff: number;
    if (innerProto === IP_PROTOCOL.UDP || innerProto === IP_PROTOCOL.TCP) {
      m = this.byOutside.get(innerProto * 65536 + rd16(payload, t));
      if (m !== undefined && (m.remoteAddr !== innerDst || m.remotePort !== rd16(payload, t + 2))) m = undefined;
      portOff = t;
    } else if (innerProto === IP_PROTOCOL.ICMP && payload[t] === ICMP_TYPE.ECHO_REQUEST) {
      m = this.byOutside.get(IP_PROTOCOL.ICMP * 65536 + rd16(payload, t + 4));
      if (m !== undefined && m.remoteAddr !== innerDst) m = undefined;
      portOff = t + 4;
    } else {
      return null;
    }
    if (m === undefined) return null;
    const out = payload.slice();
    const ipSlot: Slot = { off: 8 + 10, udp: false };
    const tSlot = transportSlot(innerProto, t);
    // The inner ICMP checksum covers no pseudo-header; TCP's and UDP's do.
    rewrite32(out, 8 + 12, m.insideAddr, innerProto === IP_PROTOCOL.ICMP ? [ipSlot] : [ipSlot, tSlot], 2);
    rewrite16(out, portOff, m.insidePort, [tSlot], 2);
    return { dst: m.insideAddr, payload: this.done(m, out, 'napt.translatedIn') };
  }

  // -------------------------------------------------------------------------------------------

  /** The quoted datagram inside an ICMP error: its header length and protocol, when at least 8 payload bytes are quoted. */
  private quoted(msg: Uint8Array): { ihl: number; innerProto: number } | null {
    if (msg.length < 8 + 20 || msg[8] >>> 4 !== 4) return null;
    const ihl = (msg[8] & 0x0f) * 4;
    if (ihl < 20 || msg.length < 8 + ihl + 8) return null;
    return { ihl, innerProto: msg[8 + 9] };
  }

  private mapOut(protocol: number, insideAddr: number, insidePort: number, remoteAddr: number, remotePort: number, tcpFlags: number): Entry | null {
    const key = `${protocol}/${insideAddr}/${insidePort}/${remoteAddr}/${remotePort}`;
    const found = this.byInside.get(key);
    if (found !== undefined) return found;
    if (this.byInside.size >= this.maxMappings) return this.drop('napt.tableFull');
    const outsidePort = this.allocPort(protocol);
    if (outsidePort < 0) return this.drop('napt.noPorts');
    const tcp = protocol === IP_PROTOCOL.TCP;
    const pickup = tcp && (tcpFlags & (F_SYN | F_ACK)) !== F_SYN;
    const m: Entry = { protocol, insideAddr, insidePort, outsidePort, remoteAddr, remotePort, expiresAt: 0, tcpPhase: tcp ? 'opening' : null, tcpSeen: pickup ? SEEN_PICKUP : 0, lru: null };
    this.byInside.set(key, m);
    this.byOutside.set(protocol * 65536 + outsidePort, m);
    this.counters.inc('napt.mappingsCreated');
    this.traceMapping('create', m);
    return m;
  }

  private allocPort(protocol: number): number {
    const [lo, hi] = this.portRange;
    const span = hi - lo + 1;
    const start = this.cursor.get(protocol) ?? lo;
    for (let i = 0; i < span; i++) {
      const port = lo + ((start - lo + i) % span);
      if (!this.byOutside.has(protocol * 65536 + port)) {
        this.cursor.set(protocol, port === hi ? lo : port + 1);
        return port;
      }
    }
    return -1;
  }

  /** Refreshes `m` (with the timeout its protocol and phase call for) and counts a translation; returns `out`. */
  private done(m: Entry, out: Uint8Array, counter: 'napt.translatedOut' | 'napt.translatedIn'): Uint8Array {
    const phase = m.tcpPhase;
    const lru = phase === null ? this.lruOther : phase === 'established' ? this.lruEstablished : this.lruTransitory;
    m.expiresAt = this.sim.now + (phase === null ? this.timeoutNs : phase === 'established' ? this.tcpEstablishedTimeoutNs : this.tcpTransitoryTimeoutNs);
    m.lru?.delete(m);
    lru.add(m);
    m.lru = lru;
    this.counters.inc(counter);
    this.armSweep();
    return out;
  }

  private drop(counter: string): null {
    this.counters.drop(counter);
    return null;
  }

  /** Keeps one sweep timer armed at the earliest expiry (re-armed when a mapping expires sooner). */
  private armSweep(): void {
    let next = Infinity;
    for (const lru of this.lrus) {
      const first = lru.values().next();
      if (!first.done && first.value.expiresAt < next) next = first.value.expiresAt;
    }
    if (this.sweep !== null) {
      if (this.sweep.expiresAt <= next) return;
      this.sweep.cancel();
      this.sweep = null;
    }
    if (next === Infinity) return;
    this.sweep = this.timers.at(Math.max(next, this.sim.now), () => {
      this.sweep = null;
      this.expire();
    });
  }

  private expire(): void {
    const now = this.sim.now;
    for (const lru of this.lrus) {
      for (const m of lru) {
        if (m.expiresAt > now) break;
        lru.delete(m);
        m.lru = null;
        this.byInside.delete(`${m.protocol}/${m.insideAddr}/${m.insidePort}/${m.remoteAddr}/${m.remotePort}`);
        this.byOutside.delete(m.protocol * 65536 + m.outsidePort);
        this.counters.inc('napt.mappingsExpired');
        this.traceMapping('expire', m);
      }
    }
    this.armSweep();
  }

  private traceMapping(event: 'create' | 'expire', m: NaptMapping): void {
    if (!this.sim.trace.active) return;
    this.sim.trace.emit('napt.mapping', this.outside.name, {
      event,
      protocol: protoName(m.protocol),
      inside: `${formatIpv4Addr(m.insideAddr)}:${m.insidePort}`,
      outside: `${formatIpv4Addr(this.outside.address)}:${m.outsidePort}`,
      remote: `${formatIpv4Addr(m.remoteAddr)}:${m.remotePort}`,
    });
  }
}
