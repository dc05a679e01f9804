/**
 * Many hosts: N full hosts (adapter, driver, stack; topology/network.ts) on one N-port switch at
 * 1 Gb/s, each pinging its neighbour (host i → host i+1 mod N). Each step is a round of 2 ms of
 * simulated time: every host sends one 56-byte echo request in the first millisecond (host i at
 * i/N ms, not in lock-step), and every reply is back within the second; units:
 * frames on the wire (request + reply per host), so the per-frame cost compares across N. The
 * memory a host takes is measured after the warm-up, with a full GC.
 *
 * Warm-up is O(N), not O(N²): the hosts do not announce themselves at link up, and each host's
 * ARP cache is handed the ARP requests of its two neighbours as if they had arrived (its replies,
 * sent in address order, teach the switch every port). On one flat segment N hosts resolving by
 * broadcast cost N² deliveries — a million frames for 1,000 hosts — before the first ping.
 * @module
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Network, type NetHost } from '../topology/network.js';
import { MS } from '../sim/time.js';
import { ARP_LEN, ARP_OP, emitArp } from '../stack/wire/arp.js';
import type { Session } from './harness.js';

/** Memory of a built network, per host. */
export interface ScaleMemory {
  /** Hosts. */
  hosts: number;
  /** JS heap (V8 heapUsed) per host, bytes. */
  heapPerHost: number;
  /** ArrayBuffer memory (host memory, rings, buffers) per host, bytes (address space, not all resident). */
  arrayBuffersPerHost: number;
  /** Resident set growth per host, bytes. */
  rssPerHost: number;
}

/** The memory figures of the last session opened for each N (the `scale.*_per_host` figures read them). */
export const measuredMemory = new Map<number, ScaleMemory>();

let gcFn: (() => void) | undefined;
/** A full garbage collection (exposes V8's gc() once). */
export function fullGc(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

function heap(): { heap: number; ab: number; rss: number } {
  fullGc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, ab: m.arrayBuffers, rss: m.rss };
}

const addr = (i: number) => `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;

/** N hosts on one switch pinging their neighbours; units: frames. */
export async function scaleSession(n: number): Promise<Session> {
  if (!Number.isInteger(n) || n < 2 || n > 60_000) throw new RangeError(`hosts must be 2…60000, got ${n}`);
  const before = heap();
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const sw = net.switch({ ports: n, autonegNs: 10 * MS, name: 'sw' });
  const hosts: NetHost[] = [];
  for (let i = 0; i < n; i++) {
    const h = net.host(`h${i}`, { interfaces: [{ address: `${addr(i + 1)}/8`, announce: false }] });
    net.cable(h.port(0), sw.port(i), { lengthM: 2 });
    hosts.push(h);
  }
  await net.start();
  const sim = net.sim;
  let replies = 0;
  const data = new Uint8Array(56);
  // The bench's own per-host state is flat arrays read in order and callbacks shared by every host:
  // a closure per host kept from round to round (and the host and stack objects behind it) would
  // be cold cache lines at 1,000 hosts, charged to the emulator.
  const onReply = () => void replies++;
  for (const h of hosts) h.stack.icmp.onEchoReply(onReply);
  const dst = hosts.map((_, i) => hosts[(i + 1) % n].address());
  const icmps = hosts.map((h) => h.stack.icmp);
  let seq = 0;
  const send = (i: number) => void icmps[i].sendEcho({ dst: dst[i], id: 1, seq, data });
  // one round: every host sends one request, host i at i/N of the millisecond (hosts are not in
  // lock-step), and the round runs until every reply is back
  const round = () => {
    seq++;
    for (let i = 0; i < n; i++) sim.schedule(Math.floor((i * MS) / n), () => send(i));
    sim.run({ until: sim.now + 2 * MS });
  };
  // neighbours resolved without broadcasts: host i hears host i−1's request, then host i+1's
  const arpFrom = (to: number, from: number) => {
    const t = hosts[to].ifaces[0];
    const f = hosts[from].ifaces[0];
    const pkt = new Uint8Array(ARP_LEN);
    emitArp({ operation: ARP_OP.REQUEST, senderHw: f.mac, senderIp: f.address, targetHw: 0, targetIp: t.address }, pkt);
    t.arp.input(pkt);
  };
  for (const d of [n - 1, 1]) {
    for (let i = 0; i < n; i++) sim.schedule(i * 2_000, () => arpFrom(i, (i + d) % n));
    sim.run({ until: sim.now + n * 2_000 + MS });
  }
  round();
  sim.run({ until: sim.now + 10 * MS });
  if (replies !== n) throw new Error(`scale: ${replies} of ${n} hosts got their first reply`);
  const after = heap();
  measuredMemory.set(n, { hosts: n, heapPerHost: (after.heap - before.heap) / n, arrayBuffersPerHost: (after.ab - before.ab) / n, rssPerHost: (after.rss - before.rss) / n });
  // the steady state, not the OS's first-touch page faults: every page of host memory is written
  // once now (with the byte it holds), as a long run's ring buffers would have been
  for (const h of hosts) {
    const b = h.memory.bytes;
    for (let a = 0; a < b.length; a += 4096) b[a] = b[a];
  }
  replies = 0;
  let sent = 0;
  return {
    step() {
      round();
      sent += n;
      return 2 * n;
    },
    close() {
      sim.run({ until: sim.now + 10 * MS });
      if (replies !== sent) throw new Error(`scale: ${sent - replies} of ${sent} pings unanswered with ${n} hosts`);
    },
  };
}

/** The memory figures of an idle network of `n` hosts: those its last session measured, or a fresh build's. */
export async function scaleMemory(n: number): Promise<ScaleMemory> {
  let m = measuredMemory.get(n);
  if (m === undefined) {
    await (await scaleSession(n)).close?.();
    m = measuredMemory.get(n)!;
  }
  return m;
}
