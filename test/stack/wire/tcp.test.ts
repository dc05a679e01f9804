import { describe, expect, it } from 'vitest';
import { onesSum } from '../../../stack/wire/checksum.js';
import { WireError } from '../../../stack/wire/error.js';
import { emitEthernet, ethernetBufferLen, parseEthernet, type EthernetRepr } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL, emitIpv4, ipv4BufferLen, parseIpv4, parseIpv4Addr, type Ipv4Repr } from '../../../stack/wire/ipv4.js';
import {
  NO_TCP_OPTIONS,
  TCP_FLAG,
  TCP_HEADER_LEN,
  TCP_NOP,
  TCP_SACK_PERMITTED,
  TCP_TIMESTAMPS_ALIGNED_LEN,
  TcpSegment,
  type TcpOption,
  type TcpRepr,
  emitTcp,
  emitTcpOptions,
  fillTcpChecksum,
  parseTcp,
  parseTcpOptions,
  tcpBufferLen,
  tcpChecksumOk,
  tcpDataOptions,
  tcpHeaderLen,
  tcpOptionBytes,
  tcpOptionsLen,
  tcpOptionsSummary,
  tcpSynOptions,
  writeTcpHeader,
  writeTcpTimestamps,
} from '../../../stack/wire/tcp.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, prng, pseudoHeader, refChecksum, roundTrip, toHex } from './helpers.js';

const A = parseIpv4Addr('10.99.0.1')!;
const B = parseIpv4Addr('10.99.0.2')!;
const B2 = parseIpv4Addr('10.99.1.2')!;

/** The TCP codec with the pseudo-header addresses bound (A → B by default). */
function codecFor(src = A, dst = B): Codec<TcpRepr> {
  return {
    parse: (b) => parseTcp(b, src, dst),
    bufferLen: tcpBufferLen,
    emit: (r, buf, offset) => emitTcp(r, buf, src, dst, offset),
  };
}

/** The TCP checksum recomputed by the test's reference over pseudo-header + segment (field zeroed). */
function refTcpChecksum(segment: Uint8Array, src: number, dst: number): number {
  const s = segment.slice();
  s[16] = 0;
  s[17] = 0;
  return refChecksum(pseudoHeader(src, dst, IP_PROTOCOL.TCP, s.length), s);
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// ---------------------------------------------------------------------------------------------
// Real captured bytes. Two network namespaces joined by a veth pair (10.99.0.1 and 10.99.0.2,
// MACs 02:00:00:00:63:01/02), transmit checksum offload, TSO, GSO and GRO off on both veths
// (`ethtool -K … tx off tso off gso off gro off`, so the kernel writes full TCP checksums), Linux
// 6.18; dumpcap on 10.99.0.2's veth. A python client bound to port 40000 connected to a python
// server on 8080, sent `GET / HTTP/1.0\r\n\r\n`, read the answer and closed; then a client on
// port 40001 connected to the closed port 9. The SACK segments come from a second run with a
// router namespace in between (10.99.0.1 → 10.99.0.254 | 10.99.1.254 → 10.99.1.2, a tbf qdisc
// on the router's egress dropping a 400 kB burst): the receiver 10.99.1.2 acknowledging with
// SACK blocks. Whole Ethernet frames, as captured.
const CAPTURED = {
  syn: hex('02000000630202000000630108004500003cad924000400678610a6300010a6300029c401f90a2644e7100000000a002faf061e90000020405b40402080a217e0836000000000103030a'),
  synAck: hex('02000000630102000000630208004500003c00004000400625f40a6300020a6300011f909c402ff4924da2644e72a012fe88fb7a0000020405b40402080a02cc9db7217e08360103030a'),
  ack: hex('020000006302020000006301080045000034ad934000400678680a6300010a6300029c401f90a2644e722ff4924e8010003f289400000101080a217e083602cc9db7'),
  request: hex('020000006302020000006301080045000046ad944000400678550a6300010a6300029c401f90a2644e722ff4924e8018003f49da00000101080a217e083602cc9db7474554202f20485454502f312e300d0a0d0a'),
  response: hex('02000000630102000000630208004500004ad1064000400654df0a6300020a6300011f909c402ff4924ea2644e8480180040f51e00000101080a02cc9db7217e0836485454502f312e3020323030204f4b0d0a0d0a68690a'),
  fin: hex('020000006302020000006301080045000034ad974000400678640a6300010a6300029c401f90a2644e842ff492658011003f27a100000101080a217e08ff02cc9db7'),
  rst: hex('02000000630102000000630208004500002800004000400626080a6300020a63000100099c4100000000326e1b5550140000b0fa0000'),
  sack1: hex('020000006311020000006302080045000040b562400040066f8d0a6301020a6300011f909c421a3b15ff201aa12bb0100050070e00000101080a07b92d77f2be822a0101050a201ac31b201ac8c3'),
  sack3: hex('020000006311020000006302080045000050b566400040066f790a6301020a6300011f909c421a3b15ff201aa12bf0100050851200000101080a07b92d7af2be822a0101051a201af603201afbab201adf63201aeab3201ac31b201ace6b'),
};

/** The TCP segment inside a captured frame (Ethernet 14 + IPv4 20 bytes in front). */
const tcpOf = (frame: Uint8Array): Uint8Array => frame.subarray(34);

// The fixture of the four basic tests: the captured request, 10.99.0.1:40000 → 10.99.0.2:8080.
const DATA = hex(`
  9c 40 1f 90 a2 64 4e 72 2f f4 92 4e 80 18 00 3f   // 40000 → 8080, seq, ack, DO 8, PSH|ACK, win 63
  49 da 00 00                                       // checksum, urgent 0
  01 01 08 0a 21 7e 08 36 02 cc 9d b7               // NOP NOP TS val 0x217e0836 ecr 0x02cc9db7
  47 45 54 20 2f 20 48 54 54 50 2f 31 2e 30 0d 0a   // GET / HTTP/1.0\\r\\n\\r\\n
  0d 0a
`);
const DATA_PAYLOAD = DATA.subarray(32);
const TS = { tsVal: 0x217e0836, tsEcr: 0x02cc9db7 };
const DATA_REPR: TcpRepr = {
  srcPort: 40000,
  dstPort: 8080,
  seq: 0xa2644e72,
  ack: 0x2ff4924e,
  flags: TCP_FLAG.PSH | TCP_FLAG.ACK,
  window: 63,
  urgent: 0,
  options: [TCP_NOP, TCP_NOP, { kind: 'timestamps', ...TS }],
  payload: DATA_PAYLOAD,
};

describe('TCP segment', () => {
  it('the fixture is the captured request and carries a correct checksum', () => {
    expect(toHex(DATA)).toBe(toHex(tcpOf(CAPTURED.request)));
    expect(refTcpChecksum(DATA, A, B)).toBe(0x49da);
  });

  it('getters on the fixture', () => {
    const s = new TcpSegment(DATA);
    expect(s.check()).toBeUndefined();
    expect(s.srcPort).toBe(40000);
    expect(s.dstPort).toBe(8080);
    expect(s.seq).toBe(2724482674);
    expect(s.ack).toBe(804557390);
    expect(s.dataOffset).toBe(8);
    expect(s.headerLen).toBe(32);
    expect(s.flags).toBe(TCP_FLAG.PSH | TCP_FLAG.ACK);
    expect(s.window).toBe(63);
    expect(s.checksum).toBe(0x49da);
    expect(s.urgent).toBe(0);
    expect(toHex(s.optionBytes)).toBe('01 01 08 0a 21 7e 08 36 02 cc 9d b7');
    expect(new TextDecoder().decode(s.payload)).toBe('GET / HTTP/1.0\r\n\r\n');
    expect(s.seqLen).toBe(18);
    expect(s.checksumOk(A, B)).toBe(true);
    expect(s.checksumOk(B, A)).toBe(true); // the pseudo-header sum is symmetric in src/dst
    expect(s.checksumOk(A, B + 1)).toBe(false);
  });

  it('setters on a 0xa5-filled buffer equal the fixture', () => {
    const buf = filled(DATA.length);
    const s = new TcpSegment(buf);
    s.srcPort = 40000;
    s.dstPort = 8080;
    s.seq = 2724482674;
    s.ack = 804557390;
    s.dataOffset = 8;
    s.flags = TCP_FLAG.PSH | TCP_FLAG.ACK;
    s.window = 63;
    s.urgent = 0;
    s.checksum = 0x1234; // overwritten by fillChecksum
    writeTcpTimestamps(s.optionBytes, 0, TS.tsVal, TS.tsEcr);
    s.payload.set(DATA_PAYLOAD);
    s.fillChecksum(A, B);
    expect(toHex(buf)).toBe(toHex(DATA));
    s.checksum = 0x49da;
    expect(s.checksum).toBe(0x49da);
  });

  it('the flags setter keeps the data offset, the data offset setter keeps NS and the reserved bits', () => {
    const s = new TcpSegment(DATA.slice());
    s.flags = 0xfff;
    expect([s.dataOffset, s.flags]).toEqual([8, 0xfff]);
    s.dataOffset = 15;
    expect([s.dataOffset, s.flags]).toEqual([15, 0xfff]);
    s.flags = TCP_FLAG.NS | TCP_FLAG.SYN;
    expect(toHex(s.buffer.subarray(12, 14))).toBe('f1 02');
  });

  it('parse equals the expected Repr', () => {
    expect(parseTcp(DATA, A, B)).toEqual(DATA_REPR);
  });

  it('emit equals the fixture (checksum over the pseudo-header)', () => {
    const buf = filled(tcpBufferLen(DATA_REPR));
    emitTcp(DATA_REPR, buf, A, B);
    expect(toHex(buf)).toBe(toHex(DATA));
  });

  it('round-trips, also at an offset inside a larger buffer', () => {
    roundTrip(codecFor(), DATA_REPR, DATA);
  });

  it('honours byteOffset, and is reached through the IPv4 layer', () => {
    expect(parseTcp(atOffset(DATA, 3), A, B)).toEqual(DATA_REPR);
    const ip = parseIpv4(CAPTURED.request.subarray(14)) as Ipv4Repr;
    expect(ip.protocol).toBe(IP_PROTOCOL.TCP);
    expect(parseTcp(ip.payload, ip.src, ip.dst)).toEqual(DATA_REPR);
  });

  it('emit without addresses leaves the checksum 0; fillTcpChecksum completes it', () => {
    const buf = filled(tcpBufferLen(DATA_REPR));
    emitTcp(DATA_REPR, buf);
    expect(new TcpSegment(buf).checksum).toBe(0);
    fillTcpChecksum(buf, 0, buf.length, A, B);
    expect(toHex(buf)).toBe(toHex(DATA));
  });

  it('emits a whole IPv4/TCP packet in one buffer without copying the payload', () => {
    const buf = filled(20 + DATA.length);
    buf.set(DATA_PAYLOAD, 20 + 32); // the application wrote its data straight into the frame
    emitTcp({ ...DATA_REPR, payload: buf.subarray(52) }, buf, A, B, 20);
    expect(toHex(buf.subarray(20))).toBe(toHex(DATA));
  });
});

describe('TCP checksum', () => {
  it('a bad checksum is a checksum error unless verification is off', () => {
    const bad = DATA.slice();
    bad[40] ^= 0x01; // payload changed, checksum not updated
    expectError(parseTcp(bad, A, B), 'checksum');
    expect(parseTcp(bad, A, B, { verifyChecksum: false })).toMatchObject({ srcPort: 40000, seq: 0xa2644e72 });
  });

  it('the pseudo-header binds the addresses and the length', () => {
    expectError(parseTcp(DATA, A, parseIpv4Addr('10.99.0.3')!), 'checksum');
    const padded = new Uint8Array(DATA.length + 2); // two zero bytes more: same sum, other length
    padded.set(DATA);
    expectError(parseTcp(padded, A, B), 'checksum');
  });

  it('a precomputed segment sum (the device receive checksum) replaces reading the segment', () => {
    const sum = onesSum(DATA);
    expect(tcpChecksumOk(DATA, 0, DATA.length, A, B, sum)).toBe(true);
    expect(parseTcp(DATA, A, B, { segmentSum: sum })).toEqual(DATA_REPR);
    // the sum is trusted, not re-read: a wrong one fails, and it vouches for corrupted bytes
    expectError(parseTcp(DATA, A, B, { segmentSum: sum ^ 1 }), 'checksum');
    const bad = DATA.slice();
    bad[40] ^= 0x01;
    expect(parseTcp(bad, A, B, { segmentSum: sum })).not.toBeInstanceOf(WireError);
  });

  it('fill with a precomputed payload sum equals the full computation', () => {
    const buf = filled(tcpBufferLen(DATA_REPR));
    emitTcp(DATA_REPR, buf);
    new TcpSegment(buf).fillChecksum(A, B, onesSum(DATA_PAYLOAD));
    expect(toHex(buf)).toBe(toHex(DATA));
    // an odd-length payload too (its trailing byte is padded inside its own sum)
    const odd: TcpRepr = { ...DATA_REPR, payload: ascii('odd') };
    const x = filled(tcpBufferLen(odd));
    const y = filled(tcpBufferLen(odd));
    emitTcp(odd, x, A, B);
    emitTcp(odd, y);
    fillTcpChecksum(y, 0, y.length, A, B, onesSum(odd.payload));
    expect(toHex(y)).toBe(toHex(x));
    expect(refTcpChecksum(x, A, B)).toBe(new TcpSegment(x).checksum);
  });

  it('a computed checksum of 0 is sent as 0 (TCP has no "no checksum" value) and verifies', () => {
    const payload = ascii('\0\0xyz');
    const draft = filled(20 + payload.length);
    emitTcp({ ...DATA_REPR, options: NO_TCP_OPTIONS, payload }, draft, A, B);
    const fix = refTcpChecksum(draft, A, B);
    payload[0] = fix >>> 8;
    payload[1] = fix & 0xff;
    const repr: TcpRepr = { ...DATA_REPR, options: NO_TCP_OPTIONS, payload };
    const buf = filled(tcpBufferLen(repr));
    emitTcp(repr, buf, A, B);
    expect(new TcpSegment(buf).checksum).toBe(0);
    expect(refTcpChecksum(buf, A, B)).toBe(0);
    roundTrip(codecFor(), repr, buf);
  });
});

describe('TCP header checks', () => {
  it('shorter than 20 bytes, a data offset below 5, a header beyond the segment', () => {
    expectError(parseTcp(DATA.subarray(0, 19), A, B), 'truncated');
    for (const dataOffset of [0, 1, 4]) {
      const b = DATA.slice();
      new TcpSegment(b).dataOffset = dataOffset;
      expectError(parseTcp(b, A, B, { verifyChecksum: false }), 'malformed');
    }
    const long = DATA.slice(0, 40);
    new TcpSegment(long).dataOffset = 11; // 44 > 40
    expectError(parseTcp(long, A, B, { verifyChecksum: false }), 'truncated');
    long.fill(0, 32); // EOL and padding after the timestamps
    new TcpSegment(long).dataOffset = 10; // exactly 40: a header without payload
    expect(parseTcp(long, A, B, { verifyChecksum: false })).toMatchObject({ payload: new Uint8Array(0) });
  });

  it('every prefix is an error or a shorter segment, never an exception', () => {
    const results = everyPrefix(DATA, (b) => parseTcp(b, A, B, { verifyChecksum: false }));
    results.forEach((r, n) => {
      if (n < 32) expectError(r, 'truncated');
      else expect((r as TcpRepr).payload.length).toBe(n - 32);
    });
    // with verification, prefixes that hold the header fail the checksum
    for (const r of everyPrefix(DATA, (b) => parseTcp(b, A, B)).slice(32)) expectError(r, 'checksum');
  });

  it('sequence numbers near 2^32 are unsigned, and emit reduces any integer modulo 2^32', () => {
    const repr: TcpRepr = { ...DATA_REPR, seq: 0xffff_ffff, ack: 0xffff_fffe, options: tcpDataOptions({ tsVal: 0xffff_ffff, tsEcr: 0x8000_0000 }, [[0xffff_fff0, 0x10]]) };
    const buf = filled(tcpBufferLen(repr));
    emitTcp(repr, buf, A, B);
    expect(toHex(buf.subarray(4, 12))).toBe('ff ff ff ff ff ff ff fe');
    const back = parseTcp(buf, A, B) as TcpRepr;
    expect(back).toEqual(repr);
    expect(tcpOptionsSummary(back.options)).toEqual({ sackPermitted: false, tsVal: 0xffff_ffff, tsEcr: 0x8000_0000, sack: [[0xffff_fff0, 0x10]] });
    const s = new TcpSegment(buf);
    s.seq = 0xffff_ffff + 3; // seq + len past the wrap
    s.ack = -1;
    expect([s.seq, s.ack]).toEqual([2, 0xffff_ffff]);
    const wrapped = filled(tcpBufferLen(DATA_REPR));
    emitTcp({ ...DATA_REPR, seq: 2 ** 32 + 5, ack: -2 }, wrapped, A, B);
    expect(parseTcp(wrapped, A, B)).toMatchObject({ seq: 5, ack: 0xffff_fffe });
  });

  it('NS, the reserved bits and the urgent pointer round-trip', () => {
    const repr: TcpRepr = { ...DATA_REPR, flags: 0xfff, urgent: 0xbeef, window: 0xffff };
    const buf = filled(tcpBufferLen(repr));
    emitTcp(repr, buf, A, B);
    expect(toHex(buf.subarray(12, 16))).toBe('8f ff ff ff');
    expect(toHex(buf.subarray(18, 20))).toBe('be ef');
    roundTrip(codecFor(), repr, buf);
  });
});

describe('TCP options', () => {
  const optionsOf = (frame: Uint8Array): Uint8Array => new TcpSegment(tcpOf(frame)).optionBytes;

  it('the captured SYN: MSS, SACK_PERM, TS, NOP, WSCALE', () => {
    const opts = parseTcpOptions(optionsOf(CAPTURED.syn));
    expect(opts).toEqual([
      { kind: 'mss', mss: 1460 },
      { kind: 'sackPermitted' },
      { kind: 'timestamps', tsVal: 561907766, tsEcr: 0 },
      { kind: 'nop' },
      { kind: 'wscale', shift: 10 },
    ]);
    expect(tcpOptionsSummary(opts as TcpOption[])).toEqual({ mss: 1460, sackPermitted: true, tsVal: 561907766, tsEcr: 0, wscale: 10 });
  });

  it("tcpSynOptions builds Linux's layouts byte for byte", () => {
    const all = tcpSynOptions({ mss: 1460, sackPermitted: true, timestamps: { tsVal: 561907766, tsEcr: 0 }, wscale: 10 });
    expect(toHex(tcpOptionBytes(all))).toBe(toHex(optionsOf(CAPTURED.syn)));
    const synAck = tcpSynOptions({ mss: 1460, sackPermitted: true, timestamps: { tsVal: 0x02cc9db7, tsEcr: 0x217e0836 }, wscale: 10 });
    expect(toHex(tcpOptionBytes(synAck))).toBe(toHex(optionsOf(CAPTURED.synAck)));
    // without timestamps SACK_PERM gets its own NOP NOP; without SACK the timestamps get theirs
    expect(toHex(tcpOptionBytes(tcpSynOptions({ mss: 1460, sackPermitted: true, wscale: 7 })))).toBe('02 04 05 b4 01 01 04 02 01 03 03 07');
    expect(toHex(tcpOptionBytes(tcpSynOptions({ mss: 536, timestamps: { tsVal: 1, tsEcr: 2 } })))).toBe('02 04 02 18 01 01 08 0a 00 00 00 01 00 00 00 02');
    expect(toHex(tcpOptionBytes(tcpSynOptions({ mss: 1460 })))).toBe('02 04 05 b4');
    for (const o of [all, synAck]) expect(tcpOptionsLen(o)).toBe(20);
  });

  it('tcpDataOptions: NOP NOP TS, then NOP NOP SACK, as on the captured ACKs', () => {
    expect(toHex(tcpOptionBytes(tcpDataOptions(TS)))).toBe('01 01 08 0a 21 7e 08 36 02 cc 9d b7');
    expect(tcpOptionsLen(tcpDataOptions(TS))).toBe(TCP_TIMESTAMPS_ALIGNED_LEN);
    const ts = { tsVal: 0x07b92d7a, tsEcr: 0xf2be822a };
    const blocks = [
      [0x201af603, 0x201afbab],
      [0x201adf63, 0x201aeab3],
      [0x201ac31b, 0x201ace6b],
    ] as const;
    expect(toHex(tcpOptionBytes(tcpDataOptions(ts, blocks)))).toBe(toHex(optionsOf(CAPTURED.sack3)));
    expect(toHex(tcpOptionBytes(tcpDataOptions(undefined, [[1, 2]])))).toBe('01 01 05 0a 00 00 00 01 00 00 00 02');
    expect(tcpDataOptions()).toEqual([]);
    expect(tcpOptionBytes([]).length).toBe(0);
  });

  it('writeTcpTimestamps writes the aligned 12 bytes and nothing around them', () => {
    const b = filled(16);
    writeTcpTimestamps(b, 2, TS.tsVal, TS.tsEcr);
    expect(toHex(b)).toBe('a5 a5 01 01 08 0a 21 7e 08 36 02 cc 9d b7 a5 a5');
  });

  it('unknown options are kept as bytes and re-emit exactly', () => {
    const opts = hex(`
      22 0a 01 02 03 04 05 06 07 08   // Fast Open cookie (kind 34), 8 bytes
      13 12 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff   // MD5 signature (kind 19)
      fe 02                           // an experimental kind with no data
      01 01
    `);
    const parsed = parseTcpOptions(opts) as TcpOption[];
    expect(parsed.slice(0, 3)).toEqual([
      { kind: 'other', type: 34, data: hex('01 02 03 04 05 06 07 08') },
      { kind: 'other', type: 19, data: opts.subarray(12, 28) },
      { kind: 'other', type: 0xfe, data: new Uint8Array(0) },
    ]);
    const out = filled(tcpOptionsLen(parsed));
    expect(emitTcpOptions(parsed, out)).toBe(opts.length);
    expect(toHex(out)).toBe(toHex(opts));
  });

  it('a known kind with the wrong length is kept as "other" (Linux ignores it), byte-exact', () => {
    const opts = hex(`
      02 06 05 b4 00 00     // MSS with length 6
      03 04 07 00           // window scale with length 4
      04 03 00              // SACK-permitted with length 3
      08 08 00 00 00 01 00 00   // timestamps with length 8
      05 02                 // SACK without blocks
      05 0b 00 00 00 01 00 00 00 02 00   // SACK with a partial block
      01 01 01
    `);
    const parsed = parseTcpOptions(opts) as TcpOption[];
    expect(parsed.map((o) => (o.kind === 'other' ? o.type : o.kind))).toEqual([2, 3, 4, 8, 5, 5, 'nop', 'nop', 'nop']);
    expect(tcpOptionsSummary(parsed)).toEqual({ sackPermitted: false });
    const out = new Uint8Array(opts.length);
    emitTcpOptions(parsed, out);
    expect(toHex(out)).toBe(toHex(opts));
  });

  it('EOL keeps the bytes after it, so even non-zero padding round-trips', () => {
    const opts = hex('02 04 05 b4 01 00 de ad');
    const parsed = parseTcpOptions(opts) as TcpOption[];
    expect(parsed).toEqual([{ kind: 'mss', mss: 1460 }, { kind: 'nop' }, { kind: 'eol', padding: hex('de ad') }]);
    const repr: TcpRepr = { ...DATA_REPR, flags: TCP_FLAG.SYN, options: parsed, payload: new Uint8Array(0) };
    const buf = filled(tcpBufferLen(repr));
    emitTcp(repr, buf, A, B);
    expect(toHex(new TcpSegment(buf).optionBytes)).toBe(toHex(opts));
    roundTrip(codecFor(), repr, buf);
  });

  it('NOP padding is kept where it was: leading, between and trailing', () => {
    const opts = hex('01 02 04 05 b4 01 03 03 07 01 01 01');
    const parsed = parseTcpOptions(opts) as TcpOption[];
    expect(parsed.map((o) => o.kind)).toEqual(['nop', 'mss', 'nop', 'wscale', 'nop', 'nop', 'nop']);
    expect(toHex(tcpOptionBytes(parsed))).toBe(toHex(opts));
  });

  it('emit pads a list to a multiple of 4 with zeros, which parse back as an EOL', () => {
    const opts: TcpOption[] = [{ kind: 'mss', mss: 1460 }, { kind: 'wscale', shift: 14 }];
    expect(tcpOptionsLen(opts)).toBe(8);
    const repr: TcpRepr = { ...DATA_REPR, flags: TCP_FLAG.SYN, options: opts, payload: new Uint8Array(0) };
    const buf = filled(tcpBufferLen(repr));
    emitTcp(repr, buf, A, B);
    expect(toHex(buf.subarray(12, 13))).toBe('70');
    expect(toHex(new TcpSegment(buf).optionBytes)).toBe('02 04 05 b4 03 03 0e 00');
    expect((parseTcp(buf, A, B) as TcpRepr).options).toEqual([...opts, { kind: 'eol', padding: new Uint8Array(0) }]);
  });

  it('a length below 2, past the header, or missing makes the segment malformed', () => {
    for (const bad of ['02 00 05 b4', '08 01 00 00', '01 01 08 0a 00 00 00 01', '01 01 01 05', '02 05 05 b4', '01 13 09 00 00 00 00 00']) {
      expectError(parseTcpOptions(hex(bad)), 'malformed');
      const seg = filled(20 + hex(bad).length);
      emitTcp({ ...DATA_REPR, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }], payload: new Uint8Array(0) }, seg);
      seg.set(hex(bad), 20);
      new TcpSegment(seg).dataOffset = seg.length / 4;
      fillTcpChecksum(seg, 0, seg.length, A, B);
      expectError(parseTcp(seg, A, B), 'malformed');
    }
  });

  it('the summary: the last of a repeated option wins, as in Linux', () => {
    const opts: TcpOption[] = [
      { kind: 'mss', mss: 536 },
      { kind: 'mss', mss: 1460 },
      { kind: 'sack', blocks: [[1, 2]] },
      { kind: 'sack', blocks: [[3, 4], [5, 6]] },
      { kind: 'wscale', shift: 20 },
    ];
    expect(tcpOptionsSummary(opts)).toEqual({ mss: 1460, sackPermitted: false, sack: [[3, 4], [5, 6]], wscale: 20 });
    expect(tcpOptionsSummary(NO_TCP_OPTIONS)).toEqual({ sackPermitted: false });
  });

  it('more than 40 option bytes is a programmer error', () => {
    const five = tcpDataOptions(TS, [[1, 2], [3, 4], [5, 6], [7, 8]]); // 12 + 36 = 48 bytes
    expect(() => tcpHeaderLen(five)).toThrow(RangeError);
    expect(tcpHeaderLen(tcpDataOptions(undefined, [[1, 2], [3, 4], [5, 6], [7, 8]]))).toBe(56); // NOP NOP + 34
    expect(tcpHeaderLen(NO_TCP_OPTIONS)).toBe(TCP_HEADER_LEN);
    expect(TCP_SACK_PERMITTED).toEqual({ kind: 'sackPermitted' });
  });
});

describe('writeTcpHeader: the repr-free fast path', () => {
  it('with pre-encoded option bytes it writes what emitTcp writes', () => {
    const opts = tcpOptionBytes(DATA_REPR.options);
    const buf = filled(DATA.length);
    buf.set(DATA_PAYLOAD, 32);
    const hl = writeTcpHeader(buf, 0, 40000, 8080, 0xa2644e72, 0x2ff4924e, TCP_FLAG.PSH | TCP_FLAG.ACK, 63, 0, opts);
    expect(hl).toBe(32);
    fillTcpChecksum(buf, 0, buf.length, A, B);
    expect(toHex(buf)).toBe(toHex(DATA));
  });

  it('reserving option space, then timestamps in place, at an offset inside a larger buffer', () => {
    const big = filled(7 + DATA.length + 9);
    const at = 7;
    const hl = writeTcpHeader(big, at, 40000, 8080, 0xa2644e72, 0x2ff4924e, TCP_FLAG.PSH | TCP_FLAG.ACK, 63, 0, TCP_TIMESTAMPS_ALIGNED_LEN);
    writeTcpTimestamps(big, at + TCP_HEADER_LEN, TS.tsVal, TS.tsEcr);
    big.set(DATA_PAYLOAD, at + hl);
    fillTcpChecksum(big, at, at + hl + DATA_PAYLOAD.length, A, B, onesSum(DATA_PAYLOAD));
    expect(toHex(big.subarray(at, at + DATA.length))).toBe(toHex(DATA));
    expect(big.subarray(0, at).every((b) => b === 0xa5)).toBe(true);
    expect(big.subarray(at + DATA.length).every((b) => b === 0xa5)).toBe(true);
  });

  it('without options a 20-byte header; unaligned option bytes are zero-padded', () => {
    const b = filled(24);
    expect(writeTcpHeader(b, 0, 1, 2, 3, 4, TCP_FLAG.RST, 0)).toBe(20);
    expect(toHex(b.subarray(0, 20))).toBe('00 01 00 02 00 00 00 03 00 00 00 04 50 04 00 00 00 00 00 00');
    expect(writeTcpHeader(b, 0, 1, 2, 3, 4, TCP_FLAG.SYN, 0, 0, hex('03 03 07'))).toBe(24);
    expect(toHex(b.subarray(12, 24))).toBe('60 02 00 00 00 00 00 00 03 03 07 00');
  });
});

describe('TCP hostile input', () => {
  /** Parses with the checksum made valid first, so option and header checks are reached. */
  function parseFixed(b: Uint8Array): TcpRepr | WireError {
    if (b.length >= 20) fillTcpChecksum(b, 0, b.length, A, B);
    return parseTcp(b, A, B);
  }

  /** Whatever parses must re-emit byte for byte. */
  function expectReemits(b: Uint8Array, r: TcpRepr): void {
    const out = filled(tcpBufferLen(r));
    emitTcp(r, out, A, B);
    expect(toHex(out)).toBe(toHex(b));
  }

  it('random bytes parse to a Repr or a WireError, and Reprs re-emit byte-exact', () => {
    const rnd = prng(0x7c9);
    let values = 0;
    for (let k = 0; k < 3000; k++) {
      const b = new Uint8Array(Math.floor(rnd() * 90));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
      // bias towards plausible headers half the time: a data offset that fits
      if (b.length >= 20 && k % 2 === 0) b[12] = (b[12] & 0x0f) | ((5 + Math.floor(rnd() * Math.min(11, (b.length - 20) / 4 + 1))) << 4);
      const raw = parseTcp(b, A, B, { verifyChecksum: false });
      expect(raw).toBeDefined();
      const r = parseFixed(b);
      if (r instanceof WireError) continue;
      values++;
      expectReemits(b, r);
    }
    expect(values).toBeGreaterThan(250);
  });

  it('mutated captured segments parse to a Repr or a WireError, and Reprs re-emit byte-exact', () => {
    let values = 0;
    let seed = 11;
    for (const frame of Object.values(CAPTURED)) {
      for (const m of mutants(tcpOf(frame), 400, seed++)) {
        expect(parseTcp(m, A, B)).toBeDefined();
        const r = parseFixed(m);
        if (r instanceof WireError) continue;
        values++;
        expectReemits(m, r);
      }
    }
    expect(values).toBeGreaterThan(2000);
  });

  it('option bytes alone: random lists never throw, and parsed lists re-emit exactly', () => {
    const rnd = prng(99);
    let values = 0;
    for (let k = 0; k < 3000; k++) {
      const b = new Uint8Array(4 * Math.floor(rnd() * 11));
      // small kinds and lengths, so the named options and the boundaries come up often
      for (let i = 0; i < b.length; i++) b[i] = rnd() < 0.7 ? Math.floor(rnd() * 12) : Math.floor(rnd() * 256);
      const r = parseTcpOptions(b);
      if (r instanceof WireError) continue;
      values++;
      expect(tcpOptionsLen(r)).toBe(b.length);
      expect(toHex(tcpOptionBytes(r))).toBe(toHex(b));
    }
    expect(values).toBeGreaterThan(300);
  });
});

describe('segments captured from the Linux kernel', () => {
  function layers(frame: Uint8Array): { eth: EthernetRepr; ip: Ipv4Repr; tcp: TcpRepr } {
    const eth = parseEthernet(frame) as EthernetRepr;
    const ip = parseIpv4(eth.payload) as Ipv4Repr;
    expect(ip).not.toBeInstanceOf(WireError);
    expect(ip.protocol).toBe(IP_PROTOCOL.TCP);
    const tcp = parseTcp(ip.payload, ip.src, ip.dst); // verifies the checksum
    expect(tcp).not.toBeInstanceOf(WireError);
    return { eth, ip, tcp: tcp as TcpRepr };
  }

  it('every segment verifies, and every layer re-emits it byte for byte', () => {
    for (const [name, frame] of Object.entries(CAPTURED)) {
      const { eth, ip, tcp } = layers(frame);
      expect(new TcpSegment(ip.payload).checksumOk(ip.src, ip.dst, onesSum(ip.payload)), name).toBe(true);
      expect(refTcpChecksum(ip.payload, ip.src, ip.dst), name).toBe(new TcpSegment(ip.payload).checksum);
      const seg = new Uint8Array(tcpBufferLen(tcp));
      emitTcp(tcp, seg, ip.src, ip.dst);
      expect(toHex(seg), name).toBe(toHex(ip.payload));
      const pkt = new Uint8Array(ipv4BufferLen(ip));
      emitIpv4(ip, pkt);
      const f = new Uint8Array(ethernetBufferLen(eth));
      emitEthernet(eth, f);
      expect(toHex(f), name).toBe(toHex(frame));
      // and the fast path rebuilds the same segment from plain fields
      const fast = filled(seg.length);
      const hl = writeTcpHeader(fast, 0, tcp.srcPort, tcp.dstPort, tcp.seq, tcp.ack, tcp.flags, tcp.window, tcp.urgent, tcpOptionBytes(tcp.options));
      fast.set(tcp.payload, hl);
      fillTcpChecksum(fast, 0, fast.length, ip.src, ip.dst);
      expect(toHex(fast), name).toBe(toHex(ip.payload));
    }
  });

  it('the handshake: SYN, SYN-ACK, ACK', () => {
    const syn = layers(CAPTURED.syn).tcp;
    expect(syn).toMatchObject({ srcPort: 40000, dstPort: 8080, seq: 2724482673, ack: 0, flags: TCP_FLAG.SYN, window: 64240 });
    const synAck = layers(CAPTURED.synAck);
    expect([synAck.ip.src, synAck.ip.dst]).toEqual([B, A]);
    expect(synAck.tcp).toMatchObject({ seq: 804557389, ack: (syn.seq + 1) >>> 0, flags: TCP_FLAG.SYN | TCP_FLAG.ACK, window: 65160 });
    expect(tcpOptionsSummary(synAck.tcp.options)).toEqual({ mss: 1460, sackPermitted: true, tsVal: 0x02cc9db7, tsEcr: syn.options[2].kind === 'timestamps' ? syn.options[2].tsVal : -1, wscale: 10 });
    const ack = layers(CAPTURED.ack).tcp;
    expect(ack).toMatchObject({ seq: syn.seq + 1, ack: synAck.tcp.seq + 1, flags: TCP_FLAG.ACK, payload: new Uint8Array(0) });
    expect(ack.options).toEqual(tcpDataOptions(TS));
    expect(new TcpSegment(tcpOf(CAPTURED.syn)).seqLen).toBe(1);
    expect(new TcpSegment(tcpOf(CAPTURED.ack)).seqLen).toBe(0);
  });

  it('data both ways, with PSH and timestamps', () => {
    expect(layers(CAPTURED.request).tcp).toEqual(DATA_REPR);
    const res = layers(CAPTURED.response).tcp;
    expect(res).toMatchObject({ srcPort: 8080, dstPort: 40000, seq: 804557390, ack: 2724482692, flags: TCP_FLAG.PSH | TCP_FLAG.ACK });
    expect(new TextDecoder().decode(res.payload)).toBe('HTTP/1.0 200 OK\r\n\r\nhi\n');
    expect(tcpOptionsSummary(res.options)).toEqual({ sackPermitted: false, tsVal: TS.tsEcr, tsEcr: TS.tsVal });
  });

  it('FIN, and the RST answering a SYN to a closed port', () => {
    const fin = layers(CAPTURED.fin).tcp;
    expect(fin).toMatchObject({ seq: 2724482692, ack: 804557413, flags: TCP_FLAG.FIN | TCP_FLAG.ACK });
    expect(new TcpSegment(tcpOf(CAPTURED.fin)).seqLen).toBe(1);
    const rst = layers(CAPTURED.rst).tcp;
    // Linux answers a SYN (seq 846076756) to port 9 with RST|ACK, seq 0, ack = its seq + 1, window 0, no options
    expect(rst).toEqual({ srcPort: 9, dstPort: 40001, seq: 0, ack: 846076757, flags: TCP_FLAG.RST | TCP_FLAG.ACK, window: 0, urgent: 0, options: NO_TCP_OPTIONS, payload: new Uint8Array(0) });
    expect(new TcpSegment(tcpOf(CAPTURED.rst)).seqLen).toBe(0);
  });

  it('SACK blocks on duplicate ACKs: one block, then three in a 60-byte header', () => {
    const one = layers(CAPTURED.sack1);
    expect([one.ip.src, one.ip.dst]).toEqual([B2, A]);
    expect(one.tcp).toMatchObject({ srcPort: 8080, dstPort: 40002, ack: 538616107, window: 80, flags: TCP_FLAG.ACK });
    expect(tcpOptionsSummary(one.tcp.options)).toEqual({ sackPermitted: false, tsVal: 129576311, tsEcr: 4072571434, sack: [[538624795, 538626243]] });
    const three = layers(CAPTURED.sack3);
    expect(new TcpSegment(tcpOf(CAPTURED.sack3)).headerLen).toBe(60);
    expect(three.tcp.options).toEqual(
      tcpDataOptions({ tsVal: 129576314, tsEcr: 4072571434 }, [
        [538637827, 538639275],
        [538632035, 538634931],
        [538624795, 538627691],
      ]),
    );
  });
});
