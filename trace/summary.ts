/**
 * One-line protocol summaries of Ethernet frames, in the vocabulary of Wireshark's Info column,
 * tcpdump and the book: `ARP who-has 10.0.0.2 tell 10.0.0.1`, `ICMP echo request id=1 seq=1`,
 * `DNS A? server.lan`, `UDP 10.0.0.1:5000 → 10.0.0.2:53 len=31`,
 * `TCP 10.0.0.1:40000 → 10.0.0.2:80 [SYN, ACK] seq=1 ack=2 win=65160 len=0 mss=1460 ws=7 sack_perm`,
 * `EtherType 0x88b5, 60 bytes`.
 *
 * Guarantees: {@link summarizeFrame} and {@link summarizeWireFrame} never throw, on any bytes
 * (random ones included); they decode with the `stack/wire` codecs, which return errors instead
 * of throwing, and fall back to saying what could not be decoded (`(truncated)`, `(bad IP
 * checksum)`…). Checksums are reported, not enforced: a frame with a wrong checksum is still
 * summarized, with a note.
 *
 * TCP sequence numbers are absolute (no connection tracking); of the options only MSS, window
 * scale, SACK-permitted and the number of SACK blocks are shown.
 *
 * Not decoded: IPv6, LLC/SNAP payloads, IPv4 options,
 * DNS rdata other than A.
 * @module
 */
import type { WireFrame } from '../hw/medium/types.js';
import { findFrameStart, FCS_LEN, MIN_FRAME } from '../hw/mac/framing.js';
import { fcsValid } from '../hw/mac/fcs.js';
import { readU16, readU32 } from '../stack/wire/bytes.js';
import { WireError } from '../stack/wire/error.js';
import { EthernetFrame, ETHERTYPE, formatMac } from '../stack/wire/ethernet.js';
import { ARP_OP, parseArp } from '../stack/wire/arp.js';
import { Ipv4Packet, IP_PROTOCOL, formatIpv4Addr, type Ipv4Addr } from '../stack/wire/ipv4.js';
import { IcmpPacket, ICMP_TYPE, ICMP_UNREACH, ICMP_TIME_EXCEEDED, parseIcmp, type IcmpRepr } from '../stack/wire/icmp.js';
import { UdpPacket, UDP_PORT, parseUdp } from '../stack/wire/udp.js';
import { TcpSegment, TCP_FLAG, parseTcpOptions, tcpOptionsSummary } from '../stack/wire/tcp.js';
import { DNS_RCODE, DNS_TYPE, dnsRecordType, parseDns, type DnsRepr } from '../stack/wire/dns.js';

/** Options of {@link summarizeFrame}. */
export interface SummaryOptions {
  /**
   * Whether `frame` ends with its 4-byte FCS: `true` (strip it), `false` (there is none), or
   * `'auto'` (the default: strip the last four bytes when they are the valid FCS of the rest).
   */
  readonly fcs?: boolean | 'auto';
}

const ARROW = '→';

/**
 * A one-line summary of an Ethernet frame given from the destination address on (no preamble or
 * SFD), with or without its FCS (see {@link SummaryOptions.fcs}). Never throws.
 */
export function summarizeFrame(frame: Uint8Array, opts: SummaryOptions = {}): string {
  try {
    const mode = opts.fcs ?? 'auto';
    const hasFcs = mode === 'auto' ? frame.length >= 18 && fcsValid(frame) : mode;
    const body = hasFcs && frame.length >= FCS_LEN ? frame.subarray(0, frame.length - FCS_LEN) : frame;
    return ethernet(body);
  } catch {
    // Unreachable by design (the codecs never throw); the promise not to throw holds regardless.
    return `Ethernet, ${frame.length} bytes (not decoded)`;
  }
}

/**
 * A one-line summary of a frame as it was on the line: preamble and SFD are stripped (a shortened
 * preamble is tolerated, as by a receiver), the FCS checked and removed, and problems noted:
 * `(no SFD)`, `(runt)` (under 64 octets with FCS), `(bad FCS)`. Never throws.
 */
export function summarizeWireFrame(wf: WireFrame): string {
  try {
    const line = wf.bytes;
    const start = findFrameStart(line);
    if (start < 0) return `(no SFD) ${line.length} bytes on the line`;
    const frame = line.subarray(start);
    let notes = '';
    if (frame.length < MIN_FRAME) notes += ' (runt)';
    if (!fcsValid(frame)) notes += ' (bad FCS)';
    const body = frame.length >= FCS_LEN ? frame.subarray(0, frame.length - FCS_LEN) : frame;
    return ethernet(body) + notes;
  } catch {
    return `(not decoded) ${wf.bytes.length} bytes on the line`;
  }
}

// ---------------------------------------------------------------------------------------------
// Ethernet and ARP

function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

function ethernet(b: Uint8Array): string {
  const f = new EthernetFrame(b);
  if (f.check() !== undefined) return `Ethernet (truncated, ${b.length} bytes)`;
  let prefix = '';
  if (f.tagged) {
    const tci = f.tci;
    prefix = `802.1Q vid=${tci & 0x0fff}${tci >>> 13 ? ` pcp=${tci >>> 13}` : ''}: `;
  }
  const type = f.ethertype;
  const payload = f.payload;
  if (type < 0x0600) return `${prefix}IEEE 802.3 LLC, length ${type}, ${b.length} bytes`;
  switch (type) {
    case ETHERTYPE.ARP:
      return prefix + arp(payload);
    case ETHERTYPE.IPV4:
      return prefix + ipv4(payload);
    case ETHERTYPE.IPV6:
      return `${prefix}EtherType ${hex4(type)} (IPv6), ${b.length} bytes`;
    default:
      return `${prefix}EtherType ${hex4(type)}, ${b.length} bytes`;
  }
}

function arp(b: Uint8Array): string {
  const r = parseArp(b);
  if (r instanceof WireError) return `ARP (${detail(r)})`;
  const spa = formatIpv4Addr(r.senderIp);
  const tpa = formatIpv4Addr(r.targetIp);
  if (r.operation === ARP_OP.REQUEST) {
    return r.senderIp === r.targetIp ? `ARP announcement ${spa}` : `ARP who-has ${tpa} tell ${spa}`;
  }
  if (r.operation === ARP_OP.REPLY) return `ARP ${spa} is-at ${formatMac(r.senderHw)}`;
  return `ARP op=${r.operation} ${spa} ${ARROW} ${tpa}`;
}

/** A WireError's message without the protocol prefix (`ipv4: shorter than IHL` → `shorter than IHL`). */
function detail(e: WireError): string {
  const i = e.message.indexOf(': ');
  return i >= 0 ? e.message.slice(i + 2) : e.message;
}

// ---------------------------------------------------------------------------------------------
// IPv4

function protoName(p: number): string {
  switch (p) {
    case IP_PROTOCOL.ICMP:
      return 'ICMP';
    case IP_PROTOCOL.IGMP:
      return 'IGMP';
    case IP_PROTOCOL.TCP:
      return 'TCP';
    case IP_PROTOCOL.UDP:
      return 'UDP';
    default:
      return `proto=${p}`;
  }
}

function ipv4(b: Uint8Array): string {
  const p = new Ipv4Packet(b);
  const err = p.check();
  if (err !== undefined) {
    if (b.length >= 20 && p.version === 4) return `IPv4 ${formatIpv4Addr(p.src)} ${ARROW} ${formatIpv4Addr(p.dst)} ${protoName(p.protocol)} (${detail(err)})`;
    return `IPv4 (${detail(err)})`;
  }
  const src = p.src;
  const dst = p.dst;
  const note = p.checksumOk() ? '' : ' (bad IP checksum)';
  const payload = p.payload;
  const offset = p.fragmentOffset;
  if (p.moreFragments || offset > 0) {
    return `IPv4 fragment id=${p.ident} off=${offset}${p.moreFragments ? ' MF' : ''} ${protoName(p.protocol)} ${formatIpv4Addr(src)} ${ARROW} ${formatIpv4Addr(dst)} len=${payload.length}${note}`;
  }
  switch (p.protocol) {
    case IP_PROTOCOL.ICMP:
      return icmp(payload) + note;
    case IP_PROTOCOL.UDP:
      return udp(payload, src, dst) + note;
    case IP_PROTOCOL.TCP:
      return tcp(payload, src, dst) + note;
    default:
      return `IPv4 ${formatIpv4Addr(src)} ${ARROW} ${formatIpv4Addr(dst)} ${protoName(p.protocol)} len=${payload.length}${note}`;
  }
}

/** `10.0.0.1:5000 → 10.0.0.2:53` from the first four bytes of a UDP or TCP header. */
function endpoints(src: Ipv4Addr, dst: Ipv4Addr, b: Uint8Array): string {
  return `${formatIpv4Addr(src)}:${readU16(b, 0)} ${ARROW} ${formatIpv4Addr(dst)}:${readU16(b, 2)}`;
}

const TCP_FLAG_NAMES: readonly (readonly [number, string])[] = [
  [TCP_FLAG.FIN, 'FIN'],
  [TCP_FLAG.SYN, 'SYN'],
  [TCP_FLAG.RST, 'RST'],
  [TCP_FLAG.PSH, 'PSH'],
  [TCP_FLAG.ACK, 'ACK'],
  [TCP_FLAG.URG, 'URG'],
  [TCP_FLAG.ECE, 'ECE'],
  [TCP_FLAG.CWR, 'CWR'],
  [TCP_FLAG.NS, 'NS'],
];

/** `[SYN, ACK]`, in Wireshark's order; `[<None>]` without flags. */
function tcpFlags(flags: number): string {
  const names = TCP_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  return `[${names.length > 0 ? names.join(', ') : '<None>'}]`;
}

function tcp(b: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): string {
  if (b.length < 4) return `TCP ${formatIpv4Addr(src)} ${ARROW} ${formatIpv4Addr(dst)} (truncated)`;
  const s = new TcpSegment(b);
  const err = s.check();
  if (err !== undefined) return `TCP ${endpoints(src, dst, b)} (${detail(err)})`;
  const flags = s.flags;
  let text = `TCP ${endpoints(src, dst, b)} ${tcpFlags(flags)} seq=${s.seq}`;
  if ((flags & TCP_FLAG.ACK) !== 0) text += ` ack=${s.ack}`;
  text += ` win=${s.window} len=${s.payload.length}`;
  const opts = parseTcpOptions(s.optionBytes);
  if (opts instanceof WireError) text += ` (${detail(opts)})`;
  else {
    const o = tcpOptionsSummary(opts);
    if (o.mss !== undefined) text += ` mss=${o.mss}`;
    if (o.wscale !== undefined) text += ` ws=${o.wscale}`;
    if (o.sackPermitted) text += ' sack_perm';
    if (o.sack !== undefined) text += ` sack=${o.sack.length}`;
  }
  return s.checksumOk(src, dst) ? text : `${text} (bad TCP checksum)`;
}

function udp(b: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): string {
  const r = parseUdp(b, src, dst, { verifyChecksum: false });
  if (r instanceof WireError) {
    return b.length >= 4 ? `UDP ${endpoints(src, dst, b)} (${detail(r)})` : `UDP ${formatIpv4Addr(src)} ${ARROW} ${formatIpv4Addr(dst)} (${detail(r)})`;
  }
  const note = new UdpPacket(b).checksumOk(src, dst) ? '' : ' (bad UDP checksum)';
  const plain = `UDP ${endpoints(src, dst, b)} len=${r.payload.length}`;
  if (r.srcPort === UDP_PORT.DNS || r.dstPort === UDP_PORT.DNS) {
    const d = parseDns(r.payload);
    return (d instanceof WireError ? `${plain} (bad DNS: ${detail(d)})` : dns(d)) + note;
  }
  return plain + note;
}

// ---------------------------------------------------------------------------------------------
// ICMP

const UNREACH_NAMES: Readonly<Record<number, string>> = {
  [ICMP_UNREACH.NET]: 'net',
  [ICMP_UNREACH.HOST]: 'host',
  [ICMP_UNREACH.PROTOCOL]: 'protocol',
  [ICMP_UNREACH.PORT]: 'port',
  [ICMP_UNREACH.FRAG_NEEDED]: 'fragmentation needed',
  [ICMP_UNREACH.SOURCE_ROUTE_FAILED]: 'source route failed',
  [ICMP_UNREACH.NET_UNKNOWN]: 'net unknown',
  [ICMP_UNREACH.HOST_UNKNOWN]: 'host unknown',
  [ICMP_UNREACH.HOST_ISOLATED]: 'host isolated',
  [ICMP_UNREACH.NET_PROHIBITED]: 'net prohibited',
  [ICMP_UNREACH.HOST_PROHIBITED]: 'host prohibited',
  [ICMP_UNREACH.NET_TOS]: 'net TOS',
  [ICMP_UNREACH.HOST_TOS]: 'host TOS',
  [ICMP_UNREACH.ADMIN_PROHIBITED]: 'administratively prohibited',
};

const OTHER_ICMP_NAMES: Readonly<Record<number, string>> = {
  [ICMP_TYPE.SOURCE_QUENCH]: 'source quench',
  [ICMP_TYPE.REDIRECT]: 'redirect',
  [ICMP_TYPE.PARAMETER_PROBLEM]: 'parameter problem',
  [ICMP_TYPE.TIMESTAMP]: 'timestamp request',
  [ICMP_TYPE.TIMESTAMP_REPLY]: 'timestamp reply',
};

/** ` for UDP 10.0.0.1:5000 → 10.0.0.2:53`: what the invoking datagram quoted in an ICMP error was. */
function invoking(b: Uint8Array): string {
  if (b.length < 20 || b[0] >>> 4 !== 4) return '';
  const hl = (b[0] & 0x0f) << 2;
  const proto = b[9];
  const src = readU32(b, 12);
  const dst = readU32(b, 16);
  if (hl >= 20 && (proto === IP_PROTOCOL.UDP || proto === IP_PROTOCOL.TCP) && b.length >= hl + 4) {
    return ` for ${protoName(proto)} ${endpoints(src, dst, b.subarray(hl))}`;
  }
  return ` for ${protoName(proto)} ${formatIpv4Addr(src)} ${ARROW} ${formatIpv4Addr(dst)}`;
}

function icmp(b: Uint8Array): string {
  const r: IcmpRepr | WireError = parseIcmp(b, { verifyChecksum: false });
  if (r instanceof WireError) return `ICMP (${detail(r)})`;
  const note = new IcmpPacket(b).checksumOk() ? '' : ' (bad ICMP checksum)';
  switch (r.kind) {
    case 'echoRequest':
      return `ICMP echo request id=${r.id} seq=${r.seq}${note}`;
    case 'echoReply':
      return `ICMP echo reply id=${r.id} seq=${r.seq}${note}`;
    case 'destUnreachable': {
      const what = UNREACH_NAMES[r.code] ?? `code ${r.code}`;
      const mtu = r.code === ICMP_UNREACH.FRAG_NEEDED && r.nextHopMtu > 0 ? `, mtu=${r.nextHopMtu}` : '';
      return `ICMP destination unreachable (${what}${mtu})${invoking(r.invoking)}${note}`;
    }
    case 'timeExceeded': {
      const what = r.code === ICMP_TIME_EXCEEDED.TTL ? 'TTL' : r.code === ICMP_TIME_EXCEEDED.REASSEMBLY ? 'reassembly' : `code ${r.code}`;
      return `ICMP time exceeded (${what})${invoking(r.invoking)}${note}`;
    }
    case 'other': {
      const name = OTHER_ICMP_NAMES[r.type];
      return `ICMP ${name ?? `type=${r.type}`} code=${r.code}${note}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DNS

const DNS_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(DNS_TYPE).map(([k, v]) => [v, k]));
const DNS_RCODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(DNS_RCODE).map(([k, v]) => [v, k]));

function typeName(t: number): string {
  return DNS_TYPE_NAMES[t] ?? `TYPE${t}`;
}

function nameText(n: string): string {
  return n === '' ? '.' : n;
}

function dns(d: DnsRepr): string {
  const q = d.questions[0];
  const more = d.questions.length > 1 ? ` (+${d.questions.length - 1} questions)` : '';
  if (d.opcode !== 0) return `DNS opcode=${d.opcode}${d.response ? ' response' : ''}`;
  if (!d.response) return q === undefined ? 'DNS query (no question)' : `DNS ${typeName(q.type)}? ${nameText(q.name)}${more}`;
  if (d.rcode !== 0) {
    const rc = DNS_RCODE_NAMES[d.rcode] ?? `rcode=${d.rcode}`;
    return q === undefined ? `DNS ${rc}` : `DNS ${typeName(q.type)} ${nameText(q.name)}: ${rc}`;
  }
  if (d.answers.length === 0) return q === undefined ? 'DNS response (empty)' : `DNS ${typeName(q.type)} ${nameText(q.name)}: no answer`;
  // Group consecutive answers by (type, name): `A server.lan = 10.0.1.2, 10.0.1.3`.
  const parts: string[] = [];
  let key = '';
  for (const a of d.answers) {
    const k = `${typeName(dnsRecordType(a))} ${nameText(a.name)}`;
    const value = a.kind === 'a' ? formatIpv4Addr(a.address) : '';
    if (k === key && value !== '') {
      parts[parts.length - 1] += `, ${value}`;
      continue;
    }
    key = k;
    parts.push(value !== '' ? `${k} = ${value}` : k);
  }
  return `DNS ${parts.join('; ')}`;
}

// ---------------------------------------------------------------------------------------------
// TCP as the book's figures draw it

/** The book's name of a segment's flags: `SYN`, `SYN,ACK`, `ACK`, `FIN,ACK`, `RST`; '' for plain data. */
function bookFlags(flags: number, len: number): string {
  const syn = (flags & TCP_FLAG.SYN) !== 0;
  const fin = (flags & TCP_FLAG.FIN) !== 0;
  const rst = (flags & TCP_FLAG.RST) !== 0;
  const ack = (flags & TCP_FLAG.ACK) !== 0;
  const names = [syn && 'SYN', fin && 'FIN', rst && 'RST', ack && (syn || fin || rst || len === 0) && 'ACK'].filter(Boolean);
  return names.join(',');
}

/** What an HTTP message in a segment's payload starts with (`GET /`, `200 OK`), or ''. */
function httpStart(p: Uint8Array): string {
  const head = String.fromCharCode(...p.subarray(0, 64));
  const req = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS) (\S{1,24})\S* HTTP\/1\.[01]\r?\n/.exec(head);
  if (req) return `${req[1]} ${req[2]}`;
  const res = /^HTTP\/1\.[01] (\d{3}) ([^\r\n]{0,24})/.exec(head);
  return res ? `${res[1]} ${res[2]}` : '';
}

/**
 * Labels TCP segments as the book's figures do — `SYN seq=0 win=65535 mss=1460`,
 * `ACK seq=1 ack=1`, `seq=1 ack=82 len=1448` — with sequence numbers relative to each direction's
 * initial sequence number (learned from the SYNs it has seen, as Wireshark's "relative sequence
 * numbers"), the start of an HTTP message when a segment carries one, and notes: a segment sent
 * again by the same endpoint is a `(retransmission)`, a bad checksum is `(bad TCP checksum)`.
 * Feed it frames in the order they were sent. Never throws; null for frames that are not TCP.
 */
export class TcpLabeler {
  private readonly isn = new Map<string, number>();
  private readonly sent = new Map<string, number>(); // segment key + sender → frame id first seen
  private readonly labels = new WeakMap<Uint8Array, string>(); // by the octets: a damaged copy gets its own label

  /** The label of the TCP segment in `wf` (a frame on the line), or null when it carries none. */
  label(wf: WireFrame): string | null {
    const cached = this.labels.get(wf.bytes);
    if (cached !== undefined) return cached;
    try {
      const start = findFrameStart(wf.bytes);
      if (start < 0) return null;
      const frame = wf.bytes.subarray(start);
      if (frame.length < 14 + 20 + 20 + FCS_LEN || readU16(frame, 12) !== ETHERTYPE.IPV4) return null;
      const ip = new Ipv4Packet(frame.subarray(14, frame.length - FCS_LEN));
      if (ip.check() !== undefined || ip.protocol !== IP_PROTOCOL.TCP || ip.fragmentOffset !== 0 || ip.moreFragments) return null;
      const b = ip.payload;
      const s = new TcpSegment(b);
      if (s.check() !== undefined) return null;
      const flags = s.flags;
      const key = `${ip.src}:${s.srcPort}>${ip.dst}:${s.dstPort}`;
      const back = `${ip.dst}:${s.dstPort}>${ip.src}:${s.srcPort}`;
      if ((flags & TCP_FLAG.SYN) !== 0) this.isn.set(key, s.seq);
      const isn = this.isn.get(key);
      const peer = this.isn.get(back);
      const len = s.payload.length;
      const rel = (v: number, base: number | undefined) => (base === undefined ? v : (v - base) >>> 0);
      const parts: string[] = [];
      const f = bookFlags(flags, len);
      const http = len > 0 ? httpStart(s.payload) : '';
      if (f) parts.push(f);
      if (http) parts.push(http);
      parts.push(`seq=${rel(s.seq, isn)}`);
      if ((flags & TCP_FLAG.ACK) !== 0) parts.push(`ack=${rel(s.ack, peer)}`);
      if ((flags & TCP_FLAG.SYN) !== 0) parts.push(`win=${s.window}`);
      if (len > 0) parts.push(`len=${len}`);
      const opts = parseTcpOptions(s.optionBytes);
      if (!(opts instanceof WireError)) {
        const o = tcpOptionsSummary(opts);
        if (o.mss !== undefined) parts.push(`mss=${o.mss}`);
        if (o.sack !== undefined && o.sack.length > 0) parts.push(`sack=${o.sack.map(([l, r]) => `${rel(l, peer)}-${rel(r, peer)}`).join(',')}`);
      }
      // the same segment sent again by the same endpoint (a switch or router copy has another sender)
      const segKey = `${key}|${s.seq}|${len}|${flags & (TCP_FLAG.SYN | TCP_FLAG.FIN | TCP_FLAG.RST)}|${wf.sender}`;
      const first = this.sent.get(segKey);
      if (first === undefined) this.sent.set(segKey, wf.id);
      let text = parts.join(' ');
      if (first !== undefined && first !== wf.id && (len > 0 || (flags & (TCP_FLAG.SYN | TCP_FLAG.FIN)) !== 0)) text += ' (retransmission)';
      if (!s.checksumOk(ip.src, ip.dst)) text += ' (bad TCP checksum)';
      this.labels.set(wf.bytes, text);
      return text;
    } catch {
      return null;
    }
  }
}
