/**
 * Receive DMA: stores a frame the MAC accepted into the receive ring. Each of the frame's
 * descriptors is fetched once, before anything is written, and only the checked addresses fetched
 * then are written, so a buffer overlapping a later descriptor cannot redirect the DMA. Also the
 * receive checksum offload (RXCSUM.IPOFLD/TUOFLD) and the legacy packet checksum (RXCSUM.PCSS).
 * @module
 */
import * as R from '../registers/e1000.js';
import { getField } from '../registers/engine.js';
import { DESC, DESC_SIZE, RXD_ERR, RXD_STAT } from '../descriptors.js';
import { FCS_LEN, MAX_JUMBO_FRAME, SHORT_COPY, copyOctets } from '../mac/framing.js';
import { onesComplementSum } from '../mac/checksum.js';
import type { WireFrame } from '../medium/types.js';
import type { NicCore } from './core.js';
import type { Interrupts } from './interrupts.js';

/** {@link RxDma.store}: no descriptor (nothing done; the frame may wait in the FIFO). */
export const RX_NO_DESCRIPTOR = 0;
/** {@link RxDma.store}: stored whole. */
export const RX_STORED = 1;
/** {@link RxDma.store}: dropped and counted. */
export const RX_DROPPED = 2;

/**
 * Copies `src[from, from + n)` to host memory words from word `w` on (the buffer is 4-aligned and
 * ⌈n / 4⌉ words are there), a word per four octets, the last word keeping the bytes of memory after
 * the frame; returns the 16-bit ones' complement sum (as {@link onesComplementSum}) of
 * `src[sumFrom, sumTo)`, a range inside the copied one, from the same loads: the bytes at even and
 * at odd distances from `from` are added apart, and those outside the range taken off again.
 */
function copyToWords(words: Int32Array, w: number, src: Uint8Array, from: number, n: number, sumFrom: number, sumTo: number): number {
  const whole = n & ~3;
  let even = 0;
  let odd = 0;
  let i = 0;
  for (let s = from; i < whole; i += 4, s += 4) {
    const b0 = src[s];
    const b1 = src[s + 1];
    const b2 = src[s + 2];
    const b3 = src[s + 3];
    even += b0 + b2;
    odd += b1 + b3;
    words[w++] = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
  }
  if (i < n) {
    // the partial last word: the frame's 1–3 octets, then what memory held after them
    let v = words[w] & (-1 << ((n - i) * 8));
    for (let k = 0; i + k < n; k++) {
      const b = src[from + i + k];
      if (((i + k) & 1) === 0) even += b;
      else odd += b;
      v |= b << (8 * k);
    }
    words[w] = v;
  }
  if (sumTo <= sumFrom) return 0;
  for (let j = from; j < sumFrom; j++) if (((j - from) & 1) === 0) even -= src[j];
  else odd -= src[j];
  for (let j = sumTo; j < from + n; j++) if (((j - from) & 1) === 0) even -= src[j];
  else odd -= src[j];
  // big-endian words from sumFrom: its octet and every second one after it are the high bytes
  let sum = ((sumFrom - from) & 1) === 0 ? even * 256 + odd : odd * 256 + even;
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/** Buffer sizes by RCTL.BSIZE without and with BSEX (BSEX with BSIZE 0, reserved, is 2048). */
const BSIZE_BYTES = [2048, 1024, 512, 256] as const;
const BSIZE_BYTES_BSEX = [2048, 16384, 8192, 4096] as const;

/** The receive buffer size RCTL.BSIZE/BSEX select (BSEX with BSIZE 0, reserved, is 2048). */
export function rxBufferSize(rctl: number): number {
  const C = R.RCTL.f;
  const bsize = getField(rctl, C.BSIZE);
  return rctl & C.BSEX.mask ? BSIZE_BYTES_BSEX[bsize] : BSIZE_BYTES[bsize];
}

/** The receive DMA engine of one adapter. */
export class RxDma {
  /** Buffer addresses of the descriptors a received frame uses, fetched once (at most 16384 / 256). */
  private readonly addrs = new Float64Array(MAX_JUMBO_FRAME / 256 + 1);

  constructor(
    private readonly core: NicCore,
    private readonly interrupts: Interrupts,
  ) {}

  /** Whether the ring has enough free descriptors for a frame of `len` bytes (FCS included) now. */
  descriptorsFor(len: number): boolean {
    const ring = this.core.ring('rx');
    if (typeof ring === 'string') return false;
    const rctl = this.core.regs.get(R.RCTL);
    const stored = rctl & R.RCTL.f.SECRC.mask ? len - FCS_LEN : len;
    const needed = Math.max(1, Math.ceil(stored / rxBufferSize(rctl)));
    return (ring.tail - ring.head + ring.count) % ring.count >= needed;
  }

  /** Stores a received frame into the ring: RX_STORED (whole), RX_DROPPED (counted) or RX_NO_DESCRIPTOR (nothing done). */
  store(wf: WireFrame, line: Uint8Array, start: number, len: number, errors: number, pif: boolean): number {
    const core = this.core;
    const r = core.regs;
    const trace = core.sim.trace;
    const rctl = r.get(R.RCTL);
    const C = R.RCTL.f;
    const stored = rctl & C.SECRC.mask ? len - FCS_LEN : len;
    const ring = core.ring('rx');
    if (typeof ring === 'string') {
      core.ringProblem('rx', ring);
      return RX_NO_DESCRIPTOR;
    }
    const bufSize = rxBufferSize(rctl);
    const lpe = (rctl & C.LPE.mask) !== 0;
    if (stored > bufSize && !lpe) {
      r.count(R.RLEC);
      core.dropRx('RLEC', `frame of ${stored} bytes does not fit one ${bufSize}-byte buffer and RCTL.LPE is clear`);
      return RX_DROPPED;
    }
    const needed = Math.max(1, Math.ceil(stored / bufSize));
    const { base, count, tail } = ring;
    let head = ring.head;
    const free = (tail - head + count) % count;
    if (free < needed) return RX_NO_DESCRIPTOR;
    const mem = core.memory;
    const view = mem.view;
    const words = mem.words;
    // Fetch every descriptor once, first, so a frame is either delivered whole or not at all, and
    // so the frame's own bytes (a buffer may overlap a later descriptor) cannot redirect the DMA:
    // the writes below use only the addresses fetched here, each checked.
    const addrs = this.addrs;
    for (let k = 0, h = head; k < needed; k++, h = h + 1 === count ? 0 : h + 1) {
      const da = base + h * DESC_SIZE;
      const fault = mem.check(da, DESC_SIZE);
      if (fault !== null) {
        core.counters.rxDescriptorFaults++;
        if (trace.active) trace.emit('dma.fault', core.name, { ring: 'rx', what: 'descriptor', addr: da, length: DESC_SIZE, fault });
        core.dropRx('rxDescriptorFaults', 'receive descriptor outside host memory');
        return RX_DROPPED;
      }
      // (a ring is 16-byte aligned: with the memory's words, one load per half of the address)
      const dw = mem.wordAt(da, DESC_SIZE);
      addrs[k] = dw >= 0 ? (words![dw + 1] >>> 0) * 0x100000000 + (words![dw] >>> 0) : view.getUint32(da + DESC.ADDR + 4, true) * 0x100000000 + view.getUint32(da + DESC.ADDR, true);
    }
    const first = head;
    const rxcsum = r.get(R.RXCSUM);
    const pcss = getField(rxcsum, R.RXCSUM.f.PCSS);
    const offload = rxcsum & (R.RXCSUM.f.IPOFLD.mask | R.RXCSUM.f.TUOFLD.mask);
    const payloadEnd = start + len - FCS_LEN;
    // A buffer the device cannot reach: that descriptor is written back with RXE and length 0,
    // earlier ones of the frame as they were filled, and the frame is dropped (RXERRC).
    let faultAt = -1;
    for (let k = 0, w = 0; k < needed; k++) {
      const n = Math.min(bufSize, stored - w);
      w += n;
      const bf = mem.check(addrs[k], n);
      if (bf !== null) {
        faultAt = k;
        if (trace.active) trace.emit('dma.fault', core.name, { ring: 'rx', what: 'buffer', addr: addrs[k], length: n, fault: bf });
        break;
      }
    }
    if (faultAt < 0 && trace.active) trace.emit('nic.rx', core.name, { frameId: wf.id, length: stored, firstIndex: first, descriptors: needed, errors });
    let written = 0;
    const last = faultAt >= 0 ? faultAt : needed - 1;
    for (let k = 0; k <= last; k++) {
      const da = base + head * DESC_SIZE;
      const buf = addrs[k];
      const n = Math.min(bufSize, stored - written);
      const eop = k === last;
      const fault = k === faultAt;
      let status = RXD_STAT.DD | (offload === 0 ? RXD_STAT.IXSM : 0) | (eop ? RXD_STAT.EOP : 0) | (eop && pif && !fault ? RXD_STAT.PIF : 0);
      let errs = fault ? errors | RXD_ERR.RXE : errors;
      if (eop && !fault && offload !== 0) {
        const ck = rxChecksumOffload(line, start, payloadEnd, offload);
        status |= ck & 0xff;
        errs |= ck >>> 8;
      }
      let csum = 0;
      const sumFrom = start + pcss;
      const from = start + written;
      const bw = !fault && n < SHORT_COPY ? mem.wordAt(buf, n) : -1;
      if (bw >= 0) {
        // a short frame: written a word at a time, its packet checksum from the same loads
        const sums = eop && faultAt < 0 && sumFrom >= from && payloadEnd <= from + n;
        csum = copyToWords(words!, bw, line, from, n, sums ? sumFrom : from, sums ? payloadEnd : from);
        if (eop && faultAt < 0 && !sums) csum = onesComplementSum(line, sumFrom, payloadEnd);
      } else {
        if (!fault) copyOctets(mem.bytes, buf, line, from, n);
        if (eop && faultAt < 0) csum = onesComplementSum(line, sumFrom, payloadEnd);
      }
      written += n;
      const length = fault ? 0 : n;
      const dw = mem.wordAt(da, DESC_SIZE);
      if (dw >= 0) {
        // bytes 8–15: LENGTH and CSUM, then STATUS, ERRORS and SPECIAL (0), as two words
        words![dw + (DESC.LENGTH >>> 2)] = length | (csum << 16);
        words![dw + (DESC.STATUS >>> 2)] = status | (errs << 8);
      } else {
        view.setUint16(da + DESC.LENGTH, length, true);
        view.setUint16(da + DESC.CSUM, csum, true);
        mem.bytes[da + DESC.STATUS] = status;
        mem.bytes[da + DESC.ERRORS] = errs;
        view.setUint16(da + DESC.SPECIAL, 0, true);
      }
      if (trace.active) trace.emit('nic.writeback', core.name, { ring: 'rx', index: head, status, errors: errs, length });
      head = head + 1 === count ? 0 : head + 1;
    }
    r.set(R.RDH, head);
    if (faultAt >= 0) {
      r.count(R.RXERRC);
      core.dropRx('RXERRC', 'receive buffer outside host memory (descriptor written back with RXE)');
    }
    // RXDMT0 when the free descriptors fall to the threshold.
    const freeAfter = (tail - head + count) % count;
    const threshold = count >> (r.field(R.RCTL, R.RCTL.f.RDMTS) + 1);
    if (free > threshold && freeAfter <= threshold) core.raise(R.INT.RXDMT0);
    this.interrupts.rxFrameDone();
    return faultAt < 0 ? RX_STORED : RX_DROPPED;
  }
}

/**
 * Receive checksum offload for the frame `line[start, end)` (FCS excluded): for an IPv4 frame,
 * IPCS (and IPE on a mismatch) with RXCSUM.IPOFLD; for an unfragmented TCP or UDP datagram (UDP with
 * a non-zero checksum), TCPCS (plus UDPCS for UDP) and TCPE on a mismatch with RXCSUM.TUOFLD.
 * Returns the status bits in bits 7:0 and the error bits in 15:8.
 */
function rxChecksumOffload(line: Uint8Array, start: number, end: number, rxcsum: number): number {
  const ip = start + 14;
  if (end - ip < 20 || line[start + 12] !== 0x08 || line[start + 13] !== 0x00) return 0;
  const vihl = line[ip];
  const ihl = (vihl & 0x0f) * 4;
  const total = (line[ip + 2] << 8) | line[ip + 3];
  if (vihl >>> 4 !== 4 || ihl < 20 || total < ihl || ip + total > end) return 0;
  let status = 0;
  let errors = 0;
  if (rxcsum & R.RXCSUM.f.IPOFLD.mask) {
    status |= RXD_STAT.IPCS;
    if (onesComplementSum(line, ip, ip + ihl) !== 0xffff) errors |= RXD_ERR.IPE;
  }
  const fragment = (((line[ip + 6] << 8) | line[ip + 7]) & 0x3fff) !== 0; // MF or an offset
  const proto = line[ip + 9];
  const l4 = ip + ihl;
  const l4len = total - ihl;
  if (rxcsum & R.RXCSUM.f.TUOFLD.mask && !fragment && ((proto === 6 && l4len >= 20) || (proto === 17 && l4len >= 8 && (line[l4 + 6] | line[l4 + 7]) !== 0))) {
    status |= proto === 6 ? RXD_STAT.TCPCS : RXD_STAT.TCPCS | RXD_STAT.UDPCS;
    let sum = onesComplementSum(line, ip + 12, ip + 20) + proto + l4len + onesComplementSum(line, l4, l4 + l4len);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    if (sum !== 0xffff) errors |= RXD_ERR.TCPE;
  }
  return status | (errors << 8);
}
