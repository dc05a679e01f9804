/**
 * A repeater hub: one shared half-duplex collision domain. Each attached station has its own
 * cable (length → propagation delay). The repeater retimes every bit it receives on one port out
 * of all the others after a fixed repeater delay; when two inputs overlap it is a collision, and
 * every port — the senders included — then hears activity, which is how the senders detect the
 * collision and start their jam. Frames that overlapped another input reach the other stations
 * garbled (as fragments or with a bad FCS); stations see carrier exactly while the repeater's
 * output towards them is active.
 *
 * Hub ports do not auto-negotiate: they present a fixed half-duplex signal at the hub's speed, so
 * an auto-negotiating adapter settles on it by parallel detection (and an adapter forced to full
 * duplex becomes a duplex mismatch, as on real hardware). Frame fidelity only.
 * @module
 */
import type { Simulator } from '../../sim/simulator.js';
import type { EventHandle } from '../../sim/queue.js';
import type { Nanos } from '../../sim/time.js';
import './cable.js'; // declares the wire.rx trace event
import { BIT_TIME_NS, frameDurationNs, truncateAt, type Endpoint, type LinkSignal, type MediumLink, type Speed, type WireFrame } from './types.js';

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** Two or more inputs overlapped at the repeater. */
    'hub.collision': { ports: number[] };
  }
}

/** Hub options. */
export interface HubOptions {
  /** Trace name (default `hubN`). */
  name?: string;
  /** Repeater speed: 10 (10BASE-T) or 100 (100BASE-TX class II) Mb/s (default 10). */
  speed?: 10 | 100;
  /** Delay from a bit entering one port to leaving the others, in bit times (default 8). */
  repeaterDelayBits?: number;
  /** Propagation per metre of the station cables (default 5 ns/m). */
  nsPerMeter?: number;
}

/** Hub-wide counters. */
export interface HubStats {
  /** Collision events (a new input overlapping active ones). */
  collisions: number;
  /** Inputs repeated intact. */
  framesRepeated: number;
  /** Inputs repeated garbled (they overlapped another input) or truncated by a jam. */
  fragmentsRepeated: number;
}

interface Input {
  frame: WireFrame;
  startAtHub: Nanos;
  endAtHub: Nanos;
  endEvent: EventHandle | null;
  collidedAt: Nanos | null;
  aborted: boolean;
}

class HubPort implements MediumLink {
  input: Input | null = null;
  pendingStart: EventHandle | null = null;
  pendingFrameId = -1;
  pendingAbortEnd: Nanos | null = null;
  outOn = false;
  attached = true;
  /** The carrier as the station senses it (the repeater's output after the delay to it). */
  readonly carrierView = { on: false, offAt: -1 };

  constructor(
    private readonly hub: Hub,
    readonly index: number,
    readonly endpoint: Endpoint,
    readonly propagationNs: Nanos,
  ) {}

  get maxSpeed(): Speed {
    return this.hub.speed;
  }

  send(frame: WireFrame): void {
    this.hub.inputFrom(this, frame);
  }

  signal(_sig: LinkSignal | null): void {
    // A repeater does not negotiate: the station's advertisement is not answered.
  }

  abort(frameId: number, endNs: Nanos): void {
    this.hub.abortFrom(this, frameId, endNs);
  }
}

/** A repeater hub. */
export class Hub {
  /** Trace name. */
  readonly name: string;
  /** Speed in Mb/s. */
  readonly speed: 10 | 100;
  /** Repeater delay in ns. */
  readonly repeaterDelayNs: Nanos;
  /** Counters. */
  readonly stats: HubStats = { collisions: 0, framesRepeated: 0, fragmentsRepeated: 0 };
  private readonly ports: HubPort[] = [];
  /** The ports by the delay from the repeater's output to the station (repeater delay + cable), in attach order. */
  private readonly byDelay: { delayNs: Nanos; ports: HubPort[] }[] = [];
  private readonly active = new Set<HubPort>();
  private readonly nsPerMeter: number;

  constructor(
    private readonly sim: Simulator,
    opts: HubOptions = {},
  ) {
    this.name = opts.name ?? sim.uniqueName('hub');
    this.speed = opts.speed ?? 10;
    if (this.speed !== 10 && this.speed !== 100) throw new RangeError(`a hub runs at 10 or 100 Mb/s, not ${String(this.speed)}`);
    this.repeaterDelayNs = (opts.repeaterDelayBits ?? 8) * BIT_TIME_NS[this.speed];
    this.nsPerMeter = opts.nsPerMeter ?? 5;
  }

  /** The signal every hub port presents: no auto-negotiation, fixed speed, half duplex. */
  get portSignal(): LinkSignal {
    return { autoneg: false, anar: 0, gtcr: 0, speed: this.speed, duplex: 'half', msSeed: 0 };
  }

  /** Attaches a station through a cable of `lengthM` metres (default 1); returns the port number. */
  attach(ep: Endpoint, opts: { lengthM?: number } = {}): number {
    const len = opts.lengthM ?? 1;
    if (!(len >= 0)) throw new RangeError(`cable length must be ≥ 0 m, got ${len}`);
    const port = new HubPort(this, this.ports.length, ep, Math.round(len * this.nsPerMeter));
    this.ports.push(port);
    const delayNs = this.repeaterDelayNs + port.propagationNs;
    let group = this.byDelay.find((g) => g.delayNs === delayNs);
    if (group === undefined) this.byDelay.push((group = { delayNs, ports: [] }));
    group.ports.push(port);
    ep.plugged(port);
    const sig = this.portSignal;
    this.sim.schedule(0, () => port.attached && ep.partnerSignal(sig));
    return port.index;
  }

  /** Unplugs the station on `port`: its input stops and it loses the link. */
  detach(port: number): void {
    const p = this.ports[port];
    if (!p || !p.attached) return;
    p.attached = false;
    p.pendingStart?.cancel();
    if (p.input) {
      p.input.endEvent?.cancel();
      this.active.delete(p);
      p.input = null;
      this.updateOutputs();
    }
    p.endpoint.plugged(null);
  }

  /** Number of attached ports. */
  get portCount(): number {
    return this.ports.length;
  }

  /** @internal A station started a frame. */
  inputFrom(p: HubPort, frame: WireFrame): void {
    if (!p.attached) return;
    const startAtHub = Math.max(frame.txStart + p.propagationNs, this.sim.now);
    p.pendingFrameId = frame.id;
    p.pendingAbortEnd = null;
    p.pendingStart = this.sim.at(startAtHub, () => {
      p.pendingStart = null;
      this.inputStart(p, frame, startAtHub);
    });
  }

  /** @internal A station cut its frame short (jam included, last bit at `endNs`). */
  abortFrom(p: HubPort, frameId: number, endNs: Nanos): void {
    const inp = p.input;
    if (inp === null || inp.frame.id !== frameId) {
      // its first bit has not reached the repeater yet: shorten it before it starts
      if (p.pendingStart !== null && p.pendingFrameId === frameId) p.pendingAbortEnd = endNs + p.propagationNs;
      return;
    }
    const endAtHub = Math.max(endNs + p.propagationNs, this.sim.now);
    if (endAtHub >= inp.endAtHub) return;
    inp.endEvent?.cancel();
    inp.endAtHub = endAtHub;
    inp.aborted = true;
    inp.endEvent = this.sim.at(endAtHub, () => this.inputEnd(p));
  }

  private inputStart(p: HubPort, frame: WireFrame, startAtHub: Nanos): void {
    const fullEnd = startAtHub + frameDurationNs(frame.bytes.length, frame.bitTimeNs);
    const cut = p.pendingAbortEnd !== null && p.pendingAbortEnd < fullEnd;
    const endAtHub = cut ? Math.max(p.pendingAbortEnd!, startAtHub) : fullEnd;
    p.pendingAbortEnd = null;
    const inp: Input = { frame, startAtHub, endAtHub, endEvent: null, collidedAt: null, aborted: cut };
    p.input = inp;
    this.active.add(p);
    inp.endEvent = this.sim.at(endAtHub, () => this.inputEnd(p));
    if (this.active.size >= 2) {
      this.stats.collisions++;
      for (const q of this.active) if (q.input!.collidedAt === null) q.input!.collidedAt = this.sim.now;
      if (this.sim.trace.active) this.sim.trace.emit('hub.collision', this.name, { ports: [...this.active].map((q) => q.index) });
    }
    this.updateOutputs();
  }

  private inputEnd(p: HubPort): void {
    const inp = p.input;
    if (inp === null) return;
    p.input = null;
    this.active.delete(p);
    let out: WireFrame = inp.aborted ? truncateAt({ ...inp.frame, txStart: inp.startAtHub }, inp.endAtHub) : inp.frame;
    if (inp.collidedAt !== null) {
      out = garble(out, Math.floor((inp.collidedAt - inp.startAtHub) / inp.frame.bitTimeNs / 8));
      this.stats.fragmentsRepeated++;
    } else if (inp.aborted) this.stats.fragmentsRepeated++;
    else this.stats.framesRepeated++;
    const repeated: WireFrame = { ...out, txStart: inp.startAtHub + this.repeaterDelayNs };
    // one event per distinct delay delivers the frame to every other station at that distance
    for (const g of this.byDelay) {
      this.sim.at(this.sim.now + g.delayNs, () => {
        const trace = this.sim.trace;
        for (const q of g.ports) {
          if (q === p || !q.attached) continue;
          if (trace.active) trace.emit('wire.rx', this.name, { frame: repeated, to: q.endpoint.name, start: repeated.txStart + q.propagationNs });
          q.endpoint.receive(repeated);
        }
      });
    }
    this.updateOutputs();
  }

  /**
   * Output towards q is active while another port's input is, or while inputs collide. A change
   * reaches the stations at each distance in one event (not one per station); every port's
   * carrier view follows it, and a station is called only while it listens (it has a frame and
   * is deferring or transmitting): the cost is per carrier change and listening station.
   */
  private updateOutputs(): void {
    const n = this.active.size;
    for (const g of this.byDelay) {
      let changed: number[] | null = null; // port index, or its complement when the output went off
      for (const q of g.ports) {
        if (!q.attached) continue;
        const desired = n >= 2 || (n === 1 && q.input === null);
        if (desired === q.outOn) continue;
        q.outOn = desired;
        (changed ??= []).push(desired ? q.index : ~q.index);
      }
      if (changed === null) continue;
      const list = changed;
      this.sim.at(this.sim.now + g.delayNs, () => {
        for (const c of list) {
          const q = this.ports[c >= 0 ? c : ~c];
          const on = c >= 0;
          q.carrierView.on = on;
          if (!on) q.carrierView.offAt = this.sim.now;
          const ep = q.endpoint;
          if (ep.listening !== false && q.attached && ep.wantsCarrier && ep.carrier) ep.carrier(on);
        }
      });
    }
  }
}

/** A copy of `f` whose bytes from `fromByte` on are corrupted (what overlapping signals leave). */
function garble(f: WireFrame, fromByte: number): WireFrame {
  const b = f.bytes.slice();
  for (let i = Math.max(0, fromByte); i < b.length; i++) b[i] ^= 0xa5;
  return { ...f, bytes: b, symbols: undefined };
}
