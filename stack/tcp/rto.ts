/**
 * The retransmission timeout (RFC 6298): SRTT and RTTVAR from round-trip samples, RTO =
 * SRTT + max(G, 4·RTTVAR) clamped to [min, max], 1 s before the first sample, doubled on every
 * expiry (exponential back-off) and recomputed from the estimates at the next sample.
 * Samples come from timestamps (RFC 7323) or from one timed segment at a time that was never
 * retransmitted (Karn's rule): the connection decides, this module only does the arithmetic.
 * All values are simulated nanoseconds.
 * @module
 */
import type { Nanos } from '../../sim/time.js';

/** Bounds and granularity of the RTO. */
export interface RtoConfig {
  /** Lower bound of the RTO (RFC 6298: 1 s; Linux: 200 ms). */
  readonly minNs: Nanos;
  /** Upper bound (RFC 6298 allows ≥ 60 s; Linux: 120 s). */
  readonly maxNs: Nanos;
  /** RTO before the first sample (RFC 6298: 1 s). */
  readonly initialNs: Nanos;
  /** Clock granularity G (RFC 6298 §2.3). */
  readonly granularityNs: Nanos;
}

/** RFC 6298 as written: 1 s minimum, 1 s initial, 60 s maximum, 1 ms clock. */
export const RTO_RFC6298: RtoConfig = Object.freeze({ minNs: 1_000_000_000, maxNs: 60_000_000_000, initialNs: 1_000_000_000, granularityNs: 1_000_000 });

/** Linux's bounds: 200 ms minimum (TCP_RTO_MIN), 120 s maximum, 1 s initial. */
export const RTO_LINUX: RtoConfig = Object.freeze({ minNs: 200_000_000, maxNs: 120_000_000_000, initialNs: 1_000_000_000, granularityNs: 1_000_000 });

/** The RTO estimator of one connection. */
export class RtoEstimator {
  /** Smoothed RTT, ns (0 before the first sample). */
  srtt = 0;
  /** RTT variation, ns. */
  rttvar = 0;
  /** The current RTO, back-off included, ns. */
  rto: Nanos;
  /** Expiries since the last sample (the back-off exponent). */
  backoffs = 0;
  /** Samples taken. */
  samples = 0;
  /** The last sample, ns. */
  lastSample = 0;

  /** Starts at the initial RTO. */
  constructor(readonly config: RtoConfig) {
    this.rto = config.initialNs;
  }

  /** Takes one RTT sample `r` (ns); returns the new RTO. */
  sample(r: Nanos): Nanos {
    if (r < 0) r = 0;
    if (this.samples === 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
    this.lastSample = r;
    this.backoffs = 0;
    this.rto = this.base();
    return this.rto;
  }

  /** The timer expired: doubles the RTO (bounded by the maximum); returns it. */
  backoff(): Nanos {
    this.backoffs++;
    this.rto = Math.min(this.rto * 2, this.config.maxNs);
    return this.rto;
  }

  /** The RTO without back-off (what the next sample would start from). */
  base(): Nanos {
    const c = this.config;
    if (this.samples === 0) return c.initialNs;
    const v = Math.round(this.srtt + Math.max(c.granularityNs, 4 * this.rttvar));
    return Math.min(Math.max(v, c.minNs), c.maxNs);
  }
}
