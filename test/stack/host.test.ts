import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../sim/simulator.js';
import { SEC } from '../../sim/time.js';
import { NetStack } from '../../stack/host.js';
import { Counters, STACK_COUNTERS } from '../../stack/counters.js';
import { StackTimers } from '../../stack/timers.js';
import * as stackIndex from '../../stack/index.js';
import { TestDevice } from '../../stack/testdev.js';
import { IP_PROTOCOL } from '../../stack/wire/ipv4.js';
import { hex, ip, recorder, routed, rxAccounted, seqBytes, udp } from './helpers.js';
import { SocketError } from '../../stack/socket/errors.js';
import { WaitQueue } from '../../stack/socket/waiter.js';
import { SOCK_DGRAM, SOCK_STREAM, type ProtoSocket } from '../../stack/socket/types.js';
import type { Transport, TransportContext } from '../../stack/transport.js';
import { Udp } from '../../stack/udp.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('counters', () => {
  it('every counter has a kind and a meaning', () => {
    for (const [name, def] of Object.entries(STACK_COUNTERS)) {
      expect(name).toMatch(/^(eth|arp|iface|ip|icmp|napt)\.[a-zA-Z0-9]+$/);
      expect(['rx-drop', 'rx-ok', 'tx-drop', 'stat']).toContain(def.kind);
      expect(def.help.length).toBeGreaterThan(10);
    }
  });

  it('a drop increments one counter and emits one drop event naming it', () => {
    const sim = new Simulator();
    const c = new Counters(sim, 'h1');
    const rec = sim.trace.record(['drop']);
    c.drop('ip.badChecksum');
    c.drop('ip.reassemblyTimeout', 2);
    expect(rec.events.map((e) => ('counter' in e ? [e.source, e.what, e.counter] : []))).toEqual([
      ['h1', 'ip packet', 'ip.badChecksum'],
      ['h1', 'fragment', 'ip.reassemblyTimeout'],
      ['h1', 'fragment', 'ip.reassemblyTimeout'],
    ]);
    expect(c.snapshot({ nonZero: true })).toEqual({ 'ip.badChecksum': 1, 'ip.reassemblyTimeout': 2 });
    expect(c.sum('rx-drop')).toBe(3);
    expect(c.sum('rx-drop', ['ip.reassembly'])).toBe(2);
  });

  it('transports define their own; unknown names and kind changes are programmer errors', () => {
    const c = new Counters(new Simulator(), 'h');
    c.define('udp.noPort', { kind: 'rx-drop', help: 'no socket on the destination port' });
    c.define('udp.noPort', { kind: 'rx-drop', help: 'same again is fine' });
    const ref = c.ref('udp.noPort');
    ref.value += 2;
    expect(c.get('udp.noPort')).toBe(2);
    expect(c.def('udp.noPort')?.kind).toBe('rx-drop');
    expect(() => c.define('udp.noPort', { kind: 'stat', help: 'x' })).toThrow(/already defined/);
    expect(() => c.drop('udp.typo')).toThrow(/unknown counter/);
  });
});

describe('timers', () => {
  it('run on simulated time and can be cancelled', () => {
    const sim = new Simulator();
    const t = new StackTimers(sim);
    const fired: string[] = [];
    t.after(5, () => fired.push(`a@${t.now}`));
    const b = t.at(3, () => fired.push(`b@${t.now}`));
    const c = t.after(4, () => fired.push(`c@${t.now}`));
    expect(t.live).toBe(3);
    expect(c.cancel()).toBe(true);
    expect(c.cancel()).toBe(false);
    sim.run();
    expect(fired).toEqual(['b@3', 'a@5']);
    expect([b.done, b.expiresAt, t.live]).toEqual([true, 3, 0]);
  });
});

describe('NetStack', () => {
  it('addInterface: connected route, names, ARP access, duplicate checks', () => {
    const sim = new Simulator();
    const s = new NetStack(sim, { udp: false, name: 'h' });
    const d0 = new TestDevice(sim, { name: 'eth0' });
    const i0 = s.addInterface(d0, { address: '10.1.2.3', prefixLength: 16, announce: false });
    expect([i0.name, i0.address, i0.network, i0.broadcast, i0.mtu, i0.up]).toEqual(['eth0', ip('10.1.2.3'), ip('10.1.0.0'), ip('10.1.255.255'), 1500, true]);
    expect(String(i0)).toBe('eth0 10.1.2.3/16');
    expect(s.routes.table()).toEqual([{ destination: '10.1.0.0', gateway: '0.0.0.0', genmask: '255.255.0.0', flags: 'U', metric: 0, iface: 'eth0' }]);
    expect(s.arp('eth0')).toBe(i0.arp);
    expect(s.iface('eth0')).toBe(i0);
    expect(() => s.arp('eth9')).toThrow(/no interface/);
    expect(() => s.addInterface(new TestDevice(sim, { name: 'eth1' }), { address: '10.1.2.3', prefixLength: 24 })).toThrow(/already in use/);
    expect(() => s.addInterface(new TestDevice(sim, { name: 'eth0' }), { address: '10.9.9.9', prefixLength: 24 })).toThrow(/already exists/);
    expect(() => s.configureNapt({ inside: i0, outside: i0 })).toThrow(/router/);
    expect(s.forwarding).toBe(false);
  });

  it('ICMP is built in; a protocol number takes one handler', () => {
    const s = new NetStack(new Simulator(), { udp: false, name: 'h' });
    expect(() => s.ip.register(IP_PROTOCOL.ICMP, recorder())).toThrow(/ICMP/);
    const off = s.ip.register(IP_PROTOCOL.UDP, recorder());
    expect(() => s.ip.register(IP_PROTOCOL.UDP, recorder())).toThrow(/already/);
    off();
    expect(s.ip.handler(IP_PROTOCOL.UDP)).toBeUndefined();
    s.ip.register(IP_PROTOCOL.UDP, recorder());
  });

  it('the journey across a router: every frame a device delivered is accounted for in exactly one counter', () => {
    const { sim, h, r, s, dh, dr0, dr1, ds } = routed();
    s.ip.register(IP_PROTOCOL.UDP, { receive: (d) => void s.icmp.destUnreachable(d) });
    h.ip.register(IP_PROTOCOL.UDP, recorder());
    h.icmp.onEchoReply(() => {});
    for (let k = 0; k < 5; k++) {
      h.icmp.sendEcho({ dst: ip('203.0.113.7'), id: 1, seq: k, data: seqBytes(100 + 1000 * k) });
      h.ip.output({ dst: ip('203.0.113.7'), protocol: IP_PROTOCOL.UDP, payload: udp(ip('192.168.1.10'), ip('203.0.113.7'), 4000 + k, 7, hex('00')) });
      sim.runFor(SEC);
    }
    sim.runFor(100 * SEC);
    for (const [stack, devs] of [
      [h, [dh]],
      [r, [dr0, dr1]],
      [s, [ds]],
    ] as const) {
      const fed = devs.reduce((n, d) => n + d.stats().rxPackets, 0);
      expect(rxAccounted(stack), stack.name).toBe(fed);
    }
    expect(h.counters.get('icmp.echoReply')).toBe(5);
    expect(h.counters.get('icmp.errorDelivered')).toBe(5);
    expect(r.counters.sum('rx-drop')).toBe(0);
  });
});

describe('stack boundaries', () => {
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((e) => {
      const p = join(dir, e);
      return statSync(join(ROOT, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  const mine = files('stack').filter((f) => !f.startsWith('stack/wire/'));

  it('stack/ imports only sim/, stack/ and the device contract (driver/netdev.ts), with .js suffixes', () => {
    const bad: string[] = [];
    for (const f of mine) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
        const spec = m[3];
        if (spec === 'xstate' || spec === 'xstate/graph') continue;
        if (!spec.startsWith('.') || !spec.endsWith('.js')) {
          bad.push(`${f}: ${spec}`);
          continue;
        }
        const target = relative(ROOT, resolve(ROOT, dirname(f), spec));
        if (target.startsWith('sim/') || target.startsWith('stack/')) continue;
        if (target === 'driver/netdev.js') continue; // the NetDevice contract; nothing else of driver/
        bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the index lists exports explicitly and exposes the layers', () => {
    expect(readFileSync(join(ROOT, 'stack/index.ts'), 'utf8')).not.toMatch(/export\s*\*/);
    for (const name of ['NetStack', 'Counters', 'Iface', 'ArpCache', 'RoutingTable', 'Ipv4Layer', 'Reassembler', 'Napt', 'Icmp', 'TestDevice', 'arpEntryMachine']) {
      expect(stackIndex).toHaveProperty(name);
    }
  });
});

describe('transports', () => {
  it('a host has UDP from creation, registered with IP (17) and the socket switch (SOCK_DGRAM) together, with its options', () => {
    const s = new NetStack(new Simulator(), { name: 'h', udp: { ephemeralLow: 40000, ephemeralHigh: 40010, rcvbuf: 1000 } });
    expect(s.udp).toBeInstanceOf(Udp);
    expect(s.ip.handler(IP_PROTOCOL.UDP)).toBe(s.udp);
    expect(s.sockets.protocols.find(SOCK_DGRAM, 0)?.name).toBe('udp');
    expect(s.udp.ephemeral).toEqual({ low: 40000, high: 40010 });
    expect(s.udp.defaultRcvbuf).toBe(1000);
    const none = new NetStack(new Simulator(), { name: 'bare', udp: false });
    expect(none.ip.handler(IP_PROTOCOL.UDP)).toBeUndefined();
    expect(none.sockets.protocols.find(SOCK_DGRAM, 0)).toBeUndefined();
    expect(() => none.udp).toThrow(/no UDP/);
  });

  it('addTransport hands a context, not the stack, and registers protocol number and socket type once', () => {
    const s = new NetStack(new Simulator({ seed: 3 }), { name: 'h', udp: false, tcp: false });
    let seen: TransportContext | undefined;
    const make = (ctx: TransportContext): Transport => {
      seen = ctx;
      return { name: 'x', ipProtocol: 99, socketType: SOCK_STREAM, receive: () => undefined, socket: () => ({}) as ProtoSocket };
    };
    const t = s.addTransport(make);
    expect(s.transport('x')).toBe(t);
    expect(s.ip.handler(99)).toBe(t);
    expect(s.sockets.protocols.find(SOCK_STREAM, 99)?.name).toBe('x');
    expect(Object.keys(seen!).sort()).toEqual(['confirmReachable', 'counters', 'defaultTtl', 'hostName', 'icmpUnreachable', 'isBroadcast', 'isLocal', 'output', 'payloadBuffer', 'route', 'rng', 'timers', 'trace', 'waitQueue'].sort());
    expect(seen!.rng('tcp.isn').nextU32()).toBe(new Simulator({ seed: 3 }).rng('h.tcp.isn').nextU32());
    expect(() => s.addTransport(make)).toThrow(/already/);
  });
});

describe('WaitQueue', () => {
  it('serves blocked calls in order, retrying on notify, and wakes the simulator on every settlement', async () => {
    const sim = new Simulator();
    const q = new WaitQueue(new StackTimers(sim), () => sim.wake());
    let items = 0;
    const take = () => (items > 0 ? items-- : undefined);
    const got: string[] = [];
    void q.wait(take).then((v) => got.push(`a${v}`));
    void q.wait(take).then((v) => got.push(`b${v}`));
    expect(q.notify()).toBe(0);
    items = 1;
    expect(q.notify()).toBe(1);
    await Promise.resolve();
    expect(got).toEqual(['a1']);
    expect(q.length).toBe(1);
    const woken = (sim as unknown as { woken: boolean }).woken;
    expect(woken).toBe(true);
  });

  it('rejects with what the attempt throws, on timeout, and on failAll', async () => {
    const sim = new Simulator();
    const q = new WaitQueue(new StackTimers(sim), () => sim.wake());
    const failing = q.wait(() => {
      throw new SocketError('ECONNRESET');
    });
    q.notify();
    await expect(failing).rejects.toMatchObject({ code: 'ECONNRESET' });
    const timed = q.wait(() => undefined, { timeoutNs: 1000 });
    sim.run();
    await expect(timed).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(sim.now).toBe(1000);
    const closed = q.wait(() => undefined);
    expect(q.failAll('EBADF')).toBe(1);
    await expect(closed).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => q.wait(() => 1, { timeoutNs: -1 })).toThrow(RangeError);
  });
});
