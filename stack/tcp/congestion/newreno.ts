/**
 * Reno/NewReno window arithmetic (RFC 5681): slow start (cwnd grows by the bytes acknowledged, at
 * most one MSS per ACK — RFC 3465's L = 1), congestion avoidance (about one MSS per RTT, counted
 * in bytes), ssthresh = max(FlightSize / 2, 2·MSS) on a loss, cwnd = 1 MSS (the loss window) on
 * a timeout. The NewReno recovery itself (RFC 6582) is the connection's.
 * @module
 */
import type { CongestionControl } from './index.js';

/** NewReno congestion control. */
export class NewReno implements CongestionControl {
  /** `newreno`. */
  readonly name = 'newreno';
  /** Congestion window, bytes. */
  cwnd: number;
  /** Slow-start threshold, bytes (initially "arbitrarily high"). */
  ssthresh = 0x7fff_ffff;
  private mss: number;
  private acc = 0;

  /** Starts with `initialCwnd` bytes. */
  constructor(mss: number, initialCwnd: number) {
    this.mss = mss;
    this.cwnd = initialCwnd;
  }

  /** Grows the window for `acked` newly acknowledged bytes. */
  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, this.mss);
      return;
    }
    this.acc += acked;
    if (this.acc >= this.cwnd) {
      this.acc -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  /** ssthresh = max(flight / 2, 2·MSS). */
  onLoss(flight: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.acc = 0;
  }

  /** ssthresh from the flight, cwnd = 1 MSS. */
  onTimeout(flight: number): void {
    this.onLoss(flight);
    this.cwnd = this.mss;
  }

  /** New MSS. */
  setMss(mss: number): void {
    this.mss = mss;
  }
}
