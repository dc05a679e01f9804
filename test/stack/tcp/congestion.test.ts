/** The congestion-control algorithms' window arithmetic (RFC 5681, RFC 9438), without a network. */
import { describe, expect, it } from 'vitest';
import { CUBIC_BETA, Cubic } from '../../../stack/tcp/congestion/cubic.js';
import { NewReno } from '../../../stack/tcp/congestion/newreno.js';
import { initialWindow } from '../../../stack/tcp/congestion/index.js';

const MSS = 1000;
const MS = 1_000_000;

describe('initial window', () => {
  it('RFC 5681: min(4·MSS, max(2·MSS, 4380)); RFC 6928 IW10: min(10·MSS, max(2·MSS, 14600))', () => {
    expect(initialWindow(1460, false)).toBe(4380);
    expect(initialWindow(536, false)).toBe(2144);
    expect(initialWindow(1460, true)).toBe(14600);
    expect(initialWindow(1000, true)).toBe(10000);
  });
});

describe('NewReno', () => {
  it('slow start adds min(acked, MSS) per ACK; congestion avoidance about one MSS per window of ACKs', () => {
    const r = new NewReno(MSS, 4 * MSS);
    r.onAck(2 * MSS);
    expect(r.cwnd).toBe(5 * MSS);
    r.onLoss(10 * MSS);
    expect(r.ssthresh).toBe(5 * MSS);
    r.cwnd = r.ssthresh;
    for (let i = 0; i < 5; i++) r.onAck(MSS);
    expect(r.cwnd).toBe(6 * MSS);
    r.onTimeout(3 * MSS);
    expect(r).toMatchObject({ cwnd: MSS, ssthresh: 2 * MSS });
  });
});

describe('CUBIC (RFC 9438)', () => {
  it('a loss sets ssthresh = β·cwnd and K = ∛(W_max(1−β)/C); the window then climbs back to W_max at about t = K, concave before, convex after', () => {
    const c = new Cubic(MSS, 100 * MSS);
    c.ssthresh = 0;
    c.onLoss(100 * MSS);
    expect(c.ssthresh).toBe(100 * MSS * CUBIC_BETA);
    expect(c.wMax).toBe(100);
    expect(c.k).toBeCloseTo(Math.cbrt((100 * 0.3) / 0.4), 6);
    c.cwnd = c.ssthresh;
    const rtt = 100 * MS;
    const samples: [number, number][] = [];
    for (let now = 0; now <= 8_000 * MS; now += rtt) {
      const segs = c.cwnd / MSS;
      for (let i = 0; i < segs; i++) c.onAck(MSS, c.cwnd, now + (i * rtt) / segs, rtt);
      samples.push([now / 1e9, c.cwnd / MSS]);
    }
    const at = (t: number) => samples.find(([x]) => x >= t)![1];
    expect(at(c.k)).toBeGreaterThan(95);
    expect(at(c.k)).toBeLessThan(106);
    // concave: the growth slows as W_max approaches; convex: it speeds up again
    const g1 = at(1) - at(0.1);
    const g2 = at(c.k) - at(c.k - 0.9);
    const g3 = at(c.k + 2) - at(c.k + 1.1);
    expect(g2).toBeLessThan(g1);
    expect(g3).toBeGreaterThan(g2);
  });

  it('fast convergence: a loss below the previous W_max lowers W_max to cwnd·(1+β)/2', () => {
    const c = new Cubic(MSS, 100 * MSS);
    c.onLoss(0);
    c.cwnd = 80 * MSS;
    c.onLoss(0);
    expect(c.wMax).toBeCloseTo((80 * (1 + CUBIC_BETA)) / 2, 6);
  });
});
