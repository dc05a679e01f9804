/**
 * `netstat -ant[p]` and `ss -t[a|l][i]` over TCP connections in every state, built with the
 * socket API between two hosts; frames are dropped selectively to hold connections in the
 * states that only last a round trip (SYN_SENT, SYN_RECV, FIN_WAIT1, CLOSING, LAST_ACK).
 */
import { describe, expect, test } from 'vitest';
import type { Simulator } from '../../../sim/simulator.js';
import { Process } from '../../../stack/socket/api.js';
import { socketTable } from '../../../stack/socket/netstat.js';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import type { TestDevice } from '../../../stack/testdev.js';
import { formatNetstat, netstat } from '../../../stack/tools/netstat.js';
import { formatSs, ss, tcpInfoFields } from '../../../stack/tools/ss.js';
import { TCP_FLAG, TcpSegment } from '../../../stack/wire/tcp.js';
import { run } from '../apphelpers.js';
import { twoHosts } from '../helpers.js';

const MS = 1_000_000;

/** Drops TCP frames `dev` sends when `drop(srcPort, dstPort, flags)` says so. */
function tcpFilter(dev: TestDevice, drop: (sport: number, dport: number, flags: number) => boolean): void {
  const transmit = dev.transmit.bind(dev);
  dev.transmit = (frame: Uint8Array) => {
    if (frame.length >= 14 + 20 + 20 && frame[12] === 0x08 && frame[13] === 0x00 && frame[14 + 9] === 6) {
      const seg = new TcpSegment(frame.subarray(14 + (frame[14] & 0x0f) * 4));
      if (drop(seg.srcPort, seg.dstPort, seg.flags)) return 'ok';
    }
    return transmit(frame);
  };
}

function sleep(sim: Simulator, ns: number): Promise<void> {
  return new Promise((resolve) => {
    sim.schedule(ns, () => {
      resolve();
      sim.wake();
    });
  });
}

/**
 * Client a (10.0.0.1) and server b (10.0.0.2, httpd listening on :80, backlog 8): one connection
 * per client port, each left in a chosen state.
 */
async function everyState() {
  const t = twoHosts();
  const { sim, a, b, da, db } = t;
  const cli = new Process(a, 'curl');
  const srv = new Process(b, 'httpd');
  const dropA = new Set<string>(); // `${port}:${what}` rules for frames a sends
  const dropB = new Set<string>();
  const rule = (set: Set<string>, port: number, flags: number) =>
    set.has(`${port}:all`) || (set.has(`${port}:ack`) && (flags & (TCP_FLAG.SYN | TCP_FLAG.FIN)) === 0) || (set.has(`${port}:fin`) && (flags & TCP_FLAG.FIN) !== 0);
  tcpFilter(da, (sport, _d, flags) => rule(dropA, sport, flags));
  tcpFilter(db, (_s, dport, flags) => rule(dropB, dport, flags));

  const fds = await run(sim, async () => {
    const l = await srv.socket(AF_INET, SOCK_STREAM);
    await srv.bind(l, { address: 0, port: 80 });
    await srv.listen(l, 8);
    const open = async (port: number, accept = true) => {
      const c = await cli.socket(AF_INET, SOCK_STREAM);
      await cli.bind(c, { address: 0, port });
      await cli.connect(c, { address: '10.0.0.2', port: 80 });
      const s = accept ? (await srv.accept(l)).fd : -1;
      return { c, s };
    };
    // 40001 ESTABLISHED, 100 bytes unread at the server
    const e = await open(40001);
    await cli.write(e.c, new Uint8Array(100));
    // 40002 a closes: FIN_WAIT2 / CLOSE_WAIT
    const fw2 = await open(40002);
    await cli.close(fw2.c);
    // 40003 a closes, then b: TIME_WAIT at a, b is gone
    const tw = await open(40003);
    await cli.close(tw.c);
    expect(await srv.read(tw.s)).toHaveLength(0);
    await srv.close(tw.s);
    // 40004 a's FIN is lost: FIN_WAIT1 (b stays ESTABLISHED)
    const fw1 = await open(40004);
    dropA.add('40004:fin');
    await cli.close(fw1.c);
    // 40005 a's ACK of b's FIN is lost: LAST_ACK at b, TIME_WAIT at a
    const la = await open(40005);
    await cli.close(la.c);
    expect(await srv.read(la.s)).toHaveLength(0);
    dropA.add('40005:ack');
    await srv.close(la.s);
    // 40007 the SYN is lost: SYN_SENT
    dropA.add('40007:all');
    const pending = cli.socket(AF_INET, SOCK_STREAM).then(async (c) => {
      await cli.bind(c, { address: 0, port: 40007 });
      return cli.connect(c, { address: '10.0.0.2', port: 80 });
    });
    void pending.catch(() => undefined);
    // 40006 simultaneous close, both ACKs of the FINs lost: CLOSING at both ends
    const cl = await open(40006);
    dropA.add('40006:ack');
    dropB.add('40006:ack');
    void cli.close(cl.c);
    void srv.close(cl.s);
    await sleep(sim, 10 * MS);
    // 40008 the handshake's last ACK is lost: ESTABLISHED at a, SYN_RECV at b
    dropA.add('40008:ack');
    await open(40008, false);
    // 40009 established but not accepted: in the accept queue, no descriptor at b
    await open(40009, false);
    await sleep(sim, 10 * MS); // well inside the first RTO (1 s): nothing retransmitted yet
    return { e, fw2 };
  });
  return { ...t, cli, srv, fds };
}

describe('netstat -ant: every TCP state', () => {
  test('the client and the server side, as net-tools prints them', async () => {
    const { a, b } = await everyState();
    expect(formatNetstat(netstat(a, { proto: 'tcp' }), { programs: true })).toBe(
      [
        'Active Internet connections (servers and established)',
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
        'tcp        0    100 10.0.0.1:40001          10.0.0.2:80             ESTABLISHED 1/curl', // the peer's delayed ACK is not due yet
        'tcp        0      1 10.0.0.1:40007          10.0.0.2:80             SYN_SENT    1/curl',
        'tcp        0      0 10.0.0.1:40008          10.0.0.2:80             ESTABLISHED 1/curl',
        'tcp        0      0 10.0.0.1:40009          10.0.0.2:80             ESTABLISHED 1/curl',
        'tcp        0      0 10.0.0.1:40002          10.0.0.2:80             FIN_WAIT2   -',
        'tcp        0      0 10.0.0.1:40003          10.0.0.2:80             TIME_WAIT   -',
        'tcp        0      1 10.0.0.1:40004          10.0.0.2:80             FIN_WAIT1   -',
        'tcp        0      0 10.0.0.1:40005          10.0.0.2:80             TIME_WAIT   -',
        'tcp        0      1 10.0.0.1:40006          10.0.0.2:80             CLOSING     -',
        '',
      ].join('\n'),
    );
    expect(formatNetstat(netstat(b, { proto: 'tcp' }), { programs: true })).toBe(
      [
        'Active Internet connections (servers and established)',
        'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name',
        'tcp        1      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1/httpd',
        'tcp      100      0 10.0.0.2:80             10.0.0.1:40001          ESTABLISHED 1/httpd',
        'tcp        0      0 10.0.0.2:80             10.0.0.1:40002          CLOSE_WAIT  1/httpd',
        'tcp        0      0 10.0.0.2:80             10.0.0.1:40004          ESTABLISHED 1/httpd',
        'tcp        0      1 10.0.0.2:80             10.0.0.1:40005          LAST_ACK    -',
        'tcp        0      1 10.0.0.2:80             10.0.0.1:40006          CLOSING     -',
        'tcp        0      0 10.0.0.2:80             10.0.0.1:40008          SYN_RECV    -',
        'tcp        0      0 10.0.0.2:80             10.0.0.1:40009          ESTABLISHED -',
        '',
      ].join('\n'),
    );
  });

  test('every state appears; without -a the listener is left out; -u shows no TCP', async () => {
    const { a, b } = await everyState();
    const states = new Set([...netstat(a), ...netstat(b)].map((r) => r.state));
    expect([...states].sort()).toEqual(['CLOSE_WAIT', 'CLOSING', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'LAST_ACK', 'LISTEN', 'SYN_RECV', 'SYN_SENT', 'TIME_WAIT']);
    expect(netstat(b, { all: false }).map((r) => r.state)).not.toContain('LISTEN');
    expect(netstat(b, { all: false })).toHaveLength(netstat(b).length - 1);
    expect(netstat(b, { proto: 'udp' })).toEqual([]);
  });

  test('socketTable: descriptor-less connections have id 0 and no owner; a bound, unconnected TCP socket is not in netstat', async () => {
    const { sim, a, cli } = twoHostsWithIdle();
    await run(sim, async () => {
      const c = await cli.socket(AF_INET, SOCK_STREAM);
      await cli.bind(c, { address: 0, port: 5555 });
    });
    expect(socketTable(a).map((r) => [r.proto, r.localPort, r.state, r.bound])).toEqual([['tcp', 5555, 'CLOSE', true]]);
    expect(netstat(a)).toEqual([]);
    expect(ss(a, { all: true })).toEqual([]);
  });
});

function twoHostsWithIdle() {
  const t = twoHosts();
  return { ...t, cli: new Process(t.a, 'app') };
}

describe('ss -t', () => {
  test('ss -tan: ss state names, a listener shows its accept queue and backlog', async () => {
    const { b } = await everyState();
    expect(formatSs(ss(b, { all: true }))).toBe(
      [
        'State      Recv-Q Send-Q Local Address:Port Peer Address:Port',
        'LISTEN     1      8            0.0.0.0:80        0.0.0.0:*',
        'ESTAB      100    0           10.0.0.2:80       10.0.0.1:40001',
        'CLOSE-WAIT 0      0           10.0.0.2:80       10.0.0.1:40002',
        'ESTAB      0      0           10.0.0.2:80       10.0.0.1:40004',
        'LAST-ACK   0      1           10.0.0.2:80       10.0.0.1:40005',
        'CLOSING    0      1           10.0.0.2:80       10.0.0.1:40006',
        'SYN-RECV   0      0           10.0.0.2:80       10.0.0.1:40008',
        'ESTAB      0      0           10.0.0.2:80       10.0.0.1:40009',
        '',
      ].join('\n'),
    );
  });

  test('ss -tn leaves out LISTEN, TIME-WAIT and SYN-RECV; ss -tln shows only listeners', async () => {
    const { a, b } = await everyState();
    expect(ss(a).map((r) => `${r.state} ${r.localPort}`)).toEqual(['ESTAB 40001', 'FIN-WAIT-2 40002', 'FIN-WAIT-1 40004', 'SYN-SENT 40007', 'CLOSING 40006', 'ESTAB 40008', 'ESTAB 40009']);
    expect(ss(b, { listening: true }).map((r) => `${r.state} ${r.recvQ} ${r.sendQ}`)).toEqual(['LISTEN 1 8']);
  });

  test('ss -tin: the tcp_info line of each connection', async () => {
    const { a } = await everyState();
    const out = formatSs(ss(a, { all: true }), { info: true });
    expect(out).toBe(
      [
        'State      Recv-Q Send-Q Local Address:Port  Peer Address:Port',
        'ESTAB      0      100         10.0.0.1:40001     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.004/0.002 mss:1448 advmss:1448 cwnd:3 send 8688.0Mbps unacked:1',
        'FIN-WAIT-2 0      0           10.0.0.1:40002     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.002/0 mss:1448 advmss:1448 cwnd:3 send 17376.0Mbps',
        'TIME-WAIT  0      0           10.0.0.1:40003     10.0.0.2:80', // no tcp_info in TIME-WAIT
        'FIN-WAIT-1 0      1           10.0.0.1:40004     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.002/0.001 mss:1448 advmss:1448 cwnd:3 send 17376.0Mbps unacked:1',
        'TIME-WAIT  0      0           10.0.0.1:40005     10.0.0.2:80',
        'SYN-SENT   0      1           10.0.0.1:40007     10.0.0.2:80',
        '\t newreno rto:1000 mss:536 advmss:1460 unacked:1', // nothing negotiated yet: the default MSS, no RTT sample
        'CLOSING    0      1           10.0.0.1:40006     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.002/0.001 mss:1448 advmss:1448 cwnd:3 send 17376.0Mbps unacked:1',
        'ESTAB      0      0           10.0.0.1:40008     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.002/0.001 mss:1448 advmss:1448 cwnd:3 send 17376.0Mbps',
        'ESTAB      0      0           10.0.0.1:40009     10.0.0.2:80',
        '\t newreno wscale:7,7 rto:1000 rtt:0.002/0.001 mss:1448 advmss:1448 cwnd:3 send 17376.0Mbps',
        '',
      ].join('\n'),
    );
  });

  test('tcpInfoFields: ss’s rules for zero fields, units and rounding', () => {
    const base = {
      state: 'ESTABLISHED' as const,
      mss: 1448,
      advMss: 1460,
      cwnd: 14480,
      ssthresh: 0x7fff_ffff,
      srttNs: 30_000,
      rttvarNs: 15_000,
      rtoNs: 1_000_000_000,
      retransmits: 0,
      backoff: 0,
      sacked: 0,
      unacked: 0,
      sndWnd: 65535,
      rcvWnd: 65535,
      wscale: [7, 6] as const,
      sackOk: true,
      tsOk: true,
      recovery: 'none' as const,
      congestion: 'newreno',
      bytesAcked: 1,
      bytesReceived: 0,
    };
    expect(tcpInfoFields(base).join(' ')).toBe('newreno wscale:6,7 rto:1000 rtt:0.03/0.015 mss:1448 advmss:1448 cwnd:10 bytes_acked:1 send 3861.3Mbps');
    expect(tcpInfoFields({ ...base, cwnd: 2896 * 3, ssthresh: 2896 * 2, retransmits: 2, backoff: 1, rtoNs: 2_000_000_000, unacked: 1449, sacked: 1448 }, { options: true }).join(' ')).toBe(
      'ts sack newreno wscale:6,7 rto:2000 backoff:1 rtt:0.03/0.015 mss:1448 advmss:1448 cwnd:6 ssthresh:4 bytes_acked:1 send 2316.8Mbps unacked:2 retrans:1/2 sacked:1',
    );
    // rto of exactly 3 s is left out (ss's rule); no wscale when not negotiated; rtt below 1 µs is 0 and left out with the rate
    expect(tcpInfoFields({ ...base, rtoNs: 3_000_000_000, wscale: [-1, -1], srttNs: 999, bytesAcked: 0 }).join(' ')).toBe('newreno mss:1448 advmss:1448 cwnd:10');
    expect(tcpInfoFields({ ...base, srttNs: 1_234_567, rttvarNs: 617_283 }).join(' ')).toContain('rtt:1.234/0.617 ');
  });
});
