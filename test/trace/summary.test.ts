/**
 * One-line frame summaries: fixtures built with stack/wire's emit functions, one per protocol
 * case, the FCS and line-level notes, and a seeded property test that no input makes them throw.
 */
import { describe, expect, test } from 'vitest';
import { summarizeFrame, summarizeWireFrame } from '../../trace/summary.js';
import { Rng } from '../../sim/rng.js';
import { serializeFrame } from '../../hw/mac/framing.js';
import type { WireFrame } from '../../hw/medium/types.js';
import {
  ARP_OP,
  DNS_CLASS,
  DNS_RCODE,
  DNS_TYPE,
  ETHERTYPE,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH,
  IP_PROTOCOL,
  NO_IPV4_OPTIONS,
  arpBufferLen,
  dnsBufferLen,
  emitArp,
  emitDns,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  emitUdp,
  ethernetBufferLen,
  icmpBufferLen,
  ipv4BufferLen,
  parseIpv4Addr,
  parseMac,
  udpBufferLen,
  type ArpRepr,
  type DnsRepr,
  type EthernetRepr,
  type IcmpRepr,
  type Ipv4Repr,
  type UdpRepr,
  type VlanTag,
  TCP_FLAG,
  emitTcp,
  tcpBufferLen,
  tcpDataOptions,
  tcpSynOptions,
  type TcpRepr,
} from '../../stack/wire/index.js';

// ------------------------------------------------------------------ fixtures

const MAC1 = parseMac('02:00:00:00:00:01')!;
const MAC2 = parseMac('02:00:00:00:00:02')!;
const BCAST = parseMac('ff:ff:ff:ff:ff:ff')!;
const IP1 = parseIpv4Addr('10.0.0.1')!;
const IP2 = parseIpv4Addr('10.0.0.2')!;
const SERVER = parseIpv4Addr('10.0.1.2')!;

function eth(ethertype: number, payload: Uint8Array, dst = MAC2, src = MAC1, vlan?: VlanTag): Uint8Array {
  const repr: EthernetRepr = { dst, src, ethertype, payload, vlan };
  const buf = new Uint8Array(ethernetBufferLen(repr));
  emitEthernet(repr, buf);
  return buf;
}

/** Pads to the 60-octet minimum, as the MAC does (the padding follows the IP datagram). */
function padded(frame: Uint8Array): Uint8Array {
  if (frame.length >= 60) return frame;
  const out = new Uint8Array(60);
  out.set(frame);
  return out;
}

function arp(operation: number, senderHw: number, senderIp: number, targetHw: number, targetIp: number): Uint8Array {
  const repr: ArpRepr = { operation, senderHw, senderIp, targetHw, targetIp };
  const buf = new Uint8Array(arpBufferLen(repr));
  emitArp(repr, buf);
  return buf;
}

function ipv4(protocol: number, src: number, dst: number, payload: Uint8Array, more: Partial<Ipv4Repr> = {}): Uint8Array {
  const repr: Ipv4Repr = { dscp: 0, ecn: 0, ident: 0x1234, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, src, dst, options: NO_IPV4_OPTIONS, payload, ...more };
  const buf = new Uint8Array(ipv4BufferLen(repr));
  emitIpv4(repr, buf);
  return buf;
}

function icmp(repr: IcmpRepr): Uint8Array {
  const buf = new Uint8Array(icmpBufferLen(repr));
  emitIcmp(repr, buf);
  return buf;
}

function udp(src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const repr: UdpRepr = { srcPort, dstPort, hasChecksum: true, payload };
  const buf = new Uint8Array(udpBufferLen(repr));
  emitUdp(repr, buf, src, dst);
  return buf;
}

function dns(repr: Partial<DnsRepr>): Uint8Array {
  const full: DnsRepr = {
    id: 0x4242,
    response: false,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    z: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    ...repr,
  };
  const buf = new Uint8Array(dnsBufferLen(full));
  emitDns(full, buf);
  return buf;
}

const ipFrame = (protocol: number, src: number, dst: number, payload: Uint8Array, more: Partial<Ipv4Repr> = {}) => padded(eth(ETHERTYPE.IPV4, ipv4(protocol, src, dst, payload, more)));
const udpFrame = (src: number, dst: number, sport: number, dport: number, payload: Uint8Array) => ipFrame(IP_PROTOCOL.UDP, src, dst, udp(src, dst, sport, dport, payload));

const QUESTION = { name: 'server.lan', type: DNS_TYPE.A, class: DNS_CLASS.IN };

/** The frames the ladder's example uses, named. */
const FIXTURES = {
  arpRequest: padded(eth(ETHERTYPE.ARP, arp(ARP_OP.REQUEST, MAC1, IP1, 0, IP2), BCAST)),
  arpReply: padded(eth(ETHERTYPE.ARP, arp(ARP_OP.REPLY, MAC2, IP2, MAC1, IP1), MAC1, MAC2)),
  echoRequest: ipFrame(IP_PROTOCOL.ICMP, IP1, IP2, icmp({ kind: 'echoRequest', id: 1, seq: 1, data: new Uint8Array(32).fill(0x61) })),
  echoReply: ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'echoReply', id: 1, seq: 1, data: new Uint8Array(32).fill(0x61) })),
  dnsQuery: udpFrame(IP1, SERVER, 5000, 53, dns({ questions: [QUESTION] })),
  dnsResponse: udpFrame(SERVER, IP1, 53, 5000, dns({ response: true, recursionAvailable: true, questions: [QUESTION], answers: [{ kind: 'a', name: 'server.lan', class: DNS_CLASS.IN, ttl: 300, address: SERVER }] })),
};

/** The frame with its FCS appended (what a receive buffer holds without RCTL.SECRC). */
function withFcs(frame: Uint8Array): Uint8Array {
  return serializeFrame(frame, true, false).subarray(8);
}

function wire(line: Uint8Array): WireFrame {
  return { id: 1, bytes: line, bitTimeNs: 1, txStart: 0, sender: 'a' };
}

// ------------------------------------------------------------------ tests

describe('summarizeFrame: ARP', () => {
  test('request: who-has … tell …', () => {
    expect(summarizeFrame(FIXTURES.arpRequest)).toBe('ARP who-has 10.0.0.2 tell 10.0.0.1');
  });
  test('reply: … is-at …', () => {
    expect(summarizeFrame(FIXTURES.arpReply)).toBe('ARP 10.0.0.2 is-at 02:00:00:00:00:02');
  });
  test('announcement (gratuitous ARP: sender and target address equal)', () => {
    expect(summarizeFrame(padded(eth(ETHERTYPE.ARP, arp(ARP_OP.REQUEST, MAC1, IP1, 0, IP1), BCAST)))).toBe('ARP announcement 10.0.0.1');
  });
  test('unknown operation and non-Ethernet hardware', () => {
    expect(summarizeFrame(padded(eth(ETHERTYPE.ARP, arp(9, MAC1, IP1, 0, IP2))))).toBe('ARP op=9 10.0.0.1 → 10.0.0.2');
    const odd = arp(ARP_OP.REQUEST, MAC1, IP1, 0, IP2);
    odd[1] = 6; // hardware type IEEE 802
    expect(summarizeFrame(padded(eth(ETHERTYPE.ARP, odd)))).toBe('ARP (hardware type is not Ethernet)');
  });
});

describe('summarizeFrame: ICMP', () => {
  test('echo request and reply', () => {
    expect(summarizeFrame(FIXTURES.echoRequest)).toBe('ICMP echo request id=1 seq=1');
    expect(summarizeFrame(FIXTURES.echoReply)).toBe('ICMP echo reply id=1 seq=1');
  });
  test('destination unreachable (port) names the datagram it refers to', () => {
    const invoking = ipv4(IP_PROTOCOL.UDP, IP1, IP2, udp(IP1, IP2, 5000, 53, new Uint8Array(4)));
    const f = ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'destUnreachable', code: ICMP_UNREACH.PORT, nextHopMtu: 0, invoking: invoking.subarray(0, 28) }));
    expect(summarizeFrame(f)).toBe('ICMP destination unreachable (port) for UDP 10.0.0.1:5000 → 10.0.0.2:53');
  });
  test('fragmentation needed carries the next-hop MTU', () => {
    const invoking = ipv4(IP_PROTOCOL.TCP, IP1, IP2, new Uint8Array(8));
    const f = ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'destUnreachable', code: ICMP_UNREACH.FRAG_NEEDED, nextHopMtu: 1400, invoking }));
    expect(summarizeFrame(f)).toBe('ICMP destination unreachable (fragmentation needed, mtu=1400) for TCP 10.0.0.1:0 → 10.0.0.2:0');
  });
  test('time exceeded', () => {
    const invoking = ipv4(IP_PROTOCOL.ICMP, IP1, SERVER, new Uint8Array(8));
    const f = ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'timeExceeded', code: ICMP_TIME_EXCEEDED.TTL, invoking }));
    expect(summarizeFrame(f)).toBe('ICMP time exceeded (TTL) for ICMP 10.0.0.1 → 10.0.1.2');
  });
  test('other types by name or number', () => {
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'other', type: 5, code: 1, rest: 0, data: new Uint8Array(0) })))).toBe('ICMP redirect code=1');
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.ICMP, IP2, IP1, icmp({ kind: 'other', type: 42, code: 0, rest: 0, data: new Uint8Array(0) })))).toBe('ICMP type=42 code=0');
  });
  test('a wrong ICMP checksum is noted, not hidden', () => {
    const f = FIXTURES.echoRequest.slice();
    f[14 + 20 + 2] ^= 0xff;
    expect(summarizeFrame(f)).toBe('ICMP echo request id=1 seq=1 (bad ICMP checksum)');
  });
});

describe('summarizeFrame: UDP and DNS', () => {
  test('DNS query: A? name', () => {
    expect(summarizeFrame(FIXTURES.dnsQuery)).toBe('DNS A? server.lan');
  });
  test('DNS response: A name = address', () => {
    expect(summarizeFrame(FIXTURES.dnsResponse)).toBe('DNS A server.lan = 10.0.1.2');
  });
  test('DNS response with two addresses, and NXDOMAIN', () => {
    const two = dns({ response: true, questions: [QUESTION], answers: [1, 2].map((k) => ({ kind: 'a' as const, name: 'server.lan', class: DNS_CLASS.IN, ttl: 1, address: SERVER + k })) });
    expect(summarizeFrame(udpFrame(SERVER, IP1, 53, 5000, two))).toBe('DNS A server.lan = 10.0.1.3, 10.0.1.4');
    const nx = dns({ response: true, rcode: DNS_RCODE.NXDOMAIN, questions: [{ ...QUESTION, name: 'nope.lan' }] });
    expect(summarizeFrame(udpFrame(SERVER, IP1, 53, 5000, nx))).toBe('DNS A nope.lan: NXDOMAIN');
  });
  test('plain UDP: addresses, ports and payload length', () => {
    expect(summarizeFrame(udpFrame(IP1, IP2, 5000, 7, new Uint8Array(12)))).toBe('UDP 10.0.0.1:5000 → 10.0.0.2:7 len=12');
  });
  test('port 53 that is not DNS is still summarized as UDP', () => {
    expect(summarizeFrame(udpFrame(IP1, IP2, 5000, 53, new Uint8Array(3)))).toBe('UDP 10.0.0.1:5000 → 10.0.0.2:53 len=3 (bad DNS: shorter than a header)');
  });
  test('a wrong UDP checksum is noted', () => {
    const f = udpFrame(IP1, IP2, 5000, 7, new Uint8Array(12));
    f[14 + 20 + 6] ^= 0x01;
    expect(summarizeFrame(f)).toBe('UDP 10.0.0.1:5000 → 10.0.0.2:7 len=12 (bad UDP checksum)');
  });
});

describe('summarizeFrame: IPv4, TCP and the rest', () => {
  test('fragments: offset, MF, protocol, addresses', () => {
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.UDP, IP1, IP2, new Uint8Array(40), { ident: 7, fragmentOffset: 1480 }))).toBe('IPv4 fragment id=7 off=1480 UDP 10.0.0.1 → 10.0.0.2 len=40');
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.UDP, IP1, IP2, new Uint8Array(40), { ident: 7, moreFragments: true }))).toBe('IPv4 fragment id=7 off=0 MF UDP 10.0.0.1 → 10.0.0.2 len=40');
  });
  test('TCP: flags, sequence numbers, window, length and the handshake options', () => {
    const tcpFrame = (repr: TcpRepr, src = IP1, dst = IP2): Uint8Array => {
      const seg = new Uint8Array(tcpBufferLen(repr));
      emitTcp(repr, seg, src, dst);
      return ipFrame(IP_PROTOCOL.TCP, src, dst, seg);
    };
    const base: TcpRepr = { srcPort: 40000, dstPort: 80, seq: 0xffff_fff0, ack: 0, flags: TCP_FLAG.SYN, window: 64240, urgent: 0, options: [], payload: new Uint8Array(0) };
    const syn = { ...base, options: tcpSynOptions({ mss: 1460, sackPermitted: true, timestamps: { tsVal: 1, tsEcr: 0 }, wscale: 7 }) };
    expect(summarizeFrame(tcpFrame(syn))).toBe('TCP 10.0.0.1:40000 → 10.0.0.2:80 [SYN] seq=4294967280 win=64240 len=0 mss=1460 ws=7 sack_perm');
    const data = { ...base, flags: TCP_FLAG.PSH | TCP_FLAG.ACK, seq: 1, ack: 7, window: 502, options: tcpDataOptions({ tsVal: 1, tsEcr: 2 }, [[10, 20]]), payload: new Uint8Array(5) };
    expect(summarizeFrame(tcpFrame(data))).toBe('TCP 10.0.0.1:40000 → 10.0.0.2:80 [PSH, ACK] seq=1 ack=7 win=502 len=5 sack=1');
    expect(summarizeFrame(tcpFrame({ ...base, flags: 0 }))).toBe('TCP 10.0.0.1:40000 → 10.0.0.2:80 [<None>] seq=4294967280 win=64240 len=0');
  });
  test('TCP: what cannot be decoded is said', () => {
    const zeros = Uint8Array.of(0x9c, 0x40, 0x00, 0x50, ...new Uint8Array(16)); // data offset 0
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.TCP, IP1, IP2, zeros))).toBe('TCP 10.0.0.1:40000 → 10.0.0.2:80 (data offset below 5)');
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.TCP, IP1, IP2, zeros.subarray(0, 3)))).toBe('TCP 10.0.0.1 → 10.0.0.2 (truncated)');
    const badOpt = Uint8Array.of(0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x10, 0, 1, 0, 0, 0, 0, 0x02, 0x00, 0, 0);
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.TCP, IP1, IP2, badOpt))).toBe('TCP 10.0.0.1:40000 → 10.0.0.2:80 [ACK] seq=1 ack=0 win=1 len=0 (option length out of range) (bad TCP checksum)');
  });
  test('other IP protocols', () => {
    expect(summarizeFrame(ipFrame(IP_PROTOCOL.IGMP, IP1, IP2, new Uint8Array(8)))).toBe('IPv4 10.0.0.1 → 10.0.0.2 IGMP len=8');
  });
  test('a wrong IPv4 header checksum is noted', () => {
    const f = FIXTURES.echoRequest.slice();
    f[14 + 10] ^= 0x10;
    expect(summarizeFrame(f)).toBe('ICMP echo request id=1 seq=1 (bad IP checksum)');
  });
  test('truncated IPv4 keeps what it can', () => {
    expect(summarizeFrame(FIXTURES.echoRequest.subarray(0, 14 + 30))).toBe('IPv4 10.0.0.1 → 10.0.0.2 ICMP (shorter than total length)');
    expect(summarizeFrame(FIXTURES.echoRequest.subarray(0, 14 + 10))).toBe('IPv4 (shorter than a header)');
  });
  test('unknown EtherType: the number and the length', () => {
    const f = new Uint8Array(60);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
    expect(summarizeFrame(f)).toBe('EtherType 0x88b5, 60 bytes');
    expect(summarizeFrame(padded(eth(ETHERTYPE.IPV6, new Uint8Array(40))))).toBe('EtherType 0x86dd (IPv6), 60 bytes');
  });
  test('802.3 length field and 802.1Q tag', () => {
    const llc = new Uint8Array(60);
    llc[12] = 0;
    llc[13] = 46;
    expect(summarizeFrame(llc)).toBe('IEEE 802.3 LLC, length 46, 60 bytes');
    const tagged = padded(eth(ETHERTYPE.ARP, arp(ARP_OP.REQUEST, MAC1, IP1, 0, IP2), BCAST, MAC1, { pcp: 5, dei: false, vid: 10 }));
    expect(summarizeFrame(tagged)).toBe('802.1Q vid=10 pcp=5: ARP who-has 10.0.0.2 tell 10.0.0.1');
  });
  test('shorter than an Ethernet header', () => {
    expect(summarizeFrame(new Uint8Array(0))).toBe('Ethernet (truncated, 0 bytes)');
    expect(summarizeFrame(new Uint8Array(13))).toBe('Ethernet (truncated, 13 bytes)');
  });
});

describe('summarizeFrame: the FCS', () => {
  const raw = new Uint8Array(60);
  raw.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  test('detected by default: a valid FCS is stripped before counting bytes', () => {
    expect(summarizeFrame(withFcs(raw))).toBe('EtherType 0x88b5, 60 bytes');
    expect(summarizeFrame(withFcs(FIXTURES.dnsQuery))).toBe('DNS A? server.lan');
  });
  test('told explicitly', () => {
    expect(summarizeFrame(withFcs(raw), { fcs: false })).toBe('EtherType 0x88b5, 64 bytes');
    expect(summarizeFrame(withFcs(raw), { fcs: true })).toBe('EtherType 0x88b5, 60 bytes');
    expect(summarizeFrame(raw, { fcs: true })).toBe('EtherType 0x88b5, 56 bytes');
  });
});

describe('summarizeWireFrame: what was on the line', () => {
  test('preamble, SFD and a good FCS are stripped silently', () => {
    expect(summarizeWireFrame(wire(serializeFrame(FIXTURES.arpRequest, true, true)))).toBe('ARP who-has 10.0.0.2 tell 10.0.0.1');
  });
  test('a shortened preamble is tolerated, as by a receiver', () => {
    expect(summarizeWireFrame(wire(serializeFrame(FIXTURES.arpReply, true, true).subarray(5)))).toBe('ARP 10.0.0.2 is-at 02:00:00:00:00:02');
  });
  test('(bad FCS)', () => {
    const line = serializeFrame(FIXTURES.echoRequest, true, true);
    line[line.length - 1] ^= 0x80;
    expect(summarizeWireFrame(wire(line))).toBe('ICMP echo request id=1 seq=1 (bad FCS)');
  });
  test('(runt): a fragment cut short by a collision', () => {
    const line = serializeFrame(FIXTURES.echoRequest, true, true).slice(0, 8 + 40);
    expect(summarizeWireFrame(wire(line))).toBe('IPv4 10.0.0.1 → 10.0.0.2 ICMP (shorter than total length) (runt) (bad FCS)');
    const tiny = serializeFrame(new Uint8Array(20), true, false);
    expect(summarizeWireFrame(wire(tiny))).toBe('IEEE 802.3 LLC, length 0, 20 bytes (runt)');
  });
  test('(no SFD)', () => {
    expect(summarizeWireFrame(wire(new Uint8Array(72).fill(0x55)))).toBe('(no SFD) 72 bytes on the line');
    expect(summarizeWireFrame(wire(new Uint8Array(0)))).toBe('(no SFD) 0 bytes on the line');
  });
});

describe('never throws', () => {
  test('seeded random bytes, 20 000 inputs of 0…300 bytes', () => {
    const rng = new Rng(2024, 'summary-fuzz');
    for (let i = 0; i < 20_000; i++) {
      const b = rng.bytes(new Uint8Array(rng.int(0, 300)));
      // steer half of them into the decoders: an IPv4 or ARP EtherType, version 4, a sane IHL
      if (i % 2 === 0 && b.length >= 15) {
        b[12] = 0x08;
        b[13] = rng.chance(0.2) ? 0x06 : 0x00;
        b[14] = 0x45;
      }
      const s = summarizeFrame(b);
      expect(typeof s).toBe('string');
      expect(s.length).toBeGreaterThan(0);
      expect(summarizeWireFrame(wire(serializeFrame(b, rng.chance(0.5), false)))).not.toBe('');
    }
  });

  test('seeded bit flips and truncations of every fixture', () => {
    const rng = new Rng(7, 'summary-flips');
    for (const f of Object.values(FIXTURES)) {
      for (let i = 0; i < 2_000; i++) {
        const b = f.slice(0, rng.int(0, f.length));
        for (let k = rng.int(1, 4); k > 0 && b.length > 0; k--) b[rng.int(0, b.length - 1)] ^= 1 << rng.int(0, 7);
        expect(summarizeFrame(b).length).toBeGreaterThan(0);
        expect(summarizeFrame(b, { fcs: true }).length).toBeGreaterThan(0);
      }
    }
  });
});
