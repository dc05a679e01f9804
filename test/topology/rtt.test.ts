/**
 * The simulated round-trip time of a ping equals the analytic value: two hosts (adapter, kernel,
 * e1000 driver, stack) on a 100 m cable at 100 Mb/s, with the default (zero) CPU costs,
 * interrupt latency, softirq delay and interrupt moderation. The same figure is the benchmark
 * `stack.ping_rtt_ns` (bench/stack.ts).
 */
import { describe, expect, test } from 'vitest';
import { Network } from '../../topology/network.js';
import { ping } from '../../stack/tools/ping.js';
import { MS } from '../../sim/index.js';

/**
 * One direction of a 56-byte ping: the frame is 14 (Ethernet) + 20 (IPv4) + 8 (ICMP) + 56 (data)
 * + 4 (FCS) = 102 bytes, plus 8 of preamble and SFD = 110 bytes = 880 bits, 8,800 ns at 100 Mb/s;
 * then 100 m × 5 ns/m = 500 ns of propagation. The interframe gap is not on the path (each frame
 * is alone on its direction of the full-duplex cable; the gap only delays a following frame in the
 * same direction), and interrupt latency, softirq delay and the driver's interrupt delays are 0.
 */
const ONE_WAY_NS = ((14 + 20 + 8 + 56 + 4 + 8) * 8 * 1e9) / 100e6 + 100 * 5;
/** Request and reply: 2 × (8,800 + 500) = 18,600 ns. */
const RTT_NS = 2 * ONE_WAY_NS;

describe('ping RTT over 100 m of 100BASE-TX', () => {
  test('equals 2 × (serialization + propagation) = 18,600 ns once ARP is resolved', async () => {
    const net = new Network({ seed: 1, autonegNs: 10 * MS });
    const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }] });
    const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }] });
    net.cable(a.port(0), b.port(0), { lengthM: 100 });
    for (const nic of [...a.nics, ...b.nics]) {
      nic.phy.mdioWrite(9, 0); // 1000BASE-T control: advertise no gigabit
      nic.phy.mdioWrite(4, 0x0181); // advertisement: 100BASE-TX full and half duplex, selector 802.3
    }
    await net.start();
    for (const h of [a, b]) expect(h.drivers[0].linkState()).toEqual({ up: true, speed: 100, duplex: 'full' });
    await net.runFor(1 * MS); // let the link-up announcements go by
    const r = await net.settle(ping(a.stack, '10.0.0.2', { count: 2, intervalNs: 10 * MS }));
    expect(r.received).toBe(2);
    expect(RTT_NS).toBe(18_600);
    expect(r.replies[1].rttNs).toBe(RTT_NS);
    // the first one also waited for ARP: two 64-byte frames (72 with the preamble) out and back
    expect(r.replies[0].rttNs).toBe(RTT_NS + 2 * ((72 * 8 * 1e9) / 100e6 + 500));
  });
});
