/**
 * A frame as the line carries it — preamble, SFD, Ethernet header, ARP or IPv4 with UDP/TCP/ICMP,
 * payload, padding, FCS — cut into labelled byte ranges with decoded fields, for the view's byte
 * panel, its frame list and the frame breakpoints. Reads fixed offsets and never throws on damaged
 * input: a range that does not fit is reported as truncated.
 * @module
 */
import { fcsValid, fcs32 } from '../../hw/mac/fcs.js';
import { createLineCodec, type LineStream, type PhyKind } from '../../hw/phy/linecode/index.js';

/** One decoded field of a frame. */
export interface FrameField {
  /** Layer the field belongs to (`line`, `ethernet`, `arp`, `ipv4`, `udp`, `tcp`, `icmp`, `payload`, `fcs`). */
  layer: string;
  /** Field name. */
  name: string;
  /** First byte (offset in the line bytes). */
  start: number;
  /** One past the last byte. */
  end: number;
  /** The value as a person reads it. */
  value: string;
  /** Set when the field is wrong (bad FCS, bad checksum, bad SFD). */
  bad?: boolean;
}

/** A decoded frame. */
export interface DecodedFrame {
  /** Fields in byte order. */
  fields: FrameField[];
  /** One line: what the frame is (`TCP 10.0.0.2:49152 → 10.0.1.2:80 [SYN]`). */
  summary: string;
  /** Whether the FCS matches the bytes before it. */
  fcsOk: boolean;
}

const hex = (b: Uint8Array, s: number, e: number) => Array.from(b.subarray(s, e), (x) => x.toString(16).padStart(2, '0')).join(' ');
const macStr = (b: Uint8Array, s: number) => Array.from(b.subarray(s, s + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ipStr = (b: Uint8Array, s: number) => `${b[s]}.${b[s + 1]}.${b[s + 2]}.${b[s + 3]}`;
const u16 = (b: Uint8Array, s: number) => (b[s] << 8) | b[s + 1];
const u32 = (b: Uint8Array, s: number) => ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;

/** Internet checksum (one's complement sum) of `b[s, e)` plus `initial`. */
function onesSum(b: Uint8Array, s: number, e: number, initial = 0): number {
  let sum = initial;
  for (let i = s; i + 1 < e; i += 2) sum += (b[i] << 8) | b[i + 1];
  if ((e - s) & 1) sum += b[e - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const TCP_FLAGS: Array<[number, string]> = [
  [0x02, 'SYN'],
  [0x10, 'ACK'],
  [0x08, 'PSH'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
];

/** Names of the TCP flags set in `flags`. */
export function tcpFlagNames(flags: number): string[] {
  return TCP_FLAGS.filter(([b]) => flags & b).map(([, n]) => n);
}

/**
 * Decodes `line` (preamble, SFD, frame, FCS, as `WireFrame.bytes`; `hasPreamble` false for bytes
 * starting at the destination address).
 */
export function decodeFrame(line: Uint8Array, hasPreamble = true): DecodedFrame {
  const f: FrameField[] = [];
  const b = line;
  let p = 0;
  const add = (layer: string, name: string, len: number, value: string, bad?: boolean) => {
    const end = Math.min(p + len, b.length);
    f.push({ layer, name, start: p, end, value: end - p < len ? `${value} (truncated)` : value, ...(bad ? { bad } : {}) });
    p = end;
  };
  if (hasPreamble) {
    let pre = 0;
    while (pre < b.length && pre < 7 && b[pre] === 0x55) pre++;
    p = 0;
    add('line', 'preamble', pre, `${pre} × 0x55 (10101010…: the receiver's clock locks on)`, pre !== 7);
    add('line', 'SFD', 1, b[p] === 0xd5 ? '0xd5 (start frame delimiter)' : `0x${(b[p] ?? 0).toString(16)} (not an SFD)`, b[p] !== 0xd5);
  }
  const frameStart = p;
  const fcsAt = b.length - 4;
  const fcsOk = fcsAt >= frameStart + 14 && fcsValid(b, frameStart, b.length);
  const bodyEnd = Math.max(frameStart, fcsAt);
  let summary = 'Ethernet (runt)';
  if (bodyEnd - frameStart >= 14) {
    add('ethernet', 'destination', 6, macStr(b, p) + (b[p] === 0xff && b[p + 1] === 0xff ? ' (broadcast)' : b[p] & 1 ? ' (multicast)' : ''));
    add('ethernet', 'source', 6, macStr(b, p));
    let type = u16(b, p);
    if (type === 0x8100) {
      add('ethernet', '802.1Q tag', 4, `VLAN ${u16(b, p + 2) & 0xfff}`);
      type = u16(b, p);
    }
    const tname = type === 0x0800 ? 'IPv4' : type === 0x0806 ? 'ARP' : type === 0x86dd ? 'IPv6' : type < 0x600 ? 'length' : 'unknown';
    add('ethernet', 'EtherType', 2, `0x${type.toString(16).padStart(4, '0')} (${tname})`);
    summary = `Ethernet ${tname}`;
    if (type === 0x0806 && bodyEnd - p >= 28) summary = decodeArp(b, p, add);
    else if (type === 0x0800 && bodyEnd - p >= 20) summary = decodeIpv4(b, p, bodyEnd, f, (n) => (p = n), add);
    if (p < bodyEnd) add('payload', 'padding / data', bodyEnd - p, hex(b, p, Math.min(bodyEnd, p + 16)) + (bodyEnd - p > 16 ? ' …' : ''));
  } else if (bodyEnd > p) add('payload', 'bytes', bodyEnd - p, hex(b, p, bodyEnd));
  if (fcsAt >= frameStart) {
    p = fcsAt;
    const expect = fcs32(b, frameStart, fcsAt);
    const got = (b[fcsAt] | (b[fcsAt + 1] << 8) | (b[fcsAt + 2] << 16) | (b[fcsAt + 3] << 24)) >>> 0;
    add('fcs', 'FCS', 4, fcsOk ? `0x${got.toString(16).padStart(8, '0')} (CRC-32 matches)` : `0x${got.toString(16).padStart(8, '0')} — CRC-32 of the bytes is 0x${expect.toString(16).padStart(8, '0')}: the receiver drops it (CRCERRS)`, !fcsOk);
  }
  return { fields: f, summary: fcsOk ? summary : `${summary} — bad FCS`, fcsOk };
}

type Add = (layer: string, name: string, len: number, value: string, bad?: boolean) => void;

function decodeArp(b: Uint8Array, p: number, add: Add): string {
  const op = u16(b, p + 6);
  add('arp', 'hardware type', 2, String(u16(b, p)));
  add('arp', 'protocol type', 2, `0x${u16(b, p + 2).toString(16)}`);
  add('arp', 'sizes', 2, `${b[p + 4]}, ${b[p + 5]}`);
  add('arp', 'operation', 2, op === 1 ? '1 (request)' : op === 2 ? '2 (reply)' : String(op));
  add('arp', 'sender MAC', 6, macStr(b, p + 8));
  add('arp', 'sender IP', 4, ipStr(b, p + 14));
  add('arp', 'target MAC', 6, macStr(b, p + 18));
  add('arp', 'target IP', 4, ipStr(b, p + 24));
  return op === 1 ? `ARP who-has ${ipStr(b, p + 24)} tell ${ipStr(b, p + 14)}` : op === 2 ? `ARP ${ipStr(b, p + 14)} is-at ${macStr(b, p + 8)}` : 'ARP';
}

function decodeIpv4(b: Uint8Array, p: number, bodyEnd: number, _f: FrameField[], setP: (n: number) => void, add: Add): string {
  const ip = p;
  const ihl = (b[p] & 0xf) * 4;
  const total = u16(b, p + 2);
  const proto = b[p + 9];
  const csumOk = onesSum(b, ip, ip + ihl) === 0xffff;
  add('ipv4', 'version, IHL', 1, `4, ${ihl} bytes`, b[ip] >> 4 !== 4 || ihl < 20);
  add('ipv4', 'DSCP, ECN', 1, `${b[ip + 1] >> 2}, ${b[ip + 1] & 3}`);
  add('ipv4', 'total length', 2, String(total));
  add('ipv4', 'identification', 2, `0x${u16(b, ip + 4).toString(16)}`);
  const ff = u16(b, ip + 6);
  add('ipv4', 'flags, fragment offset', 2, `${ff & 0x4000 ? 'DF ' : ''}${ff & 0x2000 ? 'MF ' : ''}offset ${(ff & 0x1fff) * 8}`);
  add('ipv4', 'TTL', 1, String(b[ip + 8]));
  add('ipv4', 'protocol', 1, `${proto} (${proto === 6 ? 'TCP' : proto === 17 ? 'UDP' : proto === 1 ? 'ICMP' : '?'})`);
  add('ipv4', 'header checksum', 2, `0x${u16(b, ip + 10).toString(16).padStart(4, '0')} ${csumOk ? '(correct)' : '(wrong)'}`, !csumOk);
  add('ipv4', 'source', 4, ipStr(b, ip + 12));
  add('ipv4', 'destination', 4, ipStr(b, ip + 16));
  if (ihl > 20) add('ipv4', 'options', ihl - 20, hex(b, ip + 20, ip + ihl));
  const src = ipStr(b, ip + 12);
  const dst = ipStr(b, ip + 16);
  const end = Math.min(bodyEnd, ip + Math.max(total, ihl));
  let q = ip + ihl;
  const pseudo = onesSum(b, ip + 12, ip + 20, proto + (end - q));
  const fragment = (ff & 0x1fff) !== 0;
  if (fragment) {
    add('payload', 'fragment data', end - q, `${end - q} bytes`);
    return `IPv4 ${src} → ${dst} fragment`;
  }
  if (proto === 17 && end - q >= 8) {
    const sp = u16(b, q);
    const dp = u16(b, q + 2);
    const ok = u16(b, q + 6) === 0 || onesSum(b, q, end, pseudo) === 0xffff;
    add('udp', 'source port', 2, String(sp));
    add('udp', 'destination port', 2, String(dp));
    add('udp', 'length', 2, String(u16(b, q + 4)));
    add('udp', 'checksum', 2, `0x${u16(b, q + 6).toString(16).padStart(4, '0')} ${ok ? '(correct)' : '(wrong)'}`, !ok);
    q += 8;
    if (end > q) add('payload', sp === 53 || dp === 53 ? 'DNS message' : 'data', end - q, `${end - q} bytes: ${hex(b, q, Math.min(end, q + 12))}${end - q > 12 ? ' …' : ''}`);
    setP(end);
    return `UDP ${src}:${sp} → ${dst}:${dp}${sp === 53 || dp === 53 ? ' (DNS)' : ''} len ${end - q}`;
  }
  if (proto === 6 && end - q >= 20) {
    const sp = u16(b, q);
    const dp = u16(b, q + 2);
    const seq = u32(b, q + 4);
    const ack = u32(b, q + 8);
    const off = (b[q + 12] >> 4) * 4;
    const flags = ((b[q + 12] & 1) << 8) | b[q + 13];
    const ok = onesSum(b, q, end, pseudo) === 0xffff;
    const names = tcpFlagNames(flags);
    add('tcp', 'source port', 2, String(sp));
    add('tcp', 'destination port', 2, String(dp));
    add('tcp', 'sequence number', 4, String(seq));
    add('tcp', 'acknowledgment number', 4, String(ack));
    add('tcp', 'data offset, flags', 2, `${off} bytes, ${names.join(' ') || 'none'}`);
    add('tcp', 'window', 2, String(u16(b, q + 14)));
    add('tcp', 'checksum', 2, `0x${u16(b, q + 16).toString(16).padStart(4, '0')} ${ok ? '(correct)' : '(wrong)'}`, !ok);
    add('tcp', 'urgent pointer', 2, String(u16(b, q + 18)));
    if (off > 20) add('tcp', 'options', Math.min(off, end - q) - 20, hex(b, q + 20, Math.min(q + off, end)));
    q += Math.max(20, Math.min(off, end - q));
    const len = end - q;
    if (len > 0) add('payload', 'data', len, printable(b.subarray(q, end)));
    setP(end);
    return `TCP ${src}:${sp} → ${dst}:${dp} [${names.join(' ')}] seq ${seq}${flags & 0x10 ? ` ack ${ack}` : ''} len ${len}`;
  }
  if (proto === 1 && end - q >= 8) {
    const t = b[q];
    add('icmp', 'type, code', 2, `${t}, ${b[q + 1]} (${t === 8 ? 'echo request' : t === 0 ? 'echo reply' : t === 11 ? 'time exceeded' : t === 3 ? 'unreachable' : '?'})`);
    add('icmp', 'checksum', 2, `0x${u16(b, q + 2).toString(16).padStart(4, '0')}`);
    add('icmp', 'rest of header', 4, hex(b, q + 4, q + 8));
    q += 8;
    if (end > q) add('payload', 'data', end - q, `${end - q} bytes`);
    setP(end);
    return `ICMP ${src} → ${dst} ${t === 8 ? 'echo request' : t === 0 ? 'echo reply' : `type ${t}`}`;
  }
  setP(q);
  return `IPv4 ${src} → ${dst} protocol ${proto}`;
}

function printable(b: Uint8Array): string {
  const s = Array.from(b.subarray(0, 48), (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : x === 10 ? '↵' : x === 13 ? '' : '·')).join('');
  return `${b.length} bytes: "${s}${b.length > 48 ? '…' : ''}"`;
}

/** The PHY kind of a link from its bit time. */
export function phyKindOf(bitTimeNs: number): PhyKind {
  return bitTimeNs >= 100 ? '10BASE-T' : bitTimeNs >= 10 ? '100BASE-TX' : '1000BASE-X';
}

/** The line code of `line` (preamble … FCS) as its PHY sends it: code groups and levels. */
export function lineCode(line: Uint8Array, kind: PhyKind): LineStream {
  return createLineCodec(kind).encodeFrame(line);
}
