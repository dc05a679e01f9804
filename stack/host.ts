/**
 * One host's network stack: interfaces (Ethernet demux, ARP, transmit queue), the routing table,
 * the IPv4 layer (input, output, forwarding, fragmentation, reassembly), ICMP, optional NAPT, one
 * counter registry and the timers, all on the simulator's clock.
 *
 * Counting rule: every received frame ends in exactly one `rx-drop` or `rx-ok` counter, or is
 * still held in the reassembly buffer (`ip.reassembler.heldFragments`); every packet the stack
 * fails to send is counted in exactly one `tx-drop` counter. `stat` counters count events and
 * take no part in that identity. Each drop also emits a `drop` trace event naming its counter.
 * Transports (UDP, TCP, written above this layer) add their own counters with
 * {@link Counters.define}; a packet handed to them is `ip.delivered` here and accounted for there.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { EventHandle } from '../sim/queue.js';
import type { Nanos } from '../sim/time.js';
import type { NetDevice } from '../driver/netdev.js';
import { ARP_DEFAULTS, type ArpCache, type ArpConfig, type ArpRow } from './iface/arp.js';
import { Iface, type IfaceHost } from './iface/netif.js';
import { RoutingTable, toIpv4 } from './iface/route.js';
import { Icmp, ICMP_DEFAULTS } from './icmp.js';
import { REASSEMBLY_DEFAULTS } from './ip/frag.js';
import { Ipv4Layer } from './ip/ipv4.js';
import { Napt, type NaptOptions } from './ip/napt.js';

// ---------------------------------------------------------------------------------------------
// Counters

/** Which identity a counter takes part in (see the module comment). */
export type CounterKind = 'rx-drop' | 'rx-ok' | 'tx-drop' | 'stat';

/** A counter's definition: its kind and what it counts. */
export interface CounterDef {
  /** The identity it takes part in. */
  readonly kind: CounterKind;
  /** What one increment means (also the `reason` of its `drop` trace events). */
  readonly help: string;
}

/** The stack's counters below the transports: the one table that says what each name means. */
export const STACK_COUNTERS = {
  // Ethernet demux
  'eth.truncated': { kind: 'rx-drop', help: 'frame shorter than an Ethernet header' },
  'eth.notForUs': { kind: 'rx-drop', help: 'destination MAC is neither ours, broadcast, nor IPv4 multicast (promiscuous reception)' },
  'eth.vlanTagged': { kind: 'rx-drop', help: '802.1Q-tagged frame (no VLAN support)' },
  'eth.unknownType': { kind: 'rx-drop', help: 'EtherType is neither IPv4 nor ARP' },
  // ARP
  'arp.truncated': { kind: 'rx-drop', help: 'ARP packet shorter than 28 bytes' },
  'arp.unsupported': { kind: 'rx-drop', help: 'ARP for another hardware or protocol type' },
  'arp.badOp': { kind: 'rx-drop', help: 'ARP operation is neither request nor reply' },
  'arp.badSender': { kind: 'rx-drop', help: 'ARP sender hardware or protocol address is not a unicast host (or is our own MAC)' },
  'arp.conflict': { kind: 'rx-drop', help: 'another station claims our IPv4 address' },
  'arp.notForUs': { kind: 'rx-drop', help: 'ARP packet neither targets us nor updates a cache entry' },
  'arp.unsolicited': { kind: 'rx-drop', help: 'ARP reply for an address we did not ask for' },
  'arp.accepted': { kind: 'rx-ok', help: 'ARP packet processed (answered or merged into the cache)' },
  'arp.queueOverflow': { kind: 'tx-drop', help: 'oldest packet waiting for address resolution dropped: the per-entry queue was full' },
  'arp.unresolved': { kind: 'tx-drop', help: 'packet waiting for address resolution dropped: the neighbour did not answer' },
  'arp.flushed': { kind: 'tx-drop', help: 'packet waiting for address resolution dropped: the link went down' },
  'arp.cacheFull': { kind: 'tx-drop', help: 'no ARP cache entry available for a new neighbour' },
  'arp.requestsSent': { kind: 'stat', help: 'broadcast ARP requests sent' },
  'arp.probesSent': { kind: 'stat', help: 'unicast ARP probes sent (reconfirming a stale entry)' },
  'arp.repliesSent': { kind: 'stat', help: 'ARP replies sent' },
  'arp.announcements': { kind: 'stat', help: 'gratuitous ARP announcements sent' },
  // Interface transmit
  'iface.txDown': { kind: 'tx-drop', help: 'frame not sent: the device is down or has no carrier' },
  'iface.txQueueFull': { kind: 'tx-drop', help: 'frame not sent: the device was busy and the interface queue was full' },
  'iface.txQueued': { kind: 'stat', help: 'frames held in the interface queue while the device was busy' },
  // IPv4
  'ip.truncated': { kind: 'rx-drop', help: 'IPv4 packet shorter than its header or total length' },
  'ip.badVersion': { kind: 'rx-drop', help: 'IP version is not 4' },
  'ip.badHeader': { kind: 'rx-drop', help: 'IPv4 header inconsistent (IHL, total length, reserved flag)' },
  'ip.badChecksum': { kind: 'rx-drop', help: 'IPv4 header checksum mismatch' },
  'ip.badOptions': { kind: 'rx-drop', help: 'IPv4 option with an impossible length' },
  'ip.badSource': { kind: 'rx-drop', help: 'source address is broadcast, multicast, loopback or our own' },
  'ip.badDestination': { kind: 'rx-drop', help: 'destination address can never be valid (0/8, 127/8, 240/4)' },
  'ip.l2Broadcast': { kind: 'rx-drop', help: 'link-layer broadcast or multicast carrying a unicast IP destination (RFC 1122 3.3.6)' },
  'ip.notForUs': { kind: 'rx-drop', help: 'destination is not ours and forwarding is off (or a multicast group we did not join)' },
  'ip.unknownProtocol': { kind: 'rx-drop', help: 'no handler for the IP protocol number (protocol unreachable sent)' },
  'ip.ttlExpired': { kind: 'rx-drop', help: 'TTL would reach 0 while forwarding (time exceeded sent)' },
  'ip.noRoute': { kind: 'rx-drop', help: 'no route to forward the packet (net unreachable sent)' },
  'ip.fragNeeded': { kind: 'rx-drop', help: 'forwarded packet larger than the outgoing MTU with DF set (fragmentation needed sent)' },
  'ip.fragBad': { kind: 'rx-drop', help: 'malformed fragment (empty, not a multiple of 8 bytes, or too many fragments)' },
  'ip.fragTooBig': { kind: 'rx-drop', help: 'fragment would make the datagram longer than 65,535 bytes' },
  'ip.fragDuplicate': { kind: 'rx-drop', help: 'exact duplicate of a fragment already held' },
  'ip.fragOverlap': { kind: 'rx-drop', help: 'fragment overlapping another or contradicting the datagram length: the whole datagram is dropped' },
  'ip.reassemblyLimit': { kind: 'rx-drop', help: 'fragment of a new datagram refused: too many concurrent reassemblies' },
  'ip.reassemblyMemory': { kind: 'rx-drop', help: 'fragment refused: the reassembly memory limit would be exceeded' },
  'ip.reassemblyTimeout': { kind: 'rx-drop', help: 'fragment dropped: its datagram was not complete before the reassembly timeout' },
  'ip.delivered': { kind: 'rx-ok', help: 'datagram handed to a registered transport' },
  'ip.forwarded': { kind: 'rx-ok', help: 'packet forwarded to an outgoing interface' },
  'ip.fragMerged': { kind: 'rx-ok', help: 'fragment merged into a reassembled datagram (the datagram itself is counted where it ends)' },
  'ip.outNoRoute': { kind: 'tx-drop', help: 'no route for a locally generated packet (ENETUNREACH)' },
  'ip.outTooBig': { kind: 'tx-drop', help: 'locally generated datagram over 65,535 bytes, or over the MTU with DF (EMSGSIZE)' },
  'ip.outRequests': { kind: 'stat', help: 'datagrams handed to ip.output' },
  'ip.fragCreated': { kind: 'stat', help: 'fragments created by fragmentation' },
  'ip.reassembled': { kind: 'stat', help: 'datagrams reassembled' },
  'ip.loopback': { kind: 'stat', help: 'datagrams sent to one of our own addresses (delivered internally)' },
  // ICMP
  'icmp.truncated': { kind: 'rx-drop', help: 'ICMP message shorter than its header' },
  'icmp.badChecksum': { kind: 'rx-drop', help: 'ICMP checksum mismatch' },
  'icmp.echoBroadcast': { kind: 'rx-drop', help: 'echo request to a broadcast or multicast address (ignored, as Linux does by default)' },
  'icmp.noListener': { kind: 'rx-drop', help: 'echo reply with nobody listening' },
  'icmp.badError': { kind: 'rx-drop', help: 'ICMP error whose invoking datagram is unusable or was not sent by us' },
  'icmp.noErrorHandler': { kind: 'rx-drop', help: 'ICMP error about a protocol that takes no error reports' },
  'icmp.unsupportedType': { kind: 'rx-drop', help: 'ICMP type this stack does not handle (redirect, source quench, timestamp…)' },
  'icmp.echoAnswered': { kind: 'rx-ok', help: 'echo request answered' },
  'icmp.echoReply': { kind: 'rx-ok', help: 'echo reply delivered to the echo listeners' },
  'icmp.errorDelivered': { kind: 'rx-ok', help: 'ICMP error delivered to the transport (or echo listeners) that sent the original' },
  'icmp.rateLimited': { kind: 'tx-drop', help: 'ICMP error not sent: rate limit' },
  'icmp.errorsSent': { kind: 'stat', help: 'ICMP errors sent' },
  'icmp.errorsSuppressed': { kind: 'stat', help: 'ICMP errors not sent by the RFC 1122 rules (about an ICMP error, a broadcast, a non-first fragment…)' },
  'icmp.localErrors': { kind: 'stat', help: 'ICMP errors about our own packets reported to ourselves (address resolution failed)' },
  'icmp.echoSent': { kind: 'stat', help: 'echo requests sent' },
  // NAPT
  'napt.unsupported': { kind: 'rx-drop', help: 'packet NAPT cannot translate (protocol other than TCP, UDP, ICMP echo and errors)' },
  'napt.badPacket': { kind: 'rx-drop', help: 'packet too short for NAPT to read its ports or identifier' },
  'napt.tableFull': { kind: 'rx-drop', help: 'no room in the NAPT table for a new mapping' },
  'napt.noPorts': { kind: 'rx-drop', help: 'no free public port for a new NAPT mapping' },
  'napt.mappingsCreated': { kind: 'stat', help: 'NAPT mappings created' },
  'napt.mappingsExpired': { kind: 'stat', help: 'NAPT mappings expired' },
  'napt.translatedOut': { kind: 'stat', help: 'packets translated inside → outside' },
  'napt.translatedIn': { kind: 'stat', help: 'packets translated outside → inside' },
} as const satisfies Record<string, CounterDef>;

/** A counter name from {@link STACK_COUNTERS}. */
export type StackCounterName = keyof typeof STACK_COUNTERS;

/** A live counter: hot paths keep one and increment `value` directly. */
export interface CounterRef {
  /** The current count. */
  value: number;
}

function whatOf(name: string, def: CounterDef): string {
  if (name.startsWith('eth.') || name.startsWith('iface.')) return 'frame';
  if (name.startsWith('arp.')) return def.kind === 'rx-drop' ? 'arp packet' : 'ip packet';
  if (name.startsWith('ip.frag') || name.startsWith('ip.reassembly')) return 'fragment';
  if (name.startsWith('icmp.')) return 'icmp message';
  return 'ip packet';
}

/**
 * The counter registry of one stack: the defined names (the {@link STACK_COUNTERS} table plus
 * whatever transports `define`), their values, and the `drop` trace events.
 */
export class Counters {
  private readonly defs = new Map<string, CounterDef>();
  private readonly refs = new Map<string, CounterRef>();

  /** Creates the registry; `source` names the stack in trace events. */
  constructor(
    private readonly sim: Simulator,
    private readonly source: string,
  ) {
    for (const [name, def] of Object.entries(STACK_COUNTERS)) this.define(name, def);
  }

  /** Adds a counter (a transport's); redefining a name with another kind is a programmer error. */
  define(name: string, def: CounterDef): void {
    const old = this.defs.get(name);
    if (old !== undefined) {
      if (old.kind !== def.kind) throw new Error(`counter ${name} is already defined as ${old.kind}`);
      return;
    }
    this.defs.set(name, def);
    this.refs.set(name, { value: 0 });
  }

  /** The live counter `name` (unknown names are a programmer error). */
  ref(name: string): CounterRef {
    const r = this.refs.get(name);
    if (r === undefined) throw new Error(`unknown counter ${name}`);
    return r;
  }

  /** Adds `n` to a counter (any kind; drops should use {@link Counters.drop}). */
  inc(name: string, n = 1): void {
    this.ref(name).value += n;
  }

  /** Counts `n` drops in `name` and emits one `drop` trace event per drop (`detail` overrides the reason). */
  drop(name: string, n = 1, detail?: string): void {
    const r = this.ref(name);
    r.value += n;
    const trace = this.sim.trace;
    if (trace.active) {
      const def = this.defs.get(name)!;
      const reason = detail ?? def.help;
      const what = whatOf(name, def);
      for (let i = 0; i < n; i++) trace.emit('drop', this.source, { what, reason, counter: name });
    }
  }

  /** The value of `name` (0 for a defined counter never incremented). */
  get(name: string): number {
    return this.ref(name).value;
  }

  /** The definition of `name`, if defined. */
  def(name: string): CounterDef | undefined {
    return this.defs.get(name);
  }

  /** Every defined counter with its value (optionally only one kind; optionally only non-zero ones). */
  snapshot(opts: { kind?: CounterKind; nonZero?: boolean } = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, def] of this.defs) {
      if (opts.kind !== undefined && def.kind !== opts.kind) continue;
      const v = this.refs.get(name)!.value;
      if (opts.nonZero && v === 0) continue;
      out[name] = v;
    }
    return out;
  }

  /** The sum of all counters of one kind (optionally only names with a prefix such as `ip.`). */
  sum(kind: CounterKind, prefixes?: readonly string[]): number {
    let s = 0;
    for (const [name, def] of this.defs) {
      if (def.kind !== kind) continue;
      if (prefixes !== undefined && !prefixes.some((p) => name.startsWith(p))) continue;
      s += this.refs.get(name)!.value;
    }
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Timers

/** A timer of the stack; `cancel()` stops it (idempotent). */
export interface StackTimer {
  /** Simulated time it fires (or fired). */
  readonly expiresAt: Nanos;
  /** True once fired or cancelled. */
  readonly done: boolean;
  /** Cancels it if still pending; returns whether it was. */
  cancel(): boolean;
}

class TimerImpl implements StackTimer {
  handle: EventHandle | null = null;
  done = false;
  constructor(
    readonly expiresAt: Nanos,
    private readonly owner: StackTimers,
  ) {}
  cancel(): boolean {
    if (this.done) return false;
    this.done = true;
    this.handle?.cancel();
    this.owner.live--;
    return true;
  }
}

/**
 * The stack's timers: events on the simulator's queue (never host timers). Reassembly, NAPT and
 * later TCP keep their timers here so a test can see how many are pending.
 */
export class StackTimers {
  /** Timers scheduled and neither fired nor cancelled. */
  live = 0;

  /** Wraps the simulator. */
  constructor(private readonly sim: Simulator) {}

  /** The current simulated time, ns. */
  get now(): Nanos {
    return this.sim.now;
  }

  /** Runs `fn` after `delay` ns. */
  after(delay: Nanos, fn: () => void): StackTimer {
    return this.at(this.sim.now + delay, fn);
  }

  /** Runs `fn` at absolute time `time` (not in the past). */
  at(time: Nanos, fn: () => void): StackTimer {
    const t = new TimerImpl(time, this);
    this.live++;
    t.handle = this.sim.at(time, () => {
      if (t.done) return;
      t.done = true;
      this.live--;
      fn();
    });
    return t;
  }
}

// ---------------------------------------------------------------------------------------------
// The stack

/** Options of a {@link NetStack}: its name, whether it routes, and the limits of every layer. */
export interface NetStackOptions {
  /** Host name (the `source` of its trace events). */
  name: string;
  /** Forward datagrams not addressed to us (a router; default false). */
  forwarding?: boolean;
  /** TTL of datagrams we originate (default 64). */
  defaultTtl?: number;
  /** First IPv4 identification value (default: from the simulator's random stream `<name>.ip.id`). */
  firstIpId?: number;
  /** Frames an interface keeps while its device is busy (default 128). */
  txQueueLen?: number;
  /** How long a confirmed ARP entry stays reachable, ns (default 30 s). */
  arpReachableNs?: Nanos;
  /** Interval between ARP requests or probes, ns (default 1 s). */
  arpRetransNs?: Nanos;
  /** Wait before probing a used stale ARP entry, ns (default 5 s). */
  arpDelayNs?: Nanos;
  /** How long an unused stale ARP entry is kept, ns (default 60 s). */
  arpStaleNs?: Nanos;
  /** ARP requests before resolution fails (default 3). */
  arpMaxRequests?: number;
  /** Unicast ARP probes before a stale entry fails (default 3). */
  arpMaxProbes?: number;
  /** Packets waiting for one neighbour (default 64). */
  arpQueueLen?: number;
  /** ARP entries per interface (default 512). */
  arpMaxEntries?: number;
  /** Reassembly timeout, ns (default 30 s). */
  reassemblyTimeoutNs?: Nanos;
  /** Concurrent reassemblies (default 64). */
  reassemblyMaxDatagrams?: number;
  /** Bytes held for reassembly (default 1 MiB). */
  reassemblyMaxBytes?: number;
  /** Fragments per datagram (default 1024). */
  reassemblyMaxFragments?: number;
  /** ICMP errors per second (default 1000). */
  icmpRatePerSec?: number;
  /** ICMP error burst (default 50). */
  icmpBurst?: number;
  /** Ignore echo requests to broadcast/multicast addresses (default true). */
  icmpEchoIgnoreBroadcasts?: boolean;
}

/** How `addInterface` configures an interface. */
export interface InterfaceOptions {
  /** IPv4 address, dotted quad or uint32. */
  address: string | number;
  /** Prefix length of the connected network, 0…32. */
  prefixLength: number;
  /** Interface name (default: the device's). */
  name?: string;
  /** Send gratuitous ARP now (if the link is up) and whenever the carrier comes up (default true). */
  announce?: boolean;
}

/**
 * One host's stack (see the module comment). Typical use:
 *
 * ```ts
 * const host = new NetStack(sim, { name: 'pc' });
 * const eth0 = host.addInterface(dev, { address: '192.168.1.10', prefixLength: 24 });
 * host.routes.setDefaultGateway('192.168.1.1');
 * host.ip.register(IP_PROTOCOL.UDP, udp);
 * ```
 */
export class NetStack {
  /** The simulator. */
  readonly sim: Simulator;
  /** Host name. */
  readonly name: string;
  /** The counter registry (every drop in exactly one counter). */
  readonly counters: Counters;
  /** Timers on the simulator's clock. */
  readonly timers: StackTimers;
  /** The routing table. */
  readonly routes: RoutingTable;
  /** The IPv4 layer. */
  readonly ip: Ipv4Layer;
  /** The ICMP layer. */
  readonly icmp: Icmp;
  /** NAPT, once configured. */
  napt?: Napt;

  private readonly ifaceList: Iface[] = [];
  private readonly arpConfig: Readonly<ArpConfig>;
  private readonly txQueueLen: number;
  private readonly host: IfaceHost;

  /** Creates a stack with no interfaces. */
  constructor(sim: Simulator, opts: NetStackOptions) {
    this.sim = sim;
    this.name = opts.name;
    this.counters = new Counters(sim, opts.name);
    this.timers = new StackTimers(sim);
    this.routes = new RoutingTable();
    this.arpConfig = Object.freeze({
      reachableNs: opts.arpReachableNs ?? ARP_DEFAULTS.reachableNs,
      retransNs: opts.arpRetransNs ?? ARP_DEFAULTS.retransNs,
      delayNs: opts.arpDelayNs ?? ARP_DEFAULTS.delayNs,
      staleNs: opts.arpStaleNs ?? ARP_DEFAULTS.staleNs,
      maxRequests: opts.arpMaxRequests ?? ARP_DEFAULTS.maxRequests,
      maxProbes: opts.arpMaxProbes ?? ARP_DEFAULTS.maxProbes,
      queueLen: opts.arpQueueLen ?? ARP_DEFAULTS.queueLen,
      maxEntries: opts.arpMaxEntries ?? ARP_DEFAULTS.maxEntries,
    });
    this.txQueueLen = opts.txQueueLen ?? 128;
    this.ip = new Ipv4Layer({
      sim,
      counters: this.counters,
      timers: this.timers,
      routes: this.routes,
      forwarding: opts.forwarding ?? false,
      defaultTtl: opts.defaultTtl ?? 64,
      firstIdent: opts.firstIpId ?? sim.rng(`${opts.name}.ip.id`).int(0, 0xffff),
      reassembly: Object.freeze({
        timeoutNs: opts.reassemblyTimeoutNs ?? REASSEMBLY_DEFAULTS.timeoutNs,
        maxDatagrams: opts.reassemblyMaxDatagrams ?? REASSEMBLY_DEFAULTS.maxDatagrams,
        maxBytes: opts.reassemblyMaxBytes ?? REASSEMBLY_DEFAULTS.maxBytes,
        maxFragments: opts.reassemblyMaxFragments ?? REASSEMBLY_DEFAULTS.maxFragments,
      }),
    });
    this.icmp = new Icmp(sim, this.counters, this.ip, {
      ratePerSec: opts.icmpRatePerSec ?? ICMP_DEFAULTS.ratePerSec,
      burst: opts.icmpBurst ?? ICMP_DEFAULTS.burst,
      echoIgnoreBroadcasts: opts.icmpEchoIgnoreBroadcasts ?? ICMP_DEFAULTS.echoIgnoreBroadcasts,
    });
    this.ip.attachIcmp(this.icmp);
    this.host = {
      name: this.name,
      sim,
      counters: this.counters,
      ipInput: (iface, packet, linkBroadcast, payloadSum) => this.ip.input(iface, packet, linkBroadcast, payloadSum),
      unresolved: (_iface, packet) => this.icmp.reportUnresolved(packet),
    };
  }

  /** Whether this host forwards datagrams. */
  get forwarding(): boolean {
    return this.ip.forwarding;
  }

  /** The interfaces, in the order they were added. */
  get interfaces(): readonly Iface[] {
    return this.ifaceList;
  }

  /** Attaches a device with an address; adds the connected route. */
  addInterface(dev: NetDevice, opts: InterfaceOptions): Iface {
    const address = toIpv4(opts.address);
    if (!Number.isInteger(opts.prefixLength) || opts.prefixLength < 0 || opts.prefixLength > 32) throw new RangeError(`prefix length must be 0…32, got ${opts.prefixLength}`);
    if (this.ip.isLocal(address)) throw new Error(`address ${opts.address} is already in use on this host`);
    const name = opts.name ?? dev.name;
    if (this.ifaceList.some((i) => i.name === name)) throw new Error(`an interface named ${name} already exists`);
    const iface = new Iface(this.host, dev, {
      name,
      address,
      prefixLength: opts.prefixLength,
      txQueueLen: this.txQueueLen,
      arp: this.arpConfig,
      announce: opts.announce ?? true,
    });
    this.ifaceList.push(iface);
    this.ip.attach(iface);
    if (opts.prefixLength > 0) this.routes.addConnected(iface);
    return iface;
  }

  /** The interface called `name`. */
  iface(name: string): Iface | undefined {
    return this.ifaceList.find((i) => i.name === name);
  }

  /** The ARP cache of an interface (by object or name). */
  arp(iface: Iface | string): ArpCache {
    const i = typeof iface === 'string' ? this.iface(iface) : iface;
    if (i === undefined || !this.ifaceList.includes(i)) throw new Error(`no interface ${String(typeof iface === 'string' ? iface : iface.name)} on ${this.name}`);
    return i.arp;
  }

  /** Every interface's ARP cache as rows for the `arp` tool. */
  arpTable(): ArpRow[] {
    return this.ifaceList.flatMap((i) => i.arp.table());
  }

  /** Turns on NAPT between two of this router's interfaces (forwarding must be on). */
  configureNapt(opts: NaptOptions): Napt {
    if (!this.forwarding) throw new Error('NAPT needs a router: create the stack with forwarding: true');
    if (!this.ifaceList.includes(opts.inside) || !this.ifaceList.includes(opts.outside) || opts.inside === opts.outside) {
      throw new Error('NAPT needs two distinct interfaces of this stack');
    }
    const napt = new Napt(this.sim, this.counters, this.timers, opts);
    this.napt = napt;
    this.ip.napt = napt;
    return napt;
  }
}
