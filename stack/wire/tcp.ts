/**
 * TCP segments (RFC 9293) over IPv4: header, options (RFC 7323 window scale and timestamps,
 * RFC 2018 SACK, MSS), and the checksum over the IPv4 pseudo-header.
 *
 * TCP has no length field: a segment is the whole IP payload, so the view {@link TcpSegment}
 * spans `buffer[offset…end)` (like ICMP). Sequence and acknowledgment numbers are unsigned 32-bit
 * values (`>>> 0`); emitters reduce any integer modulo 2^32, so `seq + len` may be passed as is.
 * `flags` holds the 12 bits after the data offset: the 8 classic flags, NS (bit 8, RFC 3540, now
 * AccECN's AE) and the 3 reserved bits, all kept so parse → emit round-trips exactly.
 *
 * Options parse to a list in wire order ({@link TcpOption}). An option whose length does not
 * match its kind (MSS ≠ 4, window scale ≠ 3, SACK-permitted ≠ 2, timestamps ≠ 10, SACK not
 * 2 + 8n with n ≥ 1) is kept as `'other'` with its bytes — Linux ignores such options, and the
 * bytes still re-emit exactly. An EOL keeps the bytes after it (normally zeros) as its `padding`.
 * A length byte below 2, or one reaching past the header, or a kind byte with no room for its
 * length, makes the whole segment `'malformed'` (RFC 9293 MUST-7 asks to handle it; we drop it,
 * the layer above counts it). A duplicated option is kept twice in the list; in
 * {@link tcpOptionsSummary} the last one wins, as in Linux.
 *
 * `parseTcp` never throws; it verifies the checksum unless `{ verifyChecksum: false }`, using
 * `segmentSum` (the device's sum of the IP payload) instead of reading the segment again when
 * given. `emitTcp` and `writeTcpHeader` never validate and never throw on a buffer of
 * `tcpBufferLen(repr)` bytes from `offset` (a repr whose options exceed 40 bytes is a programmer
 * error: `tcpHeaderLen` throws a RangeError). Emitters pad options with zero bytes (EOL) to a
 * multiple of 4, so a list not ending on a 4-byte boundary parses back with a trailing `eol`.
 * @module
 */
import { readU16, readU32, writeU16, writeU32, placePayload, EMPTY_BYTES } from './bytes.js';
import { combineSums, ipv4PseudoHeaderSum, onesSum } from './checksum.js';
import { WireError, type ParseOptions } from './error.js';
import { IP_PROTOCOL, type Ipv4Addr } from './ipv4.js';

// ---------------------------------------------------------------------------------------------
// Layout and constants

/** Byte offsets of the TCP header fields. */
export const TCP_FIELD = {
  /** Source port. */
  SRC_PORT: 0,
  /** Destination port. */
  DST_PORT: 2,
  /** Sequence number. */
  SEQ: 4,
  /** Acknowledgment number. */
  ACK: 8,
  /** Data offset in 32-bit words (high nibble), reserved bits and NS (low nibble). */
  DATA_OFFSET: 12,
  /** CWR ECE URG ACK PSH RST SYN FIN, most significant first. */
  FLAGS: 13,
  /** Receive window. */
  WINDOW: 14,
  /** Checksum over the pseudo-header and the segment. */
  CHECKSUM: 16,
  /** Urgent pointer. */
  URGENT: 18,
  /** First option byte, when the data offset is above 5. */
  OPTIONS: 20,
} as const;

/** Length of a header without options. */
export const TCP_HEADER_LEN = 20;

/** Length of a header with the most options (data offset 15). */
export const TCP_MAX_HEADER_LEN = 60;

/** Bits of the 12-bit flags field (`TcpRepr.flags`, `TcpSegment.flags`). */
export const TCP_FLAG = {
  /** No more data from sender. */
  FIN: 0x001,
  /** Synchronize sequence numbers. */
  SYN: 0x002,
  /** Reset the connection. */
  RST: 0x004,
  /** Push function. */
  PSH: 0x008,
  /** The acknowledgment field is significant. */
  ACK: 0x010,
  /** The urgent pointer is significant. */
  URG: 0x020,
  /** ECN-Echo (RFC 3168). */
  ECE: 0x040,
  /** Congestion Window Reduced (RFC 3168). */
  CWR: 0x080,
  /** ECN nonce sum (RFC 3540, historic; AccECN's AE bit). */
  NS: 0x100,
} as const;

/** TCP option kinds named by this codec; any other kind round-trips as `'other'`. */
export const TCP_OPTION = {
  /** End of option list (one byte). */
  EOL: 0,
  /** No operation (one byte, used for alignment). */
  NOP: 1,
  /** Maximum segment size (RFC 9293), length 4. */
  MSS: 2,
  /** Window scale (RFC 7323), length 3. */
  WSCALE: 3,
  /** SACK permitted (RFC 2018), length 2. */
  SACK_PERMITTED: 4,
  /** SACK blocks (RFC 2018), length 2 + 8n. */
  SACK: 5,
  /** Timestamps (RFC 7323), length 10. */
  TIMESTAMPS: 8,
  /** MD5 signature (RFC 2385); kept as `'other'`. */
  MD5SIG: 19,
  /** TCP authentication option (RFC 5925); kept as `'other'`. */
  AUTH: 29,
  /** Multipath TCP (RFC 8684); kept as `'other'`. */
  MPTCP: 30,
  /** TCP Fast Open cookie (RFC 7413); kept as `'other'`. */
  FAST_OPEN: 34,
} as const;

/** Bytes of the NOP NOP TIMESTAMPS layout Linux puts on every segment of a timestamped connection. */
export const TCP_TIMESTAMPS_ALIGNED_LEN = 12;

// ---------------------------------------------------------------------------------------------
// Options

/** A SACK block: the left edge and the right edge (exclusive) of a received range. */
export type TcpSackBlock = readonly [left: number, right: number];

/** End of option list, with the header bytes after it (normally zeros). */
export interface TcpOptionEol {
  /** Discriminant. */
  readonly kind: 'eol';
  /** The bytes after the EOL up to the end of the header, as received. */
  readonly padding: Uint8Array;
}

/** No operation (alignment). */
export interface TcpOptionNop {
  /** Discriminant. */
  readonly kind: 'nop';
}

/** Maximum segment size. */
export interface TcpOptionMss {
  /** Discriminant. */
  readonly kind: 'mss';
  /** Largest segment (payload bytes) the sender can receive. */
  readonly mss: number;
}

/** Window scale. */
export interface TcpOptionWscale {
  /** Discriminant. */
  readonly kind: 'wscale';
  /** Shift count (RFC 7323 caps it at 14; larger values are kept as sent). */
  readonly shift: number;
}

/** SACK permitted. */
export interface TcpOptionSackPermitted {
  /** Discriminant. */
  readonly kind: 'sackPermitted';
}

/** SACK blocks. */
export interface TcpOptionSack {
  /** Discriminant. */
  readonly kind: 'sack';
  /** One to four blocks, in wire order (the most recent first, RFC 2018). */
  readonly blocks: readonly TcpSackBlock[];
}

/** Timestamps. */
export interface TcpOptionTimestamps {
  /** Discriminant. */
  readonly kind: 'timestamps';
  /** The sender's timestamp clock. */
  readonly tsVal: number;
  /** The echoed timestamp (valid with ACK). */
  readonly tsEcr: number;
}

/** Any other option (unknown kind, or a known kind with an unexpected length), kept as bytes. */
export interface TcpOptionOther {
  /** Discriminant. */
  readonly kind: 'other';
  /** The option kind byte. */
  readonly type: number;
  /** The bytes after the length byte. */
  readonly data: Uint8Array;
}

/** One TCP option, discriminated by `kind`. */
export type TcpOption =
  | TcpOptionEol
  | TcpOptionNop
  | TcpOptionMss
  | TcpOptionWscale
  | TcpOptionSackPermitted
  | TcpOptionSack
  | TcpOptionTimestamps
  | TcpOptionOther;

/** A shared, frozen empty option list (what `parseTcp` returns for a 20-byte header). */
export const NO_TCP_OPTIONS: readonly TcpOption[] = Object.freeze([]);

const NOP: TcpOptionNop = Object.freeze({ kind: 'nop' });
const SACK_PERMITTED: TcpOptionSackPermitted = Object.freeze({ kind: 'sackPermitted' });

/** The NOP option (a shared frozen instance). */
export const TCP_NOP: TcpOptionNop = NOP;

/** The SACK-permitted option (a shared frozen instance). */
export const TCP_SACK_PERMITTED: TcpOptionSackPermitted = SACK_PERMITTED;

const E_TRUNCATED = new WireError('truncated', 'tcp: shorter than a header');
const E_DATA_OFFSET = new WireError('malformed', 'tcp: data offset below 5');
const E_HEADER_TRUNCATED = new WireError('truncated', 'tcp: shorter than its data offset');
const E_OPTION = new WireError('malformed', 'tcp: option length out of range');
const E_CHECKSUM = new WireError('checksum', 'tcp: checksum mismatch');

/**
 * Splits option bytes (header bytes 20…data offset × 4) into options in wire order; never throws.
 * `'malformed'` when a length byte is below 2, reaches past the end, or is missing.
 */
export function parseTcpOptions(bytes: Uint8Array): readonly TcpOption[] | WireError {
  const n = bytes.length;
  if (n === 0) return NO_TCP_OPTIONS;
  const out: TcpOption[] = [];
  let i = 0;
  while (i < n) {
    const type = bytes[i];
    if (type === TCP_OPTION.EOL) {
      out.push({ kind: 'eol', padding: bytes.subarray(i + 1) });
      break;
    }
    if (type === TCP_OPTION.NOP) {
      out.push(NOP);
      i += 1;
      continue;
    }
    if (i + 1 >= n) return E_OPTION;
    const len = bytes[i + 1];
    if (len < 2 || i + len > n) return E_OPTION;
    out.push(knownOption(bytes, i, type, len));
    i += len;
  }
  return out;
}

/** The option at `b[i…i+len)` (kind `type`), as a named kind when its length fits, else `'other'`. */
function knownOption(b: Uint8Array, i: number, type: number, len: number): TcpOption {
  switch (type) {
    case TCP_OPTION.MSS:
      if (len === 4) return { kind: 'mss', mss: readU16(b, i + 2) };
      break;
    case TCP_OPTION.WSCALE:
      if (len === 3) return { kind: 'wscale', shift: b[i + 2] };
      break;
    case TCP_OPTION.SACK_PERMITTED:
      if (len === 2) return SACK_PERMITTED;
      break;
    case TCP_OPTION.SACK:
      if (len >= 10 && (len - 2) % 8 === 0) {
        const blocks: TcpSackBlock[] = [];
        for (let j = i + 2; j < i + len; j += 8) blocks.push([readU32(b, j), readU32(b, j + 4)]);
        return { kind: 'sack', blocks };
      }
      break;
    case TCP_OPTION.TIMESTAMPS:
      if (len === 10) return { kind: 'timestamps', tsVal: readU32(b, i + 2), tsEcr: readU32(b, i + 6) };
      break;
  }
  return { kind: 'other', type, data: b.subarray(i + 2, i + len) };
}

/** Encoded bytes of one option (without padding). */
function optionLen(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
      return 1 + o.padding.length;
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'wscale':
      return 3;
    case 'sackPermitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      return 10;
    case 'other':
      return 2 + o.data.length;
  }
}

/** Encoded length of `options`: their bytes, padded with zeros to a multiple of 4. */
export function tcpOptionsLen(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += optionLen(o);
  return (n + 3) & ~3;
}

/**
 * Writes `options` at `buf[offset…]`, zero-padded to a multiple of 4; returns the bytes written
 * ({@link tcpOptionsLen}). Never validates.
 */
export function emitTcpOptions(options: readonly TcpOption[], buf: Uint8Array, offset = 0): number {
  let i = offset;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        buf[i] = TCP_OPTION.EOL;
        buf.set(o.padding, i + 1);
        i += 1 + o.padding.length;
        break;
      case 'nop':
        buf[i++] = TCP_OPTION.NOP;
        break;
      case 'mss':
        buf[i] = TCP_OPTION.MSS;
        buf[i + 1] = 4;
        writeU16(buf, i + 2, o.mss);
        i += 4;
        break;
      case 'wscale':
        buf[i] = TCP_OPTION.WSCALE;
        buf[i + 1] = 3;
        buf[i + 2] = o.shift;
        i += 3;
        break;
      case 'sackPermitted':
        buf[i] = TCP_OPTION.SACK_PERMITTED;
        buf[i + 1] = 2;
        i += 2;
        break;
      case 'sack':
        buf[i] = TCP_OPTION.SACK;
        buf[i + 1] = 2 + 8 * o.blocks.length;
        i += 2;
        for (const [l, r] of o.blocks) {
          writeU32(buf, i, l);
          writeU32(buf, i + 4, r);
          i += 8;
        }
        break;
      case 'timestamps':
        buf[i] = TCP_OPTION.TIMESTAMPS;
        buf[i + 1] = 10;
        writeU32(buf, i + 2, o.tsVal);
        writeU32(buf, i + 6, o.tsEcr);
        i += 10;
        break;
      case 'other':
        buf[i] = o.type;
        buf[i + 1] = 2 + o.data.length;
        buf.set(o.data, i + 2);
        i += 2 + o.data.length;
        break;
    }
  }
  const end = offset + ((i - offset + 3) & ~3);
  buf.fill(0, i, end);
  return end - offset;
}

/** `options` encoded into a new array of {@link tcpOptionsLen} bytes (e.g. once per connection, for {@link writeTcpHeader}). */
export function tcpOptionBytes(options: readonly TcpOption[]): Uint8Array {
  if (options.length === 0) return EMPTY_BYTES;
  const b = new Uint8Array(tcpOptionsLen(options));
  emitTcpOptions(options, b);
  return b;
}

/** What the named options of a segment say (see {@link tcpOptionsSummary}). */
export interface TcpOptionsSummary {
  /** Maximum segment size, if present. */
  readonly mss?: number;
  /** Window scale shift count, if present (as sent, not capped at 14). */
  readonly wscale?: number;
  /** True when SACK-permitted is present. */
  readonly sackPermitted: boolean;
  /** The SACK blocks, if present. */
  readonly sack?: readonly TcpSackBlock[];
  /** Timestamp value, if the timestamps option is present. */
  readonly tsVal?: number;
  /** Timestamp echo reply, if the timestamps option is present. */
  readonly tsEcr?: number;
}

/** The named options of a list as one object; a repeated option: the last one wins (as in Linux). */
export function tcpOptionsSummary(options: readonly TcpOption[]): TcpOptionsSummary {
  const s: { -readonly [K in keyof TcpOptionsSummary]: TcpOptionsSummary[K] } = { sackPermitted: false };
  for (const o of options) {
    switch (o.kind) {
      case 'mss':
        s.mss = o.mss;
        break;
      case 'wscale':
        s.wscale = o.shift;
        break;
      case 'sackPermitted':
        s.sackPermitted = true;
        break;
      case 'sack':
        s.sack = o.blocks;
        break;
      case 'timestamps':
        s.tsVal = o.tsVal;
        s.tsEcr = o.tsEcr;
        break;
      default:
        break;
    }
  }
  return s;
}

/** What a SYN or SYN-ACK announces (input of {@link tcpSynOptions}). */
export interface TcpSynOptionsInput {
  /** Maximum segment size. */
  readonly mss: number;
  /** Announce SACK-permitted. */
  readonly sackPermitted?: boolean;
  /** Timestamps to send, if the connection uses them. */
  readonly timestamps?: { readonly tsVal: number; readonly tsEcr: number };
  /** Window scale shift count to announce, if any. */
  readonly wscale?: number;
}

/**
 * SYN options in Linux's layout: MSS; then SACK_PERM + TIMESTAMPS together, or NOP NOP
 * TIMESTAMPS, or NOP NOP SACK_PERM; then NOP WSCALE — always a multiple of 4 bytes (20 for all four).
 */
export function tcpSynOptions(p: TcpSynOptionsInput): TcpOption[] {
  const out: TcpOption[] = [{ kind: 'mss', mss: p.mss }];
  const ts = p.timestamps;
  if (ts !== undefined) {
    if (p.sackPermitted) out.push(SACK_PERMITTED);
    else out.push(NOP, NOP);
    out.push({ kind: 'timestamps', tsVal: ts.tsVal, tsEcr: ts.tsEcr });
  } else if (p.sackPermitted) out.push(NOP, NOP, SACK_PERMITTED);
  if (p.wscale !== undefined) out.push(NOP, { kind: 'wscale', shift: p.wscale });
  return out;
}

/**
 * Options of a non-SYN segment in Linux's layout: NOP NOP TIMESTAMPS (if any), then NOP NOP SACK
 * (if blocks are given; at most 4, or 3 with timestamps, fit) — always a multiple of 4 bytes.
 */
export function tcpDataOptions(timestamps?: { readonly tsVal: number; readonly tsEcr: number }, sack?: readonly TcpSackBlock[]): TcpOption[] {
  const out: TcpOption[] = [];
  if (timestamps !== undefined) out.push(NOP, NOP, { kind: 'timestamps', tsVal: timestamps.tsVal, tsEcr: timestamps.tsEcr });
  if (sack !== undefined && sack.length > 0) out.push(NOP, NOP, { kind: 'sack', blocks: sack });
  return out;
}

/**
 * Writes NOP NOP TIMESTAMPS (12 bytes) at `buf[offset…]`: the fast path for the timestamps of
 * every segment, e.g. into the options area {@link writeTcpHeader} reserved.
 */
export function writeTcpTimestamps(buf: Uint8Array, offset: number, tsVal: number, tsEcr: number): void {
  buf[offset] = TCP_OPTION.NOP;
  buf[offset + 1] = TCP_OPTION.NOP;
  buf[offset + 2] = TCP_OPTION.TIMESTAMPS;
  buf[offset + 3] = 10;
  writeU32(buf, offset + 4, tsVal);
  writeU32(buf, offset + 8, tsEcr);
}

// ---------------------------------------------------------------------------------------------
// Checksum

/**
 * Folded sum of the pseudo-header and `buf[offset…end)`; `segmentSum`, when given, stands for the
 * segment's own sum (not read again).
 */
function segmentTotal(buf: Uint8Array, offset: number, end: number, src: Ipv4Addr, dst: Ipv4Addr, segmentSum?: number): number {
  const len = end - offset;
  const seg = segmentSum ?? onesSum(buf, offset, end);
  return combineSums(ipv4PseudoHeaderSum(src, dst, IP_PROTOCOL.TCP, len), seg);
}

/**
 * True when the segment `buf[offset…end)` carries a correct checksum for `src` → `dst`.
 * `segmentSum`: the folded ones'-complement sum of those bytes when already known (the device's
 * receive checksum, `IpDelivery.payloadSum`), so the payload is not read again.
 */
export function tcpChecksumOk(buf: Uint8Array, offset: number, end: number, src: Ipv4Addr, dst: Ipv4Addr, segmentSum?: number): boolean {
  return segmentTotal(buf, offset, end, src, dst, segmentSum) === 0xffff;
}

/**
 * Computes and stores the checksum of the segment `buf[offset…end)` (header and payload written).
 * `dataSum`: the folded sum of the payload alone (from the end of the header) when already known —
 * e.g. summed while copying it in — so only the header is summed here.
 */
export function fillTcpChecksum(buf: Uint8Array, offset: number, end: number, src: Ipv4Addr, dst: Ipv4Addr, dataSum?: number): void {
  const c = offset + TCP_FIELD.CHECKSUM;
  buf[c] = 0;
  buf[c + 1] = 0;
  let sum: number;
  if (dataSum === undefined) sum = onesSum(buf, offset, end);
  else {
    const hl = (buf[offset + TCP_FIELD.DATA_OFFSET] >>> 4) << 2; // a multiple of 4: the payload starts word-aligned
    sum = combineSums(onesSum(buf, offset, offset + hl), dataSum);
  }
  writeU16(buf, c, ~combineSums(ipv4PseudoHeaderSum(src, dst, IP_PROTOCOL.TCP, end - offset), sum) & 0xffff);
}

// ---------------------------------------------------------------------------------------------
// The view

/** A view of a TCP segment spanning `buffer[offset…end)`; `check()` validates the data offset. */
export class TcpSegment {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the segment starts in `buffer`. */
  readonly offset: number;
  /** Where the segment ends (exclusive): TCP has no length field, the IP payload bounds it. */
  readonly end: number;

  /** Wraps `buffer[offset…end)` without checking; call `check()` before reading a received segment. */
  constructor(buffer: Uint8Array, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  /** `undefined` when 20 ≤ data offset × 4 ≤ the bytes available, else the error. Options are checked by parsing them. */
  check(): WireError | undefined {
    const avail = this.end - this.offset;
    if (avail < TCP_HEADER_LEN) return E_TRUNCATED;
    const hl = this.headerLen;
    if (hl < TCP_HEADER_LEN) return E_DATA_OFFSET;
    if (hl > avail) return E_HEADER_TRUNCATED;
    return undefined;
  }

  /** Source port. */
  get srcPort(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.SRC_PORT);
  }
  set srcPort(v: number) {
    writeU16(this.buffer, this.offset + TCP_FIELD.SRC_PORT, v);
  }

  /** Destination port. */
  get dstPort(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.DST_PORT);
  }
  set dstPort(v: number) {
    writeU16(this.buffer, this.offset + TCP_FIELD.DST_PORT, v);
  }

  /** Sequence number (unsigned 32-bit). */
  get seq(): number {
    return readU32(this.buffer, this.offset + TCP_FIELD.SEQ);
  }
  set seq(v: number) {
    writeU32(this.buffer, this.offset + TCP_FIELD.SEQ, v);
  }

  /** Acknowledgment number (unsigned 32-bit). */
  get ack(): number {
    return readU32(this.buffer, this.offset + TCP_FIELD.ACK);
  }
  set ack(v: number) {
    writeU32(this.buffer, this.offset + TCP_FIELD.ACK, v);
  }

  /** Data offset in 32-bit words (high nibble of byte 12). */
  get dataOffset(): number {
    return this.buffer[this.offset + TCP_FIELD.DATA_OFFSET] >>> 4;
  }
  set dataOffset(v: number) {
    const o = this.offset + TCP_FIELD.DATA_OFFSET;
    this.buffer[o] = (v << 4) | (this.buffer[o] & 0x0f);
  }

  /** Header length in bytes (data offset × 4). */
  get headerLen(): number {
    return (this.buffer[this.offset + TCP_FIELD.DATA_OFFSET] >>> 4) << 2;
  }

  /** The 12 flag bits ({@link TCP_FLAG}; reserved bits included). */
  get flags(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.DATA_OFFSET) & 0x0fff;
  }
  set flags(v: number) {
    const o = this.offset + TCP_FIELD.DATA_OFFSET;
    this.buffer[o] = (this.buffer[o] & 0xf0) | ((v >>> 8) & 0x0f);
    this.buffer[o + 1] = v;
  }

  /** Receive window (unscaled, as on the wire). */
  get window(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.WINDOW);
  }
  set window(v: number) {
    writeU16(this.buffer, this.offset + TCP_FIELD.WINDOW, v);
  }

  /** Checksum field. */
  get checksum(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.CHECKSUM);
  }
  set checksum(v: number) {
    writeU16(this.buffer, this.offset + TCP_FIELD.CHECKSUM, v);
  }

  /** Urgent pointer. */
  get urgent(): number {
    return readU16(this.buffer, this.offset + TCP_FIELD.URGENT);
  }
  set urgent(v: number) {
    writeU16(this.buffer, this.offset + TCP_FIELD.URGENT, v);
  }

  /** The option bytes (header bytes 20…data offset × 4); write into it to set options in place. */
  get optionBytes(): Uint8Array {
    return this.buffer.subarray(this.offset + TCP_HEADER_LEN, this.offset + this.headerLen);
  }

  /** The payload: header end to segment end. */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset + this.headerLen, this.end);
  }

  /** Sequence space the segment occupies: payload length, plus one each for SYN and FIN. */
  get seqLen(): number {
    const f = this.buffer[this.offset + TCP_FIELD.FLAGS];
    return this.end - this.offset - this.headerLen + (f & TCP_FLAG.SYN ? 1 : 0) + (f & TCP_FLAG.FIN ? 1 : 0);
  }

  /** True when the checksum is correct for these addresses (`segmentSum` as in {@link tcpChecksumOk}). */
  checksumOk(src: Ipv4Addr, dst: Ipv4Addr, segmentSum?: number): boolean {
    return tcpChecksumOk(this.buffer, this.offset, this.end, src, dst, segmentSum);
  }

  /** Computes and stores the checksum (`dataSum` as in {@link fillTcpChecksum}). */
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr, dataSum?: number): void {
    fillTcpChecksum(this.buffer, this.offset, this.end, src, dst, dataSum);
  }
}

// ---------------------------------------------------------------------------------------------
// Repr, parse and emit

/** The meaning of a TCP segment. */
export interface TcpRepr {
  /** Source port. */
  readonly srcPort: number;
  /** Destination port. */
  readonly dstPort: number;
  /** Sequence number (unsigned 32-bit; emit reduces modulo 2^32). */
  readonly seq: number;
  /** Acknowledgment number (unsigned 32-bit; emit reduces modulo 2^32). */
  readonly ack: number;
  /** The 12 flag bits ({@link TCP_FLAG}). */
  readonly flags: number;
  /** Receive window as on the wire (unscaled). */
  readonly window: number;
  /** Urgent pointer. */
  readonly urgent: number;
  /** Options in wire order, padding included ({@link NO_TCP_OPTIONS} for a 20-byte header). */
  readonly options: readonly TcpOption[];
  /** The payload (a view, not a copy). */
  readonly payload: Uint8Array;
}

/** Options of {@link parseTcp}. */
export interface TcpParseOptions extends ParseOptions {
  /** The folded ones'-complement sum of all of `bytes` when already known (the device's receive sum). */
  readonly segmentSum?: number;
}

/**
 * Parses a TCP segment occupying all of `bytes` (the IP payload), verifying the checksum against
 * the pseudo-header of `src` → `dst` unless disabled; never throws.
 */
export function parseTcp(bytes: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr, options?: TcpParseOptions): TcpRepr | WireError {
  const p = new TcpSegment(bytes);
  const err = p.check();
  if (err) return err;
  if (options?.verifyChecksum !== false && !p.checksumOk(src, dst, options?.segmentSum)) return E_CHECKSUM;
  const opts = p.headerLen === TCP_HEADER_LEN ? NO_TCP_OPTIONS : parseTcpOptions(p.optionBytes);
  if (opts instanceof WireError) return opts;
  return {
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    seq: p.seq,
    ack: p.ack,
    flags: p.flags,
    window: p.window,
    urgent: p.urgent,
    options: opts,
    payload: p.payload,
  };
}

/** Header length for `options`: 20 plus their padded bytes (a programmer error above 60 throws a RangeError). */
export function tcpHeaderLen(options: readonly TcpOption[]): number {
  if (options.length === 0) return TCP_HEADER_LEN;
  const hl = TCP_HEADER_LEN + tcpOptionsLen(options);
  if (hl > TCP_MAX_HEADER_LEN) throw new RangeError(`tcp: options need ${hl - TCP_HEADER_LEN} bytes, at most 40 fit`);
  return hl;
}

/** Bytes `emitTcp` writes: header (with padded options) plus payload. */
export function tcpBufferLen(repr: TcpRepr): number {
  return tcpHeaderLen(repr.options) + repr.payload.length;
}

/**
 * Writes the segment at `buf[offset…]` (payload not copied when already in place). With both
 * addresses the checksum is computed over their pseudo-header; without, it is left 0 (for
 * {@link fillTcpChecksum} later, or checksum offload).
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, src?: Ipv4Addr, dst?: Ipv4Addr, offset = 0): void {
  const hl = tcpHeaderLen(repr.options);
  writeHeader(buf, offset, repr.srcPort, repr.dstPort, repr.seq, repr.ack, repr.flags, repr.window, repr.urgent, hl);
  if (hl > TCP_HEADER_LEN) emitTcpOptions(repr.options, buf, offset + TCP_HEADER_LEN);
  placePayload(repr.payload, buf, offset + hl);
  if (src !== undefined && dst !== undefined) fillTcpChecksum(buf, offset, offset + hl + repr.payload.length, src, dst);
}

/** The fixed 20 bytes, checksum 0, data offset from `hl`. */
function writeHeader(
  buf: Uint8Array,
  o: number,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  urgent: number,
  hl: number,
): void {
  writeU16(buf, o, srcPort);
  writeU16(buf, o + 2, dstPort);
  writeU32(buf, o + 4, seq);
  writeU32(buf, o + 8, ack);
  buf[o + 12] = ((hl >>> 2) << 4) | ((flags >>> 8) & 0x0f);
  buf[o + 13] = flags;
  writeU16(buf, o + 14, window);
  buf[o + 16] = 0;
  buf[o + 17] = 0;
  writeU16(buf, o + 18, urgent);
}

/**
 * The data-path fast path: writes a header at `buf[offset…]` from plain fields, without a repr.
 * `options` are pre-encoded bytes (see {@link tcpOptionBytes}), copied and zero-padded to a
 * multiple of 4; a number instead reserves that many option bytes (rounded up to 4) and leaves
 * them for the caller (e.g. {@link writeTcpTimestamps}; only the padding is zeroed). The checksum is left 0: write the payload,
 * then {@link fillTcpChecksum}. Returns the header length. Never validates (at most 40 option bytes).
 */
export function writeTcpHeader(
  buf: Uint8Array,
  offset: number,
  srcPort: number,
  dstPort: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
  urgent = 0,
  options: Uint8Array | number = EMPTY_BYTES,
): number {
  const optLen = typeof options === 'number' ? options : options.length;
  const padded = (optLen + 3) & ~3;
  const hl = TCP_HEADER_LEN + padded;
  writeHeader(buf, offset, srcPort, dstPort, seq, ack, flags, window, urgent, hl);
  if (typeof options !== 'number' && optLen > 0) buf.set(options, offset + TCP_HEADER_LEN);
  if (padded > optLen) buf.fill(0, offset + TCP_HEADER_LEN + optLen, offset + hl);
  return hl;
}
