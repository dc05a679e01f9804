/**
 * Transmit DMA: on a doorbell (TDT), the 0 → 1 edge of TCTL.EN, a link coming up or a finished
 * frame, fetches descriptors from TDH towards TDT (at most one pass over the ring) and gathers a
 * frame's buffers up to its EOP — legacy descriptors, or TCP/IP context and data descriptors for
 * checksum insertion — then hands the serialized frame to the MAC. A chain is bounded by the
 * transmit FIFO and by the ring; what cannot be sent is dropped, counted once and written back.
 * @module
 */
import * as R from '../registers/e1000.js';
import { DESC, DESC_SIZE, TXD_CMD, TXD_POPTS, TXD_STA, TXD_TUCMD } from '../descriptors.js';
import { PREAMBLE_SFD_LEN, SHORT_COPY, finishLine, lineBuffer, serializeFrame, serializeFromWords, serializeRange, type ChecksumInsert } from '../mac/framing.js';
import type { NicCore } from './core.js';
import type { Interrupts } from './interrupts.js';
import type { PacketBuffer } from './packet-buffer.js';
import type { MacTransmit } from './mac-tx.js';

/** Data descriptor DCMD bit 2: TCP segmentation (where the legacy CMD has IC). */
const TXD_DCMD_TSE = 1 << 2;
/** Largest TSO packet (header and payload) a chain may gather: 64 KiB of IP datagram plus the Ethernet header. */
const TSO_MAX = 65536 + 256;

function putBe16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** The empty chain's descriptor list (shared, never written): a chain's list is taken when its first descriptor arrives. */
const NO_DESCS = Object.freeze([]) as unknown as number[]; // frozen: a push into it would throw

/** The transmit DMA engine of one adapter. */
export class TxDma {
  /**
   * The chain's buffers in host memory, addresses `chunkAddr[0, nChunks)` and lengths `chunkLen`
   * (checked when fetched). Reused for every frame: they are read only while the frame is
   * serialized (or copied for segmentation), inside the same call that completes the chain.
   */
  private readonly chunkAddr: number[] = [];
  private readonly chunkLen: number[] = [];
  private nChunks = 0;
  private chainLen = 0;
  private chainDescs: number[] = NO_DESCS;
  /**
   * A descriptor list whose frame has been written back (see {@link complete}), taken by the next
   * chain instead of a new array. A list handed to the MAC belongs to that frame until its write-back.
   */
  private spareDescs: number[] | null = null;
  private chainPoison: 'none' | 'buffer' | 'malformed' = 'none';
  private chainWhy = '';
  /** POPTS of the frame's first extended data descriptor, or -1 for a legacy frame. */
  private popts = -1;
  /** Dropping the rest of a chain that outgrew the FIFO or the ring, up to its EOP. */
  private discarding = false;
  private eopCmd = 0;
  private eopCso = 0;
  private eopCss = 0;
  // checksum insertion: the legacy IC offsets of the EOP descriptor, and the context descriptor's
  private readonly legacySum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private readonly ipSum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private readonly tuSum: ChecksumInsert = { cso: 0, css: 0, cse: 0 };
  private contextValid = false;
  // TCP segmentation: the context's TUCMD and TSO fields, the frame's TSE, and the packet being segmented
  private ctxTucmd = 0;
  private ctxHdrlen = 0;
  private ctxMss = 0;
  private ctxPaylen = 0;
  private tse = false;
  /**
   * The packet being segmented: its header (copied once), its payload length, the next segment `k`
   * of `n`, and where the payload continues in the chain's buffers (buffer `ci`, `cOff` bytes in),
   * read from host memory segment by segment as the adapter's DMA would (the chain's buffer list
   * stays as fetched: no descriptor is fetched until the packet is done).
   */
  private tso: { hdr: Uint8Array; payload: number; k: number; n: number; ci: number; cOff: number; base: number; descs: number[]; cmdOr: number; popts: number; ifcs: boolean } | null = null;

  constructor(
    private readonly core: NicCore,
    private readonly interrupts: Interrupts,
    private readonly packetBuffer: PacketBuffer,
    private readonly mac: MacTransmit,
    /** Whether the MAC can send now (a link, and a medium or loopback). */
    private readonly canTransmit: () => boolean,
  ) {
    const r = core.regs;
    r.onWrite(R.TDT, () => this.kick());
    r.onWrite(R.TCTL, (_n, _i, _w, old) => {
      if ((r.get(R.TCTL) & ~old & R.TCTL.f.EN.mask) !== 0) this.kick();
    });
  }

  private resetChain(): void {
    // The next chain takes a descriptor list when its first descriptor arrives (a written-back one
    // when there is one): the frame just handed to the MAC keeps its own until it is written back.
    this.nChunks = 0;
    this.chainDescs = NO_DESCS;
    this.chainLen = 0;
    this.chainPoison = 'none';
    this.chainWhy = '';
    this.popts = -1;
    this.tse = false;
  }

  /** CTRL.RST: no chain, no context. */
  reset(): void {
    this.resetChain();
    this.discarding = false;
    this.contextValid = false;
    this.tso = null;
  }

  /**
   * Drops the chain being gathered now, before its EOP (it outgrew the transmit FIFO or the ring):
   * counted once, its descriptors written back; the rest of it up to EOP is discarded as fetched.
   */
  private dropLongChain(base: number, reason: string): void {
    const core = this.core;
    const descs = this.chainDescs;
    let cmdOr = 0;
    for (const i of descs) cmdOr |= core.memory.bytes[base + i * DESC_SIZE + DESC.CMD];
    this.resetChain();
    this.discarding = true;
    core.counters.txMalformed++;
    if (core.sim.trace.active) core.sim.trace.emit('drop', core.name, { what: 'tx frame', reason, counter: 'txMalformed' });
    this.writeBack(base, descs, 0);
    if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.interrupts.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
  }

  /** Fetches descriptors from TDH towards TDT until one frame is complete, then transmits it. */
  kick(): void {
    if (this.mac.busy || this.tso !== null) return;
    const core = this.core;
    if (!(core.regs.get(R.TCTL) & R.TCTL.f.EN.mask) || !this.canTransmit()) return;
    const ring = core.ring('tx');
    if (typeof ring === 'string') {
      if (core.regs.get(R.TDT) !== core.regs.get(R.TDH) || core.regs.get(R.TDLEN) === 0) core.ringProblem('tx', ring);
      return;
    }
    const mem = core.memory;
    const view = mem.view;
    const words = mem.words;
    const trace = core.sim.trace;
    let { head } = ring;
    const { tail, count, base } = ring;
    let fetched = 0;
    while (head !== tail && fetched < count) {
      const da = base + head * DESC_SIZE;
      const fault = mem.check(da, DESC_SIZE);
      if (fault !== null) {
        core.counters.txDescriptorFaults++;
        if (trace.active) trace.emit('dma.fault', core.name, { ring: 'tx', what: 'descriptor', addr: da, length: DESC_SIZE, fault });
        return; // TDH stays; the next doorbell retries
      }
      fetched++;
      let buf: number;
      let length: number; // bytes 8–9
      let cso: number;
      let cmd: number;
      let css: number;
      const w = mem.wordAt(da, DESC_SIZE);
      if (w >= 0) {
        // (a ring is 16-byte aligned) the address in two loads, LENGTH, CSO and CMD in one, CSS in one
        buf = (words![w + 1] >>> 0) * 0x100000000 + (words![w] >>> 0);
        const lc = words![w + 2];
        length = lc & 0xffff;
        cso = (lc >>> 16) & 0xff;
        cmd = lc >>> 24;
        css = (words![w + 3] >>> 8) & 0xff;
      } else {
        buf = view.getUint32(da + DESC.ADDR + 4, true) * 0x100000000 + view.getUint32(da + DESC.ADDR, true);
        length = view.getUint16(da + DESC.LENGTH, true);
        cso = mem.bytes[da + DESC.CSO];
        cmd = mem.bytes[da + DESC.CMD];
        css = mem.bytes[da + DESC.CSS];
      }
      const ext = (cmd & TXD_CMD.DEXT) !== 0;
      const dtyp = cso >>> 4; // extended descriptors: 0 context, 1 data
      // legacy: 16-bit LENGTH; extended data: 20-bit DTALEN
      const len = ext ? (dtyp === 1 ? length + (cso & 0x0f) * 0x10000 : 0) : length;
      if (trace.active) trace.emit('nic.txdesc', core.name, { index: head, buffer: buf, length: len, cmd });
      const index = head;
      head = head + 1 === count ? 0 : head + 1;
      core.regs.set(R.TDH, head);
      if (this.discarding) {
        // the rest of a chain already dropped: consumed and written back, up to its EOP
        if (cmd & TXD_CMD.EOP) this.discarding = false;
        if (cmd & (TXD_CMD.RS | TXD_CMD.RPS)) {
          this.writeBack(base, [index], 0);
          this.interrupts.txWrittenBack((cmd & TXD_CMD.IDE) !== 0);
        }
        continue;
      }
      if (ext && dtyp === 0 && this.chainDescs.length === 0) {
        // a TCP/IP context descriptor between frames: offsets for the checksums of the frames after it
        this.loadContext(da);
        if (cmd & TXD_TUCMD.RS) {
          this.writeBack(base, [index], 0);
          this.interrupts.txWrittenBack((cmd & TXD_TUCMD.IDE) !== 0);
        }
        continue;
      }
      if (this.chainDescs === NO_DESCS) {
        const spare = this.spareDescs;
        this.spareDescs = null;
        this.chainDescs = spare ?? [];
      }
      this.chainDescs.push(index);
      if (ext && this.chainPoison === 'none') {
        if (dtyp !== 1) this.poison(dtyp === 0 ? 'context descriptor inside a frame' : `extended descriptor of unknown type (DTYP ${dtyp})`);
        else {
          if (cmd & TXD_DCMD_TSE) this.tse = true;
          if (this.popts < 0) this.popts = mem.bytes[da + DESC.POPTS];
        }
      } else if (!ext && this.popts >= 0 && this.chainPoison === 'none') this.poison('legacy and extended descriptors in one frame');
      if (len > 0 && this.chainPoison === 'none') {
        const bf = mem.check(buf, len);
        if (bf !== null) {
          this.chainPoison = 'buffer';
          if (trace.active) trace.emit('dma.fault', core.name, { ring: 'tx', what: 'buffer', addr: buf, length: len, fault: bf });
        } else if (this.chainLen + len > (this.tse ? TSO_MAX : this.packetBuffer.txFifoBytes())) {
          // The data no longer fits the transmit FIFO: the frame is lost now, whether or not an EOP follows.
          if (cmd & TXD_CMD.EOP) this.poison(`descriptor chain over the ${this.packetBuffer.txFifoBytes()}-byte transmit FIFO`);
          else {
            this.dropLongChain(base, `descriptor chain over the ${this.packetBuffer.txFifoBytes()}-byte transmit FIFO`);
            continue;
          }
        } else {
          this.chunkAddr[this.nChunks] = buf;
          this.chunkLen[this.nChunks++] = len;
          this.chainLen += len;
        }
      }
      if (!(cmd & TXD_CMD.EOP) && this.chainDescs.length >= count) {
        // More descriptors than the ring holds can never be a frame software handed over.
        this.dropLongChain(base, `descriptor chain longer than the ring (${count} descriptors)`);
        continue;
      }
      if (!(cmd & TXD_CMD.EOP)) continue;
      // A frame is complete.
      this.eopCmd = cmd;
      this.eopCso = cso;
      this.eopCss = css;
      const descs = this.chainDescs;
      let cmdOr = 0;
      for (const i of descs) cmdOr |= mem.bytes[base + i * DESC_SIZE + DESC.CMD];
      const poison = this.chainPoison;
      const why = this.chainWhy;
      const nChunks = this.nChunks;
      const total = this.chainLen;
      const popts = this.popts;
      const tse = this.tse;
      this.resetChain();
      if (poison !== 'none' || total === 0) {
        const reason = poison === 'buffer' ? 'transmit buffer outside host memory' : poison === 'malformed' ? why : 'empty frame';
        if (poison === 'buffer') core.counters.txBufferFaults++;
        else core.counters.txMalformed++;
        if (tse) core.regs.count(R.TSCTFC);
        if (trace.active) trace.emit('drop', core.name, { what: 'tx frame', reason, counter: poison === 'buffer' ? 'txBufferFaults' : 'txMalformed' });
        this.writeBack(base, descs, 0);
        if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.interrupts.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
        continue;
      }
      if (tse) {
        if (this.segment(total, base, descs, cmdOr, popts)) return;
        continue; // dropped
      }
      this.transmit(nChunks, total, base, descs, cmdOr, popts);
      return;
    }
    if (fetched > 0 && head === tail && !this.mac.busy) core.raise(R.INT.TXQE);
  }

  /** Marks the frame being gathered as malformed (dropped at its EOP); the first reason wins. */
  private poison(why: string): void {
    if (this.chainPoison !== 'none') return;
    this.chainPoison = 'malformed';
    this.chainWhy = why;
  }

  /** Loads the checksum offsets of a TCP/IP context descriptor at `da`. */
  private loadContext(da: number): void {
    const b = this.core.memory.bytes;
    const v = this.core.memory.view;
    const ip = this.ipSum;
    const tu = this.tuSum;
    ip.css = b[da + DESC.IPCSS];
    ip.cso = b[da + DESC.IPCSO];
    ip.cse = v.getUint16(da + DESC.IPCSE, true);
    tu.css = b[da + DESC.TUCSS];
    tu.cso = b[da + DESC.TUCSO];
    tu.cse = v.getUint16(da + DESC.TUCSE, true);
    this.ctxTucmd = b[da + DESC.CMD];
    this.ctxHdrlen = b[da + DESC.HDRLEN];
    this.ctxMss = v.getUint16(da + DESC.MSS, true);
    this.ctxPaylen = v.getUint16(da + DESC.LENGTH, true) + (b[da + DESC.LENGTH + 2] & 0x0f) * 0x10000;
    this.contextValid = true;
  }

  /** The chain's buffers as one frame of `total` bytes (a copy). */
  private gather(total: number): Uint8Array {
    const frame = new Uint8Array(total);
    this.copyChain({ ci: 0, cOff: 0 }, frame, 0, total);
    return frame;
  }

  private transmit(nChunks: number, total: number, base: number, descs: number[], cmdOr: number, popts: number): void {
    const cmd = this.eopCmd;
    const ifcs = (cmd & TXD_CMD.IFCS) !== 0;
    const psp = (this.core.regs.get(R.TCTL) & R.TCTL.f.PSP.mask) !== 0;
    let first: ChecksumInsert | null = null;
    let second: ChecksumInsert | null = null;
    if (popts < 0) {
      if (cmd & TXD_CMD.IC) {
        first = this.legacySum;
        first.cso = this.eopCso;
        first.css = this.eopCss;
      }
    } else if (this.contextValid) {
      if (popts & TXD_POPTS.IXSM) first = this.ipSum;
      if (popts & TXD_POPTS.TXSM) second = this.tuSum;
    }
    const slab = this.core.sim.slab;
    const mem = this.core.memory;
    const addr = this.chunkAddr[0];
    // one buffer (the usual case): serialized straight from host memory, a short frame that its
    // words reach from them (copy and FCS in one pass)
    const w = nChunks === 1 && total < SHORT_COPY ? mem.wordAt(addr, total) : -1;
    const bytes =
      nChunks !== 1
        ? serializeFrame(this.gather(total), ifcs, psp && ifcs, first, second, slab)
        : w >= 0
          ? serializeFromWords(mem.words!, w, total, ifcs, psp && ifcs, first, second, slab)
          : serializeRange(mem.bytes, addr, total, ifcs, psp && ifcs, first, second, slab);
    this.mac.send(bytes, base, descs, cmdOr);
  }

  /**
   * TCP segmentation (DCMD.TSE with a TSO context): checks the context against the data, then sends
   * the payload as ⌈PAYLEN / MSS⌉ frames, each the header followed by at most MSS bytes, with the IP
   * total length and identification, the TCP sequence number, FIN/PSH (last segment only) and the
   * checksums per segment. Returns false when the packet is dropped (counted).
   */
  private segment(total: number, base: number, descs: number[], cmdOr: number, popts: number): boolean {
    const core = this.core;
    const hdr = this.ctxHdrlen;
    const mss = this.ctxMss;
    const ip = this.ipSum;
    const tu = this.tuSum;
    let why = '';
    if (!this.contextValid || !(this.ctxTucmd & TXD_TUCMD.TSE)) why = 'TSE without a TSO context descriptor';
    else if (!(this.ctxTucmd & TXD_TUCMD.TCP) || !(this.ctxTucmd & TXD_TUCMD.IP)) why = 'TSO of anything but TCP over IPv4 not supported';
    else if (mss === 0) why = 'TSO with MSS 0';
    else if (hdr >= total) why = `TSO HDRLEN ${hdr} not below the ${total} bytes of data`;
    else if (hdr < ip.css + 20 || hdr < tu.css + 20 || hdr < ip.cso + 2 || hdr < tu.cso + 2) why = `TSO header of ${hdr} bytes too short for its IP and TCP offsets`;
    else if (this.ctxPaylen !== total - hdr) why = `TSO PAYLEN ${this.ctxPaylen} does not match the ${total - hdr} bytes after the header`;
    else if (hdr + Math.min(mss, total - hdr) > this.packetBuffer.txFifoBytes()) why = 'TSO segment larger than the transmit FIFO';
    if (why !== '') {
      core.counters.txMalformed++;
      core.regs.count(R.TSCTFC);
      if (core.sim.trace.active) core.sim.trace.emit('drop', core.name, { what: 'tx frame', reason: why, counter: 'txMalformed' });
      this.writeBack(base, descs, 0);
      if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.interrupts.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
      return false;
    }
    const t = (this.tso = { hdr: new Uint8Array(hdr), payload: total - hdr, k: 0, n: Math.ceil((total - hdr) / mss), ci: 0, cOff: 0, base, descs, cmdOr, popts, ifcs: (this.eopCmd & TXD_CMD.IFCS) !== 0 });
    this.copyChain(t, t.hdr, 0, hdr); // the header, once; the cursor is now at the payload
    this.sendSegment();
    return true;
  }

  /** Builds segment `tso.k` of the packet being segmented in a line buffer and sends it. */
  private sendSegment(): void {
    const t = this.tso!;
    const hdr = this.ctxHdrlen;
    const mss = this.ctxMss;
    const k = t.k++;
    const off = k * mss;
    const n = Math.min(mss, t.payload - off);
    const psp = (this.core.regs.get(R.TCTL) & R.TCTL.f.PSP.mask) !== 0;
    const out = lineBuffer(hdr + n, t.ifcs, psp && t.ifcs, this.core.sim.slab);
    const o = PREAMBLE_SFD_LEN;
    out.set(t.hdr, o);
    this.copyChain(t, out, o + hdr, n);
    const ip = o + this.ipSum.css;
    const tcp = o + this.tuSum.css;
    putBe16(out, ip + 2, hdr + n - this.ipSum.css); // IP total length
    putBe16(out, ip + 4, (((out[ip + 4] << 8) | out[ip + 5]) + k) & 0xffff); // IP identification
    const seq = ((out[tcp + 4] << 24) | (out[tcp + 5] << 16) | (out[tcp + 6] << 8) | out[tcp + 7]) >>> 0;
    const s = (seq + off) >>> 0;
    putBe16(out, tcp + 4, s >>> 16);
    putBe16(out, tcp + 6, s & 0xffff);
    if (t.k < t.n) out[tcp + 13] &= ~0x09; // FIN and PSH only on the last segment
    // the preloaded pseudo-header sum (without the length) plus this segment's TCP length
    const cso = o + this.tuSum.cso;
    let ps = ((out[cso] << 8) | out[cso + 1]) + (hdr + n - this.tuSum.css);
    while (ps > 0xffff) ps = (ps & 0xffff) + (ps >>> 16);
    putBe16(out, cso, ps);
    finishLine(out, hdr + n, t.ifcs, t.popts & TXD_POPTS.IXSM ? this.ipSum : null, t.popts & TXD_POPTS.TXSM ? this.tuSum : null);
    this.mac.send(out, t.base, t.descs, t.cmdOr);
  }

  /** Copies the next `n` bytes of the chain from its buffers in host memory to `out[at…]`, from and advancing the cursor `t` (buffer `ci`, `cOff` bytes in). */
  private copyChain(t: { ci: number; cOff: number }, out: Uint8Array, at: number, n: number): void {
    const bytes = this.core.memory.bytes;
    const addr = this.chunkAddr;
    const len = this.chunkLen;
    while (n > 0) {
      const run = Math.min(n, len[t.ci] - t.cOff);
      const from = addr[t.ci] + t.cOff;
      out.set(bytes.subarray(from, from + run), at);
      at += run;
      n -= run;
      t.cOff += run;
      if (t.cOff === len[t.ci]) {
        t.ci++;
        t.cOff = 0;
      }
    }
  }

  /** A frame's descriptors are done: DD where RS/RPS asks, TXDW by the usual rules, the next frame, TXQE when the ring is empty. */
  complete(base: number, descs: number[], cmdOr: number, extraStatus: number): void {
    const r = this.core.regs;
    const tso = this.tso;
    if (tso !== null) {
      if (extraStatus === 0 && tso.k < tso.n) {
        this.sendSegment(); // the next segment; the descriptors wait for the last
        return;
      }
      this.tso = null;
      r.count(extraStatus === 0 ? R.TSCTC : R.TSCTFC);
    }
    this.writeBack(base, descs, extraStatus);
    if (descs !== NO_DESCS) {
      // written back: nothing refers to the list any more, so the next chain may take it
      while (descs.length > 0) descs.pop(); // (cheaper than setting the length)
      this.spareDescs = descs;
    }
    if (cmdOr & (TXD_CMD.RS | TXD_CMD.RPS)) this.interrupts.txWrittenBack((cmdOr & TXD_CMD.IDE) !== 0);
    this.kick();
    if (!this.mac.busy && r.get(R.TDH) === r.get(R.TDT)) this.core.raise(R.INT.TXQE);
  }

  private writeBack(base: number, descs: number[], extraStatus: number): void {
    const { memory: mem, sim, name } = this.core;
    for (const i of descs) {
      const da = base + i * DESC_SIZE;
      if (mem.check(da, DESC_SIZE) !== null) continue;
      const cmd = mem.bytes[da + DESC.CMD];
      if (cmd & (TXD_CMD.RS | TXD_CMD.RPS)) {
        mem.bytes[da + DESC.STATUS] = (mem.bytes[da + DESC.STATUS] & 0xf0) | TXD_STA.DD | extraStatus;
        if (sim.trace.active) sim.trace.emit('nic.writeback', name, { ring: 'tx', index: i, status: TXD_STA.DD | extraStatus, errors: 0, length: mem.view.getUint16(da + DESC.LENGTH, true) });
      }
    }
  }
}
