/**
 * Helpers for the stack tests: address parsing, packet builders on top of the wire codecs, a
 * one-line frame summary so tests read like `tcpdump` traces, and small topologies of
 * {@link NetStack}s over {@link TestDevice}s.
 */
import { Simulator } from '../../sim/simulator.js';
import { NetStack, type NetStackOptions } from '../../stack/host.js';
import type { IcmpErrorInfo, IpDelivery } from '../../stack/ip/ipv4.js';
import { TestDevice, type SentFrame } from '../../stack/testdev.js';
import { ARP_OP, parseArp } from '../../stack/wire/arp.js';
import { WireError } from '../../stack/wire/error.js';
import { ETHERTYPE, emitEthernet, formatMac, parseEthernet } from '../../stack/wire/ethernet.js';
import { emitIcmp, parseIcmp, type IcmpRepr } from '../../stack/wire/icmp.js';
import { IP_PROTOCOL, NO_IPV4_OPTIONS, emitIpv4, formatIpv4Addr, ipv4BufferLen, parseIpv4, parseIpv4Addr, type Ipv4Option, type Ipv4Repr } from '../../stack/wire/ipv4.js';
import { emitUdp, parseUdp } from '../../stack/wire/udp.js';

export { hex, toHex } from './wire/helpers.js';

/** A dotted quad as uint32 (throws on typos). */
export function ip(s: string): number {
  const v = parseIpv4Addr(s);
  if (v === undefined) throw new Error(`bad address ${s}`);
  return v;
}

/** MACs the helpers give devices: 02:00:00:00:00:NN. */
export function mac(n: number): number {
  return 0x02_00_00_00_00_00 + n;
}

/** An IPv4 packet with defaults (id 1, TTL 64, no flags, no options). */
export function ipv4(fields: Partial<Ipv4Repr> & { src: number; dst: number; protocol: number; payload: Uint8Array }): Uint8Array {
  const repr: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    ident: 1,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    options: NO_IPV4_OPTIONS,
    ...fields,
  };
  const b = new Uint8Array(ipv4BufferLen(repr));
  emitIpv4(repr, b);
  return b;
}

/** A UDP datagram (with checksum) as an IP payload. */
export function udp(src: number, dst: number, srcPort: number, dstPort: number, data: Uint8Array, hasChecksum = true): Uint8Array {
  const b = new Uint8Array(8 + data.length);
  emitUdp({ srcPort, dstPort, hasChecksum, payload: data }, b, src, dst);
  return b;
}

/** An ICMP message as an IP payload. */
export function icmp(repr: IcmpRepr): Uint8Array {
  const len = 8 + (repr.kind === 'destUnreachable' || repr.kind === 'timeExceeded' ? repr.invoking.length : repr.data.length);
  const b = new Uint8Array(len);
  emitIcmp(repr, b);
  return b;
}

/** An Ethernet frame. */
export function eth(dst: number, src: number, ethertype: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(14 + payload.length);
  emitEthernet({ dst, src, ethertype, payload }, b);
  return b;
}

/** Bytes 0, 1, 2, … (mod 256). */
export function seqBytes(n: number, start = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (start + i) & 0xff;
  return b;
}

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

function icmpText(r: IcmpRepr): string {
  switch (r.kind) {
    case 'echoRequest':
      return `icmp echo request id ${r.id} seq ${r.seq} len ${r.data.length}`;
    case 'echoReply':
      return `icmp echo reply id ${r.id} seq ${r.seq} len ${r.data.length}`;
    case 'destUnreachable':
      return `icmp unreachable code ${r.code}${r.nextHopMtu ? ` mtu ${r.nextHopMtu}` : ''} about [${ipText(r.invoking, true)}]`;
    case 'timeExceeded':
      return `icmp time exceeded code ${r.code} about [${ipText(r.invoking, true)}]`;
    case 'other':
      return `icmp type ${r.type} code ${r.code}`;
  }
}

function ipText(b: Uint8Array, quoted = false): string {
  const p = parseIpv4(b, { verifyChecksum: !quoted });
  if (p instanceof WireError) {
    if (quoted && b.length >= 20) {
      const a32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      return `${formatIpv4Addr(a32(12))} > ${formatIpv4Addr(a32(16))} ${PROTO[b[9]] ?? `proto ${b[9]}`}`;
    }
    return `bad ip (${p.message})`;
  }
  let s = `${formatIpv4Addr(p.src)} > ${formatIpv4Addr(p.dst)} ttl ${p.ttl} id ${p.ident}`;
  if (p.fragmentOffset || p.moreFragments) s += ` frag ${p.fragmentOffset}${p.moreFragments ? '+' : ''}`;
  if (p.dontFragment) s += ' DF';
  if (quoted) return `${formatIpv4Addr(p.src)} > ${formatIpv4Addr(p.dst)} ${PROTO[p.protocol] ?? `proto ${p.protocol}`}`;
  if (p.fragmentOffset !== 0) return `${s} ${PROTO[p.protocol] ?? `proto ${p.protocol}`} len ${p.payload.length}`;
  if (p.protocol === IP_PROTOCOL.ICMP) {
    const r = parseIcmp(p.payload);
    return `${s} ${r instanceof WireError ? `bad icmp (${r.message})` : icmpText(r)}`;
  }
  if (p.protocol === IP_PROTOCOL.UDP && !p.moreFragments) {
    const u = parseUdp(p.payload, p.src, p.dst);
    return `${s} ${u instanceof WireError ? `bad udp (${u.message})` : `udp ${u.srcPort} > ${u.dstPort} len ${u.payload.length}`}`;
  }
  return `${s} ${PROTO[p.protocol] ?? `proto ${p.protocol}`} len ${p.payload.length}`;
}

/** A `tcpdump`-like one-line summary of an Ethernet frame. */
export function summarize(frame: Uint8Array): string {
  const e = parseEthernet(frame);
  if (e instanceof WireError) return `bad frame (${e.message})`;
  const head = `${formatMac(e.src)} > ${formatMac(e.dst)}`;
  if (e.ethertype === ETHERTYPE.ARP) {
    const a = parseArp(e.payload);
    if (a instanceof WireError) return `${head} bad arp`;
    if (a.operation === ARP_OP.REQUEST) return `${head} arp who-has ${formatIpv4Addr(a.targetIp)} tell ${formatIpv4Addr(a.senderIp)}`;
    if (a.operation === ARP_OP.REPLY) return `${head} arp reply ${formatIpv4Addr(a.senderIp)} is-at ${formatMac(a.senderHw)}`;
    return `${head} arp op ${a.operation}`;
  }
  if (e.ethertype === ETHERTYPE.IPV4) return `${head} ${ipText(e.payload)}`;
  return `${head} ethertype 0x${e.ethertype.toString(16)}`;
}

/** Summaries of sent frames, each prefixed with its simulated time in ns (ARP left out with `noArp`). */
export function trace(frames: readonly SentFrame[], opts: { noArp?: boolean } = {}): string[] {
  const lines = frames.map((f) => `${f.time} ${summarize(f.frame)}`);
  return opts.noArp ? lines.filter((l) => !/ arp /.test(l)) : lines;
}

/** The IPv4 packet inside a frame. */
export function ipOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(14);
}

/** A transport handler that records deliveries and errors (payloads copied). */
export function recorder(): { got: (IpDelivery & { data: Uint8Array })[]; errors: IcmpErrorInfo[]; receive(d: IpDelivery): void; icmpError(e: IcmpErrorInfo): void } {
  const got: (IpDelivery & { data: Uint8Array })[] = [];
  const errors: IcmpErrorInfo[] = [];
  return {
    got,
    errors,
    receive(d) {
      got.push({ ...d, data: d.payload.slice() });
    },
    icmpError(e) {
      errors.push({ ...e, original: { ...e.original, payload: e.original.payload.slice() } });
    },
  };
}

/** Two hosts on one link: a = 10.0.0.1/24 (MAC …:01), b = 10.0.0.2/24 (MAC …:02); no announcements; no transports unless the options add them. */
export function twoHosts(opts: { a?: Partial<NetStackOptions>; b?: Partial<NetStackOptions>; mtu?: number; latencyNs?: number } = {}) {
  const sim = new Simulator({ seed: 7 });
  const [da, db] = TestDevice.pair(sim, { macs: [mac(1), mac(2)], names: ['eth0', 'eth0'], mtu: opts.mtu, latencyNs: opts.latencyNs });
  const a = new NetStack(sim, { name: 'a', firstIpId: 100, udp: false, ...opts.a });
  const b = new NetStack(sim, { name: 'b', firstIpId: 200, udp: false, ...opts.b });
  const ia = a.addInterface(da, { address: '10.0.0.1', prefixLength: 24, announce: false });
  const ib = b.addInterface(db, { address: '10.0.0.2', prefixLength: 24, announce: false });
  return { sim, a, b, da, db, ia, ib };
}

/**
 * A routed topology: host h (192.168.1.10/24, MAC …:10) — router r (192.168.1.1 on r0, MAC …:11;
 * 203.0.113.1/24 on r1, MAC …:21) — server s (203.0.113.7/24, MAC …:27). h and s use r as their
 * default gateway. Optionally the link r1–s has another MTU. No transports unless the options add them.
 */
export function routed(opts: { r?: Partial<NetStackOptions>; h?: Partial<NetStackOptions>; s?: Partial<NetStackOptions>; mtu2?: number } = {}) {
  const sim = new Simulator({ seed: 11 });
  const [dh, dr0] = TestDevice.pair(sim, { macs: [mac(0x10), mac(0x11)], names: ['eth0', 'r0'] });
  const [dr1, ds] = TestDevice.pair(sim, { macs: [mac(0x21), mac(0x27)], names: ['r1', 'eth0'], mtu: opts.mtu2 });
  const h = new NetStack(sim, { name: 'h', firstIpId: 1000, udp: false, ...opts.h });
  const r = new NetStack(sim, { name: 'r', forwarding: true, firstIpId: 2000, udp: false, ...opts.r });
  const s = new NetStack(sim, { name: 's', firstIpId: 3000, udp: false, ...opts.s });
  const ih = h.addInterface(dh, { address: '192.168.1.10', prefixLength: 24, announce: false });
  const ir0 = r.addInterface(dr0, { address: '192.168.1.1', prefixLength: 24, announce: false });
  const ir1 = r.addInterface(dr1, { address: '203.0.113.1', prefixLength: 24, announce: false });
  const is = s.addInterface(ds, { address: '203.0.113.7', prefixLength: 24, announce: false });
  h.routes.setDefaultGateway('192.168.1.1');
  s.routes.setDefaultGateway('203.0.113.1');
  return { sim, h, r, s, dh, dr0, dr1, ds, ih, ir0, ir1, is };
}

/** The sum of the rx identity: every rx-drop and rx-ok counter plus the fragments still held. */
export function rxAccounted(stack: NetStack): number {
  return stack.counters.sum('rx-drop') + stack.counters.sum('rx-ok') + stack.ip.reassembler.heldFragments;
}

/** Non-zero counters of one kind. */
export function nonZero(stack: NetStack, kind?: 'rx-drop' | 'rx-ok' | 'tx-drop' | 'stat'): Record<string, number> {
  return stack.counters.snapshot({ kind, nonZero: true });
}

/** Options as the IPv4 codec takes them. */
export function opt(type: number, data: number[]): Ipv4Option {
  return { type, data: Uint8Array.from(data) };
}

