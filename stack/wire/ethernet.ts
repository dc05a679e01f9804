/**
 * Ethernet II frames (header without preamble, SFD and FCS: the MAC handles those) with an
 * optional IEEE 802.1Q VLAN tag, and 48-bit MAC address helpers.
 *
 * A MAC address is a `number` holding the 48-bit value (exact in a double): compare with `===`,
 * no allocation per frame. `parseEthernet` never throws; `emitEthernet` never validates and never
 * throws on a buffer of `ethernetBufferLen(repr)` bytes from `offset`.
 * @module
 */
import { readU16, writeU16, placePayload } from './bytes.js';
import { WireError } from './error.js';

// ---------------------------------------------------------------------------------------------
// MAC addresses

/** A 48-bit MAC address as an integer (first transmitted byte is the most significant). */
export type MacAddr = number;

const TWO_32 = 0x1_0000_0000;
const TWO_40 = 0x100_0000_0000;

/** ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST: MacAddr = 0xffff_ffff_ffff;

/** 00:00:00:00:00:00. */
export const MAC_ZERO: MacAddr = 0;

/** Reads the 6-byte MAC address at `buf[offset…]`. */
export function readMac(buf: Uint8Array, offset: number): MacAddr {
  const hi = (buf[offset] << 8) | buf[offset + 1];
  const lo = ((buf[offset + 2] << 24) | (buf[offset + 3] << 16) | (buf[offset + 4] << 8) | buf[offset + 5]) >>> 0;
  return hi * TWO_32 + lo;
}

/** Writes `mac` as 6 bytes at `buf[offset…]`. */
export function writeMac(buf: Uint8Array, offset: number, mac: MacAddr): void {
  const hi = Math.floor(mac / TWO_32);
  const lo = mac % TWO_32;
  buf[offset] = hi >>> 8;
  buf[offset + 1] = hi;
  buf[offset + 2] = lo >>> 24;
  buf[offset + 3] = lo >>> 16;
  buf[offset + 4] = lo >>> 8;
  buf[offset + 5] = lo;
}

/** The MAC address's six bytes, first transmitted first. */
export function macToBytes(mac: MacAddr): Uint8Array {
  const b = new Uint8Array(6);
  writeMac(b, 0, mac);
  return b;
}

const HEX_DIGIT = /^[0-9a-fA-F]{1,2}$/;

/** Parses `aa:bb:cc:dd:ee:ff` (also `-` separated; one or two hex digits per byte); `undefined` if invalid. */
export function parseMac(text: string): MacAddr | undefined {
  const parts = text.split(text.includes('-') ? '-' : ':');
  if (parts.length !== 6) return undefined;
  let mac = 0;
  for (const p of parts) {
    if (!HEX_DIGIT.test(p)) return undefined;
    mac = mac * 256 + parseInt(p, 16);
  }
  return mac;
}

/** Formats as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(mac: MacAddr): string {
  let s = '';
  for (let shift = TWO_40; shift >= 1; shift /= 256) {
    const byte = Math.floor(mac / shift) % 256;
    s += (s ? ':' : '') + (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return s;
}

/** True for ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(mac: MacAddr): boolean {
  return mac === MAC_BROADCAST;
}

/** True when the I/G bit (bit 0 of the first byte) is set: multicast, broadcast included. */
export function isMulticastMac(mac: MacAddr): boolean {
  return (Math.floor(mac / TWO_40) & 1) === 1;
}

/** True for an individual (unicast) address: I/G bit clear. */
export function isUnicastMac(mac: MacAddr): boolean {
  return (Math.floor(mac / TWO_40) & 1) === 0;
}

/** True when the U/L bit (bit 1 of the first byte) is set: a locally administered address. */
export function isLocalMac(mac: MacAddr): boolean {
  return (Math.floor(mac / TWO_40) & 2) === 2;
}

/** Address equality (the same as `===`; here for symmetry with byte-array APIs). */
export function macEquals(a: MacAddr, b: MacAddr): boolean {
  return a === b;
}

// ---------------------------------------------------------------------------------------------
// EtherType and the frame layout

/** EtherType values named by this stack; any other 16-bit value round-trips unchanged. */
export const ETHERTYPE = {
  /** Internet Protocol version 4. */
  IPV4: 0x0800,
  /** Address Resolution Protocol. */
  ARP: 0x0806,
  /** IEEE 802.1Q VLAN tag protocol identifier (TPID). */
  VLAN: 0x8100,
  /** Internet Protocol version 6. */
  IPV6: 0x86dd,
} as const;

/** Byte offsets of the Ethernet II header fields. */
export const ETHERNET_FIELD = {
  /** Destination MAC address (6 bytes). */
  DST: 0,
  /** Source MAC address (6 bytes). */
  SRC: 6,
  /** EtherType, or the TPID 0x8100 of a VLAN tag (2 bytes). */
  ETHERTYPE: 12,
  /** First payload byte of an untagged frame. */
  PAYLOAD: 14,
} as const;

/** Byte offsets inside a frame carrying an 802.1Q tag (after the addresses). */
export const VLAN_FIELD = {
  /** Tag protocol identifier, 0x8100. */
  TPID: 12,
  /** Tag control information: PCP (3 bits), DEI (1 bit), VID (12 bits). */
  TCI: 14,
  /** The encapsulated EtherType. */
  ETHERTYPE: 16,
  /** First payload byte of a tagged frame. */
  PAYLOAD: 18,
} as const;

/** Length of an untagged Ethernet II header. */
export const ETHERNET_HEADER_LEN = 14;

/** Length of an 802.1Q tag. */
export const VLAN_TAG_LEN = 4;

/** An 802.1Q tag's control information. */
export interface VlanTag {
  /** Priority code point (0…7). */
  readonly pcp: number;
  /** Drop eligible indicator. */
  readonly dei: boolean;
  /** VLAN identifier (0…4095). */
  readonly vid: number;
}

/** The meaning of an Ethernet II header; `payload` follows the header (any padding included). */
export interface EthernetRepr {
  /** Destination address. */
  readonly dst: MacAddr;
  /** Source address. */
  readonly src: MacAddr;
  /** EtherType of the payload (the inner one when tagged); unknown values are kept. */
  readonly ethertype: number;
  /** The 802.1Q tag, when the frame carries one. */
  readonly vlan?: VlanTag | undefined;
  /** The bytes after the header (a view into the parsed buffer, not a copy). */
  readonly payload: Uint8Array;
}

const E_TRUNCATED = new WireError('truncated', 'ethernet: shorter than a header');
const E_TRUNCATED_VLAN = new WireError('truncated', 'ethernet: shorter than an 802.1Q-tagged header');

/** A view of an Ethernet II frame over `buffer[offset…]`; `check()` validates the length. */
export class EthernetFrame {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the frame starts in `buffer`. */
  readonly offset: number;

  /** Wraps `buffer[offset…]` without checking; call `check()` before reading a received frame. */
  constructor(buffer: Uint8Array, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** `undefined` when the header (with its VLAN tag, if any) fits the buffer, else the error. */
  check(): WireError | undefined {
    const len = this.buffer.length - this.offset;
    if (len < ETHERNET_HEADER_LEN) return E_TRUNCATED;
    if (this.tagged && len < ETHERNET_HEADER_LEN + VLAN_TAG_LEN) return E_TRUNCATED_VLAN;
    return undefined;
  }

  /** Destination address. */
  get dst(): MacAddr {
    return readMac(this.buffer, this.offset + ETHERNET_FIELD.DST);
  }
  set dst(v: MacAddr) {
    writeMac(this.buffer, this.offset + ETHERNET_FIELD.DST, v);
  }

  /** Source address. */
  get src(): MacAddr {
    return readMac(this.buffer, this.offset + ETHERNET_FIELD.SRC);
  }
  set src(v: MacAddr) {
    writeMac(this.buffer, this.offset + ETHERNET_FIELD.SRC, v);
  }

  /** The EtherType field at offset 12 (0x8100 when tagged). */
  get outerEthertype(): number {
    return readU16(this.buffer, this.offset + ETHERNET_FIELD.ETHERTYPE);
  }
  set outerEthertype(v: number) {
    writeU16(this.buffer, this.offset + ETHERNET_FIELD.ETHERTYPE, v);
  }

  /** True when the frame carries an 802.1Q tag (TPID 0x8100). */
  get tagged(): boolean {
    return this.outerEthertype === ETHERTYPE.VLAN;
  }

  /** The tag control information (valid when `tagged`). */
  get tci(): number {
    return readU16(this.buffer, this.offset + VLAN_FIELD.TCI);
  }
  set tci(v: number) {
    writeU16(this.buffer, this.offset + VLAN_FIELD.TCI, v);
  }

  /** The payload's EtherType: the inner one when tagged. Setting it on a tagged frame writes the inner field. */
  get ethertype(): number {
    return this.tagged ? readU16(this.buffer, this.offset + VLAN_FIELD.ETHERTYPE) : this.outerEthertype;
  }
  set ethertype(v: number) {
    writeU16(this.buffer, this.offset + (this.tagged ? VLAN_FIELD.ETHERTYPE : ETHERNET_FIELD.ETHERTYPE), v);
  }

  /** Header length: 14, or 18 when tagged. */
  get headerLen(): number {
    return this.tagged ? ETHERNET_HEADER_LEN + VLAN_TAG_LEN : ETHERNET_HEADER_LEN;
  }

  /** The bytes after the header, up to the end of the buffer. */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset + this.headerLen);
  }
}

/** Parses an Ethernet II frame (FCS already stripped); never throws. */
export function parseEthernet(bytes: Uint8Array): EthernetRepr | WireError {
  const f = new EthernetFrame(bytes);
  const err = f.check();
  if (err) return err;
  let vlan: VlanTag | undefined;
  if (f.tagged) {
    const tci = f.tci;
    vlan = { pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff };
  }
  return { dst: f.dst, src: f.src, ethertype: f.ethertype, vlan, payload: f.payload };
}

/** Header length for `repr`: 14, or 18 with a VLAN tag. */
export function ethernetHeaderLen(repr: Pick<EthernetRepr, 'vlan'>): number {
  return repr.vlan ? ETHERNET_HEADER_LEN + VLAN_TAG_LEN : ETHERNET_HEADER_LEN;
}

/** Bytes `emitEthernet` writes: header plus payload (no padding to 60, no FCS: the MAC adds them). */
export function ethernetBufferLen(repr: EthernetRepr): number {
  return ethernetHeaderLen(repr) + repr.payload.length;
}

/** Writes the header and, unless it is already in place, the payload at `buf[offset…]`. */
export function emitEthernet(repr: EthernetRepr, buf: Uint8Array, offset = 0): void {
  const f = new EthernetFrame(buf, offset);
  f.dst = repr.dst;
  f.src = repr.src;
  const vlan = repr.vlan;
  if (vlan) {
    // Explicit offsets: the buffer's old contents must not decide where fields go.
    f.outerEthertype = ETHERTYPE.VLAN;
    f.tci = ((vlan.pcp & 7) << 13) | (vlan.dei ? 0x1000 : 0) | (vlan.vid & 0x0fff);
    writeU16(buf, offset + VLAN_FIELD.ETHERTYPE, repr.ethertype);
    placePayload(repr.payload, buf, offset + VLAN_FIELD.PAYLOAD);
  } else {
    f.outerEthertype = repr.ethertype;
    placePayload(repr.payload, buf, offset + ETHERNET_FIELD.PAYLOAD);
  }
}
