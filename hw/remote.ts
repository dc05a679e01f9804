/**
 * A link partner outside the simulation: an {@link Endpoint} that a cable joins to an emulated
 * adapter's port (or a switch port) and that exchanges bare Ethernet frames — destination MAC to
 * payload, no preamble, no FCS — with something else: a UDP socket, a QEMU guest, a TAP device,
 * another nicsim process. It does what a PHY and MAC would do on that end of the cable:
 *
 * - link: it auto-negotiates (every mode up to `speed`, full duplex) and resolves the link with
 *   the partner's signal after `autonegNs`; `setCarrier(false)` takes its signal off the line (the
 *   outside transport went away), `setCarrier(true)` restores it.
 * - frames from the outside ({@link RemoteEndpoint.fromOutside}, callable from any I/O callback):
 *   checked (14…`maxFrameBytes` octets), padded to 60 octets, given an FCS, a preamble, a frame id
 *   and a start time no earlier than the end of the previous frame plus the 96-bit inter-frame
 *   gap, then sent on the medium (line-coded in signal fidelity).
 * - frames from the emulated side: decoded (signal fidelity), checked (SFD, 64 octets minimum,
 *   `maxFrameBytes + 4` maximum, FCS) and handed to `onFrame` without preamble and FCS (padding
 *   stays: the receiver cannot know it from payload).
 *
 * Guarantees:
 * - Bounded memory: at most `queueFrames` frames (and `queueBytes` octets) from the outside are
 *   waiting — posted to the simulator or queued for the line — at any time; more are dropped.
 * - Every frame that does not make it across is counted in exactly one counter of
 *   {@link RemoteEndpointStats} and traced as a `drop` event naming it.
 * - Time comes from the simulator only; `fromOutside` enters the simulation through `sim.post`
 *   (the wall-clock instant during a real-time run).
 * @module
 */
import type { Simulator } from '../sim/simulator.js';
import { MS, type Nanos } from '../sim/time.js';
import { fcsValid, appendFcs } from './mac/fcs.js';
import { findFrameStart, FCS_LEN, MAX_FRAME_TAGGED, MIN_FRAME, MIN_FRAME_NO_FCS, PREAMBLE_OCTET, PREAMBLE_SFD_LEN, SFD } from './mac/framing.js';
import { resolveLink, type LinkMode } from './phy/link.js';
import { createLineCodec, type LineCodec, type LineStream, type PhyKind } from './phy/linecode/index.js';
import { BIT_TIME_NS, frameDurationNs, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from './medium/types.js';

declare module '../sim/trace.js' {
  interface TraceEventMap {
    /** A remote endpoint passed a frame: `in` from the outside onto the medium, `out` from the medium to the outside. */
    'remote.frame': { dir: 'in' | 'out'; frameId: number; bytes: number };
    /** A remote endpoint's link went up or down. */
    'remote.link': { up: boolean; speed?: Speed };
  }
}

/** Options of a {@link RemoteEndpoint}. */
export interface RemoteEndpointOptions {
  /** Trace name (default `remoteN`). */
  name?: string;
  /** The fastest mode advertised (default 1000); the link resolves to the best common mode. */
  speed?: Speed;
  /** Time from the partner's signal to link up, ns (default 1.5 s, as the adapter's PHY). */
  autonegNs?: Nanos;
  /** Frames from the outside that may wait at once (posted or queued for the line; default 256). */
  queueFrames?: number;
  /** Octets from the outside that may wait at once (default 1 MiB). */
  queueBytes?: number;
  /** Largest frame without FCS accepted in either direction (default 1518: a VLAN-tagged frame). */
  maxFrameBytes?: number;
  /** Line-code every frame sent onto the medium (default: only when the partner's frames are line-coded). */
  fidelity?: 'frame' | 'signal';
  /** Receives every frame leaving the simulation (no preamble, no FCS). */
  onFrame?: (frame: Uint8Array) => void;
}

/** Counters of a {@link RemoteEndpoint}; each lost frame is in exactly one `*Drops`/`*Errors` counter. */
export interface RemoteEndpointStats {
  /** Frames from the outside sent onto the medium. */
  inFrames: number;
  /** Their octets (without FCS and padding). */
  inBytes: number;
  /** Frames from the outside dropped: the waiting queue was full. */
  inQueueDrops: number;
  /** Frames from the outside dropped: shorter than 14 or longer than `maxFrameBytes` octets. */
  inLengthDrops: number;
  /** Frames from the outside dropped: no link (or the link went down with them queued). */
  inNoLinkDrops: number;
  /** Frames from the medium handed to `onFrame`. */
  outFrames: number;
  /** Their octets (without FCS). */
  outBytes: number;
  /** Frames from the medium dropped: line code error, no SFD, runt, oversize or bad FCS. */
  outErrors: number;
  /** Frames from the medium dropped: no link, or a speed other than the link's. */
  outNoLinkDrops: number;
}

const PHY_KIND: Readonly<Record<Speed, PhyKind>> = { 10: '10BASE-T', 100: '100BASE-TX', 1000: '1000BASE-X' };

function isLineStream(s: unknown): s is LineStream {
  return typeof s === 'object' && s !== null && typeof (s as LineStream).bitCount === 'number' && typeof (s as LineStream).kind === 'string';
}

function checkCount(v: number, what: string, lo: number): void {
  if (!Number.isSafeInteger(v) || v < lo) throw new RangeError(`RemoteEndpoint: ${what} must be an integer >= ${lo}, got ${v}`);
}

const IPG_BITS = 96;

/** A link partner that carries frames between a medium and the outside world (see the module doc). */
export class RemoteEndpoint implements Endpoint {
  /** Trace name. */
  readonly name: string;
  /** Live counters. */
  readonly stats: RemoteEndpointStats = { inFrames: 0, inBytes: 0, inQueueDrops: 0, inLengthDrops: 0, inNoLinkDrops: 0, outFrames: 0, outBytes: 0, outErrors: 0, outNoLinkDrops: 0 };
  /** Receives every frame leaving the simulation (no preamble, no FCS). */
  onFrame: (frame: Uint8Array) => void;
  /** The current link mode, or null while the link is down. */
  mode: LinkMode | null = null;
  private readonly taps: Array<(dir: 'in' | 'out', frame: Uint8Array) => void> = [];
  private medium: MediumLink | null = null;
  private partner: LinkSignal | null = null;
  private carrierOn = true;
  private negotiation: { cancel(): boolean } | null = null;
  private readonly speed: Speed;
  private readonly autonegNs: Nanos;
  private readonly queueFrames: number;
  private readonly queueBytes: number;
  private readonly maxFrameBytes: number;
  private readonly signalFidelity: boolean;
  private readonly msSeed: number;
  private waitingFrames = 0;
  private waitingBytes = 0;
  private freeAt: Nanos = 0;
  private epoch = 0;
  private txCodec: LineCodec | null = null;
  private partnerCoded = false;
  private readonly rxCodecs = new Map<PhyKind, LineCodec>();

  constructor(
    private readonly sim: Simulator,
    opts: RemoteEndpointOptions = {},
  ) {
    if (opts === null || typeof opts !== 'object') throw new TypeError('RemoteEndpoint: options must be an object');
    this.name = opts.name ?? sim.uniqueName('remote');
    this.speed = opts.speed ?? 1000;
    if (this.speed !== 10 && this.speed !== 100 && this.speed !== 1000) throw new RangeError(`RemoteEndpoint: speed must be 10, 100 or 1000, got ${String(opts.speed)}`);
    this.autonegNs = opts.autonegNs ?? 1500 * MS;
    checkCount(this.autonegNs, 'autonegNs', 0);
    this.queueFrames = opts.queueFrames ?? 256;
    checkCount(this.queueFrames, 'queueFrames', 1);
    this.queueBytes = opts.queueBytes ?? 1 << 20;
    checkCount(this.queueBytes, 'queueBytes', 64);
    this.maxFrameBytes = opts.maxFrameBytes ?? MAX_FRAME_TAGGED - FCS_LEN;
    checkCount(this.maxFrameBytes, 'maxFrameBytes', MIN_FRAME_NO_FCS);
    if (opts.fidelity !== undefined && opts.fidelity !== 'frame' && opts.fidelity !== 'signal') throw new RangeError(`RemoteEndpoint: fidelity must be 'frame' or 'signal', got ${String(opts.fidelity)}`);
    this.signalFidelity = opts.fidelity === 'signal';
    this.onFrame = opts.onFrame ?? (() => {});
    this.msSeed = sim.rng(`${this.name}.master-slave`).nextU32();
  }

  /** Whether the link is up. */
  get linkUp(): boolean {
    return this.mode !== null;
  }

  /** Frames from the outside waiting (posted to the simulator or queued for the line). */
  get queued(): number {
    return this.waitingFrames;
  }

  /** How many frames from the outside may wait at once (`queueFrames`). */
  get queueLimit(): number {
    return this.queueFrames;
  }

  /** The signal this end emits: auto-negotiation, full and half duplex up to `speed`. */
  linkSignal(): LinkSignal {
    const anar = 0x0001 | (1 << 5) | (1 << 6) | (this.speed >= 100 ? (1 << 7) | (1 << 8) : 0);
    const gtcr = this.speed === 1000 ? 0x0300 : 0;
    return { autoneg: true, anar, gtcr, speed: this.speed, duplex: 'full', msSeed: this.msSeed };
  }

  /** Puts this end's signal on the line (true) or takes it off (false: the outside went away; the link drops). */
  setCarrier(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError('setCarrier: on must be a boolean');
    if (on === this.carrierOn) return;
    this.carrierOn = on;
    if (!on) this.setMode(null);
    this.medium?.signal(on ? this.linkSignal() : null);
    if (on && this.partner !== null) this.negotiate();
  }

  /**
   * Hands over a frame from the outside (destination MAC onwards, no FCS). Callable from any I/O
   * callback: the frame enters the simulation through `sim.post`. Returns false when it was dropped
   * at once (too short or long, or the waiting queue is full; counted).
   */
  fromOutside(frame: Uint8Array): boolean {
    if (!(frame instanceof Uint8Array)) throw new TypeError('fromOutside: frame must be a Uint8Array');
    if (frame.length < 14 || frame.length > this.maxFrameBytes) {
      this.drop('inLengthDrops', 'rx from outside', `length ${frame.length} outside 14..${this.maxFrameBytes} octets`);
      return false;
    }
    if (this.waitingFrames >= this.queueFrames || this.waitingBytes + frame.length > this.queueBytes) {
      this.drop('inQueueDrops', 'rx from outside', `queue full (${this.waitingFrames} frames, ${this.waitingBytes} octets)`);
      return false;
    }
    const copy = frame.slice();
    this.waitingFrames++;
    this.waitingBytes += copy.length;
    this.sim.post(() => this.transmit(copy));
    return true;
  }

  /**
   * Calls `fn` with every frame that crosses (no FCS, no padding added): `in` as it goes onto the
   * medium, `out` as it is handed to `onFrame` (for captures). Returns a remover.
   */
  tap(fn: (dir: 'in' | 'out', frame: Uint8Array) => void): () => void {
    if (typeof fn !== 'function') throw new TypeError('tap: fn must be a function');
    this.taps.push(fn);
    return () => {
      const i = this.taps.indexOf(fn);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  // ------------------------------------------------------------------ Endpoint

  /** @internal */
  plugged(link: MediumLink | null): void {
    this.medium = link;
    this.partner = null;
    this.cancelNegotiation();
    this.setMode(null);
    if (link !== null && this.carrierOn) link.signal(this.linkSignal());
  }

  /** @internal */
  partnerSignal(sig: LinkSignal | null): void {
    this.partner = sig;
    this.cancelNegotiation();
    const wasUp = this.mode !== null;
    this.setMode(null);
    if (sig === null || this.medium === null || !this.carrierOn) return;
    if (wasUp) this.medium.signal(this.linkSignal());
    this.negotiate();
  }

  /** @internal A frame from the medium: checked, stripped of preamble and FCS, passed to `onFrame`. */
  receive(frame: WireFrame): void {
    const mode = this.mode;
    if (mode === null || BIT_TIME_NS[mode.speed] !== frame.bitTimeNs) {
      this.drop('outNoLinkDrops', 'rx frame', 'no link (or a speed mismatch)', frame.id);
      return;
    }
    let line = frame.bytes;
    if (frame.symbols !== undefined && isLineStream(frame.symbols)) {
      this.partnerCoded = true;
      const r = this.rxCodec(frame.symbols.kind).decodeFrame(frame.symbols);
      if (r.errors.length > 0) {
        this.drop('outErrors', 'rx frame', `line code error (${r.errors[0].kind})`, frame.id);
        return;
      }
      line = r.bytes;
    }
    const start = findFrameStart(line);
    const len = start < 0 ? 0 : line.length - start;
    const why = start < 0 ? 'no start frame delimiter' : len < MIN_FRAME ? `runt (${len} octets)` : len > this.maxFrameBytes + FCS_LEN ? `oversize (${len} octets)` : !fcsValid(line, start, line.length) ? 'FCS error' : null;
    if (why !== null) {
      this.drop('outErrors', 'rx frame', why, frame.id);
      return;
    }
    const out = line.slice(start, line.length - FCS_LEN);
    this.stats.outFrames++;
    this.stats.outBytes += out.length;
    if (this.sim.trace.active) this.sim.trace.emit('remote.frame', this.name, { dir: 'out', frameId: frame.id, bytes: out.length });
    for (const t of this.taps) t('out', out);
    this.onFrame(out);
  }

  // ------------------------------------------------------------------ internals

  private transmit(frame: Uint8Array): void {
    const mode = this.mode;
    const medium = this.medium;
    if (mode === null || medium === null) {
      this.release(frame.length);
      this.drop('inNoLinkDrops', 'rx from outside', 'no link');
      return;
    }
    const body = Math.max(MIN_FRAME_NO_FCS, frame.length);
    const bytes = new Uint8Array(PREAMBLE_SFD_LEN + body + FCS_LEN);
    bytes.fill(PREAMBLE_OCTET, 0, PREAMBLE_SFD_LEN - 1);
    bytes[PREAMBLE_SFD_LEN - 1] = SFD;
    bytes.set(frame, PREAMBLE_SFD_LEN);
    appendFcs(bytes, PREAMBLE_SFD_LEN, PREAMBLE_SFD_LEN + body);
    const bitTimeNs = BIT_TIME_NS[mode.speed];
    const sim = this.sim;
    const txStart = Math.max(sim.now, this.freeAt);
    this.freeAt = txStart + frameDurationNs(bytes.length, bitTimeNs) + IPG_BITS * bitTimeNs;
    const epoch = this.epoch;
    sim.at(txStart, () => {
      this.release(frame.length);
      if (epoch !== this.epoch || this.medium === null) {
        this.drop('inNoLinkDrops', 'rx from outside', 'link went down with the frame queued');
        return;
      }
      const id = sim.nextId('frame');
      const symbols = this.signalFidelity || this.partnerCoded ? this.encoder(mode.speed).encodeFrame(bytes) : undefined;
      this.stats.inFrames++;
      this.stats.inBytes += frame.length;
      if (sim.trace.active) sim.trace.emit('remote.frame', this.name, { dir: 'in', frameId: id, bytes: frame.length });
      for (const t of this.taps) t('in', frame);
      this.medium.send(symbols === undefined ? { id, bytes, bitTimeNs, txStart, sender: this.name } : { id, bytes, bitTimeNs, txStart, sender: this.name, symbols });
    });
  }

  private release(len: number): void {
    this.waitingFrames--;
    this.waitingBytes -= len;
  }

  private negotiate(): void {
    this.negotiation = this.sim.schedule(this.autonegNs, () => {
      this.negotiation = null;
      if (this.partner === null || this.medium === null || !this.carrierOn) return;
      this.setMode(resolveLink(this.linkSignal(), this.partner, this.medium.maxSpeed));
    });
  }

  private cancelNegotiation(): void {
    this.negotiation?.cancel();
    this.negotiation = null;
  }

  private setMode(mode: LinkMode | null): void {
    if (this.mode === null && mode === null) return;
    this.mode = mode;
    this.epoch++;
    this.freeAt = 0;
    this.txCodec = null;
    if (this.sim.trace.active) this.sim.trace.emit('remote.link', this.name, mode ? { up: true, speed: mode.speed } : { up: false });
  }

  private encoder(speed: Speed): LineCodec {
    if (this.txCodec === null) this.txCodec = createLineCodec(PHY_KIND[speed]);
    return this.txCodec;
  }

  private rxCodec(kind: PhyKind): LineCodec {
    let c = this.rxCodecs.get(kind);
    if (c === undefined) {
      c = createLineCodec(kind);
      this.rxCodecs.set(kind, c);
    }
    return c;
  }

  private drop(counter: keyof RemoteEndpointStats, what: string, reason: string, frameId?: number): void {
    this.stats[counter]++;
    if (this.sim.trace.active) this.sim.trace.emit('drop', this.name, frameId === undefined ? { what, reason, counter } : { what, reason, counter, frameId });
  }
}
