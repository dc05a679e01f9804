/**
 * The skeleton of the frame model: what any per-frame, event-driven adapter model must do for one
 * frame, and nothing else, so a run says how fast this design could ever move frames on this
 * machine. Two stations on a 1 Gb/s full-duplex line with the same ring layout as the register
 * pair (bench/pair.ts: 1,024 legacy descriptors, 2 KiB receive buffers, 8 MiB of host memory each);
 * per frame:
 *
 * - transmit: fetch the descriptor, copy the buffer into a line buffer from the frame pool after
 *   preamble and SFD and append the FCS (the adapter's own `serializeRange`), one frame object,
 *   and the frame's events in the simulator — first bit (it goes on the line), last bit (write-back
 *   DD, the transmit statistics, the next descriptor), arrival at the far end;
 * - receive: check the FCS (the adapter's own `lineFcsValid`), compare the destination address,
 *   fetch the descriptor, copy the frame into its buffer (`copyOctets`), write back length and
 *   status, the receive statistics, the interrupt cause, the line buffer back to the pool.
 *
 * Left out is everything that makes the adapter an adapter: registers and their side effects,
 * address filter tables, the packet buffer, checksum offload and the descriptor checksum, fault
 * checks on every address, interrupt moderation and the IRQ line, link, duplex and loopback, TSO,
 * traces. The ratio of `adapter.frames_per_s.*` to these figures is what all of that costs.
 * @module
 */
import { Simulator, type ReusableEvent } from '../sim/simulator.js';
import { HostMemory } from '../hw/memory.js';
import { DESC, DESC_SIZE, RXD_STAT, TXD_CMD, TXD_STA, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';
import { copyOctets, PREAMBLE_SFD_LEN, serializeRange } from '../hw/mac/framing.js';
import { lineFcsValid } from '../hw/mac/fcs.js';
import type { WireFrame } from '../hw/medium/types.js';
import type { Session } from './harness.js';

/** Descriptors per ring (as in the register pair). */
const RING = 1024;
/** Frames per step (as in the register pair). */
const BATCH = 512;
const TX_RING = 0x10000;
const RX_RING = 0x20000;
const BUF = 0x40000;
const RX_BUF = 0x100000;
const RX_BUF_SIZE = 2048;
/** 1 Gb/s: ns per bit, the inter-packet gap (96 bit times) and a 1 m cable's delay. */
const BIT_NS = 1;
const IPG_NS = 96;
const PROPAGATION_NS = 5;
const FCS_LEN = 4;

/** Where each statistic sits in {@link SkeletonStation.stats} (what GPTC, TPT, GOTC, TOTC, PTC64… and TPR, GPRC, GORC, TORC, PRC64…, CRCERRS hold). */
export const SKELETON_STAT = { TxGood: 0, TxTotal: 1, TxOctets: 2, TxTotalOctets: 3, TxBySize: 4, RxTotal: 8, RxGood: 9, RxOctets: 10, RxTotalOctets: 11, RxBySize: 12, CrcErrors: 16, Missed: 17 } as const;
const Stat = SKELETON_STAT;

/** One station of the skeleton: host memory with its rings, statistics, an interrupt cause word. */
export class SkeletonStation {
  /** Host memory: the rings and buffers. */
  readonly mem = new HostMemory(8 << 20);
  /** Statistics, indexed by {@link SKELETON_STAT}. */
  readonly stats = new Float64Array(24);
  /** Interrupt cause bits (TXDW 0x01, RXT0 0x80). */
  cause = 0;
  /** The ring's head: next descriptor the station uses. */
  head = 0;
  /** The ring's tail: the first descriptor the station may not use. */
  tail = 0;
}

/** The skeleton's two stations and the frame between them; {@link step} sends frames a → b. */
export class Skeleton {
  /** The simulator. */
  readonly sim = new Simulator({ seed: 1 });
  /** The sender. */
  readonly a = new SkeletonStation();
  /** The receiver. */
  readonly b = new SkeletonStation();
  /** The frame (without FCS) every transmit descriptor points at. */
  readonly frame: Uint8Array;
  /** Frames put on the line. */
  sent = 0;
  /** Frames stored good by the receiver. */
  good = 0;
  private busy = false;
  private lineFreeAt = 0;
  private current: WireFrame | null = null;
  private doneIndex = 0;
  private arriving: WireFrame | null = null;
  private readonly firstBit: ReusableEvent;
  private readonly lastBit: ReusableEvent;
  private readonly arrival: ReusableEvent;

  /** Two stations with their rings ready for frames of `size` bytes (header to FCS). */
  constructor(size: number) {
    const body = size - FCS_LEN;
    this.frame = new Uint8Array(body);
    for (let i = 0; i < body; i++) this.frame[i] = (i * 131 + 7) & 0xff;
    this.frame.set([2, 0, 0, 0, 0, 0x0b, 2, 0, 0, 0, 0, 0x0a, 0x88, 0xb5]);
    this.a.mem.write(BUF, this.frame);
    for (let i = 0; i < RING; i++) {
      writeTxDescriptor(this.a.mem, TX_RING + DESC_SIZE * i, { buffer: BUF, length: body, cmd: TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS });
      writeRxDescriptor(this.b.mem, RX_RING + DESC_SIZE * i, RX_BUF + RX_BUF_SIZE * i);
    }
    this.b.tail = RING - 1;
    this.firstBit = this.sim.reusableEvent(Skeleton.prototype.onFirstBit, this);
    this.lastBit = this.sim.reusableEvent(Skeleton.prototype.onLastBit, this);
    this.arrival = this.sim.reusableEvent(Skeleton.prototype.onArrival, this);
  }

  /** Queues `n` more frames, runs until idle, hands the receive ring back. */
  step(n: number): number {
    const a = this.a;
    const good0 = this.good;
    a.tail = (a.tail + n) % RING;
    this.kick();
    this.sim.run();
    this.b.tail = (this.b.head + RING - 1) % RING;
    return this.good - good0;
  }

  /** The next descriptor, if any, becomes a frame on the line after the previous one and its gap. */
  private kick(): void {
    const a = this.a;
    if (this.busy || a.head === a.tail) return;
    const { bytes, view } = a.mem;
    const da = TX_RING + a.head * DESC_SIZE;
    const buf = view.getUint32(da + DESC.ADDR, true);
    const len = view.getUint16(da + DESC.LENGTH, true);
    const cmd = bytes[da + DESC.CMD];
    this.doneIndex = a.head;
    a.head = a.head + 1 === RING ? 0 : a.head + 1;
    const line = serializeRange(bytes, buf, len, (cmd & TXD_CMD.IFCS) !== 0, true, null, null, this.sim.slab);
    const sim = this.sim;
    const start = Math.max(sim.now, this.lineFreeAt);
    const end = start + line.length * 8 * BIT_NS;
    this.lineFreeAt = end + IPG_NS;
    this.current = { id: sim.nextId('frame'), bytes: line, bitTimeNs: BIT_NS, txStart: start, sender: 'a', symbols: undefined };
    this.busy = true;
    if (start === sim.now) this.onFirstBit();
    else this.firstBit.schedule(start - sim.now);
    this.lastBit.schedule(end - sim.now);
    this.sent++;
  }

  private onFirstBit(): void {
    const f = this.current!;
    this.arriving = f;
    this.arrival.schedule(f.txStart + f.bytes.length * 8 * BIT_NS + PROPAGATION_NS - this.sim.now);
  }

  private onLastBit(): void {
    const a = this.a;
    const s = a.stats;
    const len = this.current!.bytes.length - PREAMBLE_SFD_LEN;
    a.mem.bytes[TX_RING + this.doneIndex * DESC_SIZE + DESC.STATUS] |= TXD_STA.DD;
    s[Stat.TxGood]++;
    s[Stat.TxTotal]++;
    s[Stat.TxOctets] += len;
    s[Stat.TxTotalOctets] += len;
    s[Stat.TxBySize + (len <= 64 ? 0 : 3)]++;
    a.cause |= 1; // TXDW
    this.current = null;
    this.busy = false;
    this.kick();
  }

  private onArrival(): void {
    const f = this.arriving!;
    this.arriving = null;
    const b = this.b;
    const s = b.stats;
    const line = f.bytes;
    const len = line.length - PREAMBLE_SFD_LEN;
    s[Stat.RxTotal]++;
    s[Stat.RxTotalOctets] += len;
    if (!lineFcsValid(line)) {
      s[Stat.CrcErrors]++;
    } else if (line[8] === 2 && line[13] === 0x0b && b.head !== b.tail) {
      const { bytes, view } = b.mem;
      const da = RX_RING + b.head * DESC_SIZE;
      const stored = len - FCS_LEN;
      copyOctets(bytes, view.getUint32(da + DESC.ADDR, true), line, PREAMBLE_SFD_LEN, stored);
      view.setUint16(da + DESC.LENGTH, stored, true);
      bytes[da + DESC.STATUS] = RXD_STAT.DD | RXD_STAT.EOP;
      b.head = b.head + 1 === RING ? 0 : b.head + 1;
      s[Stat.RxGood]++;
      s[Stat.RxOctets] += len;
      s[Stat.RxBySize + (len <= 64 ? 0 : 3)]++;
      b.cause |= 0x80; // RXT0
      this.good++;
    } else s[Stat.Missed]++;
    this.sim.slab.recycle(line);
  }
}

/** The skeleton moving `size`-byte frames (header to FCS) a → b, 512 per step; units: frames stored good. */
export function skeletonSession(size: number): Session {
  if (!Number.isInteger(size) || size < 64 || size > 1518) throw new RangeError(`skeleton frame size must be 64…1518 bytes, got ${size}`);
  const k = new Skeleton(size);
  return {
    step: () => k.step(BATCH),
    close() {
      if (k.good !== k.sent) throw new Error(`skeleton ${size} B: ${k.sent - k.good} of ${k.sent} frames not stored`);
      // the last frame stored is the frame sent, byte for byte
      const { view, bytes } = k.b.mem;
      const da = RX_RING + ((k.b.head + RING - 1) % RING) * DESC_SIZE;
      const at = view.getUint32(da + DESC.ADDR, true);
      for (let i = 0; i < k.frame.length; i++) if (bytes[at + i] !== k.frame[i]) throw new Error(`skeleton ${size} B: byte ${i} of the stored frame differs`);
    },
  };
}
