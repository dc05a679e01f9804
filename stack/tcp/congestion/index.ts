/**
 * Pluggable congestion control (RFC 5681's window arithmetic). The connection owns loss
 * detection and recovery (fast retransmit, NewReno or SACK recovery, RTO); an algorithm decides
 * only how `cwnd` grows on acknowledgements and what `ssthresh` becomes on a loss. Windows are
 * in bytes; `mss` is the sender's maximum segment size.
 * @module
 */
import type { Nanos } from '../../../sim/time.js';

/** What a congestion-control algorithm keeps and decides. */
export interface CongestionControl {
  /** Algorithm name (`newreno`, `cubic`). */
  readonly name: string;
  /** Congestion window, bytes. */
  cwnd: number;
  /** Slow-start threshold, bytes. */
  ssthresh: number;
  /** New data acknowledged outside loss recovery (`acked` bytes, `flight` bytes before it). */
  onAck(acked: number, flight: number, now: Nanos, srttNs: number): void;
  /** Loss detected by duplicate ACKs or SACK: sets `ssthresh` (the caller then sets `cwnd`). */
  onLoss(flight: number, now: Nanos): void;
  /** The retransmission timer expired: `ssthresh` from the flight size, `cwnd` to the loss window. */
  onTimeout(flight: number, now: Nanos): void;
  /** Sets the segment size (after the handshake or a path-MTU change). */
  setMss(mss: number): void;
}

/**
 * What every algorithm here shares: the windows, RFC 5681's slow start below ssthresh, and the
 * timeout (a loss, then the one-segment loss window). An algorithm adds its own congestion
 * avoidance and its ssthresh on a loss.
 */
export abstract class WindowArithmetic implements CongestionControl {
  /** Algorithm name. */
  abstract readonly name: string;
  /** Congestion window, bytes. */
  cwnd: number;
  /** Slow-start threshold, bytes (initially "arbitrarily high"). */
  ssthresh = 0x7fff_ffff;
  /** The sender's segment size, bytes. */
  protected mss: number;

  /** Starts with `initialCwnd` bytes. */
  constructor(mss: number, initialCwnd: number) {
    this.mss = mss;
    this.cwnd = initialCwnd;
  }

  /** New data acknowledged outside loss recovery. */
  abstract onAck(acked: number, flight: number, now: Nanos, srttNs: number): void;
  /** Loss detected by duplicate ACKs or SACK: sets `ssthresh`. */
  abstract onLoss(flight: number, now: Nanos): void;

  /** Slow start (RFC 5681, RFC 3465's L = 1): below ssthresh, cwnd grows by the bytes acknowledged, at most one MSS; returns whether it applied. */
  protected slowStart(acked: number): boolean {
    if (this.cwnd >= this.ssthresh) return false;
    this.cwnd += Math.min(acked, this.mss);
    return true;
  }

  /** A timeout: as a loss, and the window falls to one segment (the loss window). */
  onTimeout(flight: number, now: Nanos = 0): void {
    this.onLoss(flight, now);
    this.cwnd = this.mss;
  }

  /** New MSS. */
  setMss(mss: number): void {
    this.mss = mss;
  }
}

/** Makes the algorithm of a new connection from its MSS and initial window (bytes). */
export type CongestionFactory = (mss: number, initialCwnd: number) => CongestionControl;

/** RFC 5681 §3.1 initial window: min(4·MSS, max(2·MSS, 4380)) — or IW10 (RFC 6928). */
export function initialWindow(mss: number, iw10: boolean): number {
  return iw10 ? Math.min(10 * mss, Math.max(2 * mss, 14600)) : Math.min(4 * mss, Math.max(2 * mss, 4380));
}
