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
 *
 * This is the composition root: the infrastructure lives in its own modules (`counters.ts`,
 * `timers.ts`, `iface/`, `ip/`, `icmp.ts`), and transports see only a {@link TransportContext}.
 * A host registers its transports once, with their options, when it is created (`udp` option, on
 * by default) or with {@link NetStack.addTransport}; each goes into IP's protocol table and the
 * socket layer's protocol switch together.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { Nanos } from '../sim/time.js';
import { Counters } from './counters.js';
import { StackTimers } from './timers.js';
import type { NetDevice } from '../driver/netdev.js';
import { ARP_DEFAULTS, type ArpCache, type ArpConfig, type ArpRow } from './iface/arp.js';
import { Iface, type IfaceHost } from './iface/netif.js';
import { RoutingTable, toIpv4 } from './iface/route.js';
import { Icmp, ICMP_DEFAULTS } from './icmp.js';
import { REASSEMBLY_DEFAULTS } from './ip/frag.js';
import { Ipv4Layer } from './ip/ipv4.js';
import { Napt, type NaptOptions } from './ip/napt.js';
import { SocketLayer } from './socket/proto.js';
import { WaitQueue } from './socket/waiter.js';
import type { Transport, TransportContext } from './transport.js';
import { Udp, type UdpOptions } from './udp.js';
import { Tcp, type TcpOptions } from './tcp/tcp.js';

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
  /** UDP and its options (default: on with Linux's defaults); `false` for a host without UDP. */
  udp?: UdpOptions | false;
  /** TCP and its options (default: on); `false` for a host without TCP. */
  tcp?: TcpOptions | false;
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
  /** The socket table and protocol switch. */
  readonly sockets: SocketLayer;

  private readonly ifaceList: Iface[] = [];
  private readonly arpConfig: Readonly<ArpConfig>;
  private readonly txQueueLen: number;
  private readonly host: IfaceHost;
  private readonly transportList: Transport[] = [];
  /** The transports that defer work to the end of a receive batch (`rxBatchEnd`), in registration order. */
  private readonly batchEnders: Transport[] = [];

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
    this.host = new StackSide(this.name, sim, this.counters, this.ip, this.icmp, this.batchEnders);
    this.sockets = new SocketLayer();
    const udp = opts.udp;
    if (udp !== false) this.addTransport((ctx) => new Udp(ctx, udp));
    const tcp = opts.tcp;
    if (tcp !== false) this.addTransport((ctx) => new Tcp(ctx, tcp));
  }

  /**
   * Registers a transport, created over a fresh {@link TransportContext}: IP delivers its protocol
   * number to it and `socket()` creates its sockets for its socket type. Registering a protocol
   * number or socket type twice is a programmer error.
   */
  addTransport<T extends Transport>(create: (ctx: TransportContext) => T): T {
    const t = create(this.transportContext());
    this.ip.register(t.ipProtocol, t);
    this.sockets.protocols.register({ type: t.socketType, protocol: t.ipProtocol, name: t.name, create: () => t.socket() });
    this.transportList.push(t);
    if (t.rxBatchEnd !== undefined) this.batchEnders.push(t);
    return t;
  }

  /** The registered transports. */
  get transports(): readonly Transport[] {
    return this.transportList;
  }

  /** The transport called `name` (`udp`, `tcp`), if registered. */
  transport(name: string): Transport | undefined {
    return this.transportList.find((t) => t.name === name);
  }

  /** UDP (throws when the host was created with `udp: false`). */
  get udp(): Udp {
    const t = this.transport('udp');
    if (!(t instanceof Udp)) throw new Error(`host ${this.name} has no UDP`);
    return t;
  }

  /** TCP (throws when the host was created with `tcp: false`). */
  get tcp(): Tcp {
    const t = this.transport('tcp');
    if (!(t instanceof Tcp)) throw new Error(`host ${this.name} has no TCP`);
    return t;
  }

  /** A context for a transport of this host. */
  private transportContext(): TransportContext {
    const sim = this.sim;
    const ip = this.ip;
    const wake = () => sim.wake();
    return {
      hostName: this.name,
      counters: this.counters,
      timers: this.timers,
      trace: sim.trace,
      defaultTtl: ip.defaultTtl,
      rng: (name) => sim.rng(`${this.name}.${name}`),
      output: (o) => ip.output(o),
      payloadBuffer: (dst, len, segmentMss) => ip.payloadBuffer(dst, len, segmentMss),
      route: (dst, src) => ip.routeTo(dst, src),
      isLocal: (a) => ip.isLocal(a),
      isBroadcast: (a) => ip.isBroadcast(a),
      icmpUnreachable: (d, code) => void this.icmp.destUnreachable(d, code),
      confirmReachable: (dst) => {
        const r = ip.routeTo(dst);
        if (r !== undefined && !r.local) r.iface.arp.confirm(r.nextHop);
      },
      waitQueue: () => new WaitQueue(this.timers, wake),
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

/**
 * What interfaces see of their stack. A class rather than an object literal of arrow functions:
 * a received frame goes up through methods on one shared prototype, not through a closure and its
 * context per host (cache lines that are cold when a thousand hosts take turns).
 */
class StackSide implements IfaceHost {
  constructor(
    readonly name: string,
    readonly sim: Simulator,
    readonly counters: Counters,
    private readonly ip: Ipv4Layer,
    private readonly icmp: Icmp,
    private readonly batchEnders: readonly Transport[],
  ) {}

  ipInput(iface: Iface, packet: Uint8Array, linkBroadcast: boolean, payloadSum?: number): void {
    this.ip.input(iface, packet, linkBroadcast, payloadSum);
  }

  unresolved(_iface: Iface, packet: Uint8Array): void {
    this.icmp.reportUnresolved(packet);
  }

  rxBatchEnd(): void {
    const list = this.batchEnders;
    for (let i = 0; i < list.length; i++) list[i].rxBatchEnd!();
  }
}
