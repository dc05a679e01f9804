/**
 * The bridge benchmark: `bridge.udp_echo_per_s`, the UDP echo round trips per second an emulated
 * host behind `nicsim bridge`'s UDP link (one Ethernet frame per datagram) sustains with no loss
 * and a real-time lag under 10 ms.
 *
 * The emulated host (adapter, e1000 driver, stack, the UDP echo service) runs paced to the wall
 * clock with a {@link RemoteEndpoint} attached through {@link attachUdp}; this process plays the
 * outside peer on a second UDP socket, sending ready-made Ethernet/IPv4/UDP frames (64-byte
 * payload) to port 7 at a fixed offered rate for 1.5 s per step (1,000, 2,000, 4,000, … per
 * second, after half a second of warm-up at 500/s). A step passes when every request was answered
 * within 250 ms after the step and the loop's lag over the step's last second stayed under 10 ms; the figure is the highest passing rate (0 when none passed).
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

/** Runs the benchmark (about 10 s of wall-clock time). */
export async function benchBridge(rates: readonly number[] = [1000, 2000, 4000, 8000, 16000, 32000]): Promise<BridgeBenchResult[]> {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const host = net.host('emu', { interfaces: [{ address: '10.88.0.2/24', mac: '02:00:00:00:01:01' }] });
  const ep = new RemoteEndpoint(net.sim, { name: 'peer', autonegNs: 10 * MS, queueFrames: 1024 });
  net.cable(host.port(), ep);
  await net.start();
  await net.settle(startServices(host.stack, { echo: true }));
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const link = await attachUdp(ep, { local: { host: '127.0.0.1', port: 0 }, remote: { host: '127.0.0.1', port: peer.address().port } });
  const bridgePort = link.local()!.port;
  const answered = new Set<number>();
  peer.on('message', (m) => {
    if (m.length >= 14 + 28 + 4 && m[12] === 0x08 && m[13] === 0x00 && m[23] === 17) answered.add(m.readUInt32BE(14 + 28));
  });
  const ac = new AbortController();
  const loop = net.sim.runRealtime({ waitForPosts: true, signal: ac.signal });
  const send = (f: Uint8Array) => peer.send(f, bridgePort, '127.0.0.1');
  send(arpRequest()); // the host learns our MAC from the request
  await new Promise((r) => setTimeout(r, 200));
  let best = 0;
  let seq = 0;
  try {
    for (const [i, rate] of [500, ...rates].entries()) {
      const warmUp = i === 0; // half a second at 500/s first: the JIT settles, the ARP entry is there
      const first = seq;
      const t0 = performance.now();
      let lag = 0;
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          const total = warmUp ? rate / 2 : (rate * 3) / 2;
          const elapsed = performance.now() - t0;
          const due = Math.min(Math.floor((elapsed * rate) / 1000), total);
          while (seq - first < due) send(echoRequest(seq++));
          // the lag of the last second (the stats' window lags by up to half a second)
          if (elapsed >= 1000) lag = Math.max(lag, net.sim.realtimeStats()?.lagNs ?? 0);
          if (seq - first >= total) {
            clearInterval(tick);
            resolve();
          }
        }, 1);
      });
      await new Promise((r) => setTimeout(r, 250));
      lag = Math.max(lag, net.sim.realtimeStats()?.lagNs ?? 0);
      let lost = 0;
      for (let s = first; s < seq; s++) if (!answered.has(s)) lost++;
      if (process.env.NICSIM_BENCH_DEBUG) process.stderr.write(`bridge bench: ${rate}/s lost ${lost} lag ${(lag / 1e6).toFixed(1)} ms\n`);
      if (warmUp) continue;
      if (lost > 0 || lag >= 10 * MS) break;
      best = rate;
    }
  } finally {
    ac.abort();
    await loop;
    await link.close();
    peer.close();
  }
  return [{ name: 'bridge.udp_echo_per_s', value: best, unit: 'round trips/s (no loss, lag < 10 ms)' }];
}

/** `bridge.udp_echo_per_s` as a case of the benchmark registry (bench/cases.ts). */
export const BRIDGE_CASE: BenchCase = {
  kind: 'exact',
  name: 'bridge.udp_echo_per_s',
  unit: 'round trips/s',
  compute: async () => (await benchBridge())[0].value,
};
