import { describe, expect, it } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import { SEC } from '../../sim/time.js';
import { NetStack } from '../../stack/host.js';
import type { EchoReply } from '../../stack/icmp.js';
import { TestDevice } from '../../stack/testdev.js';
import { ETHERTYPE, MAC_BROADCAST } from '../../stack/wire/ethernet.js';
import { ICMP_UNREACH } from '../../stack/wire/icmp.js';
import { IP_PROTOCOL } from '../../stack/wire/ipv4.js';
import { eth, hex, icmp, ip, ipv4, mac, nonZero, recorder, routed, seqBytes, toHex, trace, twoHosts, udp } from './helpers.js';

/** A host 10.0.0.1 whose neighbour 10.0.0.9 (MAC …:09) is already resolved, fed frames directly. */
function host(opts: Partial<ConstructorParameters<typeof NetStack>[1]> = {}) {
  const sim = new Simulator();
  const dev = new TestDevice(sim, { name: 'eth0', mac: mac(1) });
  const s = new NetStack(sim, { udp: false, name: 'h', firstIpId: 0x1234, ...opts });
  s.addInterface(dev, { address: '10.0.0.1', prefixLength: 24, announce: false });
  // Learn 10.0.0.9 from its request, then confirm it.
  dev.inject(eth(MAC_BROADCAST, mac(9), ETHERTYPE.ARP, hex('00 01 08 00 06 04 00 01 02 00 00 00 00 09 0a 00 00 09 00 00 00 00 00 00 0a 00 00 01')));
  dev.inject(eth(mac(1), mac(9), ETHERTYPE.ARP, hex('00 01 08 00 06 04 00 02 02 00 00 00 00 09 0a 00 00 09 02 00 00 00 00 01 0a 00 00 01')));
  dev.takeSent();
  const feed = (packet: Uint8Array, dst = mac(1)) => dev.inject(eth(dst, mac(9), ETHERTYPE.IPV4, packet));
  return { sim, s, dev, feed };
}

const PEER = ip('10.0.0.9');
const US = ip('10.0.0.1');

describe('echo', () => {
  it('answers an echo request (exact bytes: id, sequence and data echoed, checksum fixed)', () => {
    const { s, dev, feed } = host();
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, ident: 0x3f1c, dontFragment: true, payload: icmp({ kind: 'echoRequest', id: 0x0b2e, seq: 1, data: hex('d3 7e 5b 65 00 00 00 00') }) }));
    expect(dev.sent.map((f) => toHex(f.frame))).toEqual([
      toHex(
        hex(`
          02 00 00 00 00 09 02 00 00 00 00 01 08 00
          45 00 00 24 12 34 00 00 40 01 54 9c 0a 00 00 01 0a 00 00 09
          00 00 c5 ec 0b 2e 00 01 d3 7e 5b 65 00 00 00 00
        `),
      ),
    ]);
    expect(nonZero(s, 'rx-ok')).toEqual({ 'arp.accepted': 2, 'icmp.echoAnswered': 1 });
  });

  it('ignores echo requests to broadcast addresses unless told otherwise', () => {
    const req = () => ipv4({ src: PEER, dst: ip('10.0.0.255'), protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'echoRequest', id: 1, seq: 1, data: hex('00') }) });
    const quiet = host();
    quiet.feed(req(), MAC_BROADCAST);
    expect(quiet.dev.sent).toEqual([]);
    expect(nonZero(quiet.s, 'rx-drop')).toEqual({ 'icmp.echoBroadcast': 1 });
    const loud = host({ icmpEchoIgnoreBroadcasts: false });
    loud.feed(req(), MAC_BROADCAST);
    expect(trace(loud.dev.sent)).toEqual(['0 02:00:00:00:00:01 > 02:00:00:00:00:09 10.0.0.1 > 10.0.0.9 ttl 64 id 4660 icmp echo reply id 1 seq 1 len 1']);
  });

  it('the ping hook: sendEcho and onEchoReply between two hosts', () => {
    const { sim, a } = twoHosts();
    const replies: EchoReply[] = [];
    a.icmp.onEchoReply((r) => replies.push({ ...r, data: r.data.slice() }));
    expect(a.icmp.sendEcho({ dst: ip('10.0.0.2'), id: 42, seq: 1, data: seqBytes(56) })).toBe('queued');
    sim.runFor(1_000_000);
    expect(a.icmp.sendEcho({ dst: ip('10.0.0.2'), id: 42, seq: 2, data: seqBytes(56) })).toBe('sent');
    sim.runFor(1_000_000);
    expect(replies.map((r) => [r.src, r.id, r.seq, r.ttl, r.time, r.data.length])).toEqual([
      [ip('10.0.0.2'), 42, 1, 64, 4000, 56],
      [ip('10.0.0.2'), 42, 2, 64, 1_002_000, 56],
    ]);
  });

  it('counts bad messages once: truncated, bad checksum, unsupported types, replies nobody waits for', () => {
    const { s, dev, feed } = host();
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: hex('08 00 f7 ff') }));
    const bad = icmp({ kind: 'echoRequest', id: 1, seq: 1, data: hex('00') });
    bad[2] ^= 0xff;
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: bad }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'other', type: 13, code: 0, rest: 0, data: seqBytes(12) }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'other', type: 5, code: 1, rest: PEER, data: seqBytes(28) }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'echoReply', id: 1, seq: 1, data: hex('00') }) }));
    expect(nonZero(s, 'rx-drop')).toEqual({ 'icmp.truncated': 1, 'icmp.badChecksum': 1, 'icmp.unsupportedType': 2, 'icmp.noListener': 1 });
    expect(dev.sent).toEqual([]);
  });
});

describe('errors received', () => {
  const ourUdp = () => ipv4({ src: US, dst: ip('10.0.0.50'), protocol: IP_PROTOCOL.UDP, payload: udp(US, ip('10.0.0.50'), 5353, 53, seqBytes(4)) });

  it('go to the transport that sent the original, with the MTU of fragmentation needed', () => {
    const { s, feed } = host();
    const rec = recorder();
    s.ip.register(IP_PROTOCOL.UDP, rec);
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'destUnreachable', code: ICMP_UNREACH.FRAG_NEEDED, nextHopMtu: 1400, invoking: ourUdp() }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'destUnreachable', code: ICMP_UNREACH.PORT, nextHopMtu: 0, invoking: ourUdp().subarray(0, 28) }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'timeExceeded', code: 0, invoking: ourUdp() }) }));
    expect(rec.errors.map((e) => [e.type, e.code, e.from, e.mtu, e.original.dst, toHex(e.original.payload.subarray(0, 4))])).toEqual([
      [3, 4, PEER, 1400, ip('10.0.0.50'), '14 e9 00 35'],
      [3, 3, PEER, undefined, ip('10.0.0.50'), '14 e9 00 35'],
      [11, 0, PEER, undefined, ip('10.0.0.50'), '14 e9 00 35'],
    ]);
    expect(nonZero(s, 'rx-ok')).toMatchObject({ 'icmp.errorDelivered': 3 });
  });

  it('are dropped when unusable: not about our datagram, quote too short, nobody to tell', () => {
    const { s, feed } = host();
    const theirs = ipv4({ src: ip('10.0.0.77'), dst: ip('10.0.0.50'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('10.0.0.77'), ip('10.0.0.50'), 1, 2, hex('00')) });
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'destUnreachable', code: 3, nextHopMtu: 0, invoking: theirs }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'destUnreachable', code: 3, nextHopMtu: 0, invoking: ourUdp().subarray(0, 24) }) }));
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.ICMP, payload: icmp({ kind: 'destUnreachable', code: 3, nextHopMtu: 0, invoking: ourUdp() }) })); // no UDP registered
    expect(nonZero(s, 'rx-drop')).toEqual({ 'icmp.badError': 2, 'icmp.noErrorHandler': 1 });
  });
});

describe('errors sent: the RFC 1122 rules', () => {
  it('a transport sends port unreachable about a datagram it cannot deliver (exact bytes)', () => {
    const { s, dev, feed } = host();
    s.ip.register(IP_PROTOCOL.UDP, { receive: (d) => void s.icmp.destUnreachable(d, ICMP_UNREACH.PORT) });
    feed(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.UDP, ident: 0x99, payload: udp(PEER, US, 40000, 7, hex('61 62')) }));
    expect(trace(dev.sent)).toEqual(['0 02:00:00:00:00:01 > 02:00:00:00:00:09 10.0.0.1 > 10.0.0.9 ttl 64 id 4660 icmp unreachable code 3 about [10.0.0.9 > 10.0.0.1 udp]']);
    const msg = dev.sent[0].frame.subarray(34);
    expect(toHex(msg.subarray(0, 2))).toBe('03 03');
    expect(toHex(msg.subarray(4, 8))).toBe('00 00 00 00');
    expect(msg.subarray(8)).toEqual(ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.UDP, ident: 0x99, payload: udp(PEER, US, 40000, 7, hex('61 62')) })); // the whole datagram quoted
  });

  it('never about an ICMP error, a broadcast, a non-first fragment, or a source that is not one host', () => {
    const { sim, r, dr0, dr1 } = routed();
    const feed = (packet: Uint8Array, dst = mac(0x11)) => dr0.inject(eth(dst, mac(0x10), ETHERTYPE.IPV4, packet));
    const H = ip('192.168.1.10');
    const S = ip('203.0.113.7');
    const error = icmp({ kind: 'destUnreachable', code: 3, nextHopMtu: 0, invoking: ipv4({ src: S, dst: H, protocol: 17, payload: seqBytes(8) }) });
    feed(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.ICMP, ttl: 1, payload: error })); // an ICMP error with TTL 1
    feed(ipv4({ src: H, dst: S, protocol: 99, ttl: 1, fragmentOffset: 8, payload: seqBytes(8) })); // a non-first fragment
    feed(ipv4({ src: H, dst: ip('192.168.1.255'), protocol: 99, payload: seqBytes(8) }), MAC_BROADCAST); // unknown protocol, to a broadcast
    feed(ipv4({ src: 0, dst: ip('255.255.255.255'), protocol: 99, payload: seqBytes(8) }), MAC_BROADCAST); // from 0.0.0.0
    sim.runFor(SEC);
    expect(dr0.sent).toEqual([]);
    expect(dr1.sent).toEqual([]);
    expect(nonZero(r, 'rx-drop')).toEqual({ 'ip.ttlExpired': 2, 'ip.unknownProtocol': 2 });
    expect(r.counters.get('icmp.errorsSuppressed')).toBe(4);
    // The first fragment, and an echo request with TTL 1, do get time exceeded.
    feed(ipv4({ src: H, dst: S, protocol: 99, ttl: 1, moreFragments: true, payload: seqBytes(8) }));
    feed(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.ICMP, ttl: 1, payload: icmp({ kind: 'echoRequest', id: 1, seq: 1, data: hex('00') }) }));
    sim.runFor(SEC);
    expect(trace(dr0.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '192.168.1.1 > 192.168.1.10 ttl 64 id 2000 icmp time exceeded code 0 about [192.168.1.10 > 203.0.113.7 proto 99]',
      '192.168.1.1 > 192.168.1.10 ttl 64 id 2001 icmp time exceeded code 0 about [192.168.1.10 > 203.0.113.7 icmp]',
    ]);
  });

  it('are rate limited (fragmentation needed is exempt)', () => {
    const { sim, s, dev, feed } = host({ icmpBurst: 2, icmpRatePerSec: 10 });
    const probe = (k: number) => ipv4({ src: PEER, dst: US, protocol: 99, ident: k, payload: seqBytes(8) });
    for (let k = 0; k < 4; k++) feed(probe(k));
    expect(dev.sent.length).toBe(2);
    expect(s.counters.get('icmp.rateLimited')).toBe(2);
    sim.runFor(100_000_000); // one token back
    feed(probe(5));
    feed(probe(6));
    expect(dev.sent.length).toBe(3);
    expect(nonZero(s, 'tx-drop')).toEqual({ 'icmp.rateLimited': 3 });
  });
});
