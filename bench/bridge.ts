/**
 * The bridge benchmark: `bridge.udp_echo_per_s`, the UDP echo round trips per second an emulated
 * host behind `nicsim bridge`'s UDP link (one Ethernet frame per datagram) sustains with no loss
 * and a real-time lag under 10 ms.
 *
 * The emulated host (adapter, e1000 driver, stack, the UDP echo service) runs paced to the wall
 * clock with a {@link RemoteEndpoint} attached through {@link attachUdp}; this process plays the
 * outside peer on a second UDP socket (it answers the host's ARP requests for its address, as a
 * real neighbour does), sending ready-made Ethernet/IPv4/UDP frames (64-byte payload) to port 7
 * at a fixed offered rate for 1.5 s per step, after half a second of warm-up at 500/s. A step
 * passes when every request was answered within 250 ms after the step and the 99th percentile
 * of the loop's lag over the step's last second stayed under 10 ms: a probe event every simulated
 * millisecond notes how far the wall clock is past its instant, so a single late host timer on a
 * shared machine does not fail a load the emulation keeps up with. The offered loads double from
 * 1,000/s while they pass, then two halvings of the interval between the last load that passed
 * and the first that failed refine it ({@link searchRate}); the figure is the highest load that
 * passed (0 when none did).
 *
 * Registration: add {@link BRIDGE_CASE} to `CASES` in bench/cases.ts
 * (`import { BRIDGE_CASE } from './bridge.js';`); it is an `exact` case, computed once per run,
 * since the figure comes from its own search over offered loads rather than from the harness's
 * repetitions.
 * @module
 */
import { createSocket } from 'node:dgram';
import { Network } from '../topology/network.js';
import { RemoteEndpoint } from '../hw/remote.js';
import { attachUdp } from '../topology/links.js';
import { startServices } from '../topology/services.js';
import { internetChecksum } from '../stack/wire/checksum.js';
import { MS } from '../sim/time.js';
import type { BenchCase } from './harness.js';

/** One figure of {@link benchBridge}. */
export interface BridgeBenchResult {
  /** `bridge.udp_echo_per_s`. */
  name: string;
  /** The highest rate that passed. */
  value: number;
  /** Its unit. */
  unit: string;
}

const HOST_MAC = [0x02, 0, 0, 0, 1, 1];
const PEER_MAC = [0x02, 0xbe, 0, 0, 0, 1];
const PEER_IP = [10, 88, 0, 1];
const HOST_IP = [10, 88, 0, 2];

function arpRequest(): Uint8Array {
  return Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...PEER_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, ...PEER_MAC, ...PEER_IP, 0, 0, 0, 0, 0, 0, ...HOST_IP]);
}

/**
 * The peer's ARP reply to `frame` when it is an ARP request for the peer's address, else null.
 * The emulated host re-resolves the peer when its entry goes stale (after tens of seconds of
 * simulated time, as Linux's does); unanswered, its echoes would wait in its ARP queue and be
 * dropped there.
 */
export function arpReply(frame: Uint8Array): Uint8Array | null {
  if (frame.length < 42 || frame[12] !== 0x08 || frame[13] !== 0x06) return null;
  // htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (request), target IP the peer's
  const head = [0, 1, 8, 0, 6, 4, 0, 1];
  for (let i = 0; i < head.length; i++) if (frame[14 + i] !== head[i]) return null;
  for (let i = 0; i < 4; i++) if (frame[38 + i] !== PEER_IP[i]) return null;
  const sha = frame.subarray(22, 28);
  const spa = frame.subarray(28, 32);
  return Uint8Array.from([...sha, ...PEER_MAC, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2, ...PEER_MAC, ...PEER_IP, ...sha, ...spa]);
}

/**
 * The highest offered load that `pass` accepts: loads double from `first` while they pass (up to
 * `max`), then `refine` halvings of the interval between the last load that passed (0 when the
 * first failed) and the first that failed, each rounded to a multiple of 100. Every load is tried
 * once, in that order.
 */
export async function searchRate(pass: (rate: number) => Promise<boolean>, first = 1000, max = 64000, refine = 2): Promise<number> {
  let lo = 0;
  let hi = -1;
  for (let r = first; r <= max; r *= 2) {
    if (!(await pass(r))) {
      hi = r;
      break;
    }
    lo = r;
  }
  if (hi < 0) return lo;
  for (let k = 0; k < refine; k++) {
    const mid = Math.round((lo + hi) / 200) * 100;
    if (mid <= lo || mid >= hi) break;
    if (await pass(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The `q` quantile (0…1) of `xs` by the nearest-rank method; 0 when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** An Ethernet frame with a UDP datagram to port 7 carrying `seq` in its 64-byte payload (no UDP checksum). */
function echoRequest(seq: number): Uint8Array {
  const payload = new Uint8Array(64);
  new DataView(payload.buffer).setUint32(0, seq);
  const ip = new Uint8Array(20 + 8 + 64);
  ip.set([0x45, 0, (ip.length >> 8) & 0xff, ip.length & 0xff, (seq >> 8) & 0xff, seq & 0xff, 0, 0, 64, 17, 0, 0, ...PEER_IP, ...HOST_IP]);
  const c = internetChecksum(ip, 0, 20);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  ip.set([0x9c, 0x40, 0, 7, 0, 72, 0, 0], 20);
  ip.set(payload, 28);
  return Uint8Array.from([...HOST_MAC, ...PEER_MAC, 0x08, 0x00, ...ip]);
}

/** Runs the benchmark (10–15 s of wall-clock time). */
export async function benchBridge(): Promise<BridgeBenchResult[]> {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const host = net.host('emu', { interfaces: [{ address: '10.88.0.2/24', mac: '02:00:00:00:01:01' }] });
  const ep = new RemoteEndpoint(net.sim, { name: 'peer', autonegNs: 10 * MS, queueFrames: 1024 });
  net.cable(host.port(), ep);
  await net.start();
  await net.settle(startServices(host.stack, { echo: true }));
  const sim = net.sim;
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const link = await attachUdp(ep, { local: { host: '127.0.0.1', port: 0 }, remote: { host: '127.0.0.1', port: peer.address().port } });
  const bridgePort = link.local()!.port;
  const send = (f: Uint8Array) => peer.send(f, bridgePort, '127.0.0.1');
  const answered = new Set<number>();
  peer.on('message', (m) => {
    const reply = arpReply(m);
    if (reply !== null) send(reply);
    else if (m.length >= 14 + 28 + 4 && m[12] === 0x08 && m[13] === 0x00 && m[23] === 17) answered.add(m.readUInt32BE(14 + 28));
  });
  const ac = new AbortController();
  const simStart = sim.now;
  const loop = sim.runRealtime({ waitForPosts: true, signal: ac.signal });
  // the lag probe: every simulated ms, how far the wall clock is past the probe's instant
  let lags: number[] | null = null;
  const probe = (): void => {
    const st = sim.realtimeStats();
    if (st !== undefined && lags !== null) lags.push(simStart + st.wallMs * 1e6 - sim.now);
    if (!ac.signal.aborted) sim.schedule(MS, probe);
  };
  sim.schedule(MS, probe);
  send(arpRequest()); // the host learns our MAC from the request
  await new Promise((r) => setTimeout(r, 200));
  let seq = 0;
  /** Offers `rate` requests/s for `seconds`; true when none was lost and the lag's 99th percentile over the last second stayed under 10 ms. */
  const step = async (rate: number, seconds: number): Promise<boolean> => {
    const first = seq;
    const total = Math.round(rate * seconds);
    const t0 = performance.now();
    lags = null;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - t0;
        const due = Math.min(Math.floor((elapsed * rate) / 1000), total);
        while (seq - first < due) send(echoRequest(seq++));
        if (lags === null && elapsed >= (seconds - 1) * 1000) lags = [];
        if (seq - first >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const lagP99 = quantile(lags ?? [], 0.99);
    lags = null;
    await new Promise((r) => setTimeout(r, 250));
    let lost = 0;
    for (let s = first; s < seq; s++) if (!answered.has(s)) lost++;
    if (process.env.NICSIM_BENCH_DEBUG) process.stderr.write(`bridge bench: ${rate}/s lost ${lost}, lag p99 ${(lagP99 / 1e6).toFixed(1)} ms\n`);
    return lost === 0 && lagP99 < 10 * MS;
  };
  let best = 0;
  try {
    await step(500, 0.5); // warm-up: the JIT settles, the ARP entry is there
    best = await searchRate((rate) => step(rate, 1.5));
  } finally {
    ac.abort();
    await loop;
    await link.close();
    peer.close();
  }
  return [{ name: 'bridge.udp_echo_per_s', value: best, unit: 'round trips/s (no loss, lag p99 < 10 ms)' }];
}

/** `bridge.udp_echo_per_s` as a case of the benchmark registry (bench/cases.ts). */
export const BRIDGE_CASE: BenchCase = {
  kind: 'exact',
  name: 'bridge.udp_echo_per_s',
  unit: 'round trips/s',
  compute: async () => (await benchBridge())[0].value,
};
