import { describe, expect, it } from 'vitest';
import {
  DNS_CLASS,
  DNS_FLAG,
  DNS_MAX_POINTERS,
  DNS_OPCODE,
  DNS_RCODE,
  DNS_TYPE,
  DnsPacket,
  type DnsRecord,
  type DnsRepr,
  dnsBufferLen,
  dnsNameToLabels,
  dnsRecordType,
  emitDns,
  parseDns,
} from '../../../stack/wire/dns.js';
import { WireError } from '../../../stack/wire/error.js';
import { parseIpv4Addr } from '../../../stack/wire/ipv4.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, prng, roundTrip, toHex } from './helpers.js';

const codec: Codec<DnsRepr> = { parse: parseDns, bufferLen: dnsBufferLen, emit: emitDns };

// `dig example.com` (the UDP payload of udp.test.ts's query): RD, one question, EDNS OPT record.
const QUERY = hex(`
  1a 2b 01 00 00 01 00 00 00 00 00 01               // id 0x1a2b, flags RD, QD 1, AN 0, NS 0, AR 1
  07 65 78 61 6d 70 6c 65 03 63 6f 6d 00            // example.com
  00 01 00 01                                       // type A, class IN
  00 00 29 04 d0 00 00 00 00 00 00                  // OPT: root, type 41, UDP size 1232, TTL 0, rdlen 0
`);

// The resolver's answer: QR RD RA, the question echoed, example.com A 93.184.215.14 TTL 3600.
const RESPONSE = hex(`
  1a 2b 81 80 00 01 00 01 00 00 00 00
  07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01
  c0 0c 00 01 00 01 00 00 0e 10 00 04 5d b8 d7 0e   // pointer to offset 12, A, IN, TTL, rdlen 4, address
`);

// www.github.com: a CNAME (rdata is a pointer to "github.com" at offset 16), then the A record.
const CNAME_RESPONSE = hex(`
  5c 1e 81 80 00 01 00 02 00 00 00 00
  03 77 77 77 06 67 69 74 68 75 62 03 63 6f 6d 00 00 01 00 01
  c0 0c 00 05 00 01 00 00 0d fc 00 02 c0 10         // www.github.com CNAME (pointer) TTL 3580
  c0 10 00 01 00 01 00 00 00 3c 00 04 8c 52 79 04   // github.com A 140.82.121.4 TTL 60
`);

const HEADER: Omit<DnsRepr, 'id' | 'questions' | 'answers' | 'authorities' | 'additionals'> = {
  response: false,
  opcode: DNS_OPCODE.QUERY,
  authoritative: false,
  truncated: false,
  recursionDesired: true,
  recursionAvailable: false,
  z: false,
  authenticData: false,
  checkingDisabled: false,
  rcode: DNS_RCODE.NOERROR,
};

const QUESTION = { name: 'example.com', type: DNS_TYPE.A, class: DNS_CLASS.IN };
const OPT: DnsRecord = { kind: 'raw', name: '', type: DNS_TYPE.OPT, class: 1232, ttl: 0, data: new Uint8Array(0) };

const QUERY_REPR: DnsRepr = { ...HEADER, id: 0x1a2b, questions: [QUESTION], answers: [], authorities: [], additionals: [OPT] };

const RESPONSE_REPR: DnsRepr = {
  ...HEADER,
  id: 0x1a2b,
  response: true,
  recursionAvailable: true,
  questions: [QUESTION],
  answers: [{ kind: 'a', name: 'example.com', class: DNS_CLASS.IN, ttl: 3600, address: parseIpv4Addr('93.184.215.14')! }],
  authorities: [],
  additionals: [],
};

const CNAME_REPR: DnsRepr = {
  ...RESPONSE_REPR,
  id: 0x5c1e,
  questions: [{ name: 'www.github.com', type: DNS_TYPE.A, class: DNS_CLASS.IN }],
  answers: [
    { kind: 'raw', name: 'www.github.com', type: DNS_TYPE.CNAME, class: DNS_CLASS.IN, ttl: 3580, data: hex('c0 10') },
    { kind: 'a', name: 'github.com', class: DNS_CLASS.IN, ttl: 60, address: parseIpv4Addr('140.82.121.4')! },
  ],
};

/** A message with the given header counts and body bytes. */
function message(counts: [number, number, number, number], body: string): Uint8Array {
  const head = filled(12, 0);
  head[1] = 0x42;
  counts.forEach((c, i) => {
    head[4 + 2 * i] = c >>> 8;
    head[5 + 2 * i] = c & 0xff;
  });
  const b = hex(body);
  const out = new Uint8Array(12 + b.length);
  out.set(head);
  out.set(b, 12);
  return out;
}

describe('DNS message', () => {
  it('getters on the fixture header', () => {
    const h = new DnsPacket(RESPONSE);
    expect(h.check()).toBeUndefined();
    expect(h.id).toBe(0x1a2b);
    expect(h.flags).toBe(DNS_FLAG.QR | DNS_FLAG.RD | DNS_FLAG.RA);
    expect(h.opcode).toBe(DNS_OPCODE.QUERY);
    expect(h.rcode).toBe(DNS_RCODE.NOERROR);
    expect([h.qdcount, h.ancount, h.nscount, h.arcount]).toEqual([1, 1, 0, 0]);
  });

  it('setters on a 0xa5-filled buffer (header; the sections copied) equal the fixture', () => {
    const buf = filled(RESPONSE.length);
    const h = new DnsPacket(buf);
    h.id = 0x1a2b;
    h.flags = DNS_FLAG.QR | DNS_FLAG.RD | DNS_FLAG.RA;
    h.opcode = DNS_OPCODE.QUERY;
    h.rcode = DNS_RCODE.NOERROR;
    h.qdcount = 1;
    h.ancount = 1;
    h.nscount = 0;
    h.arcount = 0;
    buf.set(RESPONSE.subarray(12), 12);
    expect(toHex(buf)).toBe(toHex(RESPONSE));
  });

  it('parse equals the expected Repr', () => {
    expect(parseDns(QUERY)).toEqual(QUERY_REPR);
    expect(parseDns(RESPONSE)).toEqual(RESPONSE_REPR);
    expect(parseDns(CNAME_RESPONSE)).toEqual(CNAME_REPR);
  });

  it('emit equals the fixture (the answer name compressed to a pointer)', () => {
    const buf = filled(dnsBufferLen(RESPONSE_REPR));
    emitDns(RESPONSE_REPR, buf);
    expect(toHex(buf)).toBe(toHex(RESPONSE));
  });

  it('round-trips query, response and CNAME chain, also at an offset (pointers stay message-relative)', () => {
    roundTrip(codec, QUERY_REPR, QUERY);
    roundTrip(codec, RESPONSE_REPR, RESPONSE);
    roundTrip(codec, CNAME_REPR, CNAME_RESPONSE);
    expect(parseDns(atOffset(CNAME_RESPONSE))).toEqual(CNAME_REPR);
  });

  it('record helpers', () => {
    expect(CNAME_REPR.answers.map(dnsRecordType)).toEqual([DNS_TYPE.CNAME, DNS_TYPE.A]);
  });

  it('every header flag and field maps both ways', () => {
    const flags: [keyof DnsRepr, number][] = [
      ['response', DNS_FLAG.QR],
      ['authoritative', DNS_FLAG.AA],
      ['truncated', DNS_FLAG.TC],
      ['recursionDesired', DNS_FLAG.RD],
      ['recursionAvailable', DNS_FLAG.RA],
      ['z', DNS_FLAG.Z],
      ['authenticData', DNS_FLAG.AD],
      ['checkingDisabled', DNS_FLAG.CD],
    ];
    const none: DnsRepr = { ...QUERY_REPR, recursionDesired: false, questions: [], additionals: [] };
    for (const [key, bit] of flags) {
      const repr = { ...none, [key]: true } as DnsRepr;
      const buf = filled(12);
      emitDns(repr, buf);
      expect(new DnsPacket(buf).flags, key).toBe(bit);
      roundTrip(codec, repr, buf);
    }
    const odd: DnsRepr = { ...none, opcode: 15, rcode: DNS_RCODE.NXDOMAIN, id: 0xffff };
    const buf = filled(12);
    emitDns(odd, buf);
    expect(toHex(buf)).toBe('ff ff 78 03 00 00 00 00 00 00 00 00');
    roundTrip(codec, odd, buf);
  });

  it('unknown types and classes round-trip as raw rdata; A with a wrong length stays raw', () => {
    const repr: DnsRepr = {
      ...RESPONSE_REPR,
      questions: [{ name: 'example.com', type: 65, class: 3 }],
      answers: [
        { kind: 'raw', name: 'example.com', type: 65, class: 3, ttl: 1, data: hex('00 01 00') },
        { kind: 'raw', name: 'example.com', type: DNS_TYPE.A, class: 1, ttl: 1, data: hex('01 02 03') },
        { kind: 'raw', name: 'example.com', type: DNS_TYPE.AAAA, class: 1, ttl: 1, data: hex('26 06 28 00 02 1f cb 07 68 20 80 da af 6b 8b 2c') },
      ],
      authorities: [{ kind: 'raw', name: 'com', type: DNS_TYPE.NS, class: 1, ttl: 172800, data: hex('01 61 0c 67 74 6c 64 2d 73 65 72 76 65 72 73 03 6e 65 74 00') }],
    };
    const buf = filled(dnsBufferLen(repr));
    emitDns(repr, buf);
    roundTrip(codec, repr, buf);
  });

  it('compresses owner names against earlier suffixes, case-sensitively', () => {
    const repr: DnsRepr = {
      ...QUERY_REPR,
      questions: [
        { name: 'a.example.com', type: 1, class: 1 },
        { name: 'b.example.com', type: 1, class: 1 },
        { name: 'EXAMPLE.com', type: 1, class: 1 },
        { name: '', type: 2, class: 1 },
      ],
      additionals: [],
    };
    const buf = filled(dnsBufferLen(repr));
    emitDns(repr, buf);
    expect(toHex(buf.subarray(12))).toBe(
      toHex(hex(`
        01 61 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 00 01 00 01   // a.example.com at 12
        01 62 c0 0e 00 01 00 01                                    // b + pointer to example.com (14)
        07 45 58 41 4d 50 4c 45 c0 16 00 01 00 01                  // EXAMPLE + pointer to com (22)
        00 00 02 00 01                                             // the root
      `)),
    );
    roundTrip(codec, repr, buf);
  });

  it('names with dots, backslashes and binary bytes round-trip through escapes', () => {
    expect(dnsNameToLabels('a\\.b.c\\\\d.\\000\\255x')).toEqual([hex('61 2e 62'), hex('63 5c 64'), hex('00 ff 78')]);
    expect(dnsNameToLabels('example.com.')).toEqual(dnsNameToLabels('example.com'));
    expect(dnsNameToLabels('.')).toEqual([]);
    const name = 'a\\.b.c\\\\d.\\000\\032\\255x';
    const repr: DnsRepr = { ...QUERY_REPR, questions: [{ name, type: 1, class: 1 }], additionals: [] };
    const buf = filled(dnsBufferLen(repr));
    emitDns(repr, buf);
    expect((parseDns(buf) as DnsRepr).questions[0].name).toBe(name);
  });

  it('unencodable names are programmer errors (RangeError) on emit', () => {
    const withName = (name: string): DnsRepr => ({ ...QUERY_REPR, questions: [{ name, type: 1, class: 1 }] });
    for (const bad of ['a..b', '.a', 'x'.repeat(64) + '.com', Array(5).fill('y'.repeat(63)).join('.'), 'a\\', 'a\\25', 'a\\256', 'caf\u00e9\u2603']) {
      expect(() => dnsBufferLen(withName(bad)), bad).toThrow(RangeError);
    }
    expect(() => dnsBufferLen(withName('x'.repeat(63) + '.com'))).not.toThrow();
  });
});

describe('DNS parse limits', () => {
  it('a pointer to itself (a loop) is malformed', () => {
    expectError(parseDns(message([1, 0, 0, 0], 'c0 0c 00 01 00 01')), 'malformed');
  });

  it('a loop through a label is malformed', () => {
    expectError(parseDns(message([1, 0, 0, 0], '01 61 c0 0c 00 01 00 01')), 'malformed');
  });

  it('a forward pointer is malformed', () => {
    expectError(parseDns(message([1, 0, 0, 0], 'c0 12 00 01 00 01 01 61 00')), 'malformed');
  });

  it('a pointer back into the middle of its own name is malformed', () => {
    // "a" at 12, then at 14 a pointer to 12 would be fine — but here the run starts at 12 and the
    // pointer at 16 targets 13, which lies inside the current run.
    expectError(parseDns(message([1, 0, 0, 0], '01 61 01 62 c0 0d 00 01 00 01')), 'malformed');
  });

  it(`follows chains of up to ${DNS_MAX_POINTERS} pointers, and no more`, () => {
    // question 0 is "a"; question k's name is a pointer to question k-1's name: k pointers deep
    const n = DNS_MAX_POINTERS + 2;
    let body = '01 61 00 00 01 00 01';
    let prev = 12;
    for (let k = 1; k < n; k++) {
      const ptr = (0xc000 | prev).toString(16);
      body += ` ${ptr.slice(0, 2)} ${ptr.slice(2)} 00 01 00 01`;
      prev = k === 1 ? 12 + 7 : prev + 6;
    }
    const ok = parseDns(message([DNS_MAX_POINTERS + 1, 0, 0, 0], body));
    expect(ok).not.toBeInstanceOf(WireError);
    expect((ok as DnsRepr).questions.every((q) => q.name === 'a')).toBe(true);
    expectError(parseDns(message([n, 0, 0, 0], body)), 'malformed');
  });

  it('names longer than 255 bytes are malformed, also when built from pointers', () => {
    const label = '3f ' + '78 '.repeat(63);
    expectError(parseDns(message([1, 0, 0, 0], label.repeat(4) + '00 00 01 00 01')), 'malformed');
    // 3 labels of 63 (193 bytes) at 12, then 1 label + pointer: 64 + 193 = 257 > 255
    const long = label.repeat(3) + '00 00 01 00 01 ' + label + 'c0 0c 00 01 00 01';
    const r = parseDns(message([2, 0, 0, 0], long));
    expectError(r, 'malformed');
    // exactly 255 is fine: 3 × 64 + 62 + 1
    const max = label.repeat(3) + '3d ' + '78 '.repeat(61) + '00 00 01 00 01';
    expect(parseDns(message([1, 0, 0, 0], max))).not.toBeInstanceOf(WireError);
  });

  it('extended label types are unsupported', () => {
    expectError(parseDns(message([1, 0, 0, 0], '41 00 00 01 00 01')), 'unsupported');
    expectError(parseDns(message([1, 0, 0, 0], '81 00 00 01 00 01')), 'unsupported');
  });

  it('counts claiming more than is there are truncated, without preallocating', () => {
    expectError(parseDns(message([0xffff, 0, 0, 0], '')), 'truncated');
    expectError(parseDns(message([0, 0xffff, 0xffff, 0xffff], '')), 'truncated');
    const rdPastEnd = message([0, 1, 0, 0], '00 00 01 00 01 00 00 00 01 00 08 01 02');
    expectError(parseDns(rdPastEnd), 'truncated');
  });

  it('every prefix of each fixture is an error, never an exception', () => {
    for (const fixture of [QUERY, RESPONSE, CNAME_RESPONSE]) {
      for (const r of everyPrefix(fixture, parseDns)) expectError(r, 'truncated');
    }
  });

  it('random byte changes parse to a Repr or a WireError, and Reprs survive emit → parse', () => {
    let values = 0;
    for (const fixture of [QUERY, RESPONSE, CNAME_RESPONSE]) {
      for (const m of mutants(fixture, 700, 1035)) {
        const r = parseDns(m);
        if (r instanceof WireError) continue;
        values++;
        const buf = filled(dnsBufferLen(r));
        emitDns(r, buf);
        expect(parseDns(buf)).toEqual(r);
      }
    }
    expect(values).toBeGreaterThan(500);
  });

  it('random bytes never throw', () => {
    const rnd = prng(53);
    for (let k = 0; k < 3000; k++) {
      const len = Math.floor(rnd() * 80);
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = rnd() < 0.3 ? 0xc0 | Math.floor(rnd() * 2) : Math.floor(rnd() * 256);
      if (len >= 12) b[4] = 0; // keep counts small enough to reach the body sometimes
      const r = parseDns(b);
      expect(r).toBeDefined();
    }
  });
});
