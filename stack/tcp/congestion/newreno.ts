/**
 * Reno/NewReno window arithmetic (RFC 5681): slow start (cwnd grows by the bytes acknowledged, at
 * most one MSS per ACK — RFC 3465's L = 1), congestion avoidance (about one MSS per RTT, counted
 * in bytes), ssthresh = max(FlightSize / 2, 2·MSS) on a loss, cwnd = 1 MSS (the loss window) on
 * a timeout. The NewReno recovery itself (RFC 6582) is the connection's.
 * @module
 */
import { WindowArithmetic } from './index.js';

/** NewReno congestion control. */
export class NewReno extends WindowArithmetic {
  /** `newreno`. */
  readonly name = 'newreno';
  private acc = 0;

  /** Grows the window for `acked` newly acknowledged bytes. */
  onAck(acked: number): void {
    if (this.slowStart(acked)) return;
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
}
