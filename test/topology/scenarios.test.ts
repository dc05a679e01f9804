/**
 * Scenarios on whole emulated hosts (adapter + kernel + e1000 driver + stack) built with the
 * topology builder: ping on a LAN and across a router, IP fragmentation and reassembly with
 * reordered, duplicated and lost fragments, ARP failure, ICMP port unreachable, DNS with its
 * cache and a retry, and NAPT both ways. Each asserts the outcome an application sees, the
 * stack's counters and, where the path is simple enough to compute, the simulated time.
 *
 * Times at 1 Gb/s (8 ns per byte on the wire, preamble and SFD included; 5 ns/m of cable):
 * a 64-byte frame (ARP, small UDP) takes 8 × (64 + 8) = 576 ns, a ping (98 + 4 FCS + 8) 880 ns.
 */
import { describe, expect, test } from 'vitest';
import { Network, type NetHost } from '../../topology/network.js';
import { ping, formatPing } from '../../stack/tools/ping.js';
import { Process } from '../../stack/socket/api.js';
import { AF_INET, SOCK_DGRAM } from '../../stack/socket/types.js';
import { SocketError } from '../../stack/socket/errors.js';
import { DnsResolver, DnsServer } from '../../stack/apps/dns.js';
import { EchoServer } from '../../stack/apps/echo.js';
import { delayFrames, dropFrames, duplicateFrames } from '../../hw/faults.js';
import type { FrameMiddleware } from '../../hw/medium/cable.js';
import { parseIpv4Addr } from '../../stack/wire/ipv4.js';
import { MS, SEC, US, type TraceEvent } from '../../sim/index.js';

const AUTONEG = 10 * MS;

function ip(s: string): number {
  return parseIpv4Addr(s)!;
}

/** Starts the network and lets the gratuitous ARP announcements of link-up go by. */
async function boot(net: Network): Promise<void> {
  await net.start();
  await net.runFor(1 * MS);
}

/** Two hosts on a 2-port switch, 1 m cables. */
function switchedLan() {
  const net = new Network({ seed: 1, autonegNs: AUTONEG });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }] });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }] });
  const sw = net.switch({ ports: 2, autonegNs: AUTONEG });
  net.cable(a.port(0), sw.port(0));
  net.cable(b.port(0), sw.port(1));
  return { net, a, b, sw };
}

/** client —10 m— router —100 m— server. */
function routed() {
  const net = new Network({ seed: 1, autonegNs: AUTONEG });
  const client = net.host('client', { interfaces: [{ address: '10.0.0.2/24' }], gateway: '10.0.0.1' });
  const router = net.router('router', { interfaces: [{ address: '10.0.0.1/24' }, { address: '10.0.1.1/24' }] });
  const server = net.host('server', { interfaces: [{ address: '10.0.1.2/24' }], gateway: '10.0.1.1' });
  const near = net.cable(client.port(0), router.port(0), { lengthM: 10 });
  const far = net.cable(router.port(1), server.port(0), { lengthM: 100 });
  return { net, client, router, server, near, far };
}

/** Two hosts on one 1 m cable (direction 0: a → b). */
function pair() {
  const net = new Network({ seed: 1, autonegNs: AUTONEG });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }] });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }] });
  const cable = net.cable(a.port(0), b.port(0));
  return { net, a, b, cable };
}

function arpStates(h: NetHost, i = 0): Record<string, string> {
  return Object.fromEntries(h.stack.arp(h.ifaces[i]).table().map((e) => [e.address, e.state]));
}

function nz(h: NetHost): Record<string, number> {
  return h.stack.counters.snapshot({ nonZero: true });
}

describe('ping', () => {
  test('on one LAN through a switch: one ARP exchange, then 3,540 ns per echo, TTL 64', async () => {
    const { net, a, b, sw } = switchedLan();
    await boot(net);
    const r = await net.settle(ping(a.stack, '10.0.0.2', { count: 3, intervalNs: 10 * MS }));
    expect(r).toMatchObject({ transmitted: 3, received: 3, errors: 0, duplicates: 0, lossPercent: 0 });
    expect(r.replies.map((x) => [x.seq, x.ttl, x.bytes])).toEqual([
      [1, 64, 64],
      [2, 64, 64],
      [3, 64, 64],
    ]);
    // Store and forward: each frame crosses two 1 m cables, serialized twice.
    const hop = (bytes: number) => 2 * (8 * bytes + 5);
    const echo = 2 * hop(98 + 4 + 8); // 3,540 ns
    const arp = 2 * hop(64 + 8); // request (broadcast) and reply: 2,324 ns
    expect(r.replies.map((x) => x.rttNs)).toEqual([arp + echo, echo, echo]);
    expect(formatPing(r)).toContain('3 packets transmitted, 3 received, 0% packet loss, time 20ms');
    // a asked (and learned b from the reply); b learned a from the request it answered
    expect(arpStates(a)).toEqual({ '10.0.0.2': 'reachable' });
    expect(Object.keys(arpStates(b))).toEqual(['10.0.0.1']);
    expect(nz(a)).toMatchObject({ 'arp.requestsSent': 1, 'icmp.echoSent': 3, 'icmp.echoReply': 3, 'ip.outRequests': 3 });
    expect(nz(b)).toMatchObject({ 'arp.repliesSent': 1, 'icmp.echoAnswered': 3, 'ip.outRequests': 3 });
    for (const h of [a, b]) expect(h.stack.counters.sum('rx-drop', ['ip.', 'icmp.', 'eth.'])).toBe(0);
    // the switch flooded the two announcements and the ARP request, and forwarded the rest
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 5, flooded: 2, forwarded: 3, txDrops: 0 });
    expect(sw.portStats(1)).toMatchObject({ rxFrames: 5, flooded: 1, forwarded: 4, txDrops: 0 });
  });

  test('across a router: TTL 64 → 63, ARP on each hop, 4,620 ns per echo', async () => {
    const { net, client, router, server } = routed();
    await boot(net);
    const r = await net.settle(ping(client.stack, '10.0.1.2', { count: 3, intervalNs: 10 * MS }));
    expect(r).toMatchObject({ transmitted: 3, received: 3, errors: 0, lossPercent: 0 });
    expect(r.replies.map((x) => x.ttl)).toEqual([63, 63, 63]);
    expect(r.replies.every((x) => x.from === ip('10.0.1.2'))).toBe(true);
    // 110-byte frames over 10 m and 100 m; the first request waits for ARP on both hops
    const echo = 2 * (880 + 50 + (880 + 500)); // 4,620 ns
    const arp = 2 * (576 + 50) + 2 * (576 + 500); // client → router, then router → server: 3,404 ns
    expect(r.replies.map((x) => x.rttNs)).toEqual([arp + echo, echo, echo]);
    expect(formatPing(r)).toMatch(/^64 bytes from 10\.0\.1\.2: icmp_seq=1 ttl=63 time=0\.008 ms$/m);
    expect(arpStates(client)).toEqual({ '10.0.0.1': 'reachable' });
    expect(arpStates(router, 0)).toEqual({ '10.0.0.2': 'delay' }); // learned from the request, used for the replies
    expect(arpStates(router, 1)).toEqual({ '10.0.1.2': 'reachable' });
    expect(arpStates(server)).toEqual({ '10.0.1.1': 'delay' });
    expect(nz(router)).toMatchObject({ 'ip.forwarded': 6, 'arp.requestsSent': 1, 'arp.repliesSent': 1 });
    expect(router.stack.counters.get('ip.ttlExpired')).toBe(0);
    expect(nz(server)).toMatchObject({ 'icmp.echoAnswered': 3 });
  });
});

/** {@link pair} booted, ARP resolved both ways (one ping), a UDP socket on a and one bound to b:9000. */
async function udpPair() {
  const t = pair();
  const { net, a, b } = t;
  await boot(net);
  await net.settle(ping(a.stack, '10.0.0.2', { count: 1 }));
  const tx = new Process(a.stack, 'tx');
  const rx = new Process(b.stack, 'rx');
  const rfd = await net.settle(rx.socket(AF_INET, SOCK_DGRAM));
  await net.settle(rx.bind(rfd, { address: 0, port: 9000 }));
  const sfd = await net.settle(tx.socket(AF_INET, SOCK_DGRAM));
  return { ...t, tx, rx, sfd, rfd };
}

function pattern(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
}

/** Sends `data` a → b:9000 and waits up to `timeoutNs` for it: what the receiver got, and when (ns after the send). */
async function sendOne(t: Awaited<ReturnType<typeof udpPair>>, data: Uint8Array, timeoutNs = 1 * MS) {
  const { net, tx, rx, sfd, rfd } = t;
  const t0 = net.sim.now;
  return net.settle(
    (async () => {
      await tx.sendto(sfd, data, { address: '10.0.0.2', port: 9000 });
      try {
        const r = await rx.recvfrom(rfd, { timeoutNs });
        return { data: r.data, from: r.address, sentAt: t0, afterNs: net.sim.now - t0 };
      } catch (e) {
        if (e instanceof SocketError) return { error: e.code, sentAt: t0, afterNs: net.sim.now - t0 };
        throw e;
      }
    })(),
  );
}

/** Offsets of the fragments b's IP layer received, in arrival order (records while `fn` runs). */
async function fragmentsSeen<T>(net: Network, fn: () => Promise<T>): Promise<{ result: T; offsets: number[]; times: number[] }> {
  const rec = net.sim.trace.record(['ip.packet']);
  const t0 = net.sim.now;
  try {
    const result = await fn();
    const rx = rec.events.filter((e): e is TraceEvent<'ip.packet'> => e.kind === 'ip.packet' && e.dir === 'rx' && e.source === 'b.eth0');
    return { result, offsets: rx.map((e) => e.fragOffset), times: rx.map((e) => e.time - t0) };
  } finally {
    rec.stop();
  }
}

/** Time on the wire of a frame carrying `ipBytes` of IPv4 at 1 Gb/s (header, FCS, preamble/SFD), ns. */
const wire = (ipBytes: number) => 8 * (14 + ipBytes + 4 + 8);
const IFG = 96;

describe('UDP larger than the MTU: fragmented by IP, reassembled by the receiver', () => {
  test('4,000 bytes: three fragments back to back, delivered when the last arrives', async () => {
    const t = await udpPair();
    const { net, a, b } = t;
    const data = pattern(4000);
    const { result: r, offsets, times } = await fragmentsSeen(net, () => sendOne(t, data));
    expect(r.data).toEqual(data);
    expect(r.from).toBe(ip('10.0.0.1'));
    expect(offsets).toEqual([0, 1480, 2960]); // 4,008 bytes of UDP: 1,480 + 1,480 + 1,048
    const f1 = wire(20 + 1480);
    const f3 = wire(20 + 1048);
    expect(times).toEqual([f1 + 5, 2 * f1 + IFG + 5, 2 * f1 + 2 * IFG + f3 + 5]);
    expect(r.afterNs).toBe(33_365);
    expect(a.stack.counters.get('ip.fragCreated')).toBe(3);
    expect(nz(b)).toMatchObject({ 'ip.fragMerged': 2, 'ip.reassembled': 1, 'ip.delivered': 1, 'udp.delivered': 1 });
    expect(b.stack.ip.reassembler.heldFragments).toBe(0);
    expect(b.stack.ip.reassembler.datagrams).toBe(0);
  });

  test('65,507 bytes (the largest UDP payload): 45 fragments, one datagram', async () => {
    const t = await udpPair();
    const { net, a, b } = t;
    const data = pattern(65_507);
    const { result: r, offsets } = await fragmentsSeen(net, () => sendOne(t, data));
    expect(r.data).toEqual(data);
    expect(offsets).toEqual(Array.from({ length: 45 }, (_, i) => i * 1480));
    // 44 full fragments and one of 65,515 − 44 × 1,480 = 395 bytes
    expect(r.afterNs).toBe(44 * (wire(1500) + IFG) + wire(20 + 395) + 5);
    expect(a.stack.counters.get('ip.fragCreated')).toBe(45);
    expect(nz(b)).toMatchObject({ 'ip.fragMerged': 44, 'ip.reassembled': 1, 'udp.delivered': 1 });
    expect(b.stack.ip.reassembler.bytes).toBe(0);
  });

  test('reordered: the first fragment delayed 40 µs arrives last; the datagram completes with it', async () => {
    const t = await udpPair();
    const { net, b, cable } = t;
    const slow = delayFrames(net.sim, { ns: 40 * US, name: 'slowFirst' });
    let n = 0;
    const firstOnly: FrameMiddleware = (f, next) => (++n === 1 ? slow(f, next) : next(f));
    cable.use(0, firstOnly);
    const data = pattern(4000);
    const { result: r, offsets, times } = await fragmentsSeen(net, () => sendOne(t, data));
    expect(offsets).toEqual([1480, 2960, 0]);
    expect(times[2]).toBe(wire(1500) + 5 + 40_000);
    expect(r.data).toEqual(data);
    expect(r.afterNs).toBe(times[2]);
    expect(slow.stats).toEqual({ frames: 1, faults: 1 });
    expect(nz(b)).toMatchObject({ 'ip.fragMerged': 2, 'ip.reassembled': 1, 'udp.delivered': 1 });
    expect(b.stack.ip.reassembler.heldFragments).toBe(0);
  });
});

describe('fragments reordered, duplicated, lost', () => {
  test('duplicated in flight: the copy of fragment 1 is dropped as an exact duplicate, one datagram delivered', async () => {
    const t = await udpPair();
    const { net, b, cable } = t;
    const dup = duplicateFrames(net.sim, { frames: [1], name: 'dupFirst' });
    cable.use(0, dup);
    const data = pattern(4000);
    const { result: r, offsets } = await fragmentsSeen(net, () => sendOne(t, data));
    expect(offsets).toEqual([0, 0, 1480, 2960]);
    expect(r.data).toEqual(data);
    expect(r.afterNs).toBe(33_365); // the copy costs the original nothing
    expect(dup.stats).toEqual({ frames: 3, faults: 1 });
    expect(nz(b)).toMatchObject({ 'ip.fragDuplicate': 1, 'ip.fragMerged': 2, 'ip.reassembled': 1, 'udp.delivered': 1 });
    expect(b.stack.ip.reassembler.datagrams).toBe(0);
    await expect(net.settle(t.rx.recv(t.rfd, { dontWait: true }))).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  test('duplicated after completion: the copy of the last fragment starts a new reassembly that times out 30 s later', async () => {
    const t = await udpPair();
    const { net, b, cable } = t;
    cable.use(0, duplicateFrames(net.sim, { frames: [3], name: 'dupLast' }));
    const data = pattern(4000);
    const r = await sendOne(t, data);
    expect(r.data).toEqual(data);
    await net.runFor(1 * MS);
    // the copy follows the last fragment by its duration and a gap
    const copyAt = r.sentAt + 33_365 + wire(20 + 1048) + IFG;
    expect(b.stack.ip.reassembler.entries()).toEqual([expect.objectContaining({ fragments: 1, bytes: 1048, total: 4008, expiresAt: copyAt + 30 * SEC })]);
    await net.runFor(30 * SEC);
    expect(b.stack.ip.reassembler.entries()).toEqual([]);
    expect(b.stack.ip.reassembler.bytes).toBe(0);
    expect(nz(b)).toMatchObject({ 'ip.reassembled': 1, 'ip.reassemblyTimeout': 1, 'udp.delivered': 1 });
    expect(b.stack.counters.get('icmp.errorsSent')).toBe(0); // fragment zero of that "datagram" never came: no time exceeded
    expect(b.stack.timers.live).toBe(0);
    await expect(net.settle(t.rx.recv(t.rfd, { dontWait: true }))).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  test('fragment 2 lost: nothing delivered, reassembly times out 30 s after fragment 1, time exceeded sent, buffer empty', async () => {
    const t = await udpPair();
    const { net, a, b, cable } = t;
    const loss = dropFrames(net.sim, { frames: [2], name: 'loseSecond' });
    cable.use(0, loss);
    const { result: r, offsets, times } = await fragmentsSeen(net, () => sendOne(t, pattern(4000), 1 * MS));
    expect(r.error).toBe('ETIMEDOUT');
    expect(loss.stats).toEqual({ frames: 3, faults: 1 });
    expect(offsets).toEqual([0, 2960]);
    const firstAt = r.sentAt + times[0];
    const re = b.stack.ip.reassembler;
    expect(re.entries()).toEqual([expect.objectContaining({ fragments: 2, bytes: 1480 + 1048, total: 4008, expiresAt: firstAt + 30 * SEC })]);
    expect(re.heldFragments).toBe(2);
    expect(b.stack.counters.get('ip.reassembled')).toBe(0);
    expect(b.stack.counters.get('udp.delivered')).toBe(0);

    const rec = net.sim.trace.record(['drop']);
    await net.runFor(30 * SEC);
    rec.stop();
    const drops = rec.events.filter((e): e is TraceEvent<'drop'> => e.kind === 'drop' && e.source === 'b').map((e) => [e.time, e.counter]);
    expect(drops).toEqual([
      [firstAt + 30 * SEC, 'ip.reassemblyTimeout'],
      [firstAt + 30 * SEC, 'ip.reassemblyTimeout'],
    ]);
    expect(re.entries()).toEqual([]);
    expect(re.heldFragments).toBe(0);
    expect(re.bytes).toBe(0);
    expect(b.stack.timers.live).toBe(0);
    expect(nz(b)).toMatchObject({ 'ip.reassemblyTimeout': 2, 'icmp.errorsSent': 1 });
    expect(b.stack.counters.get('udp.delivered')).toBe(0);
    // fragment zero arrived, so the source hears "fragment reassembly time exceeded"; its
    // unconnected socket does not take the (soft) error
    expect(nz(a)).toMatchObject({ 'icmp.errorDelivered': 1, 'udp.icmpIgnored': 1 });
    await expect(net.settle(t.rx.recv(t.rfd, { dontWait: true }))).rejects.toMatchObject({ code: 'EAGAIN' });
  });

  test('fragment 1 lost: the reassembly times out silently (no time exceeded without fragment zero)', async () => {
    const t = await udpPair();
    const { net, a, b, cable } = t;
    cable.use(0, dropFrames(net.sim, { frames: [1], name: 'loseFirst' }));
    const r = await sendOne(t, pattern(4000), 1 * MS);
    expect(r.error).toBe('ETIMEDOUT');
    expect(b.stack.ip.reassembler.entries()).toEqual([expect.objectContaining({ fragments: 2, bytes: 1480 + 1048, total: 4008 })]);
    await net.runFor(30 * SEC);
    expect(b.stack.ip.reassembler.datagrams).toBe(0);
    expect(b.stack.ip.reassembler.bytes).toBe(0);
    expect(nz(b)).toMatchObject({ 'ip.reassemblyTimeout': 2 });
    expect(b.stack.counters.get('icmp.errorsSent')).toBe(0);
    expect(a.stack.counters.get('icmp.errorDelivered')).toBe(0);
  });
});

describe('unreachable', () => {
  test('ping to an address nobody has: 3 ARP requests 1 s apart, then Destination Host Unreachable from ourselves', async () => {
    const { net, a, b, sw } = switchedLan();
    await boot(net);
    const r = await net.settle(ping(a.stack, '10.0.0.99', { count: 1 }));
    expect(r).toMatchObject({ transmitted: 1, received: 0, errors: 1, lossPercent: 100 });
    expect(r.errorReplies).toEqual([{ seq: 1, from: ip('10.0.0.1'), type: 3, code: 1, message: 'Destination Host Unreachable', time: r.startNs + 3 * SEC }]);
    expect(formatPing(r)).toContain('From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n');
    expect(formatPing(r)).toContain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
    expect(nz(a)).toMatchObject({ 'arp.requestsSent': 3, 'arp.unresolved': 1, 'icmp.localErrors': 1, 'icmp.echoSent': 1 });
    expect(arpStates(a)).toEqual({}); // the failed entry is gone
    expect(sw.portStats(0)).toMatchObject({ rxFrames: 4, flooded: 4 }); // announcement + 3 requests
    expect(b.stack.counters.get('arp.notForUs')).toBe(4);
  });

  test('UDP to an address nobody has: EHOSTUNREACH on a socket with IP_RECVERR, 3 s after the send', async () => {
    const { net, a } = switchedLan();
    await boot(net);
    const p = new Process(a.stack, 'app');
    const out = await net.settle(
      (async () => {
        const fd = await p.socket(AF_INET, SOCK_DGRAM);
        await p.setsockopt(fd, 'IP_RECVERR', true);
        await p.connect(fd, { address: '10.0.0.99', port: 9 });
        const t0 = net.sim.now;
        await p.send(fd, new Uint8Array(5));
        const err = await p.recv(fd).then(
          () => null,
          (e: unknown) => e,
        );
        return { err, afterNs: net.sim.now - t0 };
      })(),
    );
    expect(out.err).toBeInstanceOf(SocketError);
    expect(out.err).toMatchObject({ code: 'EHOSTUNREACH', syscall: 'recv' });
    expect(out.afterNs).toBe(3 * SEC);
    expect(nz(a)).toMatchObject({ 'arp.unresolved': 1, 'udp.icmpErrors': 1 });
  });

  test('UDP to a closed port: ICMP port unreachable, ECONNREFUSED on the connected socket', async () => {
    const { net, client, router, server } = routed();
    await boot(net);
    const echo = new EchoServer(new Process(server.stack, 'echo'));
    await net.settle(echo.start()); // port 7 open; 9999 closed
    await net.settle(ping(client.stack, '10.0.1.2', { count: 1 })); // ARP on both hops
    const p = new Process(client.stack, 'app');
    const fd = await net.settle(p.socket(AF_INET, SOCK_DGRAM));
    await net.settle(p.connect(fd, { address: '10.0.1.2', port: 9999 }));

    // a receive waiting when the error arrives fails at once
    const first = await net.settle(
      (async () => {
        const t0 = net.sim.now;
        await p.send(fd, new Uint8Array(5));
        const err = await p.recv(fd).then(
          () => null,
          (e: unknown) => e,
        );
        return { err, afterNs: net.sim.now - t0 };
      })(),
    );
    expect(first.err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'recv' });
    // 5 bytes of UDP: 64-byte frames (576 ns); the error quotes the whole 33-byte datagram: 87-byte frames (696 ns)
    expect(first.afterNs).toBe(576 + 50 + (576 + 500) + (696 + 500) + (696 + 50));
    expect(nz(server)).toMatchObject({ 'udp.noPort': 1, 'icmp.errorsSent': 1 });
    expect(nz(router)).toMatchObject({ 'ip.forwarded': 2 + 2 });
    expect(nz(client)).toMatchObject({ 'icmp.errorDelivered': 1, 'udp.icmpErrors': 1 });

    // no call waiting: the error waits for the next call, which fails; the one after works again
    await net.settle(p.send(fd, new Uint8Array(5)));
    await net.runFor(1 * MS);
    await expect(net.settle(p.send(fd, new Uint8Array(5)))).rejects.toMatchObject({ code: 'ECONNREFUSED', syscall: 'send' });
    await expect(net.settle(p.send(fd, new Uint8Array(5)))).resolves.toBe(5);
    await net.runFor(1 * MS);
    expect(server.stack.counters.get('udp.noPort')).toBe(3);
    expect(echo.echoed).toBe(0);
  });

  // A whole host has UDP from boot, as every IP host does, not only once an application opened a
  // socket (before the topology builder attached it, such a host answered "protocol unreachable",
  // ENOPROTOOPT at the client).
  test('a host running no application still has UDP: a closed port answers port unreachable, not protocol unreachable', async () => {
    const { net, client, server } = routed();
    await boot(net);
    await net.settle(ping(client.stack, '10.0.1.2', { count: 1 }));
    const p = new Process(client.stack, 'app');
    const err = await net.settle(
      (async () => {
        const fd = await p.socket(AF_INET, SOCK_DGRAM);
        await p.connect(fd, { address: '10.0.1.2', port: 9999 });
        await p.send(fd, new Uint8Array(5));
        return p.recv(fd).then(
          () => null,
          (e: unknown) => e,
        );
      })(),
    );
    expect(server.stack.counters.get('ip.unknownProtocol')).toBe(0);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** The lookup's round trip with ARP resolved: 87-byte query frames (696 ns), 103-byte answers (824 ns), 10 m + 100 m. */
const DNS_RTT = 2 * 696 + 2 * 824 + 2 * (50 + 500);

describe('DNS', () => {
  async function dnsSetup(timeoutNs?: number) {
    const t = routed();
    const { net, client, server } = t;
    await boot(net);
    await net.settle(ping(client.stack, '10.0.1.2', { count: 1 }));
    const named = new DnsServer(new Process(server.stack, 'named'), { zone: { 'www.example.com': '10.0.1.80' } });
    await net.settle(named.start());
    const resolver = new DnsResolver(new Process(client.stack, 'app'), { servers: ['10.0.1.2'], timeoutNs });
    const lookup = async (name: string) => {
      const t0 = net.sim.now;
      const answer = await net.settle(resolver.resolve(name));
      return { answer, afterNs: net.sim.now - t0 };
    };
    return { ...t, named, resolver, lookup };
  }

  test('the first lookup goes over the network, the second is a cache hit that sends nothing', async () => {
    const { router, named, resolver, lookup } = await dnsSetup();
    const first = await lookup('www.example.com');
    expect(first.answer).toEqual({ name: 'www.example.com', address: ip('10.0.1.80'), addresses: [ip('10.0.1.80')], source: 'dns', ttl: 300, server: ip('10.0.1.2') });
    expect(first.afterNs).toBe(DNS_RTT);
    expect(resolver.stats).toMatchObject({ lookups: 1, queriesSent: 1, cacheHits: 0, retries: 0 });
    expect(named.stats).toMatchObject({ received: 1, answered: 1 });
    const forwarded = router.stack.counters.get('ip.forwarded');

    const second = await lookup('WWW.example.com.');
    expect(second.answer).toMatchObject({ address: ip('10.0.1.80'), source: 'cache', ttl: 300 });
    expect(second.afterNs).toBe(0);
    expect(resolver.stats).toMatchObject({ lookups: 2, queriesSent: 1, cacheHits: 1 });
    expect(named.stats).toMatchObject({ received: 1, answered: 1 });
    expect(router.stack.counters.get('ip.forwarded')).toBe(forwarded);
  });

  test("the server's first reply is lost: the resolver times out after 2 s, retries, and the lookup succeeds", async () => {
    // resolv.conf `timeout:2` (with the default 5 s the retry would meet the ARP probes of 5 s later)
    const { net, far, named, resolver, lookup } = await dnsSetup(2 * SEC);
    const loss = dropFrames(net.sim, { frames: [1], name: 'loseReply' });
    far.use(1, loss); // server → router
    const r = await lookup('www.example.com');
    expect(r.answer).toMatchObject({ address: ip('10.0.1.80'), source: 'dns' });
    expect(r.afterNs).toBe(resolver.timeoutNs + DNS_RTT);
    expect(resolver.stats).toMatchObject({ queriesSent: 2, retries: 1, timeouts: 1, ignored: 0 });
    expect(named.stats).toMatchObject({ received: 2, answered: 2 });
    expect(loss.stats.faults).toBe(1);
  });
});


describe('NAPT', () => {
  const text = (s: string) => new TextEncoder().encode(s);

  test('private client → public server and back: the server sees the public address and a mapped port; the mapping expires', async () => {
    const net = new Network({ seed: 1, autonegNs: AUTONEG });
    const client = net.host('client', { interfaces: [{ address: '192.168.1.2/24' }], gateway: '192.168.1.1' });
    const router = net.router('router', {
      interfaces: [{ address: '192.168.1.1/24' }, { address: '203.0.113.1/24' }],
      napt: { inside: 0, outside: 1, timeoutNs: 30 * SEC },
    });
    const server = net.host('server', { interfaces: [{ address: '203.0.113.2/24' }] }); // no route back to 192.168.1.0/24
    net.cable(client.port(0), router.port(0), { lengthM: 10 });
    net.cable(router.port(1), server.port(0), { lengthM: 100 });
    await boot(net);
    const cp = new Process(client.stack, 'app');
    const sp = new Process(server.stack, 'srv');
    const sfd = await net.settle(sp.socket(AF_INET, SOCK_DGRAM));
    await net.settle(sp.bind(sfd, { address: 0, port: 7 }));
    const cfd = await net.settle(cp.socket(AF_INET, SOCK_DGRAM));
    await net.settle(cp.bind(cfd, { address: 0, port: 5000 }));

    const t0 = net.sim.now;
    const out = await net.settle(
      (async () => {
        await cp.sendto(cfd, text('hello'), { address: '203.0.113.2', port: 7 });
        const atServer = await sp.recvfrom(sfd);
        const serverNs = net.sim.now - t0;
        await sp.sendto(sfd, text('HELLO'), { address: atServer.address, port: atServer.port });
        const atClient = await cp.recvfrom(cfd);
        return { atServer, atClient, serverNs, clientNs: net.sim.now - t0 };
      })(),
    );
    expect(out.atServer).toMatchObject({ data: text('hello'), address: ip('203.0.113.1'), port: 49152 });
    expect(out.atClient).toMatchObject({ data: text('HELLO'), address: ip('203.0.113.2'), port: 7 });
    // 64-byte frames (576 ns); ARP on both hops on the way out, none on the way back
    expect(out.serverNs).toBe(2 * (576 + 50) + (576 + 50) + 2 * (576 + 500) + (576 + 500));
    expect(out.clientNs - out.serverNs).toBe(576 + 500 + (576 + 50));

    const napt = router.stack.napt!;
    const replyTranslatedAt = t0 + out.clientNs - (576 + 50);
    expect(napt.table()).toEqual([
      { protocol: 'udp', inside: '192.168.1.2:5000', outside: '203.0.113.1:49152', remote: '203.0.113.2:7', expiresInNs: 30 * SEC - (576 + 50) },
    ]);
    expect(napt.mappings()[0].expiresAt).toBe(replyTranslatedAt + 30 * SEC);
    expect(nz(router)).toMatchObject({ 'napt.mappingsCreated': 1, 'napt.translatedOut': 1, 'napt.translatedIn': 1, 'ip.forwarded': 2 });

    // idle: the mapping lives exactly 30 s after the last packet
    await net.runFor(replyTranslatedAt + 30 * SEC - 1 - net.sim.now);
    expect(napt.size).toBe(1);
    await net.runFor(1);
    expect(napt.size).toBe(0);
    expect(router.stack.counters.get('napt.mappingsExpired')).toBe(1);

    // after expiry the old public port leads nowhere: the server's datagram is not let in
    await net.settle(sp.sendto(sfd, text('late'), { address: out.atServer.address, port: out.atServer.port }));
    await net.runFor(1 * MS);
    expect(router.stack.counters.get('napt.translatedIn')).toBe(1);
    expect(nz(router)).toMatchObject({ 'udp.noPort': 1, 'icmp.errorsSent': 1 }); // it was the router's own: port unreachable
    await expect(net.settle(cp.recvfrom(cfd, { dontWait: true }))).rejects.toMatchObject({ code: 'EAGAIN' });

    // and the client's next datagram gets a new mapping (ports are allocated in order)
    await net.settle(cp.sendto(cfd, text('again'), { address: '203.0.113.2', port: 7 }));
    const again = await net.settle(sp.recvfrom(sfd, { timeoutNs: 1 * MS }));
    expect(again).toMatchObject({ data: text('again'), address: ip('203.0.113.1'), port: 49153 });
    expect(router.stack.counters.get('napt.mappingsCreated')).toBe(2);
  });
});
