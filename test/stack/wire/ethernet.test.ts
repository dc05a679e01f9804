import { describe, expect, it } from 'vitest';
import {
  ETHERNET_FIELD,
  ETHERTYPE,
  EthernetFrame,
  type EthernetRepr,
  MAC_BROADCAST,
  emitEthernet,
  ethernetBufferLen,
  formatMac,
  isBroadcastMac,
  isLocalMac,
  isMulticastMac,
  isUnicastMac,
  macEquals,
  macToBytes,
  parseEthernet,
  parseMac,
  readMac,
  writeMac,
} from '../../../stack/wire/ethernet.js';
import { WireError } from '../../../stack/wire/error.js';
import { type Codec, atOffset, everyPrefix, expectError, filled, hex, roundTrip, toHex } from './helpers.js';

const codec: Codec<EthernetRepr> = { parse: parseEthernet, bufferLen: ethernetBufferLen, emit: emitEthernet };

const GUEST = 0x525400123456; // 52:54:00:12:34:56, QEMU's default guest NIC
const ARP_PAYLOAD = hex(`
  00 01 08 00 06 04 00 01  52 54 00 12 34 56 0a 00  // Ethernet/IPv4, request, sender 52:54:00:12:34:56
  02 0f 00 00 00 00 00 00  0a 00 02 02              // 10.0.2.15, target 00:…:00 10.0.2.2
`);

// Broadcast ARP request "who has 10.0.2.2? tell 10.0.2.15", as a QEMU guest sends it (42 bytes).
const ARP_FRAME = hex(`
  ff ff ff ff ff ff 52 54 00 12 34 56 08 06        // dst broadcast, src guest, EtherType ARP
  00 01 08 00 06 04 00 01 52 54 00 12 34 56 0a 00
  02 0f 00 00 00 00 00 00 0a 00 02 02
`);

// The same request on VLAN 100 with priority 5 and DEI set (TCI 0xb064).
const TAGGED_FRAME = hex(`
  ff ff ff ff ff ff 52 54 00 12 34 56 81 00 b0 64 08 06   // TPID 0x8100, TCI, inner EtherType ARP
  00 01 08 00 06 04 00 01 52 54 00 12 34 56 0a 00
  02 0f 00 00 00 00 00 00 0a 00 02 02
`);

const ARP_REPR: EthernetRepr = { dst: MAC_BROADCAST, src: GUEST, ethertype: ETHERTYPE.ARP, vlan: undefined, payload: ARP_PAYLOAD };
const TAGGED_REPR: EthernetRepr = { ...ARP_REPR, vlan: { pcp: 5, dei: true, vid: 100 } };

describe('Ethernet II frame', () => {
  it('getters on the fixture', () => {
    const f = new EthernetFrame(ARP_FRAME);
    expect(f.check()).toBeUndefined();
    expect(f.dst).toBe(MAC_BROADCAST);
    expect(f.src).toBe(GUEST);
    expect(f.tagged).toBe(false);
    expect(f.ethertype).toBe(ETHERTYPE.ARP);
    expect(f.headerLen).toBe(14);
    expect(toHex(f.payload)).toBe(toHex(ARP_PAYLOAD));
  });

  it('setters on a 0xa5-filled buffer equal the fixture', () => {
    const buf = filled(ARP_FRAME.length);
    const f = new EthernetFrame(buf);
    f.dst = MAC_BROADCAST;
    f.src = GUEST;
    f.outerEthertype = ETHERTYPE.ARP;
    buf.set(ARP_PAYLOAD, ETHERNET_FIELD.PAYLOAD);
    expect(toHex(buf)).toBe(toHex(ARP_FRAME));
  });

  it('parse equals the expected Repr', () => {
    expect(parseEthernet(ARP_FRAME)).toEqual(ARP_REPR);
  });

  it('emit equals the fixture', () => {
    const buf = filled(ethernetBufferLen(ARP_REPR));
    emitEthernet(ARP_REPR, buf);
    expect(toHex(buf)).toBe(toHex(ARP_FRAME));
  });

  it('round-trips, also at an offset inside a larger buffer', () => {
    roundTrip(codec, ARP_REPR, ARP_FRAME);
  });

  it('reads through a view with a non-zero byteOffset', () => {
    expect(parseEthernet(atOffset(ARP_FRAME))).toEqual(ARP_REPR);
  });

  it('keeps trailing padding in the payload (the layer above trims it)', () => {
    const padded = new Uint8Array(60);
    padded.set(ARP_FRAME);
    const r = parseEthernet(padded) as EthernetRepr;
    expect(r.payload.length).toBe(46);
  });

  it('an unknown EtherType round-trips', () => {
    const frame = hex('01 80 c2 00 00 0e 52 54 00 12 34 56 88 cc 02 07 04'); // LLDP 0x88cc
    const r = parseEthernet(frame) as EthernetRepr;
    expect(r.ethertype).toBe(0x88cc);
    roundTrip(codec, r, frame);
  });

  it('truncated frames are WireErrors, never exceptions', () => {
    const results = everyPrefix(ARP_FRAME, parseEthernet);
    for (let n = 0; n < 14; n++) expectError(results[n], 'truncated');
    expect(results[14]).not.toBeInstanceOf(WireError);
  });
});

describe('802.1Q VLAN tag', () => {
  it('getters on the tagged fixture', () => {
    const f = new EthernetFrame(TAGGED_FRAME);
    expect(f.check()).toBeUndefined();
    expect(f.tagged).toBe(true);
    expect(f.outerEthertype).toBe(ETHERTYPE.VLAN);
    expect(f.tci).toBe(0xb064);
    expect(f.ethertype).toBe(ETHERTYPE.ARP);
    expect(f.headerLen).toBe(18);
    expect(toHex(f.payload)).toBe(toHex(ARP_PAYLOAD));
  });

  it('setters on a 0xa5-filled buffer equal the tagged fixture', () => {
    const buf = filled(TAGGED_FRAME.length);
    const f = new EthernetFrame(buf);
    f.dst = MAC_BROADCAST;
    f.src = GUEST;
    f.outerEthertype = ETHERTYPE.VLAN;
    f.tci = 0xb064;
    f.ethertype = ETHERTYPE.ARP; // tagged now, so this writes the inner field
    buf.set(ARP_PAYLOAD, 18);
    expect(toHex(buf)).toBe(toHex(TAGGED_FRAME));
  });

  it('parse keeps the tag in the Repr; emit re-creates it', () => {
    expect(parseEthernet(TAGGED_FRAME)).toEqual(TAGGED_REPR);
    roundTrip(codec, TAGGED_REPR, TAGGED_FRAME);
  });

  it('a tag without its inner EtherType is truncated', () => {
    const results = everyPrefix(TAGGED_FRAME, parseEthernet);
    for (let n = 0; n < 18; n++) expectError(results[n], 'truncated');
    expect(results[18]).not.toBeInstanceOf(WireError);
  });

  it('emit does not let stale buffer contents move the EtherType', () => {
    const buf = TAGGED_FRAME.slice(0, ARP_FRAME.length); // stale 0x8100 at offset 12
    emitEthernet(ARP_REPR, buf);
    expect(toHex(buf)).toBe(toHex(ARP_FRAME));
  });
});

describe('MAC addresses', () => {
  it('parses and formats', () => {
    expect(parseMac('52:54:00:12:34:56')).toBe(GUEST);
    expect(parseMac('52-54-00-12-34-56')).toBe(GUEST);
    expect(parseMac('FF:ff:ff:ff:ff:ff')).toBe(MAC_BROADCAST);
    expect(parseMac('0:1:2:3:4:5')).toBe(0x000102030405);
    expect(formatMac(GUEST)).toBe('52:54:00:12:34:56');
    expect(formatMac(0)).toBe('00:00:00:00:00:00');
    expect(formatMac(MAC_BROADCAST)).toBe('ff:ff:ff:ff:ff:ff');
  });

  it('rejects malformed text', () => {
    for (const bad of ['', '52:54:00:12:34', '52:54:00:12:34:56:78', '52:54:00:12:34:5g', '152:54:00:12:34:56', '52:54:00:12:34:']) {
      expect(parseMac(bad), bad).toBeUndefined();
    }
  });

  it('classifies broadcast, multicast, unicast and locally administered', () => {
    const ipv4mcast = parseMac('01:00:5e:00:00:fb')!;
    expect(isBroadcastMac(MAC_BROADCAST)).toBe(true);
    expect(isMulticastMac(MAC_BROADCAST)).toBe(true);
    expect(isMulticastMac(ipv4mcast)).toBe(true);
    expect(isBroadcastMac(ipv4mcast)).toBe(false);
    expect(isUnicastMac(ipv4mcast)).toBe(false);
    expect(isUnicastMac(GUEST)).toBe(true);
    expect(isMulticastMac(GUEST)).toBe(false);
    expect(isLocalMac(GUEST)).toBe(true); // 0x52 has the U/L bit set
    expect(isLocalMac(parseMac('00:1b:21:0a:0b:0c')!)).toBe(false);
  });

  it('equality, bytes, read and write at an offset', () => {
    expect(macEquals(GUEST, parseMac('52:54:00:12:34:56')!)).toBe(true);
    expect(macEquals(GUEST, MAC_BROADCAST)).toBe(false);
    expect(toHex(macToBytes(GUEST))).toBe('52 54 00 12 34 56');
    const buf = filled(10);
    writeMac(buf, 3, 0xfedcba987654);
    expect(toHex(buf)).toBe('a5 a5 a5 fe dc ba 98 76 54 a5');
    expect(readMac(buf, 3)).toBe(0xfedcba987654);
  });
});
