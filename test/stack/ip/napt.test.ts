import { describe, expect, it } from 'vitest';
import { SEC } from '../../../sim/time.js';
import type { EchoReply } from '../../../stack/icmp.js';
import type { IpHandler } from '../../../stack/ip/ipv4.js';
import { WireError } from '../../../stack/wire/error.js';
import { ETHERTYPE } from '../../../stack/wire/ethernet.js';
import { ICMP_UNREACH, parseIcmp } from '../../../stack/wire/icmp.js';
import { IP_PROTOCOL, Ipv4Packet, parseIpv4 } from '../../../stack/wire/ipv4.js';
import { parseUdp } from '../../../stack/wire/udp.js';
import { eth, hex, ip, ipv4, mac, nonZero, recorder, routed, seqBytes, trace, udp } from '../helpers.js';

const H = ip('192.168.1.10');
const S = ip('203.0.113.7');
const PUB = ip('203.0.113.1');

function natted(opts: { timeoutNs?: number; maxMappings?: number; portRange?: [number, number]; refuse?: 'h' | 's' } = {}) {
  const t = routed();
  const { refuse, ...naptOpts } = opts;
  const napt = t.r.configureNapt({ inside: t.ir0, outside: t.ir1, ...naptOpts });
  const hUdp = recorder();
  const sUdp = recorder();
  // A host that "refuses" answers every UDP datagram with port unreachable (a closed port).
  const refuser = (stack: typeof t.h): IpHandler => ({ receive: (d) => void stack.icmp.destUnreachable(d, ICMP_UNREACH.PORT), icmpError: () => {} });
  t.h.ip.register(IP_PROTOCOL.UDP, refuse === 'h' ? { receive: refuser(t.h).receive, icmpError: hUdp.icmpError } : hUdp);
  t.s.ip.register(IP_PROTOCOL.UDP, refuse === 's' ? { receive: refuser(t.s).receive, icmpError: sUdp.icmpError } : sUdp);
  return { ...t, napt, hUdp, sUdp };
}

const udpOk = (d: { payload: Uint8Array; src: number; dst: number }) => !(parseUdp(d.payload, d.src, d.dst) instanceof WireError);

describe('NAPT (the seed\'s private/public example)', () => {
  it('an inside host\'s UDP gets the public address and a mapped port; the reply is translated back', () => {
    const { sim, h, s, r, napt, hUdp, sUdp, dr1 } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('71 75 65 72 79')) });
    sim.runFor(SEC);
    expect(trace(dr1.sent, { noArp: true })).toEqual(['5000 02:00:00:00:00:21 > 02:00:00:00:00:27 203.0.113.1 > 203.0.113.7 ttl 63 id 1000 udp 49152 > 53 len 5']);
    expect(sUdp.got.map((d) => [d.src, d.data[0] << 8 | d.data[1], udpOk(d)])).toEqual([[PUB, 49152, true]]);
    expect(napt.table()).toEqual([{ protocol: 'udp', inside: '192.168.1.10:5000', outside: '203.0.113.1:49152', remote: '203.0.113.7:53', expiresInNs: 59 * SEC + 3000 }]);

    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('61 6e 73')) });
    sim.runFor(SEC);
    expect(hUdp.got.map((d) => [d.src, d.dst, d.data[0] << 8 | d.data[1], d.data[2] << 8 | d.data[3], d.ttl, udpOk(d)])).toEqual([[S, H, 53, 5000, 63, true]]);
    expect(r.counters.get('napt.translatedOut')).toBe(1);
    expect(r.counters.get('napt.translatedIn')).toBe(1);
    expect(r.counters.get('ip.forwarded')).toBe(2);
  });

  it('ICMP echo: the identifier is mapped both ways', () => {
    const { sim, h, napt } = natted();
    const replies: EchoReply[] = [];
    h.icmp.onEchoReply((e) => replies.push(e));
    h.icmp.sendEcho({ dst: S, id: 42, seq: 7, data: seqBytes(16) });
    sim.runFor(SEC);
    expect(napt.table().map((x) => `${x.protocol} ${x.inside} ${x.outside} ${x.remote}`)).toEqual(['icmp 192.168.1.10:42 203.0.113.1:49152 203.0.113.7:0']);
    expect(replies.map((e) => [e.src, e.id, e.seq, e.ttl])).toEqual([[S, 42, 7, 63]]);
  });

  it('each remote endpoint gets its own mapping; ports are allocated in order from the range', () => {
    const { sim, h, napt } = natted({ portRange: [20000, 20001] });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 53, hex('00')) });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 54, hex('00')) });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 53, hex('00')) }); // same mapping again
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5001, 53, hex('00')) }); // no port left
    sim.runFor(SEC);
    expect(napt.table().map((x) => `${x.inside} ${x.outside} ${x.remote}`)).toEqual([
      '192.168.1.10:5000 203.0.113.1:20000 203.0.113.7:53',
      '192.168.1.10:5000 203.0.113.1:20001 203.0.113.7:54',
    ]);
    expect(napt.size).toBe(2);
  });

  it('unsolicited packets and replies from another endpoint are not let in (they reach the router itself)', () => {
    const { sim, h, s, r, hUdp } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 99, 49152, hex('01')) }); // wrong source port
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49153, hex('02')) }); // no such mapping
    sim.runFor(SEC);
    expect(hUdp.got).toEqual([]);
    expect(r.counters.get('ip.unknownProtocol')).toBe(2); // the router runs no UDP
  });

  it('mappings expire after the idle timeout; traffic in either direction refreshes them', () => {
    const { sim, h, s, napt } = natted({ timeoutNs: 10 * SEC });
    const events = sim.trace.record(['napt.mapping']);
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(6 * SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('01')) }); // refresh at 6 s + 1 µs
    sim.runFor(10 * SEC);
    expect(napt.size).toBe(1);
    sim.runFor(10 * SEC);
    expect(napt.size).toBe(0);
    expect(events.events.map((e) => `${e.time} ${e.kind === 'napt.mapping' ? `${e.event} ${e.protocol} ${e.inside} ${e.outside}` : ''}`)).toEqual([
      '3000 create udp 192.168.1.10:5000 203.0.113.1:49152',
      '16000001000 expire udp 192.168.1.10:5000 203.0.113.1:49152',
    ]);
    expect(h.counters.get('ip.delivered')).toBe(1);
  });

  it('an ICMP error from outside about a translated datagram is translated back (quoted header, ports, checksums)', () => {
    const { sim, h, hUdp, dr0 } = natted({ refuse: 's' });
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    expect(trace(dr0.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '203.0.113.7 > 192.168.1.10 ttl 63 id 3000 icmp unreachable code 3 about [192.168.1.10 > 203.0.113.7 udp]',
    ]);
    expect(hUdp.errors.map((e) => [e.type, e.code, e.from, e.original.src, e.original.dst, (e.original.payload[0] << 8) | e.original.payload[1]])).toEqual([[3, 3, S, H, S, 5000]]);
    const frame = dr0.sent.find((f) => f.frame[14 + 9] === IP_PROTOCOL.ICMP)!.frame;
    const outer = parseIpv4(frame.subarray(14));
    if (outer instanceof WireError) throw new Error(outer.message);
    const msg = parseIcmp(outer.payload); // the ICMP checksum is verified here
    if (msg instanceof WireError || msg.kind !== 'destUnreachable') throw new Error('not an unreachable');
    expect(new Ipv4Packet(msg.invoking).checksumOk()).toBe(true); // quoted IP header checksum fixed
    expect(parseUdp(msg.invoking.subarray(20), H, S)).not.toBeInstanceOf(WireError); // quoted UDP checksum fixed
  });

  it("an inside host's ICMP error about a translated-in datagram leaves with the public address quoted", () => {
    const { sim, h, s, sUdp, dr1 } = natted({ refuse: 'h' });
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('01')) });
    sim.runFor(SEC);
    expect(trace(dr1.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '203.0.113.1 > 203.0.113.7 ttl 63 id 1000 udp 49152 > 53 len 1',
      '203.0.113.1 > 203.0.113.7 ttl 63 id 1001 icmp unreachable code 3 about [203.0.113.7 > 203.0.113.1 udp]',
    ]);
    expect(sUdp.errors.map((e) => [e.from, e.original.src, e.original.dst, (e.original.payload[2] << 8) | e.original.payload[3]])).toEqual([[PUB, S, PUB, 49152]]);
    const frame = dr1.sent.at(-1)!.frame;
    const outer = parseIpv4(frame.subarray(14));
    if (outer instanceof WireError) throw new Error(outer.message);
    const msg = parseIcmp(outer.payload);
    if (msg instanceof WireError || msg.kind !== 'destUnreachable') throw new Error('not an unreachable');
    expect(new Ipv4Packet(msg.invoking).checksumOk()).toBe(true);
    expect(parseUdp(msg.invoking.subarray(20), S, PUB)).not.toBeInstanceOf(WireError);
    expect(s.counters.get('icmp.errorDelivered')).toBe(1);
  });

  it('protocols NAPT cannot translate, short packets and a full table are counted', () => {
    const { sim, r, dr0 } = natted({ maxMappings: 1 });
    const inj = (p: Uint8Array) => dr0.inject(eth(mac(0x11), mac(0x10), ETHERTYPE.IPV4, p));
    inj(ipv4({ src: H, dst: S, protocol: 47, payload: seqBytes(8) })); // GRE
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: seqBytes(4) })); // shorter than a UDP header
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 1, 2, hex('00')) }));
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 3, 4, hex('00')) })); // second mapping: table full
    sim.runFor(SEC);
    expect(nonZero(r, 'rx-drop')).toEqual({ 'napt.unsupported': 1, 'napt.badPacket': 1, 'napt.tableFull': 1 });
    expect(r.counters.get('ip.forwarded')).toBe(1);
  });

  it('fragmented traffic is reassembled before translation and fragmented again on the way out', () => {
    const { sim, h, sUdp, r } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 9, seqBytes(3000)) });
    sim.runFor(SEC);
    expect(sUdp.got.map((d) => [d.src, d.data.length, udpOk(d)])).toEqual([[PUB, 3008, true]]);
    expect(r.counters.get('ip.fragMerged')).toBe(2);
    expect(r.counters.get('ip.fragCreated')).toBe(3);
  });
});
