/**
 * Hostile input: thousands of random and mutated frames of every protocol (Ethernet, ARP, IPv4
 * with options and fragments, ICMP, UDP, TCP-shaped bytes) fed to a host and to a NAPT router.
 * A seeded generator (sim/rng.ts) instead of a property-testing library: the same seed gives the
 * same frames, and a failure message names the seed and the frame number.
 *
 * Properties checked after every frame batch:
 * - nothing throws (not even from inside a state machine action or a timer);
 * - every frame fed ends in exactly one rx counter or is held for reassembly:
 *   Σ rx-drop + Σ rx-ok + held fragments = frames fed + datagrams the victim sent to itself
 *   (`ip.loopback`: the generator sometimes makes the victim send, to any address);
 * - memory stays bounded: reassembly bytes and datagrams, ARP entries and per-entry queues,
 *   interface transmit queues, the NAPT table and the number of pending timers never exceed
 *   their limits.
 *
 * `HOSTILE_STRESS=60 npx vitest run test/stack/hostile.test.ts -t stress` runs 60 more seeds of
 * 3000 frames each and prints the counters reached.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../sim/rng.js';
import { Simulator } from '../../sim/simulator.js';
import { SEC } from '../../sim/time.js';
import { NetStack, type NetStackOptions } from '../../stack/host.js';
import { TestDevice } from '../../stack/testdev.js';
import { emitArp } from '../../stack/wire/arp.js';
import { ETHERTYPE, MAC_BROADCAST } from '../../stack/wire/ethernet.js';
import { emitIcmp, type IcmpRepr } from '../../stack/wire/icmp.js';
import { IP_PROTOCOL, Ipv4Packet, emitIpv4, ipv4BufferLen, type Ipv4Option, type Ipv4Repr } from '../../stack/wire/ipv4.js';
import { emitUdp } from '../../stack/wire/udp.js';
import { eth, ip, mac, rxAccounted, summarize } from './helpers.js';

const LIMITS = {
  arpQueueLen: 4,
  arpMaxEntries: 16,
  reassemblyMaxDatagrams: 8,
  reassemblyMaxBytes: 24_000,
  reassemblyMaxFragments: 32,
  txQueueLen: 8,
  reassemblyTimeoutNs: 5 * SEC,
  arpRetransNs: SEC / 4,
} satisfies Partial<NetStackOptions>;
const NAPT_MAX = 32;

/** The world one victim lives in: its devices, the addresses worth aiming at, and its MACs. */
interface World {
  sim: Simulator;
  stack: NetStack;
  devs: TestDevice[];
  macs: number[];
  addrs: number[];
  reply(rng: Rng): Uint8Array | null;
}

function hostWorld(seed: number): World {
  const sim = new Simulator({ seed });
  const [dev, peer] = TestDevice.pair(sim, { macs: [mac(1), mac(2)], names: ['eth0', 'peer'] });
  void peer;
  dev.sent = [];
  const stack = new NetStack(sim, { udp: false, name: 'victim', ...LIMITS });
  stack.addInterface(dev, { address: '10.0.0.1', prefixLength: 24 });
  stack.routes.setDefaultGateway('10.0.0.254');
  stack.ip.register(IP_PROTOCOL.UDP, { receive: (d) => void (d.payload.length % 3 === 0 && stack.icmp.destUnreachable(d)), icmpError: () => {} });
  stack.icmp.onEchoReply(() => {});
  stack.icmp.onEchoError(() => {});
  const addrs = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.7', '10.0.0.254', '10.0.0.255', '255.255.255.255', '224.0.0.1', '239.1.1.1', '8.8.8.8', '0.0.0.0', '127.0.0.1', '240.0.0.9', '192.168.7.7'].map(ip);
  // Occasionally the victim itself sends, so resolution, queues and errors about its own datagrams happen too.
  return { sim, stack, devs: [dev], macs: [mac(1)], addrs, reply: () => null };
}

function routerWorld(seed: number): World {
  const sim = new Simulator({ seed });
  const [r0] = TestDevice.pair(sim, { macs: [mac(0x11), mac(0x10)], names: ['r0', 'lan'] });
  const [r1] = TestDevice.pair(sim, { macs: [mac(0x21), mac(0x20)], names: ['r1', 'wan'] });
  const stack = new NetStack(sim, { udp: false, name: 'router', forwarding: true, ...LIMITS });
  const inside = stack.addInterface(r0, { address: '192.168.1.1', prefixLength: 24 });
  const outside = stack.addInterface(r1, { address: '203.0.113.1', prefixLength: 24 });
  stack.routes.setDefaultGateway('203.0.113.254');
  const napt = stack.configureNapt({ inside, outside, maxMappings: NAPT_MAX, timeoutNs: 3 * SEC, portRange: [40000, 40063] });
  const addrs = ['192.168.1.1', '192.168.1.2', '192.168.1.3', '192.168.1.255', '203.0.113.1', '203.0.113.7', '203.0.113.254', '203.0.113.255', '198.51.100.9', '255.255.255.255', '224.0.0.1', '0.0.0.0', '127.0.0.1', '10.9.9.9'].map(ip);
  return {
    sim,
    stack,
    devs: [r0, r1],
    macs: [mac(0x11), mac(0x21)],
    addrs,
    // A reply that matches (or nearly matches) a live mapping, so inbound translation is exercised.
    reply(rng) {
      const ms = napt.mappings();
      if (ms.length === 0) return null;
      const m = ms[rng.int(0, ms.length - 1)];
      const src = rng.chance(0.8) ? m.remoteAddr : ip('198.51.100.9');
      const pub = outside.address;
      if (m.protocol === IP_PROTOCOL.ICMP) return ipPacket({ src, dst: pub, protocol: 1, payload: icmpMsg({ kind: 'echoReply', id: m.outsidePort, seq: 1, data: new Uint8Array(4) }) });
      const sport = rng.chance(0.8) ? m.remotePort : 7;
      if (rng.chance(0.3)) {
        // An ICMP error quoting the translated datagram.
        const inner = ipPacket({ src: pub, dst: m.remoteAddr, protocol: m.protocol, payload: transport(m.protocol, m.outsidePort, m.remotePort, pub, m.remoteAddr, rng) });
        return ipPacket({ src: rng.chance(0.5) ? m.remoteAddr : ip('198.51.100.9'), dst: pub, protocol: 1, payload: icmpMsg({ kind: rng.chance(0.5) ? 'timeExceeded' : 'destUnreachable', code: 3, nextHopMtu: 0, invoking: inner.subarray(0, 20 + rng.int(0, 24)) } as IcmpRepr) });
      }
      return ipPacket({ src, dst: pub, protocol: m.protocol, payload: transport(m.protocol, sport, m.outsidePort, src, pub, rng) });
    },
  };
}

function ipPacket(f: Partial<Ipv4Repr> & { src: number; dst: number; protocol: number; payload: Uint8Array }): Uint8Array {
  const repr: Ipv4Repr = { dscp: 0, ecn: 0, ident: 1, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 64, options: [], ...f };
  const b = new Uint8Array(ipv4BufferLen(repr));
  emitIpv4(repr, b);
  return b;
}

function icmpMsg(repr: IcmpRepr): Uint8Array {
  const body = repr.kind === 'destUnreachable' || repr.kind === 'timeExceeded' ? repr.invoking : repr.data;
  const b = new Uint8Array(8 + body.length);
  emitIcmp(repr, b);
  return b;
}

function transport(protocol: number, sport: number, dport: number, src: number, dst: number, rng: Rng): Uint8Array {
  if (protocol === IP_PROTOCOL.UDP) {
    const data = rng.bytes(new Uint8Array(rng.int(0, 40)));
    const b = new Uint8Array(8 + data.length);
    emitUdp({ srcPort: sport, dstPort: dport, hasChecksum: rng.chance(0.8), payload: data }, b, src, dst);
    return b;
  }
  const b = rng.bytes(new Uint8Array(rng.int(20, 60)));
  b[0] = sport >>> 8;
  b[1] = sport;
  b[2] = dport >>> 8;
  b[3] = dport;
  return b;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)];
}

function randomOptions(rng: Rng): Ipv4Option[] {
  const opts: Ipv4Option[] = [];
  let room = 40;
  while (room > 2 && rng.chance(0.5)) {
    const type = pick(rng, [0, 1, 7, 68, 130, 131, 137, 148, rng.int(0, 255)]);
    if (type === 0 || type === 1) {
      opts.push({ type, data: new Uint8Array(0) });
      room -= 1;
      if (type === 0) break;
      continue;
    }
    const len = rng.int(0, Math.min(room - 2, 12));
    opts.push({ type, data: rng.bytes(new Uint8Array(len)) });
    room -= 2 + len;
  }
  return opts;
}

/** One random IPv4 datagram aimed at `w` (well formed: a mutation may come later). */
function randomDatagram(w: World, rng: Rng, fragmentable: boolean): Uint8Array {
  const src = rng.chance(0.85) ? pick(rng, w.addrs.slice(1, 5)) : pick(rng, w.addrs);
  const dst = rng.chance(0.6) ? pick(rng, w.addrs.slice(0, 2)) : pick(rng, w.addrs);
  const kind = rng.int(0, 9);
  let protocol: number;
  let payload: Uint8Array;
  if (kind <= 3) {
    protocol = IP_PROTOCOL.ICMP;
    const k = rng.int(0, 6);
    if (k === 0 || k === 1) payload = icmpMsg({ kind: k === 0 ? 'echoRequest' : 'echoReply', id: rng.int(0, 65535), seq: rng.int(0, 9), data: rng.bytes(new Uint8Array(rng.int(0, fragmentable ? 3000 : 64))) });
    else if (k <= 4) {
      // An error quoting a datagram "we" sent (or someone else did).
      const innerSrc = rng.chance(0.7) ? w.addrs[rng.chance(0.5) ? 0 : 4] : pick(rng, w.addrs);
      const innerProto = pick(rng, [1, 6, 17, 17, 99]);
      const innerPayload = innerProto === 1 ? icmpMsg({ kind: 'echoRequest', id: 5, seq: 6, data: new Uint8Array(4) }) : transport(innerProto, rng.int(1, 65535), rng.int(1, 65535), innerSrc, dst, rng);
      const inner = ipPacket({ src: innerSrc, dst: pick(rng, w.addrs), protocol: innerProto, payload: innerPayload });
      const invoking = inner.subarray(0, rng.int(0, inner.length));
      payload = icmpMsg(k === 2 ? { kind: 'destUnreachable', code: rng.int(0, 15), nextHopMtu: rng.int(0, 1500), invoking } : k === 3 ? { kind: 'timeExceeded', code: rng.int(0, 1), invoking } : { kind: 'other', type: 12, code: 0, rest: 0, data: invoking });
    } else payload = icmpMsg({ kind: 'other', type: rng.int(0, 255), code: rng.int(0, 255), rest: rng.nextU32(), data: rng.bytes(new Uint8Array(rng.int(0, 40))) });
  } else if (kind <= 6) {
    protocol = IP_PROTOCOL.UDP;
    payload = transport(protocol, rng.int(0, 65535), rng.int(0, 65535), src, dst, rng);
    if (fragmentable && rng.chance(0.3)) {
      const big = new Uint8Array(rng.int(1500, 4000));
      big.set(payload.subarray(0, 8));
      payload = big;
    }
  } else if (kind === 7) {
    protocol = IP_PROTOCOL.TCP;
    payload = transport(protocol, rng.int(0, 65535), rng.int(0, 65535), src, dst, rng);
  } else {
    protocol = rng.int(0, 255);
    payload = rng.bytes(new Uint8Array(rng.int(0, 80)));
  }
  return ipPacket({
    src,
    dst,
    protocol,
    payload,
    ttl: pick(rng, [0, 1, 2, 64, 255]),
    ident: rng.int(0, 7),
    dscp: rng.int(0, 63),
    dontFragment: rng.chance(0.2),
    options: rng.chance(0.2) ? randomOptions(rng) : [],
  });
}

/** Splits a datagram into fragments and shuffles, duplicates, drops or overlaps some. */
function fragmentSeries(packet: Uint8Array, rng: Rng): Uint8Array[] {
  const p = new Ipv4Packet(packet);
  const hl = p.headerLen;
  const data = packet.subarray(hl, p.totalLen);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    const size = Math.min(data.length - at, rng.int(1, 200) * 8);
    const last = at + size >= data.length;
    const f = new Uint8Array(hl + size);
    f.set(packet.subarray(0, hl));
    f.set(data.subarray(at, at + size), hl);
    const v = new Ipv4Packet(f);
    v.totalLen = f.length;
    v.flagsFrag = (last ? 0 : 0x2000) | ((at + (rng.chance(0.05) ? rng.int(-2, 2) * 8 : 0)) >>> 3 & 0x1fff);
    v.fillChecksum();
    out.push(f);
    at += size;
  }
  if (out.length === 0) return [packet];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  if (rng.chance(0.3)) out.push(out[rng.int(0, out.length - 1)]);
  if (rng.chance(0.3) && out.length > 1) out.splice(rng.int(0, out.length - 1), 1);
  return out;
}

function mutate(b: Uint8Array, rng: Rng, from: number): Uint8Array {
  const m = b.slice();
  const flips = rng.int(1, 3);
  for (let i = 0; i < flips && m.length > from; i++) m[rng.int(from, m.length - 1)] ^= 1 << rng.int(0, 7);
  if (rng.chance(0.2)) return m.subarray(0, rng.int(0, m.length));
  return m;
}

/** The next frames for `w`: one frame, or a fragment series. */
function nextFrames(w: World, rng: Rng): Uint8Array[] {
  const dstMac = () => (rng.chance(0.8) ? pick(rng, w.macs) : pick(rng, [MAC_BROADCAST, 0x01_00_5e_00_00_01, mac(0x77), 0x01_80_c2_00_00_00]));
  const srcMac = () => pick(rng, [mac(0x30), mac(0x31), mac(0x32), w.macs[0], 0x01_00_5e_00_00_05]);
  const r = rng.int(0, 99);
  if (r < 5) return [rng.bytes(new Uint8Array(rng.int(0, 120)))];
  if (r < 10) return [eth(dstMac(), srcMac(), pick(rng, [0x86dd, 0x8100, 0x88cc, rng.int(0, 0xffff)]), rng.bytes(new Uint8Array(rng.int(0, 60))))];
  if (r < 25) {
    const a = new Uint8Array(28);
    emitArp({ operation: pick(rng, [1, 1, 2, 2, 3, 0]), senderHw: srcMac(), senderIp: pick(rng, w.addrs), targetHw: rng.chance(0.5) ? 0 : pick(rng, w.macs), targetIp: pick(rng, w.addrs) }, a);
    const f = eth(dstMac(), srcMac(), ETHERTYPE.ARP, a);
    return [rng.chance(0.3) ? mutate(f, rng, 14) : f];
  }
  if (r < 32) {
    const reply = w.reply(rng);
    if (reply !== null) return [eth(pick(rng, w.macs), srcMac(), ETHERTYPE.IPV4, reply)];
  }
  if (r < 45) return fragmentSeries(randomDatagram(w, rng, true), rng).map((p) => eth(pick(rng, w.macs), srcMac(), ETHERTYPE.IPV4, rng.chance(0.1) ? mutate(p, rng, 0) : p));
  const packet = randomDatagram(w, rng, false);
  const kind = rng.int(0, 9);
  let bytes = packet;
  if (kind >= 6) {
    bytes = mutate(packet, rng, 0);
    if (kind >= 8 && bytes.length >= 20) {
      // Fix the header checksum after the mutation so the damage reaches the layers above.
      const v = new Ipv4Packet(bytes);
      const hl = v.headerLen;
      if (hl >= 20 && hl <= bytes.length) v.fillChecksum();
    }
  }
  if (rng.chance(0.1)) {
    const padded = new Uint8Array(bytes.length + rng.int(1, 30));
    padded.set(bytes);
    bytes = padded;
  }
  return [eth(dstMac(), srcMac(), ETHERTYPE.IPV4, bytes)];
}

function checkBounds(w: World, where: string): void {
  const s = w.stack;
  const r = s.ip.reassembler;
  expect(r.bytes, where).toBeLessThanOrEqual(LIMITS.reassemblyMaxBytes);
  expect(r.datagrams, where).toBeLessThanOrEqual(LIMITS.reassemblyMaxDatagrams);
  for (const i of s.interfaces) {
    expect(i.arp.size, where).toBeLessThanOrEqual(LIMITS.arpMaxEntries);
    expect(i.arp.maxQueued(), where).toBeLessThanOrEqual(LIMITS.arpQueueLen);
    expect(i.txQueued, where).toBeLessThanOrEqual(LIMITS.txQueueLen);
  }
  if (s.napt) expect(s.napt.size, where).toBeLessThanOrEqual(NAPT_MAX);
  expect(s.timers.live, where).toBeLessThanOrEqual(LIMITS.reassemblyMaxDatagrams + 1);
}

function run(make: (seed: number) => World, seed: number, frames: number): { fed: number; counters: Record<string, number> } {
  const w = make(seed);
  const rng = new Rng(seed, 'hostile');
  let fed = 0;
  let n = 0;
  while (fed < frames) {
    for (const f of nextFrames(w, rng)) {
      const dev = pick(rng, w.devs);
      const where = `seed ${seed}, frame ${fed}`;
      const before = w.stack.counters.snapshot();
      dev.inject(f);
      fed++;
      if (rxAccounted(w.stack) !== fed + w.stack.counters.get('ip.loopback')) {
        const after = w.stack.counters.snapshot();
        const moved = Object.keys(after).filter((k) => after[k] !== before[k]).map((k) => `${k} +${after[k] - before[k]}`);
        expect.fail(`${where}: ${summarize(f)} on ${dev.name}: counters moved: ${moved.join(', ')}; held ${w.stack.ip.reassembler.heldFragments}`);
      }
    }
    if (++n % 7 === 0) {
      // Let timers run (ARP retries, reassembly timeouts, NAPT expiry), sometimes send, sometimes block the device.
      if (rng.chance(0.3)) w.stack.ip.output({ dst: pick(rng, w.addrs), protocol: IP_PROTOCOL.UDP, payload: new Uint8Array(rng.int(8, 3000)) });
      if (rng.chance(0.1)) w.stack.icmp.sendEcho({ dst: pick(rng, w.addrs), id: 9, seq: n, data: new Uint8Array(8) });
      const d = pick(rng, w.devs);
      if (rng.chance(0.1)) d.blockTx();
      else d.unblockTx();
      if (rng.chance(0.02)) {
        d.setLink(false);
        d.setLink(true);
      }
      w.sim.runFor(rng.int(0, SEC / 2));
      checkBounds(w, `seed ${seed}, after frame ${fed}`);
      for (const dv of w.devs) dv.sent = [];
    }
  }
  w.sim.runFor(60 * SEC);
  checkBounds(w, `seed ${seed}, at the end`);
  expect(w.stack.ip.reassembler.heldFragments).toBe(0);
  expect(w.stack.counters.sum('rx-drop') + w.stack.counters.sum('rx-ok')).toBe(fed + w.stack.counters.get('ip.loopback'));
  expect(w.devs.reduce((k, d) => k + d.stats().rxPackets, 0)).toBe(fed);
  return { fed, counters: w.stack.counters.snapshot({ nonZero: true }) };
}

if (process.env.HOSTILE_STRESS) {
  it('stress', () => {
    const n = Number(process.env.HOSTILE_STRESS);
    const all: Record<string, number> = {};
    for (let seed = 100; seed < 100 + n; seed++) {
      const { counters } = run(seed % 2 === 0 ? hostWorld : routerWorld, seed, 3000);
      for (const [k, v] of Object.entries(counters)) all[k] = (all[k] ?? 0) + v;
    }
    console.log(JSON.stringify(all, null, 1));
  }, 600_000);
}

describe('hostile input', () => {
  it('a host: 6000 random and mutated frames; every one counted once, memory bounded', () => {
    const { fed, counters } = run(hostWorld, 1, 6000);
    expect(fed).toBeGreaterThanOrEqual(6000);
    // The generator reaches the deep paths, not only the first checks.
    for (const c of ['eth.notForUs', 'arp.accepted', 'ip.badChecksum', 'ip.delivered', 'ip.fragMerged', 'ip.fragOverlap', 'ip.fragDuplicate', 'ip.reassemblyTimeout', 'icmp.echoAnswered', 'icmp.errorDelivered', 'icmp.badError', 'ip.notForUs']) {
      expect(counters[c] ?? 0, c).toBeGreaterThan(0);
    }
  });

  it('a NAPT router: 6000 frames on both sides; every one counted once, memory bounded', () => {
    const { counters } = run(routerWorld, 2, 6000);
    for (const c of ['ip.forwarded', 'ip.ttlExpired', 'napt.translatedOut', 'napt.translatedIn', 'napt.unsupported', 'ip.fragMerged']) {
      expect(counters[c] ?? 0, c).toBeGreaterThan(0);
    }
  });

  it('more seeds, fewer frames each', () => {
    for (let seed = 10; seed < 16; seed++) {
      run(seed % 2 === 0 ? hostWorld : routerWorld, seed, 800);
    }
  });
});
