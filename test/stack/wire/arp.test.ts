import { describe, expect, it } from 'vitest';
import { ARP_LEN, ARP_OP, ArpPacket, type ArpRepr, arpBufferLen, emitArp, parseArp } from '../../../stack/wire/arp.js';
import { WireError } from '../../../stack/wire/error.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, mutants, roundTrip, toHex } from './helpers.js';

const codec: Codec<ArpRepr> = { parse: parseArp, bufferLen: arpBufferLen, emit: emitArp };

const GUEST_MAC = 0x525400123456; // 52:54:00:12:34:56
const GW_MAC = 0x52550a000202; // 52:55:0a:00:02:02, QEMU user networking's gateway
const GUEST_IP = 0x0a00020f; // 10.0.2.15
const GW_IP = 0x0a000202; // 10.0.2.2

// "Who has 10.0.2.2? Tell 10.0.2.15" (the ARP payload of a broadcast frame).
const REQUEST = hex(`
  00 01 08 00 06 04 00 01   // htype Ethernet, ptype IPv4, hlen 6, plen 4, op request
  52 54 00 12 34 56         // sender hardware address
  0a 00 02 0f               // sender protocol address 10.0.2.15
  00 00 00 00 00 00         // target hardware address (unknown)
  0a 00 02 02               // target protocol address 10.0.2.2
`);

// "10.0.2.2 is at 52:55:0a:00:02:02".
const REPLY = hex(`
  00 01 08 00 06 04 00 02
  52 55 0a 00 02 02 0a 00 02 02
  52 54 00 12 34 56 0a 00 02 0f
`);

const REQUEST_REPR: ArpRepr = { operation: ARP_OP.REQUEST, senderHw: GUEST_MAC, senderIp: GUEST_IP, targetHw: 0, targetIp: GW_IP };
const REPLY_REPR: ArpRepr = { operation: ARP_OP.REPLY, senderHw: GW_MAC, senderIp: GW_IP, targetHw: GUEST_MAC, targetIp: GUEST_IP };

describe('ARP (Ethernet/IPv4)', () => {
  it('getters on the request fixture', () => {
    const p = new ArpPacket(REQUEST);
    expect(p.check()).toBeUndefined();
    expect(p.htype).toBe(1);
    expect(p.ptype).toBe(0x0800);
    expect(p.hlen).toBe(6);
    expect(p.plen).toBe(4);
    expect(p.operation).toBe(ARP_OP.REQUEST);
    expect(p.senderHw).toBe(GUEST_MAC);
    expect(p.senderIp).toBe(GUEST_IP);
    expect(p.targetHw).toBe(0);
    expect(p.targetIp).toBe(GW_IP);
  });

  it('setters on a 0xa5-filled buffer equal the request fixture', () => {
    const buf = filled(ARP_LEN);
    const p = new ArpPacket(buf);
    p.htype = 1;
    p.ptype = 0x0800;
    p.hlen = 6;
    p.plen = 4;
    p.operation = ARP_OP.REQUEST;
    p.senderHw = GUEST_MAC;
    p.senderIp = GUEST_IP;
    p.targetHw = 0;
    p.targetIp = GW_IP;
    expect(toHex(buf)).toBe(toHex(REQUEST));
  });

  it('parse equals the expected Repr', () => {
    expect(parseArp(REQUEST)).toEqual(REQUEST_REPR);
    expect(parseArp(REPLY)).toEqual(REPLY_REPR);
  });

  it('emit equals the fixture', () => {
    const buf = filled(arpBufferLen(REPLY_REPR));
    emitArp(REPLY_REPR, buf);
    expect(toHex(buf)).toBe(toHex(REPLY));
  });

  it('round-trips request and reply, also at an offset', () => {
    roundTrip(codec, REQUEST_REPR, REQUEST);
    roundTrip(codec, REPLY_REPR, REPLY);
  });

  it('accepts the 18 bytes of Ethernet padding after the packet, and a non-zero byteOffset', () => {
    const padded = new Uint8Array(46);
    padded.set(REQUEST);
    expect(parseArp(padded)).toEqual(REQUEST_REPR);
    expect(parseArp(atOffset(REQUEST))).toEqual(REQUEST_REPR);
  });

  it('an unknown operation round-trips (RARP request, op 3)', () => {
    const rarp = REQUEST.slice();
    rarp[7] = 3;
    const r = parseArp(rarp) as ArpRepr;
    expect(r.operation).toBe(3);
    roundTrip(codec, r, rarp);
  });

  it('other hardware or protocol types are unsupported, not exceptions', () => {
    const ieee802 = REQUEST.slice();
    ieee802[1] = 6;
    expectError(parseArp(ieee802), 'unsupported');
    const ipv6 = REQUEST.slice();
    ipv6[2] = 0x86;
    ipv6[3] = 0xdd;
    expectError(parseArp(ipv6), 'unsupported');
    const longHw = REQUEST.slice();
    longHw[4] = 8;
    expectError(parseArp(longHw), 'unsupported');
    const longProto = REQUEST.slice();
    longProto[5] = 16;
    expectError(parseArp(longProto), 'unsupported');
  });

  it('every prefix is truncated (or unsupported), never an exception', () => {
    const results = everyPrefix(REQUEST, parseArp);
    for (const r of results) expectError(r, 'truncated');
  });

  it('random byte changes parse to a Repr or a WireError', () => {
    for (const m of mutants(REQUEST, 500, 826)) {
      const r = parseArp(m);
      if (!(r instanceof WireError)) roundTrip(codec, r, m);
    }
  });
});
