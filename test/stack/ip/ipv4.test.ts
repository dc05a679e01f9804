import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { NetStack } from '../../../stack/host.js';
import { TestDevice } from '../../../stack/testdev.js';
import { ETHERTYPE, MAC_BROADCAST } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL, IPV4_OPTION, Ipv4Packet } from '../../../stack/wire/ipv4.js';
import { eth, hex, ip, ipv4, mac, nonZero, opt, recorder, seqBytes, toHex, trace, twoHosts, routed, udp } from '../helpers.js';

function host(opts: { forwarding?: boolean } = {}) {
  const sim = new Simulator();
  const dev = new TestDevice(sim, { name: 'eth0', mac: mac(1) });
  const s = new NetStack(sim, { udp: false, name: 'h', firstIpId: 500, ...opts });
  const i = s.addInterface(dev, { address: '10.0.0.1', prefixLength: 24, announce: false });
  const rec = recorder();
  s.ip.register(IP_PROTOCOL.UDP, rec);
  const feed = (packet: Uint8Array, dst = mac(1)) => dev.inject(eth(dst, mac(9), ETHERTYPE.IPV4, packet));
  return { sim, s, i, dev, rec, feed };
}

const U = (src = '10.0.0.9', dst = '10.0.0.1', fields: Parameters<typeof ipv4>[0] extends infer F ? Partial<F> : never = {}) =>
  ipv4({ src: ip(src), dst: ip(dst), protocol: IP_PROTOCOL.UDP, payload: udp(ip(src), ip(dst), 1000, 2000, hex('68 69')), ...fields });

describe('IPv4 input', () => {
  it('delivers to the registered transport with the header, TTL and interface', () => {
    const { s, i, rec, feed } = host();
    feed(U('10.0.0.9', '10.0.0.1', { ttl: 3, options: [opt(IPV4_OPTION.ROUTER_ALERT, [0, 0])], dscp: 10 }));
    expect(rec.got).toHaveLength(1);
    const d = rec.got[0];
    expect([d.src, d.dst, d.protocol, d.ttl, d.iface, d.broadcast, d.multicast]).toEqual([ip('10.0.0.9'), ip('10.0.0.1'), 17, 3, i, false, false]);
    expect(d.header.headerLen).toBe(24);
    expect(d.header.dscp).toBe(10);
    expect(toHex(d.data)).toBe('03 e8 07 d0 00 0a ' + toHex(d.data.subarray(6, 8)) + ' 68 69');
    expect(nonZero(s, 'rx-ok')).toEqual({ 'ip.delivered': 1 });
  });

  it('validates the header: each bad packet is counted once, by what is wrong', () => {
    const { s, rec, feed } = host();
    const good = U();
    const mut = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    const refill = (b: Uint8Array) => new Ipv4Packet(b).fillChecksum();
    feed(mut((b) => (b[10] ^= 1))); // checksum
    feed(mut((b) => ((b[0] = 0x65), refill(b)))); // version 6
    feed(mut((b) => ((b[0] = 0x44), refill(b)))); // IHL 4
    feed(mut((b) => ((b[3] = 10), refill(b)))); // total length < header
    feed(good.subarray(0, 19)); // shorter than a header
    feed(mut((b) => ((b[3] += 4), refill(b)))); // total length beyond the frame
    feed(mut((b) => ((b[6] |= 0x80), refill(b)))); // reserved flag
    feed(U('10.0.0.9', '10.0.0.1', { options: [opt(IPV4_OPTION.NOP, []), opt(IPV4_OPTION.NOP, []), opt(IPV4_OPTION.NOP, []), opt(IPV4_OPTION.NOP, [])] }).map((x, k) => (k === 21 ? 0x07 : x))); // recompute below
    const badOpt = U('10.0.0.9', '10.0.0.1', { options: [opt(0x44, [5, 0])] }); // timestamp option, length 4
    badOpt[21] = 9; // option length beyond the header
    refill(badOpt);
    feed(badOpt);
    expect(rec.got).toHaveLength(0);
    expect(nonZero(s, 'rx-drop')).toEqual({
      'ip.badChecksum': 2, // the hand-edited NOP packet kept its old checksum
      'ip.badVersion': 1,
      'ip.badHeader': 3,
      'ip.truncated': 2,
      'ip.badOptions': 1,
    });
  });

  it('rejects impossible sources and destinations, and unicast datagrams that came as link-layer broadcasts', () => {
    const { s, rec, feed } = host();
    feed(U('224.0.0.5'));
    feed(U('255.255.255.255'));
    feed(U('127.0.0.1'));
    feed(U('10.0.0.1')); // our own address
    feed(U('10.0.0.255')); // a broadcast address
    feed(U('0.0.0.0')); // only allowed towards a broadcast
    feed(U('0.0.0.0', '255.255.255.255')); // DHCP-style: fine
    feed(U('10.0.0.9', '127.0.0.1'));
    feed(U('10.0.0.9', '0.1.2.3'));
    feed(U('10.0.0.9', '240.0.0.1'));
    feed(U('10.0.0.9', '10.0.0.1'), MAC_BROADCAST);
    feed(U('10.0.0.9', '10.0.0.77'));
    expect(rec.got.map((d) => d.src)).toEqual([0]);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.badSource': 6, 'ip.badDestination': 3, 'ip.l2Broadcast': 1, 'ip.notForUs': 1 });
  });

  it('recognises broadcast (limited and directed) and joined multicast groups', () => {
    const { s, dev, rec, feed } = host();
    feed(U('10.0.0.9', '255.255.255.255'), MAC_BROADCAST);
    feed(U('10.0.0.9', '10.0.0.255'), MAC_BROADCAST);
    feed(U('10.0.0.9', '224.0.0.1'), 0x01_00_5e_00_00_01);
    feed(U('10.0.0.9', '239.1.2.3'), 0x01_00_5e_01_02_03); // not joined
    s.ip.joinGroup(ip('239.1.2.3'));
    expect(dev.multicast.map((m) => toHex(m))).toEqual(['01 00 5e 00 00 01', '01 00 5e 01 02 03']);
    feed(U('10.0.0.9', '239.1.2.3'), 0x01_00_5e_01_02_03);
    expect(rec.got.map((d) => `${d.dst >>> 0} b=${d.broadcast} m=${d.multicast}`)).toEqual([
      `${ip('255.255.255.255')} b=true m=false`,
      `${ip('10.0.0.255')} b=true m=false`,
      `${ip('224.0.0.1')} b=false m=true`,
      `${ip('239.1.2.3')} b=false m=true`,
    ]);
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.notForUs': 1 });
  });

  it('an unknown protocol is answered with ICMP protocol unreachable (not for broadcasts)', () => {
    const { s, dev, feed } = host();
    s.arp('eth0'); // (no entry yet: the error waits for ARP)
    feed(ipv4({ src: ip('10.0.0.9'), dst: ip('10.0.0.1'), protocol: 99, payload: seqBytes(8) }));
    feed(ipv4({ src: ip('10.0.0.9'), dst: ip('10.0.0.255'), protocol: 99, payload: seqBytes(8) }), MAC_BROADCAST);
    expect(s.counters.get('ip.unknownProtocol')).toBe(2);
    expect(s.counters.get('icmp.errorsSuppressed')).toBe(1);
    expect(s.arp('eth0').queued(ip('10.0.0.9'))).toBe(1);
    expect(trace(dev.sent)).toEqual(['0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff arp who-has 10.0.0.9 tell 10.0.0.1']);
  });

  it('a host that does not forward drops datagrams for others', () => {
    const { s, feed } = host();
    feed(U('10.0.0.9', '8.8.8.8'));
    expect(nonZero(s, 'rx-drop')).toEqual({ 'ip.notForUs': 1 });
  });
});

describe('IPv4 output', () => {
  it('datagrams over 65,535 bytes are refused with EMSGSIZE; 65,535 exactly is sent (in fragments)', () => {
    const { a, b } = twoHosts();
    const rec = recorder();
    b.ip.register(253, rec);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: new Uint8Array(65_516) })).toEqual({ error: 'EMSGSIZE' });
    expect(a.counters.get('ip.outTooBig')).toBe(1);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: seqBytes(65_515) })).toBe('queued');
    a.sim.runFor(1_000_000);
    expect(a.counters.get('ip.fragCreated')).toBe(45);
    expect(rec.got.map((d) => d.data.length)).toEqual([65_515]);
    expect(rec.got[0].data).toEqual(seqBytes(65_515));
  });

  it('DF over the MTU: EMSGSIZE for a local sender', () => {
    const { a } = twoHosts();
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: new Uint8Array(1481), df: true })).toEqual({ error: 'EMSGSIZE' });
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: new Uint8Array(1480), df: true })).toBe('queued');
  });

  it('broadcast and multicast need no ARP; multicast TTL defaults to 1', () => {
    const { a, da } = twoHosts();
    expect(a.ip.output({ dst: ip('255.255.255.255'), protocol: 253, payload: hex('01') })).toBe('sent');
    expect(a.ip.output({ dst: ip('10.0.0.255'), protocol: 253, payload: hex('02') })).toBe('sent');
    expect(a.ip.output({ dst: ip('224.0.0.251'), protocol: 253, payload: hex('03') })).toBe('sent');
    expect(trace(da.sent)).toEqual([
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff 10.0.0.1 > 255.255.255.255 ttl 64 id 100 proto 253 len 1',
      '0 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff 10.0.0.1 > 10.0.0.255 ttl 64 id 101 proto 253 len 1',
      '0 02:00:00:00:00:01 > 01:00:5e:00:00:fb 10.0.0.1 > 224.0.0.251 ttl 1 id 102 proto 253 len 1',
    ]);
  });

  it('a datagram to one of our own addresses is delivered internally at the same instant', () => {
    const { sim, a, da } = twoHosts();
    const rec = recorder();
    a.ip.register(253, rec);
    sim.runFor(500);
    expect(a.ip.output({ dst: ip('10.0.0.1'), protocol: 253, payload: hex('42') })).toBe('sent');
    expect(a.ip.routeTo(ip('10.0.0.1'))?.local).toBe(true);
    sim.runFor(0);
    expect(rec.got.map((d) => [d.src, d.dst, d.data[0]])).toEqual([[ip('10.0.0.1'), ip('10.0.0.1'), 0x42]]);
    expect(sim.now).toBe(500);
    expect(da.sent).toEqual([]);
  });

  it('payloadBuffer: a payload built in it is sent with the same bytes as one from elsewhere; none for local, broadcast, multicast, no route or over the MTU', () => {
    const { sim, a, b, da } = twoHosts();
    const rec = recorder();
    b.ip.register(253, rec);
    expect([ip('10.0.0.1'), ip('255.255.255.255'), ip('10.0.0.255'), ip('224.0.0.251'), ip('192.0.2.1')].map((d) => a.ip.payloadBuffer(d, 10))).toEqual([null, null, null, null, null]);
    expect(a.ip.payloadBuffer(ip('10.0.0.2'), 1481)).toBeNull();
    const data = seqBytes(1480);
    const inPlace = a.ip.payloadBuffer(ip('10.0.0.2'), 1480)!;
    expect(inPlace.length).toBe(1480);
    inPlace.set(data);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: inPlace })).toBe('queued'); // ARP first: a copy waits
    sim.runFor(1_000_000);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: data })).toBe('sent');
    const built = a.ip.payloadBuffer(ip('10.0.0.2'), 1480)!;
    built.set(data);
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: built })).toBe('sent');
    // with options the header is longer: the payload moves (an overlapping copy), bytes intact
    const moved = a.ip.payloadBuffer(ip('10.0.0.2'), 1000)!;
    moved.set(data.subarray(0, 1000));
    expect(a.ip.output({ dst: ip('10.0.0.2'), protocol: 253, payload: moved, options: hex('01 01 01 00') })).toBe('sent');
    sim.runFor(1_000_000);
    expect(rec.got.map((d) => d.data)).toEqual([data, data, data, data.subarray(0, 1000)]);
    const ipFrames = da.sent.map((s) => s.frame).filter((f) => f[12] === 0x08 && f[13] === 0x00).map((f) => toHex(f.subarray(14 + (f[14] & 0x0f) * 4)));
    expect(ipFrames).toEqual([toHex(data), toHex(data), toHex(data), toHex(data.subarray(0, 1000))]);
  });

  it('routeTo tells transports the interface, next hop, source, MTU and whether the device segments TCP itself (TSO)', () => {
    const { h, ih } = routed();
    expect(h.ip.routeTo(ip('203.0.113.7'))).toEqual({ iface: ih, nextHop: ip('192.168.1.1'), src: ip('192.168.1.10'), mtu: 1500, local: false, tsoMaxSize: 0 });
    expect(h.ip.routeTo(ip('192.168.1.77'))?.nextHop).toBe(ip('192.168.1.77'));
  });
});

describe('forwarding', () => {
  it('a router forwards with TTL decremented and new MACs', () => {
    const { sim, h, s, dh, dr1 } = routed();
    const rec = recorder();
    s.ip.register(IP_PROTOCOL.UDP, rec);
    h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000, 53, hex('71')) });
    sim.runFor(1_000_000);
    expect(trace(dh.sent)).toEqual([
      '0 02:00:00:00:00:10 > ff:ff:ff:ff:ff:ff arp who-has 192.168.1.1 tell 192.168.1.10',
      '2000 02:00:00:00:00:10 > 02:00:00:00:00:11 192.168.1.10 > 203.0.113.7 ttl 64 id 1000 udp 4000 > 53 len 1',
    ]);
    expect(trace(dr1.sent)).toEqual([
      '3000 02:00:00:00:00:21 > ff:ff:ff:ff:ff:ff arp who-has 203.0.113.7 tell 203.0.113.1',
      '5000 02:00:00:00:00:21 > 02:00:00:00:00:27 192.168.1.10 > 203.0.113.7 ttl 63 id 1000 udp 4000 > 53 len 1',
    ]);
    expect(rec.got.map((d) => [d.ttl, d.data[8]])).toEqual([[63, 0x71]]);
  });

  it('TTL 1 is not forwarded: ICMP time exceeded goes back and reaches the sending transport', () => {
    const { sim, h, r, dr0 } = routed();
    const rec = recorder();
    h.ip.register(IP_PROTOCOL.UDP, rec);
    h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000, 33434, hex('00')), ttl: 1 });
    sim.runFor(1_000_000);
    expect(trace(dr0.sent, { noArp: true })).toEqual([
      '3000 02:00:00:00:00:11 > 02:00:00:00:00:10 192.168.1.1 > 192.168.1.10 ttl 64 id 2000 icmp time exceeded code 0 about [192.168.1.10 > 203.0.113.7 udp]',
    ]);
    expect(r.counters.get('ip.ttlExpired')).toBe(1);
    expect(rec.errors.map((e) => [e.type, e.code, e.from, e.original.dst])).toEqual([[11, 0, ip('192.168.1.1'), ip('203.0.113.7')]]);
    expect(toHex(dr0.sent[1].frame.subarray(14, 16))).toBe('45 c0'); // internetwork control
  });

  it('no route: ICMP net unreachable', () => {
    const { sim, h, r, dr0 } = routed();
    r.routes.remove('203.0.113.0', 24);
    h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000, 53, hex('00')) });
    sim.runFor(1_000_000);
    expect(trace(dr0.sent, { noArp: true }).map((l) => l.split(' ').slice(1).join(' '))).toEqual([
      '02:00:00:00:00:11 > 02:00:00:00:00:10 192.168.1.1 > 192.168.1.10 ttl 64 id 2000 icmp unreachable code 0 about [192.168.1.10 > 203.0.113.7 udp]',
    ]);
    expect(r.counters.get('ip.noRoute')).toBe(1);
  });

  it('DF and too big for the next link: ICMP fragmentation needed with the next-hop MTU', () => {
    const { sim, h, r, dr0, dr1 } = routed({ mtu2: 576 });
    const rec = recorder();
    h.ip.register(IP_PROTOCOL.UDP, rec);
    h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000, 53, seqBytes(992)), df: true });
    sim.runFor(1_000_000);
    expect(trace(dr0.sent, { noArp: true })).toEqual([
      '3000 02:00:00:00:00:11 > 02:00:00:00:00:10 192.168.1.1 > 192.168.1.10 ttl 64 id 2000 icmp unreachable code 4 mtu 576 about [192.168.1.10 > 203.0.113.7 udp]',
    ]);
    const msg = dr0.sent[1].frame.subarray(34);
    expect(toHex(msg.subarray(0, 8)).replace(/^(\S+ \S+) \S+ \S+/, '$1 cs cs')).toBe('03 04 cs cs 00 00 02 40');
    expect(msg.length).toBe(8 + 548); // the quote is capped so the error fits 576 bytes
    expect(dr1.sent).toEqual([]);
    expect(r.counters.get('ip.fragNeeded')).toBe(1);
    expect(rec.errors.map((e) => [e.type, e.code, e.mtu])).toEqual([[3, 4, 576]]);
  });
});
