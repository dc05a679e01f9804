/**
 * TCP benchmarks between two whole emulated hosts (adapter + kernel + e1000 driver + IP stack),
 * 1 Gb/s over a 1 m cable, drivers at ITR 976 (Linux's bulk-traffic interrupt rate, as for UDP):
 *
 * - `stack.tcp_goodput_mbps`: one bulk connection; the sender writes 256 KiB at a time, the
 *   receiver reads whatever is there into one 256 KiB buffer (`into`, as iperf reads into its
 *   buffer); megabits the receiving application got per wall-clock
 *   second. Timestamps off, so MSS 1460 (the figure real gigabit Ethernet gives as 949 Mb/s).
 *   The adapters segment (the driver's `tso` option, on by default in Linux's e1000 as in every
 *   real gigabit measurement): the wire carries the same frames as without it, the stack builds
 *   fewer, larger packets. `stack.tcp_udp_goodput_ratio` runs TCP without TSO, segment by
 *   segment through the stack, as UDP runs.
 * - `stack.tcp_connections_per_s`: connect, a 100-byte request, a 100-byte answer, close — the
 *   server closes first (as an HTTP/1.0 server does), so TIME-WAIT is on its side; MSL is 100 ms
 *   on both hosts so the TIME-WAIT connections of a long run do not pile up (the wait is
 *   2 × MSL of simulated time, a few thousand connections at this rate).
 * Each session's close throws when a drop counter moved or the byte counts disagree.
 * @module
 */
import { Process } from '../stack/socket/api.js';
import { AF_INET, SOCK_STREAM } from '../stack/socket/types.js';
import { MS } from '../sim/time.js';
import type { Session } from './harness.js';
import { checkClean, sliceStep, twoHosts } from './hosts.js';

/** The sender's MSS in the goodput run (timestamps off). */
export const TCP_GOODPUT_MSS = 1460;

/** Counters that must stay 0 in a TCP run besides the drops: a retransmission or a damaged segment is a loss the bench did not ask for. */
const TCP_LOSS = ['tcp.retransSegs', 'tcp.badChecksum'];

/** Options of {@link tcpGoodputSession}. */
export interface TcpGoodputOptions {
  /** TCP segmentation offload on both adapters (the e1000 `tso` option; default false). */
  tso?: boolean;
}

/** One bulk TCP connection; each step runs 10 ms of simulated time; units: bytes the receiving application got. */
export async function tcpGoodputSession(opts: TcpGoodputOptions = {}): Promise<Session> {
  const { net, a, b } = await twoHosts({ tcp: { timestamps: false }, driver: { itr: 976, tso: opts.tso ?? false } });
  const sim = net.sim;
  const rx = new Process(b.stack, 'sink');
  const tx = new Process(a.stack, 'source');
  const l = await net.settle(rx.socket(AF_INET, SOCK_STREAM));
  await net.settle(rx.bind(l, { address: 0, port: 9 }));
  await net.settle(rx.listen(l, 1));
  const sfd = await net.settle(tx.socket(AF_INET, SOCK_STREAM));
  const accepted = rx.accept(l);
  await net.settle(tx.connect(sfd, { address: '10.0.0.2', port: 9 }));
  const { fd: rfd } = await net.settle(accepted);
  let running = true;
  let received = 0;
  let sent = 0;
  const buf = new Uint8Array(256 * 1024);
  const sink = (async () => {
    for (;;) {
      const d = await rx.read(rfd, { into: buf });
      if (d.length === 0) return;
      received += d.length;
    }
  })();
  const chunk = new Uint8Array(256 * 1024).map((_, i) => i & 0xff);
  const source = (async () => {
    while (running) sent += await tx.write(sfd, chunk);
    await tx.close(sfd);
  })();
  return {
    step: sliceStep(sim, () => received),
    async close() {
      running = false;
      await net.settle(Promise.all([source, sink]));
      await net.settle(rx.close(rfd));
      checkClean('TCP run', TCP_LOSS, a, b);
      if (received !== sent) throw new Error(`tcp goodput: ${sent - received} of ${sent} bytes missing`);
    },
  };
}

/** Connections (connect, 100-byte request and answer, close); each step runs 10 ms of simulated time; units: connections completed. */
export async function tcpConnectionsSession(): Promise<Session> {
  const { net, a, b } = await twoHosts({ tcp: { mslNs: 100 * MS } });
  const sim = net.sim;
  const srv = new Process(b.stack, 'server');
  const cli = new Process(a.stack, 'client');
  const l = await net.settle(srv.socket(AF_INET, SOCK_STREAM));
  await net.settle(srv.bind(l, { address: 0, port: 80 }));
  await net.settle(srv.listen(l, 128));
  let running = true;
  let done = 0;
  const answer = new Uint8Array(100).fill(0x41);
  const request = new Uint8Array(100).fill(0x51);
  const server = (async () => {
    for (;;) {
      let fd: number;
      try {
        ({ fd } = await srv.accept(l));
      } catch {
        return; // the listener was closed
      }
      await srv.recv(fd, { maxLength: 100, waitAll: true });
      await srv.write(fd, answer);
      await srv.close(fd);
    }
  })();
  const client = (async () => {
    while (running) {
      const fd = await cli.socket(AF_INET, SOCK_STREAM);
      await cli.connect(fd, { address: '10.0.0.2', port: 80 });
      await cli.write(fd, request);
      let n = 0;
      for (;;) {
        const d = await cli.read(fd);
        if (d.length === 0) break;
        n += d.length;
      }
      await cli.close(fd);
      if (n !== 100) throw new Error(`tcp connections: answer of ${n} bytes`);
      done++;
    }
  })();
  return {
    step: sliceStep(sim, () => done),
    async close() {
      running = false;
      await net.settle(client);
      await net.settle(srv.close(l));
      await net.settle(server);
      checkClean('TCP run', TCP_LOSS, a, b);
    },
  };
}
