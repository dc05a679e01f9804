/**
 * The contract between devices (adapter PHYs, hub and switch ports) and the media that join them.
 * A medium hands each attached endpoint a {@link MediumLink} to send frames and link signals;
 * the endpoint implements {@link Endpoint} to hear them.
 * @module
 */
import type { Nanos } from '../../sim/time.js';

/** Link speed in Mb/s. */
export type Speed = 10 | 100 | 1000;
/** Duplex mode. */
export type Duplex = 'full' | 'half';

/** Nanoseconds per bit at each speed. */
export const BIT_TIME_NS: Readonly<Record<Speed, number>> = { 10: 100, 100: 10, 1000: 1 };

/**
 * What a PHY puts on the wire when it has no frame to send: energy plus, when auto-negotiating,
 * its abilities (the FLP bursts' base page and 1000BASE-T page), or a fixed forced mode.
 */
export interface LinkSignal {
  /** True when the sender auto-negotiates. */
  autoneg: boolean;
  /** The sender's ANAR (clause-22 register 4) as advertised. */
  anar: number;
  /** The sender's 1000BASE-T control register (register 9) as advertised. */
  gtcr: number;
  /** The forced speed when not auto-negotiating (the speed a parallel detector sees). */
  speed: Speed;
  /** The forced duplex when not auto-negotiating. */
  duplex: Duplex;
  /** A random seed for 1000BASE-T master/slave resolution (the higher seed becomes master). */
  msSeed: number;
}

/** A frame in flight on a medium, as serialized by the sending MAC. */
export interface WireFrame {
  /** A simulation-wide frame number (for tracing). */
  readonly id: number;
  /** Preamble, SFD, frame and FCS, exactly as the MAC serialized them (faults may alter a copy). */
  readonly bytes: Uint8Array;
  /** Nanoseconds per bit on the sending link. */
  readonly bitTimeNs: number;
  /** When the first bit left the sender, ns. */
  readonly txStart: Nanos;
  /** Name of the sending endpoint. */
  readonly sender: string;
  /** Line symbols in signal fidelity (set by the sending PHY), otherwise undefined. */
  readonly symbols?: unknown;
  /**
   * Set by a sending adapter whose `bytes` (and, in signal fidelity, 8b/10b code groups: `symbols`)
   * came from its simulator's frame pool (`sim.slab.frame`, `frameU16`) and which reads them no
   * more once it has handed the frame to its medium; `pooledAt` is the trace
   * bus's `subscriptions` count then (the bus was inactive). The bytes go back to the pool only
   * when all of this holds, so nobody can still hold them:
   * - a {@link Cable} delivered the frame straight from the end this endpoint is attached to, to its
   *   one other end, keeping no reference (it says so through {@link soleDelivery} during `receive`);
   * - the receiving adapter is done with them (copied into host memory, or dropped) and holds no
   *   reference (the frame did not stay in its receive FIFO);
   * - no trace listener was attached since the frame was made (the same `subscriptions` count, the
   *   bus inactive), so no trace sink, capture or view saw the frame.
   * Any other medium (hub, switch, a tunnel, middleware not marked `handsOnOnce`) and any other
   * receiver ignore the field. (When such middleware drops the frame, or hands on a copy with
   * bytes of its own, the cable gives the bytes back itself, under the same trace condition.)
   */
  readonly pooledBy?: Endpoint | null;
  /** The trace bus's `subscriptions` count when the frame was made (see {@link WireFrame.pooledBy}). */
  readonly pooledAt?: number;
}

/** Whether no trace listener can have seen `frame` since it was made: the bus inactive, and no subscription since (see {@link WireFrame.pooledBy}). */
export function unseenSinceMade(frame: WireFrame, trace: { readonly active: boolean; readonly subscriptions: number }): boolean {
  return !trace.active && trace.subscriptions === frame.pooledAt;
}

/**
 * @internal The frame a {@link Cable} is delivering to exactly one endpoint, straight from the
 * endpoint that made it, while that endpoint's `receive` runs (null otherwise): see
 * {@link WireFrame.pooledBy}.
 */
export const soleDelivery: { frame: WireFrame | null } = { frame: null };

/** Duration of a frame on the line in ns: every octet (preamble to FCS) at the bit time. */
export function frameDurationNs(bytes: number, bitTimeNs: number): Nanos {
  return bytes * 8 * bitTimeNs;
}

/** The medium side of an attachment, handed to the endpoint. */
export interface MediumLink {
  /** Starts a frame on the medium at `frame.txStart` (≥ now); `abortable` when the sender may cut it short (half duplex). */
  send(frame: WireFrame, abortable?: boolean): void;
  /** Sets (or clears, with null) the link signal this endpoint emits; any call restarts the partner's negotiation. */
  signal(sig: LinkSignal | null): void;
  /**
   * Cuts short the frame this endpoint is sending (half duplex, on a collision): its last bit,
   * jam included, leaves at `endNs`. The far end receives only the bits that were sent.
   */
  abort(frameId: number, endNs: Nanos): void;
  /** The fastest speed the medium carries. */
  readonly maxSpeed: Speed;
  /** One-way propagation delay to the other end(s), ns. */
  readonly propagationNs: Nanos;
  /**
   * The carrier as this endpoint senses it now, kept by media that skip carrier calls to endpoints
   * that are not {@link Endpoint.listening} (a hub): `on`, and when it last went off here (ns, −1:
   * never). Absent on media that always call {@link Endpoint.carrier}.
   */
  readonly carrierView?: { readonly on: boolean; readonly offAt: Nanos };
}

/** What a medium calls on an attached device. */
export interface Endpoint {
  /** The endpoint's name (for traces). */
  readonly name: string;
  /** The endpoint was plugged into a medium (a link to it) or unplugged (null). */
  plugged(link: MediumLink | null): void;
  /** The link partner's signal started, changed or restarted (null: no energy). */
  partnerSignal(sig: LinkSignal | null): void;
  /** A frame arrived completely at this end. */
  receive(frame: WireFrame): void;
  /** Someone else's carrier began (true) or ended (false) at this end; media call it only while `wantsCarrier` is true. */
  carrier?(on: boolean): void;
  /** True while the endpoint needs carrier events (a half-duplex MAC doing CSMA/CD). */
  readonly wantsCarrier?: boolean;
  /**
   * False while the endpoint would ignore a carrier change (no frame to send, jamming, backing
   * off): a medium that keeps a {@link MediumLink.carrierView} may then skip the call, so carrier
   * sense costs per listening station, not per attached one. Absent: always listening.
   */
  readonly listening?: boolean;
}

/** The bytes of `frame` that left the sender before `endNs` (jam included): a truncated copy when cut short. */
export function truncateAt(frame: WireFrame, endNs: Nanos): WireFrame {
  const bits = Math.max(0, Math.floor((endNs - frame.txStart) / frame.bitTimeNs));
  const n = Math.min(frame.bytes.length, Math.floor(bits / 8));
  if (n >= frame.bytes.length) return frame;
  // The first bits are the frame's; the last 32 are the jam pattern (alternating bits, 0x55).
  const out = frame.bytes.slice(0, n);
  for (let i = Math.max(0, n - 4); i < n; i++) out[i] = 0x55;
  return { ...frame, bytes: out, symbols: undefined };
}
