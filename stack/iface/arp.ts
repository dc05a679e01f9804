/**
 * ARP (RFC 826) for one interface: the neighbour cache, requests and replies, gratuitous
 * announcements, and the queue of packets waiting for an address.
 *
 * Each cache entry is an xstate actor ({@link arpEntryMachine}) on the simulator's clock:
 *
 * ```
 *   incomplete ──reply to us──▶ reachable ──REACHABLE (30 s)──▶ stale ──STALE (60 s unused)──▶ expired
 *      │ request every RETRANS (1 s),  ▲  ▲  ▲                    │ used
 *      │ MAX_REQUESTS (3) in all        │  │  └──reply / confirm──┤
 *      │                                │  │                      ▼
 *      │                                │  └─reply / confirm──── delay ──DELAY (5 s)──┐
 *      ▼                                │                                             ▼
 *   failed ◀──── MAX_PROBES (3) unicast probes, RETRANS apart ────────────────────── probe
 * ```
 *
 * `incomplete` broadcasts requests; packets for the neighbour wait in a bounded per-entry queue
 * (the oldest is dropped on overflow, `arp.queueOverflow`). A reply addressed to us confirms
 * reachability (`reachable`); any other ARP from the neighbour only updates the address
 * (`stale`, as Linux does: it proves nothing about the path back). A `stale` entry is still
 * used; its first use starts `delay`, and unless something confirms the neighbour within DELAY
 * (a reply to us, or a transport calling {@link ArpCache.confirm}, as TCP does on new ACKs) unicast
 * probes follow (Linux's NUD_DELAY and NUD_PROBE).
 * `failed` drops the queued packets (`arp.unresolved`) and reports each to the stack (in a separate
 * simulator event at the same instant), which answers with ICMP host unreachable (to the sender,
 * or to ourselves for our own packets, like Linux).
 * Final states remove the entry; the next packet starts a new one.
 *
 * The machine never touches the device: its effects are named actions (`sendRequest`,
 * `sendProbe`, `flushQueue`, `failQueue`, `forget`) the cache provides. The data path reads a
 * plain mirror of each entry (state and MAC), so an ARP hit is one `Map` lookup.
 *
 * Receive rule (RFC 826 "merge"): an ARP packet updates the sender's entry if one exists; if it
 * targets our address it also creates one (`stale`) and a request is answered. Entries are never
 * created from packets for other targets (Linux's `arp_accept=0`). Requests from 0.0.0.0
 * (RFC 5227 probes) for our address are answered and not cached. A sender claiming our own
 * address is counted (`arp.conflict`) and ignored.
 * @module
 */
import { assign, setup, type Actor } from 'xstate';
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import { nsToXstateMs, startSimActor } from '../../sim/xstate.js';
import { ARP_LEN, ARP_OP, ArpPacket, emitArp } from '../wire/arp.js';
import { ETHERNET_HEADER_LEN, ETHERTYPE, MAC_BROADCAST, MAC_ZERO, emitEthernet, formatMac, isUnicastMac, writeMac } from '../wire/ethernet.js';
import { IPV4_BROADCAST, formatIpv4Addr, isLoopbackIpv4, isMulticastIpv4 } from '../wire/ipv4.js';
import type { CounterRef, Counters } from '../counters.js';
import type { Iface, TxStatus } from './netif.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** An ARP packet sent or received by an interface. */
    'arp.packet': { iface: string; dir: 'tx' | 'rx'; op: 'request' | 'reply' | 'announce' | 'probe' | 'other'; senderIp: string; senderHw: string; targetIp: string; targetHw: string };
  }
}

/** ARP timers and limits. */
export interface ArpConfig {
  /** How long a confirmed entry stays `reachable`, ns (default 30 s, Linux's base_reachable_time, not randomised). */
  reachableNs: Nanos;
  /** Interval between requests or probes, ns (default 1 s). */
  retransNs: Nanos;
  /** Wait in `delay` before probing a used stale entry, ns (default 5 s, Linux's delay_first_probe_time). */
  delayNs: Nanos;
  /** How long an unused `stale` entry is kept, ns (default 60 s, Linux's gc_stale_time). */
  staleNs: Nanos;
  /** Broadcast requests before an unresolved entry fails (default 3). */
  maxRequests: number;
  /** Unicast probes before a stale entry that stopped answering fails (default 3). */
  maxProbes: number;
  /** Packets that may wait for one neighbour (default 64: the 45 fragments of a 64 KiB datagram at MTU 1500 fit). */
  queueLen: number;
  /** Cache entries per interface (default 512). */
  maxEntries: number;
}

/** Default ARP timers and limits. */
export const ARP_DEFAULTS: Readonly<ArpConfig> = Object.freeze({
  reachableNs: 30_000_000_000,
  retransNs: 1_000_000_000,
  delayNs: 5_000_000_000,
  staleNs: 60_000_000_000,
  maxRequests: 3,
  maxProbes: 3,
  queueLen: 64,
  maxEntries: 512,
});

/** Events of an ARP entry: a reply to us (`CONFIRM`), any other news from the neighbour (`UPDATE`), a packet sent with the entry (`USE`). */
export type ArpEntryEvent = { type: 'CONFIRM'; mac: number } | { type: 'UPDATE'; mac: number } | { type: 'USE' };

/** An ARP entry machine's context. */
export interface ArpEntryContext {
  /** The neighbour's IPv4 address. */
  readonly ip: number;
  /** Its MAC (0 until learned). */
  mac: number;
  /** Requests or probes sent in the current phase. */
  probes: number;
  /** Requests allowed while `incomplete`. */
  readonly maxRequests: number;
  /** Probes allowed in `probe`. */
  readonly maxProbes: number;
}

/** What an ARP entry machine starts from: a MAC when it was learned from a request for us (it starts `stale`). */
export interface ArpEntryInput {
  /** The neighbour's address. */
  ip: number;
  /** A MAC learned from the neighbour's own request (starts `stale`), or undefined (starts `incomplete`). */
  mac?: number;
  /** Requests allowed while `incomplete`. */
  maxRequests: number;
  /** Probes allowed in `probe`. */
  maxProbes: number;
}

/** The states of an ARP entry (`failed` and `expired` are final). */
export type ArpEntryState = 'incomplete' | 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'expired';

/**
 * The ARP entry state machine (see the module comment). Delays are in xstate milliseconds of
 * simulated time and are replaced by the cache's configuration; effects are provided by the cache.
 */
export const arpEntryMachine = setup({
  types: {
    context: {} as ArpEntryContext,
    events: {} as ArpEntryEvent,
    input: {} as ArpEntryInput,
  },
  actions: {
    sendRequest: () => {},
    sendProbe: () => {},
    flushQueue: () => {},
    failQueue: () => {},
    forget: () => {},
    learnMac: assign({ mac: ({ context, event }) => (event.type === 'USE' ? context.mac : event.mac) }),
    countProbe: assign({ probes: ({ context }) => context.probes + 1 }),
    resetProbes: assign({ probes: 0 }),
  },
  guards: {
    hasMac: ({ context }) => context.mac !== 0,
    mayRequest: ({ context }) => context.probes < context.maxRequests,
    mayProbe: ({ context }) => context.probes < context.maxProbes,
    sameMac: ({ context, event }) => event.type !== 'USE' && event.mac === context.mac,
  },
  delays: {
    RETRANS: 1000,
    DELAY: 5000,
    REACHABLE: 30_000,
    STALE: 60_000,
  },
}).createMachine({
  id: 'arp-entry',
  context: ({ input }) => ({ ip: input.ip, mac: input.mac ?? 0, probes: 0, maxRequests: input.maxRequests, maxProbes: input.maxProbes }),
  initial: 'start',
  states: {
    start: {
      always: [{ guard: 'hasMac', target: 'stale' }, { target: 'incomplete' }],
    },
    incomplete: {
      entry: ['countProbe', 'sendRequest'],
      after: { RETRANS: [{ guard: 'mayRequest', target: 'incomplete', reenter: true }, { target: 'failed' }] },
      on: {
        CONFIRM: { target: 'reachable', actions: ['learnMac', 'flushQueue'] },
        UPDATE: { target: 'stale', actions: ['learnMac', 'flushQueue'] },
      },
    },
    reachable: {
      after: { REACHABLE: 'stale' },
      on: {
        CONFIRM: { target: 'reachable', reenter: true, actions: 'learnMac' },
        UPDATE: [{ guard: 'sameMac' }, { target: 'stale', actions: 'learnMac' }],
      },
    },
    stale: {
      after: { STALE: 'expired' },
      on: {
        USE: 'delay',
        CONFIRM: { target: 'reachable', actions: 'learnMac' },
        UPDATE: [{ guard: 'sameMac' }, { target: 'stale', reenter: true, actions: 'learnMac' }],
      },
    },
    delay: {
      after: { DELAY: { target: 'probe', actions: 'resetProbes' } },
      on: {
        CONFIRM: { target: 'reachable', actions: 'learnMac' },
        UPDATE: [{ guard: 'sameMac' }, { target: 'stale', actions: 'learnMac' }],
      },
    },
    probe: {
      entry: ['countProbe', 'sendProbe'],
      after: { RETRANS: [{ guard: 'mayProbe', target: 'probe', reenter: true }, { target: 'failed' }] },
      on: {
        CONFIRM: { target: 'reachable', actions: 'learnMac' },
        UPDATE: [{ guard: 'sameMac' }, { target: 'stale', actions: 'learnMac' }],
      },
    },
    failed: { type: 'final', entry: 'failQueue' },
    expired: { type: 'final', entry: 'forget' },
  },
});

/** A row of the `arp` tool (the columns of `arp -n`, plus the entry state of `ip neigh`). */
export interface ArpRow {
  /** Neighbour address, dotted quad. */
  address: string;
  /** Hardware type (always `ether`). */
  hwType: 'ether';
  /** MAC, or `(incomplete)` while unresolved. */
  hwAddress: string;
  /** `C` for a complete entry, empty otherwise. */
  flags: string;
  /** Interface name. */
  iface: string;
  /** Entry state. */
  state: ArpEntryState;
  /** Packets waiting for this neighbour. */
  queued: number;
}

interface ArpEntry {
  readonly ip: number;
  state: ArpEntryState;
  mac: number;
  queue: Uint8Array[];
  actor: Actor<typeof arpEntryMachine>;
}

const USE_EVENT: ArpEntryEvent = Object.freeze({ type: 'USE' });

function opName(op: number, spa: number, tpa: number): 'request' | 'reply' | 'announce' | 'other' {
  if (op === ARP_OP.REPLY) return 'reply';
  if (op !== ARP_OP.REQUEST) return 'other';
  return spa === tpa ? 'announce' : 'request';
}

/** The ARP cache and protocol engine of one interface. */
export class ArpCache {
  private readonly entries = new Map<number, ArpEntry>();
  private readonly machine: typeof arpEntryMachine;
  private readonly cAccepted: CounterRef;

  /** Creates the cache of `iface`; `unresolved` is told about each queued packet (an IPv4 packet) when resolution fails. */
  constructor(
    private readonly iface: Iface,
    private readonly sim: Simulator,
    private readonly counters: Counters,
    /** The configuration in force. */
    readonly config: Readonly<ArpConfig>,
    private readonly unresolved: (packet: Uint8Array) => void,
  ) {
    this.cAccepted = counters.ref('arp.accepted');
    this.machine = arpEntryMachine.provide({
      actions: {
        sendRequest: ({ context }) => this.sendRequest(context.ip, MAC_BROADCAST, 'request'),
        sendProbe: ({ context }) => this.sendRequest(context.ip, context.mac, 'probe'),
        flushQueue: ({ context }) => this.guarded(() => this.flush(context.ip, context.mac)),
        failQueue: ({ context }) => this.fail(context.ip),
        forget: ({ context }) => this.forget(context.ip),
      },
      delays: {
        RETRANS: nsToXstateMs(config.retransNs),
        DELAY: nsToXstateMs(config.delayNs),
        REACHABLE: nsToXstateMs(config.reachableNs),
        STALE: nsToXstateMs(config.staleNs),
      },
    });
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  /** The state of the entry for `ip`, if any. */
  state(ip: number): ArpEntryState | undefined {
    return this.entries.get(ip >>> 0)?.state;
  }

  /** The MAC cached for `ip` when the entry holds one (any state but `incomplete`). */
  macOf(ip: number): number | undefined {
    const e = this.entries.get(ip >>> 0);
    return e === undefined || e.state === 'incomplete' ? undefined : e.mac;
  }

  /** Packets waiting for `ip`. */
  queued(ip: number): number {
    return this.entries.get(ip >>> 0)?.queue.length ?? 0;
  }

  /** The largest number of packets waiting for any one neighbour. */
  maxQueued(): number {
    let m = 0;
    for (const e of this.entries.values()) if (e.queue.length > m) m = e.queue.length;
    return m;
  }

  /**
   * Sends `frame[0…len)` (an Ethernet frame whose destination is still to be written) to the
   * neighbour `nextHop`: at once when its MAC is known, else after resolution. The caller may
   * reuse `frame` afterwards (queued frames are copied). A TCP packet with `segmentMss` > 0 waits
   * as its segments (cut in software), each a packet of the queue.
   */
  send(nextHop: number, frame: Uint8Array, len: number, segmentMss = 0): TxStatus {
    const e = this.entries.get(nextHop);
    if (e !== undefined) {
      const st = e.state;
      if (st === 'reachable' || st === 'delay' || st === 'probe' || st === 'stale') {
        if (st === 'stale') e.actor.send(USE_EVENT);
        writeMac(frame, 0, e.mac);
        return this.iface.transmitFrame(frame, len, segmentMss);
      }
      if (segmentMss > 0) return this.iface.segmentInSoftware(frame, len, segmentMss, (seg, n) => this.enqueue(e, seg, n));
      return this.enqueue(e, frame, len);
    }
    const ne = this.create(nextHop, undefined);
    if (ne === undefined) {
      this.counters.drop('arp.cacheFull');
      return 'nobufs';
    }
    if (segmentMss > 0) return this.iface.segmentInSoftware(frame, len, segmentMss, (seg, n) => this.enqueue(ne, seg, n));
    return this.enqueue(ne, frame, len);
  }

  /**
   * Upper-layer proof that `ip` is reachable (TCP calls it when an ACK acknowledges new data, like
   * Linux's dst_confirm): a `stale`, `delay` or `probe` entry becomes `reachable` again.
   */
  confirm(ip: number): void {
    const e = this.entries.get(ip >>> 0);
    if (e !== undefined && e.state !== 'incomplete' && e.state !== 'reachable') e.actor.send({ type: 'CONFIRM', mac: e.mac });
  }

  /** Handles a received ARP packet (the Ethernet payload). */
  input(bytes: Uint8Array): void {
    const p = new ArpPacket(bytes);
    const err = p.check();
    if (err !== undefined) {
      this.counters.drop(err.kind === 'truncated' ? 'arp.truncated' : 'arp.unsupported');
      return;
    }
    const op = p.operation;
    const sha = p.senderHw;
    const spa = p.senderIp;
    const tpa = p.targetIp;
    const trace = this.sim.trace;
    if (trace.active) this.traceArp('rx', opName(op, spa, tpa), sha, spa, p.targetHw, tpa);
    if (op !== ARP_OP.REQUEST && op !== ARP_OP.REPLY) return this.counters.drop('arp.badOp');
    const iface = this.iface;
    const us = iface.address;
    if (!isUnicastMac(sha) || sha === MAC_ZERO || sha === iface.mac) return this.counters.drop('arp.badSender');
    if (spa === 0) {
      // RFC 5227 probe: someone checks whether our address is in use. Defend it; cache nothing.
      if (op === ARP_OP.REQUEST && tpa === us) {
        this.sendReply(sha, 0);
        this.cAccepted.value++;
        return;
      }
      return this.counters.drop('arp.notForUs');
    }
    if (spa === us) return this.counters.drop('arp.conflict');
    if (spa === IPV4_BROADCAST || spa === iface.broadcast || isMulticastIpv4(spa) || isLoopbackIpv4(spa)) return this.counters.drop('arp.badSender');
    const forUs = tpa === us;
    const e = this.entries.get(spa);
    if (e !== undefined) {
      e.actor.send(forUs && op === ARP_OP.REPLY ? { type: 'CONFIRM', mac: sha } : { type: 'UPDATE', mac: sha });
    } else if (forUs) {
      if (op === ARP_OP.REPLY) return this.counters.drop('arp.unsolicited');
      this.create(spa, sha); // may fail when full: we still answer
    } else {
      return this.counters.drop('arp.notForUs');
    }
    if (forUs && op === ARP_OP.REQUEST) this.sendReply(sha, spa);
    this.cAccepted.value++;
  }

  /** Broadcasts a gratuitous ARP request (sender = target = our address), as on link up. */
  announce(): void {
    const us = this.iface.address;
    this.transmitArp(MAC_BROADCAST, ARP_OP.REQUEST, us, MAC_ZERO, us);
    this.counters.inc('arp.announcements');
    if (this.sim.trace.active) this.traceArp('tx', 'announce', this.iface.mac, us, MAC_ZERO, us);
  }

  /** Removes every entry; queued packets are dropped (`arp.flushed`). Used when the link goes down. */
  flushAll(): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      e.actor.stop();
      if (e.queue.length > 0) this.counters.drop('arp.flushed', e.queue.length);
      e.queue = [];
    }
  }

  /** Rows for the `arp` tool, in creation order. */
  table(): ArpRow[] {
    const rows: ArpRow[] = [];
    for (const e of this.entries.values()) {
      const complete = e.state !== 'incomplete';
      rows.push({
        address: formatIpv4Addr(e.ip),
        hwType: 'ether',
        hwAddress: complete ? formatMac(e.mac) : '(incomplete)',
        flags: complete ? 'C' : '',
        iface: this.iface.name,
        state: e.state,
        queued: e.queue.length,
      });
    }
    return rows;
  }

  // -------------------------------------------------------------------------------------------

  private create(ip: number, mac: number | undefined): ArpEntry | undefined {
    if (this.entries.size >= this.config.maxEntries && !this.evictStale()) return undefined;
    const e: ArpEntry = { ip, state: mac === undefined ? 'incomplete' : 'stale', mac: mac ?? 0, queue: [], actor: null as unknown as ArpEntry['actor'] };
    this.entries.set(ip, e);
    const input: ArpEntryInput = { ip, mac, maxRequests: this.config.maxRequests, maxProbes: this.config.maxProbes };
    e.actor = startSimActor(this.sim, this.machine, `${this.iface.traceName}.arp[${formatIpv4Addr(ip)}]`, { input });
    const mirror = (s: { value: unknown; context: ArpEntryContext }) => {
      e.state = s.value as ArpEntryState;
      e.mac = s.context.mac;
    };
    mirror(e.actor.getSnapshot());
    e.actor.subscribe(mirror);
    return e;
  }

  private evictStale(): boolean {
    for (const e of this.entries.values()) {
      if (e.state === 'stale') {
        this.entries.delete(e.ip);
        e.actor.stop();
        return true;
      }
    }
    return false;
  }

  private enqueue(e: ArpEntry, frame: Uint8Array, len: number): TxStatus {
    if (e.queue.length >= this.config.queueLen) {
      e.queue.shift();
      this.counters.drop('arp.queueOverflow');
    }
    e.queue.push(frame.slice(0, len));
    return 'queued';
  }

  private flush(ip: number, mac: number): void {
    const e = this.entries.get(ip);
    if (e === undefined) return;
    // Mirror now: a packet sent from inside this flush must not join the queue being drained.
    e.mac = mac;
    e.state = 'reachable';
    const q = e.queue;
    e.queue = [];
    for (const f of q) {
      writeMac(f, 0, mac);
      this.iface.transmitFrame(f, f.length);
    }
  }

  private fail(ip: number): void {
    const e = this.entries.get(ip);
    if (e === undefined) return;
    this.entries.delete(ip);
    e.state = 'failed';
    const q = e.queue;
    e.queue = [];
    if (q.length === 0) return;
    this.counters.drop('arp.unresolved', q.length);
    // Reported from a separate event at the same instant: the reports make ICMP errors, which may
    // start new resolutions (new actors) or call transports, none of which belongs inside an action.
    this.sim.schedule(0, () => {
      for (const f of q) this.unresolved(f.subarray(ETHERNET_HEADER_LEN));
    });
  }

  private forget(ip: number): void {
    const e = this.entries.get(ip);
    if (e === undefined) return;
    this.entries.delete(ip);
    e.state = 'expired';
  }

  /** Runs an effect from inside a machine action; an exception is rethrown from the simulator loop rather than swallowed by xstate. */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.sim.schedule(0, () => {
        throw err;
      });
    }
  }

  private sendRequest(tpa: number, dstMac: number, kind: 'request' | 'probe'): void {
    const us = this.iface.address;
    this.transmitArp(dstMac, ARP_OP.REQUEST, us, MAC_ZERO, tpa);
    this.counters.inc(kind === 'probe' ? 'arp.probesSent' : 'arp.requestsSent');
    if (this.sim.trace.active) this.traceArp('tx', kind, this.iface.mac, us, MAC_ZERO, tpa);
  }

  private sendReply(tha: number, tpa: number): void {
    const us = this.iface.address;
    this.transmitArp(tha, ARP_OP.REPLY, us, tha, tpa);
    this.counters.inc('arp.repliesSent');
    if (this.sim.trace.active) this.traceArp('tx', 'reply', this.iface.mac, us, tha, tpa);
  }

  private transmitArp(dstMac: number, operation: number, spa: number, tha: number, tpa: number): void {
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + ARP_LEN);
    const arp = frame.subarray(ETHERNET_HEADER_LEN);
    emitArp({ operation, senderHw: this.iface.mac, senderIp: spa, targetHw: tha, targetIp: tpa }, arp);
    emitEthernet({ dst: dstMac, src: this.iface.mac, ethertype: ETHERTYPE.ARP, payload: arp }, frame);
    this.iface.transmitFrame(frame, frame.length);
  }

  private traceArp(dir: 'tx' | 'rx', op: 'request' | 'reply' | 'announce' | 'probe' | 'other', sha: number, spa: number, tha: number, tpa: number): void {
    this.sim.trace.emit('arp.packet', this.iface.traceName, {
      iface: this.iface.name,
      dir,
      op,
      senderIp: formatIpv4Addr(spa),
      senderHw: formatMac(sha),
      targetIp: formatIpv4Addr(tpa),
      targetHw: formatMac(tha),
    });
  }
}
