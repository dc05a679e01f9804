/**
 * A store-and-forward Ethernet switch (an IEEE 802.1D transparent bridge without spanning tree):
 * N full-duplex ports that auto-negotiate like an adapter's PHY, MAC learning with aging on
 * simulated time, forwarding of known unicast to one port, flooding of unknown unicast, broadcast
 * and multicast, and a tail-drop output queue per port transmitting at the port's link speed.
 *
 * Guarantees and simplifications:
 * - A frame is handled only once it has arrived completely (store and forward): a frame with no
 *   SFD, a bad FCS, a runt (< 64 octets) or an oversize frame (> `maxFrameBytes`) is dropped and
 *   counted once in the ingress port's `rxErrors`; it is neither learned from nor forwarded.
 * - Every frame the switch discards is counted in exactly one per-port counter and traced as a
 *   `drop` event whose `counter` names it (`p<i>.rxErrors`, `p<i>.filtered`, `p<i>.txDrops`) and
 *   whose `frameId` is the id of the frame as it arrived at the switch.
 * - A MAC entry whose age (now − last time the address was seen as a source) is ≥ `agingNs` is
 *   never used: a lookup evicts it and the frame floods. Entries learned on a port are flushed
 *   when that port's link goes down. There is no table size limit.
 * - Frames to the IEEE 802.1D reserved group addresses 01-80-C2-00-00-00..0F (spanning tree,
 *   PAUSE, LACP, …) are never forwarded (counted as `filtered`); the switch sends no PAUSE frames
 *   and does not advertise PAUSE.
 * - Every port runs full duplex (no CSMA/CD), even when resolution with a forced partner yields
 *   half duplex (a duplex mismatch, as with a real switch port facing a forced half-duplex NIC).
 * - Signal fidelity: a frame arriving with line `symbols` is decoded by the port's PHY (any line
 *   error reported for the stream drops it as an `rxErrors`, an approximation: a real MAC ignores
 *   errors in the idle around a frame). Copies of such a frame leave line-coded by the egress
 *   port's PHY, and with `fidelity: 'signal'` every transmitted frame does. Timing is identical
 *   in both fidelities.
 *
 * Not implemented: VLANs (802.1Q tags are forwarded as ordinary frames), spanning tree, static
 * entries, IGMP snooping, cut-through forwarding, PAUSE flow control, port mirroring.
 * @module
 */
import type { ReusableEvent, Simulator } from '../../sim/simulator.js';
import type { EventHandle } from '../../sim/queue.js';
import { MS, SEC, type Nanos } from '../../sim/time.js';
import { fcsValid } from '../mac/fcs.js';
import { findFrameStart, MAX_FRAME_TAGGED, MIN_FRAME, PREAMBLE_OCTET, PREAMBLE_SFD_LEN, SFD } from '../mac/framing.js';
import { resolveLink, type LinkMode } from '../phy/link.js';
import { createLineCodec, type LineCodec, type LineStream, type PhyKind } from '../phy/linecode/index.js';
import { BIT_TIME_NS, frameDurationNs, type Duplex, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from './types.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A switch learned a source address on a port (new, or moved from `previousPort`). */
    'switch.learn': { mac: string; port: number; previousPort?: number };
    /** A switch evicted an aged (or flushed) MAC table entry. */
    'switch.age': { mac: string; port: number; reason: 'aged' | 'link-down' };
    /** A switch forwarded a received frame to the one port its destination was learned on. */
    'switch.forward': { frameId: number; dst: string; inPort: number; outPort: number };
    /** A switch flooded a frame (unknown unicast, broadcast, multicast) to every other port with link. */
    'switch.flood': { frameId: number; dst: string; inPort: number; outPorts: number[]; why: 'unknown' | 'broadcast' | 'multicast' };
    /** A switch port's link went up or down. */
    'switch.link': { port: number; up: boolean; speed?: Speed; duplex?: Duplex; via?: LinkMode['via'] };
  }
}

/** Options for a {@link Switch}. */
export interface SwitchOptions {
  /** Trace name (default `switchN`). */
  name?: string;
  /** Number of ports (≥ 1). */
  ports: number;
  /** Highest speed of each port (default 1000 Mb/s for every port). */
  speeds?: Speed[];
  /** Output queue limit per port in frames (default 64, or unlimited when only `queueLimitBytes` is given). */
  queueLimitFrames?: number;
  /** Output queue limit per port in octets (destination address to FCS); both limits apply when both are given. */
  queueLimitBytes?: number;
  /** MAC table aging time (default 300 s). */
  agingNs?: Nanos;
  /** Forwarding decision latency from the end of reception to the earliest transmit start (default 0). */
  latencyNs?: Nanos;
  /** Auto-negotiation time from the last link signal change to link up (default 1.5 s). */
  autonegNs?: Nanos;
  /** Largest frame accepted, destination address to FCS (default 1522, a VLAN-tagged frame). */
  maxFrameBytes?: number;
  /** `'signal'`: transmit line-coded symbols as well (default `'frame'`). */
  fidelity?: 'frame' | 'signal';
}

/** Counters of one switch port (octets count destination address to FCS). */
export interface SwitchPortStats {
  /** Good frames received. */
  rxFrames: number;
  /** Octets of good frames received. */
  rxBytes: number;
  /** Frames transmitted (counted when transmission starts). */
  txFrames: number;
  /** Octets transmitted. */
  txBytes: number;
  /** Received frames dropped as bad: no link or speed mismatch, line code error, no SFD, runt, oversize, FCS error. */
  rxErrors: number;
  /** Frames for this port dropped because its output queue was full (or its link went down with them queued). */
  txDrops: number;
  /** Good frames received here and not forwarded: destination on this same port, or a reserved group address. */
  filtered: number;
  /** Good frames received here and flooded. */
  flooded: number;
  /** Good frames received here and forwarded to one learned port. */
  forwarded: number;
}

/** One entry of the MAC table view. */
export interface MacTableEntry {
  /** The address, `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  /** The port it was last seen on. */
  port: number;
  /** Time since it was last seen, ns. */
  ageNs: Nanos;
}

/** The 96-bit interpacket gap, in bits. */
const IPG_BITS = 96;

interface MacEntry {
  port: number;
  seen: Nanos;
}

/**
 * A frame in a port's output queue. Entries are reused (a port keeps as many as its queue ever
 * held), each with its own transmit event, so queueing a frame allocates nothing and a sent
 * frame's bytes are not kept alive by the queue.
 */
class Queued {
  /** Id of the frame as it arrived (the one its drop names). */
  frameId = 0;
  /** Octets, destination address to FCS. */
  bytes = 0;
  /** When its transmission starts. */
  txStart: Nanos = 0;
  /** When its last bit has left. */
  end: Nanos = 0;
  /** The line bytes to send (preamble onwards); null once sent. */
  line: Uint8Array | null = null;
  /** Bit time at the port's speed when it was queued, ns. */
  bitTimeNs = 0;
  /** Whether it leaves line-coded. */
  signal = false;
  /** Starts its transmission at `txStart`. */
  readonly tx: ReusableEvent;
  constructor(
    private readonly sw: Switch,
    private readonly port: SwitchPort,
  ) {
    this.tx = sw.sim.reusableEvent(Queued.prototype.start, this);
  }

  /** The run of {@link tx}: the transmission starts. */
  private start(): void {
    this.sw.transmit(this.port, this);
  }
}

function macKey(b: Uint8Array, off: number): number {
  return ((b[off] << 8) | b[off + 1]) * 0x1_0000_0000 + (((b[off + 2] << 24) | (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]) >>> 0);
}

function macString(key: number): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const byte = Math.floor(key / 2 ** (8 * i)) & 0xff;
    s += (i < 5 ? ':' : '') + byte.toString(16).padStart(2, '0');
  }
  return s;
}

function phyKind(speed: Speed): PhyKind {
  return speed === 1000 ? '1000BASE-X' : speed === 100 ? '100BASE-TX' : '10BASE-T';
}

function isLineStream(s: unknown): s is LineStream {
  return typeof s === 'object' && s !== null && typeof (s as LineStream).bitCount === 'number' && typeof (s as LineStream).kind === 'string';
}

/** One port: an {@link Endpoint} with its own link setup, counters and output queue. */
class SwitchPort implements Endpoint {
  readonly name: string;
  medium: MediumLink | null = null;
  partner: LinkSignal | null = null;
  mode: LinkMode | null = null;
  readonly stats: SwitchPortStats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxErrors: 0, txDrops: 0, filtered: 0, flooded: 0, forwarded: 0 };
  /** Frames accepted for transmission whose last bit has not left yet: a ring of `count` entries from `head`. */
  slots: Queued[] = [];
  /** Index in `slots` of the oldest queued frame. */
  head = 0;
  /** Frames queued. */
  count = 0;
  queueBytes = 0;
  /** When the line is free for the next frame (end of the last one plus the IPG). */
  freeAt: Nanos = 0;
  private negotiation: EventHandle | null = null;
  private readonly msSeed: number;
  private txCodec: LineCodec | null = null;
  private rxCodecs = new Map<PhyKind, LineCodec>();

  constructor(
    private readonly sw: Switch,
    readonly index: number,
    readonly speed: Speed,
  ) {
    this.name = `${sw.name}.p${index}`;
    this.msSeed = sw.sim.rng(`${this.name}.master-slave`).nextU32();
  }

  /** The signal the port emits: auto-negotiation advertising every mode up to its speed. */
  signal(): LinkSignal {
    const anar = this.speed >= 100 ? 0x01e1 : 0x0061;
    // 1000BASE-T control: FD1000 plus PORT_TYPE (a multi-port device prefers to be master).
    const gtcr = this.speed === 1000 ? 0x0200 | 0x0400 : 0;
    return { autoneg: true, anar, gtcr, speed: this.speed, duplex: 'full', msSeed: this.msSeed };
  }

  plugged(link: MediumLink | null): void {
    this.medium = link;
    if (link === null) {
      this.partner = null;
      this.cancelNegotiation();
      this.setMode(null);
    } else link.signal(this.signal());
  }

  partnerSignal(sig: LinkSignal | null): void {
    this.partner = sig;
    this.cancelNegotiation();
    const wasUp = this.mode !== null;
    this.setMode(null);
    if (sig === null || this.medium === null) return;
    // A renegotiating partner restarts our negotiation too (as FLP bursts resume on both sides).
    if (wasUp) this.medium.signal(this.signal());
    this.negotiation = this.sw.sim.schedule(this.sw.autonegNs, () => {
      this.negotiation = null;
      if (this.partner === null || this.medium === null) return;
      // Unresolvable: stay down until the partner's signal changes.
      this.setMode(resolveLink(this.signal(), this.partner, this.medium.maxSpeed));
    });
  }

  receive(frame: WireFrame): void {
    this.sw.ingress(this, frame);
  }

  private cancelNegotiation(): void {
    this.negotiation?.cancel();
    this.negotiation = null;
  }

  private setMode(mode: LinkMode | null): void {
    const was = this.mode;
    if (was === null && mode === null) return;
    this.mode = mode;
    const sim = this.sw.sim;
    if (sim.trace.active) {
      sim.trace.emit('switch.link', this.sw.name, mode ? { port: this.index, up: true, speed: mode.speed, duplex: mode.duplex, via: mode.via } : { port: this.index, up: false });
    }
    if (mode === null) this.sw.linkLost(this);
    else this.txCodec = null;
  }

  /** The receive codec for a stream's kind. */
  rxCodec(kind: PhyKind): LineCodec {
    let c = this.rxCodecs.get(kind);
    if (c === undefined) {
      c = createLineCodec(kind);
      this.rxCodecs.set(kind, c);
    }
    return c;
  }

  /** The transmit codec at the current link speed (100BASE-TX keeps its scrambler running). */
  encoder(): LineCodec {
    if (this.txCodec === null) this.txCodec = createLineCodec(phyKind(this.mode!.speed));
    return this.txCodec;
  }
}

/** A store-and-forward Ethernet switch; connect its ports with cables: `cable.connect(nic.port, sw.port(0))`. */
export class Switch {
  /** Trace name. */
  readonly name: string;
  /** Auto-negotiation time of the ports, ns. */
  readonly autonegNs: Nanos;
  /** MAC table aging time, ns. */
  readonly agingNs: Nanos;
  /** Forwarding decision latency, ns. */
  readonly latencyNs: Nanos;
  /** Output queue limit per port, frames. */
  readonly queueLimitFrames: number;
  /** Output queue limit per port, octets. */
  readonly queueLimitBytes: number;
  /** Largest frame accepted, octets. */
  readonly maxFrameBytes: number;
  /** Whether transmitted frames carry line-coded symbols. */
  readonly fidelity: 'frame' | 'signal';
  private readonly ports: SwitchPort[];
  private readonly table = new Map<number, MacEntry>();
  private nextSweep: Nanos;

  constructor(
    /** The simulator. */
    readonly sim: Simulator,
    opts: SwitchOptions,
  ) {
    if (!Number.isInteger(opts.ports) || opts.ports < 1) throw new RangeError(`a switch needs a whole number of ports ≥ 1, got ${opts.ports}`);
    if (opts.speeds !== undefined && opts.speeds.length !== opts.ports) throw new RangeError(`speeds has ${opts.speeds.length} entries for ${opts.ports} ports`);
    this.name = opts.name ?? sim.uniqueName('switch');
    this.autonegNs = opts.autonegNs ?? 1500 * MS;
    this.agingNs = opts.agingNs ?? 300 * SEC;
    this.latencyNs = opts.latencyNs ?? 0;
    this.queueLimitFrames = opts.queueLimitFrames ?? (opts.queueLimitBytes !== undefined ? Infinity : 64);
    this.queueLimitBytes = opts.queueLimitBytes ?? Infinity;
    this.maxFrameBytes = opts.maxFrameBytes ?? MAX_FRAME_TAGGED;
    this.fidelity = opts.fidelity ?? 'frame';
    for (const [what, v] of [['autonegNs', this.autonegNs], ['agingNs', this.agingNs], ['latencyNs', this.latencyNs]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer number of ns, got ${v}`);
    }
    if (!(this.queueLimitFrames >= 0) || !(this.queueLimitBytes >= 0)) throw new RangeError('queue limits must be ≥ 0');
    this.ports = Array.from({ length: opts.ports }, (_, i) => new SwitchPort(this, i, opts.speeds?.[i] ?? 1000));
    this.nextSweep = this.agingNs;
  }

  /** Number of ports. */
  get portCount(): number {
    return this.ports.length;
  }

  /** Port `i` as an endpoint to connect a medium to. */
  port(i: number): Endpoint {
    return this.at(i);
  }

  /** A snapshot of port `i`'s counters. */
  portStats(i: number): SwitchPortStats {
    return { ...this.at(i).stats };
  }

  /** Port `i`'s link mode, or null while its link is down. */
  linkMode(i: number): LinkMode | null {
    return this.at(i).mode;
  }

  /** Frames waiting in or being transmitted from port `i`'s output queue. */
  queueDepth(i: number): number {
    const p = this.at(i);
    this.retire(p);
    return p.count;
  }

  /** The live MAC table (aged entries are evicted first), sorted by address. */
  macTable(): MacTableEntry[] {
    this.sweep();
    const now = this.sim.now;
    const out: MacTableEntry[] = [];
    for (const [key, e] of this.table) out.push({ mac: macString(key), port: e.port, ageNs: now - e.seen });
    return out.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  }

  /** Forgets every learned address (or those on one port). */
  flushMacTable(port?: number): void {
    for (const [key, e] of this.table) if (port === undefined || e.port === port) this.table.delete(key);
  }

  private at(i: number): SwitchPort {
    const p = this.ports[i];
    if (p === undefined) throw new RangeError(`${this.name} has no port ${i} (ports 0..${this.ports.length - 1})`);
    return p;
  }

  // ------------------------------------------------------------------ receive and decide

  private rxDrop(p: SwitchPort, counter: 'rxErrors' | 'filtered', reason: string, frameId: number): void {
    p.stats[counter]++;
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'rx frame', reason, counter: `p${p.index}.${counter}`, frameId });
  }

  /** @internal A frame arrived completely at port `p`. */
  ingress(p: SwitchPort, frame: WireFrame): void {
    const mode = p.mode;
    if (mode === null || BIT_TIME_NS[mode.speed] !== frame.bitTimeNs) {
      this.rxDrop(p, 'rxErrors', 'no link (or a speed mismatch)', frame.id);
      return;
    }
    let line = frame.bytes;
    if (frame.symbols !== undefined && isLineStream(frame.symbols)) {
      const r = p.rxCodec(frame.symbols.kind).decodeFrame(frame.symbols);
      if (r.errors.length > 0) {
        this.rxDrop(p, 'rxErrors', `line code error (${r.errors[0].kind} at code group ${r.errors[0].index})`, frame.id);
        return;
      }
      line = r.bytes;
    }
    const start = findFrameStart(line);
    if (start < 0) {
      this.rxDrop(p, 'rxErrors', 'no start frame delimiter', frame.id);
      return;
    }
    const len = line.length - start;
    if (len < MIN_FRAME) {
      this.rxDrop(p, 'rxErrors', `runt (${len} bytes)`, frame.id);
      return;
    }
    if (len > this.maxFrameBytes) {
      this.rxDrop(p, 'rxErrors', `oversize (${len} bytes > ${this.maxFrameBytes})`, frame.id);
      return;
    }
    if (!fcsValid(line, start, line.length)) {
      this.rxDrop(p, 'rxErrors', 'FCS error', frame.id);
      return;
    }
    p.stats.rxFrames++;
    p.stats.rxBytes += len;
    const now = this.sim.now;
    // learn the source (group addresses are never a source)
    if ((line[start + 6] & 1) === 0) this.learn(macKey(line, start + 6), p.index, now);
    const dst = macKey(line, start);
    const trace = this.sim.trace;
    if (line[start] & 1) {
      if (dst >= 0x0180_c200_0000 && dst <= 0x0180_c200_000f) {
        this.rxDrop(p, 'filtered', `reserved group address ${macString(dst)} (not forwarded by a bridge)`, frame.id);
        return;
      }
      const bcast = dst === 0xffff_ffff_ffff;
      this.flood(p, frame, line, start, len, bcast ? 'broadcast' : 'multicast', dst);
      return;
    }
    const e = this.lookup(dst, now);
    if (e === undefined) {
      this.flood(p, frame, line, start, len, 'unknown', dst);
      return;
    }
    if (e.port === p.index) {
      this.rxDrop(p, 'filtered', `destination ${macString(dst)} is on the ingress port`, frame.id);
      return;
    }
    p.stats.forwarded++;
    if (trace.active) trace.emit('switch.forward', this.name, { frameId: frame.id, dst: macString(dst), inPort: p.index, outPort: e.port });
    this.enqueue(this.ports[e.port], line, start, len, frame.symbols !== undefined, frame.id);
  }

  private flood(p: SwitchPort, frame: WireFrame, line: Uint8Array, start: number, len: number, why: 'unknown' | 'broadcast' | 'multicast', dst: number): void {
    p.stats.flooded++;
    const outs: number[] = [];
    for (const q of this.ports) if (q !== p && q.mode !== null) outs.push(q.index);
    if (this.sim.trace.active) this.sim.trace.emit('switch.flood', this.name, { frameId: frame.id, dst: macString(dst), inPort: p.index, outPorts: outs, why });
    for (const i of outs) this.enqueue(this.ports[i], line, start, len, frame.symbols !== undefined, frame.id);
  }

  // ------------------------------------------------------------------ MAC table

  private learn(key: number, port: number, now: Nanos): void {
    const e = this.table.get(key);
    if (e !== undefined && e.port === port) {
      e.seen = now;
      return;
    }
    if (now >= this.nextSweep) this.sweep();
    const trace = this.sim.trace;
    if (e !== undefined) {
      if (trace.active) trace.emit('switch.learn', this.name, { mac: macString(key), port, previousPort: e.port });
      e.port = port;
      e.seen = now;
      return;
    }
    this.table.set(key, { port, seen: now });
    if (trace.active) trace.emit('switch.learn', this.name, { mac: macString(key), port });
  }

  private lookup(key: number, now: Nanos): MacEntry | undefined {
    const e = this.table.get(key);
    if (e === undefined) return undefined;
    if (now - e.seen >= this.agingNs) {
      this.evict(key, e, 'aged');
      return undefined;
    }
    return e;
  }

  private evict(key: number, e: MacEntry, reason: 'aged' | 'link-down'): void {
    this.table.delete(key);
    if (this.sim.trace.active) this.sim.trace.emit('switch.age', this.name, { mac: macString(key), port: e.port, reason });
  }

  /** Evicts every aged entry; runs at most once per aging period from `learn` (amortised), and from `macTable`. */
  private sweep(): void {
    const now = this.sim.now;
    for (const [key, e] of this.table) if (now - e.seen >= this.agingNs) this.evict(key, e, 'aged');
    this.nextSweep = now + Math.max(1, this.agingNs);
  }

  /** @internal Port `p` lost its link: flush its MAC entries and its output queue. */
  linkLost(p: SwitchPort): void {
    for (const [key, e] of this.table) if (e.port === p.index) this.evict(key, e, 'link-down');
    const slots = p.slots;
    for (let k = 0; k < p.count; k++) {
      const q = slots[(p.head + k) % slots.length];
      q.line = null;
      if (q.tx.cancel()) this.txDrop(p, 'link down with the frame queued', q.frameId);
    }
    p.head = 0;
    p.count = 0;
    p.queueBytes = 0;
    p.freeAt = 0;
  }

  // ------------------------------------------------------------------ output queues

  private txDrop(p: SwitchPort, reason: string, frameId: number): void {
    p.stats.txDrops++;
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, { what: 'tx frame', reason, counter: `p${p.index}.txDrops`, frameId });
  }

  /** Removes frames whose last bit has left the port. */
  private retire(p: SwitchPort): void {
    const now = this.sim.now;
    const slots = p.slots;
    while (p.count > 0) {
      const q = slots[p.head];
      if (q.end > now) break;
      p.queueBytes -= q.bytes;
      p.head = p.head + 1 === slots.length ? 0 : p.head + 1;
      p.count--;
    }
  }

  /** A free entry at the tail of `p`'s queue (the ring grows when full). */
  private tail(p: SwitchPort): Queued {
    let slots = p.slots;
    if (p.count === slots.length) {
      // unroll the ring in queue order and add one entry
      const grown: Queued[] = [];
      for (let k = 0; k < p.count; k++) grown.push(slots[(p.head + k) % slots.length]);
      grown.push(new Queued(this, p));
      p.slots = slots = grown;
      p.head = 0;
    }
    const i = p.head + p.count;
    return slots[i >= slots.length ? i - slots.length : i];
  }

  /** @internal Queued frame `q` starts to leave port `p`. */
  transmit(p: SwitchPort, q: Queued): void {
    const bytes = q.line!;
    q.line = null;
    const medium = p.medium;
    if (medium === null) return;
    const sim = this.sim;
    p.stats.txFrames++;
    p.stats.txBytes += q.bytes;
    const bitTimeNs = q.bitTimeNs;
    const symbols = q.signal ? p.encoder().encodeFrame(bytes) : undefined;
    const wf: WireFrame = symbols === undefined ? { id: sim.nextId('frame'), bytes, bitTimeNs, txStart: q.txStart, sender: p.name } : { id: sim.nextId('frame'), bytes, bitTimeNs, txStart: q.txStart, sender: p.name, symbols };
    medium.send(wf);
  }

  private enqueue(p: SwitchPort, line: Uint8Array, start: number, len: number, hadSymbols: boolean, frameId: number): void {
    const mode = p.mode;
    if (mode === null) return;
    this.retire(p);
    if (p.count + 1 > this.queueLimitFrames || p.queueBytes + len > this.queueLimitBytes) {
      this.txDrop(p, `output queue full (${p.count} frames, ${p.queueBytes} bytes)`, frameId);
      return;
    }
    let bytes = line;
    if (start !== PREAMBLE_SFD_LEN) {
      // The egress MAC sends a full preamble whatever the ingress one lost.
      bytes = new Uint8Array(PREAMBLE_SFD_LEN + len);
      bytes.fill(PREAMBLE_OCTET, 0, PREAMBLE_SFD_LEN - 1);
      bytes[PREAMBLE_SFD_LEN - 1] = SFD;
      bytes.set(line.subarray(start), PREAMBLE_SFD_LEN);
    }
    const bitTimeNs = BIT_TIME_NS[mode.speed];
    const now = this.sim.now;
    const txStart = Math.max(now + this.latencyNs, p.freeAt);
    const end = txStart + frameDurationNs(bytes.length, bitTimeNs);
    p.freeAt = end + IPG_BITS * bitTimeNs;
    const q = this.tail(p);
    q.frameId = frameId;
    q.bytes = len;
    q.txStart = txStart;
    q.end = end;
    q.line = bytes;
    q.bitTimeNs = bitTimeNs;
    q.signal = this.fidelity === 'signal' || hadSymbols;
    q.tx.schedule(txStart - now);
    p.count++;
    p.queueBytes += len;
  }

}
