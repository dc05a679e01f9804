/**
 * Whole-host benchmarks: two emulated hosts (adapter + kernel + e1000 driver + IP stack) built
 * with the topology builder.
 *
 * - `stack.udp_goodput_mbps`: UDP payload (1472-byte datagrams, one Ethernet frame each) from
 *   one host's application to the other's over a 1 m cable at 1 Gb/s, in megabits received by the
 *   receiving application per wall-clock second. The sender writes until the driver stops its
 *   transmit queue, then waits for the queue to wake (room in the ring); the receiver blocks in
 *   `recvfrom` only when its socket queue is empty, so the simulator wakes each application once
 *   per batch, not once per datagram. Drivers run with ITR = 976 (≈ 4,000 interrupts/s), the
 *   rate Linux's default dynamic moderation (e1000 InterruptThrottleRate=3) settles at for a bulk
 *   stream of full-size frames; `stack.udp_goodput_mbps.itr195` reports the same transfer at its
 *   20,000 interrupts/s low-latency rate. The receiving UDP verifies checksums with the adapter's
 *   legacy receive checksum (RXCSUM.PCSS = 14), as a driver using that offload would.
 * - `stack.ping_rtt_ns`: the simulated round-trip time of a 56-byte ping, ARP resolved, over a
 *   100 m cable at 100 Mb/s with the default (zero) CPU costs; analytically
 *   2 × (110 bytes × 80 ns + 100 m × 5 ns/m) = 18,600 ns (see test/topology/rtt.test.ts).
 * @module
 */
import { Network } from '../topology/network.js';
import { Process } from '../stack/socket/api.js';
import { AF_INET, SOCK_DGRAM } from '../stack/socket/types.js';
import { ping } from '../stack/tools/ping.js';
import type { E1000Options } from '../driver/e1000.js';
import { MS } from '../sim/time.js';
import type { Session } from './harness.js';
import { checkClean, sliceStep, twoHosts } from './hosts.js';

/** The size of the datagrams: the largest that fits one frame at MTU 1500. */
export const GOODPUT_DATAGRAM = 1472;

/** Options of {@link udpGoodputSession}. */
export interface UdpGoodputOptions {
  /** Driver options of both hosts (default ITR 976, Linux's bulk-traffic interrupt rate). */
  driver?: E1000Options;
  /** Send without UDP checksums (`UDP_NOCHECKSUM`; default false), to see what the checksum costs. */
  noChecksum?: boolean;
}

/**
 * Sends 1472-byte UDP datagrams from one host's application to another's; each step runs 10 ms of
 * simulated time; units: datagrams the receiving application got. Closing stops the sender, lets
 * the rings drain and throws when any datagram was lost or any drop counter moved.
 */
export async function udpGoodputSession(opts: UdpGoodputOptions = {}): Promise<Session> {
  const { driver = { itr: 976 }, noChecksum = false } = opts;
  const { net, a, b } = await twoHosts({ driver });
  await net.settle(ping(a.stack, '10.0.0.2', { count: 1 })); // resolve ARP both ways
  const sim = net.sim;

  const rx = new Process(b.stack, 'sink');
  const rfd = await net.settle(rx.socket(AF_INET, SOCK_DGRAM));
  await net.settle(rx.bind(rfd, { address: 0, port: 9 }));
  const tx = new Process(a.stack, 'source');
  const sfd = await net.settle(tx.socket(AF_INET, SOCK_DGRAM));
  await net.settle(tx.connect(sfd, { address: '10.0.0.2', port: 9 }));
  if (noChecksum) await net.settle(tx.setsockopt(sfd, 'UDP_NOCHECKSUM', true));

  let running = true;
  let received = 0;
  let sent = 0;

  // Receiver: a plain receive loop. A receive with datagrams queued resolves at once (no
  // simulator wake-up); only one that finds the queue empty suspends until the next delivery,
  // which then comes with the rest of that interrupt's batch. (Draining with `dontWait` until
  // EAGAIN costs a SocketError, with its stack trace, per wake-up: ~10% of the run.)
  const sink = (async () => {
    try {
      for (;;) {
        await rx.recvfrom(rfd);
        received++;
      }
    } catch {
      // EBADF: closed at the end of the run
    }
  })();

  // Sender: fill the driver's ring, then wait until it has room again.
  const drv = a.drivers[0];
  const iface = a.ifaces[0];
  let room: (() => void) | null = null;
  const wakeSource = () => {
    const r = room;
    room = null;
    if (r !== null) {
      r();
      sim.wake();
    }
  };
  drv.onTxWake(wakeSource);
  const payload = new Uint8Array(GOODPUT_DATAGRAM).map((_, i) => i & 0xff);
  const source = (async () => {
    while (running) {
      while (!drv.queueStoppedNow && iface.txQueued === 0 && running) {
        await tx.send(sfd, payload);
        sent++;
      }
      if (!running) break;
      await new Promise<void>((res) => {
        room = res;
      });
    }
  })();

  return {
    step: sliceStep(sim, () => received),
    async close() {
      running = false;
      wakeSource();
      await net.settle(source);
      // let what is still in the rings arrive
      for (let i = 0; i < 100 && received < sent; i++) await sim.runForAsync(1 * MS);
      await net.settle(rx.close(rfd));
      await sink;
      checkClean('goodput run', ['udp.rcvbufErrors'], a, b);
      if (received !== sent) throw new Error(`udp goodput: ${sent - received} of ${sent} datagrams lost`);
    },
  };
}

/** Throws when a drop counter of either stack moved: the figure would not be goodput. */

/**
 * The simulated RTT of a 56-byte ping (the second one, ARP resolved) between two hosts on a
 * 100 m cable at 100 Mb/s (gigabit not advertised), default CPU costs.
 */
export async function pingRttNs(): Promise<number> {
  const net = new Network({ seed: 1, autonegNs: 10 * MS });
  const a = net.host('a', { interfaces: [{ address: '10.0.0.1/24' }] });
  const b = net.host('b', { interfaces: [{ address: '10.0.0.2/24' }] });
  net.cable(a.port(0), b.port(0), { lengthM: 100 });
  for (const nic of [...a.nics, ...b.nics]) {
    nic.phy.mdioWrite(9, 0); // 1000BASE-T control: no gigabit
    nic.phy.mdioWrite(4, 0x0181); // auto-negotiation advertisement: 100BASE-TX full/half, 802.3
  }
  await net.start();
  await net.runFor(1 * MS);
  const r = await net.settle(ping(a.stack, '10.0.0.2', { count: 2, intervalNs: 10 * MS }));
  const second = r.replies.find((x) => x.seq === 2);
  if (second === undefined) throw new Error('the second ping got no reply');
  return second.rttNs;
}
