/**
 * What the whole-host benchmarks (bench/stack.ts, bench/tcp.ts) share: two emulated hosts on a
 * 1 m cable at 1 Gb/s, the check that a run dropped nothing, and a step that runs a slice of
 * simulated time and counts what completed in it.
 * @module
 */
import { Network, type NetHost } from '../topology/network.js';
import type { E1000Options } from '../driver/e1000.js';
import type { TcpOptions } from '../stack/tcp/tcp.js';
import type { Simulator } from '../sim/simulator.js';
import { MS } from '../sim/time.js';

/** Options of {@link twoHosts}. */
export interface TwoHostsOptions {
  /** Driver options of both hosts (default ITR 976, Linux's bulk-traffic interrupt rate). */
  driver?: E1000Options;
  /** TCP options of both hosts. */
  tcp?: TcpOptions;
}

/** Hosts `a` (10.0.0.1/24) and `b` (10.0.0.2/24) on a 1 m cable, started (links up). */
export async function twoHosts(o: TwoHostsOptions = {}): Promise<{ net: Network; a: NetHost; b: NetHost }> {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const driver = o.driver ?? { itr: 976 };
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24', driver }], tcp: o.tcp });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24', driver }], tcp: o.tcp });
  net.cable(a.port(0), b.port(0), { lengthM: 1 });
  await net.start();
  return { net, a, b };
}

/** Throws, naming the host and its non-zero counters, when any drop counter or one of `extra` moved during `run`. */
export function checkClean(run: string, extra: readonly string[], ...hosts: NetHost[]): void {
  for (const h of hosts) {
    const c = h.stack.counters;
    const drops = c.sum('rx-drop') + c.sum('tx-drop') + extra.reduce((n, name) => n + c.get(name), 0);
    if (drops > 0) throw new Error(`${h.name}: ${drops} drops during the ${run}: ${JSON.stringify(c.snapshot({ nonZero: true }))}`);
  }
}

/** A session step: runs 10 ms of simulated time and returns how far `count()` moved meanwhile. */
export function sliceStep(sim: Simulator, count: () => number): () => Promise<number> {
  return async () => {
    const c0 = count();
    await sim.runForAsync(10 * MS);
    return count() - c0;
  };
}
