import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../sim/simulator.js';
import { SEC } from '../../../sim/time.js';
import type { EchoReply } from '../../../stack/icmp.js';
import type { IpHandler } from '../../../stack/ip/ipv4.js';
import { WireError } from '../../../stack/wire/error.js';
import { ETHERTYPE } from '../../../stack/wire/ethernet.js';
import { ICMP_UNREACH, parseIcmp } from '../../../stack/wire/icmp.js';
import { IP_PROTOCOL, Ipv4Packet, parseIpv4 } from '../../../stack/wire/ipv4.js';
import { parseUdp } from '../../../stack/wire/udp.js';
import { TCP_FLAG, TcpSegment, emitTcp, parseTcp, tcpBufferLen } from '../../../stack/wire/tcp.js';
import { NetStack, type NetStackOptions } from '../../../stack/host.js';
import { TestDevice } from '../../../stack/testdev.js';
import { NAPT_DEFAULTS, type NaptOptions } from '../../../stack/ip/napt.js';
import { Process } from '../../../stack/socket/api.js';
import type { SocketError } from '../../../stack/socket/errors.js';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { dropFrames, rejection, run } from '../apphelpers.js';
import { eth, hex, ip, ipv4, mac, nonZero, recorder, routed, seqBytes, trace, udp } from '../helpers.js';

const H = ip('192.168.1.10');
const S = ip('203.0.113.7');
const PUB = ip('203.0.113.1');

function natted(opts: { timeoutNs?: number; maxMappings?: number; portRange?: [number, number]; refuse?: 'h' | 's' } = {}) {
  const t = routed();
  const { refuse, ...naptOpts } = opts;
  const napt = t.r.configureNapt({ inside: t.ir0, outside: t.ir1, ...naptOpts });
  const hUdp = recorder();
  const sUdp = recorder();
  // A host that "refuses" answers every UDP datagram with port unreachable (a closed port).
  const refuser = (stack: typeof t.h): IpHandler => ({ receive: (d) => void stack.icmp.destUnreachable(d, ICMP_UNREACH.PORT), icmpError: () => {} });
  t.h.ip.register(IP_PROTOCOL.UDP, refuse === 'h' ? { receive: refuser(t.h).receive, icmpError: hUdp.icmpError } : hUdp);
  t.s.ip.register(IP_PROTOCOL.UDP, refuse === 's' ? { receive: refuser(t.s).receive, icmpError: sUdp.icmpError } : sUdp);
  return { ...t, napt, hUdp, sUdp };
}

const udpOk = (d: { payload: Uint8Array; src: number; dst: number }) => !(parseUdp(d.payload, d.src, d.dst) instanceof WireError);

describe('NAPT (the seed\'s private/public example)', () => {
  it('an inside host\'s UDP gets the public address and a mapped port; the reply is translated back', () => {
    const { sim, h, s, r, napt, hUdp, sUdp, dr1 } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('71 75 65 72 79')) });
    sim.runFor(SEC);
    expect(trace(dr1.sent, { noArp: true })).toEqual(['5000 02:00:00:00:00:21 > 02:00:00:00:00:27 203.0.113.1 > 203.0.113.7 ttl 63 id 1000 udp 49152 > 53 len 5']);
    expect(sUdp.got.map((d) => [d.src, d.data[0] << 8 | d.data[1], udpOk(d)])).toEqual([[PUB, 49152, true]]);
    expect(napt.table()).toEqual([{ protocol: 'udp', inside: '192.168.1.10:5000', outside: '203.0.113.1:49152', remote: '203.0.113.7:53', expiresInNs: 59 * SEC + 3000 }]);

    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('61 6e 73')) });
    sim.runFor(SEC);
    expect(hUdp.got.map((d) => [d.src, d.dst, d.data[0] << 8 | d.data[1], d.data[2] << 8 | d.data[3], d.ttl, udpOk(d)])).toEqual([[S, H, 53, 5000, 63, true]]);
    expect(r.counters.get('napt.translatedOut')).toBe(1);
    expect(r.counters.get('napt.translatedIn')).toBe(1);
    expect(r.counters.get('ip.forwarded')).toBe(2);
  });

  it('ICMP echo: the identifier is mapped both ways', () => {
    const { sim, h, napt } = natted();
    const replies: EchoReply[] = [];
    h.icmp.onEchoReply((e) => replies.push(e));
    h.icmp.sendEcho({ dst: S, id: 42, seq: 7, data: seqBytes(16) });
    sim.runFor(SEC);
    expect(napt.table().map((x) => `${x.protocol} ${x.inside} ${x.outside} ${x.remote}`)).toEqual(['icmp 192.168.1.10:42 203.0.113.1:49152 203.0.113.7:0']);
    expect(replies.map((e) => [e.src, e.id, e.seq, e.ttl])).toEqual([[S, 42, 7, 63]]);
  });

  it('each remote endpoint gets its own mapping; ports are allocated in order from the range', () => {
    const { sim, h, napt } = natted({ portRange: [20000, 20001] });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 53, hex('00')) });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 54, hex('00')) });
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5000, 53, hex('00')) }); // same mapping again
    h.ip.output({ dst: S, protocol: 17, payload: udp(H, S, 5001, 53, hex('00')) }); // no port left
    sim.runFor(SEC);
    expect(napt.table().map((x) => `${x.inside} ${x.outside} ${x.remote}`)).toEqual([
      '192.168.1.10:5000 203.0.113.1:20000 203.0.113.7:53',
      '192.168.1.10:5000 203.0.113.1:20001 203.0.113.7:54',
    ]);
    expect(napt.size).toBe(2);
  });

  it('unsolicited packets and replies from another endpoint are not let in (they reach the router itself)', () => {
    const { sim, h, s, r, hUdp } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 99, 49152, hex('01')) }); // wrong source port
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49153, hex('02')) }); // no such mapping
    sim.runFor(SEC);
    expect(hUdp.got).toEqual([]);
    expect(r.counters.get('ip.unknownProtocol')).toBe(2); // the router runs no UDP
  });

  it('mappings expire after the idle timeout; traffic in either direction refreshes them', () => {
    const { sim, h, s, napt } = natted({ timeoutNs: 10 * SEC });
    const events = sim.trace.record(['napt.mapping']);
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(6 * SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('01')) }); // refresh at 6 s + 1 µs
    sim.runFor(10 * SEC);
    expect(napt.size).toBe(1);
    sim.runFor(10 * SEC);
    expect(napt.size).toBe(0);
    expect(events.events.map((e) => `${e.time} ${e.kind === 'napt.mapping' ? `${e.event} ${e.protocol} ${e.inside} ${e.outside}` : ''}`)).toEqual([
      '3000 create udp 192.168.1.10:5000 203.0.113.1:49152',
      '16000001000 expire udp 192.168.1.10:5000 203.0.113.1:49152',
    ]);
    expect(h.counters.get('ip.delivered')).toBe(1);
  });

  it('an ICMP error from outside about a translated datagram is translated back (quoted header, ports, checksums)', () => {
    const { sim, h, hUdp, dr0 } = natted({ refuse: 's' });
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    expect(trace(dr0.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '203.0.113.7 > 192.168.1.10 ttl 63 id 3000 icmp unreachable code 3 about [192.168.1.10 > 203.0.113.7 udp]',
    ]);
    expect(hUdp.errors.map((e) => [e.type, e.code, e.from, e.original.src, e.original.dst, (e.original.payload[0] << 8) | e.original.payload[1]])).toEqual([[3, 3, S, H, S, 5000]]);
    const frame = dr0.sent.find((f) => f.frame[14 + 9] === IP_PROTOCOL.ICMP)!.frame;
    const outer = parseIpv4(frame.subarray(14));
    if (outer instanceof WireError) throw new Error(outer.message);
    const msg = parseIcmp(outer.payload); // the ICMP checksum is verified here
    if (msg instanceof WireError || msg.kind !== 'destUnreachable') throw new Error('not an unreachable');
    expect(new Ipv4Packet(msg.invoking).checksumOk()).toBe(true); // quoted IP header checksum fixed
    expect(parseUdp(msg.invoking.subarray(20), H, S)).not.toBeInstanceOf(WireError); // quoted UDP checksum fixed
  });

  it("an inside host's ICMP error about a translated-in datagram leaves with the public address quoted", () => {
    const { sim, h, s, sUdp, dr1 } = natted({ refuse: 'h' });
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(SEC);
    s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.UDP, payload: udp(S, PUB, 53, 49152, hex('01')) });
    sim.runFor(SEC);
    expect(trace(dr1.sent, { noArp: true }).map((l) => l.replace(/^\d+ \S+ > \S+ /, ''))).toEqual([
      '203.0.113.1 > 203.0.113.7 ttl 63 id 1000 udp 49152 > 53 len 1',
      '203.0.113.1 > 203.0.113.7 ttl 63 id 1001 icmp unreachable code 3 about [203.0.113.7 > 203.0.113.1 udp]',
    ]);
    expect(sUdp.errors.map((e) => [e.from, e.original.src, e.original.dst, (e.original.payload[2] << 8) | e.original.payload[3]])).toEqual([[PUB, S, PUB, 49152]]);
    const frame = dr1.sent.at(-1)!.frame;
    const outer = parseIpv4(frame.subarray(14));
    if (outer instanceof WireError) throw new Error(outer.message);
    const msg = parseIcmp(outer.payload);
    if (msg instanceof WireError || msg.kind !== 'destUnreachable') throw new Error('not an unreachable');
    expect(new Ipv4Packet(msg.invoking).checksumOk()).toBe(true);
    expect(parseUdp(msg.invoking.subarray(20), S, PUB)).not.toBeInstanceOf(WireError);
    expect(s.counters.get('icmp.errorDelivered')).toBe(1);
  });

  it('protocols NAPT cannot translate, short packets and a full table are counted', () => {
    const { sim, r, dr0 } = natted({ maxMappings: 1 });
    const inj = (p: Uint8Array) => dr0.inject(eth(mac(0x11), mac(0x10), ETHERTYPE.IPV4, p));
    inj(ipv4({ src: H, dst: S, protocol: 47, payload: seqBytes(8) })); // GRE
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: seqBytes(4) })); // shorter than a UDP header
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 1, 2, hex('00')) }));
    inj(ipv4({ src: H, dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 3, 4, hex('00')) })); // second mapping: table full
    sim.runFor(SEC);
    expect(nonZero(r, 'rx-drop')).toEqual({ 'napt.unsupported': 1, 'napt.badPacket': 1, 'napt.tableFull': 1 });
    expect(r.counters.get('ip.forwarded')).toBe(1);
  });

  it('fragmented traffic is reassembled before translation and fragmented again on the way out', () => {
    const { sim, h, sUdp, r } = natted();
    h.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 9, seqBytes(3000)) });
    sim.runFor(SEC);
    expect(sUdp.got.map((d) => [d.src, d.data.length, udpOk(d)])).toEqual([[PUB, 3008, true]]);
    expect(r.counters.get('ip.fragMerged')).toBe(2);
    expect(r.counters.get('ip.fragCreated')).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------
// TCP through the NAPT: translation with checksum fix-up, and mapping expiry by connection phase

const MIN = 60 * SEC;
const EST = 7440 * SEC; // 2 h 4 min
const TRANS = 4 * MIN;

/** The routed topology with TCP on every host and NAPT on the router. */
function tcpNatted(opts: { napt?: Partial<NaptOptions>; h?: Partial<NetStackOptions> } = {}) {
  const t = routed({ h: { tcp: {}, ...opts.h }, s: { tcp: {} }, r: { tcp: {} } });
  const napt = t.r.configureNapt({ inside: t.ir0, outside: t.ir1, ...opts.napt });
  const ph = new Process(t.h, 'client');
  const ps = new Process(t.s, 'server');
  return { ...t, napt, ph, ps };
}

/** Application code waits `ns` of simulated time. */
function sleep(sim: Simulator, ns: number): Promise<void> {
  return new Promise((resolve) => {
    sim.schedule(ns, () => {
      resolve();
      sim.wake();
    });
  });
}

/** Reads until the peer closes; everything read. */
async function readAll(p: Process, fd: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const b = await p.read(fd);
    if (b.length === 0) break;
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of parts) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

async function writeAll(p: Process, fd: number, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length; ) at += await p.write(fd, data.subarray(at));
}

/** The TCP segments in `frames` (time, addresses, ports, flags, and whether the checksum verifies over the pseudo-header). */
function tcpFrames(frames: readonly { time: number; frame: Uint8Array }[]) {
  const out: { time: number; src: number; dst: number; sport: number; dport: number; flags: number; len: number; ok: boolean }[] = [];
  for (const f of frames) {
    const p = parseIpv4(f.frame.subarray(14));
    if (p instanceof WireError || p.protocol !== IP_PROTOCOL.TCP) continue;
    const seg = new TcpSegment(p.payload);
    const ok = !(parseTcp(p.payload, p.src, p.dst) instanceof WireError);
    out.push({ time: f.time, src: p.src, dst: p.dst, sport: seg.srcPort, dport: seg.dstPort, flags: seg.flags, len: p.payload.length - seg.headerLen, ok });
  }
  return out;
}

const FLAGS = (f: number) => (f & TCP_FLAG.SYN ? 'S' : '') + (f & TCP_FLAG.FIN ? 'F' : '') + (f & TCP_FLAG.RST ? 'R' : '') + (f & TCP_FLAG.ACK ? '.' : '');

describe('NAPT and TCP', () => {
  it('a connection from inside: ports and addresses translated, checksums still verify, data both ways, half-close, close', async () => {
    const { sim, r, napt, ph, ps, dr0, dr1, h, s } = tcpNatted();
    const up = seqBytes(5000, 1);
    const down = seqBytes(7000, 3);
    const phases: string[] = [];
    const seen = () => napt.table().map((x) => `${x.state} ${x.inside} ${x.outside} ${x.remote}`);
    const got = await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      const accepted = ps.accept(l);
      await ph.connect(c, { address: S, port: 80 });
      const { fd, peer } = await accepted;
      phases.push(...seen());
      await writeAll(ph, c, up);
      await ph.shutdown(c, 'write'); // half-close: the other direction keeps going
      const atServer = await readAll(ps, fd);
      phases.push(...seen());
      await writeAll(ps, fd, down);
      await ps.close(fd);
      const atClient = await readAll(ph, c);
      await ph.close(c);
      await sleep(sim, SEC); // the last ACK
      phases.push(...seen());
      return { peer, atServer, atClient };
    });
    expect(got.peer).toEqual({ address: PUB, port: 49152 }); // the server sees the public address and port
    expect(got.atServer).toEqual(up);
    expect(got.atClient).toEqual(down);
    expect(phases).toEqual([
      'established 192.168.1.10:32768 203.0.113.1:49152 203.0.113.7:80',
      'established 192.168.1.10:32768 203.0.113.1:49152 203.0.113.7:80', // half-closed stays established
      'closed 192.168.1.10:32768 203.0.113.1:49152 203.0.113.7:80',
    ]);
    // every segment on both links verifies: the RFC 1624 fix-up covers the pseudo-header address and the port
    const outside = tcpFrames(dr1.sent);
    const inside = tcpFrames(dr0.sent);
    expect([outside.map((x) => `${FLAGS(x.flags)}${x.len}`).join(' '), inside.map((x) => `${FLAGS(x.flags)}${x.len}`).join(' ')]).toEqual([
      'S0 .0 .1448 .1448 .1448 F.656 .0 .0 .0', // h → s: the FIN rides on the last of the 5,000 bytes
      'S.0 .0 .0 .1448 .1448 .1448 .1448 F.1208', // s → h: 7,000 bytes after h's half-close
    ]);
    expect(outside.every((x) => x.ok && x.src === PUB && x.sport === 49152 && x.dst === S && x.dport === 80)).toBe(true);
    expect(inside.every((x) => x.ok && x.src === S && x.sport === 80 && x.dst === H && x.dport === 32768)).toBe(true);
    for (const host of [h, s]) {
      expect(host.counters.get('tcp.badChecksum')).toBe(0);
      expect(host.counters.get('tcp.noSocket')).toBe(0);
    }
    expect(r.counters.get('napt.translatedOut')).toBe(outside.length);
    expect(r.counters.get('napt.translatedIn')).toBe(inside.length);
    expect(r.counters.get('tcp.noSocket')).toBe(0); // nothing fell through to the router's own TCP
  });

  it("an established connection's mapping idles 2 h 4 min (RFC 5382 REQ-5); a UDP one made meanwhile still goes after 60 s", async () => {
    const { sim, napt, ph, ps, dr0, dr1 } = tcpNatted();
    const events = sim.trace.record(['napt.mapping']);
    let c = 0;
    await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
      await ps.accept(l);
    });
    const last = () => Math.max(...tcpFrames([...dr0.sent, ...dr1.sent]).map((x) => x.time));
    expect(napt.table()[0]).toMatchObject({ state: 'established', expiresInNs: last() + EST - sim.now });
    // a UDP mapping made now expires first, although the sweep was set for the TCP one
    const tUdp = sim.now;
    ph.stack.ip.output({ dst: S, protocol: IP_PROTOCOL.UDP, payload: udp(H, S, 5000, 53, hex('00')) });
    sim.runFor(2 * MIN);
    expect(napt.table().map((x) => x.protocol)).toEqual(['tcp']);
    // an idle connection (no keepalive) outlives UDP's minute…
    sim.runFor(2 * 3600 * SEC);
    expect(napt.size).toBe(1);
    // …and its mapping goes 2 h 4 min after its last segment
    sim.runFor(EST);
    expect(napt.size).toBe(0);
    const ev = events.events.map((e) => (e.kind === 'napt.mapping' ? `${e.event} ${e.protocol} ${e.inside}` : ''));
    expect(ev).toEqual(['create tcp 192.168.1.10:32768', 'create udp 192.168.1.10:5000', 'expire udp 192.168.1.10:5000', 'expire tcp 192.168.1.10:32768']);
    expect(events.events[2].time - events.events[1].time - 60 * SEC).toBe(2000); // refreshed by the ICMP error s sends back (no UDP there)
    expect(events.events[1].time - tUdp).toBeLessThan(10_000); // a few µs of links
    expect(events.events[3].time).toBe(last() + EST);
  });

  it('SO_KEEPALIVE (first probe after 2 h idle) keeps an idle connection\'s mapping alive for hours: why the RFC says 2 h 4 min', async () => {
    const { sim, napt, ph, ps, r } = tcpNatted();
    const got = await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.setsockopt(c, 'SO_KEEPALIVE', 1);
      await ph.connect(c, { address: S, port: 80 });
      const { fd } = await ps.accept(l);
      await sleep(sim, 5 * 3600 * SEC); // idle for 5 hours
      expect(napt.table().map((x) => x.state)).toEqual(['established']);
      await ph.write(c, hex('68 69'));
      return ps.read(fd);
    });
    expect(got).toEqual(hex('68 69'));
    expect(r.counters.get('napt.mappingsCreated')).toBe(1);
    expect(r.counters.get('napt.mappingsExpired')).toBe(0);
  });

  it('without keepalive an idle connection outlives its mapping: its next segment gets a new port and the server answers RST', async () => {
    const { sim, napt, ph, ps, s } = tcpNatted();
    const err = await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
      await ps.accept(l);
      await sleep(sim, EST + SEC);
      expect(napt.size).toBe(0);
      await ph.write(c, hex('68 69'));
      return rejection(ph.read(c, { timeoutNs: SEC }));
    });
    expect((err as SocketError).code).toBe('ECONNRESET');
    expect(napt.table().map((x) => `${x.state} ${x.outside}`)).toEqual(['reset 203.0.113.1:49153']); // picked up mid-stream on a new port, then reset
    expect(s.counters.get('tcp.listenNotSyn')).toBe(1); // to the listener's port from an unknown endpoint: answered with RST
  });

  it('after FIN both ways the mapping is transitory: 4 min after the last ACK', async () => {
    const { sim, napt, ph, ps, dr0, dr1 } = tcpNatted();
    const events = sim.trace.record(['napt.mapping']);
    await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
      const { fd } = await ps.accept(l);
      await ph.close(c);
      expect(await ps.read(fd)).toHaveLength(0);
      await ps.close(fd);
      await sleep(sim, SEC);
    });
    const frames = tcpFrames([...dr0.sent, ...dr1.sent]).sort((a, b) => a.time - b.time);
    expect(frames.map((x) => FLAGS(x.flags))).toEqual(['S', 'S.', '.', 'F.', '.', 'F.', '.']);
    expect(napt.table()[0]).toMatchObject({ state: 'closed', expiresInNs: frames.at(-1)!.time + TRANS - sim.now });
    sim.runFor(10 * MIN);
    expect(events.events.at(-1)).toMatchObject({ kind: 'napt.mapping', event: 'expire', time: frames.at(-1)!.time + TRANS });
  });

  it('a SYN nobody answers leaves a transitory mapping: 4 min after the last retransmission', async () => {
    const { sim, napt, ph, dr1 } = tcpNatted({ h: { tcp: { synRetries: 1 } } });
    const lost = dropFrames(dr1, / tcp /); // the outside link loses everything the router sends
    const err = await run(sim, async () => {
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      return rejection(ph.connect(c, { address: S, port: 80 }));
    });
    expect((err as SocketError).code).toBe('ETIMEDOUT');
    expect(lost).toHaveLength(2); // the SYN and its one retransmission
    expect(napt.table()).toEqual([{ protocol: 'tcp', inside: '192.168.1.10:32768', outside: '203.0.113.1:49152', remote: '203.0.113.7:80', state: 'opening', expiresInNs: napt.mappings()[0].expiresAt - sim.now }]);
    const resent = sim.now - 2 * SEC; // SYN at t, again at t + 1 s, connect fails at t + 3 s
    expect(napt.mappings()[0].expiresAt).toBe(resent + TRANS + 1000); // + the 1 µs link from h
    sim.runFor(TRANS);
    expect(napt.size).toBe(0);
  });

  it('a RST makes the mapping transitory; a new SYN on the same endpoints starts over and becomes established', async () => {
    const { sim, napt, ph, ps } = tcpNatted({ napt: { tcpEstablishedTimeoutNs: 600 * SEC, tcpTransitoryTimeoutNs: 30 * SEC } });
    const r1 = await run(sim, async () => {
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.bind(c, { address: 0, port: 40000 });
      const e = await rejection(ph.connect(c, { address: S, port: 80 })); // nothing listens: RST
      await ph.close(c);
      return e;
    });
    expect((r1 as SocketError).code).toBe('ECONNREFUSED');
    const t = napt.table();
    expect(t.map((x) => `${x.state} ${x.inside} ${x.outside}`)).toEqual(['reset 192.168.1.10:40000 203.0.113.1:49152']);
    expect(t[0].expiresInNs).toBeGreaterThan(29 * SEC);
    expect(t[0].expiresInNs).toBeLessThanOrEqual(30 * SEC);
    await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.bind(c, { address: 0, port: 40000 });
      await ph.connect(c, { address: S, port: 80 });
    });
    expect(napt.table().map((x) => `${x.state} ${x.inside} ${x.outside} ${Math.round(x.expiresInNs / SEC)}`)).toEqual(['established 192.168.1.10:40000 203.0.113.1:49152 600']);
  });

  it('a RST from inside on an established connection: transitory from then on', async () => {
    const { sim, napt, ph, ps } = tcpNatted();
    await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
      await ps.accept(l);
      await ph.setsockopt(c, 'SO_LINGER', 0);
      await ph.close(c); // abortive close: RST
      await sleep(sim, SEC);
    });
    expect(napt.table().map((x) => `${x.state} ${x.expiresInNs <= TRANS && x.expiresInNs > TRANS - 2 * SEC}`)).toEqual(['reset true']);
  });

  it('an unsolicited inbound SYN is not let in: the router answers for itself (RST), the inside host sees nothing', async () => {
    const { sim, r, h, napt, ph, ps, dr0 } = tcpNatted();
    // an inside listener on the port the first mapping will use, to show nothing reaches it
    const l = await run(sim, async () => {
      const l = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.bind(l, { address: 0, port: 49152 });
      await ph.listen(l, 4);
      return l;
    });
    void l;
    const e1 = await run(sim, async () => {
      const c = await ps.socket(AF_INET, SOCK_STREAM);
      return rejection(ps.connect(c, { address: PUB, port: 49152 }));
    });
    expect((e1 as SocketError).code).toBe('ECONNREFUSED');
    expect(napt.size).toBe(0);
    // with a live mapping, a SYN from another port of the same remote host is still filtered
    await run(sim, async () => {
      const l2 = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l2, { address: 0, port: 80 });
      await ps.listen(l2, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
    });
    const before = dr0.sent.length;
    const e2 = await run(sim, async () => {
      const c = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(c, { address: 0, port: 81 });
      return rejection(ps.connect(c, { address: PUB, port: 49152 }));
    });
    expect((e2 as SocketError).code).toBe('ECONNREFUSED');
    expect(tcpFrames(dr0.sent.slice(before))).toEqual([]); // nothing forwarded inside
    expect(r.counters.get('tcp.noSocket')).toBe(2); // both SYNs ended at the router's TCP, answered with RST
    expect(h.counters.get('tcp.synAccepted')).toBe(0);
    expect(napt.size).toBe(1);
  });

  it('a connection picked up mid-stream (an ACK, no SYN seen) is transitory until something comes back, then established', () => {
    const t = routed({ h: { tcp: false }, s: { tcp: false } });
    const napt = t.r.configureNapt({ inside: t.ir0, outside: t.ir1 });
    const seg = (src: number, dst: number, sport: number, dport: number, flags: number) => {
      const repr = { srcPort: sport, dstPort: dport, seq: 1000, ack: 2000, flags, window: 512, urgent: 0, options: [], payload: hex('68 69') };
      const b = new Uint8Array(tcpBufferLen(repr));
      emitTcp(repr, b, src, dst);
      return b;
    };
    const phase = () => napt.table().map((x) => `${x.state} ${Math.floor(x.expiresInNs / SEC)}`); // whole seconds left, a second after the last packet
    t.h.ip.output({ dst: S, protocol: IP_PROTOCOL.TCP, payload: seg(H, S, 5000, 80, TCP_FLAG.ACK | TCP_FLAG.PSH) });
    t.sim.runFor(SEC);
    expect(phase()).toEqual(['opening 239']);
    const toS = tcpFrames(t.dr1.sent);
    expect(toS.map((x) => [x.src, x.sport, x.ok])).toEqual([[PUB, 49152, true]]);
    t.s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.TCP, payload: seg(S, PUB, 80, 49152, TCP_FLAG.ACK) });
    t.sim.runFor(SEC);
    expect(phase()).toEqual(['established 7439']);
    expect(tcpFrames(t.dr0.sent).map((x) => [x.dst, x.dport, x.ok])).toEqual([[H, 5000, true]]);
    // a FIN each way: closed, transitory
    t.h.ip.output({ dst: S, protocol: IP_PROTOCOL.TCP, payload: seg(H, S, 5000, 80, TCP_FLAG.ACK | TCP_FLAG.FIN) });
    t.sim.runFor(SEC);
    expect(phase()).toEqual(['established 7439']); // half-closed
    t.s.ip.output({ dst: PUB, protocol: IP_PROTOCOL.TCP, payload: seg(S, PUB, 80, 49152, TCP_FLAG.ACK | TCP_FLAG.FIN) });
    t.sim.runFor(SEC);
    expect(phase()).toEqual(['closed 239']);
  });

  it('path MTU discovery through the NAPT: a router beyond it quotes the translated segment; the error is translated back and the inside host lowers its MSS', async () => {
    // h — r (NAPT) — q — s, where q's link to s has an MTU of 576 (s itself announces MSS 1460)
    const sim = new Simulator({ seed: 5 });
    const [dh, dr0] = TestDevice.pair(sim, { macs: [mac(0x10), mac(0x11)], names: ['eth0', 'r0'] });
    const [dr1, dq0] = TestDevice.pair(sim, { macs: [mac(0x21), mac(0x22)], names: ['r1', 'q0'] });
    const [dq1, ds] = TestDevice.pair(sim, { macs: [mac(0x31), mac(0x37)], names: ['q1', 'eth0'] });
    dq1.setMtu(576);
    const h = new NetStack(sim, { name: 'h', udp: false });
    const r = new NetStack(sim, { name: 'r', forwarding: true, udp: false });
    const q = new NetStack(sim, { name: 'q', forwarding: true, udp: false });
    const s = new NetStack(sim, { name: 's', udp: false });
    h.addInterface(dh, { address: '192.168.1.10', prefixLength: 24, announce: false });
    const ir0 = r.addInterface(dr0, { address: '192.168.1.1', prefixLength: 24, announce: false });
    const ir1 = r.addInterface(dr1, { address: '198.51.100.1', prefixLength: 24, announce: false });
    q.addInterface(dq0, { address: '198.51.100.2', prefixLength: 24, announce: false });
    q.addInterface(dq1, { address: '203.0.113.1', prefixLength: 24, announce: false });
    s.addInterface(ds, { address: '203.0.113.7', prefixLength: 24, announce: false });
    h.routes.setDefaultGateway('192.168.1.1');
    r.routes.setDefaultGateway('198.51.100.2');
    q.routes.setDefaultGateway('198.51.100.1');
    s.routes.setDefaultGateway('203.0.113.1');
    r.configureNapt({ inside: ir0, outside: ir1 });
    const ph = new Process(h, 'client');
    const ps = new Process(s, 'server');
    const data = seqBytes(5000, 7);
    const got = await run(sim, async () => {
      const l = await ps.socket(AF_INET, SOCK_STREAM);
      await ps.bind(l, { address: 0, port: 80 });
      await ps.listen(l, 4);
      const c = await ph.socket(AF_INET, SOCK_STREAM);
      await ph.connect(c, { address: S, port: 80 });
      const { fd } = await ps.accept(l);
      await writeAll(ph, c, data);
      await ph.close(c);
      return readAll(ps, fd);
    });
    expect(got).toEqual(data);
    // the three full segments of the initial window came back as "fragmentation needed" from q…
    expect(q.counters.get('ip.fragNeeded')).toBe(3);
    expect(r.counters.get('napt.translatedIn')).toBeGreaterThanOrEqual(3);
    // …reached h translated (quoting h's own address and port), and h resent in 524-byte segments
    expect(trace(dr0.sent, { noArp: true }).filter((x) => / icmp /.test(x)).map((x) => x.replace(/^\d+ \S+ > \S+ /, '').replace(/ id \d+/, ''))).toEqual([
      '198.51.100.2 > 192.168.1.10 ttl 63 icmp unreachable code 4 mtu 576 about [192.168.1.10 > 203.0.113.7 tcp]',
      '198.51.100.2 > 192.168.1.10 ttl 63 icmp unreachable code 4 mtu 576 about [192.168.1.10 > 203.0.113.7 tcp]',
      '198.51.100.2 > 192.168.1.10 ttl 63 icmp unreachable code 4 mtu 576 about [192.168.1.10 > 203.0.113.7 tcp]',
    ]);
    expect([h.counters.get('tcp.icmpErrors'), h.counters.get('tcp.pmtuUpdates'), h.counters.get('tcp.icmpIgnored')]).toEqual([3, 1, 0]);
    expect(Math.max(...tcpFrames(dr1.sent).map((x) => x.len))).toBe(1448); // before the error
    expect(tcpFrames(dr1.sent).slice(-3).every((x) => x.len <= 524 && x.ok)).toBe(true); // after it
  });

  it('rejects bad timeouts', () => {
    const t = routed();
    expect(() => t.r.configureNapt({ inside: t.ir0, outside: t.ir1, tcpTransitoryTimeoutNs: 0 })).toThrow(/tcpTransitoryTimeoutNs must be a positive integer/);
    expect(() => t.r.configureNapt({ inside: t.ir0, outside: t.ir1, tcpEstablishedTimeoutNs: 1.5 })).toThrow(RangeError);
  });

  it('defaults: UDP 60 s, TCP established 2 h 4 min, transitory 4 min', () => {
    expect(NAPT_DEFAULTS).toMatchObject({ timeoutNs: 60 * SEC, tcpEstablishedTimeoutNs: EST, tcpTransitoryTimeoutNs: TRANS });
  });
});
