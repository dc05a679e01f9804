/**
 * ICMP for IPv4 (RFC 792): echo request/reply, destination unreachable (with the next-hop MTU of
 * "fragmentation needed", RFC 1191), time exceeded; every other message round-trips as `'other'`.
 *
 * Lossless by construction: a message parses to a specific kind only when that kind describes all
 * of its bytes (echo with code 0; unreachable with bytes 4–5 zero; time exceeded with bytes 4–7
 * zero). Anything else — RFC 4884 extension lengths included — is returned as `'other'`.
 *
 * `parseIcmp` verifies the checksum unless `{ verifyChecksum: false }` and never throws;
 * `emitIcmp` computes the checksum, never validates, and never throws on a buffer of
 * `icmpBufferLen(repr)` bytes from `offset`.
 * @module
 */
import { readU16, readU32, writeU16, writeU32, placePayload } from './bytes.js';
import { checksumOk, internetChecksum } from './checksum.js';
import { WireError, type ParseOptions } from './error.js';

/** ICMP message types named by this stack; any other value round-trips as `'other'`. */
export const ICMP_TYPE = {
  /** Echo reply. */
  ECHO_REPLY: 0,
  /** Destination unreachable. */
  DEST_UNREACHABLE: 3,
  /** Source quench (deprecated, RFC 6633). */
  SOURCE_QUENCH: 4,
  /** Redirect. */
  REDIRECT: 5,
  /** Echo request. */
  ECHO_REQUEST: 8,
  /** Time exceeded. */
  TIME_EXCEEDED: 11,
  /** Parameter problem. */
  PARAMETER_PROBLEM: 12,
  /** Timestamp request. */
  TIMESTAMP: 13,
  /** Timestamp reply. */
  TIMESTAMP_REPLY: 14,
} as const;

/** Destination unreachable codes (RFC 792, RFC 1122, RFC 1812). */
export const ICMP_UNREACH = {
  /** Network unreachable. */
  NET: 0,
  /** Host unreachable. */
  HOST: 1,
  /** Protocol unreachable. */
  PROTOCOL: 2,
  /** Port unreachable. */
  PORT: 3,
  /** Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191). */
  FRAG_NEEDED: 4,
  /** Source route failed. */
  SOURCE_ROUTE_FAILED: 5,
  /** Destination network unknown. */
  NET_UNKNOWN: 6,
  /** Destination host unknown. */
  HOST_UNKNOWN: 7,
  /** Source host isolated. */
  HOST_ISOLATED: 8,
  /** Network administratively prohibited. */
  NET_PROHIBITED: 9,
  /** Host administratively prohibited. */
  HOST_PROHIBITED: 10,
  /** Network unreachable for TOS. */
  NET_TOS: 11,
  /** Host unreachable for TOS. */
  HOST_TOS: 12,
  /** Communication administratively prohibited (RFC 1812). */
  ADMIN_PROHIBITED: 13,
} as const;

/** Time exceeded codes. */
export const ICMP_TIME_EXCEEDED = {
  /** TTL exceeded in transit. */
  TTL: 0,
  /** Fragment reassembly time exceeded. */
  REASSEMBLY: 1,
} as const;

/** Byte offsets of the ICMP header fields. */
export const ICMP_FIELD = {
  /** Message type. */
  TYPE: 0,
  /** Message code. */
  CODE: 1,
  /** Checksum over the whole message. */
  CHECKSUM: 2,
  /** Echo identifier. */
  ECHO_ID: 4,
  /** Echo sequence number. */
  ECHO_SEQ: 6,
  /** Unused bytes of "fragmentation needed" (must be zero). */
  UNREACH_UNUSED: 4,
  /** Next-hop MTU of "fragmentation needed" (RFC 1191). */
  NEXT_HOP_MTU: 6,
  /** The type-specific 4 bytes ("rest of header"). */
  REST: 4,
  /** Echo data, or the invoking datagram of an error message. */
  DATA: 8,
} as const;

/** Length of the ICMP header (type, code, checksum, rest of header). */
export const ICMP_HEADER_LEN = 8;

/** An echo request (ping). */
export interface IcmpEchoRequest {
  /** Discriminant. */
  readonly kind: 'echoRequest';
  /** Identifier. */
  readonly id: number;
  /** Sequence number. */
  readonly seq: number;
  /** Data echoed back by the peer (a view, not a copy). */
  readonly data: Uint8Array;
}

/** An echo reply. */
export interface IcmpEchoReply {
  /** Discriminant. */
  readonly kind: 'echoReply';
  /** Identifier (the request's). */
  readonly id: number;
  /** Sequence number (the request's). */
  readonly seq: number;
  /** The request's data. */
  readonly data: Uint8Array;
}

/** A destination unreachable message. */
export interface IcmpDestUnreachable {
  /** Discriminant. */
  readonly kind: 'destUnreachable';
  /** Reason ({@link ICMP_UNREACH}); unknown codes are kept. */
  readonly code: number;
  /** Next-hop MTU for code 4 (RFC 1191); 0 otherwise (bytes 6–7 of the header). */
  readonly nextHopMtu: number;
  /** The invoking datagram: its IP header and at least 8 bytes of its payload, as received. */
  readonly invoking: Uint8Array;
}

/** A time exceeded message. */
export interface IcmpTimeExceeded {
  /** Discriminant. */
  readonly kind: 'timeExceeded';
  /** Reason ({@link ICMP_TIME_EXCEEDED}); unknown codes are kept. */
  readonly code: number;
  /** The invoking datagram: its IP header and at least 8 bytes of its payload, as received. */
  readonly invoking: Uint8Array;
}

/** Any other message, kept as raw fields so it re-emits byte for byte. */
export interface IcmpOther {
  /** Discriminant. */
  readonly kind: 'other';
  /** Message type. */
  readonly type: number;
  /** Message code. */
  readonly code: number;
  /** The 4 "rest of header" bytes as an unsigned 32-bit value. */
  readonly rest: number;
  /** Everything after the 8-byte header. */
  readonly data: Uint8Array;
}

/** The meaning of an ICMP message, discriminated by `kind`. */
export type IcmpRepr = IcmpEchoRequest | IcmpEchoReply | IcmpDestUnreachable | IcmpTimeExceeded | IcmpOther;

const E_TRUNCATED = new WireError('truncated', 'icmp: shorter than a header');
const E_CHECKSUM = new WireError('checksum', 'icmp: checksum mismatch');

/** A view of an ICMP message spanning `buffer[offset…end)`; `check()` validates the length. */
export class IcmpPacket {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the message starts in `buffer`. */
  readonly offset: number;
  /** Where the message ends (exclusive): ICMP has no length field, the IP payload bounds it. */
  readonly end: number;

  /** Wraps `buffer[offset…end)` without checking; call `check()` before reading a received message. */
  constructor(buffer: Uint8Array, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  /** `undefined` when the 8-byte header fits, else the error. */
  check(): WireError | undefined {
    return this.end - this.offset < ICMP_HEADER_LEN ? E_TRUNCATED : undefined;
  }

  /** Message type. */
  get type(): number {
    return this.buffer[this.offset + ICMP_FIELD.TYPE];
  }
  set type(v: number) {
    this.buffer[this.offset + ICMP_FIELD.TYPE] = v;
  }

  /** Message code. */
  get code(): number {
    return this.buffer[this.offset + ICMP_FIELD.CODE];
  }
  set code(v: number) {
    this.buffer[this.offset + ICMP_FIELD.CODE] = v;
  }

  /** Checksum field. */
  get checksum(): number {
    return readU16(this.buffer, this.offset + ICMP_FIELD.CHECKSUM);
  }
  set checksum(v: number) {
    writeU16(this.buffer, this.offset + ICMP_FIELD.CHECKSUM, v);
  }

  /** Echo identifier (bytes 4–5). */
  get echoId(): number {
    return readU16(this.buffer, this.offset + ICMP_FIELD.ECHO_ID);
  }
  set echoId(v: number) {
    writeU16(this.buffer, this.offset + ICMP_FIELD.ECHO_ID, v);
  }

  /** Echo sequence number (bytes 6–7). */
  get echoSeq(): number {
    return readU16(this.buffer, this.offset + ICMP_FIELD.ECHO_SEQ);
  }
  set echoSeq(v: number) {
    writeU16(this.buffer, this.offset + ICMP_FIELD.ECHO_SEQ, v);
  }

  /** Next-hop MTU (bytes 6–7, meaningful for "fragmentation needed"). */
  get nextHopMtu(): number {
    return readU16(this.buffer, this.offset + ICMP_FIELD.NEXT_HOP_MTU);
  }
  set nextHopMtu(v: number) {
    writeU16(this.buffer, this.offset + ICMP_FIELD.NEXT_HOP_MTU, v);
  }

  /** The 4 "rest of header" bytes as an unsigned 32-bit value. */
  get rest(): number {
    return readU32(this.buffer, this.offset + ICMP_FIELD.REST);
  }
  set rest(v: number) {
    writeU32(this.buffer, this.offset + ICMP_FIELD.REST, v);
  }

  /** Everything after the header: echo data or the invoking datagram. */
  get data(): Uint8Array {
    return this.buffer.subarray(this.offset + ICMP_HEADER_LEN, this.end);
  }

  /** True when the checksum over the whole message is correct. */
  checksumOk(): boolean {
    return checksumOk(this.buffer, this.offset, this.end);
  }

  /** Computes and stores the checksum (header and data must be written). */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.buffer, this.offset, this.end);
  }
}

/** Parses an ICMP message occupying all of `bytes` (the IP payload); never throws. */
export function parseIcmp(bytes: Uint8Array, options?: ParseOptions): IcmpRepr | WireError {
  const p = new IcmpPacket(bytes);
  const err = p.check();
  if (err) return err;
  if (options?.verifyChecksum !== false && !p.checksumOk()) return E_CHECKSUM;
  const type = p.type;
  const code = p.code;
  const rest = p.rest;
  switch (type) {
    case ICMP_TYPE.ECHO_REQUEST:
      if (code === 0) return { kind: 'echoRequest', id: rest >>> 16, seq: rest & 0xffff, data: p.data };
      break;
    case ICMP_TYPE.ECHO_REPLY:
      if (code === 0) return { kind: 'echoReply', id: rest >>> 16, seq: rest & 0xffff, data: p.data };
      break;
    case ICMP_TYPE.DEST_UNREACHABLE:
      if (rest >>> 16 === 0) return { kind: 'destUnreachable', code, nextHopMtu: rest & 0xffff, invoking: p.data };
      break;
    case ICMP_TYPE.TIME_EXCEEDED:
      if (rest === 0) return { kind: 'timeExceeded', code, invoking: p.data };
      break;
  }
  return { kind: 'other', type, code, rest, data: p.data };
}

function bodyOf(repr: IcmpRepr): Uint8Array {
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
    case 'other':
      return repr.data;
    case 'destUnreachable':
    case 'timeExceeded':
      return repr.invoking;
  }
}

/** Bytes `emitIcmp` writes: 8 plus the data or invoking datagram. */
export function icmpBufferLen(repr: IcmpRepr): number {
  return ICMP_HEADER_LEN + bodyOf(repr).length;
}

/** Writes the message (checksum computed) at `buf[offset…]`; data already in place is not copied. */
export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, offset = 0): void {
  const body = bodyOf(repr);
  const p = new IcmpPacket(buf, offset, offset + ICMP_HEADER_LEN + body.length);
  switch (repr.kind) {
    case 'echoRequest':
    case 'echoReply':
      p.type = repr.kind === 'echoRequest' ? ICMP_TYPE.ECHO_REQUEST : ICMP_TYPE.ECHO_REPLY;
      p.code = 0;
      p.echoId = repr.id;
      p.echoSeq = repr.seq;
      break;
    case 'destUnreachable':
      p.type = ICMP_TYPE.DEST_UNREACHABLE;
      p.code = repr.code;
      p.rest = repr.nextHopMtu & 0xffff;
      break;
    case 'timeExceeded':
      p.type = ICMP_TYPE.TIME_EXCEEDED;
      p.code = repr.code;
      p.rest = 0;
      break;
    case 'other':
      p.type = repr.type;
      p.code = repr.code;
      p.rest = repr.rest;
      break;
  }
  placePayload(body, buf, offset + ICMP_HEADER_LEN);
  p.fillChecksum();
}
