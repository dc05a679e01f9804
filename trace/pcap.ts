/**
 * Capture-file writers: classic pcap (nanosecond variant) and pcapng, as read by Wireshark,
 * tshark and libpcap. Written from the file-format specifications (draft-ietf-opsawg-pcap and
 * draft-ietf-opsawg-pcapng); all multi-byte fields little-endian.
 *
 * The writers are pure: they build `Uint8Array` chunks (one per header, record or block) and
 * never touch the file system; {@link writeCaptureFile} is the one helper that does, for the CLI.
 *
 * Guarantees:
 * - Classic pcap uses the nanosecond magic (0xA1B23C4D), so timestamps keep every simulated ns.
 * - pcapng: every block's two total-length fields agree and are a multiple of 4; every option
 *   value is padded to 4 bytes; every non-empty option list ends with `opt_endofopt`; each
 *   interface says `if_tsresol = 9` (ns), so EPB timestamps are integer ns since the epoch of
 *   the simulation (t = 0 is shown as 1970-01-01 00:00:00 UTC).
 * - A packet longer than the snapshot length is cut to it; its original length is kept.
 * - Writers never throw on packet data; they throw on programmer errors (a packet naming an
 *   interface that was not added, a negative or fractional timestamp).
 * @module
 */
import type { Nanos } from '../sim/time.js';

/** LINKTYPE_ETHERNET: an Ethernet frame from the destination address on (no preamble, no SFD; FCS only when announced). */
export const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_ETHERNET_MPACKET: an IEEE 802.3br mPacket as on the line: preamble, SFD (or SMD), data and FCS (or mCRC). */
export const LINKTYPE_ETHERNET_MPACKET = 274;
/** The classic pcap magic number of files with nanosecond timestamps. */
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** The snapshot length the writers announce by default (what tcpdump and Wireshark use). */
export const PCAP_SNAPLEN = 262144;

/** pcapng block types. */
export const PCAPNG_BLOCK = {
  /** Section Header Block. */
  SHB: 0x0a0d0d0a,
  /** Interface Description Block. */
  IDB: 0x00000001,
  /** Enhanced Packet Block. */
  EPB: 0x00000006,
} as const;

/** The pcapng byte-order magic (written in the SHB; reads back as 0x1A2B3C4D in the writer's byte order). */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** pcapng option codes used by these writers. */
export const PCAPNG_OPTION = {
  /** opt_endofopt: ends an option list. */
  END: 0,
  /** opt_comment: a UTF-8 comment (any block). */
  COMMENT: 1,
  /** shb_hardware. */
  SHB_HARDWARE: 2,
  /** shb_os. */
  SHB_OS: 3,
  /** shb_userappl: the application that wrote the file. */
  SHB_USERAPPL: 4,
  /** if_name. */
  IF_NAME: 2,
  /** if_description. */
  IF_DESCRIPTION: 3,
  /** if_speed: bits per second, 64-bit. */
  IF_SPEED: 8,
  /** if_tsresol: timestamp resolution (9: 10^-9 s). */
  IF_TSRESOL: 9,
  /** if_fcslen: FCS octets at the end of each packet of this interface. */
  IF_FCSLEN: 13,
  /** epb_flags: direction, reception type, FCS length, link-layer errors. */
  EPB_FLAGS: 2,
} as const;

/** Direction bits of `epb_flags`. */
export const EPB_DIRECTION = { unknown: 0, inbound: 1, outbound: 2 } as const;

/** Link-layer error bits of `epb_flags` (bits 16..31; Wireshark shows them as `frame.packet_flags_*_error`). */
export const EPB_LINK_ERROR = {
  /** Bit 24: CRC (FCS) error. */
  crc: 1 << 24,
  /** Bit 25: packet too long. */
  tooLong: 1 << 25,
  /** Bit 26: packet too short. */
  tooShort: 1 << 26,
  /** Bit 27: wrong inter-frame gap. */
  interFrameGap: 1 << 27,
  /** Bit 28: unaligned frame (not a whole number of octets). */
  unaligned: 1 << 28,
  /** Bit 29: start frame delimiter error. */
  sfd: 1 << 29,
  /** Bit 30: preamble error. */
  preamble: 1 << 30,
  /** Bit 31: symbol error (a code violation the PHY reported). */
  symbol: 2 ** 31,
} as const;

/** A link-layer error `epb_flags` can carry. */
export type EpbLinkError = keyof typeof EPB_LINK_ERROR;

const U32 = 0x1_0000_0000;
const NS_PER_S = 1_000_000_000;
const utf8 = new TextEncoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function checkTime(t: Nanos): void {
  if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`capture timestamp must be a non-negative integer number of ns, got ${t}`);
}

/** Concatenates chunks into one buffer. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

// ------------------------------------------------------------------ classic pcap

/** Options of a classic pcap file header. */
export interface PcapHeaderOptions {
  /** The LINKTYPE_ value (default {@link LINKTYPE_ETHERNET}). */
  linkType?: number;
  /** Snapshot length (default {@link PCAP_SNAPLEN}). */
  snaplen?: number;
  /**
   * Octets of FCS at the end of every packet (0, 2, 4, …, 14; default: not announced). Announced
   * in the upper bits of the link-type field (the `f` bit and the FCS length in 16-bit words).
   */
  fcsLen?: number;
}

/** One packet for a classic pcap file. */
export interface PcapPacket {
  /** Timestamp, integer ns of simulated time. */
  timeNs: Nanos;
  /** The packet bytes (cut to the snapshot length when longer). */
  data: Uint8Array;
  /** Length on the line when `data` is already cut short (default `data.length`). */
  origLen?: number;
}

/** The 24-byte classic pcap file header with the nanosecond magic. */
export function pcapFileHeader(opts: PcapHeaderOptions = {}): Uint8Array {
  const linkType = opts.linkType ?? LINKTYPE_ETHERNET;
  if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0x0fff_ffff) throw new RangeError(`link type out of range: ${linkType}`);
  let field = linkType;
  if (opts.fcsLen !== undefined) {
    const words = opts.fcsLen / 2;
    if (!Number.isInteger(words) || words < 0 || words > 7) throw new RangeError(`pcap FCS length must be an even number of octets 0…14, got ${opts.fcsLen}`);
    field = (((words << 29) | 0x1000_0000 | linkType) >>> 0);
  }
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC_NS, true);
  v.setUint16(4, 2, true); // major version
  v.setUint16(6, 4, true); // minor version
  // 8: reserved (was thiszone), 12: reserved (was sigfigs): both 0
  v.setUint32(16, opts.snaplen ?? PCAP_SNAPLEN, true);
  v.setUint32(20, field, true);
  return b;
}

/** One classic pcap record: 16-byte header (seconds, nanoseconds, captured and original length) and the data. */
export function pcapRecord(p: PcapPacket, snaplen = PCAP_SNAPLEN): Uint8Array {
  checkTime(p.timeNs);
  const cap = Math.min(p.data.length, snaplen);
  const b = new Uint8Array(16 + cap);
  const v = new DataView(b.buffer);
  v.setUint32(0, Math.floor(p.timeNs / NS_PER_S), true);
  v.setUint32(4, p.timeNs % NS_PER_S, true);
  v.setUint32(8, cap, true);
  v.setUint32(12, Math.max(p.origLen ?? p.data.length, cap), true);
  b.set(p.data.subarray(0, cap), 16);
  return b;
}

/** A whole classic pcap file: header and records in the order given. */
export function pcapFile(packets: Iterable<PcapPacket>, opts: PcapHeaderOptions = {}): Uint8Array {
  const snaplen = opts.snaplen ?? PCAP_SNAPLEN;
  const chunks = [pcapFileHeader(opts)];
  for (const p of packets) chunks.push(pcapRecord(p, snaplen));
  return concatChunks(chunks);
}

// ------------------------------------------------------------------ pcapng

/** One pcapng option: a code and its raw value (padded by the writer). */
export interface PcapngOption {
  /** Option code. */
  code: number;
  /** Option value, unpadded. */
  value: Uint8Array;
}

/** The bytes of an option list: each option padded to 4, then `opt_endofopt`; empty when there are no options. */
export function encodeOptions(options: readonly PcapngOption[]): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  let n = 4; // opt_endofopt
  for (const o of options) n += 4 + pad4(o.value.length);
  const b = new Uint8Array(n);
  const v = new DataView(b.buffer);
  let at = 0;
  for (const o of options) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code} is longer than 65535 bytes`);
    v.setUint16(at, o.code, true);
    v.setUint16(at + 2, o.value.length, true);
    b.set(o.value, at + 4);
    at += 4 + pad4(o.value.length);
  }
  // opt_endofopt: code 0, length 0 (already zero)
  return b;
}

/** A block: type, total length, `body` (a multiple of 4 bytes), total length again. */
function block(type: number, body: Uint8Array): Uint8Array {
  if (body.length % 4 !== 0) throw new Error('pcapng block body must be 32-bit aligned');
  const total = 12 + body.length;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  b.set(body, 8);
  v.setUint32(total - 4, total, true);
  return b;
}

function stringOption(code: number, s: string | undefined): PcapngOption[] {
  return s === undefined || s === '' ? [] : [{ code, value: utf8.encode(s) }];
}

/** Options of a Section Header Block. */
export interface PcapngSectionOptions {
  /** shb_userappl (default `nicsim`). */
  userAppl?: string;
  /** shb_hardware. */
  hardware?: string;
  /** shb_os. */
  os?: string;
  /** opt_comment. */
  comment?: string;
}

/** A Section Header Block: byte-order magic, version 1.0, section length unspecified (-1), options. */
export function pcapngSectionHeader(opts: PcapngSectionOptions = {}): Uint8Array {
  const options = encodeOptions([
    ...stringOption(PCAPNG_OPTION.COMMENT, opts.comment),
    ...stringOption(PCAPNG_OPTION.SHB_HARDWARE, opts.hardware),
    ...stringOption(PCAPNG_OPTION.SHB_OS, opts.os),
    ...stringOption(PCAPNG_OPTION.SHB_USERAPPL, opts.userAppl ?? 'nicsim'),
  ]);
  const body = new Uint8Array(16 + options.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, true);
  v.setUint16(4, 1, true); // major
  v.setUint16(6, 0, true); // minor
  v.setUint32(8, 0xffff_ffff, true); // section length: -1 (not specified)
  v.setUint32(12, 0xffff_ffff, true);
  body.set(options, 16);
  return block(PCAPNG_BLOCK.SHB, body);
}

/** One capture interface of a pcapng section. */
export interface PcapngInterface {
  /** if_name (the adapter name). */
  name: string;
  /** The LINKTYPE_ value (default {@link LINKTYPE_ETHERNET}). */
  linkType?: number;
  /** Snapshot length (default {@link PCAP_SNAPLEN}). */
  snaplen?: number;
  /** if_fcslen: FCS octets at the end of each packet (omitted when undefined). */
  fcsLen?: number;
  /** if_description. */
  description?: string;
  /** if_speed in bits per second. */
  speedBps?: number;
}

/** An Interface Description Block with `if_name`, `if_tsresol = 9` and, when given, `if_description`, `if_speed`, `if_fcslen`. */
export function pcapngInterfaceBlock(iface: PcapngInterface): Uint8Array {
  const opts: PcapngOption[] = [...stringOption(PCAPNG_OPTION.IF_NAME, iface.name), ...stringOption(PCAPNG_OPTION.IF_DESCRIPTION, iface.description)];
  if (iface.speedBps !== undefined) {
    const s = new Uint8Array(8);
    const v = new DataView(s.buffer);
    v.setUint32(0, iface.speedBps % U32, true);
    v.setUint32(4, Math.floor(iface.speedBps / U32), true);
    opts.push({ code: PCAPNG_OPTION.IF_SPEED, value: s });
  }
  opts.push({ code: PCAPNG_OPTION.IF_TSRESOL, value: Uint8Array.of(9) });
  if (iface.fcsLen !== undefined) {
    if (!Number.isInteger(iface.fcsLen) || iface.fcsLen < 0 || iface.fcsLen > 255) throw new RangeError(`if_fcslen out of range: ${iface.fcsLen}`);
    opts.push({ code: PCAPNG_OPTION.IF_FCSLEN, value: Uint8Array.of(iface.fcsLen) });
  }
  const options = encodeOptions(opts);
  const body = new Uint8Array(8 + options.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, iface.linkType ?? LINKTYPE_ETHERNET, true);
  // 2: reserved, 0
  v.setUint32(4, iface.snaplen ?? PCAP_SNAPLEN, true);
  body.set(options, 8);
  return block(PCAPNG_BLOCK.IDB, body);
}

/** One packet for a pcapng file. */
export interface PcapngPacket {
  /** Index of the interface (order of the IDBs in the section, from 0). */
  iface: number;
  /** Timestamp, integer ns of simulated time (the interfaces use `if_tsresol = 9`). */
  timeNs: Nanos;
  /** The packet bytes (cut to the interface's snapshot length when longer). */
  data: Uint8Array;
  /** Length on the line when `data` is already cut short (default `data.length`). */
  origLen?: number;
  /** Direction, written in `epb_flags` (omitted when undefined). */
  direction?: 'inbound' | 'outbound';
  /** Link-layer errors, written in `epb_flags` (bits 24..31). */
  errors?: readonly EpbLinkError[];
  /** opt_comment. */
  comment?: string;
}

/** An Enhanced Packet Block: interface id, 64-bit timestamp, captured and original length, data padded to 4, options. */
export function pcapngPacketBlock(p: PcapngPacket, snaplen = PCAP_SNAPLEN): Uint8Array {
  checkTime(p.timeNs);
  const cap = Math.min(p.data.length, snaplen);
  const opts: PcapngOption[] = [];
  if (p.direction !== undefined || (p.errors !== undefined && p.errors.length > 0)) {
    let flags = EPB_DIRECTION[p.direction ?? 'unknown'];
    for (const e of p.errors ?? []) {
      const bit = EPB_LINK_ERROR[e];
      if (bit === undefined) throw new RangeError(`unknown epb_flags link-layer error '${String(e)}'`);
      flags += flags % (bit * 2) >= bit ? 0 : bit; // set the bit (flags may exceed 2^31: no bitwise OR)
    }
    const f = new Uint8Array(4);
    new DataView(f.buffer).setUint32(0, flags, true);
    opts.push({ code: PCAPNG_OPTION.EPB_FLAGS, value: f });
  }
  opts.push(...stringOption(PCAPNG_OPTION.COMMENT, p.comment));
  const options = encodeOptions(opts);
  const dataLen = pad4(cap);
  const body = new Uint8Array(20 + dataLen + options.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, p.iface, true);
  v.setUint32(4, Math.floor(p.timeNs / U32), true); // timestamp, upper 32 bits
  v.setUint32(8, p.timeNs % U32, true); // timestamp, lower 32 bits
  v.setUint32(12, cap, true);
  v.setUint32(16, Math.max(p.origLen ?? p.data.length, cap), true);
  body.set(p.data.subarray(0, cap), 20);
  body.set(options, 20 + dataLen);
  return block(PCAPNG_BLOCK.EPB, body);
}

/**
 * An incremental pcapng writer: a section header on creation, then interface and packet blocks
 * as they are added. Each block goes to `sink` (default: kept in {@link PcapngWriter.chunks}).
 */
export class PcapngWriter {
  /** The blocks written so far, when no sink was given. */
  readonly chunks: Uint8Array[] = [];
  private readonly snaplens: number[] = [];
  private readonly sink: (chunk: Uint8Array) => void;

  /** Starts a section (writes the SHB). */
  constructor(section: PcapngSectionOptions = {}, sink?: (chunk: Uint8Array) => void) {
    this.sink = sink ?? ((c) => this.chunks.push(c));
    this.sink(pcapngSectionHeader(section));
  }

  /** Writes an IDB; returns the interface's index for {@link PcapngWriter.packet}. */
  addInterface(iface: PcapngInterface): number {
    this.sink(pcapngInterfaceBlock(iface));
    this.snaplens.push(iface.snaplen ?? PCAP_SNAPLEN);
    return this.snaplens.length - 1;
  }

  /** Writes an EPB on an interface added before. */
  packet(p: PcapngPacket): void {
    const snaplen = this.snaplens[p.iface];
    if (snaplen === undefined) throw new RangeError(`pcapng packet names interface ${p.iface}, but only ${this.snaplens.length} were added`);
    this.sink(pcapngPacketBlock(p, snaplen));
  }

  /** The blocks written so far as one buffer (when no sink was given). */
  toBytes(): Uint8Array {
    return concatChunks(this.chunks);
  }
}

/** A whole pcapng file: one section, the interfaces in order, then the packets in the order given. */
export function pcapngFile(interfaces: readonly PcapngInterface[], packets: Iterable<PcapngPacket>, section: PcapngSectionOptions = {}): Uint8Array {
  const w = new PcapngWriter(section);
  for (const i of interfaces) w.addInterface(i);
  for (const p of packets) w.packet(p);
  return w.toBytes();
}

// ------------------------------------------------------------------ files

/** Writes capture bytes (or chunks) to `path`, replacing the file (for the CLI; the writers above do no I/O). */
export async function writeCaptureFile(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, data instanceof Uint8Array ? data : concatChunks(data));
}
