/**
 * TCP between whole emulated hosts (adapter, driver, stack) over links that lose, duplicate,
 * reorder and corrupt frames: the receiver always gets the exact byte stream, checked by SHA-256,
 * in bounded simulated time.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { bitErrors, delayFrames, dropFrames, duplicateFrames } from '../../hw/faults.js';
import { Rng } from '../../sim/rng.js';
import { Process } from '../../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../../stack/socket/types.js';
import { TCP_RX_OUTCOMES } from '../../stack/tcp/tcp.js';
import { Network, type NetHost } from '../../topology/network.js';
import type { Cable } from '../../hw/medium/cable.js';
import { tcpConnection } from './connect.js';

const SEC = 1_000_000_000;

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function pattern(n: number, seed: number): Uint8Array {
  const r = new Rng(seed, 'payload');
  const b = new Uint8Array(n);
  r.bytes(b);
  return b;
}

/** Two hosts on one gigabit cable. */
async function pair(seed: number, congestion: 'newreno' | 'cubic' = 'newreno'): Promise<{ net: Network; a: NetHost; b: NetHost; cable: Cable }> {
  const net = new Network({ seed });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }], tcp: { congestion } });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }], tcp: { congestion } });
  const cable = net.cable(a.port(0), b.port(0), { lengthM: 10 });
  await net.start();
  return { net, a, b, cable };
}

/**
 * Sends `data` from a to b over TCP with writes of random sizes and reads of random sizes;
 * returns what b read and the simulated time it took.
 */
async function transfer(net: Network, a: NetHost, b: NetHost, data: Uint8Array, seed: number, maxNs: number): Promise<{ got: Uint8Array; ns: number }> {
  const rng = new Rng(seed, 'sizes');
  const srv = new Process(b.stack, 'sink');
  const cli = new Process(a.stack, 'source');
  const l = await net.settle(srv.socket(AF_INET, SOCK_STREAM));
  await net.settle(srv.bind(l, { address: 0, port: 9000 }));
  await net.settle(srv.listen(l, 4));
  const t0 = net.sim.now;
  const server = (async () => {
    const { fd } = await srv.accept(l);
    const parts: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const d = await srv.recv(fd, { maxLength: rng.int(1, 70_000) });
      if (d.length === 0) break;
      parts.push(d.slice());
      n += d.length;
    }
    await srv.close(fd);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  })();
  const client = (async () => {
    const fd = await cli.socket(AF_INET, SOCK_STREAM);
    await cli.connect(fd, { address: '10.0.0.2', port: 9000 });
    let at = 0;
    while (at < data.length) {
      const n = Math.min(data.length - at, rng.int(1, 100_000));
      at += await cli.write(fd, data.subarray(at, at + n));
    }
    await cli.close(fd);
  })();
  const [got] = await net.settle(Promise.all([server, client]), maxNs);
  return { got, ns: net.sim.now - t0 };
}

/** Every segment delivered to TCP ended in exactly one outcome counter. */
function tcpIdentity(h: NetHost): void {
  const c = h.stack.counters;
  const outcomes = TCP_RX_OUTCOMES.reduce((s, n) => s + c.get(n), 0);
  expect(outcomes).toBe(c.get('ip.delivered') - c.get('udp.delivered') - c.sum('stat', ['udp.']) + c.get('udp.delivered') - udpDelivered(h));
}

function udpDelivered(h: NetHost): number {
  const c = h.stack.counters;
  return ['udp.truncated', 'udp.badLength', 'udp.badChecksum', 'udp.noPort', 'udp.noPortBroadcast', 'udp.rcvbufErrors', 'udp.delivered'].reduce((s, n) => s + c.get(n), 0);
}

describe('bulk transfer over damaged links', () => {
  test('10 MB at BER 1e-5 both ways: every byte, in order (SHA-256), corrupted frames caught by the FCS and retransmitted', async () => {
    const { net, a, b, cable } = await pair(1);
    cable.use(0, bitErrors(net.sim, { ber: 1e-5, name: 'berAB' }));
    cable.use(1, bitErrors(net.sim, { ber: 1e-5, name: 'berBA' }));
    const data = pattern(10_000_000, 1);
    const { got, ns } = await transfer(net, a, b, data, 1, 600 * SEC);
    expect(got.length).toBe(data.length);
    expect(sha(got)).toBe(sha(data));
    // about 11 % of full-size frames are hit; SACK recovery repairs most, the rest wait for the 1 s RTO
    expect(ns).toBeLessThan(200 * SEC);
    expect(a.stack.counters.get('tcp.retransSegs')).toBeGreaterThan(100);
    tcpIdentity(a);
    tcpIdentity(b);
  }, 120_000);

  test('10 MB with 10 % of frames lost both ways: every byte, in order (SHA-256)', async () => {
    const { net, a, b, cable } = await pair(2);
    cable.use(0, dropFrames(net.sim, { probability: 0.1, name: 'lossAB' }));
    cable.use(1, dropFrames(net.sim, { probability: 0.1, name: 'lossBA' }));
    const data = pattern(10_000_000, 2);
    const { got, ns } = await transfer(net, a, b, data, 2, 3600 * SEC);
    expect(sha(got)).toBe(sha(data));
    expect(ns).toBeLessThan(1800 * SEC);
    const c = a.stack.counters;
    expect(c.get('tcp.fastRetransmits') + c.get('tcp.rtoExpired')).toBeGreaterThan(100);
    tcpIdentity(a);
    tcpIdentity(b);
  }, 120_000);

  for (const seed of [3, 4, 5, 6, 7, 8]) {
    const congestion = seed % 2 === 0 ? 'cubic' : 'newreno';
    test(`seed ${seed}, ${congestion}: random loss, duplication, reordering and bit errors; random write and read sizes — the exact stream`, async () => {
      const { net, a, b, cable } = await pair(seed, congestion);
      const r = new Rng(seed, 'faults');
      for (const dir of [0, 1] as const) {
        cable.use(dir, dropFrames(net.sim, { probability: r.float() * 0.05, name: `loss${dir}` }));
        cable.use(dir, duplicateFrames(net.sim, { probability: r.float() * 0.05, name: `dup${dir}` }));
        cable.use(dir, delayFrames(net.sim, { ns: 0, jitterNs: r.int(0, 50_000), name: `jitter${dir}` }));
        cable.use(dir, bitErrors(net.sim, { ber: r.float() * 1e-5, name: `ber${dir}` }));
      }
      const data = pattern(r.int(1, 400_000), seed);
      const { got } = await transfer(net, a, b, data, seed, 600 * SEC);
      expect(sha(got)).toBe(sha(data));
      tcpIdentity(a);
      tcpIdentity(b);
    }, 60_000);
  }
});

/** A connected pair of descriptors a → b on a fresh pair of hosts. */
async function connected(seed: number): Promise<{ net: Network; cli: Process; srv: Process; cfd: number; sfd: number }> {
  const { net, a, b } = await pair(seed);
  return { net, ...(await tcpConnection(net, a, b, '10.0.0.2', 9000)) };
}

describe('MSG_WAITALL (waitAll)', () => {
  test('waiting for more than SO_RCVBUF (3 MB against 128 KiB): the data is taken as it comes, so the window keeps opening, and the read completes', async () => {
    const { net, cli, srv, cfd, sfd } = await connected(12);
    expect(await net.settle(srv.getsockopt(sfd, 'SO_RCVBUF'))).toBeLessThan(3_000_000);
    const data = pattern(3_500_000, 12);
    const writing = cli.write(cfd, data);
    const got = await net.settle(srv.recv(sfd, { maxLength: 3_000_000, waitAll: true }), 60 * SEC);
    expect(got.length).toBe(3_000_000);
    expect(sha(got)).toBe(sha(data.subarray(0, 3_000_000)));
    const into = new Uint8Array(500_000);
    const rest = await net.settle(srv.read(sfd, { into, waitAll: true }), 60 * SEC);
    expect(rest.length).toBe(500_000);
    expect(rest.buffer).toBe(into.buffer);
    expect(sha(rest)).toBe(sha(data.subarray(3_000_000)));
    await net.settle(writing);
  });

  test('a timeout, a non-blocking read or the end of the stream return what a waitAll read had taken; the rest stays for the next read', async () => {
    const { net, cli, srv, cfd, sfd } = await connected(13);
    await net.settle(cli.write(cfd, pattern(1000, 1)));
    // 1,000 bytes there, 5,000 asked: the timeout returns the 1,000 (Linux's SO_RCVTIMEO with MSG_WAITALL)
    const part = await net.settle(srv.recv(sfd, { maxLength: 5000, waitAll: true, timeoutNs: 50_000_000 }));
    expect(part).toEqual(pattern(1000, 1));
    // nothing there: a timeout is ETIMEDOUT
    await expect(net.settle(srv.recv(sfd, { maxLength: 10, waitAll: true, timeoutNs: 10_000_000 }))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await net.settle(cli.write(cfd, pattern(300, 2)));
    await net.sim.runForAsync(300_000_000); // arrived (Nagle holds it until the delayed ACK of the first 1,000 bytes)
    expect(await net.settle(srv.recv(sfd, { maxLength: 5000, waitAll: true, dontWait: true }))).toEqual(pattern(300, 2));
    await net.settle(cli.write(cfd, pattern(200, 3)));
    await net.settle(cli.close(cfd));
    expect(await net.settle(srv.recv(sfd, { maxLength: 5000, waitAll: true }))).toEqual(pattern(200, 3));
    expect((await net.settle(srv.recv(sfd, { waitAll: true }))).length).toBe(0);
  });
});

describe('reading into the caller\'s buffer', () => {
  test('1 MB read with `into` a reused 10,000-byte buffer: every byte in order, each read a view of that buffer and never longer', async () => {
    const { net, cli, srv, cfd, sfd: fd } = await connected(11);
    const data = pattern(1_000_000, 11);
    const buf = new Uint8Array(10_000);
    const server = (async () => {
      const got = new Uint8Array(data.length);
      let n = 0;
      let reads = 0;
      for (;;) {
        const d = await srv.read(fd, { into: buf });
        if (d.length === 0) break;
        if (d.buffer !== buf.buffer || d.byteOffset !== 0 || d.length > buf.length) throw new Error('not a view of the buffer');
        got.set(d, n);
        n += d.length;
        reads++;
      }
      await srv.close(fd);
      return { got: got.subarray(0, n), reads };
    })();
    const client = (async () => {
      await cli.write(cfd, data);
      await cli.close(cfd);
    })();
    const [r] = await net.settle(Promise.all([server, client]), 60 * SEC);
    expect(sha(r.got)).toBe(sha(data));
    expect(r.reads).toBeGreaterThanOrEqual(100);
  });
});

describe('across routers', () => {
  test('ICMP fragmentation needed from a router with a smaller MTU lowers the MSS (RFC 1191) and the data gets through', async () => {
    const net = new Network({ seed: 9 });
    const a = net.host('a', { interfaces: [{ address: '10.0.0.2/24' }], gateway: '10.0.0.1' });
    const r = net.router('r', { interfaces: [{ address: '10.0.0.1/24' }, { address: '10.0.1.1/24' }] });
    const b = net.host('b', { interfaces: [{ address: '10.0.1.2/24' }], gateway: '10.0.1.1' });
    net.cable(a.port(0), r.port(0));
    net.cable(r.port(1), b.port(0));
    await net.start();
    r.drivers[1].setMtu(1000); // the router's way out is narrower than both ends
    const rec = net.sim.trace.record(['tcp.event']);
    const data = pattern(50_000, 9);
    const srv = new Process(b.stack, 'sink');
    const cli = new Process(a.stack, 'source');
    const l = await net.settle(srv.socket(AF_INET, SOCK_STREAM));
    await net.settle(srv.bind(l, { address: 0, port: 80 }));
    await net.settle(srv.listen(l, 1));
    const got = (async () => {
      const { fd } = await srv.accept(l);
      const parts: number[] = [];
      for (;;) {
        const d = await srv.read(fd);
        if (d.length === 0) break;
        parts.push(...d);
      }
      return Uint8Array.from(parts);
    })();
    const fd = await net.settle(cli.socket(AF_INET, SOCK_STREAM));
    await net.settle(cli.connect(fd, { address: '10.0.1.2', port: 80 }));
    await net.settle(cli.write(fd, data));
    await net.settle(cli.close(fd));
    expect(sha(await net.settle(got))).toBe(sha(data));
    expect(r.stack.counters.get('ip.fragNeeded')).toBeGreaterThan(0);
    expect(a.stack.counters.get('tcp.pmtuUpdates')).toBe(1);
    expect(rec.events.some((e) => e.kind === 'tcp.event' && e.event === 'mss' && e.detail.includes('MSS lowered to 948'))).toBe(true);
  }, 30_000);
});
