/**
 * The skeleton of the frame model: what any per-frame, event-driven adapter model must do for one
 * frame, done as cheaply as JavaScript allows, so a run says how fast this design could move
 * frames on this machine. Two stations on a 1 Gb/s full-duplex line with the same ring layout as
 * the register pair (bench/pair.ts: 1,024 legacy descriptors, 2 KiB receive buffers, 8 MiB of host
 * memory each); per frame:
 *
 * - transmit: fetch the descriptor (the high half of the address and a bounds check included),
 *   write preamble and SFD into a line buffer, copy the frame after them while computing its FCS,
 *   append the FCS, one frame object, and the frame's events in the simulator — first bit (it goes
 *   on the line), last bit (write-back DD, the transmit statistics, the next descriptor), arrival
 *   at the far end;
 * - receive: check the FCS, compare the destination address, fetch the descriptor, copy the frame
 *   into its buffer, write back length and status, the receive statistics, the interrupt cause.
 *
 * Short frames are copied and checked a 32-bit word at a time with slicing-by-8 tables (the
 * transmit copy and CRC in one pass); from 128 bytes on the CRC is zlib's and the copy `set()`,
 * as in the adapter. Line buffers are a ring of eight, each with its word view.
 *
 * Left out is everything that makes the adapter an adapter: registers and their side effects,
 * address filter tables, the packet buffer, checksum offload and the descriptor checksum, fault
 * handling beyond the bounds checks, interrupt moderation and the IRQ line, link, duplex and
 * loopback, padding, TSO, traces and middleware. The ratio of `adapter.frames_per_s.*` to these
 * figures is what all of that, and the adapter's own implementation of the rest, costs.
 * @module
 */
import { crc32 } from 'node:zlib';
import { Simulator, type ReusableEvent } from '../sim/simulator.js';
import { HostMemory } from '../hw/memory.js';
import { DESC, DESC_SIZE, RXD_STAT, TXD_CMD, TXD_STA, writeRxDescriptor, writeTxDescriptor } from '../hw/descriptors.js';
import { CRC32_SLICE8 as T, FCS_RESIDUE, crc32Step8 as step8, lineFcsValid } from '../hw/mac/fcs.js';
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
const PREAMBLE_SFD_LEN = 8;
/** From this many bytes on, zlib's CRC and `set()` are cheaper than the word loops. */
const LONG = 128;
/** Line buffers in the ring (a full-duplex line has at most two frames in flight). */
const LINE_SLOTS = 8;
const LINE_MAX = 1536;

/**
 * Where each statistic sits in {@link SkeletonStation.stats}: what GPTC, TPT, GOTC, TOTC and
 * PTC64…PTC1522 (six bins from `TxBySize`), TPR, TORC, GPRC, GORC and PRC64…PRC1522 (six bins from
 * `RxBySize`), CRCERRS and RNBC (a good frame with no free descriptor) hold.
 */
export const SKELETON_STAT = { TxGood: 0, TxTotal: 1, TxOctets: 2, TxTotalOctets: 3, TxBySize: 4, RxTotal: 10, RxTotalOctets: 11, RxGood: 12, RxOctets: 13, RxBySize: 14, CrcErrors: 20, NoDescriptor: 21 } as const;
const Stat = SKELETON_STAT;

/** One station of the skeleton: host memory with its rings, statistics, an interrupt cause word. */
export class SkeletonStation {
  /** Host memory: the rings and buffers. */
  readonly mem = new HostMemory(8 << 20);
  /** The same memory as 32-bit words. */
  readonly words = new Int32Array(this.mem.bytes.buffer);
  /** The same memory as 16-bit words. */
  readonly halves = new Uint16Array(this.mem.bytes.buffer);
  /** Statistics, indexed by {@link SKELETON_STAT}. */
  readonly stats = new Float64Array(24);
  /** Interrupt cause bits (TXDW 0x01, RXT0 0x80). */
  cause = 0;
  /** The ring's head: next descriptor the station uses. */
  head = 0;
  /** The ring's tail: the first descriptor the station may not use. */
  tail = 0;
}

/** The size bin (0–5: ≤ 64, ≤ 127, ≤ 255, ≤ 511, ≤ 1023, more) of a frame of `len` bytes, as the PTC/PRC counters have them. */
function sizeBin(len: number): number {
  return len <= 64 ? 0 : len <= 127 ? 1 : len <= 255 ? 2 : len <= 511 ? 3 : len <= 1023 ? 4 : 5;
}

/** Copies `n` bytes `src[from…]` → `dst[at…]` and returns the CRC-32 register over them (start −1, not inverted); word loads and stores where both sides are 4-aligned. */
function copyCrc(src: Uint8Array, srcWords: Int32Array, from: number, dst: Uint8Array, dstWords: Int32Array, at: number, n: number): number {
  let c = -1;
  let i = 0;
  if (((from | at) & 3) === 0) {
    for (let s = from >> 2, d = at >> 2; i + 8 <= n; i += 8, s += 2, d += 2) {
      const w0 = srcWords[s];
      const w1 = srcWords[s + 1];
      dstWords[d] = w0;
      dstWords[d + 1] = w1;
      c = step8(c, w0, w1);
    }
  }
  for (; i < n; i++) {
    const b = src[from + i];
    dst[at + i] = b;
    c = T[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return c;
}

/** The CRC-32 register over `n` bytes at `b[at…]` (start −1, not inverted); word loads where 4-aligned. */
function crcOver(b: Uint8Array, words: Int32Array, at: number, n: number): number {
  let c = -1;
  let i = 0;
  if ((at & 3) === 0) {
    for (let s = at >> 2; i + 8 <= n; i += 8, s += 2) {
      c = step8(c, words[s], words[s + 1]);
    }
  }
  for (; i < n; i++) c = T[(c ^ b[at + i]) & 0xff] ^ (c >>> 8);
  return c;
}

/** Copies `n` bytes; word stores where both sides are 4-aligned. */
function copyWords(src: Uint8Array, srcWords: Int32Array, from: number, dst: Uint8Array, dstWords: Int32Array, at: number, n: number): void {
  let i = 0;
  if (((from | at) & 3) === 0) for (let s = from >> 2, d = at >> 2; i + 4 <= n; i += 4) dstWords[d++] = srcWords[s++];
  for (; i < n; i++) dst[at + i] = src[from + i];
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
  /** The last frame put on the line (its bytes are valid until seven more have been sent). */
  lastSent: WireFrame | null = null;
  /** The receiver's address (bytes 0–3 and 4–5 as little-endian numbers). */
  private readonly macLo = 0x00000002;
  private readonly macHi = 0x0b00;
  private busy = false;
  private lineFreeAt = 0;
  private current: WireFrame | null = null;
  private doneIndex = 0;
  private arriving: WireFrame | null = null;
  /** Where the frame on its way starts in the ring of line buffers (after preamble and SFD). */
  private arrivingAt = 0;
  private currentAt = 0;
  private readonly firstBit: ReusableEvent;
  private readonly lastBit: ReusableEvent;
  private readonly arrival: ReusableEvent;
  /** The ring of line buffers: bytes and words of all slots, and per slot its view of the last length used. */
  private readonly lineBytes = new Uint8Array(LINE_SLOTS * LINE_MAX);
  private readonly lineWords = new Int32Array(this.lineBytes.buffer);
  private readonly lineViews: Uint8Array[] = [];
  private lineNext = 0;

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
    for (let k = 0; k < LINE_SLOTS; k++) this.lineViews.push(this.lineBytes.subarray(k * LINE_MAX, k * LINE_MAX));
    this.firstBit = this.sim.reusableEvent(Skeleton.prototype.onFirstBit, this);
    this.lastBit = this.sim.reusableEvent(Skeleton.prototype.onLastBit, this);
    this.arrival = this.sim.reusableEvent(Skeleton.prototype.onArrival, this);
  }

  /** Queues `n` more frames, runs until idle, hands the receive ring back; returns the frames stored good. */
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
    const bytes = a.mem.bytes;
    const w = a.words;
    const da = TX_RING + a.head * DESC_SIZE; // (descriptors are 16-byte aligned: word and half-word views reach their fields)
    const buf = (w[(da + DESC.ADDR + 4) >> 2] >>> 0) * 0x100000000 + (w[(da + DESC.ADDR) >> 2] >>> 0);
    const len = a.halves[(da + DESC.LENGTH) >> 1];
    const fcs = (bytes[da + DESC.CMD] & TXD_CMD.IFCS) !== 0;
    this.doneIndex = a.head;
    a.head = a.head + 1 === RING ? 0 : a.head + 1;
    if (buf + len > bytes.length) throw new Error('skeleton: transmit buffer outside host memory');
    // the line buffer: preamble and SFD, the frame, its FCS
    const slot = this.lineNext;
    this.lineNext = slot + 1 === LINE_SLOTS ? 0 : slot + 1;
    const at = slot * LINE_MAX;
    const n = PREAMBLE_SFD_LEN + len + (fcs ? FCS_LEN : 0);
    if (n > LINE_MAX) throw new Error(`skeleton: a ${len}-byte frame does not fit a ${LINE_MAX}-byte line buffer`);
    let line = this.lineViews[slot];
    if (line.length !== n) this.lineViews[slot] = line = this.lineBytes.subarray(at, at + n);
    const lb = this.lineBytes;
    const lw = this.lineWords;
    lw[at >> 2] = 0x55555555;
    lw[(at >> 2) + 1] = 0xd5555555 | 0;
    let c: number;
    if (len < LONG) c = ~copyCrc(bytes, a.words, buf, lb, lw, at + PREAMBLE_SFD_LEN, len);
    else {
      lb.set(bytes.subarray(buf, buf + len), at + PREAMBLE_SFD_LEN);
      c = crc32(line.subarray(PREAMBLE_SFD_LEN, PREAMBLE_SFD_LEN + len));
    }
    if (fcs) {
      const e = at + PREAMBLE_SFD_LEN + len;
      lb[e] = c;
      lb[e + 1] = c >>> 8;
      lb[e + 2] = c >>> 16;
      lb[e + 3] = c >>> 24;
    }
    const sim = this.sim;
    const start = Math.max(sim.now, this.lineFreeAt);
    const end = start + n * 8 * BIT_NS;
    this.lineFreeAt = end + IPG_NS;
    this.currentAt = at + PREAMBLE_SFD_LEN;
    this.current = this.lastSent = { id: sim.nextId('frame'), bytes: line, bitTimeNs: BIT_NS, txStart: start, sender: 'a', symbols: undefined };
    this.busy = true;
    if (start === sim.now) this.onFirstBit();
    else this.firstBit.schedule(start - sim.now);
    this.lastBit.schedule(end - sim.now);
    this.sent++;
  }

  private onFirstBit(): void {
    const f = this.current!;
    this.arriving = f;
    this.arrivingAt = this.currentAt;
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
    s[Stat.TxBySize + sizeBin(len)]++;
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
    const at = this.arrivingAt;
    const lb = this.lineBytes;
    const lw = this.lineWords;
    const fcsOk = len < 4 ? false : len < LONG ? (~crcOver(lb, lw, at, len) >>> 0) === FCS_RESIDUE : lineFcsValid(line);
    if (!fcsOk) {
      s[Stat.CrcErrors]++;
      return;
    }
    const dst = at >> 2;
    if ((at & 3) !== 0 || lw[dst] !== this.macLo || (lw[dst + 1] & 0xffff) !== this.macHi) return; // not for this station
    if (b.head === b.tail) {
      s[Stat.NoDescriptor]++;
      return;
    }
    const bytes = b.mem.bytes;
    const w = b.words;
    const da = RX_RING + b.head * DESC_SIZE;
    const buf = (w[(da + DESC.ADDR + 4) >> 2] >>> 0) * 0x100000000 + (w[(da + DESC.ADDR) >> 2] >>> 0);
    const stored = len - FCS_LEN;
    if (buf + stored > bytes.length) throw new Error('skeleton: receive buffer outside host memory');
    if (stored < LONG) copyWords(lb, lw, at, bytes, w, buf, stored);
    else bytes.set(line.subarray(PREAMBLE_SFD_LEN, PREAMBLE_SFD_LEN + stored), buf);
    b.halves[(da + DESC.LENGTH) >> 1] = stored;
    bytes[da + DESC.STATUS] = RXD_STAT.DD | RXD_STAT.EOP;
    b.head = b.head + 1 === RING ? 0 : b.head + 1;
    s[Stat.RxGood]++;
    s[Stat.RxOctets] += len;
    s[Stat.RxBySize + sizeBin(len)]++;
    b.cause |= 0x80; // RXT0
    this.good++;
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
