/**
 * ARP (RFC 826) for Ethernet hardware addresses and IPv4 protocol addresses — the only
 * combination this stack speaks; others parse to an `'unsupported'` {@link WireError}.
 *
 * `parseArp` accepts a buffer longer than 28 bytes (frames are padded to 60) and never throws;
 * `emitArp` never validates and never throws on a buffer of {@link ARP_LEN} bytes from `offset`.
 * @module
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { WireError } from './error.js';
import { readMac, writeMac, type MacAddr } from './ethernet.js';
import type { Ipv4Addr } from './ipv4.js';

/** ARP operation codes named by this stack; any other value round-trips unchanged. */
export const ARP_OP = {
  /** Who has `targetIp`? Tell `senderIp`. */
  REQUEST: 1,
  /** `senderIp` is at `senderHw`. */
  REPLY: 2,
} as const;

/** Hardware type for Ethernet. */
export const ARP_HTYPE_ETHERNET = 1;

/** Protocol type for IPv4 (the EtherType). */
export const ARP_PTYPE_IPV4 = 0x0800;

/** Byte offsets of the ARP fields (Ethernet/IPv4 layout). */
export const ARP_FIELD = {
  /** Hardware type. */
  HTYPE: 0,
  /** Protocol type. */
  PTYPE: 2,
  /** Hardware address length (6). */
  HLEN: 4,
  /** Protocol address length (4). */
  PLEN: 5,
  /** Operation. */
  OPER: 6,
  /** Sender hardware address. */
  SHA: 8,
  /** Sender protocol address. */
  SPA: 14,
  /** Target hardware address. */
  THA: 18,
  /** Target protocol address. */
  TPA: 24,
} as const;

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;

/** The meaning of an Ethernet/IPv4 ARP packet. */
export interface ArpRepr {
  /** Operation ({@link ARP_OP}); unknown values are kept. */
  readonly operation: number;
  /** Sender hardware address. */
  readonly senderHw: MacAddr;
  /** Sender protocol address. */
  readonly senderIp: Ipv4Addr;
  /** Target hardware address (zero in a request). */
  readonly targetHw: MacAddr;
  /** Target protocol address. */
  readonly targetIp: Ipv4Addr;
}

const E_TRUNCATED_FIXED = new WireError('truncated', 'arp: shorter than the fixed header');
const E_TRUNCATED = new WireError('truncated', 'arp: shorter than 28 bytes');
const E_HTYPE = new WireError('unsupported', 'arp: hardware type is not Ethernet');
const E_PTYPE = new WireError('unsupported', 'arp: protocol type is not IPv4');
const E_LENGTHS = new WireError('unsupported', 'arp: address lengths are not 6 and 4');

/** A view of an ARP packet over `buffer[offset…]`; `check()` validates length and address types. */
export class ArpPacket {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the packet starts in `buffer`. */
  readonly offset: number;

  /** Wraps `buffer[offset…]` without checking; call `check()` before reading a received packet. */
  constructor(buffer: Uint8Array, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** `undefined` for an Ethernet/IPv4 packet of at least 28 bytes, else the error. */
  check(): WireError | undefined {
    const avail = this.buffer.length - this.offset;
    if (avail < 8) return E_TRUNCATED_FIXED;
    if (this.htype !== ARP_HTYPE_ETHERNET) return E_HTYPE;
    if (this.ptype !== ARP_PTYPE_IPV4) return E_PTYPE;
    if (this.hlen !== 6 || this.plen !== 4) return E_LENGTHS;
    if (avail < ARP_LEN) return E_TRUNCATED;
    return undefined;
  }

  /** Hardware type. */
  get htype(): number {
    return readU16(this.buffer, this.offset + ARP_FIELD.HTYPE);
  }
  set htype(v: number) {
    writeU16(this.buffer, this.offset + ARP_FIELD.HTYPE, v);
  }

  /** Protocol type. */
  get ptype(): number {
    return readU16(this.buffer, this.offset + ARP_FIELD.PTYPE);
  }
  set ptype(v: number) {
    writeU16(this.buffer, this.offset + ARP_FIELD.PTYPE, v);
  }

  /** Hardware address length. */
  get hlen(): number {
    return this.buffer[this.offset + ARP_FIELD.HLEN];
  }
  set hlen(v: number) {
    this.buffer[this.offset + ARP_FIELD.HLEN] = v;
  }

  /** Protocol address length. */
  get plen(): number {
    return this.buffer[this.offset + ARP_FIELD.PLEN];
  }
  set plen(v: number) {
    this.buffer[this.offset + ARP_FIELD.PLEN] = v;
  }

  /** Operation. */
  get operation(): number {
    return readU16(this.buffer, this.offset + ARP_FIELD.OPER);
  }
  set operation(v: number) {
    writeU16(this.buffer, this.offset + ARP_FIELD.OPER, v);
  }

  /** Sender hardware address. */
  get senderHw(): MacAddr {
    return readMac(this.buffer, this.offset + ARP_FIELD.SHA);
  }
  set senderHw(v: MacAddr) {
    writeMac(this.buffer, this.offset + ARP_FIELD.SHA, v);
  }

  /** Sender protocol address. */
  get senderIp(): Ipv4Addr {
    return readU32(this.buffer, this.offset + ARP_FIELD.SPA);
  }
  set senderIp(v: Ipv4Addr) {
    writeU32(this.buffer, this.offset + ARP_FIELD.SPA, v);
  }

  /** Target hardware address. */
  get targetHw(): MacAddr {
    return readMac(this.buffer, this.offset + ARP_FIELD.THA);
  }
  set targetHw(v: MacAddr) {
    writeMac(this.buffer, this.offset + ARP_FIELD.THA, v);
  }

  /** Target protocol address. */
  get targetIp(): Ipv4Addr {
    return readU32(this.buffer, this.offset + ARP_FIELD.TPA);
  }
  set targetIp(v: Ipv4Addr) {
    writeU32(this.buffer, this.offset + ARP_FIELD.TPA, v);
  }
}

/** Parses an Ethernet/IPv4 ARP packet (trailing padding ignored); never throws. */
export function parseArp(bytes: Uint8Array): ArpRepr | WireError {
  const p = new ArpPacket(bytes);
  const err = p.check();
  if (err) return err;
  return {
    operation: p.operation,
    senderHw: p.senderHw,
    senderIp: p.senderIp,
    targetHw: p.targetHw,
    targetIp: p.targetIp,
  };
}

/** Bytes `emitArp` writes: always {@link ARP_LEN}. */
export function arpBufferLen(_repr: ArpRepr): number {
  return ARP_LEN;
}

/** Writes the packet at `buf[offset…]`. */
export function emitArp(repr: ArpRepr, buf: Uint8Array, offset = 0): void {
  const p = new ArpPacket(buf, offset);
  p.htype = ARP_HTYPE_ETHERNET;
  p.ptype = ARP_PTYPE_IPV4;
  p.hlen = 6;
  p.plen = 4;
  p.operation = repr.operation;
  p.senderHw = repr.senderHw;
  p.senderIp = repr.senderIp;
  p.targetHw = repr.targetHw;
  p.targetIp = repr.targetIp;
}
