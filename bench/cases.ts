/**
 * The registry of benchmarks `npm run bench` runs, in order: each a name, a unit, a goal, how its
 * ratio to the floor is defined, and the workload. Adding a figure is one entry here; e.g. a TCP
 * goodput figure would be
 *
 * ```ts
 * { kind: 'rate', name: 'stack.tcp_goodput_mbps', unit: 'Mb/s', scale: (1460 * 8) / 1e6,
 *   ratio: perFrame(1e6 / (1460 * 8), 'segments/s (Mb/s × 10⁶ ÷ (1460 × 8))', atLeast(0.333)),
 *   open: () => tcpGoodputSession() }   // a Session whose step() returns segments delivered
 * ```
 * @module
 */
import type { BenchCase, FloorRatio, Goal, Session } from './harness.js';
import { crc32Session, copySession } from './floor.js';
import { adapterSession } from './adapter.js';
import { driverSession } from './driver.js';
import { GOODPUT_DATAGRAM, pingRttNs, udpGoodputSession } from './stack.js';
import { signalSession } from './signal.js';
import { TCP_GOODPUT_MSS, tcpConnectionsSession, tcpGoodputSession } from './tcp.js';
import { faultSession } from './faults.js';
import { csmaSession } from './csma.js';
import { BRIDGE_CASE } from './bridge.js';
import { scaleSession, scaleMemory } from './scale.js';
import { skeletonSession } from './skeleton.js';
import type { Speed } from '../hw/medium/types.js';
import type { PhyKind } from '../hw/phy/linecode/index.js';

/** Name of the CRC-32 floor: zlib.crc32 over 1518 frame bytes, frames/s. */
export const CRC_FLOOR = 'floor.crc32_frames_per_s.1518';
/** Name of the copy floor: a 1518-byte TypedArray copy, frames/s. */
export const COPY_FLOOR = 'floor.copy_frames_per_s.1518';

/** Max-size frames per second a link carries at `speed` Mb/s (1518 bytes + 8 preamble/SFD + 12 interframe gap). */
export function realTimeFramesPerS(speed: Speed): number {
  return (speed * 1e6) / ((1518 + 8 + 12) * 8);
}

/** A goal `value ≥ min`. */
export function atLeast(min: number, note?: string): Goal {
  return note === undefined ? { min } : { min, note };
}

/**
 * The ratio of a figure to the two-CRC floor, (crc32 frames/s) ÷ 2: one CRC-32 on transmit and
 * one on receive per frame. `toFrames` turns the figure's unit into frames/s.
 */
export function perFrame(toFrames: number, what: string, goal?: Goal): FloorRatio {
  const r: FloorRatio = { floor: CRC_FLOOR, divisor: 2, toFloorUnit: toFrames, definition: `${what} ÷ (${CRC_FLOOR} ÷ 2)   [the two-CRC floor]` };
  if (goal) r.goal = goal;
  return r;
}

const FRAMES = 'frames/s';
/** Issue 13: within 3× of the two-CRC floor. */
const WITHIN_3X = atLeast(0.333, 'within 3× of the floor');
const PHYS: ReadonlyArray<[Speed, PhyKind]> = [
  [10, '10BASE-T'],
  [100, '100BASE-TX'],
  [1000, '1000BASE-X'],
];
const rt = realTimeFramesPerS;

/** A session whose units are datagrams of `size` bytes, counted in bytes (to compare with TCP's bytes). */
function inBytes(s: Session, size: number): Session {
  return { step: async () => (await s.step()) * size, close: () => s.close?.() };
}

/** Every benchmark, in the order they run (floors first: the ratios need them). */
export const CASES: readonly BenchCase[] = [
  { kind: 'rate', name: CRC_FLOOR, unit: FRAMES, open: () => crc32Session(1518) },
  { kind: 'rate', name: COPY_FLOOR, unit: FRAMES, open: () => copySession(1518) },

  // register-level adapter pair at 1 Gb/s (bench/pair.ts)
  {
    kind: 'rate',
    name: 'adapter.frames_per_s.1518',
    unit: FRAMES,
    goal: atLeast(Math.floor(2 * rt(1000)), '2 × line rate'),
    ratio: perFrame(1, FRAMES, atLeast(0.5, 'within 2× of the floor')),
    open: () => adapterSession(1518),
  },
  {
    kind: 'rate',
    name: 'adapter.frames_per_s.64',
    unit: FRAMES,
    // issue 13: 1,000,000 frames/s where crc32 over 1518 B ran at 790–845 k/s (midpoint 817.5 k, two-CRC floor 408,750)
    ratio: perFrame(1, FRAMES, atLeast(2.446, '1 M frames/s at a 817.5 k/s crc32 floor')),
    open: () => adapterSession(64),
  },

  // the skeleton of the frame model (bench/skeleton.ts): how fast any per-frame model could be; on request
  ...[1518, 64].map((size): BenchCase => ({ kind: 'rate', name: `skeleton.frames_per_s.${size}`, unit: FRAMES, onRequest: true, ratio: perFrame(1, FRAMES), open: () => skeletonSession(size) })),

  // two full driver hosts at 1 Gb/s, ITR 195
  { kind: 'rate', name: 'driver.frames_per_s.1518', unit: FRAMES, goal: atLeast(Math.floor(2 * rt(1000)), '2 × line rate'), ratio: perFrame(1, FRAMES, WITHIN_3X), open: () => driverSession(1518) },
  // (no goal; on request, to keep the default run well inside its 3 minutes)
  { kind: 'rate', name: 'driver.frames_per_s.64', unit: FRAMES, onRequest: true, ratio: perFrame(1, FRAMES), open: () => driverSession(64) },

  // two full hosts, application to application
  {
    kind: 'rate',
    name: 'stack.udp_goodput_mbps',
    unit: 'Mb/s',
    scale: (GOODPUT_DATAGRAM * 8) / 1e6,
    goal: atLeast(1914, '2 × the wire’s 957 Mb/s'),
    ratio: perFrame(1e6 / (GOODPUT_DATAGRAM * 8), 'datagrams/s (Mb/s × 10⁶ ÷ (1472 × 8))', WITHIN_3X),
    open: () => udpGoodputSession(),
  },
  {
    kind: 'rate',
    name: 'stack.udp_goodput_mbps.itr195',
    unit: 'Mb/s',
    onRequest: true, // no goal: on request
    scale: (GOODPUT_DATAGRAM * 8) / 1e6,
    ratio: perFrame(1e6 / (GOODPUT_DATAGRAM * 8), 'datagrams/s (Mb/s × 10⁶ ÷ (1472 × 8))'),
    open: () => udpGoodputSession({ driver: { itr: 195 } }),
  },
  {
    kind: 'rate',
    name: 'stack.tcp_goodput_mbps',
    unit: 'Mb/s',
    scale: 8 / 1e6,
    goal: atLeast(1898, '2 × real gigabit TCP (949 Mb/s)'),
    ratio: perFrame(1e6 / (TCP_GOODPUT_MSS * 8), `segments/s (Mb/s × 10⁶ ÷ (${TCP_GOODPUT_MSS} × 8))`, WITHIN_3X),
    open: () => tcpGoodputSession({ tso: true }),
  },
  {
    kind: 'slowdown',
    name: 'stack.tcp_udp_goodput_ratio',
    unit: 'ratio',
    digits: 3,
    goal: atLeast(0.8, 'TCP goodput ≥ 0.8 × UDP goodput, stepped alternately'),
    open: async () => ({ base: await tcpGoodputSession(), test: inBytes(await udpGoodputSession(), GOODPUT_DATAGRAM) }),
  },
  // the connection path takes about 1.5 s to reach its pace (1,000–4,400 conn/s in the first 1.5 s of one run, 7,800–10,000 after)
  { kind: 'rate', name: 'stack.tcp_connections_per_s', unit: 'conn/s', warmupS: 1.5, open: () => tcpConnectionsSession() },
  { kind: 'exact', name: 'stack.ping_rtt_ns', unit: 'ns', goal: { equals: 18_600 }, compute: pingRttNs },

  // signal fidelity: the PHY pipeline alone, then the full adapter path
  ...PHYS.map(([speed, kind]): BenchCase => ({
    kind: 'rate',
    name: `phy.signal_frames_per_s.${kind}`,
    unit: FRAMES,
    goal: atLeast(Math.floor(rt(speed)), 'real time'),
    ratio: perFrame(1, FRAMES),
    open: () => signalSession(speed, kind),
  })),
  ...PHYS.map(([speed, kind]): BenchCase => ({
    kind: 'rate',
    name: `adapter.signal_frames_per_s.${kind}`,
    unit: FRAMES,
    goal: atLeast(Math.floor(2 * rt(speed)), '2 × real time'),
    ratio: perFrame(1, FRAMES),
    open: () => adapterSession(1518, { speed, fidelity: 'signal' }),
  })),

  // the shared-medium study: 64 saturated stations on a 10 Mb/s hub (CSMA/CD per frame and per collision)
  {
    kind: 'rate',
    name: 'phy.csma_sim_seconds_per_s.64x10BASE-T',
    unit: 'sim s/s',
    digits: 2,
    goal: atLeast(5, '5 × real time'),
    open: () => csmaSession(64),
  },
  { kind: 'rate', name: 'phy.csma_sim_seconds_per_s.8x10BASE-T', unit: 'sim s/s', digits: 2, open: () => csmaSession(8) },

  // many hosts on one switch pinging their neighbours (bench/scale.ts): 3 repetitions each, to keep the bench short
  // (10 hosts take about 2 s to reach their pace: 94,000 frames/s in the first second, 108,000–148,000 after)
  ...[10, 100].map((n): BenchCase => ({ kind: 'rate', name: `scale.frames_per_s.${n}hosts`, unit: FRAMES, reps: 3, warmupS: n === 10 ? 2.5 : undefined, open: () => scaleSession(n) })),
  {
    kind: 'rate',
    name: 'scale.frames_per_s.1000hosts',
    unit: FRAMES,
    reps: 3,
    ratio: {
      floor: 'scale.frames_per_s.10hosts',
      divisor: 1,
      toFloorUnit: 1,
      definition: 'frames/s with 1,000 hosts ÷ frames/s with 10 hosts timed in a 1 s slice right after   [per-frame cost within 1.5×]',
      goal: atLeast(0.667, 'per-frame cost ≤ 1.5 × that of 10 hosts'),
      sliceS: 1, // 0.2 s slices of the 10-host network swing by 1.5×
    },
    open: () => scaleSession(1000),
  },
  { kind: 'exact', name: 'scale.heap_bytes_per_host.1000hosts', sameProcessAs: 'scale.frames_per_s.1000hosts', unit: 'B', goal: { max: 2_000_000, note: '< 2 MB per idle host' }, compute: async () => (await scaleMemory(1000)).heapPerHost },
  { kind: 'exact', name: 'scale.rss_bytes_per_host.1000hosts', sameProcessAs: 'scale.frames_per_s.1000hosts', unit: 'B', compute: async () => (await scaleMemory(1000)).rssPerHost },

  { kind: 'slowdown', name: 'faults.ber_overhead', unit: 'ratio', digits: 3, goal: { max: 1.1 }, open: () => ({ base: faultSession(null), test: faultSession(1e-6) }) },

  // the bridge in real time (bench/bridge.ts): its own search over offered loads, computed once
  BRIDGE_CASE,
];
