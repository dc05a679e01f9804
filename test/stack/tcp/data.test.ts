/**
 * The established data path as traces: delayed and piggy-backed ACKs (RFC 1122), out-of-order
 * data with SACK (RFC 2018), the initial window and slow start (RFC 5681), retransmission timeout
 * and back-off (RFC 6298), fast retransmit with NewReno (RFC 6582) and SACK (RFC 6675) recovery,
 * zero-window probes, Nagle (RFC 896), window scaling (RFC 7323), keepalive, sequence wrap, and
 * the socket errors Linux gives.
 */
import { describe, expect, it } from 'vitest';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { isSocketError } from '../../../stack/socket/errors.js';
import type { TcpSocket } from '../../../stack/tcp/socket.js';
import { Drill, PEER } from './drill.js';

const MS = 1_000_000;
const SEC = 1_000_000_000;
const TS = '<nop,nop,TS val 200 ecr 0>';

/** An accepted connection on port 80; the peer's SYN offers `syn` options, its ACK announces `win`. */
async function established(d: Drill, opts: { win?: number; syn?: string } = {}): Promise<{ fd: number; sock: TcpSocket }> {
  const p = d.proc;
  const l = await p.socket(AF_INET, SOCK_STREAM);
  await p.bind(l, { address: 0, port: 80 });
  await p.listen(l, 4);
  d.inject(`S 0:0(0) win 65535 ${opts.syn ?? '<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>'}`);
  d.expect('S. 0:0(0) ack 1');
  d.inject(`. 1:1(0) ack 1 win ${opts.win ?? 1000}`);
  const { fd } = await p.accept(l);
  const sock = d.stack.tcp.sockets().find((s) => s.state === 'ESTABLISHED')!;
  return { fd, sock };
}

describe('acknowledgements (RFC 1122 §4.2.3.2)', () => {
  it('one segment is acknowledged by the 200 ms delayed-ACK timer; every second full segment at once', async () => {
    const d = new Drill();
    await established(d);
    const t0 = d.sim.now;
    d.inject(`P. 1:1001(1000) ack 1 win 1000 ${TS}`);
    d.expectNothing();
    await d.advance(200 * MS);
    d.expect('. 1:1(0) ack 1001', { at: t0 + 200 * MS });
    d.inject(`. 1001:2449(1448) ack 1 win 1000 ${TS}`);
    d.expectNothing();
    d.inject(`. 2449:3897(1448) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 3897', { at: t0 + 200 * MS });
    expect(d.stack.counters.get('tcp.delayedAcks')).toBe(1);
  });

  it('the ACK rides on the reply when the application answers within 200 ms (piggy-backing)', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    d.inject(`P. 1:101(100) ack 1 win 1000 ${TS}`);
    expect((await d.proc.read(fd)).length).toBe(100);
    await d.advance(5 * MS);
    await d.proc.write(fd, new Uint8Array(500));
    d.expect('P. 1:501(500) ack 101');
    d.expectNothing();
    expect(d.stack.counters.get('tcp.delayedAcks')).toBe(0);
  });

  it('out-of-order data is acknowledged at once with a SACK block; filling the hole acknowledges everything', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    d.inject(`. 1001:2001(1000) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 1 <nop,nop,TS val * ecr 100,nop,nop,sack 1001:2001>'); // TS.Recent moves only in order (RFC 7323 §4.3)
    d.inject(`. 3001:4001(1000) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 1 <nop,nop,TS val * ecr 100,nop,nop,sack 3001:4001 1001:2001>'); // the latest block first
    d.inject(`. 1:1001(1000) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 2001 <nop,nop,TS val * ecr 200,nop,nop,sack 3001:4001>');
    const data = await d.proc.read(fd);
    expect(data.length).toBe(2000);
    expect(data[1000]).toBe(0); // the second segment's first byte (the drill's payload counts from 0)
    expect(d.stack.counters.get('tcp.oooSegments')).toBe(2);
  });

  it('a data segment that carries SACK blocks carries fewer bytes, so it still fits the MTU (1448 − 12 for one block)', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    d.inject(`. 1001:2001(1000) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 1 <nop,nop,TS val * ecr 100,nop,nop,sack 1001:2001>');
    await d.proc.write(fd, new Uint8Array(3000));
    d.expect('. 1:1437(1436) ack 1 <nop,nop,TS val * ecr 100,nop,nop,sack 1001:2001>');
    d.expect('. 1437:2873(1436) ack 1');
    expect(d.stack.counters.get('ip.outTooBig')).toBe(0);
  });

  it('the advertised window shrinks as unread data queues, scaled by 2^7', async () => {
    const d = new Drill();
    await established(d);
    d.inject(`. 1:1449(1448) ack 1 win 1000 ${TS}`);
    d.inject(`. 1449:2897(1448) ack 1 win 1000 ${TS}`);
    d.expect(`. 1:1(0) ack 2897 win ${(131072 - 2896) >> 7}`);
  });
});

describe('sending (RFC 5681, RFC 896, RFC 7323)', () => {
  it('the initial window is 3 segments of 1448 bytes (4,380 bytes); an ACK of two opens room for three more (slow start)', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.write(fd, new Uint8Array(20_000));
    d.expect('. 1:1449(1448) ack 1');
    d.expect('. 1449:2897(1448) ack 1');
    d.expect('. 2897:4345(1448) ack 1');
    d.expectNothing();
    expect(sock.tcpInfo().cwnd).toBe(4380);
    d.inject(`. 1:1(0) ack 2897 win 1000 ${TS}`);
    expect(sock.tcpInfo().cwnd).toBe(4380 + 1448);
    d.expect('. 4345:5793(1448) ack 1');
    d.expect('. 5793:7241(1448) ack 1');
    d.expect('. 7241:8689(1448) ack 1');
    d.expectNothing();
  });

  it('Nagle holds a small write while data is unacknowledged; TCP_NODELAY sends it at once', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    await d.proc.write(fd, new Uint8Array(10));
    d.expect('P. 1:11(10) ack 1');
    await d.proc.write(fd, new Uint8Array(10));
    d.expectNothing();
    d.inject(`. 1:1(0) ack 11 win 1000 ${TS}`);
    d.expect('P. 11:21(10) ack 1');
    await d.proc.setsockopt(fd, 'TCP_NODELAY', true);
    await d.proc.write(fd, new Uint8Array(10));
    d.expect('P. 21:31(10) ack 1');
  });

  it("the peer's window is its field shifted by its scale (1 × 2^7 = 128 bytes); sender SWS avoidance holds such a sliver until the persist timer", async () => {
    const d = new Drill();
    const { fd, sock } = await established(d, { win: 1 });
    const t0 = d.sim.now;
    expect(sock.tcpInfo().sndWnd).toBe(128);
    await d.proc.write(fd, new Uint8Array(1000));
    d.expectNothing(); // 128 bytes is less than half the largest window the peer offered (65,535 in its SYN)
    await d.advance(1 * SEC);
    d.expect('. 1:129(128) ack 1', { at: t0 + 1 * SEC });
    d.expectNothing();
  });

  it('a zero window stops sending; the persist timer probes with back-off; an opening window lets the data go', async () => {
    const d = new Drill();
    const { fd } = await established(d, { win: 0 });
    const t0 = d.sim.now;
    await d.proc.write(fd, new Uint8Array(100));
    d.expectNothing();
    await d.advance(1 * SEC);
    d.expect('. 0:0(0) ack 1', { at: t0 + 1 * SEC });
    await d.advance(2 * SEC);
    d.expect('. 0:0(0) ack 1', { at: t0 + 3 * SEC });
    d.inject(`. 1:1(0) ack 1 win 1000 ${TS}`);
    d.expect('P. 1:101(100) ack 1');
    expect(d.stack.counters.get('tcp.zeroWindowProbes')).toBe(2);
  });
});

describe('loss recovery', () => {
  it('retransmission timeout: 1 s (the RFC 6298 minimum), then 2 s, 4 s (back-off); a new ACK ends it', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    const t0 = d.sim.now;
    await d.proc.write(fd, new Uint8Array(100));
    d.expect('P. 1:101(100) ack 1', { at: t0 });
    await d.advance(1 * SEC);
    d.expect('P. 1:101(100) ack 1', { at: t0 + 1 * SEC });
    await d.advance(2 * SEC);
    d.expect('P. 1:101(100) ack 1', { at: t0 + 3 * SEC });
    expect(sock.tcpInfo()).toMatchObject({ backoff: 2, rtoNs: 4 * SEC, retransmits: 2, cwnd: 1448 });
    d.inject(`. 1:1(0) ack 101 win 1000 ${TS}`);
    await d.advance(10 * SEC);
    d.expectNothing();
    expect(d.stack.counters.get('tcp.rtoExpired')).toBe(2);
  });

  it('with the Linux-like 200 ms minimum the first retransmission comes after 200 ms', async () => {
    const d = new Drill({ tcp: { rto: 'linux' } });
    const { fd } = await established(d);
    const t0 = d.sim.now;
    await d.proc.write(fd, new Uint8Array(100));
    d.expect('P. 1:101(100) ack 1');
    await d.advance(1 * SEC);
    d.expect('P. 1:101(100) ack 1', { at: t0 + 200 * MS });
    d.expect('P. 1:101(100) ack 1', { at: t0 + 600 * MS });
  });

  it('three duplicate ACKs: fast retransmit and NewReno (no SACK): ssthresh = flight / 2, cwnd = ssthresh + 3 MSS, partial and full ACKs', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d, { syn: '<mss 1460,nop,wscale 7>' });
    await d.proc.write(fd, new Uint8Array(10 * 1460));
    d.expect('. 1:1461(1460) ack 1');
    d.expect('. 1461:2921(1460) ack 1');
    d.expect('. 2921:4381(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 4381:5841(1460) ack 1'); // limited transmit
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 5841:7301(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 1:1461(1460) ack 1');
    d.expectNothing();
    expect(sock.tcpInfo()).toMatchObject({ recovery: 'newreno', ssthresh: 3650, cwnd: 3650 + 3 * 1460 });
    d.inject('. 1:1(0) ack 1461 win 1000'); // partial ACK: the next hole goes at once
    d.expect('. 1461:2921(1460) ack 1');
    d.inject('. 1:1(0) ack 7301 win 1000');
    const info = sock.tcpInfo();
    expect(info.recovery).toBe('none');
    expect(info.cwnd).toBeLessThanOrEqual(3650);
    expect(d.stack.counters.get('tcp.fastRetransmits')).toBe(1);
  });

  it('early retransmit (RFC 5827): with three segments out and nothing more to send, two duplicate ACKs are enough', async () => {
    const d = new Drill();
    const { fd } = await established(d, { syn: '<mss 1460,nop,wscale 7>' });
    await d.proc.write(fd, new Uint8Array(3 * 1460));
    d.expect('. 1:1461(1460) ack 1');
    d.expect('. 1461:2921(1460) ack 1');
    d.expect('P. 2921:4381(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expectNothing();
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 1:1461(1460) ack 1');
  });

  it('limited transmit (RFC 3042): the first two duplicate ACKs each let one new segment out', async () => {
    const d = new Drill();
    const { fd } = await established(d, { syn: '<mss 1460,nop,wscale 7>' });
    await d.proc.write(fd, new Uint8Array(10 * 1460));
    d.expect('. 1:1461(1460) ack 1');
    d.expect('. 1461:2921(1460) ack 1');
    d.expect('. 2921:4381(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 4381:5841(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 5841:7301(1460) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    d.expect('. 1:1461(1460) ack 1');
  });

  it('SACK recovery (RFC 6675): the reported holes are retransmitted, SACKed data is not', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.setsockopt(fd, 'TCP_NODELAY', true);
    await d.proc.write(fd, new Uint8Array(3 * 1448));
    d.expect('. 1:1449(1448) ack 1');
    d.expect('. 1449:2897(1448) ack 1');
    d.expect('P. 2897:4345(1448) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000 <nop,nop,sack 1449:2897>');
    d.expectNothing();
    d.inject('. 1:1(0) ack 1 win 1000 <nop,nop,sack 1449:4345>'); // (early retransmit: 3 segments out, nothing unsent)
    d.expect('. 1:1449(1448) ack 1');
    d.expectNothing();
    expect(sock.tcpInfo()).toMatchObject({ recovery: 'sack', sacked: 2896 });
    d.inject('. 1:1(0) ack 4345 win 1000');
    expect(sock.tcpInfo()).toMatchObject({ recovery: 'none', sacked: 0 });
    expect(d.stack.counters.get('tcp.sackRecoveries')).toBe(1);
  });
});

describe('keepalive and idle', () => {
  it('SO_KEEPALIVE: a probe after TCP_KEEPIDLE, then every TCP_KEEPINTVL; TCP_KEEPCNT unanswered probes end the connection with ETIMEDOUT', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    const t0 = d.sim.now;
    await d.proc.setsockopt(fd, 'TCP_KEEPIDLE', 10);
    await d.proc.setsockopt(fd, 'TCP_KEEPINTVL', 5);
    await d.proc.setsockopt(fd, 'TCP_KEEPCNT', 2);
    await d.proc.setsockopt(fd, 'SO_KEEPALIVE', true);
    await d.advance(30 * SEC);
    d.expect('. 0:0(0) ack 1', { at: t0 + 10 * SEC });
    d.expect('. 0:0(0) ack 1', { at: t0 + 15 * SEC });
    expect(sock.state).toBe('CLOSED');
    const e = await d.proc.read(fd).catch((x: unknown) => x);
    expect(isSocketError(e, 'ETIMEDOUT')).toBe(true);
  });

  it('an answered keepalive probe keeps the connection', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.setsockopt(fd, 'TCP_KEEPIDLE', 10);
    await d.proc.setsockopt(fd, 'SO_KEEPALIVE', true);
    await d.advance(10 * SEC);
    d.expect('. 0:0(0) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000');
    await d.advance(5 * SEC);
    expect(sock.state).toBe('ESTABLISHED');
  });
});

describe('sequence space', () => {
  it('numbers wrap at 2^32: a transfer across the wrap arrives whole and in order', async () => {
    const d = new Drill({ peerIsn: 0xffff_ffff - 1500 });
    const { fd } = await established(d);
    d.inject(`. 1:1449(1448) ack 1 win 1000 ${TS}`);
    d.inject(`. 1449:2897(1448) ack 1 win 1000 ${TS}`);
    d.expect('. 1:1(0) ack 2897');
    const data = await d.proc.read(fd);
    expect(data.length).toBe(2896);
  });
});

describe('socket calls (errno as Linux gives them)', () => {
  it('non-blocking connect: EINPROGRESS, then EALREADY; waitConnected resolves on the SYN-ACK; then EISCONN', async () => {
    const d = new Drill();
    const p = d.proc;
    const fd = await p.socket(AF_INET, SOCK_STREAM);
    await p.setNonBlocking(fd, true);
    const e1 = await p.connect(fd, { address: PEER, port: 5000 }).catch((e: unknown) => e);
    expect(isSocketError(e1, 'EINPROGRESS')).toBe(true);
    const e2 = await p.connect(fd, { address: PEER, port: 5000 }).catch((e: unknown) => e);
    expect(isSocketError(e2, 'EALREADY')).toBe(true);
    const w = p.waitConnected(fd);
    d.expect('S 0:0(0)');
    d.inject('S. 0:0(0) ack 1 win 65535 <mss 1460>');
    await w;
    const e3 = await p.connect(fd, { address: PEER, port: 5000 }).catch((e: unknown) => e);
    expect(isSocketError(e3, 'EISCONN')).toBe(true);
    const r = await p.recv(fd).catch((e: unknown) => e);
    expect(isSocketError(r, 'EAGAIN')).toBe(true);
  });

  it('a full send buffer: a non-blocking write is partial, then EAGAIN', async () => {
    const d = new Drill();
    const { fd } = await established(d, { win: 0 });
    await d.proc.setsockopt(fd, 'SO_SNDBUF', 4096);
    await d.proc.setNonBlocking(fd, true);
    expect(await d.proc.write(fd, new Uint8Array(10_000))).toBe(4096);
    const e = await d.proc.write(fd, new Uint8Array(10)).catch((x: unknown) => x);
    expect(isSocketError(e, 'EAGAIN')).toBe(true);
  });

  it('a blocking write waits for room and resolves when all is taken', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    await d.proc.setsockopt(fd, 'SO_SNDBUF', 4096);
    let done = -1;
    void d.proc.write(fd, new Uint8Array(6000)).then((n) => (done = n));
    await d.settle();
    expect(done).toBe(-1);
    d.inject(`. 1:1(0) ack 2897 win 1000 ${TS}`);
    await d.settle();
    expect(done).toBe(6000);
  });

  it('bind and listen errors: EADDRINUSE, SO_REUSEADDR over TIME-WAIT, EINVAL, ENOTCONN', async () => {
    const d = new Drill();
    const p = d.proc;
    const { fd } = await established(d);
    const a = await p.socket(AF_INET, SOCK_STREAM);
    const e = await p.bind(a, { address: 0, port: 80 }).catch((x: unknown) => x);
    expect(isSocketError(e, 'EADDRINUSE')).toBe(true);
    // into TIME-WAIT, listener closed
    await p.close(3);
    await p.close(fd);
    d.expect('R. 1:1(0) ack 1'.replace('R. 1:1(0) ack 1', 'F. 1:1(0) ack 1'));
    d.inject('F. 1:1(0) ack 2 win 1000');
    d.expect('. 2:2(0) ack 2');
    const b = await p.socket(AF_INET, SOCK_STREAM);
    const e2 = await p.bind(b, { address: 0, port: 80 }).catch((x: unknown) => x);
    expect(isSocketError(e2, 'EADDRINUSE')).toBe(true);
    await p.setsockopt(b, 'SO_REUSEADDR', true);
    await p.bind(b, { address: 0, port: 80 });
    await p.listen(b, 1);
    const c = await p.socket(AF_INET, SOCK_STREAM);
    expect(isSocketError(await p.read(c).catch((x: unknown) => x), 'ENOTCONN')).toBe(true);
    expect(isSocketError(await p.write(c, new Uint8Array(1)).catch((x: unknown) => x), 'ENOTCONN')).toBe(true);
    expect(isSocketError(await p.shutdown(c).catch((x: unknown) => x), 'ENOTCONN')).toBe(true);
    expect(isSocketError(await p.accept(c).catch((x: unknown) => x), 'EINVAL')).toBe(true);
    expect(isSocketError(await p.accept(b, { dontWait: true }).catch((x: unknown) => x), 'EAGAIN')).toBe(true);
  });

  it('TCP_MAXSEG caps the MSS we announce; we never send more than the peer announced', async () => {
    const d = new Drill();
    const p = d.proc;
    const fd = await p.socket(AF_INET, SOCK_STREAM);
    await p.setsockopt(fd, 'TCP_MAXSEG', 536);
    const c = p.connect(fd, { address: PEER, port: 5000 });
    await d.settle();
    d.expect('S 0:0(0) win 65535 <mss 536,sackOK,TS val * ecr 0,nop,wscale 7>');
    d.inject('S. 0:0(0) ack 1 win 65535 <mss 1200>');
    d.expect('. 1:1(0) ack 1');
    await c;
    await p.setsockopt(fd, 'TCP_NODELAY', true);
    await p.write(fd, new Uint8Array(1000));
    d.expect('. 1:537(536) ack 1');
    d.expect('P. 537:1001(464) ack 1');
    expect(isSocketError(await p.setsockopt(fd, 'TCP_MAXSEG', 1000).catch((e: unknown) => e), 'EINVAL')).toBe(true);
  });

  it('SO_LINGER > 0: close waits until the data and FIN are acknowledged', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    await d.proc.setsockopt(fd, 'SO_LINGER', 5);
    await d.proc.write(fd, new Uint8Array(100));
    d.expect('P. 1:101(100) ack 1');
    let closed = false;
    void d.proc.close(fd).then(() => (closed = true));
    await d.settle();
    d.expect('F. 101:101(0) ack 1');
    expect(closed).toBe(false);
    d.inject(`. 1:1(0) ack 102 win 1000 ${TS}`);
    await d.settle();
    expect(closed).toBe(true);
  });
});

describe('round-trip time (RFC 6298, RFC 7323)', () => {
  it('samples come from send times (ns) and, for retransmitted data, from the timestamp echo; SRTT/RTTVAR/RTO follow RFC 6298', async () => {
    const d = new Drill();
    const rec = d.sim.trace.record(['tcp.rtt']);
    const { fd, sock } = await established(d);
    await d.proc.write(fd, new Uint8Array(100));
    const sent = d.expect('P. 1:101(100) ack 1');
    await d.advance(30 * MS);
    d.inject(`. 1:1(0) ack 101 win 1000 <nop,nop,TS val 300 ecr ${sent.seg.optionBytes.length > 0 ? 0 : 0}>`);
    const timed = rec.events.filter((e) => e.kind === 'tcp.rtt').at(-1)!;
    expect(timed).toMatchObject({ sampleNs: 30 * MS, via: 'timed' });
    expect(sock.tcpInfo().srttNs).toBeGreaterThan(0);
    // a retransmitted segment is never timed (Karn); its timestamp echo still measures it
    await d.proc.write(fd, new Uint8Array(100));
    const first = d.expect('P. 101:201(100) ack 1');
    const tsVal = Number(/TS val (\d+)/.exec(first.line)![1]);
    await d.advance(1 * SEC);
    d.expect('P. 101:201(100) ack 1');
    await d.advance(5 * MS);
    d.inject(`. 1:1(0) ack 201 win 1000 <nop,nop,TS val 301 ecr ${tsVal}>`);
    const viaTs = rec.events.filter((e) => e.kind === 'tcp.rtt').at(-1)!;
    expect(viaTs).toMatchObject({ via: 'timestamp', sampleNs: 1005 * MS });
  });
});
