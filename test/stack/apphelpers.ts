/**
 * Helpers for the tests of the upper half (UDP, sockets, apps, tools): running application code
 * in simulated time, and a fault middleware that drops chosen frames at a device's transmit side.
 */
import type { RunOptions, Simulator } from '../../sim/simulator.js';
import type { TestDevice } from '../../stack/testdev.js';
import { Udp } from '../../stack/udp.js';
import { routed, summarize, twoHosts } from './helpers.js';

/**
 * Runs `app` (async application code) against the simulator: the simulation runs until the app
 * settles (then stops at that instant) or goes idle; returns the app's result or rethrows.
 */
export async function run<T>(sim: Simulator, app: () => Promise<T>, opts: RunOptions = {}): Promise<T> {
  let settled = false;
  const p = app();
  p.then(
    () => {
      settled = true;
      sim.stop();
    },
    () => {
      settled = true;
      sim.stop();
    },
  );
  await sim.runAsync(opts);
  if (!settled) await new Promise((r) => setImmediate(r));
  if (!settled) throw new Error(`the app did not finish (simulation ${sim.pending === 0 ? 'idle' : 'stopped'} at ${sim.now} ns)`);
  return p;
}

/** Expects `p` to reject and returns the rejection value. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/**
 * A fault middleware on a device's transmit side: frames whose summary matches `pattern` are
 * dropped (the device reports `ok`, as a medium that loses them would), at most `times` of them.
 * Returns the summaries of the dropped frames.
 */
export function dropFrames(dev: TestDevice, pattern: RegExp, times = Infinity): string[] {
  const dropped: string[] = [];
  const transmit = dev.transmit.bind(dev);
  dev.transmit = (frame: Uint8Array) => {
    if (dropped.length < times && dev.linkUp) {
      const s = summarize(frame);
      if (pattern.test(s)) {
        dropped.push(s);
        return 'ok';
      }
    }
    return transmit(frame);
  };
  return dropped;
}

/** {@link twoHosts} with UDP attached on both hosts (as every host with a socket layer has it). */
export function twoUdpHosts(...args: Parameters<typeof twoHosts>): ReturnType<typeof twoHosts> {
  const t = twoHosts(...args);
  Udp.of(t.a);
  Udp.of(t.b);
  return t;
}

/** {@link routed} with UDP attached on the three hosts. */
export function routedUdp(...args: Parameters<typeof routed>): ReturnType<typeof routed> {
  const t = routed(...args);
  Udp.of(t.h);
  Udp.of(t.r);
  Udp.of(t.s);
  return t;
}
