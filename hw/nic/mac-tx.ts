/**
 * MAC transmit: puts serialized frames on the medium with exact timing — at once in full duplex
 * (after the previous frame and its inter-packet gap), through CSMA/CD in half duplex (deferral,
 * collisions, jam, back-off, 16 attempts), or back into the adapter's own receive path in loopback —
 * line-codes them in signal fidelity, and counts what it sent (GPTC, TPT, GOTC, TOTC, PTCxx, BPTC,
 * MPTC, and SCC/MCC/ECOL/LATECOL/COLC/DC in half duplex).
 * @module
 */
import type { Nanos } from '../../sim/time.js';
import type { ReusableEvent } from '../../sim/simulator.js';
import type { Rng } from '../../sim/rng.js';
import { RememberedMachine } from '../../sim/xstate.js';
import * as R from '../registers/e1000.js';
import { TXD_STA } from '../descriptors.js';
import { PREAMBLE_SFD_LEN } from '../mac/framing.js';
import { isBroadcast } from '../mac/filter.js';
import { csmaMachine, slotBits, backoffRange, JAM_BITS, CARRIER_STATES, type CsmaContext, type CsmaEvent } from '../mac/csma.js';
import { BIT_TIME_NS, frameDurationNs, type Duplex, type Endpoint, type MediumLink, type Speed, type WireFrame } from '../medium/types.js';
import { createLineCodec, type LineCodec, type LineStream, type PhyKind } from '../phy/linecode/index.js';
import type { NicCore } from './core.js';

const NO_DESCS: number[] = [];

const PHY_BY_SPEED: Readonly<Record<Speed, PhyKind>> = { 10: '10BASE-T', 100: '100BASE-TX', 1000: '1000BASE-X' };

/** Where the MAC transmitter gets its link and medium and hands finished frames. */
export interface MacTxDeps {
  /** The MAC's link (STATUS.LU), or null. */
  link(): { speed: Speed; duplex: Duplex } | null;
  /** The attached medium, or null. */
  medium(): MediumLink | null;
  /** The loopback in force, or null. */
  loopback(): 'PHY' | 'RCTL.LBM' | null;
  /** A looped-back frame enters the adapter's own receive path. */
  loopIn(wf: WireFrame): void;
  /** The frame's descriptors are done (sent, or given up with `extraStatus` EC/LC): write-back and the next frame. */
  done(base: number, descs: number[], cmdOr: number, extraStatus: number): void;
  /** The adapter's endpoint (frames it sends from the frame pool name it in `WireFrame.pooledBy`). */
  readonly port: Endpoint;
}

/** A half-duplex frame going through CSMA/CD (its attempts and collisions are in the machine's context). */
interface HalfDuplexFrame {
  bytes: Uint8Array;
  base: number;
  descs: number[];
  cmdOr: number;
  wf: WireFrame | null;
  startedAt: Nanos;
  backoffNs: Nanos;
}

/** The MAC transmitter of one adapter. */
export class MacTransmit {
  /** A frame is in flight (one at a time). */
  busy = false;
  /** When this station's last transmission started and ends (the receive side's collision check). */
  lastTxStart: Nanos = -1;
  /** End of this station's last transmission (or jam). */
  lastTxEnd: Nanos = -1;
  private lineFreeAt: Nanos = 0;
  private readonly codecs = new Map<PhyKind, LineCodec>();
  private readonly csma: RememberedMachine<CsmaContext, CsmaEvent>;
  private readonly backoffRng: Rng;
  private hd: HalfDuplexFrame | null = null;
  // the full-duplex frame in flight and its two reusable events (first bit, last bit)
  private readonly fdStart: ReusableEvent;
  private readonly fdEnd: ReusableEvent;
  private fdWf: WireFrame | null = null;
  /** The in-flight frame's length (no preamble) and class (0 unicast, 1 multicast, 2 broadcast), taken at send: its bytes may be back in the pool by the time it ends. */
  private fdLen = 0;
  private fdClass = 0;
  private fdEndNs: Nanos = 0;
  private fdBase = 0;
  private fdDescs: number[] = NO_DESCS;
  private fdCmdOr = 0;
  private fdEpoch = 0;
  private carrierSense = false;
  private quietSince: Nanos = 0;

  constructor(
    private readonly core: NicCore,
    private readonly deps: MacTxDeps,
    /** Whether frames are line-coded (signal fidelity). */
    private readonly fidelity: 'frame' | 'signal',
  ) {
    this.backoffRng = core.sim.rng(`${core.name}.backoff`);
    this.csma = this.makeCsma();
    this.fdStart = core.sim.reusableEvent(() => this.fdGo());
    this.fdEnd = core.sim.reusableEvent(() => this.fdDone());
  }

  /** Sends a serialized frame: at once in full duplex, through CSMA/CD in half duplex, or to the receive path in loopback. */
  send(bytes: Uint8Array, base: number, descs: number[], cmdOr: number): void {
    const { sim, name } = this.core;
    const link = this.deps.link()!;
    this.busy = true;
    const loop = this.deps.loopback();
    if (loop !== null) {
      this.loopBack(bytes, base, descs, cmdOr, link.speed, loop);
      return;
    }
    if (link.duplex === 'half') {
      this.hd = { bytes, base, descs, cmdOr, wf: null, startedAt: 0, backoffNs: 0 };
      this.csma.send({ type: 'FRAME_READY', retryLate: this.retryLate() });
      return;
    }
    const bitTimeNs = BIT_TIME_NS[link.speed];
    const start = Math.max(sim.now, this.lineFreeAt);
    const end = start + frameDurationNs(bytes.length, bitTimeNs);
    this.lineFreeAt = end + this.ipgNs(bitTimeNs);
    const epoch = this.core.epoch;
    if (!this.fdStart.pending && !this.fdEnd.pending) {
      // the usual case: the frame's two events reuse this MAC's entries (no closures per frame);
      // untraced, nothing here reads the bytes (or, in signal fidelity, the code groups made from
      // them) after this call, so the frame may name this adapter in `pooledBy` (its receiver may
      // give them back to the pool)
      const trace = sim.trace;
      const pooled = !trace.active;
      const wf: WireFrame = {
        id: sim.nextId('frame'),
        bytes,
        bitTimeNs,
        txStart: start,
        sender: name,
        symbols: this.lineCode(bytes, link.speed),
        pooledBy: pooled ? this.deps.port : null,
        pooledAt: trace.subscriptions,
      };
      this.fdLen = bytes.length - PREAMBLE_SFD_LEN;
      this.fdClass = bytes[PREAMBLE_SFD_LEN] & 1 ? (isBroadcast(bytes, PREAMBLE_SFD_LEN) ? 2 : 1) : 0;
      this.fdWf = wf;
      this.fdEndNs = end;
      this.fdBase = base;
      this.fdDescs = descs;
      this.fdCmdOr = cmdOr;
      this.fdEpoch = epoch;
      if (start === sim.now) this.fdGo();
      else this.fdStart.schedule(start - sim.now);
      this.fdEnd.schedule(end - sim.now);
      return;
    }
    // an event of a frame from before a reset is still pending: this frame gets its own
    const wf: WireFrame = { id: sim.nextId('frame'), bytes, bitTimeNs, txStart: start, sender: name, symbols: this.lineCode(bytes, link.speed) };
    const go = () => {
      if (epoch !== this.core.epoch) return;
      if (sim.trace.active) sim.trace.emit('wire.tx', name, { frame: wf, end });
      this.deps.medium()?.send(wf);
    };
    if (start === sim.now) go();
    else sim.at(start, go);
    sim.at(end, () => {
      if (epoch !== this.core.epoch) return;
      this.busy = false;
      this.sent(wf);
      this.deps.done(base, descs, cmdOr, 0);
    });
  }

  /** A full-duplex frame's first bit leaves (the event {@link fdStart}). */
  private fdGo(): void {
    if (this.fdEpoch !== this.core.epoch) return;
    const { sim, name } = this.core;
    const wf = this.fdWf!;
    if (sim.trace.active) sim.trace.emit('wire.tx', name, { frame: wf, end: this.fdEndNs });
    this.deps.medium()?.send(wf);
  }

  /** A full-duplex frame's last bit left (the event {@link fdEnd}): statistics, then the descriptors. */
  private fdDone(): void {
    if (this.fdEpoch !== this.core.epoch) return;
    const descs = this.fdDescs;
    this.fdWf = null;
    this.fdDescs = NO_DESCS;
    this.busy = false;
    this.count(this.fdLen, this.fdClass);
    this.deps.done(this.fdBase, descs, this.fdCmdOr, 0);
  }

  /** Loopback: the frame takes its usual time on the transmit side and then enters this adapter's own receive path. */
  private loopBack(bytes: Uint8Array, base: number, descs: number[], cmdOr: number, speed: Speed, mode: 'PHY' | 'RCTL.LBM'): void {
    const { sim, name } = this.core;
    const bitTimeNs = BIT_TIME_NS[speed];
    const start = Math.max(sim.now, this.lineFreeAt);
    const end = start + frameDurationNs(bytes.length, bitTimeNs);
    this.lineFreeAt = end + this.ipgNs(bitTimeNs);
    const wf: WireFrame = { id: sim.nextId('frame'), bytes, bitTimeNs, txStart: start, sender: name, symbols: mode === 'PHY' ? this.lineCode(bytes, speed) : undefined };
    if (sim.trace.active) sim.trace.emit('nic.loopback', name, { frame: wf, mode, end });
    const epoch = this.core.epoch;
    sim.at(end, () => {
      if (epoch !== this.core.epoch) return;
      this.core.counters.txLoopback++;
      this.deps.loopIn(wf);
      this.busy = false;
      this.sent(wf);
      this.deps.done(base, descs, cmdOr, 0);
    });
  }

  /** Transmit statistics of a frame that left the MAC. */
  private sent(wf: WireFrame): void {
    const b = wf.bytes;
    this.count(b.length - PREAMBLE_SFD_LEN, b[PREAMBLE_SFD_LEN] & 1 ? (isBroadcast(b, PREAMBLE_SFD_LEN) ? 2 : 1) : 0);
  }

  /** Transmit statistics of a sent frame of `len` bytes (no preamble), `cls` 0 unicast, 1 multicast, 2 broadcast. */
  private count(len: number, cls: number): void {
    const r = this.core.regs;
    r.count(R.GPTC);
    r.count(R.TPT);
    r.count64(R.GOTCL, R.GOTCH, len);
    r.count64(R.TOTL, R.TOTH, len);
    r.count(len <= 64 ? R.PTC64 : len <= 127 ? R.PTC127 : len <= 255 ? R.PTC255 : len <= 511 ? R.PTC511 : len <= 1023 ? R.PTC1023 : R.PTC1522);
    if (cls === 2) r.count(R.BPTC);
    else if (cls === 1) r.count(R.MPTC);
  }

  /** The line codec of a PHY kind (created once; its own seeded scrambler). */
  codec(kind: PhyKind): LineCodec {
    let c = this.codecs.get(kind);
    if (c === undefined) {
      const { sim, name } = this.core;
      // the 100BASE-TX transmit scrambler starts from a seed of this adapter's own stream
      c = createLineCodec(kind, { seed: 1 + (sim.rng(`${name}.scrambler`).nextU32() % 2047) }, sim.slab);
      this.codecs.set(kind, c);
    }
    return c;
  }

  /** The frame's line symbols in signal fidelity (undefined in frame fidelity). */
  private lineCode(bytes: Uint8Array, speed: Speed): LineStream | undefined {
    if (this.fidelity !== 'signal') return undefined;
    return this.codec(PHY_BY_SPEED[speed]).encodeFrame(bytes);
  }

  private ipgNs(bitTimeNs: number): Nanos {
    return (this.core.regs.field(R.TIPG, R.TIPG.f.IPGT) + 4) * 8 * bitTimeNs;
  }

  /** The MAC link changed: a half-duplex frame in progress starts over (at once if the new link is full duplex). Returns whether one was pending. */
  linkChanged(next: { speed: Speed; duplex: Duplex } | null): boolean {
    if (this.hd === null) return false;
    this.csma.send({ type: 'RESET' });
    this.hd.wf = null;
    if (next && next.duplex === 'half') this.csma.send({ type: 'FRAME_READY', retryLate: this.retryLate() });
    else if (next) {
      const h = this.hd;
      this.hd = null;
      this.busy = false;
      this.send(h.bytes, h.base, h.descs, h.cmdOr);
    }
    return true;
  }

  /** CTRL.RST: nothing in flight; the line is free from now. */
  reset(): void {
    this.busy = false;
    this.lineFreeAt = Math.max(this.lineFreeAt, this.core.sim.now);
    this.hd = null;
    this.csma.send({ type: 'RESET' });
  }

  // ------------------------------------------------------------------ half duplex (CSMA/CD)

  /** Whether a carrier change matters now: a half-duplex frame is deferring or being transmitted. */
  get listening(): boolean {
    if (this.hd === null) return false;
    const s = this.csma.state;
    if (s !== this.listenState) {
      this.listenState = s;
      this.listenValue = CARRIER_STATES.has(s);
    }
    return this.listenValue;
  }
  private listenState = '';
  private listenValue = false;

  /** The carrier as sensed now: the medium's view when it keeps one (a hub), else the last carrier call. */
  private sensing(): boolean {
    const view = this.deps.medium()?.carrierView;
    return view !== undefined ? view.on : this.carrierSense;
  }

  /** When the carrier last went off, or this station's own transmission ended. */
  private quietAt(): Nanos {
    const view = this.deps.medium()?.carrierView;
    return view !== undefined ? Math.max(this.quietSince, view.offAt) : this.quietSince;
  }

  /**
   * Carrier sense from a shared medium. A hub keeps each station's carrier view and calls only
   * listening stations (see {@link listening}), so a station with no frame, jamming or backing
   * off costs nothing per carrier change; other media call on every change.
   */
  carrierChanged(on: boolean): void {
    if (this.deps.medium()?.carrierView === undefined) {
      if (on === this.carrierSense) return;
      this.carrierSense = on;
      if (!on) this.quietSince = Math.max(this.quietSince, this.core.sim.now);
    }
    if (this.hd === null || this.deps.link()?.duplex !== 'half') return; // no frame: the machine is idle and ignores carrier
    if (!on) {
      this.csma.send({ type: 'CARRIER_OFF' });
      return;
    }
    // late: someone else's carrier one slot time or more after this station started its frame
    const h = this.hd;
    const late = h !== null && h.wf !== null && this.core.sim.now - h.startedAt >= slotBits(this.deps.link()!.speed) * BIT_TIME_NS[this.deps.link()!.speed];
    this.csma.send({ type: 'CARRIER_ON', late });
  }

  /** TCTL.RTLC: a late collision is retried instead of abandoning the frame. */
  private retryLate(): boolean {
    return (this.core.regs.get(R.TCTL) & R.TCTL.f.RTLC.mask) !== 0;
  }

  private makeCsma() {
    const core = this.core;
    const sim = core.sim;
    const speed = (): Speed => this.deps.link()?.speed ?? 10;
    const bitNs = () => BIT_TIME_NS[speed()];
    const gapLeft = () => Math.max(0, this.quietAt() + this.ipgNs(bitNs()) - sim.now);
    // the machine, run by remembered transitions: CSMA/CD is per frame and per collision, in every station
    return new RememberedMachine<CsmaContext, CsmaEvent>(sim, csmaMachine, `${core.name}.mac`, {
      guards: {
        carrier: () => this.sensing(),
        gapElapsed: () => gapLeft() === 0,
      },
      eventKey: (e) => (e.type === 'CARRIER_ON' ? (e.late ? 'late' : '') : e.type === 'FRAME_READY' ? (e.retryLate ? 'rtlc' : '') : ''),
      delays: {
        TX_TIME: () => frameDurationNs(this.hd!.bytes.length, bitNs()),
        JAM_TIME: () => JAM_BITS * bitNs(),
        GAP_LEFT: () => gapLeft(),
        BACKOFF: () => this.hd!.backoffNs,
      },
      actions: {
        noteDeferred: () => core.regs.count(R.DC), // a defer event: the medium was busy when the MAC wanted it
        startTx: () => {
          const h = this.hd!;
          const bitTimeNs = bitNs();
          const wf: WireFrame = { id: sim.nextId('frame'), bytes: h.bytes, bitTimeNs, txStart: sim.now, sender: core.name, symbols: this.lineCode(h.bytes, speed()) };
          h.wf = wf;
          h.startedAt = sim.now;
          this.lastTxStart = sim.now;
          this.lastTxEnd = sim.now + frameDurationNs(h.bytes.length, bitTimeNs);
          if (sim.trace.active) sim.trace.emit('wire.tx', core.name, { frame: wf, end: this.lastTxEnd });
          this.deps.medium()?.send(wf, true);
        },
        txDone: (context) => {
          const h = this.hd!;
          this.hd = null;
          this.quietSince = Math.max(this.quietSince, sim.now);
          if (context.attempts === 1) core.regs.count(R.SCC);
          else if (context.attempts > 1) core.regs.count(R.MCC);
          this.busy = false;
          const epoch = core.epoch;
          sim.schedule(0, () => {
            if (epoch !== core.epoch) return;
            this.sent(h.wf!);
            this.deps.done(h.base, h.descs, h.cmdOr, 0);
          });
        },
        collision: (_context, event) => {
          core.regs.count(R.COLC);
          if (event.type === 'CARRIER_ON' && event.late) core.regs.count(R.LATECOL);
        },
        startJam: () => {
          const h = this.hd!;
          const end = sim.now + JAM_BITS * bitNs();
          this.lastTxEnd = end;
          if (h.wf) this.deps.medium()?.abort(h.wf.id, end);
        },
        abandon: (context) => {
          const h = this.hd!;
          this.hd = null;
          this.quietSince = Math.max(this.quietSince, sim.now);
          const late = context.late && !context.retryLate;
          if (!late) core.regs.count(R.ECOL);
          if (sim.trace.active) sim.trace.emit('drop', core.name, { what: 'tx frame', reason: late ? 'late collision' : `excessive collisions (${context.attempts} attempts)`, counter: late ? 'LATECOL' : 'ECOL', frameId: h.wf?.id });
          this.busy = false;
          const epoch = core.epoch;
          sim.schedule(0, () => {
            if (epoch !== core.epoch) return;
            this.deps.done(h.base, h.descs, h.cmdOr, late ? TXD_STA.LC : TXD_STA.EC);
          });
        },
        drawBackoff: (context) => {
          const h = this.hd!;
          const r = this.backoffRng.int(0, backoffRange(context.attempts));
          h.backoffNs = r * slotBits(speed()) * bitNs();
        },
      },
    });
  }
}
