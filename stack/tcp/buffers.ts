/**
 * The byte stores of a connection, plain code over typed arrays:
 * - {@link SendBuffer}: the bytes the application wrote and the peer has not acknowledged, a ring
 *   of at most SO_SNDBUF bytes (a write copies in once; a segment copies out once; an ACK frees);
 * - {@link ReceiveQueue}: in-order bytes not yet read, kept as the received frames' views (the
 *   frames belong to the receiver: nothing is copied until a read spans several of them);
 * - {@link Reassembly}: out-of-order data held until the hole before it fills, as disjoint sorted
 *   ranges (which are also the SACK blocks the receiver reports);
 * - {@link SackScoreboard}: the sender's record of what the peer SACKed (RFC 6675);
 * - {@link TxTimes}: when each segment in flight was sent and whether it was retransmitted, for
 *   RTT samples (Karn's rule) without an object per segment.
 * All sequence numbers are modulo 2^32 (see `seq.ts`).
 * @module
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax } from './seq.js';

const EMPTY_RING = new Uint8Array(0);

/** The unacknowledged and unsent bytes of a connection (a ring buffer). */
export class SendBuffer {
  private buf: Uint8Array;
  private head = 0;
  /** Bytes held. */
  length = 0;

  /** A ring for at most `capacity` bytes (allocated on first write, grown on demand up to it). */
  constructor(public capacity: number) {
    this.buf = EMPTY_RING;
  }

  /** Room left. */
  get free(): number {
    return Math.max(0, this.capacity - this.length);
  }

  /** Appends as much of `data[from…]` as fits; returns the bytes taken. */
  write(data: Uint8Array, from = 0): number {
    const n = Math.min(data.length - from, this.free);
    if (n <= 0) return 0;
    this.ensure(this.length + n);
    const cap = this.buf.length;
    let tail = (this.head + this.length) % cap;
    let left = n;
    let src = from;
    while (left > 0) {
      const run = Math.min(left, cap - tail);
      this.buf.set(data.subarray(src, src + run), tail);
      src += run;
      left -= run;
      tail = (tail + run) % cap;
    }
    this.length += n;
    return n;
  }

  /** Copies `len` bytes starting `offset` bytes after the oldest into `out[at…]`. */
  copyOut(offset: number, len: number, out: Uint8Array, at: number): void {
    const cap = this.buf.length;
    let pos = (this.head + offset) % cap;
    let left = len;
    let dst = at;
    while (left > 0) {
      const run = Math.min(left, cap - pos);
      out.set(this.buf.subarray(pos, pos + run), dst);
      dst += run;
      left -= run;
      pos = (pos + run) % cap;
    }
  }

  /** Frees the `n` oldest bytes (acknowledged). */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.length) {
      this.head = 0;
      this.length = 0;
      return;
    }
    this.head = (this.head + n) % this.buf.length;
    this.length -= n;
  }

  /** Drops everything. */
  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private ensure(n: number): void {
    if (n <= this.buf.length) return;
    let size = Math.max(this.buf.length, 4096);
    while (size < n) size *= 2;
    const nb = new Uint8Array(Math.min(Math.max(size, n), Math.max(this.capacity, n)));
    this.copyOut(0, this.length, nb, 0);
    this.buf = nb;
    this.head = 0;
  }
}

/** In-order received bytes waiting for the application. */
export class ReceiveQueue {
  private chunks: Uint8Array[] = [];
  private first = 0;
  /** Bytes queued. */
  length = 0;

  /** Appends received bytes (a view the queue now owns). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.length += data.length;
  }

  /**
   * Removes (or with `peek`, copies without removing) up to `max` bytes: into the start of `into`
   * when given (a view of them is returned; at most its length), else as a view of one received
   * chunk or a new array.
   */
  take(max: number, peek = false, into?: Uint8Array): Uint8Array {
    const n = Math.min(max, this.length, into !== undefined ? into.length : Infinity);
    if (n === 0) return into !== undefined ? into.subarray(0, 0) : new Uint8Array(0);
    const c0 = this.chunks[this.first];
    let out: Uint8Array;
    if (into === undefined && c0.length >= n) out = c0.subarray(0, n);
    else {
      out = into !== undefined ? into.subarray(0, n) : new Uint8Array(n);
      let at = 0;
      for (let i = this.first; at < n; i++) {
        const c = this.chunks[i];
        const run = Math.min(c.length, n - at);
        out.set(c.subarray(0, run), at);
        at += run;
      }
    }
    if (!peek) this.drop(n);
    return out;
  }

  /** Discards everything. */
  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.length = 0;
  }

  private drop(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[this.first];
      if (c.length <= n) {
        n -= c.length;
        this.first++;
      } else {
        this.chunks[this.first] = c.subarray(n);
        n = 0;
      }
    }
    if (this.first === this.chunks.length) {
      this.chunks.length = 0;
      this.first = 0;
    } else if (this.first >= 64) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/** A held out-of-order range: `[seq, seq + data.length)`. */
interface Held {
  seq: number;
  data: Uint8Array;
}

/** Out-of-order data, disjoint and sorted by sequence number. */
export class Reassembly {
  private held: Held[] = [];
  /** Bytes held. */
  bytes = 0;
  /** Sequence number of the most recently added range (its SACK block goes first, RFC 2018). */
  private latest = -1;

  /** Number of disjoint ranges held. */
  get count(): number {
    return this.held.length;
  }

  /** Holds `data` at `seq` (past the receive point), trimming overlaps with what is held; returns bytes newly held. */
  add(seq: number, data: Uint8Array): number {
    let s = seq;
    let d = data;
    const h = this.held;
    let i = 0;
    while (i < h.length && seqLe(seqAdd(h[i].seq, h[i].data.length), s)) i++;
    let added = 0;
    // walk the ranges that overlap or follow, inserting the uncovered pieces
    while (d.length > 0) {
      if (i >= h.length) {
        h.push({ seq: s, data: d });
        added += d.length;
        break;
      }
      const cur = h[i];
      if (seqLt(s, cur.seq)) {
        const gap = Math.min(d.length, seqDiff(cur.seq, s));
        h.splice(i, 0, { seq: s, data: d.subarray(0, gap) });
        added += gap;
        i++;
        s = seqAdd(s, gap);
        d = d.subarray(gap);
        continue;
      }
      const curEnd = seqAdd(cur.seq, cur.data.length);
      const skip = Math.min(d.length, seqDiff(curEnd, s));
      s = seqAdd(s, skip);
      d = d.subarray(skip);
      i++;
    }
    this.bytes += added;
    if (added > 0) this.latest = seq;
    return added;
  }

  /** Removes and returns the data that now starts at `rcvNxt` (contiguous pieces), trimming anything before it. */
  pull(rcvNxt: number, out: (data: Uint8Array) => void): number {
    const h = this.held;
    let next = rcvNxt;
    let n = 0;
    while (h.length > 0) {
      const cur = h[0];
      const end = seqAdd(cur.seq, cur.data.length);
      if (seqGt(cur.seq, next)) break;
      h.shift();
      this.bytes -= cur.data.length;
      if (seqLe(end, next)) continue;
      const piece = cur.data.subarray(seqDiff(next, cur.seq));
      out(piece);
      n += piece.length;
      next = end;
    }
    return n;
  }

  /** The SACK blocks to report: the range holding the latest arrival first, then the others in order (at most `max`). */
  sackBlocks(max: number): [number, number][] {
    const blocks: [number, number][] = [];
    const h = this.held;
    // merge adjacent ranges into blocks
    for (let i = 0; i < h.length; i++) {
      const l = h[i].seq;
      let r = seqAdd(l, h[i].data.length);
      while (i + 1 < h.length && h[i + 1].seq === r) {
        i++;
        r = seqAdd(r, h[i].data.length);
      }
      blocks.push([l, r]);
    }
    const k = blocks.findIndex(([l, r]) => seqGe(this.latest, l) && seqLt(this.latest, r));
    if (k > 0) blocks.unshift(...blocks.splice(k, 1));
    return blocks.slice(0, max);
  }

  /** Drops everything. */
  clear(): void {
    this.held = [];
    this.bytes = 0;
  }
}

/** What the peer reported as received beyond the cumulative ACK (RFC 6675's scoreboard). */
export class SackScoreboard {
  /** Disjoint SACKed ranges `[l, r)`, sorted. */
  ranges: [number, number][] = [];

  /** Bytes SACKed. */
  get sacked(): number {
    let n = 0;
    for (const [l, r] of this.ranges) n += seqDiff(r, l);
    return n;
  }

  /** Merges a reported block (already checked to lie within `[una, nxt]`). */
  add(l: number, r: number): void {
    const out: [number, number][] = [];
    let placed = false;
    for (const [a, b] of this.ranges) {
      if (seqLt(b, l)) out.push([a, b]);
      else if (seqGt(a, r)) {
        if (!placed) {
          out.push([l, r]);
          placed = true;
        }
        out.push([a, b]);
      } else {
        l = seqLt(a, l) ? a : l;
        r = seqMax(b, r);
      }
    }
    if (!placed) out.push([l, r]);
    this.ranges = out;
  }

  /** Forgets what lies below the cumulative ACK `una`. */
  advance(una: number): void {
    const out: [number, number][] = [];
    for (const [l, r] of this.ranges) {
      if (seqLe(r, una)) continue;
      out.push([seqLt(l, una) ? una : l, r]);
    }
    this.ranges = out;
  }

  /** Bytes SACKed at or above `seq`. */
  sackedAbove(seq: number): number {
    let n = 0;
    for (const [l, r] of this.ranges) {
      if (seqLe(r, seq)) continue;
      n += seqDiff(r, seqLt(l, seq) ? seq : l);
    }
    return n;
  }

  /** The end of the SACKed range containing `seq`, or -1 when `seq` is not SACKed. */
  sackedEnd(seq: number): number {
    for (const [l, r] of this.ranges) if (seqGe(seq, l) && seqLt(seq, r)) return r;
    return -1;
  }

  /** The start of the first SACKed range after `seq` (or `limit`). */
  nextSacked(seq: number, limit: number): number {
    for (const [l] of this.ranges) if (seqGt(l, seq) && seqLt(l, limit)) return l;
    return limit;
  }

  /** Forgets everything. */
  clear(): void {
    this.ranges = [];
  }
}

/** Send times of the segments in flight, for RTT samples (a ring of plain numbers). */
export class TxTimes {
  private ends = new Float64Array(16);
  private times = new Float64Array(16);
  private retx = new Uint8Array(16);
  private head = 0;
  private n = 0;

  /** Records a new segment ending at `end` (exclusive) sent at `time`. */
  push(end: number, time: number): void {
    if (this.n === this.ends.length) this.grow();
    const i = (this.head + this.n) % this.ends.length;
    this.ends[i] = end;
    this.times[i] = time;
    this.retx[i] = 0;
    this.n++;
  }

  /** Marks the segments overlapping `[from, to)` as retransmitted (Karn: no sample from them). */
  markRetransmitted(from: number, to: number): void {
    const cap = this.ends.length;
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % cap;
      if (seqGt(this.ends[i], from)) {
        const startOfNext = this.ends[i];
        this.retx[i] = 1;
        if (seqGe(startOfNext, to)) break;
      }
    }
  }

  /** Forgets the segments acknowledged by `ack`; returns the send time of the newest never-retransmitted one, or -1. */
  ack(ack: number): number {
    let t = -1;
    const cap = this.ends.length;
    while (this.n > 0) {
      const i = this.head;
      if (seqGt(this.ends[i] >>> 0, ack)) break;
      t = this.retx[i] === 0 ? this.times[i] : -1;
      this.head = (i + 1) % cap;
      this.n--;
    }
    return t;
  }

  /** Forgets everything. */
  clear(): void {
    this.head = 0;
    this.n = 0;
  }

  private grow(): void {
    const cap = this.ends.length;
    const e = new Float64Array(cap * 2);
    const t = new Float64Array(cap * 2);
    const r = new Uint8Array(cap * 2);
    for (let k = 0; k < this.n; k++) {
      const i = (this.head + k) % cap;
      e[k] = this.ends[i];
      t[k] = this.times[i];
      r[k] = this.retx[i];
    }
    this.ends = e;
    this.times = t;
    this.retx = r;
    this.head = 0;
  }
}
