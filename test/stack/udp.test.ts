/**
 * UDP over two hosts on a TestDevice pair (a = 10.0.0.1, b = 10.0.0.2, 1 µs each way): the bytes
 * on the wire, checksum rules, demultiplexing, ICMP port unreachable, size limits, fragmentation,
 * receive-buffer overflow and the counters.
 */
import { describe, expect, test } from 'vitest';
import { EchoServer } from '../../stack/apps/echo.js';
import { Process } from '../../stack/socket/api.js';
import { SocketError } from '../../stack/socket/errors.js';
import { AF_INET, SOCK_DGRAM } from '../../stack/socket/types.js';
import { UDP_RX_OUTCOMES, icmpErrno } from '../../stack/udp.js';
import { ETHERTYPE } from '../../stack/wire/ethernet.js';
import { IP_PROTOCOL } from '../../stack/wire/ipv4.js';
import { dropFrames, rejection, run, twoUdpHosts } from './apphelpers.js';
import { eth, hex, ip, ipv4, mac, seqBytes, toHex, trace, udp } from './helpers.js';
import { refChecksum, pseudoHeader } from './wire/helpers.js';
import type { NetStack } from '../../stack/host.js';

function udpCounters(s: NetStack): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.counters.snapshot({ nonZero: true }))) if (k.startsWith('udp.')) out[k] = v;
  return out;
}

/** The UDP identity: every datagram IP delivered ends in exactly one outcome counter. */
function udpAccounted(s: NetStack): number {
  return UDP_RX_OUTCOMES.reduce((n, c) => n + s.counters.get(c), 0);
}

describe('UDP send', () => {
  test('sendto: one datagram after ARP, header and checksum over the pseudo-header, exact bytes', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const pa = new Process(a, 'client');
    const pb = new Process(b, 'server');
    const got = await run(sim, async () => {
      const srv = await pb.socket(AF_INET, SOCK_DGRAM);
      await pb.bind(srv, { address: 0, port: 7 });
      const fd = await pa.socket(AF_INET, SOCK_DGRAM);
      expect(fd).toBe(3);
      expect(await pa.sendto(fd, hex('68 65 6c 6c 6f'), { address: '10.0.0.2', port: 7 })).toBe(5);
      const r = await pb.recvfrom(srv);
      return { ...r, at: sim.now };
    });
    expect(got).toEqual({ data: hex('68 65 6c 6c 6f'), address: ip('10.0.0.1'), port: 32768, truncated: false, at: 3000 });
    expect(trace(da.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.2 tell 10.0.0.1',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 udp 32768 > 7 len 5',
    ]);
    expect(toHex(da.sent[1].frame)).toBe(
      toHex(
        hex(`02 00 00 00 00 02  02 00 00 00 00 01  08 00
             45 00 00 21  00 64 00 00  40 11 66 66  0a 00 00 01  0a 00 00 02
             80 00 00 07  00 0d 27 f8  68 65 6c 6c 6f`),
      ),
    );
    // the checksum agrees with an independent reference
    const seg = da.sent[1].frame.subarray(34);
    expect(refChecksum(pseudoHeader(ip('10.0.0.1'), ip('10.0.0.2'), 17, 13), seg.slice(0, 6), seg.slice(8))).toBe(0x27f8);
    expect(udpCounters(a)).toEqual({ 'udp.outDatagrams': 1 });
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 1 });
  });

  test('a checksum that computes to 0 goes on the wire as 0xFFFF, and is accepted', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    // pseudo-header + header sum to 0x942f with these ports and length: data 0x6bd0 makes the sum 0xffff
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 7 });
      const fd = await pa.socket();
      await pa.bind(fd, { address: 0, port: 32768 });
      await pa.sendto(fd, hex('6b d0'), { address: '10.0.0.2', port: 7 });
      return pb.recvfrom(srv);
    });
    expect(toHex(da.sent[1].frame.subarray(34))).toBe('80 00 00 07 00 0a ff ff 6b d0');
    expect(r.data).toEqual(hex('6b d0'));
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 1 });
  });

  test('UDP_NOCHECKSUM sends 0 ("no checksum"); the receiver accepts it and counts it', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 7 });
      const fd = await pa.socket();
      await pa.setsockopt(fd, 'UDP_NOCHECKSUM', true);
      expect(await pa.getsockopt(fd, 'UDP_NOCHECKSUM')).toBe(true);
      await pa.sendto(fd, hex('01 02 03'), { address: '10.0.0.2', port: 7 });
      return pb.recv(srv);
    });
    expect(toHex(da.sent[1].frame.subarray(34))).toBe('80 00 00 07 00 0b 00 00 01 02 03');
    expect(r).toEqual(hex('01 02 03'));
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 1, 'udp.noChecksum': 1 });
  });

  test('without the option the field is never 0 (checksums of many payloads)', async () => {
    const { sim, a, b, da } = twoUdpHosts({ a: { arpQueueLen: 512 } });
    const pa = new Process(a);
    await run(sim, async () => {
      const fd = await pa.socket();
      for (let i = 0; i < 300; i++) await pa.sendto(fd, Uint8Array.of(i >> 8, i & 0xff), { address: '10.0.0.2', port: 9 });
    });
    sim.runFor(10_000);
    const sums = da.sent.slice(1).map((f) => (f.frame[40] << 8) | f.frame[41]);
    expect(sums).toHaveLength(300);
    expect(sums.includes(0)).toBe(false);
    expect(b.counters.get('udp.noPort')).toBe(300);
  });

  test('EMSGSIZE above 65,507 bytes; 65,507 bytes are sent (45 fragments) and echoed back whole', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const pa = new Process(a);
    const echo = new EchoServer(new Process(b, 'echo'));
    const data = seqBytes(65_507);
    const back = await run(sim, async () => {
      await echo.start();
      const fd = await pa.socket();
      const e = await rejection(pa.sendto(fd, new Uint8Array(65_508), { address: '10.0.0.2', port: 7 }));
      expect(e).toBeInstanceOf(SocketError);
      expect((e as SocketError).code).toBe('EMSGSIZE');
      expect((e as SocketError).message).toBe('sendto EMSGSIZE: Message too long (65508 bytes > 65507)');
      expect(await pa.sendto(fd, data, { address: '10.0.0.2', port: 7 })).toBe(65_507);
      return pa.recv(fd);
    });
    expect(back).toEqual(data);
    expect(da.sent.length).toBe(1 + 45);
    expect(a.counters.get('udp.outErrors')).toBe(1);
    expect(echo.echoed).toBe(1);
  });

  test('a 4,000-byte datagram over MTU 1500 leaves as three fragments and round-trips', async () => {
    const { sim, a, b, da, db } = twoUdpHosts();
    const pa = new Process(a);
    const echo = new EchoServer(new Process(b, 'echo'));
    const data = seqBytes(4000, 7);
    const r = await run(sim, async () => {
      await echo.start();
      const fd = await pa.socket();
      await pa.sendto(fd, data, { address: '10.0.0.2', port: 7 });
      const got = await pa.recvfrom(fd);
      return { ...got, at: sim.now };
    });
    expect(r.data).toEqual(data);
    expect(r.at).toBe(4000);
    expect(r.port).toBe(7);
    expect(trace(da.sent).slice(1)).toEqual([
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 0+ udp len 1480',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 1480+ udp len 1480',
      '2000 02:00:00:00:00:01 > 02:00:00:00:00:02 10.0.0.1 > 10.0.0.2 ttl 64 id 100 frag 2960 udp len 1048',
    ]);
    expect(trace(db.sent).slice(1)).toEqual([
      '3000 02:00:00:00:00:02 > 02:00:00:00:00:01 10.0.0.2 > 10.0.0.1 ttl 64 id 200 frag 0+ udp len 1480',
      '3000 02:00:00:00:00:02 > 02:00:00:00:00:01 10.0.0.2 > 10.0.0.1 ttl 64 id 200 frag 1480+ udp len 1480',
      '3000 02:00:00:00:00:02 > 02:00:00:00:00:01 10.0.0.2 > 10.0.0.1 ttl 64 id 200 frag 2960 udp len 1048',
    ]);
  });

  test('broadcast needs SO_BROADCAST (EACCES); then it goes to ff:ff:ff:ff:ff:ff', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      const e = await rejection(pa.sendto(fd, hex('01'), { address: '10.0.0.255', port: 5000 }));
      expect((e as SocketError).code).toBe('EACCES');
      expect((await rejection(pa.sendto(fd, hex('01'), { address: '255.255.255.255', port: 5000 })) as SocketError).code).toBe('EACCES');
      expect((await rejection(pa.connect(fd, { address: '10.0.0.255', port: 5000 })) as SocketError).code).toBe('EACCES');
      await pa.setsockopt(fd, 'SO_BROADCAST', true);
      await pa.sendto(fd, hex('02'), { address: '10.0.0.255', port: 5000 });
      await pa.sendto(fd, hex('03'), { address: '255.255.255.255', port: 5000 });
      return [await pb.recvfrom(srv), await pb.recvfrom(srv)];
    });
    expect(r.map((x) => toHex(x.data))).toEqual(['02', '03']);
    expect(trace(da.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff 10.0.0.1 > 10.0.0.255 ttl 64 id 100 udp 32768 > 5000 len 1',
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff 10.0.0.1 > 255.255.255.255 ttl 64 id 101 udp 32768 > 5000 len 1',
    ]);
  });
});

describe('UDP receive', () => {
  test('a bad checksum is dropped, counted once and traced; nothing reaches the socket; no ICMP', async () => {
    const { sim, b, db } = twoUdpHosts();
    const pb = new Process(b);
    const rec = sim.trace.record(['drop']);
    const seg = udp(ip('10.0.0.1'), ip('10.0.0.2'), 1234, 7, hex('aa bb'));
    seg[7] ^= 0x01;
    const e = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 7 });
      db.inject(eth(mac(2), mac(1), ETHERTYPE.IPV4, ipv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), protocol: IP_PROTOCOL.UDP, payload: seg })));
      return rejection(pb.recv(srv, { dontWait: true }));
    });
    expect((e as SocketError).code).toBe('EAGAIN');
    expect(udpCounters(b)).toEqual({ 'udp.badChecksum': 1 });
    expect(rec.events.map((x) => (x.kind === 'drop' ? `${x.counter}: ${x.reason}` : ''))).toEqual(['udp.badChecksum: UDP datagram dropped: checksum mismatch']);
    expect(db.sent).toEqual([]);
    expect(udpAccounted(b)).toBe(b.counters.get('ip.delivered'));
  });

  test('short datagrams and bad length fields are dropped and counted', () => {
    const { sim, b, db } = twoUdpHosts();
    const send = (payload: Uint8Array) => db.inject(eth(mac(2), mac(1), ETHERTYPE.IPV4, ipv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), protocol: IP_PROTOCOL.UDP, payload })));
    send(hex('00 07 00 07 00 08 00')); // 7 bytes
    send(hex('00 07 00 07 00 07 00 00')); // length 7
    send(hex('00 07 00 07 00 10 00 00 01 02')); // length 16 > 10
    sim.run();
    expect(udpCounters(b)).toEqual({ 'udp.truncated': 2, 'udp.badLength': 1 });
    expect(udpAccounted(b)).toBe(3);
  });

  test('no socket on the port: dropped, ICMP port unreachable quoting the datagram', async () => {
    const { sim, a, b, db } = twoUdpHosts();
    const pa = new Process(a);
    await run(sim, async () => {
      const fd = await pa.socket();
      await pa.sendto(fd, hex('78'), { address: '10.0.0.2', port: 9 });
    });
    sim.runFor(10_000);
    expect(trace(db.sent)).toEqual([
      '1000 02:00:00:00:00:02 > 02:00:00:00:00:01 arp reply 10.0.0.2 is-at 02:00:00:00:00:02',
      '3000 02:00:00:00:00:02 > 02:00:00:00:00:01 10.0.0.2 > 10.0.0.1 ttl 64 id 200 icmp unreachable code 3 about [10.0.0.1 > 10.0.0.2 udp]',
    ]);
    expect(udpCounters(b)).toEqual({ 'udp.noPort': 1 });
    expect(udpCounters(a)).toEqual({ 'udp.outDatagrams': 1, 'udp.icmpIgnored': 1 }); // unconnected: ignored
  });

  test('port unreachable → ECONNREFUSED on the next recv (at the ICMP arrival) and the next send of a connected socket', async () => {
    const { sim, a } = twoUdpHosts();
    const pa = new Process(a);
    const log = await run(sim, async () => {
      const out: string[] = [];
      const fd = await pa.socket();
      await pa.connect(fd, { address: '10.0.0.2', port: 9 });
      await pa.send(fd, hex('01'));
      const e1 = (await rejection(pa.recv(fd))) as SocketError;
      out.push(`${sim.now} ${e1.message}`);
      await pa.send(fd, hex('02')); // the error was consumed: this one goes out
      await new Promise<void>((res) => a.timers.after(10_000, () => (sim.wake(), res())));
      const e2 = (await rejection(pa.send(fd, hex('03')))) as SocketError;
      out.push(`${sim.now} ${e2.message}`);
      await pa.send(fd, hex('04'));
      return out;
    });
    expect(log).toEqual(['4000 recv ECONNREFUSED: Connection refused', '14000 send ECONNREFUSED: Connection refused']);
    expect(a.counters.get('udp.icmpErrors')).toBe(2);
    expect(a.counters.get('udp.outDatagrams')).toBe(3);
  });

  test('the receive buffer bounds queued payload; overflow is dropped and counted', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    let srv = -1;
    await run(sim, async () => {
      srv = await pb.socket();
      await pb.setsockopt(srv, 'SO_RCVBUF', 3000);
      expect(await pb.getsockopt(srv, 'SO_RCVBUF')).toBe(3000);
      await pb.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      for (let i = 0; i < 5; i++) await pa.sendto(fd, new Uint8Array(1000).fill(i), { address: '10.0.0.2', port: 5000 });
    });
    sim.runFor(10_000);
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 3, 'udp.rcvbufErrors': 2 });
    const sock = b.udp.bound()[0];
    expect(sock.drops).toBe(2);
    expect(sock.queuedBytes).toBe(3000);
    const firsts = await run(sim, async () => [(await pb.recv(srv))[0], (await pb.recv(srv))[0], (await pb.recv(srv))[0]]);
    expect(firsts).toEqual([0, 1, 2]);
    expect(sock.queuedBytes).toBe(0);
    expect(udpAccounted(b)).toBe(b.counters.get('ip.delivered'));
  });

  test('a datagram larger than the buffer still fits an empty queue', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.setsockopt(srv, 'SO_RCVBUF', 100);
      await pb.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      await pa.sendto(fd, new Uint8Array(500), { address: '10.0.0.2', port: 5000 });
      await pa.sendto(fd, new Uint8Array(10), { address: '10.0.0.2', port: 5000 });
      await new Promise<void>((res) => b.timers.after(10_000, () => (sim.wake(), res())));
      return [(await pb.recv(srv)).length, (await rejection(pb.recv(srv, { dontWait: true })) as SocketError).code];
    });
    expect(r).toEqual([500, 'EAGAIN']);
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 1, 'udp.rcvbufErrors': 1 });
  });

  test('recv with timeoutNs fails with ETIMEDOUT at exactly that simulated time', async () => {
    const { sim, a } = twoUdpHosts();
    const pa = new Process(a);
    const r = await run(sim, async () => {
      const fd = await pa.socket();
      await pa.bind(fd, { address: 0, port: 5000 });
      const e = (await rejection(pa.recvfrom(fd, { timeoutNs: 5_000_000 }))) as SocketError;
      return `${sim.now} ${e.code} ${e.errno} ${e.syscall}`;
    });
    expect(r).toBe('5000000 ETIMEDOUT 110 recvfrom');
    expect(a.timers.live).toBe(0);
  });

  test('broadcast reaches wildcard sockets only; no listener: dropped without ICMP', async () => {
    const { sim, a, b, db } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const wild = await pb.socket();
      await pb.bind(wild, { address: 0, port: 5000 });
      const own = await pb.socket();
      await pb.bind(own, { address: '10.0.0.2', port: 5001 });
      const fd = await pa.socket();
      await pa.setsockopt(fd, 'SO_BROADCAST', true);
      await pa.sendto(fd, hex('01'), { address: '10.0.0.255', port: 5000 });
      await pa.sendto(fd, hex('02'), { address: '10.0.0.255', port: 5001 });
      await pa.sendto(fd, hex('03'), { address: '10.0.0.255', port: 5002 });
      await new Promise<void>((res) => b.timers.after(10_000, () => (sim.wake(), res())));
      return [toHex(await pb.recv(wild)), (await rejection(pb.recv(own, { dontWait: true })) as SocketError).code];
    });
    expect(r).toEqual(['01', 'EAGAIN']);
    expect(udpCounters(b)).toEqual({ 'udp.delivered': 1, 'udp.noPortBroadcast': 2 });
    expect(db.sent.filter((f) => f.frame[23] === IP_PROTOCOL.ICMP)).toEqual([]);
  });

  test('demultiplexing by destination address: a unicast and a broadcast socket on one port', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const uni = await pb.socket();
      await pb.bind(uni, { address: '10.0.0.2', port: 6000 });
      const bc = await pb.socket();
      await pb.bind(bc, { address: '10.0.0.255', port: 6000 });
      const fd = await pa.socket();
      await pa.setsockopt(fd, 'SO_BROADCAST', true);
      await pa.sendto(fd, hex('0b'), { address: '10.0.0.255', port: 6000 });
      await pa.sendto(fd, hex('0a'), { address: '10.0.0.2', port: 6000 });
      return [toHex(await pb.recv(uni)), toHex(await pb.recv(bc))];
    });
    expect(r).toEqual(['0a', '0b']);
  });

  test('a connected socket receives only from its peer', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 6000 });
      await pb.connect(srv, { address: '10.0.0.1', port: 7000 });
      const other = await pa.socket();
      await pa.bind(other, { address: 0, port: 7001 });
      const peer = await pa.socket();
      await pa.bind(peer, { address: 0, port: 7000 });
      await pa.sendto(other, hex('01'), { address: '10.0.0.2', port: 6000 });
      await pa.sendto(peer, hex('02'), { address: '10.0.0.2', port: 6000 });
      return pb.recvfrom(srv);
    });
    expect(r.data).toEqual(hex('02'));
    expect(r.port).toBe(7000);
    expect(b.counters.get('udp.noPort')).toBe(1);
  });

  test('datagrams to our own address are delivered internally, at the same instant', async () => {
    const { sim, a, da } = twoUdpHosts();
    const pa = new Process(a);
    const r = await run(sim, async () => {
      const srv = await pa.socket();
      await pa.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      sim.runFor(0);
      await pa.sendto(fd, hex('cafe'), { address: '10.0.0.1', port: 5000 });
      const got = await pa.recvfrom(srv);
      return { ...got, at: sim.now };
    });
    expect(r).toEqual({ data: hex('cafe'), address: ip('10.0.0.1'), port: 32768, truncated: false, at: 0 });
    expect(da.sent).toEqual([]);
  });
});

describe('UDP and ICMP errors', () => {
  test('errno and hardness of ICMP errors (Linux icmp_err_convert)', () => {
    expect(icmpErrno(3, 3)).toEqual({ errno: 'ECONNREFUSED', hard: true });
    expect(icmpErrno(3, 2)).toEqual({ errno: 'ENOPROTOOPT', hard: true });
    expect(icmpErrno(3, 1)).toEqual({ errno: 'EHOSTUNREACH', hard: false });
    expect(icmpErrno(3, 0)).toEqual({ errno: 'ENETUNREACH', hard: false });
    expect(icmpErrno(3, 13)).toEqual({ errno: 'EHOSTUNREACH', hard: true });
    expect(icmpErrno(11, 0)).toEqual({ errno: 'EHOSTUNREACH', hard: false });
    expect(icmpErrno(12, 0)).toEqual({ errno: 'EPROTO', hard: true });
  });

  test('a failed ARP resolution is a soft error: ignored by default, EHOSTUNREACH with IP_RECVERR', async () => {
    const { sim, a } = twoUdpHosts();
    const pa = new Process(a);
    const r = await run(sim, async () => {
      const plain = await pa.socket();
      await pa.connect(plain, { address: '10.0.0.9', port: 53 });
      const verbose = await pa.socket();
      await pa.setsockopt(verbose, 'IP_RECVERR', true);
      await pa.connect(verbose, { address: '10.0.0.9', port: 53 });
      await pa.send(plain, hex('01'));
      await pa.send(verbose, hex('02'));
      const e = (await rejection(pa.recv(verbose))) as SocketError;
      const quiet = (await rejection(pa.recv(plain, { dontWait: true }))) as SocketError;
      return `${sim.now} ${e.code} / ${quiet.code}`;
    });
    expect(r).toBe('3000000000 EHOSTUNREACH / EAGAIN');
    expect(a.counters.get('udp.icmpErrors')).toBe(1);
    expect(a.counters.get('udp.icmpIgnored')).toBe(1);
  });

  test('lost datagrams stay lost: a dropped frame is not retransmitted by UDP', async () => {
    const { sim, a, b, da } = twoUdpHosts();
    const dropped = dropFrames(da, /udp/, 1);
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      await pa.sendto(fd, hex('01'), { address: '10.0.0.2', port: 5000 });
      await pa.sendto(fd, hex('02'), { address: '10.0.0.2', port: 5000 });
      return toHex(await pb.recv(srv));
    });
    expect(r).toBe('02');
    expect(dropped).toHaveLength(1);
  });
});
