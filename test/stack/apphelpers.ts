/**
 * Helpers for the tests of the upper half (UDP, sockets, apps, tools): running application code
 * in simulated time, and a fault middleware that drops chosen frames at a device's transmit side.
 */
import type { RunOptions, Simulator } from '../../sim/simulator.js';
import type { TestDevice } from '../../stack/testdev.js';
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

/** {@link twoHosts} with UDP registered on both hosts (as a host made with the default options has it). */
export function twoUdpHosts(opts: Parameters<typeof twoHosts>[0] = {}): ReturnType<typeof twoHosts> {
  return twoHosts({ ...opts, a: { udp: {}, ...opts.a }, b: { udp: {}, ...opts.b } });
}

/** {@link routed} with UDP registered on the three hosts. */
export function routedUdp(opts: Parameters<typeof routed>[0] = {}): ReturnType<typeof routed> {
  return routed({ ...opts, h: { udp: {}, ...opts.h }, r: { udp: {}, ...opts.r }, s: { udp: {}, ...opts.s } });
}
