/**
 * TCP with TCP segmentation offload (the e1000 `tso` option) between whole hosts: the stack hands
 * the driver packets of many segments, the adapter cuts them, and the wire carries exactly the
 * frames it carries without TSO; when the device cannot take such a packet (its queue is busy, the
 * neighbour is being resolved) the stack cuts it itself (GSO) and the byte stream still arrives.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Rng } from '../../sim/rng.js';
import { Network, type NetHost } from '../../topology/network.js';
import type { E1000Options } from '../../driver/e1000.js';
import { tcpConnection } from './connect.js';
import type { Cable } from '../../hw/medium/cable.js';
import { bitErrors, delayFrames, dropFrames } from '../../hw/faults.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Run {
  /** What b's application read. */
  got: Uint8Array;
  /** The frames a's adapter put on the wire, in order (line octets as hex). */
  aFrames: string[];
  a: NetHost;
  b: NetHost;
}

/** Sends `data` from a to b over one connection (writes of 100,017 bytes), with `driver` options on both hosts; `beforeData` runs once connected, `link` on the cable before the start. */
async function run(driver: E1000Options, data: Uint8Array, beforeData?: (a: NetHost) => void, link?: (cable: Cable, net: Network) => void): Promise<Run> {
  const net = new Network({ seed: 5 });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24', driver }] });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24', driver }] });
  const cable = net.cable(a.port(0), b.port(0), { lengthM: 10 });
  link?.(cable, net);
  const aFrames: string[] = [];
  net.sim.trace.subscribe((e) => {
    if (e.kind === 'wire.tx' && e.source === a.nics[0].name) aFrames.push(Buffer.from(e.frame.bytes).toString('hex'));
  }, ['wire.tx']);
  await net.start();
  const { cli, srv, cfd: fd, sfd: rfd } = await tcpConnection(net, a, b, '10.0.0.2', 9);
  beforeData?.(a);
  const parts: Uint8Array[] = [];
  const sink = (async () => {
    for (;;) {
      const d = await srv.read(rfd);
      if (d.length === 0) return;
      parts.push(d.slice());
    }
  })();
  const source = (async () => {
    for (let off = 0; off < data.length; off += 100_017) await cli.write(fd, data.subarray(off, Math.min(data.length, off + 100_017)));
    await cli.close(fd);
  })();
  await net.settle(Promise.all([source, sink]), 10_000_000_000);
  const got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    got.set(p, at);
    at += p.length;
  }
  return { got, aFrames, a, b };
}

function payload(n: number): Uint8Array {
  const b = new Uint8Array(n);
  new Rng(9, 'tso').bytes(b);
  return b;
}

describe('TCP over an adapter with TSO', () => {
  test('1 MB: the sender hands over packets of many segments, and its adapter puts the very frames on the wire it sends without TSO', async () => {
    const data = payload(1_000_000);
    const off = await run({}, data);
    const on = await run({ tso: true }, data);
    expect(sha(on.got)).toBe(sha(data));
    expect(sha(off.got)).toBe(sha(data));
    expect(on.aFrames.length).toBe(off.aFrames.length);
    expect(on.aFrames).toEqual(off.aFrames);
    const c = on.a.stack.counters;
    // fewer packets through IP than segments on the wire (each ACK frees about two segments' worth of window)
    expect(c.get('iface.tsoPackets')).toBeGreaterThan(20);
    expect(c.get('ip.outRequests')).toBeLessThan(c.get('tcp.outSegs') / 2);
    expect(c.get('tcp.outSegs')).toBe(off.a.stack.counters.get('tcp.outSegs'));
    expect(c.get('iface.gsoPackets')).toBe(0);
    expect(off.a.stack.counters.get('iface.tsoPackets')).toBe(0);
    expect(on.a.drivers[0].stats().txPackets).toBe(off.a.drivers[0].stats().txPackets);
    expect(on.a.drivers[0].stats().txBytes).toBe(off.a.drivers[0].stats().txBytes);
  });

  test('a busy transmit queue: the packets the driver refuses are cut by the stack (GSO) and queued; every byte arrives', async () => {
    const data = payload(2_000_000);
    const r = await run({ tso: true, txRingSize: 64 }, data);
    expect(sha(r.got)).toBe(sha(data));
    const c = r.a.stack.counters;
    expect(c.get('iface.tsoPackets')).toBeGreaterThan(0);
    expect(c.get('iface.gsoPackets')).toBeGreaterThan(0);
    expect(c.get('iface.txQueued')).toBeGreaterThan(0);
    expect(c.sum('tx-drop')).toBe(0);
    expect(c.get('tcp.retransSegs')).toBe(0);
  });

  test('a neighbour being resolved again: the packet waits in the ARP queue as its segments; every byte arrives', async () => {
    const data = payload(300_000);
    const r = await run({ tso: true }, data, (a) => a.ifaces[0].arp.flushAll());
    expect(sha(r.got)).toBe(sha(data));
    const c = r.a.stack.counters;
    expect(c.get('iface.gsoPackets')).toBeGreaterThanOrEqual(1);
    expect(c.get('arp.requestsSent')).toBe(2);
    expect(c.get('arp.queueOverflow')).toBe(0);
  });

  test('2 MB over a link that loses, reorders and corrupts frames both ways: the exact stream, through TSO packets, retransmissions and recovery', async () => {
    const data = payload(2_000_000);
    const r = await run({ tso: true }, data, undefined, (cable, net) => {
      for (const dir of [0, 1] as const) {
        cable.use(dir, dropFrames(net.sim, { probability: 0.02, name: `loss${dir}` }));
        cable.use(dir, delayFrames(net.sim, { ns: 0, jitterNs: 30_000, name: `jitter${dir}` }));
        cable.use(dir, bitErrors(net.sim, { ber: 2e-6, name: `ber${dir}` }));
      }
    });
    expect(sha(r.got)).toBe(sha(data));
    const c = r.a.stack.counters;
    expect(c.get('iface.tsoPackets')).toBeGreaterThan(10);
    expect(c.get('tcp.retransSegs')).toBeGreaterThan(10);
    expect(c.get('tcp.fastRetransmits') + c.get('tcp.rtoExpired')).toBeGreaterThan(0);
  }, 60_000);
});
