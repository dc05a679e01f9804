/**
 * A network interface: one {@link NetDevice} with an IPv4 address. It demultiplexes received
 * Ethernet frames by EtherType (IPv4 to the IP layer, ARP to its {@link ArpCache}), owns the
 * transmit scratch buffer the IP layer builds frames in, and keeps a bounded queue for frames the
 * device refused with `busy`, drained on `onTxWake`.
 *
 * Receive filter: frames to our MAC, to broadcast, or to an IPv4 multicast MAC (01:00:5e, the IP
 * layer decides on the group) are taken; everything else (what a promiscuous device passes up)
 * is counted in `eth.notForUs`. 802.1Q-tagged frames are not supported (`eth.vlanTagged`).
 *
 * Carrier changes are acted on (ARP cache flushed and queue dropped on loss; gratuitous ARP when
 * it returns) in a separate simulator event at the same instant.
 *
 * Guarantees: `input` never throws on any byte sequence and allocates one view per accepted
 * frame; `transmitFrame` never blocks, copies a frame only when it must queue it, and keeps
 * frames in order (nothing overtakes a queued frame).
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { NetDevice } from '../../driver/netdev.js';
import { ETHERNET_FIELD, ETHERNET_HEADER_LEN, ETHERTYPE, EthernetFrame, MAC_BROADCAST, readMac } from '../wire/ethernet.js';
import { Ipv4Packet, formatIpv4Addr, prefixToMask, subnetBroadcast } from '../wire/ipv4.js';
import type { CounterRef, Counters } from '../counters.js';
import { ArpCache, type ArpConfig } from './arp.js';
import { segmentTcpFrame } from './gso.js';

/** What happened to a frame handed to an interface: sent to the device, queued (busy device or unresolved neighbour), refused for lack of room, or refused because the device is down. */
export type TxStatus = 'sent' | 'queued' | 'nobufs' | 'down';

/** What an interface needs from its stack. */
export interface IfaceHost {
  /** The host's name (trace events of an interface are emitted as `<host>.<interface>`). */
  readonly name: string;
  /** The simulator. */
  readonly sim: Simulator;
  /** The stack's counters. */
  readonly counters: Counters;
  /** IPv4 input: `packet` is the Ethernet payload; `linkBroadcast` when the frame went to a broadcast or multicast MAC. */
  ipInput(iface: Iface, packet: Uint8Array, linkBroadcast: boolean, payloadSum?: number): void;
  /** A packet queued for a neighbour that never answered (an IPv4 packet). */
  unresolved(iface: Iface, packet: Uint8Array): void;
  /** The device delivered the last frame of a receive batch (only for devices that report batches). */
  rxBatchEnd(iface: Iface): void;
}

/** How an interface is configured. */
export interface IfaceConfig {
  /** Interface name (default: the device's). */
  name?: string;
  /** IPv4 address (uint32). */
  address: number;
  /** Prefix length of the connected network, 0…32. */
  prefixLength: number;
  /** Frames kept while the device is busy. */
  txQueueLen: number;
  /** ARP configuration. */
  arp: Readonly<ArpConfig>;
  /** Send a gratuitous ARP when the carrier comes up (and at once if it is already up). */
  announce: boolean;
}

/** An IPv4 interface over a network device. */
export class Iface {
  /** Interface name. */
  readonly name: string;
  /** Trace source of this interface's events: `<host>.<interface>`. */
  readonly traceName: string;
  /** The device. */
  readonly dev: NetDevice;
  /** The station MAC as a 48-bit integer. */
  readonly mac: number;
  /** Our IPv4 address. */
  readonly address: number;
  /** Prefix length of the connected network. */
  readonly prefixLength: number;
  /** Netmask. */
  readonly mask: number;
  /** Network address. */
  readonly network: number;
  /** Directed broadcast address of the connected network. */
  readonly broadcast: number;
  /** The ARP cache of this interface. */
  readonly arp: ArpCache;
  /** The device reports the end of each receive batch (the stack may defer acknowledgements to it). */
  readonly batched: boolean;

  private txBuf: Uint8Array;
  private txIp: Ipv4Packet;
  private txEth: EthernetFrame;

  private txQueue: Uint8Array[] = [];
  private detached = false;
  private readonly txQueueLen: number;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly cTxQueued: CounterRef;
  private readonly cTso: CounterRef;
  private readonly cGso: CounterRef;

  /** Attaches to `dev` (takes over its receive callback) and, if configured, announces the address. */
  constructor(
    private readonly host: IfaceHost,
    dev: NetDevice,
    cfg: IfaceConfig,
  ) {
    this.dev = dev;
    this.name = cfg.name ?? dev.name;
    this.traceName = `${host.name}.${this.name}`;
    this.mac = readMac(dev.mac, 0);
    this.address = cfg.address >>> 0;
    this.prefixLength = cfg.prefixLength;
    this.mask = prefixToMask(cfg.prefixLength);
    this.network = (this.address & this.mask) >>> 0;
    this.broadcast = cfg.prefixLength >= 31 ? 0xffff_ffff : subnetBroadcast(this.address, cfg.prefixLength);
    this.txQueueLen = cfg.txQueueLen;
    this.cTxQueued = host.counters.ref('iface.txQueued');
    this.cTso = host.counters.ref('iface.tsoPackets');
    this.cGso = host.counters.ref('iface.gsoPackets');
    this.txBuf = new Uint8Array(ETHERNET_HEADER_LEN + Math.max(dev.mtu, 1500));
    this.txIp = new Ipv4Packet(this.txBuf, ETHERNET_HEADER_LEN);
    this.txEth = new EthernetFrame(this.txBuf, 0);
    this.arp = new ArpCache(this, host.sim, host.counters, cfg.arp, (packet) => host.unresolved(this, packet));
    this.unsubscribe.push(dev.onReceive((frame, payloadSum) => this.input(frame, payloadSum)));
    const batch = dev.onReceiveBatchEnd?.(() => host.rxBatchEnd(this));
    this.batched = batch !== undefined;
    if (batch !== undefined) this.unsubscribe.push(batch);
    this.unsubscribe.push(dev.onTxWake(() => this.drain()));
    // Handled in a separate event at the same instant: a driver reports carrier changes from
    // inside its own state machine, and our reaction (ARP flush, announcement) must not run there.
    this.unsubscribe.push(
      dev.onLinkChange((l) => {
        host.sim.schedule(0, () => {
          if (this.detached) return;
          if (l.up) {
            if (cfg.announce) this.arp.announce();
          } else {
            this.arp.flushAll();
            this.dropQueue();
          }
        });
      }),
    );
    if (cfg.announce && dev.linkUp) this.arp.announce();
  }

  /** The MTU (the device's). */
  get mtu(): number {
    return this.dev.mtu;
  }

  /** Whether the carrier is up. */
  get up(): boolean {
    return this.dev.linkUp;
  }

  /** Frames waiting for the device. */
  get txQueued(): number {
    return this.txQueue.length;
  }

  /** `address/prefix`, for messages. */
  toString(): string {
    return `${this.name} ${formatIpv4Addr(this.address)}/${this.prefixLength}`;
  }

  /**
   * An IPv4 view over the interface's transmit buffer with room for a datagram of `ipLen` bytes
   * (after the link header the interface writes). Valid until {@link Iface.sendDatagram} or the
   * next call: nothing may be kept in it.
   */
  datagramBuffer(ipLen: number): Ipv4Packet {
    const len = ETHERNET_HEADER_LEN + ipLen;
    if (this.txBuf.length < len) {
      this.builtPayload = null; // a view of the old buffer
      this.txBuf = new Uint8Array(len);
      this.txIp = new Ipv4Packet(this.txBuf, ETHERNET_HEADER_LEN);
      this.txEth = new EthernetFrame(this.txBuf, 0);
    }
    return this.txIp;
  }

  /**
   * A view of `len` bytes of the transmit buffer after the link header and `ipHeaderLen` bytes,
   * where a payload for {@link Iface.datagramBuffer} may be built in place. Valid until the next
   * datagram is sent or the buffer grows.
   */
  payloadBuffer(ipHeaderLen: number, len: number): Uint8Array {
    const at = ETHERNET_HEADER_LEN + ipHeaderLen;
    this.datagramBuffer(ipHeaderLen + len);
    const view = this.txBuf.subarray(at, at + len);
    this.builtPayload = view;
    this.builtHeaderLen = ipHeaderLen;
    return view;
  }

  /** Whether `data` is the view {@link Iface.payloadBuffer} last gave for an IP header of `ipHeaderLen` bytes (already in place). */
  payloadInPlace(data: Uint8Array, ipHeaderLen: number): boolean {
    return data === this.builtPayload && ipHeaderLen === this.builtHeaderLen;
  }

  private builtPayload: Uint8Array | null = null;
  private builtHeaderLen = 0;

  /**
   * Sends the `ipLen`-byte datagram written through {@link Iface.datagramBuffer}: writes the
   * Ethernet header (our MAC, EtherType IPv4) and the destination — `l2` when it is known without
   * resolution (broadcast, multicast), else the neighbour `nextHop`'s MAC from ARP, which queues
   * a copy until it answers. With `segmentMss` > 0 the datagram is a TCP packet over the MTU to be
   * sent as segments of that payload size (see {@link Iface.transmitFrame}).
   */
  sendDatagram(nextHop: number, l2: number, ipLen: number, segmentMss = 0): TxStatus {
    const eth = this.txEth;
    eth.src = this.mac;
    eth.outerEthertype = ETHERTYPE.IPV4;
    const frameLen = ETHERNET_HEADER_LEN + ipLen;
    if (l2 >= 0) {
      eth.dst = l2;
      return this.transmitFrame(this.txBuf, frameLen, segmentMss);
    }
    return this.arp.send(nextHop, this.txBuf, frameLen, segmentMss);
  }

  /** The largest datagram the device segments itself (TSO), 0 when it does not. */
  get tsoMaxSize(): number {
    return this.dev.tsoMaxSize ?? 0;
  }

  /** Ethernet demux of one received frame (never throws); `payloadSum` as the device reported it (see NetDevice). */
  input(frame: Uint8Array, payloadSum?: number): void {
    const counters = this.host.counters;
    if (frame.length < ETHERNET_HEADER_LEN) return counters.drop('eth.truncated');
    const dst = readMac(frame, ETHERNET_FIELD.DST);
    let linkBroadcast = false;
    if (dst !== this.mac) {
      // 01:00:5e with the 24th bit clear: an IPv4 multicast MAC (RFC 1112).
      if (dst === MAC_BROADCAST || (frame[0] === 0x01 && frame[1] === 0x00 && frame[2] === 0x5e && frame[3] < 0x80)) linkBroadcast = true;
      else return counters.drop('eth.notForUs');
    }
    const type = (frame[ETHERNET_FIELD.ETHERTYPE] << 8) | frame[ETHERNET_FIELD.ETHERTYPE + 1];
    if (type === ETHERTYPE.IPV4) this.host.ipInput(this, frame.subarray(ETHERNET_FIELD.PAYLOAD), linkBroadcast, payloadSum);
    else if (type === ETHERTYPE.ARP) this.arp.input(frame.subarray(ETHERNET_FIELD.PAYLOAD));
    else if (type === ETHERTYPE.VLAN) counters.drop('eth.vlanTagged');
    else counters.drop('eth.unknownType');
  }

  /**
   * Hands `frame[0…len)` (destination MAC written) to the device, or queues a copy when the device
   * is busy or earlier frames still wait. The caller may reuse `frame`. With `segmentMss` > 0 the
   * frame is a TCP packet to be cut into segments of that payload size: the device does it (TSO)
   * when it can take the packet now; otherwise the stack does (GSO) and sends or queues the
   * segments.
   */
  transmitFrame(frame: Uint8Array, len: number, segmentMss = 0): TxStatus {
    if (segmentMss > 0) {
      if (this.txQueue.length > 0 || this.tsoMaxSize < len - ETHERNET_HEADER_LEN) return this.segmentInSoftware(frame, len, segmentMss);
      const r = this.dev.transmit(len === frame.length ? frame : frame.subarray(0, len), segmentMss);
      if (r === 'ok') {
        this.cTso.value++;
        return 'sent';
      }
      if (r === 'busy') return this.segmentInSoftware(frame, len, segmentMss);
      this.host.counters.drop('iface.txDown');
      return 'down';
    }
    if (this.txQueue.length > 0) return this.enqueue(frame, len);
    const r = this.dev.transmit(len === frame.length ? frame : frame.subarray(0, len));
    if (r === 'ok') return 'sent';
    if (r === 'busy') return this.enqueue(frame, len);
    this.host.counters.drop('iface.txDown');
    return 'down';
  }

  /**
   * Cuts a TCP packet into segments in software and hands each to `send` (default: this
   * interface's transmit, which sends or queues it); see {@link segmentTcpFrame}.
   */
  segmentInSoftware(frame: Uint8Array, len: number, mss: number, send: (segment: Uint8Array, len: number) => TxStatus = (seg, n) => this.transmitFrame(seg, n)): TxStatus {
    this.cGso.value++;
    return segmentTcpFrame(frame, len, mss, send);
  }

  /** Stops listening to the device. */
  detach(): void {
    this.detached = true;
    for (const u of this.unsubscribe) u();
    this.unsubscribe.length = 0;
    this.arp.flushAll();
    this.dropQueue();
  }

  private enqueue(frame: Uint8Array, len: number): TxStatus {
    if (this.txQueue.length >= this.txQueueLen) {
      this.host.counters.drop('iface.txQueueFull');
      return 'nobufs';
    }
    this.txQueue.push(frame.slice(0, len));
    this.cTxQueued.value++;
    return 'queued';
  }

  private drain(): void {
    const q = this.txQueue;
    while (q.length > 0) {
      const r = this.dev.transmit(q[0]);
      if (r === 'busy') return;
      q.shift();
      if (r === 'down') this.host.counters.drop('iface.txDown');
    }
  }

  private dropQueue(): void {
    if (this.txQueue.length > 0) this.host.counters.drop('iface.txDown', this.txQueue.length);
    this.txQueue = [];
  }
}
