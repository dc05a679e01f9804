import { describe, expect, it } from 'vitest';
import { WireError } from '../../../stack/wire/error.js';
import {
  ICMP_TIME_EXCEEDED,
  ICMP_TYPE,
  ICMP_UNREACH,
  IcmpPacket,
  type IcmpRepr,
  emitIcmp,
  icmpBufferLen,
  parseIcmp,
} from '../../../stack/wire/icmp.js';
import { IP_PROTOCOL, type Ipv4Repr, parseIpv4 } from '../../../stack/wire/ipv4.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, refChecksum, roundTrip, toHex } from './helpers.js';

const codec: Codec<IcmpRepr> = { parse: (b) => parseIcmp(b), bufferLen: icmpBufferLen, emit: emitIcmp };

// Linux ping's echo data: a 16-byte struct timeval, then the bytes 0x10…0x37.
const PING_DATA = hex(`
  d3 7e 5b 65 00 00 00 00 4f 9a 0c 00 00 00 00 00
  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
  30 31 32 33 34 35 36 37
`);

// `ping 10.0.2.2`: echo request, id 0x0b2e, seq 1 (the IPv4 payload of ipv4.test.ts's fixture).
const ECHO_REQUEST = hex(`
  08 00 a3 7f 0b 2e 00 01                           // type 8 code 0, checksum, id, seq
  d3 7e 5b 65 00 00 00 00 4f 9a 0c 00 00 00 00 00
  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
  30 31 32 33 34 35 36 37
`);

// The reply: type 0, same id, seq and data; checksum differs by exactly 0x0800.
const ECHO_REPLY = hex(`
  00 00 ab 7f 0b 2e 00 01
  d3 7e 5b 65 00 00 00 00 4f 9a 0c 00 00 00 00 00
  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
  30 31 32 33 34 35 36 37
`);

// A router on a 1400-byte link answers a 1500-byte DF TCP segment 192.168.1.100 → 203.0.113.5:443.
const FRAG_NEEDED = hex(`
  03 04 64 58 00 00 05 78                           // type 3 code 4, checksum, unused, next-hop MTU 1400
  45 00 05 dc 6c 3a 40 00 3f 06 cb cf c0 a8 01 64   // invoking IPv4 header (len 1500, DF, TTL 63, TCP)
  cb 00 71 05
  c8 22 01 bb 9f 3c 2a 11                           // its first 8 bytes: ports 51234 → 443, sequence
`);

// traceroute's first probe (UDP to 8.8.8.8:33434, TTL 1) expires at the first hop.
const TIME_EXCEEDED = hex(`
  0b 00 98 c8 00 00 00 00                           // type 11 code 0, checksum, unused
  45 00 00 3c 9d 41 00 00 01 11 4a 54 c0 a8 01 64   // invoking IPv4 header (len 60, TTL 1, UDP)
  08 08 08 08
  be 48 82 9a 00 28 1b 2c                           // its UDP header: 48712 → 33434
`);

// A timestamp request (type 13): not decoded, kept raw.
const TIMESTAMP = hex(`
  0d 00 ee f2 0b 2e 00 07 03 37 f5 a0 00 00 00 00 00 00 00 00
`);

const ECHO_REQUEST_REPR: IcmpRepr = { kind: 'echoRequest', id: 0x0b2e, seq: 1, data: PING_DATA };
const ECHO_REPLY_REPR: IcmpRepr = { kind: 'echoReply', id: 0x0b2e, seq: 1, data: PING_DATA };
const FRAG_NEEDED_REPR: IcmpRepr = {
  kind: 'destUnreachable',
  code: ICMP_UNREACH.FRAG_NEEDED,
  nextHopMtu: 1400,
  invoking: FRAG_NEEDED.subarray(8),
};
const TIME_EXCEEDED_REPR: IcmpRepr = { kind: 'timeExceeded', code: ICMP_TIME_EXCEEDED.TTL, invoking: TIME_EXCEEDED.subarray(8) };
const TIMESTAMP_REPR: IcmpRepr = { kind: 'other', type: ICMP_TYPE.TIMESTAMP, code: 0, rest: 0x0b2e0007, data: TIMESTAMP.subarray(8) };

/** The checksum recomputed by the test's reference, with the field zeroed. */
function refIcmpChecksum(msg: Uint8Array): number {
  const m = msg.slice();
  m[2] = 0;
  m[3] = 0;
  return refChecksum(m);
}

describe('ICMP echo', () => {
  it('the fixtures carry correct checksums', () => {
    expect(refIcmpChecksum(ECHO_REQUEST)).toBe(0xa37f);
    expect(refIcmpChecksum(ECHO_REPLY)).toBe(0xab7f);
    expect(refIcmpChecksum(FRAG_NEEDED)).toBe(0x6458);
    expect(refIcmpChecksum(TIME_EXCEEDED)).toBe(0x98c8);
    expect(refIcmpChecksum(TIMESTAMP)).toBe(0xeef2);
    // the invoking headers inside the errors are valid IPv4 headers too
    expect(refChecksum(FRAG_NEEDED.subarray(8, 28))).toBe(0);
    expect(refChecksum(TIME_EXCEEDED.subarray(8, 28))).toBe(0);
  });

  it('getters on the fixture', () => {
    const p = new IcmpPacket(ECHO_REQUEST);
    expect(p.check()).toBeUndefined();
    expect(p.type).toBe(ICMP_TYPE.ECHO_REQUEST);
    expect(p.code).toBe(0);
    expect(p.checksum).toBe(0xa37f);
    expect(p.checksumOk()).toBe(true);
    expect(p.echoId).toBe(0x0b2e);
    expect(p.echoSeq).toBe(1);
    expect(p.rest).toBe(0x0b2e0001);
    expect(toHex(p.data)).toBe(toHex(PING_DATA));
  });

  it('setters on a 0xa5-filled buffer equal the fixture', () => {
    const buf = filled(ECHO_REQUEST.length);
    const p = new IcmpPacket(buf);
    p.type = ICMP_TYPE.ECHO_REQUEST;
    p.code = 0;
    p.echoId = 0x0b2e;
    p.echoSeq = 1;
    buf.set(PING_DATA, 8);
    p.fillChecksum();
    expect(toHex(buf)).toBe(toHex(ECHO_REQUEST));
  });

  it('parse equals the expected Repr', () => {
    expect(parseIcmp(ECHO_REQUEST)).toEqual(ECHO_REQUEST_REPR);
    expect(parseIcmp(ECHO_REPLY)).toEqual(ECHO_REPLY_REPR);
  });

  it('emit equals the fixture (checksum computed)', () => {
    const buf = filled(icmpBufferLen(ECHO_REPLY_REPR));
    emitIcmp(ECHO_REPLY_REPR, buf);
    expect(toHex(buf)).toBe(toHex(ECHO_REPLY));
  });

  it('round-trips, also at an offset inside a larger buffer', () => {
    roundTrip(codec, ECHO_REQUEST_REPR, ECHO_REQUEST);
    roundTrip(codec, ECHO_REPLY_REPR, ECHO_REPLY);
    roundTrip(codec, { kind: 'echoRequest', id: 0, seq: 0xffff, data: new Uint8Array(0) }, hex('08 00 f7 ff 00 00 ff ff'));
  });

  it('odd-length data is checksummed with a zero pad byte', () => {
    const repr: IcmpRepr = { kind: 'echoRequest', id: 7, seq: 9, data: hex('61 62 63') };
    const buf = filled(icmpBufferLen(repr));
    emitIcmp(repr, buf);
    expect(refIcmpChecksum(buf)).toBe(new IcmpPacket(buf).checksum);
    roundTrip(codec, repr, buf);
  });

  it('a ping reply built in place from the request (the responder fast path)', () => {
    const buf = ECHO_REQUEST.slice();
    const req = parseIcmp(buf) as Extract<IcmpRepr, { kind: 'echoRequest' }>;
    emitIcmp({ ...req, kind: 'echoReply' }, buf); // data already in place: not copied
    expect(toHex(buf)).toBe(toHex(ECHO_REPLY));
  });

  it('reads the echo request out of the IPv4 fixture', () => {
    const packet = hex(`
      45 00 00 54 3f 1c 40 00 40 01 e3 7c 0a 00 02 0f 0a 00 02 02
    `);
    const full = new Uint8Array(84);
    full.set(packet);
    full.set(ECHO_REQUEST, 20);
    const ip = parseIpv4(full) as Ipv4Repr;
    expect(ip.protocol).toBe(IP_PROTOCOL.ICMP);
    expect(parseIcmp(ip.payload)).toEqual(ECHO_REQUEST_REPR);
    expect(parseIcmp(atOffset(ECHO_REQUEST))).toEqual(ECHO_REQUEST_REPR);
  });
});

describe('ICMP errors', () => {
  it('fragmentation needed: getters, parse, round trip', () => {
    const p = new IcmpPacket(FRAG_NEEDED);
    expect(p.type).toBe(ICMP_TYPE.DEST_UNREACHABLE);
    expect(p.code).toBe(ICMP_UNREACH.FRAG_NEEDED);
    expect(p.nextHopMtu).toBe(1400);
    expect(parseIcmp(FRAG_NEEDED)).toEqual(FRAG_NEEDED_REPR);
    roundTrip(codec, FRAG_NEEDED_REPR, FRAG_NEEDED);
  });

  it('the invoking datagram is kept as bytes and parses as a (truncated) IPv4 header', () => {
    const r = parseIcmp(FRAG_NEEDED) as Extract<IcmpRepr, { kind: 'destUnreachable' }>;
    expect(r.invoking.length).toBe(28);
    // total length says 1500 but only 28 bytes came back: the IPv4 parser says so
    expectError(parseIpv4(r.invoking), 'truncated');
    expect(toHex(r.invoking.subarray(20))).toBe('c8 22 01 bb 9f 3c 2a 11');
  });

  it('setters for port unreachable on a 0xa5-filled buffer', () => {
    const invoking = TIME_EXCEEDED.subarray(8);
    const buf = filled(8 + invoking.length);
    const p = new IcmpPacket(buf);
    p.type = ICMP_TYPE.DEST_UNREACHABLE;
    p.code = ICMP_UNREACH.PORT;
    p.rest = 0;
    buf.set(invoking, 8);
    p.fillChecksum();
    const repr: IcmpRepr = { kind: 'destUnreachable', code: ICMP_UNREACH.PORT, nextHopMtu: 0, invoking };
    expect(parseIcmp(buf)).toEqual(repr);
    roundTrip(codec, repr, buf);
  });

  it('time exceeded: parse and round trip', () => {
    const p = new IcmpPacket(TIME_EXCEEDED);
    expect(p.type).toBe(ICMP_TYPE.TIME_EXCEEDED);
    expect(p.rest).toBe(0);
    expect(parseIcmp(TIME_EXCEEDED)).toEqual(TIME_EXCEEDED_REPR);
    roundTrip(codec, TIME_EXCEEDED_REPR, TIME_EXCEEDED);
    roundTrip(
      codec,
      { kind: 'timeExceeded', code: ICMP_TIME_EXCEEDED.REASSEMBLY, invoking: TIME_EXCEEDED.subarray(8) },
      (() => {
        const b = TIME_EXCEEDED.slice();
        b[1] = 1;
        new IcmpPacket(b).fillChecksum();
        return b;
      })(),
    );
  });
});

describe('ICMP checks and unknown values', () => {
  it('an unknown type round-trips as raw', () => {
    expect(parseIcmp(TIMESTAMP)).toEqual(TIMESTAMP_REPR);
    roundTrip(codec, TIMESTAMP_REPR, TIMESTAMP);
  });

  it('unknown codes of known types round-trip', () => {
    const b = FRAG_NEEDED.slice();
    b[1] = 200;
    new IcmpPacket(b).fillChecksum();
    const r = parseIcmp(b) as IcmpRepr;
    expect(r).toMatchObject({ kind: 'destUnreachable', code: 200 });
    roundTrip(codec, r, b);
  });

  it('bytes a kind does not carry make it "other", so nothing is lost', () => {
    const echoCode = ECHO_REQUEST.slice();
    echoCode[1] = 1;
    new IcmpPacket(echoCode).fillChecksum();
    expect(parseIcmp(echoCode)).toMatchObject({ kind: 'other', type: 8, code: 1 });
    roundTrip(codec, parseIcmp(echoCode) as IcmpRepr, echoCode);

    const rfc4884 = TIME_EXCEEDED.slice();
    rfc4884[5] = 7; // RFC 4884 length field
    new IcmpPacket(rfc4884).fillChecksum();
    expect(parseIcmp(rfc4884)).toMatchObject({ kind: 'other', type: 11, rest: 0x00070000 });
    roundTrip(codec, parseIcmp(rfc4884) as IcmpRepr, rfc4884);

    const unreachUnused = FRAG_NEEDED.slice();
    unreachUnused[4] = 1;
    new IcmpPacket(unreachUnused).fillChecksum();
    expect(parseIcmp(unreachUnused)).toMatchObject({ kind: 'other', type: 3, rest: 0x01000578 });
  });

  it('a bad checksum is a checksum error unless verification is off', () => {
    const bad = ECHO_REQUEST.slice();
    bad[7] = 2; // seq changed, checksum not updated
    expectError(parseIcmp(bad), 'checksum');
    expect(parseIcmp(bad, { verifyChecksum: false })).toMatchObject({ kind: 'echoRequest', seq: 2 });
  });

  it('every prefix of each fixture is an error (or a value), never an exception', () => {
    for (const fixture of [ECHO_REQUEST, FRAG_NEEDED, TIME_EXCEEDED, TIMESTAMP]) {
      const results = everyPrefix(fixture, (b) => parseIcmp(b));
      for (let n = 0; n < 8; n++) expectError(results[n], 'truncated');
      // longer prefixes lose data bytes, so their checksum no longer matches — unless the lost
      // bytes were all zero (the timestamp request ends in zeros), which the checksum cannot see
      for (let n = 8; n < fixture.length; n++) {
        const lostOnlyZeros = fixture.subarray(n).every((b) => b === 0);
        if (lostOnlyZeros) expect(results[n]).not.toBeInstanceOf(WireError);
        else expectError(results[n], 'checksum');
      }
      const unchecked = everyPrefix(fixture, (b) => parseIcmp(b, { verifyChecksum: false }));
      for (let n = 8; n < fixture.length; n++) expect(unchecked[n]).not.toBeInstanceOf(WireError);
    }
  });

  it('random byte changes parse to a Repr or a WireError, and Reprs re-emit byte-exact', () => {
    for (const fixture of [ECHO_REQUEST, FRAG_NEEDED, TIME_EXCEEDED, TIMESTAMP]) {
      for (const m of mutants(fixture, 300, 792)) {
        const r = parseIcmp(m, { verifyChecksum: false });
        expect(r).not.toBeInstanceOf(WireError);
        const buf = filled(icmpBufferLen(r as IcmpRepr));
        emitIcmp(r as IcmpRepr, buf);
        const expected = m.slice();
        expected[2] = buf[2];
        expected[3] = buf[3];
        expect(toHex(buf)).toBe(toHex(expected));
      }
    }
  });
});
