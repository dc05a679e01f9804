/**
 * UDP (RFC 768) over IPv4: header, length checks, and the checksum over the IPv4 pseudo-header.
 *
 * A checksum field of 0 means "not computed": `parseUdp` accepts it and reports
 * `hasChecksum: false`, so the layer above applies its own policy. `emitUdp` writes 0 when
 * `hasChecksum` is false and otherwise computes the checksum, sending a computed 0 as 0xffff.
 *
 * `parseUdp` never throws; `emitUdp` never validates and never throws on a buffer of
 * `udpBufferLen(repr)` bytes from `offset`.
 * @module
 */
import { readU16, writeU16, placePayload } from './bytes.js';
import { combineSums, ipv4PseudoHeaderSum, onesSum } from './checksum.js';
import { WireError, type ParseOptions } from './error.js';
import { IP_PROTOCOL, type Ipv4Addr } from './ipv4.js';

/** Byte offsets of the UDP header fields. */
export const UDP_FIELD = {
  /** Source port. */
  SRC_PORT: 0,
  /** Destination port. */
  DST_PORT: 2,
  /** Length of header and payload. */
  LENGTH: 4,
  /** Checksum (0: none). */
  CHECKSUM: 6,
  /** First payload byte. */
  PAYLOAD: 8,
} as const;

/** Length of the UDP header. */
export const UDP_HEADER_LEN = 8;

/** Well-known ports used by the stack's applications. */
export const UDP_PORT = {
  /** Domain Name System. */
  DNS: 53,
  /** Echo (RFC 862). */
  ECHO: 7,
  /** Discard (RFC 863). */
  DISCARD: 9,
} as const;

/** The meaning of a UDP datagram. */
export interface UdpRepr {
  /** Source port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** False when the checksum field is (or is to be sent as) 0: "no checksum". */
  readonly hasChecksum: boolean;
  /** The payload up to the length field (a view, not a copy). */
  readonly payload: Uint8Array;
}

const E_TRUNCATED = new WireError('truncated', 'udp: shorter than a header');
const E_LENGTH = new WireError('malformed', 'udp: length below 8');
const E_LENGTH_TRUNCATED = new WireError('truncated', 'udp: shorter than its length field');
const E_CHECKSUM = new WireError('checksum', 'udp: checksum mismatch');

/** A view of a UDP datagram over `buffer[offset…]`; `check()` validates the length field. */
export class UdpPacket {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the datagram starts in `buffer`. */
  readonly offset: number;

  /** Wraps `buffer[offset…]` without checking; call `check()` before reading a received datagram. */
  constructor(buffer: Uint8Array, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** `undefined` when 8 ≤ length ≤ the bytes available, else the error. */
  check(): WireError | undefined {
    const avail = this.buffer.length - this.offset;
    if (avail < UDP_HEADER_LEN) return E_TRUNCATED;
    const len = this.length;
    if (len < UDP_HEADER_LEN) return E_LENGTH;
    if (len > avail) return E_LENGTH_TRUNCATED;
    return undefined;
  }

  /** Source port. */
  get srcPort(): number {
    return readU16(this.buffer, this.offset + UDP_FIELD.SRC_PORT);
  }
  set srcPort(v: number) {
    writeU16(this.buffer, this.offset + UDP_FIELD.SRC_PORT, v);
  }

  /** Destination port. */
  get dstPort(): number {
    return readU16(this.buffer, this.offset + UDP_FIELD.DST_PORT);
  }
  set dstPort(v: number) {
    writeU16(this.buffer, this.offset + UDP_FIELD.DST_PORT, v);
  }

  /** Length of header and payload. */
  get length(): number {
    return readU16(this.buffer, this.offset + UDP_FIELD.LENGTH);
  }
  set length(v: number) {
    writeU16(this.buffer, this.offset + UDP_FIELD.LENGTH, v);
  }

  /** Checksum field. */
  get checksum(): number {
    return readU16(this.buffer, this.offset + UDP_FIELD.CHECKSUM);
  }
  set checksum(v: number) {
    writeU16(this.buffer, this.offset + UDP_FIELD.CHECKSUM, v);
  }

  /** The payload: bytes 8…length. */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset + UDP_HEADER_LEN, this.offset + this.length);
  }

  /** Folded sum of the pseudo-header and the datagram (length field bounds it). */
  private sum(src: Ipv4Addr, dst: Ipv4Addr): number {
    const len = this.length;
    return combineSums(ipv4PseudoHeaderSum(src, dst, IP_PROTOCOL.UDP, len), onesSum(this.buffer, this.offset, this.offset + len));
  }

  /**
   * True when the checksum is correct for these addresses, or absent (0). `segmentSum`, when
   * given, is the folded ones' complement sum of the whole datagram (a device's receive
   * checksum), so the bytes are not read again.
   */
  checksumOk(src: Ipv4Addr, dst: Ipv4Addr, segmentSum?: number): boolean {
    if (this.checksum === 0) return true;
    if (segmentSum === undefined) return this.sum(src, dst) === 0xffff;
    return combineSums(ipv4PseudoHeaderSum(src, dst, IP_PROTOCOL.UDP, this.length), segmentSum) === 0xffff;
  }

  /** Computes and stores the checksum (a computed 0 is stored as 0xffff). */
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr): void {
    this.checksum = 0;
    const c = ~this.sum(src, dst) & 0xffff;
    this.checksum = c === 0 ? 0xffff : c;
  }
}

/**
 * Parses a UDP datagram from the IP payload `bytes`, verifying the checksum against the
 * pseudo-header of `src` → `dst` unless disabled or absent; never throws.
 */
export function parseUdp(bytes: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr, options?: ParseOptions): UdpRepr | WireError {
  const p = new UdpPacket(bytes);
  const err = p.check();
  if (err) return err;
  const hasChecksum = p.checksum !== 0;
  if (hasChecksum && options?.verifyChecksum !== false && !p.checksumOk(src, dst)) return E_CHECKSUM;
  return { srcPort: p.srcPort, dstPort: p.dstPort, hasChecksum, payload: p.payload };
}

/** Bytes `emitUdp` writes: 8 plus the payload. */
export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

/**
 * Writes the datagram at `buf[offset…]` (payload not copied when already in place) and, when
 * `hasChecksum`, its checksum over the pseudo-header of `src` → `dst`.
 */
export function emitUdp(repr: UdpRepr, buf: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr, offset = 0): void {
  const p = new UdpPacket(buf, offset);
  p.srcPort = repr.srcPort;
  p.dstPort = repr.dstPort;
  p.length = UDP_HEADER_LEN + repr.payload.length;
  placePayload(repr.payload, buf, offset + UDP_HEADER_LEN);
  if (repr.hasChecksum) p.fillChecksum(src, dst);
  else p.checksum = 0;
}
