/**
 * An in-memory {@link NetDevice} for testing the stack without an adapter or driver (STYLE §9):
 * transmitted frames are recorded in an inspectable `sent` list and, when the device is one end of
 * a {@link TestDevice.pair}, delivered to the peer after a fixed latency on the simulator's clock.
 * Tests feed received frames with `inject`, force transmit back-pressure with `blockTx` /
 * `unblockTx`, and change the carrier with `setLink`.
 *
 * The device never filters by destination address (it behaves as if promiscuous), so the stack's
 * own Ethernet filtering is what a test observes. It never throws on network input.
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import type { Nanos } from '../sim/time.js';
import { NetDeviceListeners, type LinkState, type NetDevice, type NetDevStats, type TransmitResult } from '../driver/netdev.js';

/** A frame the device accepted for sending, with the simulated time of the `transmit` call. */
export interface SentFrame {
  /** When `transmit` was called, ns. */
  readonly time: Nanos;
  /** A copy of the frame (destination, source, EtherType, payload; no FCS). */
  readonly frame: Uint8Array;
}

/** Options for a {@link TestDevice}. */
export interface TestDeviceOptions {
  /** Interface name (default `testN`). */
  name?: string;
  /** Station MAC address as a 48-bit integer (default 02:00:00:00:00:NN, locally administered). */
  mac?: number;
  /** MTU (default 1500). */
  mtu?: number;
  /** Initial carrier state (default up). */
  up?: boolean;
  /** Delay from `transmit` to delivery at the peer, ns (default 1000). */
  latencyNs?: Nanos;
  /** Keep at most this many frames in `sent` (oldest dropped first; default unbounded). */
  keepSent?: number;
}

/** Smallest and largest MTU the test device accepts (the e1000's range). */
export const TEST_DEVICE_MTU_RANGE = { min: 68, max: 16110 } as const;

const TWO_32 = 0x1_0000_0000;

function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  const hi = Math.floor(mac / TWO_32);
  const lo = mac % TWO_32;
  b[0] = hi >>> 8;
  b[1] = hi;
  b[2] = lo >>> 24;
  b[3] = lo >>> 16;
  b[4] = lo >>> 8;
  b[5] = lo;
  return b;
}

/** A network device made of arrays: inspectable TX, injectable RX, scriptable link and back-pressure. */
export class TestDevice implements NetDevice {
  /** Interface name. */
  readonly name: string;
  /** Station MAC (6 bytes). */
  readonly mac: Uint8Array;
  /** Station MAC as a 48-bit integer. */
  readonly macAddr: number;
  /** Frames accepted by `transmit`, oldest first (clear it freely, or use {@link TestDevice.takeSent}). */
  sent: SentFrame[] = [];
  /** The other end of the cable, if any. */
  peer: TestDevice | null = null;
  /** Delay from `transmit` to delivery at the peer, ns. */
  latencyNs: Nanos;
  /** Whether promiscuous mode was requested (recorded only: this device never filters). */
  promiscuous = false;
  /** The last multicast list set by the stack. */
  multicast: readonly Uint8Array[] = [];

  private mtuValue: number;
  private up: boolean;
  private txBlocked = false;
  private readonly listeners = new NetDeviceListeners();
  private readonly keepSent: number;
  private readonly counts: NetDevStats = {
    rxPackets: 0,
    txPackets: 0,
    rxBytes: 0,
    txBytes: 0,
    rxErrors: 0,
    txErrors: 0,
    rxDropped: 0,
    txDropped: 0,
    multicast: 0,
    collisions: 0,
    rxLengthErrors: 0,
    rxOverErrors: 0,
    rxCrcErrors: 0,
    rxFrameErrors: 0,
    rxMissedErrors: 0,
    txAbortedErrors: 0,
    txCarrierErrors: 0,
    txWindowErrors: 0,
  };

  /** Creates an unconnected device. */
  constructor(
    private readonly sim: Simulator,
    opts: TestDeviceOptions = {},
  ) {
    this.name = opts.name ?? sim.uniqueName('test');
    this.macAddr = opts.mac ?? 0x02_00_00_00_00_00 + sim.nextId('testdev.mac');
    this.mac = macBytes(this.macAddr);
    this.mtuValue = opts.mtu ?? 1500;
    this.up = opts.up ?? true;
    this.latencyNs = opts.latencyNs ?? 1000;
    this.keepSent = opts.keepSent ?? Infinity;
  }

  /** Two devices wired back to back: what one transmits, the other receives `latencyNs` later. */
  static pair(sim: Simulator, opts: { latencyNs?: Nanos; mtu?: number; macs?: [number, number]; names?: [string, string] } = {}): [TestDevice, TestDevice] {
    const a = new TestDevice(sim, { latencyNs: opts.latencyNs, mtu: opts.mtu, mac: opts.macs?.[0], name: opts.names?.[0] });
    const b = new TestDevice(sim, { latencyNs: opts.latencyNs, mtu: opts.mtu, mac: opts.macs?.[1], name: opts.names?.[1] });
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /** Maximum payload of a frame. */
  get mtu(): number {
    return this.mtuValue;
  }

  /** Carrier state. */
  get linkUp(): boolean {
    return this.up;
  }

  /** Records the frame and, when paired, delivers a copy to the peer after `latencyNs`. */
  transmit(frame: Uint8Array): TransmitResult {
    if (!this.up) {
      this.counts.txDropped++;
      return 'down';
    }
    if (this.txBlocked) return 'busy';
    const copy = frame.slice();
    this.sent.push({ time: this.sim.now, frame: copy });
    if (this.sent.length > this.keepSent) this.sent.shift();
    this.counts.txPackets++;
    this.counts.txBytes += copy.length;
    const peer = this.peer;
    if (peer !== null) this.sim.schedule(this.latencyNs, () => peer.receive(copy));
    return 'ok';
  }

  /** Feeds a received frame to the stack now (as if it came off the wire). */
  inject(frame: Uint8Array): void {
    this.receive(frame);
  }

  /** Returns the frames sent so far and clears the list. */
  takeSent(): SentFrame[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }

  /** From now on `transmit` answers `busy` (a full transmit ring). */
  blockTx(): void {
    this.txBlocked = true;
  }

  /** Accepts frames again and tells the stack so (`onTxWake`). */
  unblockTx(): void {
    if (!this.txBlocked) return;
    this.txBlocked = false;
    this.listeners.emitTxWake();
  }

  /** Sets the carrier of this device and of its peer (a cable plugged in or pulled out). */
  setLink(up: boolean): void {
    this.setOwnLink(up);
    this.peer?.setOwnLink(up);
  }

  private setOwnLink(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    const state: LinkState = up ? { up: true, speed: 1000, duplex: 'full' } : { up: false };
    this.listeners.emitLink(state);
  }

  private receive(frame: Uint8Array): void {
    if (!this.up) {
      this.counts.rxDropped++;
      return;
    }
    this.counts.rxPackets++;
    this.counts.rxBytes += frame.length;
    if (frame.length > 0 && (frame[0] & 1) === 1) this.counts.multicast++;
    this.listeners.rx?.(frame);
  }

  /** Sets the receive callback (replacing any previous one). */
  onReceive(cb: (frame: Uint8Array) => void): () => void {
    return this.listeners.onReceive(cb);
  }

  /** Subscribes to carrier changes. */
  onLinkChange(cb: (link: LinkState) => void): () => void {
    return this.listeners.onLinkChange(cb);
  }

  /** Subscribes to "transmit accepts frames again". */
  onTxWake(cb: () => void): () => void {
    return this.listeners.onTxWake(cb);
  }

  /** Current statistics. */
  stats(): NetDevStats {
    return { ...this.counts };
  }

  /** Records the promiscuous flag. */
  setPromiscuous(on: boolean): void {
    this.promiscuous = on;
  }

  /** Records the multicast list. */
  setMulticastList(addrs: readonly Uint8Array[]): void {
    this.multicast = addrs.map((a) => a.slice());
  }

  /** Changes the MTU within {@link TEST_DEVICE_MTU_RANGE}. */
  setMtu(mtu: number): void {
    if (!Number.isSafeInteger(mtu) || mtu < TEST_DEVICE_MTU_RANGE.min || mtu > TEST_DEVICE_MTU_RANGE.max) {
      throw new RangeError(`MTU must be an integer from ${TEST_DEVICE_MTU_RANGE.min} to ${TEST_DEVICE_MTU_RANGE.max}, got ${mtu}`);
    }
    this.mtuValue = mtu;
  }
}
