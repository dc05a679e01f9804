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
 * preservation), ports are allocated sequentially with wrap-around, and a mapping expires
 * `timeoutNs` after its last packet in either direction (one timeout for all protocols; TCP
 * FIN/RST are not tracked). Checksums are fixed incrementally (RFC 1624), so a corrupt checksum
 * stays corrupt; a UDP checksum of 0 stays 0. Translated traffic is reassembled first when
 * fragmented (the IP layer does that before calling {@link Napt.outbound}).
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
  /** Idle time after which a mapping expires, ns (default 60 s). */
  timeoutNs?: Nanos;
  /** Mappings at most (default 4096). */
  maxMappings?: number;
}

/** Default NAPT parameters. */
export const NAPT_DEFAULTS = Object.freeze({ portRange: [49152, 65535] as const, timeoutNs: 60_000_000_000, maxMappings: 4096 });

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

/** NAPT on one router. */
export class Napt {
  /** The private side. */
  readonly inside: Iface;
  /** The public side. */
  readonly outside: Iface;
  /** Public ports allocated, inclusive. */
  readonly portRange: readonly [number, number];
  /** Idle timeout, ns. */
  readonly timeoutNs: Nanos;
  /** Table size limit. */
  readonly maxMappings: number;

  private readonly byInside = new Map<string, NaptMapping>();
  private readonly byOutside = new Map<number, NaptMapping>();
  /** Mappings in order of last use: the first expires first (one timeout for all). */
  private readonly lru = new Set<NaptMapping>();
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
    this.timeoutNs = opts.timeoutNs ?? NAPT_DEFAULTS.timeoutNs;
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
      const m = this.mapOut(protocol, src, rd16(payload, 0), p.dst, rd16(payload, 2));
      if (m === null) return null;
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
      const m = this.mapOut(protocol, src, rd16(payload, 4), p.dst, 0);
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
    let m: NaptMapping | undefined;
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

  private mapOut(protocol: number, insideAddr: number, insidePort: number, remoteAddr: number, remotePort: number): NaptMapping | null {
    const key = `${protocol}/${insideAddr}/${insidePort}/${remoteAddr}/${remotePort}`;
    const found = this.byInside.get(key);
    if (found !== undefined) return found;
    if (this.byInside.size >= this.maxMappings) return this.drop('napt.tableFull');
    const outsidePort = this.allocPort(protocol);
    if (outsidePort < 0) return this.drop('napt.noPorts');
    const m: NaptMapping = { protocol, insideAddr, insidePort, outsidePort, remoteAddr, remotePort, expiresAt: 0 };
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

  /** Refreshes `m` and counts a translation; returns `out`. */
  private done(m: NaptMapping, out: Uint8Array, counter: 'napt.translatedOut' | 'napt.translatedIn'): Uint8Array {
    m.expiresAt = this.sim.now + this.timeoutNs;
    this.lru.delete(m);
    this.lru.add(m);
    this.counters.inc(counter);
    this.armSweep();
    return out;
  }

  private drop(counter: string): null {
    this.counters.drop(counter);
    return null;
  }

  private armSweep(): void {
    if (this.sweep !== null) return;
    const first = this.lru.values().next();
    if (first.done) return;
    this.sweep = this.timers.at(Math.max(first.value.expiresAt, this.sim.now), () => {
      this.sweep = null;
      this.expire();
    });
  }

  private expire(): void {
    const now = this.sim.now;
    for (const m of this.lru) {
      if (m.expiresAt > now) break;
      this.lru.delete(m);
      this.byInside.delete(`${m.protocol}/${m.insideAddr}/${m.insidePort}/${m.remoteAddr}/${m.remotePort}`);
      this.byOutside.delete(m.protocol * 65536 + m.outsidePort);
      this.counters.inc('napt.mappingsExpired');
      this.traceMapping('expire', m);
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
