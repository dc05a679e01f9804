/**
 * DNS messages (RFC 1035): header flags, questions, and resource records in the answer,
 * authority and additional sections. A records are decoded to addresses; every other record
 * type keeps its rdata as raw bytes (names inside rdata — CNAME, NS, PTR… — are therefore
 * left as written, compression pointers included).
 *
 * Names are strings in master-file form without the trailing dot (`www.example.com`; the root is
 * `''`): label bytes other than printable ASCII are written `\DDD` (decimal), and `.` and `\`
 * inside a label are escaped as `\.` and `\\`, so any name round-trips.
 *
 * Parsing follows compression pointers under two limits: a pointer must point before the start of
 * the label run that contains it (which rules out loops), and at most {@link DNS_MAX_POINTERS} are
 * followed per name; names longer than 255 bytes on the wire are malformed. `parseDns` never throws.
 *
 * Emitting compresses every owner and question name against the suffixes already written
 * (case-sensitively, so names keep their case). `dnsBufferLen` runs the same encoder without
 * writing; `emitDns` never throws on a buffer of `dnsBufferLen(repr)` bytes from `offset`. Names
 * that cannot be encoded (empty or >63-byte labels, >255 bytes) are programmer errors and throw a
 * `RangeError` from both.
 * @module
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { WireError } from './error.js';
import type { Ipv4Addr } from './ipv4.js';

/** Record and query types named by this stack; any other value round-trips (as raw rdata). */
export const DNS_TYPE = {
  /** IPv4 host address. */
  A: 1,
  /** Authoritative name server. */
  NS: 2,
  /** Canonical name. */
  CNAME: 5,
  /** Start of authority. */
  SOA: 6,
  /** Domain name pointer. */
  PTR: 12,
  /** Mail exchange. */
  MX: 15,
  /** Text strings. */
  TXT: 16,
  /** IPv6 host address. */
  AAAA: 28,
  /** EDNS(0) pseudo-record (RFC 6891). */
  OPT: 41,
  /** Query for all records. */
  ANY: 255,
} as const;

/** Classes named by this stack; any other value round-trips. */
export const DNS_CLASS = {
  /** The Internet. */
  IN: 1,
  /** Chaos. */
  CH: 3,
  /** Any class (queries). */
  ANY: 255,
} as const;

/** Header opcodes. */
export const DNS_OPCODE = {
  /** Standard query. */
  QUERY: 0,
  /** Inverse query (obsolete). */
  IQUERY: 1,
  /** Server status request. */
  STATUS: 2,
  /** Zone change notification (RFC 1996). */
  NOTIFY: 4,
  /** Dynamic update (RFC 2136). */
  UPDATE: 5,
} as const;

/** Header response codes. */
export const DNS_RCODE = {
  /** No error. */
  NOERROR: 0,
  /** Format error. */
  FORMERR: 1,
  /** Server failure. */
  SERVFAIL: 2,
  /** Name does not exist. */
  NXDOMAIN: 3,
  /** Not implemented. */
  NOTIMP: 4,
  /** Refused. */
  REFUSED: 5,
} as const;

/** Byte offsets of the DNS header fields. */
export const DNS_FIELD = {
  /** Transaction identifier. */
  ID: 0,
  /** QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. */
  FLAGS: 2,
  /** Number of questions. */
  QDCOUNT: 4,
  /** Number of answer records. */
  ANCOUNT: 6,
  /** Number of authority records. */
  NSCOUNT: 8,
  /** Number of additional records. */
  ARCOUNT: 10,
  /** First byte of the question section. */
  BODY: 12,
} as const;

/** Bits of the header's flags word. */
export const DNS_FLAG = {
  /** Response (QR). */
  QR: 0x8000,
  /** Opcode mask (4 bits at 11). */
  OPCODE: 0x7800,
  /** Authoritative answer. */
  AA: 0x0400,
  /** Truncated. */
  TC: 0x0200,
  /** Recursion desired. */
  RD: 0x0100,
  /** Recursion available. */
  RA: 0x0080,
  /** Reserved, zero. */
  Z: 0x0040,
  /** Authentic data (RFC 4035). */
  AD: 0x0020,
  /** Checking disabled (RFC 4035). */
  CD: 0x0010,
  /** Response code mask (4 bits at 0). */
  RCODE: 0x000f,
} as const;

/** Length of the DNS header. */
export const DNS_HEADER_LEN = 12;

/** Most compression pointers followed while reading one name. */
export const DNS_MAX_POINTERS = 64;

/** Longest name on the wire, length bytes and root included (RFC 1035 §3.1). */
export const DNS_MAX_NAME_LEN = 255;

/** Longest label. */
export const DNS_MAX_LABEL_LEN = 63;

/** A question: the name, type and class asked for. */
export interface DnsQuestion {
  /** The queried name. */
  readonly name: string;
  /** Query type ({@link DNS_TYPE}). */
  readonly type: number;
  /** Query class ({@link DNS_CLASS}). */
  readonly class: number;
}

/** An A record (type 1 with 4 bytes of rdata), decoded. */
export interface DnsARecord {
  /** Discriminant. */
  readonly kind: 'a';
  /** Owner name. */
  readonly name: string;
  /** Class (normally IN). */
  readonly class: number;
  /** Time to live in seconds. */
  readonly ttl: number;
  /** The address. */
  readonly address: Ipv4Addr;
}

/** Any other record, with its rdata as raw bytes. */
export interface DnsRawRecord {
  /** Discriminant. */
  readonly kind: 'raw';
  /** Owner name. */
  readonly name: string;
  /** Record type ({@link DNS_TYPE}); unknown values are kept. */
  readonly type: number;
  /** Class (for OPT, the UDP payload size). */
  readonly class: number;
  /** Time to live in seconds (for OPT, extended RCODE and flags). */
  readonly ttl: number;
  /** The rdata as received (a view, not a copy). */
  readonly data: Uint8Array;
}

/** A resource record, discriminated by `kind`. */
export type DnsRecord = DnsARecord | DnsRawRecord;

/** The meaning of a DNS message. Section counts are the array lengths. */
export interface DnsRepr {
  /** Transaction identifier. */
  readonly id: number;
  /** QR: a response. */
  readonly response: boolean;
  /** Opcode ({@link DNS_OPCODE}). */
  readonly opcode: number;
  /** AA: authoritative answer. */
  readonly authoritative: boolean;
  /** TC: truncated message. */
  readonly truncated: boolean;
  /** RD: recursion desired. */
  readonly recursionDesired: boolean;
  /** RA: recursion available. */
  readonly recursionAvailable: boolean;
  /** Z: the reserved bit, kept so odd messages round-trip. */
  readonly z: boolean;
  /** AD: authentic data. */
  readonly authenticData: boolean;
  /** CD: checking disabled. */
  readonly checkingDisabled: boolean;
  /** Response code ({@link DNS_RCODE}). */
  readonly rcode: number;
  /** Question section. */
  readonly questions: readonly DnsQuestion[];
  /** Answer section. */
  readonly answers: readonly DnsRecord[];
  /** Authority section. */
  readonly authorities: readonly DnsRecord[];
  /** Additional section. */
  readonly additionals: readonly DnsRecord[];
}

/** The record type of a record, whatever its kind. */
export function dnsRecordType(rec: DnsRecord): number {
  return rec.kind === 'a' ? DNS_TYPE.A : rec.type;
}

const E_TRUNCATED = new WireError('truncated', 'dns: shorter than a header');
const E_NAME_TRUNCATED = new WireError('truncated', 'dns: name runs past the end');
const E_NAME_TOO_LONG = new WireError('malformed', 'dns: name longer than 255 bytes');
const E_POINTER_FORWARD = new WireError('malformed', 'dns: compression pointer does not point backwards');
const E_POINTER_COUNT = new WireError('malformed', 'dns: too many compression pointers');
const E_LABEL_TYPE = new WireError('unsupported', 'dns: extended label type');
const E_QUESTION_TRUNCATED = new WireError('truncated', 'dns: question runs past the end');
const E_RECORD_TRUNCATED = new WireError('truncated', 'dns: record runs past the end');

/** A view of a DNS message header over `buffer[offset…]`; `check()` validates the length. */
export class DnsPacket {
  /** The underlying bytes. */
  readonly buffer: Uint8Array;
  /** Where the message starts in `buffer`. */
  readonly offset: number;

  /** Wraps `buffer[offset…]` without checking; call `check()` before reading a received message. */
  constructor(buffer: Uint8Array, offset = 0) {
    this.buffer = buffer;
    this.offset = offset;
  }

  /** `undefined` when the 12-byte header fits, else the error (sections are checked by `parseDns`). */
  check(): WireError | undefined {
    return this.buffer.length - this.offset < DNS_HEADER_LEN ? E_TRUNCATED : undefined;
  }

  /** Transaction identifier. */
  get id(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.ID);
  }
  set id(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.ID, v);
  }

  /** The flags word ({@link DNS_FLAG}). */
  get flags(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.FLAGS);
  }
  set flags(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.FLAGS, v);
  }

  /** Opcode (bits 11–14 of the flags). */
  get opcode(): number {
    return (this.flags & DNS_FLAG.OPCODE) >>> 11;
  }
  set opcode(v: number) {
    this.flags = (this.flags & ~DNS_FLAG.OPCODE) | ((v << 11) & DNS_FLAG.OPCODE);
  }

  /** Response code (bits 0–3 of the flags). */
  get rcode(): number {
    return this.flags & DNS_FLAG.RCODE;
  }
  set rcode(v: number) {
    this.flags = (this.flags & ~DNS_FLAG.RCODE) | (v & DNS_FLAG.RCODE);
  }

  /** Number of questions. */
  get qdcount(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.QDCOUNT);
  }
  set qdcount(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.QDCOUNT, v);
  }

  /** Number of answer records. */
  get ancount(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.ANCOUNT);
  }
  set ancount(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.ANCOUNT, v);
  }

  /** Number of authority records. */
  get nscount(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.NSCOUNT);
  }
  set nscount(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.NSCOUNT, v);
  }

  /** Number of additional records. */
  get arcount(): number {
    return readU16(this.buffer, this.offset + DNS_FIELD.ARCOUNT);
  }
  set arcount(v: number) {
    writeU16(this.buffer, this.offset + DNS_FIELD.ARCOUNT, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Reading position over one message (`base` is where the message starts; pointers are relative to it). */
interface Cursor {
  readonly buf: Uint8Array;
  readonly base: number;
  pos: number;
}

function appendLabel(out: string, b: Uint8Array, start: number, end: number): string {
  if (out.length > 0) out += '.';
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c > 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += '\\' + (c < 10 ? '00' : c < 100 ? '0' : '') + c;
  }
  return out;
}

/** Reads a possibly compressed name at `cur.pos` and advances past it; never throws. */
function readName(cur: Cursor): string | WireError {
  const { buf, base } = cur;
  const end = buf.length;
  let pos = cur.pos;
  let runStart = pos; // start of the current label run: pointers must target bytes before it
  let resume = -1; // where parsing continues after the name, once a pointer was followed
  let pointers = 0;
  let wireLen = 1; // the terminating root byte
  let out = '';
  for (;;) {
    if (pos >= end) return E_NAME_TRUNCATED;
    const len = buf[pos];
    if (len === 0) {
      cur.pos = resume >= 0 ? resume : pos + 1;
      return out;
    }
    const tag = len & 0xc0;
    if (tag === 0xc0) {
      if (pos + 1 >= end) return E_NAME_TRUNCATED;
      const target = base + (((len & 0x3f) << 8) | buf[pos + 1]);
      if (target >= runStart) return E_POINTER_FORWARD;
      if (++pointers > DNS_MAX_POINTERS) return E_POINTER_COUNT;
      if (resume < 0) resume = pos + 2;
      pos = runStart = target;
      continue;
    }
    if (tag !== 0) return E_LABEL_TYPE;
    wireLen += len + 1;
    if (wireLen > DNS_MAX_NAME_LEN) return E_NAME_TOO_LONG;
    if (pos + 1 + len > end) return E_NAME_TRUNCATED;
    out = appendLabel(out, buf, pos + 1, pos + 1 + len);
    pos += 1 + len;
  }
}

function readRecords(cur: Cursor, count: number, into: DnsRecord[]): WireError | undefined {
  const b = cur.buf;
  for (let k = 0; k < count; k++) {
    const name = readName(cur);
    if (name instanceof WireError) return name;
    const p = cur.pos;
    if (p + 10 > b.length) return E_RECORD_TRUNCATED;
    const type = readU16(b, p);
    const cls = readU16(b, p + 2);
    const ttl = readU32(b, p + 4);
    const rdlen = readU16(b, p + 8);
    const rdata = p + 10;
    if (rdata + rdlen > b.length) return E_RECORD_TRUNCATED;
    if (type === DNS_TYPE.A && rdlen === 4) {
      into.push({ kind: 'a', name, class: cls, ttl, address: readU32(b, rdata) });
    } else {
      into.push({ kind: 'raw', name, type, class: cls, ttl, data: b.subarray(rdata, rdata + rdlen) });
    }
    cur.pos = rdata + rdlen;
  }
  return undefined;
}

/** Parses a DNS message occupying `bytes` (bytes after the last record are ignored); never throws. */
export function parseDns(bytes: Uint8Array): DnsRepr | WireError {
  const h = new DnsPacket(bytes);
  const err = h.check();
  if (err) return err;
  const cur: Cursor = { buf: bytes, base: 0, pos: DNS_HEADER_LEN };
  const questions: DnsQuestion[] = [];
  const qd = h.qdcount;
  for (let k = 0; k < qd; k++) {
    const name = readName(cur);
    if (name instanceof WireError) return name;
    if (cur.pos + 4 > bytes.length) return E_QUESTION_TRUNCATED;
    questions.push({ name, type: readU16(bytes, cur.pos), class: readU16(bytes, cur.pos + 2) });
    cur.pos += 4;
  }
  const answers: DnsRecord[] = [];
  const authorities: DnsRecord[] = [];
  const additionals: DnsRecord[] = [];
  const e = readRecords(cur, h.ancount, answers) ?? readRecords(cur, h.nscount, authorities) ?? readRecords(cur, h.arcount, additionals);
  if (e) return e;
  const f = h.flags;
  return {
    id: h.id,
    response: (f & DNS_FLAG.QR) !== 0,
    opcode: (f & DNS_FLAG.OPCODE) >>> 11,
    authoritative: (f & DNS_FLAG.AA) !== 0,
    truncated: (f & DNS_FLAG.TC) !== 0,
    recursionDesired: (f & DNS_FLAG.RD) !== 0,
    recursionAvailable: (f & DNS_FLAG.RA) !== 0,
    z: (f & DNS_FLAG.Z) !== 0,
    authenticData: (f & DNS_FLAG.AD) !== 0,
    checkingDisabled: (f & DNS_FLAG.CD) !== 0,
    rcode: f & DNS_FLAG.RCODE,
    questions,
    answers,
    authorities,
    additionals,
  };
}

// ---------------------------------------------------------------------------------------------
// Emitting

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Splits a master-file name into label byte arrays; throws `RangeError` for names that cannot be encoded. */
export function dnsNameToLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  if (name === '' || name === '.') return labels;
  let cur: number[] = [];
  let wireLen = 1;
  const finish = (): void => {
    if (cur.length === 0) throw new RangeError(`dns: empty label in ${JSON.stringify(name)}`);
    if (cur.length > DNS_MAX_LABEL_LEN) throw new RangeError(`dns: label longer than 63 bytes in ${JSON.stringify(name)}`);
    wireLen += cur.length + 1;
    labels.push(Uint8Array.from(cur));
    cur = [];
  };
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c === 0x2e) {
      finish();
      continue;
    }
    if (c === 0x5c) {
      if (i + 1 >= name.length) throw new RangeError(`dns: dangling escape in ${JSON.stringify(name)}`);
      const d = name.charCodeAt(i + 1);
      if (isDigit(d)) {
        const d2 = name.charCodeAt(i + 2);
        const d3 = name.charCodeAt(i + 3);
        if (!isDigit(d2) || !isDigit(d3)) throw new RangeError(`dns: bad \\DDD escape in ${JSON.stringify(name)}`);
        c = (d - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30);
        if (c > 255) throw new RangeError(`dns: \\DDD escape above 255 in ${JSON.stringify(name)}`);
        i += 3;
      } else {
        c = d;
        i += 1;
      }
    }
    if (c > 0xff) throw new RangeError(`dns: non-Latin-1 character in ${JSON.stringify(name)} (encode IDNs first)`);
    cur.push(c);
  }
  if (cur.length > 0) finish(); // no trailing dot
  if (wireLen > DNS_MAX_NAME_LEN) throw new RangeError(`dns: name longer than 255 bytes: ${JSON.stringify(name)}`);
  return labels;
}

/** Writes (or, with `buf` null, measures) a message: names are compressed against earlier suffixes. */
class Encoder {
  readonly buf: Uint8Array | null;
  readonly base: number;
  pos: number;
  private readonly suffixes = new Map<string, number>();

  constructor(buf: Uint8Array | null, base: number) {
    this.buf = buf;
    this.base = base;
    this.pos = base;
  }

  u16(v: number): void {
    if (this.buf) writeU16(this.buf, this.pos, v);
    this.pos += 2;
  }

  u32(v: number): void {
    if (this.buf) writeU32(this.buf, this.pos, v);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    if (this.buf) this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  name(name: string): void {
    const labels = dnsNameToLabels(name);
    // keys[i] identifies the suffix labels[i…] exactly (length-prefixed Latin-1, case kept)
    const keys = new Array<string>(labels.length);
    let key = '';
    for (let i = labels.length - 1; i >= 0; i--) {
      key = String.fromCharCode(labels[i].length, ...labels[i]) + key;
      keys[i] = key;
    }
    for (let i = 0; i < labels.length; i++) {
      const at = this.suffixes.get(keys[i]);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      const rel = this.pos - this.base;
      if (rel < 0x4000) this.suffixes.set(keys[i], rel);
      if (this.buf) this.buf[this.pos] = labels[i].length;
      this.pos += 1;
      this.bytes(labels[i]);
    }
    if (this.buf) this.buf[this.pos] = 0;
    this.pos += 1;
  }

  records(list: readonly DnsRecord[]): void {
    for (const r of list) {
      this.name(r.name);
      if (r.kind === 'a') {
        this.u16(DNS_TYPE.A);
        this.u16(r.class);
        this.u32(r.ttl);
        this.u16(4);
        this.u32(r.address);
      } else {
        this.u16(r.type);
        this.u16(r.class);
        this.u32(r.ttl);
        this.u16(r.data.length);
        this.bytes(r.data);
      }
    }
  }

  message(repr: DnsRepr): void {
    this.u16(repr.id);
    this.u16(
      (repr.response ? DNS_FLAG.QR : 0) |
        ((repr.opcode << 11) & DNS_FLAG.OPCODE) |
        (repr.authoritative ? DNS_FLAG.AA : 0) |
        (repr.truncated ? DNS_FLAG.TC : 0) |
        (repr.recursionDesired ? DNS_FLAG.RD : 0) |
        (repr.recursionAvailable ? DNS_FLAG.RA : 0) |
        (repr.z ? DNS_FLAG.Z : 0) |
        (repr.authenticData ? DNS_FLAG.AD : 0) |
        (repr.checkingDisabled ? DNS_FLAG.CD : 0) |
        (repr.rcode & DNS_FLAG.RCODE),
    );
    this.u16(repr.questions.length);
    this.u16(repr.answers.length);
    this.u16(repr.authorities.length);
    this.u16(repr.additionals.length);
    for (const q of repr.questions) {
      this.name(q.name);
      this.u16(q.type);
      this.u16(q.class);
    }
    this.records(repr.answers);
    this.records(repr.authorities);
    this.records(repr.additionals);
  }
}

/** Bytes `emitDns` writes, with name compression; throws `RangeError` for unencodable names. */
export function dnsBufferLen(repr: DnsRepr): number {
  const e = new Encoder(null, 0);
  e.message(repr);
  return e.pos;
}

/** Writes the message at `buf[offset…]`, compressing names (pointers are relative to `offset`). */
export function emitDns(repr: DnsRepr, buf: Uint8Array, offset = 0): void {
  new Encoder(buf, offset).message(repr);
}
