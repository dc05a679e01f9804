/**
 * The e1000 netdev glue (the role of Linux's e1000_main.c): probe, open, close, the transmit path
 * (`xmitFrame`), the interrupt handler (`intr`), the NAPI poll (`poll` → `cleanTxIrq`,
 * `cleanRxIrq`, `allocRxBuffers`), the link watchdog, receive modes, MTU and statistics. Register
 * work goes through {@link E1000Hw}; the adapter is reached only through BAR0, its IRQ line and
 * host memory. The lifecycle is the xstate machine of `lifecycle.ts`; the data path is plain code.
 *
 * Guarantees: `transmit`, `intr` and `poll` are synchronous and do bounded work (`poll` handles at
 * most `budget` receive descriptors and one pass over the transmit ring); rings always keep one
 * descriptor empty (`nextToUse` never catches up with `nextToClean`); `probe`, `open` and `close`
 * wait only in bounded polls and end with a {@link DriverError} when the hardware does not answer.
 * @module
 */
import type { Actor } from 'xstate';
import type { Nanos } from '../sim/time.js';
import { startSimActor } from '../sim/xstate.js';
import * as R from '../hw/registers/e1000.js';
import { DESC, DESC_SIZE, RXD_ERR, RXD_STAT, TXD_CMD, TXD_POPTS, TXD_STA, TXD_TUCMD } from '../hw/descriptors.js';
import type { Kernel, KernelTimer } from './kernel/kernel.js';
import type { DmaBuffer } from './kernel/dma.js';
import type { IrqReturn, IrqSource } from './kernel/irq.js';
import type { Napi, NapiStats } from './kernel/softirq.js';
import { E1000Hw, emptyHwStats, mtaHashMo0, MTA_REGS, RAR_ENTRIES, type Bar0, type E1000HwOptions, type HwLink, type HwStats } from './e1000_hw.js';
import { DriverError } from './errors.js';
import { e1000Lifecycle, lifecycleStateName, type LifecycleState } from './lifecycle.js';
import { NetDeviceListeners, type LinkState, type NetDevice, type NetDevStats, type TransmitResult } from './netdev.js';

declare module '../sim/trace.js' {
  interface TraceEventMap {
    /** The driver stopped or woke its transmit queue. */
    'netdev.queue': { stopped: boolean; free: number };
    /** xmitFrame copied a frame into DMA buffers and filled descriptors (before the TDT doorbell). */
    'netdev.xmit': { length: number; firstDescriptor: number; descriptors: number; tsoMss?: number; segments?: number };
    /** The poll handed a received frame to the stack. */
    'netdev.rx': { length: number; descriptor: number };
  }
}

/** What the driver is given of the adapter: its BAR0 and its IRQ line (host memory comes from the kernel). */
export interface E1000Device {
  /** BAR0 (`read32`/`write32`). */
  bus: Bar0;
  /** The adapter's interrupt line. */
  irq: IrqSource;
}

/** Driver options (Linux module parameters and ethtool settings). */
export interface E1000Options {
  /** Interface name (default `ethN`). */
  name?: string;
  /** Transmit descriptors, a multiple of 8 from 8 to 4096 (default 256). */
  txRingSize?: number;
  /** Receive descriptors, a multiple of 8 from 8 to 4096 (default 256). */
  rxRingSize?: number;
  /** NAPI budget per poll (default 64). */
  napiWeight?: number;
  /** ITR: minimum interval between interrupts in 256 ns units (default 0: no throttling; 651 ≈ 6000 interrupts/s). */
  itr?: number;
  /** RDTR: receive interrupt delay in 1.024 µs units (default 0). */
  rxIntDelay?: number;
  /** RADV: receive absolute interrupt delay in 1.024 µs units (default 0). */
  rxAbsIntDelay?: number;
  /** TIDV: transmit interrupt delay in 1.024 µs units (default 0; when set, descriptors carry IDE). */
  txIntDelay?: number;
  /** TADV: transmit absolute interrupt delay in 1.024 µs units (default 0). */
  txAbsIntDelay?: number;
  /** Refill the receive ring and write RDT every this many cleaned descriptors (default 16). */
  rxWriteBatch?: number;
  /** Wake a stopped transmit queue when this many descriptors are free (default 32, capped at half the ring). */
  txWakeThreshold?: number;
  /** Period of the watchdog (link check, statistics) while traffic flows; 0 disables the periodic run (default 2 s). */
  watchdogIntervalNs?: Nanos;
  /**
   * TCP segmentation offload (ethtool's `tso`; default false): the stack may hand TCP/IPv4 packets
   * of up to {@link E1000.tsoMaxSize} bytes, which the driver describes with a TSO context
   * descriptor and the adapter cuts into MSS-sized segments (the stack then builds fewer, larger
   * packets; the wire carries the same frames).
   */
  tso?: boolean;
  /** Timing of the hardware layer's bounded polls. */
  hw?: E1000HwOptions;
}

/** Driver-internal counts (beyond the netdev statistics). */
export interface E1000Counters {
  /** Interrupts the handler claimed (ICR ≠ 0). */
  interrupts: number;
  /** Interrupts answered "not mine" (ICR = 0). */
  interruptsNotMine: number;
  /** Times the transmit queue was stopped because the ring was full. */
  txQueueStops: number;
  /** Times the stopped queue was woken by descriptor cleanup. */
  txQueueWakes: number;
  /** `transmit` calls answered `busy`. */
  txBusy: number;
  /** Received frames dropped for descriptor error bits. */
  rxErrorFrames: number;
  /** Watchdog runs. */
  watchdogRuns: number;
}

/** Size of every DMA buffer (RCTL.BSIZE = 2048; transmit frames are split at this size too). */
export const E1000_BUFFER_SIZE = 2048;
/** Smallest MTU accepted (IPv4's minimum). */
export const E1000_MIN_MTU = 68;
/** Largest MTU accepted: a 16128-byte frame with RCTL.LPE, header and FCS excluded. */
export const E1000_MAX_MTU = 16110;
/** The interrupt causes the driver enables (IMS). */
export const IMS_ENABLE_MASK = R.INT.RXT0 | R.INT.TXDW | R.INT.LSC | R.INT.RXDMT0 | R.INT.RXSEQ;

const ETH_HLEN = 14;
const STD_MTU = 1500;
const RXD_ERR_FRAME = RXD_ERR.CE | RXD_ERR.SE | RXD_ERR.SEQ | RXD_ERR.CXE | RXD_ERR.RXE;
/** DCMD.TSE of an extended data descriptor (bit 2, where a legacy descriptor has IC). */
const TXD_DCMD_TSE = 1 << 2;
const IPPROTO_TCP = 6;
/** The largest IPv4 datagram a TSO packet may be (the IP total length field's limit). */
const TSO_MAX_DATAGRAM = 65535;

interface TxRing {
  desc: DmaBuffer;
  bufs: DmaBuffer;
  count: number;
  nextToUse: number;
  nextToClean: number;
  /** For the first descriptor of a frame: the index of its EOP descriptor. */
  eop: Int32Array;
  /** For the first descriptor of a frame: the bytes it puts on the wire (FCS excluded; a TSO packet's headers counted once per segment). */
  len: Uint32Array;
  /** For the first descriptor of a frame: the frames it becomes (1, or a TSO packet's segments). */
  frames: Uint16Array;
  /** Descriptors whose buffer address a context descriptor overwrote (rewritten before the next use). */
  clobbered: Uint8Array;
}

interface RxRing {
  desc: DmaBuffer;
  bufs: DmaBuffer;
  count: number;
  nextToUse: number;
  nextToClean: number;
}

/** A descriptor ring's software indices: the next descriptor the driver fills, the next it reclaims, and the ring's size. */
export interface RingIndexes {
  /** next_to_use: the next descriptor the driver hands to the adapter. */
  nextToUse: number;
  /** next_to_clean: the next descriptor the driver reclaims (TX) or reads a frame from (RX). */
  nextToClean: number;
  /** Descriptors in the ring. */
  count: number;
}

function unused(r: { count: number; nextToUse: number; nextToClean: number }): number {
  return (r.nextToClean > r.nextToUse ? 0 : r.count) + r.nextToClean - r.nextToUse - 1;
}

/**
 * DMA memory the driver's rings and buffers take with these ring sizes (each of the four blocks
 * page-aligned, as `open` allocates them), bytes: what a host's memory must hold per interface.
 */
export function e1000DmaBytes(opts: Pick<E1000Options, 'txRingSize' | 'rxRingSize'> = {}): number {
  const page = (n: number) => Math.ceil(n / 4096) * 4096;
  const tx = checkRingSize('txRingSize', opts.txRingSize ?? 256);
  const rx = checkRingSize('rxRingSize', opts.rxRingSize ?? 256);
  return page(tx * DESC_SIZE) + page(tx * E1000_BUFFER_SIZE) + page(rx * DESC_SIZE) + page(rx * E1000_BUFFER_SIZE);
}

function checkRingSize(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 8 || n > 4096 || n % 8 !== 0) throw new RangeError(`${what} must be a multiple of 8 from 8 to 4096, got ${n}`);
  return n;
}

function fmtNs(ns: Nanos): string {
  return ns >= 1_000_000 ? `${+(ns / 1_000_000).toFixed(3)} ms` : `${+(ns / 1000).toFixed(3)} µs`;
}

/** The e1000 driver bound to one adapter; it is the adapter's {@link NetDevice}. */
export class E1000 implements NetDevice {
  /** Interface name. */
  readonly name: string;
  /** The hardware-access layer. */
  readonly hw: E1000Hw;
  /** The interrupt vector the adapter's line is wired to. */
  readonly vector: number;
  /** Driver-internal counts. */
  readonly counters: E1000Counters = { interrupts: 0, interruptsNotMine: 0, txQueueStops: 0, txQueueWakes: 0, txBusy: 0, rxErrorFrames: 0, watchdogRuns: 0 };
  /** The PHY identifier read at probe (PHYID1 << 16 | PHYID2). */
  phyId = 0;

  private macAddr: Uint8Array = new Uint8Array(6);
  private mtuValue = STD_MTU;
  private readonly kernel: Kernel;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly actor: Actor<typeof e1000Lifecycle>;
  private readonly napi: Napi;
  private readonly wd: KernelTimer;
  private readonly txCount: number;
  private readonly rxCount: number;
  private readonly itr: number;
  private readonly rdtr: number;
  private readonly radv: number;
  private readonly tidv: number;
  private readonly tadv: number;
  private readonly txIde: number;
  private readonly rxWriteBatch: number;
  private readonly txWakeThreshold: number;
  private readonly wdIntervalNs: Nanos;
  private readonly costed: boolean;
  private tx: TxRing | null = null;
  private rx: RxRing | null = null;
  private carrier = false;
  private running = false;
  private hwReady = false;
  private queueStopped = false;
  private link: HwLink | null = null;
  private pendingLink: HwLink | null = null;
  private txMaxDescs = 1;
  private readonly tso: boolean;
  private readonly listeners = new NetDeviceListeners();
  private promisc = false;
  private mcList: Uint8Array[] = [];
  private freeIrq: (() => void) | null = null;
  private readonly hwStats: HwStats = emptyHwStats();
  private readonly sw = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  private rxParts: Uint8Array[] = [];
  private rxPartsLen = 0;
  private rxPartsBad = false;

  constructor(kernel: Kernel, dev: E1000Device, opts: E1000Options = {}) {
    this.kernel = kernel;
    this.name = opts.name ?? kernel.sim.uniqueName('eth');
    this.bytes = kernel.memory.bytes;
    this.view = kernel.memory.view;
    this.hw = new E1000Hw(dev.bus, kernel, this.name, opts.hw);
    this.txCount = checkRingSize('txRingSize', opts.txRingSize ?? 256);
    this.rxCount = checkRingSize('rxRingSize', opts.rxRingSize ?? 256);
    const reg16 = (what: string, v: number) => {
      if (!Number.isSafeInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} must be an integer from 0 to 65535, got ${v}`);
      return v;
    };
    this.itr = reg16('itr', opts.itr ?? 0);
    this.rdtr = reg16('rxIntDelay', opts.rxIntDelay ?? 0);
    this.radv = reg16('rxAbsIntDelay', opts.rxAbsIntDelay ?? 0);
    this.tidv = reg16('txIntDelay', opts.txIntDelay ?? 0);
    this.tadv = reg16('txAbsIntDelay', opts.txAbsIntDelay ?? 0);
    this.txIde = this.tidv > 0 ? TXD_CMD.IDE : 0;
    this.rxWriteBatch = Math.max(1, opts.rxWriteBatch ?? 16);
    this.txWakeThreshold = Math.max(1, Math.min(opts.txWakeThreshold ?? 32, this.txCount >> 1));
    if (opts.tso !== undefined && typeof opts.tso !== 'boolean') throw new TypeError(`tso must be a boolean, got ${String(opts.tso)}`);
    this.tso = opts.tso ?? false;
    this.wdIntervalNs = opts.watchdogIntervalNs ?? 2_000_000_000;
    this.costed = kernel.cpu.costed;
    this.vector = kernel.irq.attach(dev.irq);
    this.napi = kernel.softirq.add(`${this.name}.napi`, (budget) => this.poll(budget), opts.napiWeight ?? 64);
    this.wd = kernel.timer(() => this.watchdog());
    const machine = e1000Lifecycle.provide({
      actions: {
        carrierOn: () => this.carrierOn(),
        carrierOff: () => this.carrierOff(),
        reportFailure: ({ context }) => {
          if (kernel.sim.trace.active) kernel.sim.trace.emit('log', this.name, { level: 'error', message: `${this.name}: ${context.error ?? 'failed'}` });
        },
      },
    });
    this.actor = startSimActor(kernel.sim, machine, this.name) as unknown as Actor<typeof e1000Lifecycle>;
  }

  // ------------------------------------------------------------------ NetDevice

  /** The station MAC address (read from the EEPROM at probe). */
  get mac(): Uint8Array {
    return this.macAddr;
  }

  /** The current MTU. */
  get mtu(): number {
    return this.mtuValue;
  }

  /** Whether the carrier is up. */
  get linkUp(): boolean {
    return this.carrier;
  }

  /** The lifecycle state (`down`, `up.linkUp`, ...). */
  get state(): LifecycleState {
    return lifecycleStateName(this.actor.getSnapshot().value);
  }

  /** The message of the last failed procedure, or null. */
  get lastError(): string | null {
    return this.actor.getSnapshot().context.error;
  }

  /** The link as the stack sees it. */
  linkState(): LinkState {
    return this.carrier && this.link ? { up: true, speed: this.link.speed, duplex: this.link.duplex } : { up: false };
  }

  /** The rings' software indices (read-only copies for debuggers and the view), or null before `open` set the rings up and after `close`. */
  ringState(): { tx: RingIndexes; rx: RingIndexes } | null {
    if (!this.tx || !this.rx) return null;
    return { tx: { nextToUse: this.tx.nextToUse, nextToClean: this.tx.nextToClean, count: this.tx.count }, rx: { nextToUse: this.rx.nextToUse, nextToClean: this.rx.nextToClean, count: this.rx.count } };
  }

  /** Whether the transmit queue is stopped (ring full or interface closing). */
  get queueStoppedNow(): boolean {
    return this.queueStopped;
  }

  /**
   * With the `tso` option, the largest IPv4 datagram `transmit` segments (64 KiB less one, or what
   * half the transmit ring's buffers hold when that is less); 0 without it.
   */
  get tsoMaxSize(): number {
    return this.tso ? Math.min(TSO_MAX_DATAGRAM, ((this.txCount >> 1) - 1) * E1000_BUFFER_SIZE - ETH_HLEN) : 0;
  }

  /**
   * Queues a frame (14-byte header + payload, no FCS): `ok`, `busy` (queue stopped) or `down` (no
   * carrier). With `segmentMss`, a TCP/IPv4 packet the adapter segments (see NetDevice).
   */
  transmit(frame: Uint8Array, segmentMss?: number): TransmitResult {
    if (!this.carrier) return 'down';
    if (this.queueStopped) {
      this.counters.txBusy++;
      return 'busy';
    }
    return segmentMss === undefined ? this.xmitFrame(frame) : this.xmitTso(frame, segmentMss);
  }

  /** Sets the receive callback; returns a remover. */
  onReceive(cb: (frame: Uint8Array, payloadSum?: number) => void): () => void {
    return this.listeners.onReceive(cb);
  }

  /** Subscribes to the end of each NAPI receive batch (see NetDevice). */
  onReceiveBatchEnd(cb: () => void): () => void {
    return this.listeners.onReceiveBatchEnd(cb);
  }

  /** Subscribes to carrier changes. */
  onLinkChange(cb: (link: LinkState) => void): () => void {
    return this.listeners.onLinkChange(cb);
  }

  /** Subscribes to transmit-queue wake-ups. */
  onTxWake(cb: () => void): () => void {
    return this.listeners.onTxWake(cb);
  }

  /** Statistics: the adapter's counters are read (and accumulated) first. */
  stats(): NetDevStats {
    this.updateStats();
    const h = this.hwStats;
    const s = this.sw;
    return {
      rxPackets: s.rxPackets,
      txPackets: s.txPackets,
      rxBytes: s.rxBytes,
      txBytes: s.txBytes,
      rxErrors: h.rxerrc + h.crcerrs + h.algnerrc + h.ruc + h.roc + h.cexterr,
      txErrors: h.ecol + h.latecol,
      rxDropped: s.rxDropped,
      txDropped: s.txDropped,
      multicast: h.mprc,
      collisions: h.colc,
      rxLengthErrors: h.ruc + h.roc,
      rxOverErrors: h.rlec,
      rxCrcErrors: h.crcerrs,
      rxFrameErrors: h.algnerrc,
      rxMissedErrors: h.mpc,
      txAbortedErrors: h.ecol,
      txCarrierErrors: h.tncrs,
      txWindowErrors: h.latecol,
    };
  }

  /** The adapter's statistics registers, accumulated (read first). */
  hwStatistics(): HwStats {
    this.updateStats();
    return { ...this.hwStats };
  }

  /** The NAPI context's counts (polls, the most work in one poll, ...). */
  napiStats(): NapiStats {
    return { ...this.napi.stats };
  }

  /** Unicast and multicast promiscuous mode (RCTL.UPE | RCTL.MPE). */
  setPromiscuous(on: boolean): void {
    this.promisc = on;
    if (this.running) this.setRxMode();
  }

  /** Sets the multicast list: the first 15 in exact filters RAR[1..15], the rest in the MTA hash. */
  setMulticastList(addrs: readonly Uint8Array[]): void {
    for (const a of addrs) if (a.length !== 6 || !(a[0] & 1)) throw new RangeError(`not a multicast MAC address: ${Array.from(a, (b) => b.toString(16).padStart(2, '0')).join(':')}`);
    this.mcList = addrs.map((a) => Uint8Array.from(a));
    if (this.hwReady) this.setRxMode();
  }

  /** Changes the MTU; above 1500 the adapter accepts long frames (RCTL.LPE) spanning several buffers. */
  setMtu(mtu: number): void {
    if (!Number.isSafeInteger(mtu) || mtu < E1000_MIN_MTU || mtu > E1000_MAX_MTU) throw new RangeError(`MTU must be an integer from ${E1000_MIN_MTU} to ${E1000_MAX_MTU}, got ${mtu}`);
    this.mtuValue = mtu;
    this.txMaxDescs = this.maxDescsPerFrame();
    if (this.running) {
      const rctl = this.hw.rd32(R.RCTL);
      const want = mtu > STD_MTU ? rctl | R.RCTL.f.LPE.mask : rctl & ~R.RCTL.f.LPE.mask;
      if (want !== rctl) this.hw.wr32(R.RCTL, want);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  private expectState(op: string, ...allowed: LifecycleState[]): void {
    const s = this.state;
    if (!allowed.includes(s)) throw new DriverError('bad-state', `${this.name}: cannot ${op} in state '${s}' (allowed: ${allowed.join(', ')})`);
  }

  /**
   * probe: reset the adapter, validate the EEPROM checksum, read the MAC through EERD, program
   * RAR[0], clear RAR[1..15] and the MTA, read the PHY ID through MDIC, let the MAC follow the PHY.
   * Rejects with a {@link DriverError} (and the lifecycle goes to `failed`) when the hardware
   * misbehaves.
   */
  async probe(): Promise<void> {
    this.expectState('probe', 'unprobed');
    this.actor.send({ type: 'PROBE' });
    try {
      await this.hw.resetHw();
      await this.hw.validateEepromChecksum();
      this.macAddr = await this.hw.readMacAddr();
      this.hw.initRxAddrs(this.macAddr);
      this.hw.clearMta();
      this.phyId = await this.hw.readPhyId();
      this.hw.setupLink();
    } catch (e) {
      this.actor.send({ type: 'PROBE_FAIL', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    this.hwReady = true;
    this.actor.send({ type: 'PROBE_OK' });
  }

  /**
   * open: allocate and program the rings, TIPG, TCTL (PSP, CT, COLD), ITR and the receive delay
   * timers, RCTL, fill the receive ring and set RDT, enable interrupts (IMS), then raise LSC through
   * ICS so the watchdog checks the link. Transmit is enabled by the watchdog when the link is up.
   */
  async open(): Promise<void> {
    this.expectState('open', 'down');
    this.actor.send({ type: 'OPEN' });
    try {
      this.setupRings();
    } catch (e) {
      this.actor.send({ type: 'OPEN_FAIL', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    this.freeIrq = this.kernel.irq.request(this.vector, this.name, this.intr);
    this.configureTx();
    this.setRxMode();
    this.configureRx();
    this.allocRxBuffers(unused(this.rx!));
    this.napi.enable();
    this.running = true;
    this.queueStopped = false;
    this.irqEnable();
    this.hw.wr32(R.ICS, R.INT.LSC);
    this.actor.send({ type: 'OPEN_OK' });
  }

  /**
   * close: stop receive and transmit, wait for DMA in flight, stop NAPI and interrupts, collect the
   * statistics, reset the adapter (keeping its station address and link setup), drop the frames
   * still queued and free the rings.
   */
  async close(): Promise<void> {
    this.expectState('close', 'up.linkDown', 'up.linkUp');
    this.actor.send({ type: 'CLOSE' });
    const hw = this.hw;
    this.running = false;
    this.queueStopped = true;
    hw.wr32(R.RCTL, hw.rd32(R.RCTL) & ~R.RCTL.f.EN.mask);
    hw.wr32(R.TCTL, hw.rd32(R.TCTL) & ~R.TCTL.f.EN.mask);
    hw.flush();
    await this.kernel.sleep(10_000_000);
    this.napi.disable();
    this.irqDisable();
    this.freeIrq?.();
    this.freeIrq = null;
    this.wd.cancel();
    this.updateStats();
    try {
      await hw.resetHw();
      hw.initRxAddrs(this.macAddr);
      hw.clearMta();
      hw.setupLink();
    } catch (e) {
      this.hwReady = false;
      this.freeRings();
      this.actor.send({ type: 'CLOSE_FAIL', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    this.freeRings();
    this.link = null;
    this.actor.send({ type: 'CLOSE_OK' });
  }

  /** remove: close if open, unwire the interrupt line; the driver is done with the adapter. */
  async remove(): Promise<void> {
    if (this.state === 'up.linkDown' || this.state === 'up.linkUp') await this.close();
    this.expectState('remove', 'unprobed', 'down', 'failed');
    this.kernel.irq.detach(this.vector);
    this.hwReady = false;
    this.actor.send({ type: 'REMOVE' });
  }

  /** Resolves when the carrier is up; rejects with `link-timeout` after `timeoutNs` of simulated time. */
  waitForLink(timeoutNs: Nanos): Promise<LinkState> {
    if (this.carrier) return Promise.resolve(this.linkState());
    const sim = this.kernel.sim;
    return new Promise<LinkState>((resolve, reject) => {
      const t0 = sim.now;
      const off = this.onLinkChange((l) => {
        if (!l.up) return;
        timer.cancel();
        off();
        sim.wake();
        resolve(l);
      });
      const timer = sim.schedule(timeoutNs, () => {
        off();
        sim.wake();
        reject(new DriverError('link-timeout', `${this.name}: the link did not come up within ${fmtNs(sim.now - t0)} (STATUS.LU never set; state '${this.state}')`));
      });
    });
  }

  // ------------------------------------------------------------------ setup

  private setupRings(): void {
    const dma = this.kernel.dma;
    const allocs: DmaBuffer[] = [];
    const get = (size: number, align: number, what: string): DmaBuffer => {
      const b = dma.alloc(size, align);
      if (b === null) {
        for (const a of allocs) dma.release(a);
        throw new DriverError('no-memory', `${this.name}: cannot allocate ${size} bytes of DMA memory for the ${what} (${dma.inUse} bytes in use)`);
      }
      allocs.push(b);
      return b;
    };
    const txDesc = get(this.txCount * DESC_SIZE, 4096, 'transmit ring');
    const txBufs = get(this.txCount * E1000_BUFFER_SIZE, 4096, 'transmit buffers');
    const rxDesc = get(this.rxCount * DESC_SIZE, 4096, 'receive ring');
    const rxBufs = get(this.rxCount * E1000_BUFFER_SIZE, 4096, 'receive buffers');
    const view = this.view;
    // Each transmit descriptor owns one buffer for the ring's lifetime.
    for (let i = 0; i < this.txCount; i++) {
      const da = txDesc.addr + i * DESC_SIZE;
      const buf = txBufs.addr + i * E1000_BUFFER_SIZE;
      view.setUint32(da + DESC.ADDR, buf % 0x100000000, true);
      view.setUint32(da + DESC.ADDR + 4, Math.floor(buf / 0x100000000), true);
    }
    const n = this.txCount;
    this.tx = { desc: txDesc, bufs: txBufs, count: n, nextToUse: 0, nextToClean: 0, eop: new Int32Array(n), len: new Uint32Array(n), frames: new Uint16Array(n), clobbered: new Uint8Array(n) };
    this.rx = { desc: rxDesc, bufs: rxBufs, count: this.rxCount, nextToUse: 0, nextToClean: 0 };
    this.rxParts = [];
    this.rxPartsLen = 0;
    this.rxPartsBad = false;
    this.txMaxDescs = this.maxDescsPerFrame();
  }

  /** The most descriptors one `transmit` can take: a frame of the MTU, or a TSO packet and its context descriptor. */
  private maxDescsPerFrame(): number {
    const frame = Math.ceil((this.mtuValue + ETH_HLEN) / E1000_BUFFER_SIZE);
    return this.tso ? Math.max(frame, Math.ceil((this.tsoMaxSize + ETH_HLEN) / E1000_BUFFER_SIZE) + 1) : frame;
  }

  private freeRings(): void {
    const dma = this.kernel.dma;
    const t = this.tx;
    if (t) {
      // frames still queued are dropped
      let i = t.nextToClean;
      while (i !== t.nextToUse) {
        this.sw.txDropped++;
        i = t.eop[i] + 1 === t.count ? 0 : t.eop[i] + 1;
      }
      dma.release(t.desc);
      dma.release(t.bufs);
    }
    if (this.rx) {
      dma.release(this.rx.desc);
      dma.release(this.rx.bufs);
    }
    this.tx = null;
    this.rx = null;
  }

  /** Programs the transmit ring, TIPG, TIDV/TADV and TCTL (without EN: the watchdog sets it). */
  private configureTx(): void {
    const hw = this.hw;
    const t = this.tx!;
    hw.wr32(R.TDBAL, t.desc.addr % 0x100000000);
    hw.wr32(R.TDBAH, Math.floor(t.desc.addr / 0x100000000));
    hw.wr32(R.TDLEN, t.count * DESC_SIZE);
    hw.wr32(R.TDH, 0);
    hw.wr32(R.TDT, 0);
    const G = R.TIPG.f;
    hw.wr32(R.TIPG, (8 << G.IPGT.lsb) | (8 << G.IPGR1.lsb) | (6 << G.IPGR2.lsb));
    hw.wr32(R.TIDV, this.tidv);
    hw.wr32(R.TADV, this.tadv);
    const T = R.TCTL.f;
    hw.wr32(R.TCTL, T.PSP.mask | (0x0f << T.CT.lsb) | (0x40 << T.COLD.lsb));
  }

  private rctlValue(): number {
    const C = R.RCTL.f;
    let v = C.EN.mask | C.BAM.mask | C.SECRC.mask | (0 << C.RDMTS.lsb) | (0 << C.BSIZE.lsb) | (0 << C.MO.lsb);
    if (this.mtuValue > STD_MTU) v |= C.LPE.mask;
    if (this.promisc) v |= C.UPE.mask | C.MPE.mask;
    return v >>> 0;
  }

  /** Programs the receive ring, ITR, RDTR/RADV and RCTL (receiver disabled while the ring is set up). */
  private configureRx(): void {
    const hw = this.hw;
    const r = this.rx!;
    hw.wr32(R.RCTL, 0);
    hw.wr32(R.ITR, this.itr);
    hw.wr32(R.RDTR, this.rdtr);
    hw.wr32(R.RADV, this.radv);
    // the legacy packet checksum starts at the Ethernet payload (after the 14-byte header)
    hw.wr32(R.RXCSUM, ETH_HLEN << R.RXCSUM.f.PCSS.lsb);
    hw.wr32(R.RDBAL, r.desc.addr % 0x100000000);
    hw.wr32(R.RDBAH, Math.floor(r.desc.addr / 0x100000000));
    hw.wr32(R.RDLEN, r.count * DESC_SIZE);
    hw.wr32(R.RDH, 0);
    hw.wr32(R.RDT, 0);
    hw.wr32(R.RCTL, this.rctlValue());
  }

  /** set_rx_mode: RCTL.UPE/MPE (while running), multicast addresses into RAR[1..15] then the MTA hash. */
  private setRxMode(): void {
    const hw = this.hw;
    if (this.running) {
      const C = R.RCTL.f;
      const rctl = hw.rd32(R.RCTL);
      const want = this.promisc ? rctl | C.UPE.mask | C.MPE.mask : rctl & ~(C.UPE.mask | C.MPE.mask);
      if (want !== rctl) hw.wr32(R.RCTL, want);
    }
    const table = new Uint32Array(MTA_REGS);
    let rar = 1;
    for (const m of this.mcList) {
      if (rar < RAR_ENTRIES) hw.rarSet(m, rar++);
      else {
        const h = mtaHashMo0(m);
        table[h >>> 5] |= 1 << (h & 31);
      }
    }
    for (; rar < RAR_ENTRIES; rar++) hw.rarClear(rar);
    hw.writeMta(table);
  }

  private irqEnable(): void {
    this.hw.wr32(R.IMS, IMS_ENABLE_MASK);
    this.hw.flush();
  }

  private irqDisable(): void {
    this.hw.wr32(R.IMC, 0xffffffff);
    this.hw.flush();
  }

  // ------------------------------------------------------------------ data path

  /** Copies `frame` into the ring's DMA buffers, fills descriptors (IFCS; EOP|RS on the last) and writes TDT. */
  xmitFrame(frame: Uint8Array): TransmitResult {
    const len = frame.length;
    if (len === 0 || len > this.mtuValue + ETH_HLEN) throw new RangeError(`${this.name}: cannot send a ${len}-byte frame (1 to ${this.mtuValue + ETH_HLEN} bytes with MTU ${this.mtuValue})`);
    const t = this.tx;
    if (t === null) return 'down';
    const needed = len <= E1000_BUFFER_SIZE ? 1 : Math.ceil(len / E1000_BUFFER_SIZE);
    if (!this.reserve(t, needed)) return 'busy';
    const first = t.nextToUse;
    const last = this.fillBuffers(t, first, frame, 0, TXD_CMD.IFCS | this.txIde, 0);
    const trace = this.kernel.sim.trace;
    if (trace.active) trace.emit('netdev.xmit', this.name, { length: len, firstDescriptor: first, descriptors: needed });
    this.queued(t, first, last, len, 1, len);
    return 'ok';
  }

  /**
   * TSO transmit (the role of Linux's e1000_tso + e1000_tx_queue): checks that `frame` is one
   * TCP/IPv4 packet, writes a TCP/IP context descriptor (checksum offsets, HDRLEN, MSS, PAYLEN,
   * TUCMD = TSE|TCP|IP) and data descriptors with DCMD.TSE and POPTS = IXSM|TXSM, after clearing
   * the IP checksum and preloading the TCP checksum with the pseudo-header sum without the length,
   * as the adapter expects; then writes TDT.
   */
  xmitTso(frame: Uint8Array, mss: number): TransmitResult {
    const len = frame.length;
    const name = this.name;
    if (!this.tso) throw new RangeError(`${name}: segmentMss given, but TCP segmentation offload is off (the tso option)`);
    if (!Number.isSafeInteger(mss) || mss < 1) throw new RangeError(`${name}: segmentMss must be a positive integer, got ${String(mss)}`);
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${name}: frame must be a Uint8Array`);
    const why = tsoFrameProblem(frame);
    if (why !== null) throw new RangeError(`${name}: cannot segment this frame: ${why}`);
    const ipOff = ETH_HLEN;
    const tcpOff = ipOff + (frame[ipOff] & 0x0f) * 4;
    const hdr = tcpOff + (frame[tcpOff + 12] >>> 4) * 4;
    if (len - ETH_HLEN > this.tsoMaxSize) throw new RangeError(`${name}: a ${len - ETH_HLEN}-byte datagram is over the ${this.tsoMaxSize} bytes TSO takes`);
    if (hdr - ETH_HLEN + mss > this.mtuValue) throw new RangeError(`${name}: segments of ${hdr - ETH_HLEN} header and ${mss} payload bytes would exceed MTU ${this.mtuValue}`);
    const t = this.tx;
    if (t === null) return 'down';
    const dataDescs = Math.ceil(len / E1000_BUFFER_SIZE);
    if (!this.reserve(t, dataDescs + 1)) return 'busy';
    const bytes = this.bytes;
    const view = this.view;
    const payload = len - hdr;
    const segments = Math.ceil(payload / mss);
    // the context descriptor
    const first = t.nextToUse;
    const c = t.desc.addr + first * DESC_SIZE;
    bytes[c + DESC.IPCSS] = ipOff;
    bytes[c + DESC.IPCSO] = ipOff + 10;
    view.setUint16(c + DESC.IPCSE, tcpOff - 1, true);
    bytes[c + DESC.TUCSS] = tcpOff;
    bytes[c + DESC.TUCSO] = tcpOff + 16;
    view.setUint16(c + DESC.TUCSE, 0, true);
    view.setUint32(c + DESC.LENGTH, payload | ((TXD_TUCMD.DEXT | TXD_TUCMD.TSE | TXD_TUCMD.TCP | TXD_TUCMD.IP) << 24), true); // PAYLEN, DTYP 0, TUCMD
    bytes[c + DESC.STATUS] = 0;
    bytes[c + DESC.HDRLEN] = hdr;
    view.setUint16(c + DESC.MSS, mss, true);
    t.clobbered[first] = 1;
    // the data descriptors: DTYP 1, DCMD.TSE, POPTS on the first
    const firstData = first + 1 === t.count ? 0 : first + 1;
    const last = this.fillBuffers(t, firstData, frame, 1 << 20, TXD_CMD.DEXT | TXD_DCMD_TSE | TXD_CMD.IFCS | this.txIde, (TXD_POPTS.IXSM | TXD_POPTS.TXSM) << 8);
    // the headers in the first buffer: IP checksum 0, TCP checksum = pseudo-header sum without the length
    const hb = t.bufs.addr + firstData * E1000_BUFFER_SIZE;
    bytes[hb + ipOff + 10] = 0;
    bytes[hb + ipOff + 11] = 0;
    let ps = view.getUint16(hb + ipOff + 12) + view.getUint16(hb + ipOff + 14) + view.getUint16(hb + ipOff + 16) + view.getUint16(hb + ipOff + 18) + IPPROTO_TCP;
    while (ps > 0xffff) ps = (ps & 0xffff) + (ps >>> 16);
    view.setUint16(hb + tcpOff + 16, ps);
    const trace = this.kernel.sim.trace;
    if (trace.active) trace.emit('netdev.xmit', name, { length: len, firstDescriptor: first, descriptors: dataDescs + 1, tsoMss: mss, segments });
    this.queued(t, first, last, len + (segments - 1) * hdr, segments, len);
    return 'ok';
  }

  /** Whether `needed` descriptors are free; if not, stops the queue and counts a `busy` answer. */
  private reserve(t: TxRing, needed: number): boolean {
    if (unused(t) >= needed) return true;
    this.stopQueue(t);
    this.counters.txBusy++;
    return false;
  }

  /**
   * Copies `frame` into the DMA buffers of the descriptors from `i` on, 2048 bytes each, and fills
   * them: LENGTH (with `lenFlags` or'ed in — an extended descriptor's DTYP), CMD = `cmd`, plus
   * EOP|RS on the last, and the STATUS word `firstStatus` on the first (0 on the others). Returns
   * the last descriptor's index.
   */
  private fillBuffers(t: TxRing, i: number, frame: Uint8Array, lenFlags: number, cmd: number, firstStatus: number): number {
    const bytes = this.bytes;
    const view = this.view;
    const descBase = t.desc.addr;
    const bufBase = t.bufs.addr;
    const count = t.count;
    const len = frame.length;
    let status = firstStatus;
    let last = i;
    for (let off = 0; off < len; ) {
      const n = Math.min(E1000_BUFFER_SIZE, len - off);
      bytes.set(n === len ? frame : frame.subarray(off, off + n), bufBase + i * E1000_BUFFER_SIZE);
      off += n;
      if (t.clobbered[i] !== 0) this.restoreAddress(t, i);
      const da = descBase + i * DESC_SIZE;
      view.setUint32(da + DESC.LENGTH, n | lenFlags | ((off === len ? cmd | TXD_CMD.EOP | TXD_CMD.RS : cmd) << 24), true); // LENGTH (DTYP), CSO = 0, CMD
      view.setUint32(da + DESC.STATUS, status, true); // STA, CSS/POPTS, SPECIAL
      status = 0;
      last = i;
      i = i + 1 === count ? 0 : i + 1;
    }
    return last;
  }

  /**
   * Records the frame in descriptors `first`…`last` (the bytes it puts on the wire, the frames it
   * becomes), charges the copy, writes TDT, and stops the queue when a largest frame no longer fits.
   */
  private queued(t: TxRing, first: number, last: number, wireBytes: number, frames: number, copied: number): void {
    t.eop[first] = last;
    t.len[first] = wireBytes;
    t.frames[first] = frames;
    t.nextToUse = last + 1 === t.count ? 0 : last + 1;
    if (this.costed) this.kernel.cpu.chargeCopy(copied);
    this.hw.wr32(R.TDT, t.nextToUse);
    if (unused(t) < this.txMaxDescs) this.stopQueue(t);
  }

  /** Writes descriptor `i`'s buffer address again after a context descriptor used the slot. */
  private restoreAddress(t: TxRing, i: number): void {
    const buf = t.bufs.addr + i * E1000_BUFFER_SIZE;
    const da = t.desc.addr + i * DESC_SIZE;
    this.view.setUint32(da + DESC.ADDR, buf % 0x100000000, true);
    this.view.setUint32(da + DESC.ADDR + 4, Math.floor(buf / 0x100000000), true);
    t.clobbered[i] = 0;
  }

  private stopQueue(t: TxRing): void {
    if (this.queueStopped) return;
    this.queueStopped = true;
    this.counters.txQueueStops++;
    const trace = this.kernel.sim.trace;
    if (trace.active) trace.emit('netdev.queue', this.name, { stopped: true, free: unused(t) });
  }

  /**
   * The interrupt handler: read ICR (which clears it); 0 means another device's interrupt. Otherwise
   * note link events for the watchdog, mask everything with IMC and schedule the NAPI poll.
   */
  readonly intr = (): IrqReturn => {
    const icr = this.hw.rd32(R.ICR);
    if (icr === 0) {
      this.counters.interruptsNotMine++;
      return 'none';
    }
    this.counters.interrupts++;
    if (icr & (R.INT.LSC | R.INT.RXSEQ) && this.running) this.wd.mod(0);
    this.hw.wr32(R.IMC, 0xffffffff);
    this.hw.flush();
    if (!this.napi.schedule() && this.running) this.irqEnable();
    return 'handled';
  };

  /** The NAPI poll: clean the transmit ring, then at most `budget` receive descriptors; re-enable interrupts when under budget. */
  poll(budget: number): number {
    this.cleanTxIrq();
    const work = this.cleanRxIrq(budget);
    if (this.wdIntervalNs > 0 && !this.wd.pending && this.running) this.wd.mod(this.wdIntervalNs);
    if (work < budget) {
      this.napi.complete();
      if (this.running) this.irqEnable();
    }
    return work;
  }

  /** Reclaims transmitted frames (EOP descriptor has DD), counts them, and wakes the queue when enough is free. */
  cleanTxIrq(): number {
    const t = this.tx;
    if (t === null) return 0;
    const bytes = this.bytes;
    const descBase = t.desc.addr;
    const count = t.count;
    let i = t.nextToClean;
    const ntu = t.nextToUse;
    let frames = 0;
    let bytesDone = 0;
    while (i !== ntu) {
      const eop = t.eop[i];
      if (!(bytes[descBase + eop * DESC_SIZE + DESC.STATUS] & TXD_STA.DD)) break;
      frames += t.frames[i];
      bytesDone += t.len[i];
      i = eop + 1 === count ? 0 : eop + 1;
    }
    t.nextToClean = i;
    this.sw.txPackets += frames;
    this.sw.txBytes += bytesDone;
    if (this.queueStopped && this.running && unused(t) >= Math.max(this.txWakeThreshold, this.txMaxDescs)) {
      this.queueStopped = false;
      this.counters.txQueueWakes++;
      const trace = this.kernel.sim.trace;
      if (trace.active) trace.emit('netdev.queue', this.name, { stopped: false, free: unused(t) });
      if (this.carrier) this.listeners.emitTxWake();
    }
    return frames;
  }

  /** Hands up to `budget` received descriptors to the stack (frames with error bits dropped), refilling in batches. */
  cleanRxIrq(budget: number): number {
    const r = this.rx;
    if (r === null) return 0;
    const bytes = this.bytes;
    const view = this.view;
    const descBase = r.desc.addr;
    const bufBase = r.bufs.addr;
    const count = r.count;
    let i = r.nextToClean;
    let work = 0;
    let cleaned = 0;
    while (work < budget) {
      const da = descBase + i * DESC_SIZE;
      const status = bytes[da + DESC.STATUS];
      if (!(status & RXD_STAT.DD)) break;
      const errors = bytes[da + DESC.ERRORS];
      const len = view.getUint16(da + DESC.LENGTH, true);
      const buf = bufBase + i * E1000_BUFFER_SIZE;
      work++;
      cleaned++;
      i = i + 1 === count ? 0 : i + 1;
      r.nextToClean = i;
      if (!(status & RXD_STAT.EOP)) {
        // one buffer of a long frame (RCTL.LPE): keep it until the EOP descriptor
        if (errors & RXD_ERR_FRAME) this.rxPartsBad = true;
        this.rxParts.push(bytes.slice(buf, buf + len));
        this.rxPartsLen += len;
      } else {
        let frame: Uint8Array | null = null;
        let payloadSum: number | undefined;
        const bad = (errors & RXD_ERR_FRAME) !== 0 || this.rxPartsBad;
        if (this.rxParts.length === 0) {
          if (!bad) {
            frame = this.allocFrag(len);
            frame.set(bytes.subarray(buf, buf + len));
            payloadSum = view.getUint16(da + DESC.CSUM, true); // the descriptor's packet checksum (one buffer: whole frame)
          }
        } else {
          if (!bad) {
            frame = new Uint8Array(this.rxPartsLen + len);
            let o = 0;
            for (const p of this.rxParts) {
              frame.set(p, o);
              o += p.length;
            }
            frame.set(bytes.subarray(buf, buf + len), o);
          }
          this.rxParts = [];
          this.rxPartsLen = 0;
          this.rxPartsBad = false;
        }
        if (frame === null) {
          this.counters.rxErrorFrames++;
          this.sw.rxDropped++;
        } else {
          this.sw.rxPackets++;
          this.sw.rxBytes += frame.length;
          if (this.costed) this.kernel.cpu.chargeCopy(frame.length);
          const trace = this.kernel.sim.trace;
          if (trace.active) trace.emit('netdev.rx', this.name, { length: frame.length, descriptor: i === 0 ? count - 1 : i - 1 });
          const cb = this.listeners.rx;
          if (cb !== null) cb(frame, payloadSum);
        }
      }
      if (cleaned >= this.rxWriteBatch) {
        this.allocRxBuffers(cleaned);
        cleaned = 0;
      }
      if (this.rx !== r) return work; // the callback closed the interface
    }
    if (cleaned > 0) this.allocRxBuffers(cleaned);
    if (work > 0) this.listeners.rxBatchEnd?.();
    return work;
  }

  /**
   * An array of `len` bytes for a received frame: a fresh region of the simulation's slab (handed
   * out once, as Linux's page-fragment allocator does), shared by every host of the simulation, so
   * the frames of hosts taking turns land side by side in recently zeroed memory rather than each
   * in its own host's slab, cold since that host's last frame.
   */
  private allocFrag(len: number): Uint8Array {
    return this.kernel.sim.slab.bytes(len);
  }

  /** Gives `n` descriptors from `nextToUse` back to the adapter (buffer address, status cleared) and writes RDT once. */
  allocRxBuffers(n: number): void {
    const r = this.rx;
    if (r === null || n <= 0) return;
    const view = this.view;
    const descBase = r.desc.addr;
    const bufBase = r.bufs.addr;
    const count = r.count;
    let i = r.nextToUse;
    for (let k = 0; k < n; k++) {
      const da = descBase + i * DESC_SIZE;
      const buf = bufBase + i * E1000_BUFFER_SIZE;
      view.setUint32(da + DESC.ADDR, buf % 0x100000000, true);
      view.setUint32(da + DESC.ADDR + 4, Math.floor(buf / 0x100000000), true);
      view.setUint32(da + DESC.LENGTH, 0, true);
      view.setUint32(da + DESC.STATUS, 0, true);
      i = i + 1 === count ? 0 : i + 1;
    }
    r.nextToUse = i;
    this.hw.wr32(R.RDT, i);
  }

  // ------------------------------------------------------------------ watchdog, carrier, statistics

  /** The link watchdog: compares STATUS.LU with the carrier and reports changes; accumulates statistics. */
  private watchdog(): void {
    if (!this.running) return;
    this.counters.watchdogRuns++;
    const link = this.hw.readLink();
    if (link.up && !this.carrier) {
      this.pendingLink = link;
      this.actor.send({ type: 'LINK_UP' });
    } else if (!link.up && this.carrier) {
      this.actor.send({ type: 'LINK_DOWN' });
    }
    this.updateStats();
  }

  private carrierOn(): void {
    const hw = this.hw;
    const tctl = hw.rd32(R.TCTL);
    if (!(tctl & R.TCTL.f.EN.mask)) hw.wr32(R.TCTL, tctl | R.TCTL.f.EN.mask);
    this.link = this.pendingLink;
    this.carrier = true;
    const l = this.linkState();
    this.listeners.emitLink(l);
    if (this.queueStopped && this.running && this.tx && unused(this.tx) >= this.txMaxDescs) {
      this.queueStopped = false;
      this.counters.txQueueWakes++;
      this.listeners.emitTxWake();
    }
  }

  private carrierOff(): void {
    this.carrier = false;
    this.link = null;
    this.listeners.emitLink({ up: false });
  }

  private updateStats(): void {
    if (!this.hwReady) return;
    this.hw.readStats(this.hwStats);
  }
}

/** Why `frame` is not one Ethernet + IPv4 (unfragmented) + TCP packet with payload, or null when it is. */
function tsoFrameProblem(frame: Uint8Array): string | null {
  const len = frame.length;
  if (len < ETH_HLEN + 40) return `${len} bytes is too short for Ethernet, IPv4 and TCP headers`;
  if (frame[12] !== 0x08 || frame[13] !== 0x00) return 'not IPv4 (EtherType)';
  const v = frame[ETH_HLEN];
  const ihl = (v & 0x0f) * 4;
  if (v >>> 4 !== 4 || ihl < 20) return 'not an IPv4 header';
  if (frame[ETH_HLEN + 9] !== IPPROTO_TCP) return `IP protocol ${frame[ETH_HLEN + 9]}, not TCP`;
  if ((frame[ETH_HLEN + 6] & 0x3f) !== 0 || frame[ETH_HLEN + 7] !== 0) return 'an IP fragment';
  const tcpOff = ETH_HLEN + ihl;
  if (len < tcpOff + 20) return 'truncated TCP header';
  const hdr = tcpOff + (frame[tcpOff + 12] >>> 4) * 4;
  if (hdr < tcpOff + 20 || hdr >= len) return 'no TCP payload after the headers';
  return null;
}
