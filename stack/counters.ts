/**
 * The counter registry of one host's stack: every counter has a kind (which identity it takes
 * part in) and a help text, and drops emit a `drop` trace event naming their counter.
 *
 * Counting rule: every received frame ends in exactly one `rx-drop` or `rx-ok` counter, or is
 * still held in the reassembly buffer (`ip.reassembler.heldFragments`); every packet the stack
 * fails to send is counted in exactly one `tx-drop` counter. `stat` counters count events and
 * take no part in that identity. Transports add their own counters with {@link Counters.define}.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';


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
  'iface.tsoPackets': { kind: 'stat', help: 'TCP packets over the MTU handed to the device to segment (TSO)' },
  'iface.gsoPackets': { kind: 'stat', help: 'TCP packets over the MTU the stack cut into segments itself (GSO: the device was busy, the neighbour unresolved, or TSO off)' },
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
  if (name.startsWith('udp.')) return 'udp datagram';
  if (name.startsWith('tcp.')) return 'tcp segment';
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
