/**
 * IPv4 headers (RFC 791) with options, and IPv4 address helpers.
 *
 * An address is a `number` holding the unsigned 32-bit value (`10.0.0.1` is `0x0a000001`):
 * compare with `===`, no allocation. Options are kept as a list of `{ type, data }` so
 * parse → emit reproduces the header byte for byte, padding included (see {@link Ipv4Option}).
 *
 * `parseIpv4` never throws; it verifies the header checksum unless `{ verifyChecksum: false }`.
 * `emitIpv4` computes the header checksum, never validates, and never throws on a buffer of
 * `ipv4BufferLen(repr)` bytes from `offset`.
 * @module
 */
import { readU16, readU32, writeU16, writeU32, placePayload } from './bytes.js';
import { checksumOk, internetChecksum } from './checksum.js';
import { WireError, type ParseOptions } from './error.js';

// ---------------------------------------------------------------------------------------------
// Addresses

/** An IPv4 address as an unsigned 32-bit integer (`192.168.1.1` is `0xc0a80101`). */
export type Ipv4Addr = number;

/** 0.0.0.0. */
export const IPV4_UNSPECIFIED: Ipv4Addr = 0;

/** 255.255.255.255, the limited broadcast address. */
export const IPV4_BROADCAST: Ipv4Addr = 0xffff_ffff;

/** Reads the 4-byte address at `buf[offset…]`. */
export function readIpv4Addr(buf: Uint8Array, offset: number): Ipv4Addr {
  return readU32(buf, offset);
}

/** Writes `addr` as 4 bytes at `buf[offset…]`. */
export function writeIpv4Addr(buf: Uint8Array, offset: number, addr: Ipv4Addr): void {
  writeU32(buf, offset, addr);
}

/** Normalises any integer to the unsigned 32-bit address value (e.g. the result of `a & mask`). */
export function ipv4AddrToUint32(addr: number): Ipv4Addr {
  return addr >>> 0;
}

/** The address's four bytes, most significant first. */
export function ipv4AddrToBytes(addr: Ipv4Addr): Uint8Array {
  const b = new Uint8Array(4);
  writeU32(b, 0, addr);
  return b;
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted quad (`10.0.0.1`; no leading zeros, each part ≤ 255); `undefined` if invalid. */
export function parseIpv4Addr(text: string): Ipv4Addr | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let addr = 0;
  for (const p of parts) {
    if (!DECIMAL_OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    addr = addr * 256 + n;
  }
  return addr;
}

/** Formats as a dotted quad. */
export function formatIpv4Addr(addr: Ipv4Addr): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** The netmask of a prefix length (0…32): `24` → `255.255.255.0`. */
export function prefixToMask(prefixLen: number): Ipv4Addr {
  return prefixLen <= 0 ? 0 : (0xffff_ffff << (32 - Math.min(prefixLen, 32))) >>> 0;
}

/** The prefix length of a contiguous netmask; `undefined` for a non-contiguous one. */
export function maskToPrefix(mask: Ipv4Addr): number | undefined {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined; // host part must be 0…01…1
  return Math.clz32(inv);
}

/** The network address of `addr` under a prefix length. */
export function networkAddr(addr: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (addr & prefixToMask(prefixLen)) >>> 0;
}

/** The directed broadcast address of `addr`'s subnet (host bits all one). */
export function subnetBroadcast(addr: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (addr | ~prefixToMask(prefixLen)) >>> 0;
}

/** True when `addr` lies in `network/prefixLen`. */
export function inSubnet(addr: Ipv4Addr, network: Ipv4Addr, prefixLen: number): boolean {
  const mask = prefixToMask(prefixLen);
  return ((addr ^ network) & mask) === 0;
}

/** An address with a prefix length, e.g. `10.0.2.15/24`. */
export interface Ipv4Cidr {
  /** The address (host bits are kept, not cleared). */
  readonly addr: Ipv4Addr;
  /** Prefix length, 0…32. */
  readonly prefixLen: number;
}

/** Parses `a.b.c.d/len` (or a bare address, as /32); `undefined` if invalid. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseIpv4Addr(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  if (slash < 0) return { addr, prefixLen: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]?)$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  return prefixLen > 32 ? undefined : { addr, prefixLen };
}

/** Formats as `a.b.c.d/len`. */
export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4Addr(cidr.addr)}/${cidr.prefixLen}`;
}

/** True for 0.0.0.0. */
export function isUnspecifiedIpv4(addr: Ipv4Addr): boolean {
  return addr === 0;
}

/** True for 255.255.255.255 (limited broadcast; a subnet's broadcast needs {@link subnetBroadcast}). */
export function isBroadcastIpv4(addr: Ipv4Addr): boolean {
  return addr === IPV4_BROADCAST;
}

/** True for 224.0.0.0/4 (class D). */
export function isMulticastIpv4(addr: Ipv4Addr): boolean {
  return addr >>> 28 === 0xe;
}

/** True for 127.0.0.0/8. */
export function isLoopbackIpv4(addr: Ipv4Addr): boolean {
  return addr >>> 24 === 127;
}

/** True for the RFC 1918 private ranges 10/8, 172.16/12 and 192.168/16. */
export function isPrivateIpv4(addr: Ipv4Addr): boolean {
  return addr >>> 24 === 10 || addr >>> 20 === 0xac1 || addr >>> 16 === 0xc0a8;
}

/** True for 169.254.0.0/16 (link-local, RFC 3927). */
export function isLinkLocalIpv4(addr: Ipv4Addr): boolean {
  return addr >>> 16 === 0xa9fe;
}

// ---------------------------------------------------------------------------------------------
// Header layout and constants

/** IP protocol numbers named by this stack; any other value round-trips unchanged. */
export const IP_PROTOCOL = {
  /** Internet Control Message Protocol. */
  ICMP: 1,
  /** Internet Group Management Protocol. */
  IGMP: 2,
  /** Transmission Control Protocol. */
  TCP: 6,
  /** User Datagram Protocol. */
  UDP: 17,
} as const;

/** IPv4 option types (copied flag, class and number in one byte); others round-trip unchanged. */
export const IPV4_OPTION = {
  /** End of option list (one byte). */
  EOL: 0,
  /** No operation (one byte, used for alignment). */
  NOP: 1,
  /** Record Route. */
  RECORD_ROUTE: 7,
  /** Internet Timestamp. */
  TIMESTAMP: 68,
  /** Security (RFC 1108). */
  SECURITY: 130,
  /** Loose Source and Record Route. */
  LSRR: 131,
  /** Strict Source and Record Route. */
  SSRR: 137,
  /** Router Alert (RFC 2113). */
  ROUTER_ALERT: 148,
} as const;

/** Byte offsets of the IPv4 header fields. */
export const IPV4_FIELD = {
  /** Version (high nibble) and IHL in 32-bit words (low nibble). */
  VER_IHL: 0,
  /** DSCP (6 bits) and ECN (2 bits). */
  TOS: 1,
  /** Total length of header and payload. */
  TOTAL_LEN: 2,
  /** Identification (for reassembly). */
  IDENT: 4,
  /** Flags (reserved, DF, MF) and fragment offset in 8-byte units. */
  FLAGS_FRAG: 6,
  /** Time to live. */
  TTL: 8,
  /** Payload protocol. */
  PROTOCOL: 9,
  /** Header checksum. */
  CHECKSUM: 10,
  /** Source address. */
  SRC: 12,
  /** Destination address. */
  DST: 16,
  /** First option byte, when IHL > 5. */
  OPTIONS: 20,
} as const;

/** Length of a header without options. */
export const IPV4_MIN_HEADER_LEN = 20;

/** Length of a header with the most options (IHL 15). */
export const IPV4_MAX_HEADER_LEN = 60;

const FLAG_RESERVED = 0x8000;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_OFFSET_MASK = 0x1fff;

/**
 * One IPv4 option. EOL (0) and NOP (1) are single bytes; every other type is type, length, data.
 * The bytes after an EOL (padding, normally zeros) are kept as that EOL's `data`, so a header
 * re-emits byte for byte; `emitIpv4` pads the options with zeros to a multiple of 4 bytes.
 */
export interface Ipv4Option {
  /** The option type byte. */
  readonly type: number;
  /** The option data: for EOL the padding after it, for NOP nothing, otherwise the bytes after the length. */
  readonly data: Uint8Array;
}

/** The meaning of an IPv4 header, with its payload. */
export interface Ipv4Repr {
  /** Differentiated services code point (0…63). */
  readonly dscp: number;
  /** Explicit congestion notification (0…3). */
  readonly ecn: number;
  /** Identification. */
  readonly ident: number;
  /** Don't Fragment. */
  readonly dontFragment: boolean;
  /** More Fragments. */
  readonly moreFragments: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  readonly fragmentOffset: number;
  /** Time to live. */
  readonly ttl: number;
  /** Payload protocol number ({@link IP_PROTOCOL}); unknown values are kept. */
  readonly protocol: number;
  /** Source address. */
  readonly src: Ipv4Addr;
  /** Destination address. */
  readonly dst: Ipv4Addr;
  /** Options in wire order (empty for a 20-byte header). */
  readonly options: readonly Ipv4Option[];
  /** The payload up to the total length (link-layer padding excluded); a view, not a copy. */
  readonly payload: Uint8Array;
}

/** A shared, frozen empty option list (what `parseIpv4` returns for a 20-byte header). */
export const NO_IPV4_OPTIONS: readonly Ipv4Option[] = Object.freeze([]);

const E_TRUNCATED = new WireError('truncated', 'ipv4: shorter than a header');
const E_VERSION = new WireError('unsupported', 'ipv4: version is not 4');
const E_IHL = new WireError('malformed', 'ipv4: IHL below 5');
const E_HEADER_TRUNCATED = new WireError('truncated', 'ipv4: shorter than IHL');
const E_TOTAL_LEN = new WireError('malformed', 'ipv4: total length below header length');
const E_TOTAL_TRUNCATED = new WireError('truncated', 'ipv4: shorter than total length');
const E_RESERVED = new WireError('malformed', 'ipv4: reserved flag set');
const E_CHECKSUM = new WireError('checksum', 'ipv4: header checksum mismatch');
const E_OPTION = new WireError('malformed', 'ipv4: option length out of range');

/** A view of an IPv4 packet over `buffer[offset…]`; `check()` validates lengths and version. */
export class Ipv4Packet {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the packet starts in `buffer`. */
  readonly offset: number;

  /** Wraps `buffer[offset…]` without checking; call `check()` before reading a received packet. */
  constructor(buffer: Uint8Array, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /**
   * `undefined` when the packet is readable: version 4, 5 ≤ IHL, header ≤ total length ≤ buffer,
   * reserved flag clear. The checksum is checked separately ({@link Ipv4Packet.checksumOk}).
   */
  check(): WireError | undefined {
    const avail = this.buffer.length - this.offset;
    if (avail < IPV4_MIN_HEADER_LEN) return E_TRUNCATED;
    if (this.version !== 4) return E_VERSION;
    const hl = this.headerLen;
    if (hl < IPV4_MIN_HEADER_LEN) return E_IHL;
    if (avail < hl) return E_HEADER_TRUNCATED;
    const total = this.totalLen;
    if (total < hl) return E_TOTAL_LEN;
    if (avail < total) return E_TOTAL_TRUNCATED;
    if ((this.flagsFrag & FLAG_RESERVED) !== 0) return E_RESERVED;
    return undefined;
  }

  /** Version (high nibble of byte 0). */
  get version(): number {
    return this.buffer[this.offset] >>> 4;
  }
  set version(v: number) {
    const o = this.offset;
    this.buffer[o] = (v << 4) | (this.buffer[o] & 0x0f);
  }

  /** IHL in 32-bit words (low nibble of byte 0). */
  get ihl(): number {
    return this.buffer[this.offset] & 0x0f;
  }
  set ihl(v: number) {
    const o = this.offset;
    this.buffer[o] = (this.buffer[o] & 0xf0) | (v & 0x0f);
  }

  /** Header length in bytes (IHL × 4). */
  get headerLen(): number {
    return (this.buffer[this.offset] & 0x0f) << 2;
  }

  /** DSCP (upper 6 bits of the TOS byte). */
  get dscp(): number {
    return this.buffer[this.offset + IPV4_FIELD.TOS] >>> 2;
  }
  set dscp(v: number) {
    const o = this.offset + IPV4_FIELD.TOS;
    this.buffer[o] = (v << 2) | (this.buffer[o] & 3);
  }

  /** ECN (lower 2 bits of the TOS byte). */
  get ecn(): number {
    return this.buffer[this.offset + IPV4_FIELD.TOS] & 3;
  }
  set ecn(v: number) {
    const o = this.offset + IPV4_FIELD.TOS;
    this.buffer[o] = (this.buffer[o] & 0xfc) | (v & 3);
  }

  /** Total length. */
  get totalLen(): number {
    return readU16(this.buffer, this.offset + IPV4_FIELD.TOTAL_LEN);
  }
  set totalLen(v: number) {
    writeU16(this.buffer, this.offset + IPV4_FIELD.TOTAL_LEN, v);
  }

  /** Identification. */
  get ident(): number {
    return readU16(this.buffer, this.offset + IPV4_FIELD.IDENT);
  }
  set ident(v: number) {
    writeU16(this.buffer, this.offset + IPV4_FIELD.IDENT, v);
  }

  /** The raw flags + fragment offset word. */
  get flagsFrag(): number {
    return readU16(this.buffer, this.offset + IPV4_FIELD.FLAGS_FRAG);
  }
  set flagsFrag(v: number) {
    writeU16(this.buffer, this.offset + IPV4_FIELD.FLAGS_FRAG, v);
  }

  /** Don't Fragment flag. */
  get dontFragment(): boolean {
    return (this.flagsFrag & FLAG_DF) !== 0;
  }
  set dontFragment(v: boolean) {
    this.flagsFrag = v ? this.flagsFrag | FLAG_DF : this.flagsFrag & ~FLAG_DF;
  }

  /** More Fragments flag. */
  get moreFragments(): boolean {
    return (this.flagsFrag & FLAG_MF) !== 0;
  }
  set moreFragments(v: boolean) {
    this.flagsFrag = v ? this.flagsFrag | FLAG_MF : this.flagsFrag & ~FLAG_MF;
  }

  /** Fragment offset in bytes (the field holds 8-byte units). */
  get fragmentOffset(): number {
    return (this.flagsFrag & FRAG_OFFSET_MASK) << 3;
  }
  set fragmentOffset(bytes: number) {
    this.flagsFrag = (this.flagsFrag & ~FRAG_OFFSET_MASK) | ((bytes >>> 3) & FRAG_OFFSET_MASK);
  }

  /** Time to live. */
  get ttl(): number {
    return this.buffer[this.offset + IPV4_FIELD.TTL];
  }
  set ttl(v: number) {
    this.buffer[this.offset + IPV4_FIELD.TTL] = v;
  }

  /** Payload protocol. */
  get protocol(): number {
    return this.buffer[this.offset + IPV4_FIELD.PROTOCOL];
  }
  set protocol(v: number) {
    this.buffer[this.offset + IPV4_FIELD.PROTOCOL] = v;
  }

  /** Header checksum field. */
  get checksum(): number {
    return readU16(this.buffer, this.offset + IPV4_FIELD.CHECKSUM);
  }
  set checksum(v: number) {
    writeU16(this.buffer, this.offset + IPV4_FIELD.CHECKSUM, v);
  }

  /** Source address. */
  get src(): Ipv4Addr {
    return readU32(this.buffer, this.offset + IPV4_FIELD.SRC);
  }
  set src(v: Ipv4Addr) {
    writeU32(this.buffer, this.offset + IPV4_FIELD.SRC, v);
  }

  /** Destination address. */
  get dst(): Ipv4Addr {
    return readU32(this.buffer, this.offset + IPV4_FIELD.DST);
  }
  set dst(v: Ipv4Addr) {
    writeU32(this.buffer, this.offset + IPV4_FIELD.DST, v);
  }

  /** The option bytes (header bytes 20…IHL×4). */
  get optionBytes(): Uint8Array {
    return this.buffer.subarray(this.offset + IPV4_MIN_HEADER_LEN, this.offset + this.headerLen);
  }

  /** The payload: header end to total length. */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset + this.headerLen, this.offset + this.totalLen);
  }

  /** True when the header checksum is correct. */
  checksumOk(): boolean {
    return checksumOk(this.buffer, this.offset, this.offset + this.headerLen);
  }

  /** Computes and stores the header checksum (all other header fields must be written). */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.buffer, this.offset, this.offset + this.headerLen);
  }
}

/** Splits option bytes into `{ type, data }` entries; never throws. */
export function parseIpv4Options(bytes: Uint8Array): readonly Ipv4Option[] | WireError {
  if (bytes.length === 0) return NO_IPV4_OPTIONS;
  const out: Ipv4Option[] = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i];
    if (type === IPV4_OPTION.EOL) {
      out.push({ type, data: bytes.subarray(i + 1) });
      break;
    }
    if (type === IPV4_OPTION.NOP) {
      out.push({ type, data: bytes.subarray(i + 1, i + 1) });
      i += 1;
      continue;
    }
    if (i + 1 >= bytes.length) return E_OPTION;
    const len = bytes[i + 1];
    if (len < 2 || i + len > bytes.length) return E_OPTION;
    out.push({ type, data: bytes.subarray(i + 2, i + len) });
    i += len;
  }
  return out;
}

/** Parses an IPv4 packet (checks lengths, version, and the checksum unless disabled); never throws. */
export function parseIpv4(bytes: Uint8Array, options?: ParseOptions): Ipv4Repr | WireError {
  const p = new Ipv4Packet(bytes);
  const err = p.check();
  if (err) return err;
  if (options?.verifyChecksum !== false && !p.checksumOk()) return E_CHECKSUM;
  const opts = p.headerLen === IPV4_MIN_HEADER_LEN ? NO_IPV4_OPTIONS : parseIpv4Options(p.optionBytes);
  if (opts instanceof WireError) return opts;
  const ff = p.flagsFrag;
  return {
    dscp: p.dscp,
    ecn: p.ecn,
    ident: p.ident,
    dontFragment: (ff & FLAG_DF) !== 0,
    moreFragments: (ff & FLAG_MF) !== 0,
    fragmentOffset: (ff & FRAG_OFFSET_MASK) << 3,
    ttl: p.ttl,
    protocol: p.protocol,
    src: p.src,
    dst: p.dst,
    options: opts,
    payload: p.payload,
  };
}

/** Encoded length of `options`: their bytes, padded with zeros to a multiple of 4. */
export function ipv4OptionsLen(options: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of options) {
    n += o.type === IPV4_OPTION.EOL || o.type === IPV4_OPTION.NOP ? 1 + o.data.length : 2 + o.data.length;
  }
  return (n + 3) & ~3;
}

/** Header length for `repr`: 20 plus the padded options (a programmer error above 60 throws). */
export function ipv4HeaderLen(repr: Pick<Ipv4Repr, 'options'>): number {
  if (repr.options.length === 0) return IPV4_MIN_HEADER_LEN;
  const hl = IPV4_MIN_HEADER_LEN + ipv4OptionsLen(repr.options);
  if (hl > IPV4_MAX_HEADER_LEN) throw new RangeError(`ipv4: options need ${hl - 20} bytes, at most 40 fit`);
  return hl;
}

/** Bytes `emitIpv4` writes: header plus payload. */
export function ipv4BufferLen(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payload.length;
}

/** Writes the header (checksum computed) and, unless already in place, the payload at `buf[offset…]`. */
export function emitIpv4(repr: Ipv4Repr, buf: Uint8Array, offset = 0): void {
  const hl = ipv4HeaderLen(repr);
  const p = new Ipv4Packet(buf, offset);
  buf[offset] = 0x40 | (hl >>> 2);
  buf[offset + IPV4_FIELD.TOS] = (repr.dscp << 2) | (repr.ecn & 3);
  p.totalLen = hl + repr.payload.length;
  p.ident = repr.ident;
  p.flagsFrag =
    (repr.dontFragment ? FLAG_DF : 0) | (repr.moreFragments ? FLAG_MF : 0) | ((repr.fragmentOffset >>> 3) & FRAG_OFFSET_MASK);
  p.ttl = repr.ttl;
  p.protocol = repr.protocol;
  p.src = repr.src;
  p.dst = repr.dst;
  if (hl > IPV4_MIN_HEADER_LEN) {
    let i = offset + IPV4_MIN_HEADER_LEN;
    for (const o of repr.options) {
      buf[i++] = o.type;
      if (o.type !== IPV4_OPTION.EOL && o.type !== IPV4_OPTION.NOP) buf[i++] = 2 + o.data.length;
      buf.set(o.data, i);
      i += o.data.length;
    }
    buf.fill(0, i, offset + hl);
  }
  p.fillChecksum();
  placePayload(repr.payload, buf, offset + hl);
}
