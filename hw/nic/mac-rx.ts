/**
 * MAC receive: what the MAC does with a frame at the instant its last bit arrives — link and
 * speed, the PHY's decoding in signal fidelity, collisions in half duplex, SFD, length and FCS
 * checks, the address filter (RAL/RAH, UPE, MPE, BAM, the MTA hash), RCTL.EN — with the receive
 * statistics, before the frame enters the receive FIFO. Every frame it drops is counted once.
 * @module
 */
import * as R from '../registers/e1000.js';
import { getField } from '../registers/engine.js';
import { RXD_ERR } from '../descriptors.js';
import { fcsValid, lineFcsValid } from '../mac/fcs.js';
import { findFrameStart, PREAMBLE_SFD_LEN, MIN_FRAME, MAX_FRAME_TAGGED, MAX_JUMBO_FRAME } from '../mac/framing.js';
import { isBroadcast, isMulticast, mtaHash } from '../mac/filter.js';
import { frameDurationNs, type Duplex, type Speed, type WireFrame } from '../medium/types.js';
import type { LineStream } from '../phy/linecode/index.js';
import type { Phy } from '../phy/phy.js';
import type { NicCore } from './core.js';
import type { MacTransmit } from './mac-tx.js';
import type { PacketBuffer } from './packet-buffer.js';

const fcsMemo: { wf: WireFrame | null; start: number; ok: boolean } = { wf: null, start: -1, ok: false };

/** The MAC receiver of one adapter. */
export class MacReceive {
  /** Where accepted frames go (set once the packet buffer exists). */
  packetBuffer!: PacketBuffer;

  constructor(
    private readonly core: NicCore,
    private readonly phy: Phy,
    private readonly mac: MacTransmit,
    /** The MAC's link (STATUS.LU), or null. */
    private readonly link: () => { speed: Speed; duplex: Duplex } | null,
  ) {}

  /**
   * In signal fidelity, the octets the PHY decoded from the last frame received (a buffer this
   * receiver made), until {@link takeDecoded}; null otherwise.
   */
  private decoded: Uint8Array | null = null;

  /** The octets decoded from the frame just received (signal fidelity), once; null in frame fidelity. */
  takeDecoded(): Uint8Array | null {
    const d = this.decoded;
    this.decoded = null;
    return d;
  }

  /** A frame from the wire (or from loopback) at the instant its last bit arrived. */
  receive(wf: WireFrame): void {
    const core = this.core;
    this.decoded = null;
    core.rxFrameId = wf.id;
    const r = core.regs;
    const macLink = this.link();
    if (macLink === null || macLink.speed !== (wf.bitTimeNs === 1 ? 1000 : wf.bitTimeNs === 10 ? 100 : 10)) {
      core.counters.rxNoLink++;
      core.dropRx('rxNoLink', 'no link (or a speed mismatch)');
      return;
    }
    let line = wf.bytes;
    let lineErrors = 0;
    if (wf.symbols !== undefined) {
      // signal fidelity: the PHY decodes what the wire carried
      const stream = wf.symbols as LineStream;
      const res = this.mac.codec(stream.kind).decodeFrame(stream);
      lineErrors = res.errors.length;
      line = res.bytes;
      // the 1000BASE-X decoder's octets are a buffer of their own (slab or fresh), never shared
      if (stream.kind === '1000BASE-X' && line.length > 0) this.decoded = line;
      if (lineErrors > 0) {
        for (let i = 0; i < lineErrors; i++) this.phy.countSymbolError();
        if (core.sim.trace.active) core.sim.trace.emit('log', core.name, { level: 'info', message: `PHY: ${res.errors.map((e) => `${e.kind} at code group ${e.index}`).join(', ')}` });
      }
    }
    if (macLink.duplex === 'half') {
      const arrivalStart = core.sim.now - frameDurationNs(line.length, wf.bitTimeNs);
      if (arrivalStart < this.mac.lastTxEnd && core.sim.now > this.mac.lastTxStart) {
        // heard while this station was transmitting: a collision, already counted in COLC
        core.dropRx('COLC', 'received while transmitting (collision)');
        return;
      }
    }
    const start = findFrameStart(line);
    if (start < 0) {
      r.count(R.RXERRC);
      if (lineErrors > 0) r.count(R.SYMERRS);
      core.dropRx('RXERRC', lineErrors > 0 ? 'no frame could be decoded from the line symbols' : 'no start frame delimiter');
      return;
    }
    const len = line.length - start;
    r.count(R.TPR);
    r.count64(R.TORL, R.TORH, len);
    const rctl = r.get(R.RCTL);
    const C = R.RCTL.f;
    const fcsOk = this.fcsOf(wf, line, start);
    const lpe = (rctl & C.LPE.mask) !== 0;
    const maxLen = lpe ? MAX_JUMBO_FRAME : MAX_FRAME_TAGGED;
    if (len < MIN_FRAME) {
      r.count(fcsOk ? R.RUC : R.RFC);
      core.dropRx(fcsOk ? 'RUC' : 'RFC', `runt (${len} bytes)`);
      return;
    }
    if (len > maxLen) {
      r.count(fcsOk ? R.ROC : R.RJC);
      core.dropRx(fcsOk ? 'ROC' : 'RJC', `oversize (${len} bytes > ${maxLen})`);
      return;
    }
    let errors = 0;
    if (lineErrors > 0) {
      r.count(R.SYMERRS);
      r.count(R.RXERRC);
      if (!(rctl & C.SBP.mask)) {
        core.dropRx('SYMERRS', `symbol error (${lineErrors} code violation${lineErrors > 1 ? 's' : ''})`);
        return;
      }
      errors |= RXD_ERR.SE | RXD_ERR.RXE;
    }
    if (!fcsOk) {
      r.count(R.CRCERRS);
      if (!(rctl & C.SBP.mask)) {
        core.dropRx('CRCERRS', 'FCS error');
        return;
      }
      errors |= RXD_ERR.CE;
    }
    // address filter
    const bcast = isBroadcast(line, start);
    const mcast = isMulticast(line, start);
    let pif = false;
    if (!this.acceptAddress(line, start, rctl, bcast, mcast)) {
      core.counters.rxFiltered++;
      core.dropRx('rxFiltered', 'destination address not accepted by the filter');
      return;
    }
    if (mcast && !bcast && !this.exactMatch(line, start)) pif = !(rctl & C.MPE.mask);
    if (!(rctl & C.EN.mask)) {
      core.counters.rxDisabled++;
      core.dropRx('rxDisabled', 'receiver disabled (RCTL.EN clear)');
      return;
    }
    this.packetBuffer.accept(wf, line, start, len, errors, pif, bcast, mcast, fcsOk);
  }

  /**
   * The FCS verdict on `line[start..]`. A repeater hands one immutable WireFrame to every station,
   * so the verdict on a frame's own bytes is remembered for the next station (one entry, keyed by
   * the frame object): a 64-station hub checks each CRC once, not 63 times.
   */
  private fcsOf(wf: WireFrame, line: Uint8Array, start: number): boolean {
    if (line === wf.bytes && fcsMemo.wf === wf && fcsMemo.start === start) return fcsMemo.ok;
    // the usual image, 8 octets of preamble and SFD first: one CRC over all of it (no view to build)
    const ok = start === PREAMBLE_SFD_LEN ? lineFcsValid(line) : fcsValid(line, start, line.length);
    if (line === wf.bytes) {
      fcsMemo.wf = wf;
      fcsMemo.start = start;
      fcsMemo.ok = ok;
    }
    return ok;
  }

  /** Good packets: received without error and stored in host memory. */
  countGood(len: number, bcast: boolean, mcast: boolean): void {
    const r = this.core.regs;
    r.count(R.GPRC);
    r.count64(R.GORCL, R.GORCH, len);
    if (bcast) r.count(R.BPRC);
    else if (mcast) r.count(R.MPRC);
    r.count(len <= 64 ? R.PRC64 : len <= 127 ? R.PRC127 : len <= 255 ? R.PRC255 : len <= 511 ? R.PRC511 : len <= 1023 ? R.PRC1023 : R.PRC1522);
  }

  private exactMatch(line: Uint8Array, off: number): boolean {
    const r = this.core.regs;
    const lo = (line[off] | (line[off + 1] << 8) | (line[off + 2] << 16) | (line[off + 3] << 24)) >>> 0;
    const hi = line[off + 4] | (line[off + 5] << 8);
    for (let i = 0; i < 16; i++) {
      if (r.get(R.RAL, i) !== lo) continue;
      const rah = r.get(R.RAH, i);
      if (!(rah & R.RAH.f.AV.mask) || getField(rah, R.RAH.f.AS) !== 0) continue;
      if ((rah & 0xffff) === hi) return true;
    }
    return false;
  }

  private acceptAddress(line: Uint8Array, off: number, rctl: number, bcast: boolean, mcast: boolean): boolean {
    const C = R.RCTL.f;
    if (bcast) {
      if (rctl & (C.BAM.mask | C.MPE.mask)) return true;
    } else if (mcast) {
      if (rctl & C.MPE.mask) return true;
    } else if (rctl & C.UPE.mask) return true;
    if (this.exactMatch(line, off)) return true;
    if (mcast) {
      const h = mtaHash(line, off, getField(rctl, C.MO));
      return ((this.core.regs.get(R.MTA, h >>> 5) >>> (h & 31)) & 1) === 1;
    }
    return false;
  }
}
