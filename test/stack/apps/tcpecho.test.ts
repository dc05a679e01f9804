/**
 * The TCP echo server across a router: every byte comes back in order, connections are served
 * side by side, and a lossy path changes nothing but the time it takes.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { TcpEchoServer } from '../../../stack/apps/tcpecho.js';
import { Process } from '../../../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { run } from '../apphelpers.js';
import { routed, seqBytes } from '../helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Connects, writes `data` in `chunk`-byte writes, shuts down its side and reads everything back. */
async function echo(p: Process, data: Uint8Array, chunk: number, maxseg?: number): Promise<Uint8Array> {
  const fd = await p.socket(AF_INET, SOCK_STREAM);
  if (maxseg !== undefined) await p.setsockopt(fd, 'TCP_MAXSEG', maxseg);
  await p.connect(fd, { address: '203.0.113.7', port: 7 });
  const reader = (async () => {
    const parts: Uint8Array[] = [];
    for (;;) {
      const d = await p.read(fd);
      if (d.length === 0) break;
      parts.push(d);
    }
    return Buffer.concat(parts);
  })();
  for (let i = 0; i < data.length; i += chunk) await p.write(fd, data.subarray(i, i + chunk));
  await p.shutdown(fd, 'write');
  const got = await reader;
  await p.close(fd);
  return new Uint8Array(got);
}

describe('TCP echo server', () => {
  test('200 kB in odd-sized writes come back byte for byte; the server counts the connection and the bytes', async () => {
    const t = routed();
    const server = new TcpEchoServer(new Process(t.s, 'echod'));
    await run(t.sim, () => server.start());
    const data = seqBytes(200_000, 3);
    const got = await run(t.sim, () => echo(new Process(t.h, 'client'), data, 7777));
    expect(sha(got)).toBe(sha(data));
    await t.sim.runAsync({ until: t.sim.now + 1_000_000 });
    expect(server.stats).toEqual({ connections: 1, completed: 1, errors: 0, bytes: 200_000 });
  });

  test('three clients at once, and one path that loses every 7th TCP segment: every stream intact', async () => {
    const t = routed();
    const server = new TcpEchoServer(new Process(t.s, 'echod'));
    await run(t.sim, () => server.start());
    let n = 0;
    const transmit = t.dh.transmit.bind(t.dh);
    t.dh.transmit = (f: Uint8Array) => (f[23] === 6 && ++n % 7 === 0 ? 'ok' : transmit(f)); // lost on the way out of h
    const streams = [seqBytes(30_000, 1), seqBytes(50_000, 2), seqBytes(1, 9)];
    // Work-around (stack/tcp, reported): a full-sized data segment that also carries SACK blocks
    // is over the MTU and dropped by IP as ip.outTooBig, so the connection stalls; announcing a
    // smaller MSS leaves room for the options.
    const got = await run(t.sim, () => Promise.all(streams.map((d, i) => echo(new Process(t.h, `c${i}`), d, 1000 + i * 333, 1400))));
    got.forEach((g, i) => expect(sha(g), `stream ${i}`).toBe(sha(streams[i])));
    expect(t.h.counters.get('tcp.retransSegs')).toBeGreaterThan(0);
    expect(t.h.counters.get('ip.outTooBig') + t.s.counters.get('ip.outTooBig')).toBe(0);
    await t.sim.runAsync({ until: t.sim.now + 1_000_000 });
    expect(server.stats).toMatchObject({ connections: 3, completed: 3, errors: 0, bytes: 80_001 });
    await run(t.sim, () => server.stop());
    expect(t.s.tcp.sockets().filter((s) => s.state === 'LISTEN')).toEqual([]);
  });

  test('a client that resets its connection ends only that connection', async () => {
    const t = routed();
    const server = new TcpEchoServer(new Process(t.s, 'echod'));
    await run(t.sim, () => server.start());
    const p = new Process(t.h, 'client');
    await run(t.sim, async () => {
      const fd = await p.socket(AF_INET, SOCK_STREAM);
      await p.setsockopt(fd, 'SO_LINGER', 0);
      await p.connect(fd, { address: '203.0.113.7', port: 7 });
      await p.write(fd, seqBytes(100));
      await p.read(fd);
      await p.close(fd); // abortive close: RST
    });
    await t.sim.runAsync({ until: t.sim.now + 1_000_000 });
    expect(server.stats.errors + server.stats.completed).toBe(1);
    const got = await run(t.sim, () => echo(p, seqBytes(10), 10));
    expect(Array.from(got)).toEqual(Array.from(seqBytes(10)));
  });
});
