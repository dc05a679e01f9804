/**
 * A twisted-pair cable joining two endpoints: full duplex (each direction its own pair), a length
 * that sets the propagation delay (default 5 ns/m), and a category that caps the speed the PHYs
 * may negotiate. Each direction has a middleware chain (fault injectors, taps) that frames pass
 * before delivery. Pulling the cable loses the frames in flight and drops both links.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { Nanos } from '../../sim/time.js';
import type { EventHandle } from '../../sim/queue.js';
import type { ReusableEvent } from '../../sim/simulator.js';
import { frameDurationNs, soleDelivery, truncateAt, unseenSinceMade, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from './types.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A frame finished arriving at the far end of a medium (as delivered, after middleware). */
    'wire.rx': { frame: WireFrame; to: string; start: Nanos };
    /** A cable was plugged or pulled. */
    'cable.plug': { plugged: boolean };
  }
}

/** A step in a direction's delivery chain: call `next` (now or later, once or more) to pass a frame on, or not at all to drop it. */
export type FrameMiddleware = ((frame: WireFrame, next: (frame: WireFrame) => void) => void) & {
  /**
   * The middleware hands each frame to `next` at most once, before it returns or never, and keeps
   * no reference to it (a frame it changes goes on as a copy, not pooled): a frame that passes a
   * chain of such middleware may still go back to its sender's pool (see
   * {@link WireFrame.pooledBy}), and when the chain drops it or hands on a copy with bytes of its
   * own, the sender's buffer goes back as the chain returns. Absent: it might keep, delay or
   * repeat frames, and frames through it are never pooled.
   */
  readonly handsOnOnce?: boolean;
};

/** Cable categories and the fastest Ethernet each carries. */
export const CABLE_MAX_SPEED: Readonly<Record<CableCategory, Speed>> = { cat3: 10, cat5: 100, cat5e: 1000, cat6: 1000 };

/** Cable category. */
export type CableCategory = 'cat3' | 'cat5' | 'cat5e' | 'cat6';

/** Cable options. */
export interface CableOptions {
  /** Trace name (default `cableN`). */
  name?: string;
  /** Length in metres (default 1). */
  lengthM?: number;
  /** Propagation delay per metre (default 5 ns/m, about 0.67 c). */
  nsPerMeter?: number;
  /** Category (default `cat5e`). */
  category?: CableCategory;
}

class CableEnd implements MediumLink {
  peer!: CableEnd;
  endpoint: Endpoint | null = null;
  readonly middleware: FrameMiddleware[] = [];
  /** Counts changes of `middleware` (a frame sent before a change is never pooled). */
  middlewareVersion = 0;
  signalState: LinkSignal | null = null;
  /** A frame on its way to the far end through {@link arrival} (the reusable delivery), with the cable epoch it left in. */
  arriving: WireFrame | null = null;
  arrivingEpoch = 0;
  arrivingTo: Endpoint | null = null;
  /** The reusable event that delivers {@link arriving} (set by the cable). */
  arrival: ReusableEvent | null = null;
  /** The frame this end is sending (for abort), with its pending far-end events. */
  inFlight: { frame: WireFrame; delivery: EventHandle | null; carrierOff: EventHandle | null; epoch: number } | null = null;

  constructor(
    private readonly cable: Cable,
    readonly index: 0 | 1,
  ) {}

  get maxSpeed(): Speed {
    return this.cable.maxSpeed;
  }

  get propagationNs(): Nanos {
    return this.cable.propagationNs;
  }

  send(frame: WireFrame, abortable = false): void {
    this.cable.carry(this, frame, abortable);
  }

  signal(sig: LinkSignal | null): void {
    this.signalState = sig;
    this.cable.signalTo(this.peer, sig);
  }

  abort(frameId: number, endNs: Nanos): void {
    this.cable.abort(this, frameId, endNs);
  }

  /** The run of {@link arrival}: this end's frame reaches the far end. */
  arrived(): void {
    this.cable.arrive(this);
  }
}

/** A full-duplex point-to-point cable. */
export class Cable {
  /** Trace name. */
  readonly name: string;
  /** Length in metres. */
  readonly lengthM: number;
  /** One-way propagation delay, ns. */
  readonly propagationNs: Nanos;
  /** The fastest speed this cable carries. */
  readonly maxSpeed: Speed;
  private readonly ends: [CableEnd, CableEnd];
  private plugged = false;
  private epoch = 0;
  /** Frames carried in each direction (0: a→b, 1: b→a). */
  readonly framesCarried: [number, number] = [0, 0];

  constructor(
    private readonly sim: Simulator,
    opts: CableOptions = {},
  ) {
    this.name = opts.name ?? sim.uniqueName('cable');
    this.lengthM = opts.lengthM ?? 1;
    if (!(this.lengthM >= 0)) throw new RangeError(`cable length must be ≥ 0 m, got ${this.lengthM}`);
    this.propagationNs = Math.round(this.lengthM * (opts.nsPerMeter ?? 5));
    this.maxSpeed = CABLE_MAX_SPEED[opts.category ?? 'cat5e'];
    const a = new CableEnd(this, 0);
    const b = new CableEnd(this, 1);
    a.peer = b;
    b.peer = a;
    this.ends = [a, b];
    a.arrival = sim.reusableEvent(CableEnd.prototype.arrived, a);
    b.arrival = sim.reusableEvent(CableEnd.prototype.arrived, b);
  }

  /** The reusable delivery of `from`'s frame to the far end (see {@link carry}; run through {@link CableEnd.arrived}). */
  arrive(from: CableEnd): void {
    const f = from.arriving!;
    from.arriving = null;
    const ep = from.arrivingTo!;
    from.arrivingTo = null;
    if (from.arrivingEpoch !== this.epoch) return;
    if (this.sim.trace.active) this.sim.trace.emit('wire.rx', this.name, { frame: f, to: ep.name, start: f.txStart + this.propagationNs });
    // straight from the endpoint that made it, to this one endpoint, and the cable keeps no reference
    if (f.pooledBy != null && f.pooledBy === from.endpoint) receiveSole(ep, f);
    else ep.receive(f);
  }

  /** Attaches two endpoints and plugs the cable in. */
  connect(a: Endpoint, b: Endpoint): this {
    if (this.ends[0].endpoint || this.ends[1].endpoint) throw new Error(`${this.name} is already connected`);
    this.ends[0].endpoint = a;
    this.ends[1].endpoint = b;
    this.plug();
    return this;
  }

  /** Plugs the cable back in: both endpoints see a medium again and start link setup. */
  plug(): void {
    if (this.plugged) return;
    const [a, b] = this.ends;
    if (!a.endpoint || !b.endpoint) throw new Error(`${this.name}: connect two endpoints first`);
    this.plugged = true;
    if (this.sim.trace.active) this.sim.trace.emit('cable.plug', this.name, { plugged: true });
    a.endpoint.plugged(a);
    b.endpoint.plugged(b);
  }

  /** Pulls the cable: frames in flight are lost and both endpoints lose the link. */
  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    this.epoch++;
    if (this.sim.trace.active) this.sim.trace.emit('cable.plug', this.name, { plugged: false });
    for (const e of this.ends) {
      e.signalState = null;
      e.endpoint?.plugged(null);
    }
  }

  /** Whether the cable is plugged in. */
  get isPlugged(): boolean {
    return this.plugged;
  }

  /** Adds middleware to the direction leaving end `from` (0: a→b, 1: b→a); returns a remover. */
  use(from: 0 | 1, mw: FrameMiddleware): () => void {
    const end = this.ends[from];
    const chain = end.middleware;
    chain.push(mw);
    end.middlewareVersion++;
    return () => {
      const i = chain.indexOf(mw);
      if (i >= 0) {
        chain.splice(i, 1);
        end.middlewareVersion++;
      }
    };
  }

  /** @internal Delivers a link signal to `to` (at the current instant, after the sender's transition). */
  signalTo(to: CableEnd, sig: LinkSignal | null): void {
    if (!this.plugged) return;
    const epoch = this.epoch;
    this.sim.schedule(0, () => {
      if (epoch === this.epoch) to.endpoint?.partnerSignal(sig);
    });
  }

  /** @internal Carries a frame from `from` to its peer. */
  carry(from: CableEnd, frame: WireFrame, abortable: boolean): void {
    if (!this.plugged) return;
    this.framesCarried[from.index]++;
    const to = from.peer;
    const chain = from.middleware;
    const epoch = this.epoch;
    if (chain.length === 0 && !abortable && from.arriving === null) {
      // the usual case (full duplex, no middleware, nothing else on its way): the end's reusable
      // delivery, scheduled exactly where the general path below would schedule its own
      const ep = to.endpoint;
      if (!ep) return;
      const end = frame.txStart + frameDurationNs(frame.bytes.length, frame.bitTimeNs) + this.propagationNs;
      const now = this.sim.now;
      if (!(ep.wantsCarrier && ep.carrier)) {
        from.arriving = frame;
        from.arrivingEpoch = epoch;
        from.arrivingTo = ep;
        from.arrival!.schedule(Math.max(end, now) - now);
        return;
      }
    }
    // Whether every middleware hands frames on once and keeps none is decided now; if the chain
    // changes while the frame is on its way (a remover called, middleware added), it is not pooled.
    const poolable = chain.every(handsOnOnce);
    const version = from.middlewareVersion;
    // the sender's pooled buffer, through a chain still as it was when the frame was sent
    const fromSenderPool = (f: WireFrame): boolean => poolable && version === from.middlewareVersion && f.pooledBy != null && f.pooledBy === from.endpoint;
    let handedOn = false; // the frame itself (or a copy sharing its bytes) left the chain
    const deliver = (f: WireFrame) => {
      if (f.bytes === frame.bytes) handedOn = true;
      const ep = to.endpoint;
      if (!ep) return;
      const end = f.txStart + frameDurationNs(f.bytes.length, f.bitTimeNs) + this.propagationNs;
      const at = Math.max(end, this.sim.now);
      const delivery = this.sim.at(at, () => {
        if (epoch !== this.epoch) return;
        if (abortable && from.inFlight?.delivery === delivery) from.inFlight = null;
        if (this.sim.trace.active) this.sim.trace.emit('wire.rx', this.name, { frame: f, to: ep.name, start: f.txStart + this.propagationNs });
        // from the endpoint that made it, through middleware that keeps nothing, to this one endpoint
        if (fromSenderPool(f)) receiveSole(ep, f);
        else ep.receive(f);
      });
      let carrierOff: EventHandle | null = null;
      if (ep.wantsCarrier && ep.carrier) {
        const c = ep.carrier.bind(ep);
        this.sim.at(Math.max(f.txStart + this.propagationNs, this.sim.now), () => epoch === this.epoch && c(true));
        carrierOff = this.sim.at(at, () => epoch === this.epoch && c(false));
      }
      if (abortable && f.id === frame.id) from.inFlight = { frame: f, delivery, carrierOff, epoch };
    };
    if (chain.length === 0) {
      deliver(frame);
      return;
    }
    const run = (k: number, f: WireFrame): void => (k < chain.length ? chain[k](f, (g) => run(k + 1, g)) : deliver(f));
    run(0, frame);
    // Middleware that hands frames on once and keeps none is done with the frame when the chain
    // returns: if it dropped the frame or handed on a damaged copy with bytes of its own, nobody
    // holds the sender's buffer any more, and it goes back to the pool (untraced, as at delivery).
    const trace = this.sim.trace;
    if (!handedOn && fromSenderPool(frame) && unseenSinceMade(frame, trace)) this.sim.slab.recycle(frame.bytes);
  }

  /** @internal Cuts short the frame `from` is sending: the far end gets only the bits sent before `endNs`. */
  abort(from: CableEnd, frameId: number, endNs: Nanos): void {
    const fl = from.inFlight;
    if (fl === null || fl.frame.id !== frameId || fl.epoch !== this.epoch || fl.delivery === null || fl.delivery.done) return;
    fl.delivery.cancel();
    fl.carrierOff?.cancel();
    from.inFlight = null;
    const to = from.peer;
    const ep = to.endpoint;
    if (!ep) return;
    const cut = truncateAt(fl.frame, endNs);
    const at = Math.max(endNs + this.propagationNs, this.sim.now);
    const epoch = this.epoch;
    this.sim.at(at, () => {
      if (epoch !== this.epoch) return;
      if (this.sim.trace.active) this.sim.trace.emit('wire.rx', this.name, { frame: cut, to: ep.name, start: cut.txStart + this.propagationNs });
      ep.receive(cut);
    });
    if (ep.wantsCarrier && ep.carrier) {
      const c = ep.carrier.bind(ep);
      this.sim.at(at, () => epoch === this.epoch && c(false));
    }
  }
}

function handsOnOnce(mw: FrameMiddleware): boolean {
  return mw.handsOnOnce === true;
}

/** `ep.receive(f)`, telling the endpoint (through {@link soleDelivery}) that it holds the frame's last reference. */
function receiveSole(ep: Endpoint, f: WireFrame): void {
  soleDelivery.frame = f;
  try {
    ep.receive(f);
  } finally {
    soleDelivery.frame = null;
  }
}
