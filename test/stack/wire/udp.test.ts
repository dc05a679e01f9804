import { describe, expect, it } from 'vitest';
import { WireError } from '../../../stack/wire/error.js';
import { IP_PROTOCOL, type Ipv4Repr, parseIpv4, parseIpv4Addr } from '../../../stack/wire/ipv4.js';
import { UDP_HEADER_LEN, UDP_PORT, UdpPacket, type UdpRepr, emitUdp, parseUdp, udpBufferLen } from '../../../stack/wire/udp.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, pseudoHeader, refChecksum, roundTrip, toHex } from './helpers.js';

const CLIENT = parseIpv4Addr('192.168.1.100')!;
const RESOLVER = parseIpv4Addr('192.168.1.1')!;

/** The UDP codec with the pseudo-header addresses bound (client → resolver by default). */
function codecFor(src = CLIENT, dst = RESOLVER): Codec<UdpRepr> {
  return {
    parse: (b) => parseUdp(b, src, dst),
    bufferLen: udpBufferLen,
    emit: (r, buf, offset) => emitUdp(r, buf, src, dst, offset),
  };
}

// `dig example.com` from 192.168.1.100 to the home router: IPv4 + UDP + DNS query with EDNS.
const QUERY_PACKET = hex(`
  45 00 00 44 8e 2a 00 00 40 11 68 c9 c0 a8 01 64   // IPv4: len 68, TTL 64, UDP
  c0 a8 01 01
  d0 a4 00 35 00 30 bc 6b                           // UDP: 53412 → 53, len 48, checksum
  1a 2b 01 00 00 01 00 00 00 00 00 01 07 65 78 61   // DNS query (the UDP payload)
  6d 70 6c 65 03 63 6f 6d 00 00 01 00 01 00 00 29
  04 d0 00 00 00 00 00 00
`);
const QUERY = QUERY_PACKET.subarray(20);
const QUERY_DNS = QUERY_PACKET.subarray(28);

// The answer: example.com A 93.184.215.14 (the name compressed to a pointer).
const RESPONSE_PACKET = hex(`
  45 00 00 49 00 00 40 00 40 11 b6 ee c0 a8 01 01   // IPv4: len 73, DF, TTL 64, UDP
  c0 a8 01 64
  00 35 d0 a4 00 35 56 d7                           // UDP: 53 → 53412, len 53, checksum
  1a 2b 81 80 00 01 00 01 00 00 00 00 07 65 78 61
  6d 70 6c 65 03 63 6f 6d 00 00 01 00 01 c0 0c 00
  01 00 01 00 00 0e 10 00 04 5d b8 d7 0e
`);
const RESPONSE = RESPONSE_PACKET.subarray(20);

const QUERY_REPR: UdpRepr = { srcPort: 53412, dstPort: UDP_PORT.DNS, hasChecksum: true, payload: QUERY_DNS };
const RESPONSE_REPR: UdpRepr = { srcPort: UDP_PORT.DNS, dstPort: 53412, hasChecksum: true, payload: RESPONSE_PACKET.subarray(28) };

/** The UDP checksum recomputed by the test's reference over pseudo-header + datagram. */
function refUdpChecksum(datagram: Uint8Array, src: number, dst: number): number {
  const d = datagram.slice();
  d[6] = 0;
  d[7] = 0;
  return refChecksum(pseudoHeader(src, dst, IP_PROTOCOL.UDP, d.length), d);
}

describe('UDP datagram', () => {
  it('the fixtures carry correct checksums (IPv4 and UDP)', () => {
    expect(refChecksum(QUERY_PACKET.subarray(0, 20))).toBe(0);
    expect(refChecksum(RESPONSE_PACKET.subarray(0, 20))).toBe(0);
    expect(refUdpChecksum(QUERY, CLIENT, RESOLVER)).toBe(0xbc6b);
    expect(refUdpChecksum(RESPONSE, RESOLVER, CLIENT)).toBe(0x56d7);
  });

  it('getters on the fixture', () => {
    const p = new UdpPacket(QUERY);
    expect(p.check()).toBeUndefined();
    expect(p.srcPort).toBe(53412);
    expect(p.dstPort).toBe(53);
    expect(p.length).toBe(48);
    expect(p.checksum).toBe(0xbc6b);
    expect(p.checksumOk(CLIENT, RESOLVER)).toBe(true);
    expect(p.checksumOk(RESOLVER, CLIENT + 1)).toBe(false);
    expect(toHex(p.payload)).toBe(toHex(QUERY_DNS));
  });

  it('setters on a 0xa5-filled buffer equal the fixture', () => {
    const buf = filled(QUERY.length);
    const p = new UdpPacket(buf);
    p.srcPort = 53412;
    p.dstPort = 53;
    p.length = 48;
    buf.set(QUERY_DNS, UDP_HEADER_LEN);
    p.fillChecksum(CLIENT, RESOLVER);
    expect(toHex(buf)).toBe(toHex(QUERY));
  });

  it('parse equals the expected Repr', () => {
    expect(parseUdp(QUERY, CLIENT, RESOLVER)).toEqual(QUERY_REPR);
    expect(parseUdp(RESPONSE, RESOLVER, CLIENT)).toEqual(RESPONSE_REPR);
  });

  it('emit equals the fixture (checksum over the pseudo-header)', () => {
    const buf = filled(udpBufferLen(QUERY_REPR));
    emitUdp(QUERY_REPR, buf, CLIENT, RESOLVER);
    expect(toHex(buf)).toBe(toHex(QUERY));
  });

  it('round-trips, also at an offset inside a larger buffer', () => {
    roundTrip(codecFor(), QUERY_REPR, QUERY);
    roundTrip(codecFor(RESOLVER, CLIENT), RESPONSE_REPR, RESPONSE);
  });

  it('is reached through the IPv4 layer, and honours byteOffset', () => {
    const ip = parseIpv4(RESPONSE_PACKET) as Ipv4Repr;
    expect(ip.protocol).toBe(IP_PROTOCOL.UDP);
    expect(parseUdp(ip.payload, ip.src, ip.dst)).toEqual(RESPONSE_REPR);
    expect(parseUdp(atOffset(QUERY, 3), CLIENT, RESOLVER)).toEqual(QUERY_REPR);
  });

  it('emits a whole IPv4/UDP packet in one buffer without copying the payload', () => {
    const buf = filled(QUERY_PACKET.length);
    buf.set(QUERY_DNS, 28); // the application wrote its data straight into the frame
    emitUdp({ ...QUERY_REPR, payload: buf.subarray(28) }, buf, CLIENT, RESOLVER, 20);
    expect(toHex(buf.subarray(20))).toBe(toHex(QUERY));
  });
});

describe('UDP checksum policy', () => {
  it('a zero checksum field means "none": parse reports it, emit reproduces it', () => {
    const none = QUERY.slice();
    none[6] = 0;
    none[7] = 0;
    const r = parseUdp(none, CLIENT, RESOLVER);
    expect(r).toEqual({ ...QUERY_REPR, hasChecksum: false });
    roundTrip(codecFor(), r as UdpRepr, none);
    // with no checksum, the addresses do not matter
    expect(parseUdp(none, 0, 0)).toEqual({ ...QUERY_REPR, hasChecksum: false });
  });

  it('a computed checksum of 0 is transmitted as 0xffff, and accepted on parse', () => {
    // choose the two payload bytes so the ones'-complement sum is 0xffff (checksum 0)
    const payload = hex('00 00 01 02 03');
    const draft = filled(13);
    emitUdp({ srcPort: 1000, dstPort: 2000, hasChecksum: true, payload }, draft, CLIENT, RESOLVER);
    const fix = refUdpChecksum(draft, CLIENT, RESOLVER);
    payload[0] = fix >>> 8;
    payload[1] = fix & 0xff;
    const repr: UdpRepr = { srcPort: 1000, dstPort: 2000, hasChecksum: true, payload };
    const buf = filled(udpBufferLen(repr));
    emitUdp(repr, buf, CLIENT, RESOLVER);
    expect(refUdpChecksum(buf, CLIENT, RESOLVER)).toBe(0);
    expect(new UdpPacket(buf).checksum).toBe(0xffff);
    expect(parseUdp(buf, CLIENT, RESOLVER)).toEqual(repr);
    roundTrip(codecFor(), repr, buf);
  });

  it('a bad checksum is a checksum error unless verification is off', () => {
    const bad = QUERY.slice();
    bad[9] ^= 0x01; // DNS id changed, checksum not updated
    expectError(parseUdp(bad, CLIENT, RESOLVER), 'checksum');
    expect(parseUdp(bad, CLIENT, RESOLVER, { verifyChecksum: false })).toMatchObject({ srcPort: 53412, hasChecksum: true });
  });

  it('the pseudo-header binds the addresses: the wrong destination fails', () => {
    expectError(parseUdp(QUERY, CLIENT, parseIpv4Addr('192.168.1.2')!), 'checksum');
  });

  it('emit with hasChecksum false writes 0', () => {
    const repr: UdpRepr = { ...QUERY_REPR, hasChecksum: false };
    const buf = filled(udpBufferLen(repr));
    emitUdp(repr, buf, CLIENT, RESOLVER);
    expect(toHex(buf.subarray(0, 8))).toBe('d0 a4 00 35 00 30 00 00');
  });
});

describe('UDP length checks', () => {
  it('length below 8 is malformed; beyond the buffer is truncated', () => {
    const short = QUERY.slice();
    short[5] = 7;
    expectError(parseUdp(short, CLIENT, RESOLVER), 'malformed');
    const long = QUERY.slice();
    long[5] = 49;
    expectError(parseUdp(long, CLIENT, RESOLVER, { verifyChecksum: false }), 'truncated');
  });

  it('bytes after the length field are not payload', () => {
    const padded = new Uint8Array(QUERY.length + 6);
    padded.set(QUERY);
    expect(parseUdp(padded, CLIENT, RESOLVER)).toEqual(QUERY_REPR);
  });

  it('an empty datagram', () => {
    const repr: UdpRepr = { srcPort: 9, dstPort: 9, hasChecksum: true, payload: new Uint8Array(0) };
    const buf = filled(8);
    emitUdp(repr, buf, CLIENT, RESOLVER);
    expect(refUdpChecksum(buf, CLIENT, RESOLVER)).toBe(new UdpPacket(buf).checksum);
    roundTrip(codecFor(), repr, buf);
  });

  it('every prefix is an error, never an exception', () => {
    for (const r of everyPrefix(QUERY, (b) => parseUdp(b, CLIENT, RESOLVER))) expectError(r, 'truncated');
  });

  it('random byte changes parse to a Repr or a WireError', () => {
    let values = 0;
    for (const m of mutants(QUERY, 500, 768)) {
      const r = parseUdp(m, CLIENT, RESOLVER, { verifyChecksum: false });
      if (r instanceof WireError) continue;
      values++;
      expect(r.payload.length).toBe(new UdpPacket(m).length - 8);
    }
    expect(values).toBeGreaterThan(300);
  });
});
