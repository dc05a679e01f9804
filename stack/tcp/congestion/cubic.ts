/**
 * CUBIC congestion control (RFC 9438): after a loss the window follows
 * W(t) = C·(t − K)³ + W_max (segments, t in seconds since the window was reduced), concave up to
 * the window where the loss happened and convex beyond it; K = ∛(W_max·(1 − β)/C). β = 0.7 and
 * C = 0.4 as the RFC recommends; the Reno-friendly estimate W_est keeps CUBIC at least as fast as
 * Reno on short-RTT paths; fast convergence lowers W_max when losses come earlier than before.
 * Slow start below ssthresh is RFC 5681's. `now` and the smoothed RTT are simulated ns.
 * @module
 */
import type { Nanos } from '../../../sim/time.js';
import { WindowArithmetic } from './index.js';

/** RFC 9438 β (multiplicative decrease). */
export const CUBIC_BETA = 0.7;
/** RFC 9438 C (aggressiveness), segments per second cubed. */
export const CUBIC_C = 0.4;

/** CUBIC congestion control. */
export class Cubic extends WindowArithmetic {
  /** `cubic`. */
  readonly name = 'cubic';
  /** W_max, segments (window before the last reduction). */
  wMax = 0;
  private wLastMax = 0;
  /** When the current congestion-avoidance epoch began (-1: not yet). */
  private epoch = -1;
  /** K, seconds. */
  k = 0;
  private cwndAtEpoch = 0;
  private acc = 0;

  /** Grows the window for `acked` newly acknowledged bytes. */
  onAck(acked: number, _flight: number, now: Nanos, srttNs: number): void {
    if (this.slowStart(acked)) return;
    const mss = this.mss;
    const seg = this.cwnd / mss;
    if (this.epoch < 0) {
      this.epoch = now;
      this.cwndAtEpoch = seg;
      if (this.wMax <= seg) {
        this.wMax = seg;
        this.k = 0;
      } else this.k = Math.cbrt(((this.wMax - seg) / CUBIC_C));
    }
    const rtt = Math.max(srttNs, 1) / 1e9;
    const t = (now - this.epoch) / 1e9;
    const target = CUBIC_C * (t + rtt - this.k) ** 3 + this.wMax;
    // Reno-friendly region (RFC 9438 §4.3): α = 3(1 − β)/(1 + β) segments per RTT
    const alpha = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);
    const est = this.cwndAtEpoch + alpha * (t / rtt);
    const ackedSeg = acked / mss;
    if (target < est) this.cwnd = Math.max(this.cwnd, Math.floor(est * mss));
    else if (target > seg) {
      this.acc += ((target - seg) / seg) * ackedSeg * mss;
      if (this.acc >= 1) {
        const add = Math.floor(this.acc);
        this.cwnd += Math.min(add, mss * ackedSeg * 0.5 + mss);
        this.acc -= add;
      }
    }
  }

  /** Multiplicative decrease: W_max (with fast convergence), ssthresh = β·cwnd. */
  onLoss(_flight: number): void {
    const seg = this.cwnd / this.mss;
    if (seg < this.wLastMax) this.wMax = (seg * (1 + CUBIC_BETA)) / 2;
    else this.wMax = seg;
    this.wLastMax = seg;
    this.ssthresh = Math.max(Math.floor(this.cwnd * CUBIC_BETA), 2 * this.mss);
    this.k = Math.cbrt((this.wMax * (1 - CUBIC_BETA)) / CUBIC_C);
    this.epoch = -1;
    this.acc = 0;
  }
}
