/**
 * Whole emulated hosts (adapter + kernel + driver + stack) built with the topology builder: ping on
 * one LAN and across a router, through real register-level adapters and the e1000 driver.
 */
import { describe, expect, test } from 'vitest';
import { Network } from '../../topology/network.js';
import { ping, formatPing } from '../../stack/tools/ping.js';
import { MS } from '../../sim/index.js';

function lanAndRouter() {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const client = net.host('client', { interfaces: [{ address: '10.0.0.2/24' }], gateway: '10.0.0.1' });
  const router = net.router('router', { interfaces: [{ address: '10.0.0.1/24' }, { address: '10.0.1.1/24' }] });
  const server = net.host('server', { interfaces: [{ address: '10.0.1.2/24' }], gateway: '10.0.1.1' });
  net.cable(client.port(0), router.port(0), { lengthM: 10 });
  net.cable(router.port(1), server.port(0), { lengthM: 100 });
  return { net, client, router, server };
}

describe('topology builder', () => {
  test('boots every host: probe, open, addresses, links up', async () => {
    const { net, client, router, server } = lanAndRouter();
    await net.start();
    for (const h of [client, router, server]) for (const d of h.drivers) expect(d.linkUp).toBe(true);
    expect(router.nics.map((n) => n.name)).toEqual(['router.eth0', 'router.eth1']);
    expect(client.address()).toBe((10 << 24) | 2);
  });

  test('ping across a router: TTL decremented, ARP on each hop, every reply back', async () => {
    const { net, client, router } = lanAndRouter();
    await net.start();
    const r = await net.settle(ping(client.stack, '10.0.1.2', { count: 3, intervalNs: 10 * MS }));
    expect(r.transmitted).toBe(3);
    expect(r.received).toBe(3);
    expect(r.replies.every((x) => x.ttl === 63)).toBe(true); // one router between
    const text = formatPing(r);
    expect(text).toMatch(/64 bytes from 10\.0\.1\.2: icmp_seq=1 ttl=63 time=/);
    expect(text).toMatch(/3 packets transmitted, 3 received, 0% packet loss/);
    // the router resolved both neighbours
    for (const i of [0, 1]) {
      const states = router.stack.arp(router.ifaces[i]).table().map((e) => e.state);
      expect(states).toHaveLength(1);
      expect(['incomplete', 'failed']).not.toContain(states[0]);
    }
  });
});

describe('host memory', () => {
  test('by default it holds what the rings and buffers take: page 0, the driver blocks, 64 KiB spare, in 64 KiB units', async () => {
    const { hostMemoryBytes } = await import('../../topology/network.js');
    const { e1000DmaBytes } = await import('../../driver/e1000.js');
    expect(e1000DmaBytes()).toBe(4096 + 256 * 2048 + 4096 + 256 * 2048);
    expect(e1000DmaBytes({ txRingSize: 8, rxRingSize: 8 })).toBe(2 * 4096 + 2 * 8 * 2048); // descriptor blocks take a page each
    expect(() => e1000DmaBytes({ txRingSize: 7 })).toThrow(/txRingSize/);
    expect(hostMemoryBytes([{}])).toBe(0x120000); // 0x1000 + 0x102000 + 0x10000 = 0x113000, rounded up to 64 KiB
    const net = new Network({ seed: 1, autonegNs: 10 * MS });
    const h = net.host('h', { interfaces: [{ address: '10.0.0.2/24' }, { address: '10.0.1.2/24', driver: { txRingSize: 64, rxRingSize: 64 } }] });
    expect(h.memory.size).toBe(hostMemoryBytes([{}, { driver: { txRingSize: 64, rxRingSize: 64 } }]));
    await net.settle(h.start()); // probe and open: the rings and buffers are allocated
    expect(h.kernel.dma.inUse).toBe(256 * 16 + 256 * 2048 + 256 * 16 + 256 * 2048 + 64 * 16 * 2 + 64 * 2048 * 2);
  });
});
