/**
 * The SVG ladder diagram, end to end: adapters programmed through their registers exchange ARP,
 * ping and DNS frames over cables (directly, through a switch, through a hub), one frame is
 * damaged with `scriptedFlips`; the recorded trace is rendered and the SVG parsed back with a
 * small XML well-formedness checker, then compared with the simulated times.
 *
 * `LADDER_EXAMPLE=/tmp/ladder-example.svg npx vitest run test/trace/ladder.test.ts` also writes
 * the README's example diagram.
 */
import { describe, expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { Simulator } from '../../sim/simulator.js';
import type { TraceEvent } from '../../sim/trace.js';
import { MS, US, type Nanos } from '../../sim/time.js';
import { Cable } from '../../hw/medium/cable.js';
import { Hub } from '../../hw/medium/hub.js';
import { Switch } from '../../hw/medium/switch.js';
import { scriptedFlips } from '../../hw/faults.js';
import type { Nic } from '../../hw/nic.js';
import { LadderRecorder, renderLadderSvg, type LadderOptions } from '../../trace/ladder.js';
import { summarizeWireFrame } from '../../trace/summary.js';
import { R, linkUp, makeNic, queueTx, runUntil, setSlu, setupRx, setupTx } from '../hw/helpers.js';
import {
  ARP_OP,
  DNS_CLASS,
  DNS_TYPE,
  ETHERTYPE,
  IP_PROTOCOL,
  NO_IPV4_OPTIONS,
  arpBufferLen,
  dnsBufferLen,
  emitArp,
  emitDns,
  emitEthernet,
  emitIcmp,
  emitIpv4,
  emitUdp,
  ethernetBufferLen,
  icmpBufferLen,
  ipv4BufferLen,
  parseIpv4Addr,
  parseMac,
  udpBufferLen,
  type DnsRepr,
  type IcmpRepr,
  type Ipv4Repr,
} from '../../stack/wire/index.js';

// ------------------------------------------------------------------ a small XML checker

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;

function decodeEntities(s: string, where: number): string {
  return s.replace(/&([^;&<]*);|&/g, (m, body: string | undefined) => {
    if (body === undefined) throw new Error(`bare & at ${where}`);
    if (body === 'amp') return '&';
    if (body === 'lt') return '<';
    if (body === 'gt') return '>';
    if (body === 'quot') return '"';
    if (body === 'apos') return "'";
    const n = /^#x([0-9a-fA-F]+)$/.exec(body) ?? /^#([0-9]+)$/.exec(body);
    if (n !== null) return String.fromCodePoint(parseInt(n[1], body[1] === 'x' ? 16 : 10));
    throw new Error(`unknown entity ${m} at ${where}`);
  });
}

/**
 * Parses a document and throws unless it is well-formed: one root, properly nested and closed
 * tags, valid names, quoted and unique attributes, no raw `<` or bare `&` in text or values, no
 * characters XML forbids.
 */
function parseXml(src: string): XmlNode {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(src)) throw new Error('forbidden character');
  let i = 0;
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlNode[] = [];
  let root: XmlNode | null = null;
  const top = { name: '#document', attrs: {}, children: [] as XmlNode[], text: '' };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    const text = src.slice(i, textEnd);
    if (text.includes('>') && false) throw new Error('raw >');
    const decoded = decodeEntities(text, i);
    if (stack.length === 0) {
      if (decoded.trim() !== '') throw new Error(`text outside the root at ${i}`);
    } else stack[stack.length - 1].text += decoded;
    if (lt < 0) break;
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    let tag = src.slice(lt + 1, gt);
    // '>' may legally appear inside attribute values: extend to the real end of the tag
    let end = gt;
    while ((tag.match(/"/g)?.length ?? 0) % 2 === 1 || (tag.match(/'/g)?.length ?? 0) % 2 === 1) {
      end = src.indexOf('>', end + 1);
      if (end < 0) throw new Error(`unterminated tag at ${lt}`);
      tag = src.slice(lt + 1, end);
    }
    i = end + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open === undefined || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}> at ${lt}`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([^\s]+)/.exec(body);
    if (m === null || !NAME.test(m[1])) throw new Error(`bad element name at ${lt}: ${body.slice(0, 20)}`);
    const node: XmlNode = { name: m[1], attrs: {}, children: [], text: '' };
    let rest = body.slice(m[1].length);
    const attr = /^\s+([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/;
    for (;;) {
      const a = attr.exec(rest);
      if (a === null) break;
      if (!NAME.test(a[1])) throw new Error(`bad attribute name ${a[1]}`);
      if (a[1] in node.attrs) throw new Error(`duplicate attribute ${a[1]} on <${node.name}>`);
      const raw = a[3] ?? a[4];
      if (raw.includes('<')) throw new Error(`raw < in attribute ${a[1]}`);
      node.attrs[a[1]] = decodeEntities(raw, lt);
      rest = rest.slice(a[0].length);
    }
    if (rest.trim() !== '') throw new Error(`junk in tag <${node.name}>: ${rest.slice(0, 30)}`);
    if (stack.length === 0) {
      if (root !== null) throw new Error('two root elements');
      root = node;
      top.children.push(node);
    } else stack[stack.length - 1].children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> never closed`);
  if (root === null) throw new Error('no root element');
  return root;
}

function all(n: XmlNode, pred: (n: XmlNode) => boolean, out: XmlNode[] = []): XmlNode[] {
  if (pred(n)) out.push(n);
  for (const c of n.children) all(c, pred, out);
  return out;
}

const hasClass = (n: XmlNode, c: string) => (n.attrs.class ?? '').split(' ').includes(c);
const textOf = (n: XmlNode): string => n.text + n.children.map(textOf).join('');

describe('the XML checker itself', () => {
  test('accepts a well-formed document and decodes entities', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2"><b/><c y=\'&lt;\'>t &#x2192; &gt;</c></a>\n');
    expect(doc.attrs.x).toBe('1 & 2');
    expect(doc.children[1].attrs.y).toBe('<');
    expect(doc.children[1].text).toBe('t → >');
  });
  test.each([
    ['<a><b></a></b>', 'closes'],
    ['<a>', 'never closed'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a>&</a>', 'bare &'],
    ['<a>&nbsp;</a>', 'unknown entity'],
    ['<a/><b/>', 'two root'],
    ['<a x=1/>', 'junk'],
    ['<a>\u0001</a>', 'forbidden'],
  ])('rejects %s', (src, why) => {
    expect(() => parseXml(src)).toThrow(why);
  });
});

// ------------------------------------------------------------------ frames

const MAC = { a: '02:00:00:00:00:0a', b: '02:00:00:00:00:0b', c: '02:00:00:00:00:0c' } as const;
const IP = { a: parseIpv4Addr('10.0.0.1')!, b: parseIpv4Addr('10.0.0.2')!, c: parseIpv4Addr('10.0.0.3')! };
const BCAST = 0xffff_ffff_ffff;
const mac = (s: string) => parseMac(s)!;

function eth(dst: number, src: number, ethertype: number, payload: Uint8Array): Uint8Array {
  const repr = { dst, src, ethertype, payload };
  const buf = new Uint8Array(ethernetBufferLen(repr));
  emitEthernet(repr, buf);
  return buf;
}

function arpFrame(op: 'request' | 'reply', from: keyof typeof MAC, to: keyof typeof MAC): Uint8Array {
  const repr = { operation: op === 'request' ? ARP_OP.REQUEST : ARP_OP.REPLY, senderHw: mac(MAC[from]), senderIp: IP[from], targetHw: op === 'request' ? 0 : mac(MAC[to]), targetIp: IP[to] };
  const p = new Uint8Array(arpBufferLen(repr));
  emitArp(repr, p);
  return eth(op === 'request' ? BCAST : mac(MAC[to]), mac(MAC[from]), ETHERTYPE.ARP, p);
}

function ipFrame(from: keyof typeof MAC, to: keyof typeof MAC, protocol: number, payload: Uint8Array): Uint8Array {
  const repr: Ipv4Repr = { dscp: 0, ecn: 0, ident: 1, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol, src: IP[from], dst: IP[to], options: NO_IPV4_OPTIONS, payload };
  const p = new Uint8Array(ipv4BufferLen(repr));
  emitIpv4(repr, p);
  return eth(mac(MAC[to]), mac(MAC[from]), ETHERTYPE.IPV4, p);
}

function pingFrame(kind: 'echoRequest' | 'echoReply', from: keyof typeof MAC, to: keyof typeof MAC, seq: number): Uint8Array {
  const repr: IcmpRepr = { kind, id: 1, seq, data: new Uint8Array(56).fill(0x61) };
  const p = new Uint8Array(icmpBufferLen(repr));
  emitIcmp(repr, p);
  return ipFrame(from, to, IP_PROTOCOL.ICMP, p);
}

function dnsFrame(from: keyof typeof MAC, to: keyof typeof MAC, name: string, answer?: number): Uint8Array {
  const repr: DnsRepr = {
    id: 7,
    response: answer !== undefined,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: answer !== undefined,
    z: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: 0,
    questions: [{ name, type: DNS_TYPE.A, class: DNS_CLASS.IN }],
    answers: answer !== undefined ? [{ kind: 'a', name, class: DNS_CLASS.IN, ttl: 60, address: answer }] : [],
    authorities: [],
    additionals: [],
  };
  const d = new Uint8Array(dnsBufferLen(repr));
  emitDns(repr, d);
  const u = { srcPort: answer !== undefined ? 53 : 5000, dstPort: answer !== undefined ? 5000 : 53, hasChecksum: true, payload: d };
  const p = new Uint8Array(udpBufferLen(u));
  emitUdp(u, p, IP[from], IP[to]);
  return ipFrame(from, to, IP_PROTOCOL.UDP, p);
}

// ------------------------------------------------------------------ scenarios

interface Scenario {
  sim: Simulator;
  nics: Record<string, Nic>;
  rec: LadderRecorder;
  events: TraceEvent[];
}

function adapters(sim: Simulator, names: readonly (keyof typeof MAC)[], autonegNs: Nanos): Record<string, Nic> {
  const out: Record<string, Nic> = {};
  for (const n of names) {
    const nic = makeNic(sim, { name: n, mac: MAC[n], phy: { autonegNs } });
    setSlu(nic);
    out[n] = nic;
  }
  return out;
}

function ready(sim: Simulator, nics: Record<string, Nic>): void {
  if (!runUntil(sim, () => Object.values(nics).every(linkUp), 3000 * MS)) throw new Error('link did not come up');
  for (const nic of Object.values(nics)) {
    setupTx(nic);
    setupRx(nic, 16, R.RCTL.f.BAM.mask);
  }
}

/** Sends each frame at its time (relative to `t0`) through the adapter's transmit ring. */
function script(sim: Simulator, nics: Record<string, Nic>, t0: Nanos, steps: readonly [Nanos, string, Uint8Array][]): void {
  for (const [dt, who, frame] of steps) sim.at(t0 + dt, () => queueTx(nics[who], frame));
}

/** Two adapters on a 10 m cable (50 ns): ARP, a ping whose first request is damaged, DNS. */
function pairScenario(): Scenario {
  const sim = new Simulator({ seed: 3 });
  const rec = new LadderRecorder(sim);
  const { events } = sim.trace.record();
  const nics = adapters(sim, ['a', 'b'], 1 * MS);
  const cable = new Cable(sim, { lengthM: 10 }).connect(nics.a.port, nics.b.port);
  // the 2nd frame a → b (the first echo request) gets bit 300 flipped: b counts it in CRCERRS
  cable.use(0, scriptedFlips(sim, [{ frame: 2, bit: 300 }], { name: 'flip' }));
  ready(sim, nics);
  const t0 = 2 * MS;
  script(sim, nics, t0, [
    [0, 'a', arpFrame('request', 'a', 'b')],
    [1200, 'b', arpFrame('reply', 'b', 'a')],
    [2400, 'a', pingFrame('echoRequest', 'a', 'b', 1)],
    [4000, 'a', pingFrame('echoRequest', 'a', 'b', 2)],
    [4600, 'b', pingFrame('echoReply', 'b', 'a', 2)], // crosses a's next frame: full duplex
    [5600, 'a', dnsFrame('a', 'b', 'r&d<1>.lan')],
    [6800, 'b', dnsFrame('b', 'a', 'r&d<1>.lan', IP.c)],
  ]);
  sim.run({ until: t0 + 1 * MS });
  rec.stop();
  return { sim, nics, rec, events };
}

/** Three adapters on a switch (cables of 10, 50 and 100 m): an announcement, flooding, forwarding, a damaged frame, a retry after 1 ms. */
function switchScenario(): Scenario {
  const sim = new Simulator({ seed: 5 });
  const rec = new LadderRecorder(sim);
  const { events } = sim.trace.record();
  const nics = adapters(sim, ['a', 'b', 'c'], 1500 * MS);
  const sw = new Switch(sim, { name: 'switch', ports: 3 });
  new Cable(sim, { lengthM: 10 }).connect(nics.a.port, sw.port(0));
  new Cable(sim, { lengthM: 50 }).connect(nics.b.port, sw.port(1));
  const toC = new Cable(sim, { lengthM: 100 }).connect(nics.c.port, sw.port(2));
  // switch → c: the 2nd frame (the first DNS query; the 1st is a's flooded ARP request) gets a bit flipped
  toC.use(1, scriptedFlips(sim, [{ frame: 2, bit: 400 }], { name: 'noise' }));
  ready(sim, nics);
  // c announces itself when its link comes up (a gratuitous ARP): the switch learns where c is
  script(sim, nics, sim.now, [[5 * US, 'c', arpFrame('request', 'c', 'c')]]);
  const t0 = Math.ceil(sim.now / MS) * MS + 1 * MS;
  script(sim, nics, t0, [
    [0, 'a', arpFrame('request', 'a', 'b')],
    [2500, 'b', arpFrame('reply', 'b', 'a')],
    [5000, 'a', pingFrame('echoRequest', 'a', 'b', 1)],
    [7500, 'b', pingFrame('echoReply', 'b', 'a', 1)],
    [10 * US, 'a', dnsFrame('a', 'c', 'server.lan')],
    [1 * MS + 10 * US, 'a', dnsFrame('a', 'c', 'server.lan')],
    [1 * MS + 12500, 'c', dnsFrame('c', 'a', 'server.lan', IP.c)],
  ]);
  sim.run({ until: t0 + 3 * MS });
  rec.stop();
  return { sim, nics, rec, events };
}

const ofKind = <K extends TraceEvent['kind']>(events: readonly TraceEvent[], kind: K) => events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);

interface Drawn {
  node: XmlNode;
  line: XmlNode;
  id: number;
  to: string;
}

function drawnFrames(doc: XmlNode): Drawn[] {
  return all(doc, (n) => n.name === 'g' && hasClass(n, 'frame')).map((node) => ({
    node,
    line: all(node, (n) => n.name === 'line' && hasClass(n, 'arrow'))[0],
    id: Number(node.attrs['data-frame-id']),
    to: node.attrs['data-to'],
  }));
}

// ------------------------------------------------------------------ tests

describe('ladder diagram: two adapters on a cable', () => {
  const NS_PER_PX = 20;
  const s = pairScenario();
  const svg = s.rec.toSvg({ nsPerPx: NS_PER_PX, title: 'ARP, <ping> & DNS' });
  const doc = parseXml(svg);
  const rx = ofKind(s.events, 'wire.rx');
  const drawn = drawnFrames(doc);

  test('the SVG is well-formed, with the namespace and a sensible size', () => {
    expect(doc.name).toBe('svg');
    expect(doc.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const w = Number(doc.attrs.width);
    const h = Number(doc.attrs.height);
    expect(w).toBeGreaterThan(300);
    expect(w).toBeLessThan(2000);
    expect(h).toBeGreaterThan(200);
    expect(h).toBeLessThan(3000); // 2 ms of simulated time: the idle millisecond is cut out
  });

  test('one arrow per frame delivery in the trace, and nothing else', () => {
    expect(rx.length).toBe(7);
    expect(drawn.map((d) => `${d.id}>${d.to}`).sort()).toEqual(rx.map((e) => `${e.frame.id}>${e.to}`).sort());
    expect(s.rec.arrows().length).toBe(7);
  });

  test('arrows run from (sender, first bit leaves) to (receiver, last bit arrives), to scale', () => {
    const x = (name: string) => Number(all(doc, (n) => n.name === 'g' && hasClass(n, 'station') && n.attrs['data-name'] === name)[0].attrs['data-x']);
    expect(x('b')).toBeGreaterThan(x('a'));
    const first = rx[0];
    const y0 = Number(drawn.find((d) => d.id === first.frame.id)!.line.attrs.y1);
    for (const e of rx) {
      const d = drawn.find((f) => f.id === e.frame.id && f.to === e.to)!;
      const y1 = Number(d.line.attrs.y1);
      const y2 = Number(d.line.attrs.y2);
      // all seven frames lie within 8 µs, no gap over 80 px: one unbroken stretch, so every Δy is Δt / scale
      expect(y1 - y0).toBeCloseTo((e.frame.txStart - first.frame.txStart) / NS_PER_PX, 0);
      expect(y2 - y1).toBeCloseTo((e.time - e.frame.txStart) / NS_PER_PX, 0);
      // slanted: serialization (8 ns per octet at 1 Gb/s) plus 50 ns of cable
      expect(e.time - e.frame.txStart).toBe(e.frame.bytes.length * 8 + 50);
      // from the sender's lifeline to the receiver's
      expect(Number(d.line.attrs.x1)).toBeCloseTo(x(e.frame.sender), 0);
      expect(Number(d.line.attrs.x2)).toBeCloseTo(x(e.to), 0);
    }
  });

  test('the damaged frame is dashed red, labelled with the counter, and marked where the bit flipped', () => {
    const drops = ofKind(s.events, 'drop');
    expect(drops.map((d) => [d.source, d.counter])).toEqual([['b', 'CRCERRS']]);
    const dropped = drawn.filter((d) => hasClass(d.node, 'dropped'));
    expect(dropped.map((d) => d.id)).toEqual([drops[0].frameId]);
    const g = dropped[0];
    expect(g.line.attrs['stroke-dasharray']).toBeTruthy();
    expect(g.line.attrs.stroke).toBe('#c62828');
    expect(g.node.attrs['data-counter']).toBe('CRCERRS');
    expect(textOf(all(g.node, (n) => hasClass(n, 'drop-label'))[0])).toBe('✗ CRCERRS');
    expect(all(g.node, (n) => hasClass(n, 'fault')).length).toBe(1);
    expect(textOf(all(g.node, (n) => hasClass(n, 'fault-label'))[0])).toBe('⚡ bit 300 flipped');
    expect(textOf(all(g.node, (n) => hasClass(n, 'label'))[0])).toMatch(/\(bad FCS\)$/);
    // the others are solid
    for (const d of drawn) if (d !== g) expect(d.line.attrs['stroke-dasharray']).toBeUndefined();
  });

  test('labels are the frame summaries, escaped in the source', () => {
    const labels = drawn.map((d) => textOf(all(d.node, (n) => hasClass(n, 'label'))[0]));
    for (const e of rx) {
      const d = drawn.findIndex((f) => f.id === e.frame.id && f.to === e.to);
      const full = summarizeWireFrame(e.frame);
      const shown = labels[d];
      expect(shown.endsWith('…') ? full.startsWith(shown.slice(0, -1)) : shown === full).toBe(true);
    }
    expect(labels).toContain('ARP who-has 10.0.0.2 tell 10.0.0.1');
    expect(labels).toContain('ARP 10.0.0.2 is-at 02:00:00:00:00:0b');
    expect(labels).toContain('ICMP echo reply id=1 seq=2');
    expect(labels).toContain('DNS A? r&d<1>.lan');
    expect(svg).toContain('DNS A? r&amp;d&lt;1&gt;.lan');
    expect(svg).toContain('ARP, &lt;ping&gt; &amp; DNS');
  });

  test('link-up notes, a time axis and a break for the idle millisecond', () => {
    const notes = all(doc, (n) => n.name === 'g' && hasClass(n, 'mark')).map(textOf);
    expect(notes).toEqual(['link up 1000 Mb/s full', 'link up 1000 Mb/s full']);
    expect(all(doc, (n) => hasClass(n, 'break')).length).toBe(1);
    const axis = textOf(all(doc, (n) => hasClass(n, 'axis'))[0]);
    expect(axis).toMatch(/2\.00\d+ ms/);
    expect(svg).toMatch(/99\d\.\d+ µs idle/);
  });

  test('deterministic: the same scenario renders byte-identical SVG', () => {
    expect(pairScenario().rec.toSvg({ nsPerPx: NS_PER_PX, title: 'ARP, <ping> & DNS' })).toBe(svg);
    expect(renderLadderSvg(s.rec.recorded, { nsPerPx: NS_PER_PX, title: 'ARP, <ping> & DNS' })).toBe(svg);
  });

  test('automatic scale: a 1-2-5 step that makes the median frame about 44 px tall', () => {
    const auto = parseXml(s.rec.toSvg());
    const k = Number(auto.attrs['data-ns-per-px']);
    expect([1, 2, 5].some((m) => [1, 10, 100].some((p) => m * p === k))).toBe(true);
    const spans = rx.map((e) => e.time - e.frame.txStart).sort((a, b) => a - b);
    const median = spans[3] / k;
    expect(median).toBeGreaterThan(44 / Math.sqrt(5));
    expect(median).toBeLessThan(44 * Math.sqrt(5));
  });

  test('a cap on arrows, with a note', () => {
    const capped = parseXml(s.rec.toSvg({ maxArrows: 3 }));
    expect(drawnFrames(capped).length).toBe(3);
    expect(textOf(all(capped, (n) => hasClass(n, 'omitted'))[0])).toBe('4 more frames not drawn (maxArrows = 3)');
  });

  test('a time window', () => {
    const t = rx[3].frame.txStart;
    expect(s.rec.arrows({ from: t }).length).toBe(4);
    expect(s.rec.arrows({ to: t - 1 }).length).toBe(3);
  });
});

describe('ladder diagram: through a switch', () => {
  const s = switchScenario();
  const svg = s.rec.toSvg();
  const doc = parseXml(svg);
  const drawn = drawnFrames(doc);
  const rx = ofKind(s.events, 'wire.rx');

  test('the switch is one column; a forwarded frame is two arrows, a flooded one three', () => {
    const names = all(doc, (n) => n.name === 'g' && hasClass(n, 'station')).map((n) => n.attrs['data-name']);
    expect(names).toEqual(['c', 'switch', 'a', 'b']);
    expect(drawn.length).toBe(rx.length);
    const pairs = drawn.map((d) => `${d.node.attrs['data-from']}→${d.to}`);
    // broadcasts are flooded: c's announcement and a's ARP request, three arrows each
    expect(pairs.slice(0, 3).sort()).toEqual(['c→switch', 'switch→a', 'switch→b']);
    expect(pairs.slice(3, 6).sort()).toEqual(['a→switch', 'switch→b', 'switch→c']);
    // ARP reply, echo request and reply, DNS: forwarded, two arrows each
    expect(pairs.slice(6)).toEqual(['b→switch', 'switch→a', 'a→switch', 'switch→b', 'b→switch', 'switch→a', 'a→switch', 'switch→c', 'a→switch', 'switch→c', 'c→switch', 'switch→a']);
  });

  test('the frame damaged between the switch and c is dropped by c and marked', () => {
    const dropped = drawn.filter((d) => hasClass(d.node, 'dropped'));
    expect(dropped.map((d) => `${d.node.attrs['data-from']}→${d.to} ${d.node.attrs['data-counter']}`)).toEqual(['switch→c CRCERRS']);
    expect(all(dropped[0].node, (n) => hasClass(n, 'fault')).length).toBe(1);
  });

  test('the 1.5 s auto-negotiation, the idle time before the exchange and the 1 ms retry wait are cut out; the picture stays small', () => {
    expect(all(doc, (n) => hasClass(n, 'break')).length).toBe(3);
    expect(Number(doc.attrs.height)).toBeLessThan(1600);
    expect(all(doc, (n) => n.name === 'g' && hasClass(n, 'mark')).map(textOf).sort()).toEqual(['link up 1000 Mb/s full', 'link up 1000 Mb/s full', 'link up 1000 Mb/s full', 'p0 p1 p2 link up']);
  });

  test('README example', () => {
    const out = process.env.LADDER_EXAMPLE;
    const example = s.rec.toSvg({ title: 'ARP, ping and DNS through a switch (1 Gb/s; cables of 10, 50 and 100 m)', stations: ['a', 'switch', 'b', 'c'] });
    parseXml(example);
    if (out !== undefined && out !== '') writeFileSync(out, example);
  });
});

describe('ladder diagram: other media and events', () => {
  test('a switch drop carries no frame id: it is matched to the delivery at the same instant', () => {
    const sim = new Simulator({ seed: 9 });
    const rec = new LadderRecorder(sim);
    const nics = adapters(sim, ['a', 'b'], 1 * MS);
    const sw = new Switch(sim, { name: 'sw', ports: 2, autonegNs: 1 * MS });
    new Cable(sim).connect(nics.a.port, sw.port(0)).use(0, scriptedFlips(sim, [{ frame: 1, bit: 200 }]));
    new Cable(sim).connect(nics.b.port, sw.port(1));
    ready(sim, nics);
    queueTx(nics.a, pingFrame('echoRequest', 'a', 'b', 1));
    sim.run({ until: sim.now + 1 * MS });
    const arrows = rec.arrows();
    expect(arrows.map((a) => [a.from, a.to, a.drop?.counter])).toEqual([['a', 'sw', 'p0.rxErrors']]);
    expect(drawnFrames(parseXml(rec.toSvg())).map((d) => d.node.attrs['data-counter'])).toEqual(['p0.rxErrors']);
  });

  test('a hub is a column too: one arrow in, one out per station, repeated bit by bit', () => {
    const sim = new Simulator({ seed: 4 });
    const rec = new LadderRecorder(sim);
    const nics = adapters(sim, ['a', 'b', 'c'], 1 * MS);
    const hub = new Hub(sim, { name: 'hub' });
    for (const n of Object.values(nics)) hub.attach(n.port, { lengthM: 20 });
    ready(sim, nics);
    queueTx(nics.a, arpFrame('request', 'a', 'b'));
    sim.run({ until: sim.now + 1 * MS });
    const arrows = rec.arrows();
    expect(arrows.map((a) => [a.from, a.to])).toEqual([
      ['a', 'hub'],
      ['hub', 'b'],
      ['hub', 'c'],
    ]);
    // 10 Mb/s: 72 octets take 57.6 µs; 20 m of cable is 100 ns, the repeater delay 8 bits (800 ns)
    const [inbound, toB] = arrows;
    const dur = 72 * 8 * 100;
    expect(toB.txStart - inbound.txStart).toBe(100 + 800);
    expect(inbound.rxEnd - inbound.txStart).toBe(100 + 800 + dur);
    expect(toB.rxEnd - toB.txStart).toBe(dur + 100);
    // the repeater sends the first bits on long before the last ones came in
    expect(toB.txStart).toBeLessThan(inbound.rxEnd);
    const doc = parseXml(rec.toSvg());
    expect(drawnFrames(doc).length).toBe(3);
    expect(all(doc, (n) => n.name === 'g' && hasClass(n, 'station')).map((n) => n.children[2].text)).toEqual(['adapter', 'hub', 'adapter', 'adapter']);
  });

  test('a medium that traces no deliveries: arrows from what the receivers say', () => {
    const ev = (kind: string, time: number, source: string, data: object) => ({ kind, time, source, ...data }) as unknown as TraceEvent;
    const bytes = new Uint8Array(72).fill(0x55);
    bytes[7] = 0xd5;
    const frame = { id: 1, bytes, bitTimeNs: 10, txStart: 0, sender: 'a' };
    const arrows = new LadderRecorder({ trace: new Simulator().trace }).arrows();
    expect(arrows).toEqual([]);
    const svg = renderLadderSvg([ev('wire.tx', 0, 'a', { frame, end: 5760 }), ev('nic.rx', 6000, 'b', { frameId: 1 }), ev('drop', 6100, 'c', { what: 'rx frame', reason: 'FCS error', counter: 'CRCERRS', frameId: 1 })]);
    const frames = drawnFrames(parseXml(svg));
    expect(frames.map((d) => [d.to, d.node.attrs['data-rx-end'], d.node.attrs.class])).toEqual([
      ['b', '6000', 'frame'],
      ['c', '6100', 'frame dropped'],
    ]);
  });

  test('a frame lost on the medium is drawn as a short grey arrow', () => {
    const ev = (kind: string, time: number, data: object) => ({ kind, time, source: 'x', ...data }) as unknown as TraceEvent;
    const bytes = Uint8Array.of(0x55, 0x55, 0xd5, 1, 2, 3);
    const f = (id: number, sender: string, txStart: number) => ({ id, bytes, bitTimeNs: 10, txStart, sender });
    const events: TraceEvent[] = [
      { ...ev('wire.tx', 0, { frame: f(1, 'a', 0), end: 480 }), source: 'a' },
      ev('wire.rx', 600, { frame: f(1, 'a', 0), to: 'b', start: 100 }),
      { ...ev('wire.tx', 1000, { frame: f(2, 'a', 1000), end: 1480 }), source: 'a' },
      { ...ev('fault', 1000, { fault: 'drop', frameId: 2, detail: 'scripted' }), source: 'dropper' },
    ];
    const svg = renderLadderSvg(events);
    const frames = drawnFrames(parseXml(svg));
    expect(frames.map((d) => [d.id, d.to, d.node.attrs.class])).toEqual([
      [1, 'b', 'frame'],
      [2, 'b', 'frame lost'],
    ]);
    expect(textOf(frames[1].node)).toContain('✗ lost (dropper)');
    expect(textOf(frames[1].node)).toContain('Ethernet (truncated, 3 bytes) (runt) (bad FCS)');
  });

  test('a long capture: 600 frames, the first 500 drawn, quickly', () => {
    const sim = new Simulator({ seed: 8 });
    const rec = new LadderRecorder(sim);
    const nics = adapters(sim, ['a', 'b'], 1 * MS);
    new Cable(sim).connect(nics.a.port, nics.b.port);
    ready(sim, nics);
    const t0 = sim.now;
    for (let k = 0; k < 300; k++) {
      sim.at(t0 + k * 2 * US, () => queueTx(nics.a, pingFrame('echoRequest', 'a', 'b', k)));
      sim.at(t0 + k * 2 * US + 1 * US, () => queueTx(nics.b, pingFrame('echoReply', 'b', 'a', k)));
    }
    sim.run({ until: t0 + 1 * MS });
    const started = performance.now();
    const svg = rec.toSvg();
    expect(performance.now() - started).toBeLessThan(5000);
    const doc = parseXml(svg);
    expect(drawnFrames(doc).length).toBe(500);
    expect(textOf(all(doc, (n) => hasClass(n, 'omitted'))[0])).toBe('100 more frames not drawn (maxArrows = 500)');
    expect(Number(doc.attrs.height)).toBeLessThan(40_000);
  });

  test('an empty trace still renders a valid document', () => {
    const doc = parseXml(renderLadderSvg([]));
    expect(doc.name).toBe('svg');
    expect(drawnFrames(doc)).toEqual([]);
  });

  test('hostile names and labels stay well-formed', () => {
    const bytes = new Uint8Array(80).fill(0x55);
    bytes[7] = 0xd5;
    const wf = { id: 1, bytes, bitTimeNs: 1, txStart: 0, sender: 'a"<&\u0001>' };
    const svg = renderLadderSvg([{ kind: 'wire.rx', time: 700, source: 'c', frame: wf, to: "b'\ud800]]>", start: 5 } as unknown as TraceEvent], { title: '<&>' } satisfies LadderOptions);
    const doc = parseXml(svg);
    expect(all(doc, (n) => n.name === 'g' && hasClass(n, 'station')).map((n) => n.attrs['data-name'])).toEqual(['a"<&\ufffd>', "b'\ufffd]]>"]);
  });
});
