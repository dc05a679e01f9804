/**
 * A small packetdrill-like harness: one host under test (10.0.0.1, a real NetStack with TCP over a
 * TestDevice) and a scripted peer (10.0.0.2) that injects segments and checks every segment the
 * host sends. Segments are written as packetdrill writes them, with sequence numbers relative to
 * each side's ISN:
 *
 *   d.inject('S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>')
 *   d.expect('S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val * ecr 100,nop,wscale 7>')
 *   d.inject('. 1:1(0) ack 1 win 1024')
 *   d.expectNothing()
 *
 * Flags: S F R P . (ACK); `start:end(len)`; `ack N`; `win N`; options in `<…>` (mss, sackOK, TS
 * val V ecr E, nop, eol, wscale N, sack L:R …). `*` matches any value; an expectation without
 * `<…>` does not check options, and one without `win` does not check the window. Time moves only
 * with {@link Drill.advance}; ARP is answered by the peer automatically and never expected.
 */
import { expect } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { NetStack } from '../../../stack/host.js';
import { Process } from '../../../stack/socket/api.js';
import { TestDevice } from '../../../stack/testdev.js';
import type { TcpOptions } from '../../../stack/tcp/tcp.js';
import { ARP_OP, emitArp } from '../../../stack/wire/arp.js';
import { ETHERTYPE } from '../../../stack/wire/ethernet.js';
import { IP_PROTOCOL } from '../../../stack/wire/ipv4.js';
import { TCP_FLAG, TcpSegment, emitTcp, parseTcpOptions, tcpBufferLen, type TcpOption } from '../../../stack/wire/tcp.js';
import { eth, ip, ipv4, mac, seqBytes } from '../helpers.js';

/** Our address, the peer's, and their MACs. */
export const US = ip('10.0.0.1');
export const PEER = ip('10.0.0.2');
const US_MAC = mac(1);
const PEER_MAC = mac(2);


interface Spec {
  flags: string;
  seq: number | '*';
  end: number | '*';
  len: number | '*';
  ack?: number | '*';
  win?: number | '*';
  options?: string[];
}

function parseLine(line: string): Spec {
  const m = /^\s*([SFRP.]+|-)\s+(\*|\d+):(\*|\d+)\((\*|\d+)\)(.*)$/.exec(line);
  if (m === null) throw new Error(`drill: cannot parse '${line}'`);
  const num = (s: string): number | '*' => (s === '*' ? '*' : Number(s));
  const spec: Spec = { flags: m[1] === '-' ? '' : m[1], seq: num(m[2]), end: num(m[3]), len: num(m[4]) };
  let rest = m[5];
  const o = /<([^>]*)>/.exec(rest);
  if (o !== null) {
    spec.options = o[1].split(',').map((x) => x.trim()).filter((x) => x !== '');
    rest = rest.replace(o[0], '');
  }
  const a = /\back\s+(\*|\d+)/.exec(rest);
  if (a !== null) spec.ack = num(a[1]);
  const w = /\bwin\s+(\*|\d+)/.exec(rest);
  if (w !== null) spec.win = num(w[1]);
  return spec;
}

function flagBits(f: string): number {
  let b = 0;
  for (const c of f) b |= c === 'S' ? TCP_FLAG.SYN : c === 'F' ? TCP_FLAG.FIN : c === 'R' ? TCP_FLAG.RST : c === 'P' ? TCP_FLAG.PSH : c === '.' ? TCP_FLAG.ACK : 0;
  return b;
}

function flagString(b: number): string {
  let s = '';
  if (b & TCP_FLAG.SYN) s += 'S';
  if (b & TCP_FLAG.FIN) s += 'F';
  if (b & TCP_FLAG.RST) s += 'R';
  if (b & TCP_FLAG.PSH) s += 'P';
  if (b & TCP_FLAG.ACK) s += '.';
  return s === '' ? '-' : s;
}

/** One segment the host sent, relative to the ISNs, formatted like the script. */
export interface Sent {
  /** Simulated time it was handed to the device. */
  time: number;
  /** The segment as a script line. */
  line: string;
  /** The parsed view. */
  seg: TcpSegment;
}

/** The harness (see the module comment). */
export class Drill {
  /** The simulator. */
  readonly sim: Simulator;
  /** The host under test. */
  readonly stack: NetStack;
  /** Its device. */
  readonly dev: TestDevice;
  /** A process on the host for socket calls. */
  readonly proc: Process;
  /** Our ISN, learned from the first SYN the host sends (or receives an ACK of). */
  ourIsn = -1;
  /** Port of the host's side (80 for a listener, learned from its SYN when it connects). */
  ourPort = 80;
  /** Port of the peer. */
  peerPort = 5000;
  /** The peer's ISN (relative 0 of what it sends). */
  readonly peerIsn: number;
  private outbox: Sent[] = [];

  /** A host with TCP (options as given) and a peer that already knows its MAC. */
  constructor(opts: { tcp?: TcpOptions; mtu?: number; seed?: number; peerIsn?: number } = {}) {
    this.peerIsn = opts.peerIsn ?? 1_000_000;
    this.sim = new Simulator({ seed: opts.seed ?? 1 });
    this.dev = new TestDevice(this.sim, { name: 'eth0', mac: US_MAC, mtu: opts.mtu });
    this.stack = new NetStack(this.sim, { name: 'h', udp: false, tcp: opts.tcp ?? {} });
    this.stack.addInterface(this.dev, { address: US, prefixLength: 24, announce: false });
    this.proc = new Process(this.stack, 'app');
    // the peer asks for our MAC first, so we learn its MAC from the request (no ARP later)
    const arp = new Uint8Array(28);
    emitArp({ operation: ARP_OP.REQUEST, senderHw: PEER_MAC, senderIp: PEER, targetHw: 0, targetIp: US }, arp);
    this.dev.inject(eth(0xffff_ffff_ffff, PEER_MAC, ETHERTYPE.ARP, arp));
    this.dev.takeSent();
    // and answers the host's ARP requests and probes as they are sent
    const transmit = this.dev.transmit.bind(this.dev);
    this.dev.transmit = (frame: Uint8Array) => {
      const r = transmit(frame);
      if (((frame[12] << 8) | frame[13]) === ETHERTYPE.ARP) this.answerArp(frame);
      return r;
    };
  }

  /** Runs the simulation for `ns` (processes resume as they are woken). */
  async advance(ns: number): Promise<void> {
    await this.sim.runForAsync(ns);
    this.collect();
  }

  /** Lets settled promises run without moving time. */
  async settle(): Promise<void> {
    await this.sim.runForAsync(0);
    this.collect();
  }

  /** Injects a segment from the peer (`payload` defaults to bytes 0, 1, 2… of the given length). */
  inject(line: string, opts: { payload?: Uint8Array; ourPort?: number; peerPort?: number; checksum?: 'bad' } = {}): void {
    const sp = parseLine(line);
    if (sp.seq === '*' || sp.len === '*') throw new Error('drill: inject needs numbers');
    const options = (sp.options ?? []).map((o) => this.option(o));
    const payload = opts.payload ?? seqBytes(sp.len);
    const seq = (this.peerIsn + sp.seq) >>> 0;
    const ack = sp.ack === undefined || sp.ack === '*' ? 0 : (this.ourIsn + sp.ack) >>> 0;
    const repr = {
      srcPort: opts.peerPort ?? this.peerPort,
      dstPort: opts.ourPort ?? this.ourPort,
      seq,
      ack,
      flags: flagBits(sp.flags),
      window: sp.win === undefined || sp.win === '*' ? 65535 : sp.win,
      urgent: 0,
      options,
      payload,
    };
    const seg = new Uint8Array(tcpBufferLen(repr));
    emitTcp(repr, seg, PEER, US);
    if (opts.checksum === 'bad') seg[16] ^= 0x40;
    this.dev.inject(eth(US_MAC, PEER_MAC, ETHERTYPE.IPV4, ipv4({ src: PEER, dst: US, protocol: IP_PROTOCOL.TCP, payload: seg })));
    this.collect();
  }

  /** The next segment the host sent, checked against `line` (and sent at `at` ns when given). */
  expect(line: string, opts: { at?: number } = {}): Sent {
    this.collect();
    const got = this.outbox.shift();
    if (got === undefined) throw new Error(`drill: expected '${line}' at ${this.sim.now} ns, but nothing was sent`);
    const sp = parseLine(line);
    const f = got.seg;
    const seqRel = (f.seq - this.ourIsn) >>> 0;
    const len = f.payload.length;
    const actual: Record<string, unknown> = { flags: flagString(f.flags), seq: seqRel, end: (seqRel + len) >>> 0, len };
    const want: Record<string, unknown> = { flags: sp.flags === '' ? '-' : sp.flags, seq: sp.seq, end: sp.end, len: sp.len };
    if (sp.ack !== undefined) {
      actual.ack = (f.flags & TCP_FLAG.ACK) !== 0 ? (f.ack - this.peerIsn) >>> 0 : 'none';
      want.ack = sp.ack;
    }
    if (sp.win !== undefined) {
      actual.win = f.window;
      want.win = sp.win;
    }
    if (sp.options !== undefined) {
      actual.options = this.describeOptions(f.optionBytes);
      want.options = sp.options;
    }
    for (const k of Object.keys(want)) {
      if (want[k] === '*') actual[k] = '*';
      if (k === 'options' && Array.isArray(want[k])) {
        const w = want[k] as string[];
        const a = actual[k] as string[];
        actual[k] = a.map((x, i) => matchOption(w[i], x) ? w[i] : x);
      }
    }
    if (opts.at !== undefined) {
      actual.at = got.time;
      want.at = opts.at;
    }
    expect({ line: got.line, ...actual }).toEqual({ line: got.line, ...want });
    return got;
  }

  /** Asserts that the host sent nothing (else). */
  expectNothing(): void {
    this.collect();
    expect(this.outbox.map((s) => s.line)).toEqual([]);
  }

  /** Every segment sent and not yet expected, as script lines. */
  pending(): string[] {
    this.collect();
    return this.outbox.map((s) => `${s.time} ${s.line}`);
  }

  private collect(): void {
    for (const { time, frame } of this.dev.takeSent()) {
      const type = (frame[12] << 8) | frame[13];
      if (type !== ETHERTYPE.IPV4) continue;
      const ihl = (frame[14] & 0x0f) * 4;
      if (frame[14 + 9] !== IP_PROTOCOL.TCP) continue;
      const total = (frame[16] << 8) | frame[17];
      const seg = new TcpSegment(frame.subarray(14 + ihl, 14 + total));
      if (this.ourIsn < 0 && (seg.flags & TCP_FLAG.SYN) !== 0) {
        this.ourIsn = seg.seq;
        if ((seg.flags & TCP_FLAG.ACK) === 0) this.ourPort = seg.srcPort;
      }
      this.outbox.push({ time, seg, line: this.lineOf(seg) });
    }
  }

  /** The peer answers the host's ARP requests and probes for its address. */
  private answerArp(frame: Uint8Array): void {
    const a = frame.subarray(14);
    if (((a[6] << 8) | a[7]) !== ARP_OP.REQUEST) return;
    const target = ((a[24] << 24) | (a[25] << 16) | (a[26] << 8) | a[27]) >>> 0;
    if (target !== PEER) return;
    const reply = new Uint8Array(28);
    emitArp({ operation: ARP_OP.REPLY, senderHw: PEER_MAC, senderIp: PEER, targetHw: US_MAC, targetIp: US }, reply);
    this.sim.schedule(0, () => this.dev.inject(eth(US_MAC, PEER_MAC, ETHERTYPE.ARP, reply)));
  }

  private lineOf(f: TcpSegment): string {
    const seq = (f.seq - this.ourIsn) >>> 0;
    const len = f.payload.length;
    let s = `${flagString(f.flags)} ${seq}:${(seq + len) >>> 0}(${len})`;
    if ((f.flags & TCP_FLAG.ACK) !== 0) s += ` ack ${(f.ack - this.peerIsn) >>> 0}`;
    s += ` win ${f.window}`;
    const o = this.describeOptions(f.optionBytes);
    if (o.length > 0) s += ` <${o.join(',')}>`;
    return s;
  }

  private describeOptions(raw: Uint8Array): string[] {
    if (raw.length === 0) return [];
    const p = parseTcpOptions(raw);
    if (!Array.isArray(p)) return ['malformed'];
    return p.map((o) => {
      switch (o.kind) {
        case 'mss':
          return `mss ${o.mss}`;
        case 'sackPermitted':
          return 'sackOK';
        case 'timestamps':
          return `TS val ${o.tsVal} ecr ${o.tsEcr}`;
        case 'nop':
          return 'nop';
        case 'eol':
          return 'eol';
        case 'wscale':
          return `wscale ${o.shift}`;
        case 'sack':
          return `sack ${o.blocks.map(([l, r]: readonly [number, number]) => `${(l - this.peerIsn) >>> 0}:${(r - this.peerIsn) >>> 0}`).join(' ')}`;
        default:
          return `kind ${o.type}`;
      }
    });
  }

  private option(o: string): TcpOption {
    const [k, ...v] = o.split(/\s+/);
    switch (k) {
      case 'mss':
        return { kind: 'mss', mss: Number(v[0]) };
      case 'sackOK':
        return { kind: 'sackPermitted' };
      case 'nop':
        return { kind: 'nop' };
      case 'eol':
        return { kind: 'eol', padding: new Uint8Array(0) };
      case 'wscale':
        return { kind: 'wscale', shift: Number(v[0]) };
      case 'TS':
        return { kind: 'timestamps', tsVal: Number(v[1]) >>> 0, tsEcr: Number(v[3]) >>> 0 };
      case 'sack':
        return { kind: 'sack', blocks: v.map((b) => b.split(':').map((x) => (this.ourIsn + Number(x)) >>> 0) as unknown as readonly [number, number]) };
      default:
        throw new Error(`drill: unknown option '${o}'`);
    }
  }
}

function matchOption(want: string | undefined, got: string): boolean {
  if (want === undefined) return false;
  const w = want.split(/\s+/);
  const g = got.split(/\s+/);
  return w.length === g.length && w.every((x, i) => x === '*' || x === g[i]);
}
