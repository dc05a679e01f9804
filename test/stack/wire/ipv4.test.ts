import { describe, expect, it } from 'vitest';
import { WireError } from '../../../stack/wire/error.js';
import {
  IP_PROTOCOL,
  IPV4_OPTION,
  Ipv4Packet,
  type Ipv4Repr,
  NO_IPV4_OPTIONS,
  emitIpv4,
  formatIpv4Addr,
  formatIpv4Cidr,
  inSubnet,
  ipv4AddrToBytes,
  ipv4AddrToUint32,
  ipv4BufferLen,
  ipv4HeaderLen,
  isBroadcastIpv4,
  isLinkLocalIpv4,
  isLoopbackIpv4,
  isMulticastIpv4,
  isPrivateIpv4,
  isUnspecifiedIpv4,
  maskToPrefix,
  networkAddr,
  parseIpv4,
  parseIpv4Addr,
  parseIpv4Cidr,
  prefixToMask,
  readIpv4Addr,
  subnetBroadcast,
  writeIpv4Addr,
} from '../../../stack/wire/ipv4.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, refChecksum, roundTrip, toHex } from './helpers.js';

const codec: Codec<Ipv4Repr> = { parse: (b) => parseIpv4(b), bufferLen: ipv4BufferLen, emit: emitIpv4 };
const ip = (s: string): number => parseIpv4Addr(s)!;

// Linux `ping 10.0.2.2` from 10.0.2.15: IPv4 header (DF, TTL 64, ICMP) + 64-byte echo request.
const ECHO_PACKET = hex(`
  45 00 00 54 3f 1c 40 00 40 01 e3 7c 0a 00 02 0f   // v4 IHL 5, len 84, id 0x3f1c, DF, TTL 64, ICMP, cksum
  0a 00 02 02                                       // dst 10.0.2.2
  08 00 a3 7f 0b 2e 00 01 d3 7e 5b 65 00 00 00 00   // ICMP echo request (the payload)
  4f 9a 0c 00 00 00 00 00 10 11 12 13 14 15 16 17
  18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
  28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
`);
const ECHO_PAYLOAD = ECHO_PACKET.subarray(20);

// An IGMPv2 membership report for 224.0.0.251 as Linux sends it: TOS 0xc0, TTL 1, Router Alert.
const IGMP_RA_PACKET = hex(`
  46 c0 00 20 00 00 40 00 01 02 41 10 c0 a8 01 64   // IHL 6, TOS 0xc0, len 32, DF, TTL 1, IGMP
  e0 00 00 fb                                       // dst 224.0.0.251
  94 04 00 00                                       // option: Router Alert (RFC 2113), value 0
  16 00 09 04 e0 00 00 fb                           // IGMPv2 report
`);

// `ping -R 192.168.1.1`: NOP + Record Route with room for 9 addresses, the first one recorded.
const RR_PACKET = hex(`
  4f 00 00 4c 4d 2b 40 00 40 01 75 b4 c0 a8 01 64   // IHL 15 (60-byte header), len 76
  c0 a8 01 01
  01                                                // option: NOP
  07 27 08 c0 a8 01 64 00 00 00 00 00 00 00 00 00   // option: RR, len 39, pointer 8, 192.168.1.100
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00
  08 00 8c 6e 1f 40 00 01 10 11 12 13 14 15 16 17   // ICMP echo request
`);

const ECHO_REPR: Ipv4Repr = {
  dscp: 0,
  ecn: 0,
  ident: 0x3f1c,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: IP_PROTOCOL.ICMP,
  src: ip('10.0.2.15'),
  dst: ip('10.0.2.2'),
  options: [],
  payload: ECHO_PAYLOAD,
};

const IGMP_RA_REPR: Ipv4Repr = {
  ...ECHO_REPR,
  dscp: 0x30, // CS6
  ident: 0,
  ttl: 1,
  protocol: IP_PROTOCOL.IGMP,
  src: ip('192.168.1.100'),
  dst: ip('224.0.0.251'),
  options: [{ type: IPV4_OPTION.ROUTER_ALERT, data: hex('00 00') }],
  payload: hex('16 00 09 04 e0 00 00 fb'),
};

const RR_REPR: Ipv4Repr = {
  ...ECHO_REPR,
  ident: 0x4d2b,
  src: ip('192.168.1.100'),
  dst: ip('192.168.1.1'),
  options: [
    { type: IPV4_OPTION.NOP, data: new Uint8Array(0) },
    { type: IPV4_OPTION.RECORD_ROUTE, data: RR_PACKET.subarray(23, 20 + 40) },
  ],
  payload: RR_PACKET.subarray(60),
};

/** The header checksum recomputed by the test's own reference, with the field zeroed. */
function refHeaderChecksum(packet: Uint8Array): number {
  const hl = (packet[0] & 0x0f) * 4;
  const h = packet.slice(0, hl);
  h[10] = 0;
  h[11] = 0;
  return refChecksum(h);
}

describe('IPv4 header', () => {
  it('the fixtures carry correct header checksums', () => {
    expect(refHeaderChecksum(ECHO_PACKET)).toBe(0xe37c);
    expect(refHeaderChecksum(IGMP_RA_PACKET)).toBe(0x4110);
    expect(refHeaderChecksum(RR_PACKET)).toBe(0x75b4);
  });

  it('getters on the fixture', () => {
    const p = new Ipv4Packet(ECHO_PACKET);
    expect(p.check()).toBeUndefined();
    expect(p.version).toBe(4);
    expect(p.ihl).toBe(5);
    expect(p.headerLen).toBe(20);
    expect(p.dscp).toBe(0);
    expect(p.ecn).toBe(0);
    expect(p.totalLen).toBe(84);
    expect(p.ident).toBe(0x3f1c);
    expect(p.dontFragment).toBe(true);
    expect(p.moreFragments).toBe(false);
    expect(p.fragmentOffset).toBe(0);
    expect(p.ttl).toBe(64);
    expect(p.protocol).toBe(IP_PROTOCOL.ICMP);
    expect(p.checksum).toBe(0xe37c);
    expect(p.checksumOk()).toBe(true);
    expect(formatIpv4Addr(p.src)).toBe('10.0.2.15');
    expect(formatIpv4Addr(p.dst)).toBe('10.0.2.2');
    expect(p.optionBytes.length).toBe(0);
    expect(toHex(p.payload)).toBe(toHex(ECHO_PAYLOAD));
  });

  it('setters on a 0xa5-filled buffer equal the fixture', () => {
    const buf = filled(ECHO_PACKET.length);
    const p = new Ipv4Packet(buf);
    p.version = 4;
    p.ihl = 5;
    p.dscp = 0;
    p.ecn = 0;
    p.totalLen = 84;
    p.ident = 0x3f1c;
    p.flagsFrag = 0;
    p.dontFragment = true;
    p.moreFragments = false;
    p.fragmentOffset = 0;
    p.ttl = 64;
    p.protocol = IP_PROTOCOL.ICMP;
    p.src = ip('10.0.2.15');
    p.dst = ip('10.0.2.2');
    p.fillChecksum();
    buf.set(ECHO_PAYLOAD, 20);
    expect(toHex(buf)).toBe(toHex(ECHO_PACKET));
  });

  it('parse equals the expected Repr', () => {
    const r = parseIpv4(ECHO_PACKET);
    expect(r).toEqual(ECHO_REPR);
    expect((r as Ipv4Repr).options).toBe(NO_IPV4_OPTIONS); // shared, no allocation
  });

  it('emit equals the fixture (checksum computed)', () => {
    const buf = filled(ipv4BufferLen(ECHO_REPR));
    emitIpv4(ECHO_REPR, buf);
    expect(toHex(buf)).toBe(toHex(ECHO_PACKET));
  });

  it('round-trips, also at an offset inside a larger buffer', () => {
    roundTrip(codec, ECHO_REPR, ECHO_PACKET);
  });

  it('payload stops at the total length (Ethernet padding excluded) and byteOffset is honoured', () => {
    const padded = new Uint8Array(46);
    padded.set(IGMP_RA_PACKET);
    expect(parseIpv4(padded)).toEqual(IGMP_RA_REPR);
    expect(parseIpv4(atOffset(ECHO_PACKET))).toEqual(ECHO_REPR);
  });

  it('emit does not copy a payload that is already in place', () => {
    const buf = filled(ECHO_PACKET.length);
    buf.set(ECHO_PAYLOAD, 20);
    const inPlace = { ...ECHO_REPR, payload: buf.subarray(20) };
    emitIpv4(inPlace, buf);
    expect(toHex(buf)).toBe(toHex(ECHO_PACKET));
  });
});

describe('IPv4 options', () => {
  it('Router Alert: parse, emit, round trip', () => {
    const p = new Ipv4Packet(IGMP_RA_PACKET);
    expect(p.headerLen).toBe(24);
    expect(toHex(p.optionBytes)).toBe('94 04 00 00');
    expect(ipv4HeaderLen(IGMP_RA_REPR)).toBe(24);
    roundTrip(codec, IGMP_RA_REPR, IGMP_RA_PACKET);
  });

  it('NOP + Record Route fill the 40 option bytes and round-trip byte-exact', () => {
    const r = parseIpv4(RR_PACKET) as Ipv4Repr;
    expect(r.options.map((o) => [o.type, o.data.length])).toEqual([
      [IPV4_OPTION.NOP, 0],
      [IPV4_OPTION.RECORD_ROUTE, 37],
    ]);
    expect(r.options[1].data[0]).toBe(8); // pointer: next free slot
    expect(formatIpv4Addr(readIpv4Addr(r.options[1].data, 1))).toBe('192.168.1.100');
    roundTrip(codec, RR_REPR, RR_PACKET);
  });

  it('EOL keeps the padding after it, so even non-zero padding round-trips', () => {
    // Record Route with room for one address (7 bytes), then EOL and no padding.
    const rr = hex(`
      47 00 00 1c 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02
      07 07 04 00 00 00 00 00
    `);
    new Ipv4Packet(rr).fillChecksum();
    const r = parseIpv4(rr) as Ipv4Repr;
    expect(r.options).toEqual([
      { type: IPV4_OPTION.RECORD_ROUTE, data: hex('04 00 00 00 00') },
      { type: IPV4_OPTION.EOL, data: new Uint8Array(0) },
    ]);
    roundTrip(codec, r, rr);
    // Router Alert, EOL, then 7 bytes of padding (IHL 8).
    const ra = hex(`
      48 00 00 20 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02
      94 04 00 00 00 00 00 00 00 00 00 00
    `);
    new Ipv4Packet(ra).fillChecksum();
    const r2 = parseIpv4(ra) as Ipv4Repr;
    expect(r2.options).toEqual([
      { type: IPV4_OPTION.ROUTER_ALERT, data: hex('00 00') },
      { type: IPV4_OPTION.EOL, data: new Uint8Array(7) },
    ]);
    roundTrip(codec, r2, ra);
    const junk = ra.slice();
    junk[31] = 0x5a; // non-zero padding after EOL is kept too
    new Ipv4Packet(junk).fillChecksum();
    const r3 = parseIpv4(junk) as Ipv4Repr;
    expect(r3.options[1].data[6]).toBe(0x5a);
    roundTrip(codec, r3, junk);
  });

  it('emit pads options to a multiple of 4 with zeros', () => {
    const repr: Ipv4Repr = { ...ECHO_REPR, options: [{ type: IPV4_OPTION.NOP, data: new Uint8Array(0) }], payload: new Uint8Array(0) };
    expect(ipv4BufferLen(repr)).toBe(24);
    const buf = filled(24);
    emitIpv4(repr, buf);
    expect(toHex(buf.subarray(20))).toBe('01 00 00 00');
    expect(buf[0]).toBe(0x46);
  });

  it('an unknown option type round-trips', () => {
    const repr: Ipv4Repr = { ...ECHO_REPR, options: [{ type: 0x9e, data: hex('de ad') }] };
    const buf = filled(ipv4BufferLen(repr));
    emitIpv4(repr, buf);
    expect(toHex(buf.subarray(20, 24))).toBe('9e 04 de ad');
    roundTrip(codec, repr, buf);
  });

  it('options with a bad length are malformed', () => {
    for (const opts of ['07 01 00 00', '07 09 04 00', '01 01 01 07']) {
      const header = hex(`46 00 00 18 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 ${opts}`);
      new Ipv4Packet(header).fillChecksum();
      expectError(parseIpv4(header), 'malformed');
    }
  });

  it('options beyond 40 bytes are a programmer error', () => {
    const repr: Ipv4Repr = { ...ECHO_REPR, options: [{ type: IPV4_OPTION.RECORD_ROUTE, data: new Uint8Array(40) }] };
    expect(() => ipv4BufferLen(repr)).toThrow(RangeError);
  });
});

describe('IPv4 checks', () => {
  it('a bad header checksum is a checksum error unless verification is off', () => {
    const bad = ECHO_PACKET.slice();
    bad[8] = 63; // TTL changed, checksum not updated
    expectError(parseIpv4(bad), 'checksum');
    const r = parseIpv4(bad, { verifyChecksum: false }) as Ipv4Repr;
    expect(r.ttl).toBe(63);
  });

  it('version and IHL', () => {
    const v6 = ECHO_PACKET.slice();
    v6[0] = 0x65;
    expectError(parseIpv4(v6), 'unsupported');
    const ihl4 = ECHO_PACKET.slice();
    ihl4[0] = 0x44;
    expectError(parseIpv4(ihl4, { verifyChecksum: false }), 'malformed');
    const ihlPastEnd = ECHO_PACKET.slice(0, 30);
    ihlPastEnd[0] = 0x48; // 32-byte header in 30 bytes
    expectError(parseIpv4(ihlPastEnd, { verifyChecksum: false }), 'truncated');
  });

  it('total length against header length and buffer', () => {
    const short = ECHO_PACKET.slice();
    short[3] = 19;
    expectError(parseIpv4(short, { verifyChecksum: false }), 'malformed');
    const long = ECHO_PACKET.slice();
    long[3] = 85;
    expectError(parseIpv4(long, { verifyChecksum: false }), 'truncated');
  });

  it('the reserved flag is malformed', () => {
    const evil = ECHO_PACKET.slice();
    evil[6] |= 0x80;
    new Ipv4Packet(evil).fillChecksum();
    expectError(parseIpv4(evil), 'malformed');
  });

  it('fragment fields: MF with offset 1480, then the last fragment', () => {
    const first: Ipv4Repr = { ...ECHO_REPR, dontFragment: false, moreFragments: true, fragmentOffset: 0 };
    const second: Ipv4Repr = { ...ECHO_REPR, dontFragment: false, moreFragments: false, fragmentOffset: 1480 };
    const b1 = filled(ipv4BufferLen(first));
    emitIpv4(first, b1);
    expect(toHex(b1.subarray(6, 8))).toBe('20 00');
    const b2 = filled(ipv4BufferLen(second));
    emitIpv4(second, b2);
    expect(toHex(b2.subarray(6, 8))).toBe('00 b9'); // 1480 / 8 = 185
    roundTrip(codec, second, b2);
    const view = new Ipv4Packet(b2);
    view.moreFragments = true;
    view.dontFragment = true;
    expect(view.flagsFrag).toBe(0x60b9);
    view.fragmentOffset = 65528;
    expect(view.flagsFrag).toBe(0x7fff);
    view.dontFragment = false;
    view.moreFragments = false;
    expect(view.flagsFrag).toBe(0x1fff);
  });

  it('unknown protocol numbers, DSCP and ECN round-trip', () => {
    const repr: Ipv4Repr = { ...ECHO_REPR, protocol: 253, dscp: 46, ecn: 3 };
    const buf = filled(ipv4BufferLen(repr));
    emitIpv4(repr, buf);
    expect(buf[1]).toBe(0xbb);
    roundTrip(codec, repr, buf);
  });

  it('every prefix of each fixture is an error (or a value), never an exception', () => {
    for (const fixture of [ECHO_PACKET, IGMP_RA_PACKET, RR_PACKET]) {
      const results = everyPrefix(fixture, (b) => parseIpv4(b));
      results.forEach((r) => expectError(r, 'truncated')); // IHL and total length both exceed any prefix
    }
  });

  it('random byte changes parse to a Repr or a WireError, and Reprs re-emit byte-exact', () => {
    let values = 0;
    for (const fixture of [ECHO_PACKET, IGMP_RA_PACKET, RR_PACKET]) {
      for (const m of mutants(fixture, 400, 791)) {
        const r = parseIpv4(m, { verifyChecksum: false });
        if (r instanceof WireError) continue;
        values++;
        const hl = ipv4HeaderLen(r);
        const buf = filled(ipv4BufferLen(r));
        emitIpv4(r, buf);
        // everything but the checksum (recomputed) must come back
        const expected = m.slice(0, hl + r.payload.length);
        expected[10] = buf[10];
        expected[11] = buf[11];
        expect(toHex(buf)).toBe(toHex(expected));
      }
    }
    expect(values).toBeGreaterThan(100);
  });
});

describe('IPv4 addresses', () => {
  it('parses and formats dotted quads', () => {
    expect(parseIpv4Addr('10.0.2.15')).toBe(0x0a00020f);
    expect(parseIpv4Addr('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4Addr('0.0.0.0')).toBe(0);
    expect(formatIpv4Addr(0xc0a80164)).toBe('192.168.1.100');
    expect(formatIpv4Addr(0xffffffff)).toBe('255.255.255.255');
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '1..3.4']) {
      expect(parseIpv4Addr(bad), bad).toBeUndefined();
    }
  });

  it('uint32 and byte conversions', () => {
    expect(ipv4AddrToUint32(ip('192.168.1.0') | 0xff)).toBe(ip('192.168.1.255'));
    expect(ipv4AddrToUint32(-1)).toBe(0xffffffff);
    expect(toHex(ipv4AddrToBytes(ip('192.168.1.100')))).toBe('c0 a8 01 64');
    const buf = filled(6);
    writeIpv4Addr(buf, 1, ip('8.8.4.4'));
    expect(toHex(buf)).toBe('a5 08 08 04 04 a5');
    expect(readIpv4Addr(buf, 1)).toBe(ip('8.8.4.4'));
  });

  it('prefix and mask math', () => {
    expect(prefixToMask(24)).toBe(ip('255.255.255.0'));
    expect(prefixToMask(0)).toBe(0);
    expect(prefixToMask(32)).toBe(0xffffffff);
    expect(prefixToMask(12)).toBe(ip('255.240.0.0'));
    for (let n = 0; n <= 32; n++) expect(maskToPrefix(prefixToMask(n))).toBe(n);
    expect(maskToPrefix(ip('255.0.255.0'))).toBeUndefined();
    expect(maskToPrefix(ip('0.0.0.255'))).toBeUndefined();
    expect(networkAddr(ip('10.0.2.15'), 24)).toBe(ip('10.0.2.0'));
    expect(subnetBroadcast(ip('10.0.2.15'), 24)).toBe(ip('10.0.2.255'));
    expect(subnetBroadcast(ip('10.0.2.15'), 32)).toBe(ip('10.0.2.15'));
    expect(networkAddr(ip('10.0.2.15'), 0)).toBe(0);
    expect(inSubnet(ip('10.0.2.2'), ip('10.0.2.0'), 24)).toBe(true);
    expect(inSubnet(ip('10.0.3.2'), ip('10.0.2.0'), 24)).toBe(false);
    expect(inSubnet(ip('200.1.1.1'), 0, 0)).toBe(true);
    expect(inSubnet(ip('192.168.1.100'), ip('192.168.1.100'), 32)).toBe(true);
  });

  it('CIDR text', () => {
    expect(parseIpv4Cidr('10.0.2.15/24')).toEqual({ addr: ip('10.0.2.15'), prefixLen: 24 });
    expect(parseIpv4Cidr('10.0.2.15')).toEqual({ addr: ip('10.0.2.15'), prefixLen: 32 });
    expect(parseIpv4Cidr('0.0.0.0/0')).toEqual({ addr: 0, prefixLen: 0 });
    for (const bad of ['10.0.2.15/33', '10.0.2.15/', '10.0.2.15/024', '10.0.2/24', '10.0.2.15/2a']) {
      expect(parseIpv4Cidr(bad), bad).toBeUndefined();
    }
    expect(formatIpv4Cidr({ addr: ip('192.168.0.0'), prefixLen: 16 })).toBe('192.168.0.0/16');
  });

  it('classifies special addresses', () => {
    expect(isUnspecifiedIpv4(0)).toBe(true);
    expect(isBroadcastIpv4(ip('255.255.255.255'))).toBe(true);
    expect(isBroadcastIpv4(ip('10.0.2.255'))).toBe(false);
    expect(isMulticastIpv4(ip('224.0.0.251'))).toBe(true);
    expect(isMulticastIpv4(ip('239.255.255.250'))).toBe(true);
    expect(isMulticastIpv4(ip('240.0.0.1'))).toBe(false);
    expect(isMulticastIpv4(ip('223.255.255.255'))).toBe(false);
    expect(isLoopbackIpv4(ip('127.0.0.1'))).toBe(true);
    expect(isLoopbackIpv4(ip('128.0.0.1'))).toBe(false);
    expect(isLinkLocalIpv4(ip('169.254.10.1'))).toBe(true);
    for (const p of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1']) expect(isPrivateIpv4(ip(p)), p).toBe(true);
    for (const p of ['172.15.255.255', '172.32.0.0', '192.169.0.1', '11.0.0.1', '8.8.8.8']) expect(isPrivateIpv4(ip(p)), p).toBe(false);
  });
});
