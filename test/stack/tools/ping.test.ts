/**
 * `ping`: echo requests with sequence numbers, RTTs on the simulator's clock, the statistics and
 * iputils' output, on two hosts (a = 10.0.0.1, b = 10.0.0.2) and through a router.
 */
import { describe, expect, test } from 'vitest';
import { formatG, formatPing, formatRttMs, ping, pingData, pingErrorText } from '../../../stack/tools/ping.js';
import { dropFrames, routedUdp, run, twoUdpHosts } from '../apphelpers.js';
import { ip, toHex, trace } from '../helpers.js';

describe('ping', () => {
  test('four echoes 1 s apart: RTTs (the first one includes ARP), statistics and the familiar output', async () => {
    const { sim, a, da, db } = twoUdpHosts({ latencyNs: 50_000 });
    const setLatency = (at: number, ab: number, ba: number) =>
      sim.at(at, () => {
        da.latencyNs = ab;
        db.latencyNs = ba;
      });
    setLatency(500_000_000, 60_000, 63_000); // seq 2: 123 µs
    setLatency(1_500_000_000, 70_000, 48_000); // seq 3: 118 µs
    setLatency(2_500_000_000, 5_000_000, 6_234_000); // seq 4: 11.234 ms
    const r = await run(sim, () => ping(a, '10.0.0.2', { count: 4, id: 0x1d }));
    expect(r.replies.map((x) => [x.seq, x.ttl, x.rttNs, x.bytes, x.from])).toEqual([
      [1, 64, 200_000, 64, ip('10.0.0.2')],
      [2, 64, 123_000, 64, ip('10.0.0.2')],
      [3, 64, 118_000, 64, ip('10.0.0.2')],
      [4, 64, 11_234_000, 64, ip('10.0.0.2')],
    ]);
    expect(r).toMatchObject({ transmitted: 4, received: 4, duplicates: 0, errors: 0, lossPercent: 0, minNs: 118_000, maxNs: 11_234_000, avgNs: 2_918_750, timeNs: 3_000_000_000, endNs: 3_011_234_000, pipe: 1 });
    expect(r.mdevNs).toBeCloseTo(Math.sqrt(((200_000 - 2_918_750) ** 2 + (123_000 - 2_918_750) ** 2 + (118_000 - 2_918_750) ** 2 + (11_234_000 - 2_918_750) ** 2) / 4), 3);
    expect(formatPing(r)).toBe(
      [
        'PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.',
        '64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.200 ms',
        '64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.123 ms',
        '64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=0.118 ms',
        '64 bytes from 10.0.0.2: icmp_seq=4 ttl=64 time=11.2 ms',
        '',
        '--- 10.0.0.2 ping statistics ---',
        '4 packets transmitted, 4 received, 0% packet loss, time 3000ms',
        'rtt min/avg/max/mdev = 0.118/2.918/11.234/4.800 ms',
        '',
      ].join('\n'),
    );
    expect(trace(da.sent).filter((l) => l.includes('icmp'))).toEqual([
      '100000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 icmp echo request id 29 seq 1 len 56',
      '1000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 101 icmp echo request id 29 seq 2 len 56',
      '2000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 102 icmp echo request id 29 seq 3 len 56',
      '3000000000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 103 icmp echo request id 29 seq 4 len 56',
    ]);
    // the data: iputils' pattern with the send time as a timeval (seconds, microseconds; little-endian)
    const echo2 = da.sent.filter((f) => f.frame[23] === 1)[1].frame.subarray(42);
    expect(toHex(echo2.subarray(0, 20))).toBe('01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 11 12 13');
    expect(echo2[55]).toBe(55);
  });

  test('through a router the reply TTL is 63', async () => {
    const { sim, h } = routedUdp();
    const r = await run(sim, () => ping(h, '203.0.113.7', { count: 2, intervalNs: 200_000_000 }));
    expect(r.replies.map((x) => x.ttl)).toEqual([63, 63]);
    expect(formatPing(r).split('\n').slice(1, 3)).toEqual(['64 bytes from 203.0.113.7: icmp_seq=1 ttl=63 time=0.008 ms', '64 bytes from 203.0.113.7: icmp_seq=2 ttl=63 time=0.004 ms']);
  });

  test('a lost reply: loss in %g, the run ends one interval after the last request', async () => {
    const { sim, a, db } = twoUdpHosts();
    dropFrames(db, /echo reply id \d+ seq 2 /);
    const r = await run(sim, () => ping(a, '10.0.0.2', { count: 3 }));
    expect(r).toMatchObject({ transmitted: 3, received: 2, lossPercent: 100 / 3, endNs: 3_000_000_000 });
    expect(formatPing(r).split('\n').slice(-4)).toEqual(['--- 10.0.0.2 ping statistics ---', '3 packets transmitted, 2 received, 33.3333% packet loss, time 2000ms', 'rtt min/avg/max/mdev = 0.002/0.003/0.004/0.001 ms', '']);
  });

  test('nothing comes back: 100% loss after the 10 s linger, no rtt line', async () => {
    const { sim, a, db } = twoUdpHosts();
    dropFrames(db, /echo reply/);
    const r = await run(sim, () => ping(a, '10.0.0.2', { count: 2 }));
    expect(r.endNs).toBe(11_000_000_000);
    expect(formatPing(r)).toBe(['PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.', '', '--- 10.0.0.2 ping statistics ---', '2 packets transmitted, 0 received, 100% packet loss, time 1000ms', '', ''].join('\n'));
  });

  test('an unreachable neighbour: our own host reports Destination Host Unreachable when ARP fails', async () => {
    const { sim, a } = twoUdpHosts();
    const r = await run(sim, () => ping(a, '10.0.0.9', { count: 3 }));
    expect(r).toMatchObject({ transmitted: 3, received: 0, errors: 3, pipe: 3, endNs: 3_000_000_000 });
    expect(r.errorReplies.map((e) => [e.seq, e.from, e.type, e.code])).toEqual([
      [1, ip('10.0.0.1'), 3, 1],
      [2, ip('10.0.0.1'), 3, 1],
      [3, ip('10.0.0.1'), 3, 1],
    ]);
    expect(formatPing(r)).toBe(
      [
        'PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.',
        'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable',
        'From 10.0.0.1 icmp_seq=2 Destination Host Unreachable',
        'From 10.0.0.1 icmp_seq=3 Destination Host Unreachable',
        '',
        '--- 10.0.0.9 ping statistics ---',
        '3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2000ms',
        'pipe 3',
        '',
      ].join('\n'),
    );
  });

  test('TTL exceeded at the router: From 192.168.1.1 … Time to live exceeded', async () => {
    const { sim, h } = routedUdp();
    const r = await run(sim, () => ping(h, '203.0.113.7', { count: 1, ttl: 1 }));
    expect(formatPing(r).split('\n')[1]).toBe('From 192.168.1.1 icmp_seq=1 Time to live exceeded');
    expect(r.errors).toBe(1);
  });

  test('no route: ping: connect: Network is unreachable', async () => {
    const { sim, a } = twoUdpHosts();
    const r = await run(sim, () => ping(a, '192.0.2.1'));
    expect(r.fatal).toBe('ENETUNREACH');
    expect(formatPing(r)).toBe('ping: connect: Network is unreachable\n');
  });

  test('a duplicate reply is shown with (DUP!) and counted; data shorter than a timeval shows no time', async () => {
    const { sim, a, da, db } = twoUdpHosts();
    sim.at(500_000_000, () => da.inject(db.sent.filter((f) => f.frame[23] === 1)[0].frame));
    const r = await run(sim, () => ping(a, '10.0.0.2', { count: 2, id: 7 }));
    expect(r).toMatchObject({ received: 2, duplicates: 1 });
    expect(formatPing(r).split('\n').slice(1, 4)).toEqual([
      '64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.004 ms',
      '64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=500 ms (DUP!)',
      '64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.002 ms',
    ]);
    expect(formatPing(r)).toContain('2 packets transmitted, 2 received, +1 duplicates, 0% packet loss, time 1000ms');

    const t = twoUdpHosts();
    const small = await run(t.sim, () => ping(t.a, '10.0.0.2', { count: 1, size: 8 }));
    expect(formatPing(small)).toBe(['PING 10.0.0.2 (10.0.0.2) 8(36) bytes of data.', '16 bytes from 10.0.0.2: icmp_seq=1 ttl=64', '', '--- 10.0.0.2 ping statistics ---', '1 packets transmitted, 1 received, 0% packet loss, time 0ms', '', ''].join('\n'));
  });

  test('interval 0 (flood-like): ipg/ewma on the rtt line', async () => {
    const { sim, a } = twoUdpHosts();
    const r = await run(sim, () => ping(a, '10.0.0.2', { count: 3, intervalNs: 0, hostname: 'b.lan' }));
    const out = formatPing(r).split('\n');
    expect(out[0]).toBe('PING b.lan (10.0.0.2) 56(84) bytes of data.');
    expect(out.at(-2)).toMatch(/^rtt min\/avg\/max\/mdev = [\d.\/]+ ms, pipe 3, ipg\/ewma 0\.000\/[\d.]+ ms$/);
  });
});

describe('ping formatting helpers', () => {
  test("iputils' per-reply time precision by magnitude", () => {
    expect([123, 999, 1234, 1235, 9994, 9995, 12345, 99949, 99950, 123456].map(formatRttMs)).toEqual(['0.123', '0.999', '1.23', '1.24', '9.99', '10.0', '12.3', '99.9', '100', '123']);
  });

  test('%g for the loss percentage', () => {
    expect([0, 25, 100, 12.5, Math.fround(100 / 3), Math.fround(200 / 3), 1 / 3, 1e-5, 1234567].map(formatG)).toEqual(['0', '25', '100', '12.5', '33.3333', '66.6667', '0.333333', '1e-05', '1.23457e+06']);
  });

  test('error texts', () => {
    expect([pingErrorText(3, 0), pingErrorText(3, 3), pingErrorText(3, 4, 1400), pingErrorText(11, 0), pingErrorText(11, 1)]).toEqual([
      'Destination Net Unreachable',
      'Destination Port Unreachable',
      'Frag needed and DF set (mtu = 1400)',
      'Time to live exceeded',
      'Frag reassembly time exceeded',
    ]);
  });

  test('request data: byte i = i, then the timeval over the first 16 bytes', () => {
    expect(toHex(pingData(20, 2_500_123_456))).toBe('02 00 00 00 00 00 00 00 9b a1 07 00 00 00 00 00 10 11 12 13');
    expect(toHex(pingData(4, 5e9))).toBe('00 01 02 03');
  });
});
