/**
 * RFC 9293 scenarios as traces (packetdrill style, relative sequence numbers): the three-way
 * handshake both ways, simultaneous open and close, every way to close, RST in every place it
 * matters, and the listen backlog. Each test names the transition it covers.
 */
import { describe, expect, it } from 'vitest';
import { AF_INET, SOCK_STREAM } from '../../../stack/socket/types.js';
import { isSocketError } from '../../../stack/socket/errors.js';
import type { TcpSocket } from '../../../stack/tcp/socket.js';
import { Drill, PEER } from './drill.js';

const SYN_OPTS = '<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>';
const MS = 1_000_000;
const SEC = 1_000_000_000;

/** A listener on port 80 (backlog 2 by default). */
async function listening(d: Drill, backlog = 2): Promise<number> {
  const p = d.proc;
  const l = await p.socket(AF_INET, SOCK_STREAM);
  await p.bind(l, { address: 0, port: 80 });
  await p.listen(l, backlog);
  return l;
}

/** LISTEN → SYN-RECEIVED → ESTABLISHED, accepted; returns the connection's descriptor. */
async function established(d: Drill, opts: { win?: number } = {}): Promise<{ l: number; fd: number; sock: TcpSocket }> {
  const l = await listening(d);
  d.inject(`S 0:0(0) win 65535 ${SYN_OPTS}`);
  d.expect('S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val * ecr 100,nop,wscale 7>');
  d.inject(`. 1:1(0) ack 1 win ${opts.win ?? 1000} <nop,nop,TS val 101 ecr 0>`);
  const { fd } = await d.proc.accept(l);
  const sock = d.stack.tcp.sockets().find((s) => s.state === 'ESTABLISHED')!;
  return { l, fd, sock };
}

function stateOf(d: Drill, port = 80): string[] {
  return d.stack.tcp.sockets().filter((s) => s.localPort === port).map((s) => s.state);
}

describe('opening (RFC 9293 §3.5)', () => {
  it('LISTEN + SYN → SYN-RECEIVED + ACK → ESTABLISHED: the passive three-way handshake, options answered', async () => {
    const d = new Drill();
    const l = await listening(d);
    d.inject(`S 0:0(0) win 65535 ${SYN_OPTS}`);
    d.expect('S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val * ecr 100,nop,wscale 7>', { at: 0 });
    expect(stateOf(d).sort()).toEqual(['LISTEN', 'SYN-RECEIVED']);
    d.inject('. 1:1(0) ack 1 win 1000 <nop,nop,TS val 101 ecr 0>');
    const { fd, peer } = await d.proc.accept(l);
    expect(peer).toEqual({ address: PEER, port: 5000 });
    expect(stateOf(d).sort()).toEqual(['ESTABLISHED', 'LISTEN']);
    const s = d.stack.tcp.sockets().find((x) => x.state === 'ESTABLISHED')!;
    expect(s.tcpInfo()).toMatchObject({ mss: 1448, sndWnd: 1000 << 7, wscale: [7, 7], sackOk: true, tsOk: true });
    expect(fd).toBeGreaterThanOrEqual(3);
    d.expectNothing();
  });

  it('CLOSED + connect → SYN-SENT + SYN-ACK → ESTABLISHED: the active handshake', async () => {
    const d = new Drill();
    const fd = await d.proc.socket(AF_INET, SOCK_STREAM);
    const connected = d.proc.connect(fd, { address: PEER, port: 5000 });
    await d.settle();
    const syn = d.expect('S 0:0(0) win 65535 <mss 1460,sackOK,TS val * ecr 0,nop,wscale 7>');
    expect(syn.seg.dstPort).toBe(5000);
    expect(d.ourPort).toBe(32768); // the first ephemeral port
    d.peerPort = 5000;
    d.inject(`S. 0:0(0) ack 1 win 65535 <mss 1000,nop,nop,sackOK>`);
    d.expect('. 1:1(0) ack 1 win 65535 <>'); // no window scaling and no timestamps: the peer offered neither
    await connected;
    const s = d.stack.tcp.sockets()[0];
    expect(s.tcpInfo()).toMatchObject({ state: 'ESTABLISHED', mss: 1000, tsOk: false, sackOk: true, wscale: [-1, -1] });
  });

  it('SYN-SENT + RST,ACK → CLOSED: connect fails with ECONNREFUSED', async () => {
    const d = new Drill();
    const fd = await d.proc.socket(AF_INET, SOCK_STREAM);
    const connected = d.proc.connect(fd, { address: PEER, port: 5000 }).catch((e: unknown) => e);
    await d.settle();
    d.expect('S 0:0(0)');
    d.inject('R. 0:0(0) ack 1 win 0');
    const e = await connected;
    expect(isSocketError(e, 'ECONNREFUSED')).toBe(true);
    expect((e as Error).message).toBe('connect ECONNREFUSED: Connection refused');
    expect(d.stack.counters.get('tcp.attemptFails')).toBe(1);
  });

  it('SYN-SENT: a RST without an acceptable ACK is ignored (RFC 5961 §3.2), an unacceptable ACK gets a RST', async () => {
    const d = new Drill();
    const fd = await d.proc.socket(AF_INET, SOCK_STREAM);
    void d.proc.connect(fd, { address: PEER, port: 5000 }).catch(() => undefined);
    await d.settle();
    d.expect('S 0:0(0)');
    d.inject('R 0:0(0) win 0');
    d.expectNothing();
    d.inject('S. 0:0(0) ack 77 win 100');
    d.expect('R 77:77(0)');
    expect(d.stack.tcp.sockets()[0].state).toBe('SYN-SENT');
    expect(d.stack.counters.get('tcp.badAck')).toBe(2);
  });

  it('SYN-SENT + SYN → SYN-RECEIVED + ACK → ESTABLISHED: simultaneous open (RFC 9293 figure 7)', async () => {
    const d = new Drill();
    const fd = await d.proc.socket(AF_INET, SOCK_STREAM);
    const connected = d.proc.connect(fd, { address: PEER, port: 5000 });
    await d.settle();
    d.expect('S 0:0(0)');
    d.inject('S 0:0(0) win 5000 <mss 1460>');
    d.expect('S. 0:0(0) ack 1 win 65535 <mss 1460>'); // only what both offered: the peer offered no SACK, scaling or timestamps
    expect(d.stack.tcp.sockets()[0].state).toBe('SYN-RECEIVED');
    // the peer's SYN,ACK repeats a SYN we have: not acceptable, answered with an ACK
    d.inject('S. 0:0(0) ack 1 win 5000');
    d.expect('. 1:1(0) ack 1');
    d.inject('. 1:1(0) ack 1 win 5000');
    await connected;
    expect(d.stack.tcp.sockets()[0].state).toBe('ESTABLISHED');
  });

  it('SYN-RECEIVED + RST → LISTEN: the half-open child is discarded, the listener keeps listening', async () => {
    const d = new Drill();
    const l = await listening(d);
    d.inject(`S 0:0(0) win 65535 ${SYN_OPTS}`);
    d.expect('S. 0:0(0) ack 1');
    d.inject('R 1:1(0) win 0');
    expect(stateOf(d)).toEqual(['LISTEN']);
    d.inject(`S 0:0(0) win 65535`, { peerPort: 5001 });
    d.expect('S. *:*(0) ack 1');
    expect(stateOf(d).sort()).toEqual(['LISTEN', 'SYN-RECEIVED']);
    void l;
  });

  it('SYN-RECEIVED: the SYN-ACK is retransmitted on timeout (1 s, 2 s …) and for a repeated SYN; after 5 the child is dropped', async () => {
    const d = new Drill();
    await listening(d);
    d.inject('S 0:0(0) win 65535');
    d.expect('S. 0:0(0) ack 1', { at: 0 });
    d.inject('S 0:0(0) win 65535');
    d.expect('S. 0:0(0) ack 1', { at: 0 });
    await d.advance(1 * SEC);
    d.expect('S. 0:0(0) ack 1', { at: 1 * SEC });
    await d.advance(2 * SEC);
    d.expect('S. 0:0(0) ack 1', { at: 3 * SEC });
    await d.advance(60 * SEC);
    expect(d.pending().length).toBe(3);
    expect(stateOf(d)).toEqual(['LISTEN']);
    expect(d.stack.counters.get('tcp.synRetransmits')).toBe(6);
  });

  it('a SYN to a listener whose accept queue is full is dropped and counted', async () => {
    const d = new Drill();
    await listening(d, 1);
    d.inject('S 0:0(0) win 65535');
    d.expect('S. 0:0(0) ack 1');
    d.inject('. 1:1(0) ack 1 win 1000'); // established, not accepted: the queue (backlog 1) is full
    d.inject('S 0:0(0) win 65535', { peerPort: 5001 });
    d.expectNothing();
    expect(d.stack.counters.get('tcp.listenOverflow')).toBe(1);
    const l = d.stack.tcp.sockets().find((s) => s.state === 'LISTEN')!;
    expect(l.queues).toEqual({ syn: 0, accept: 1, backlog: 1 });
  });

  it('a SYN flood fills the SYN queue to its bound and no further (memory bounded), the rest counted', async () => {
    const d = new Drill({ tcp: { maxSynBacklog: 16 } });
    await listening(d, 128);
    for (let i = 0; i < 500; i++) d.inject('S 0:0(0) win 65535', { peerPort: 10000 + i });
    const l = d.stack.tcp.sockets().find((s) => s.state === 'LISTEN')!;
    expect(l.queues.syn).toBe(16);
    expect(d.stack.counters.get('tcp.synQueueFull')).toBe(484);
    expect(d.stack.counters.get('tcp.synAccepted')).toBe(16);
    await d.advance(120 * SEC); // half-open connections time out
    expect(l.queues.syn).toBe(0);
    expect(d.stack.tcp.sockets().length).toBe(1);
  });
});

describe('no connection (RFC 9293 §3.10.7.1)', () => {
  it('a SYN to a closed port is answered <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>', () => {
    const d = new Drill();
    d.ourIsn = 0;
    d.inject('S 0:0(0) win 65535');
    d.expect('R. 0:0(0) ack 1 win 0');
    expect(d.stack.counters.get('tcp.noSocket')).toBe(1);
  });

  it('an ACK to a closed port is answered <SEQ=SEG.ACK><CTL=RST>; a RST is never answered', () => {
    const d = new Drill();
    d.ourIsn = 0;
    d.inject('. 5:15(10) ack 300 win 100');
    d.expect('R 300:300(0) win 0');
    d.inject('R. 5:5(0) ack 300 win 0');
    d.expectNothing();
    expect(d.stack.counters.get('tcp.noSocket')).toBe(2);
  });

  it('LISTEN: an ACK is answered <SEQ=SEG.ACK><CTL=RST>, a RST is ignored, a FIN without SYN is dropped (RFC 9293 §3.10.7.2)', async () => {
    const d = new Drill();
    await listening(d);
    d.ourIsn = 0;
    d.inject('. 1:1(0) ack 4242 win 100');
    d.expect('R 4242:4242(0) win 0');
    d.inject('R 1:1(0) win 0');
    d.inject('F 1:1(0) win 100');
    d.expectNothing();
    expect(d.stack.counters.get('tcp.listenNotSyn')).toBe(3);
    expect(stateOf(d)).toEqual(['LISTEN']);
  });

  it('a segment with a bad checksum is dropped before anything else', async () => {
    const d = new Drill();
    await listening(d);
    d.inject('S 0:0(0) win 65535', { checksum: 'bad' });
    d.expectNothing();
    expect(d.stack.counters.get('tcp.badChecksum')).toBe(1);
  });
});

describe('closing (RFC 9293 §3.6)', () => {
  it('ESTABLISHED → FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED after 2·MSL (60 s)', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    const t0 = d.sim.now;
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 1');
    expect(sock.state).toBe('FIN-WAIT-1');
    d.inject('. 1:1(0) ack 2 win 1000');
    expect(sock.state).toBe('FIN-WAIT-2');
    d.inject('F. 1:1(0) ack 2 win 1000');
    d.expect('. 2:2(0) ack 2');
    expect(sock.state).toBe('TIME-WAIT');
    await d.advance(60 * SEC - 1);
    expect(sock.state).toBe('TIME-WAIT');
    await d.advance(1);
    expect(sock.state).toBe('CLOSED');
    expect(d.sim.now - t0).toBe(60 * SEC);
  });

  it('TIME-WAIT: a retransmitted FIN is acknowledged again and restarts the 2·MSL wait', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 1');
    d.inject('F. 1:1(0) ack 2 win 1000');
    d.expect('. 2:2(0) ack 2');
    await d.advance(30 * SEC);
    d.inject('F. 1:1(0) ack 2 win 1000');
    d.expect('. 2:2(0) ack 2');
    await d.advance(59 * SEC);
    expect(sock.state).toBe('TIME-WAIT');
    await d.advance(1 * SEC);
    expect(sock.state).toBe('CLOSED');
  });

  it('ESTABLISHED + FIN → CLOSE-WAIT (read gives end of stream) + close → LAST-ACK + ACK → CLOSED', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    d.inject('F. 1:1(0) ack 1 win 1000');
    d.expect('. 1:1(0) ack 2');
    expect(sock.state).toBe('CLOSE-WAIT');
    expect((await d.proc.read(fd)).length).toBe(0);
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 2');
    expect(sock.state).toBe('LAST-ACK');
    d.inject('. 2:2(0) ack 2 win 1000');
    expect(sock.state).toBe('CLOSED');
    expect(d.stack.tcp.sockets()).toHaveLength(1); // the listener
  });

  it('FIN-WAIT-1 + FIN → CLOSING + ACK → TIME-WAIT: simultaneous close (RFC 9293 figure 13)', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 1');
    d.inject('F. 1:1(0) ack 1 win 1000'); // crossed: the peer's FIN does not acknowledge ours
    d.expect('. 2:2(0) ack 2');
    expect(sock.state).toBe('CLOSING');
    d.inject('. 2:2(0) ack 2 win 1000');
    expect(sock.state).toBe('TIME-WAIT');
  });

  it('FIN-WAIT-1 + FIN,ACK of our FIN → TIME-WAIT directly', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 1');
    d.inject('F. 1:1(0) ack 2 win 1000');
    d.expect('. 2:2(0) ack 2');
    expect(sock.state).toBe('TIME-WAIT');
  });

  it('half-close: shutdown(SHUT_WR) sends FIN, data from the peer still arrives (FIN-WAIT-2)', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.shutdown(fd, 'write');
    d.expect('F. 1:1(0) ack 1');
    d.inject('. 1:1(0) ack 2 win 1000');
    expect(sock.state).toBe('FIN-WAIT-2');
    d.inject('P. 1:101(100) ack 2 win 1000');
    expect((await d.proc.read(fd)).length).toBe(100);
    const e = await d.proc.write(fd, new Uint8Array(10)).catch((x: unknown) => x);
    expect(isSocketError(e, 'EPIPE')).toBe(true);
  });

  it('close with SO_LINGER 0 aborts: RST, CLOSED at once', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.setsockopt(fd, 'SO_LINGER', 0);
    await d.proc.close(fd);
    d.expect('R. 1:1(0) ack 1');
    expect(sock.state).toBe('CLOSED');
  });

  it('data arriving after close (FIN-WAIT-2, no descriptor) is answered with RST', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    await d.proc.close(fd);
    d.expect('F. 1:1(0) ack 1');
    d.inject('. 1:1(0) ack 2 win 1000');
    expect(sock.state).toBe('FIN-WAIT-2');
    d.inject('P. 1:11(10) ack 2 win 1000');
    d.expect('R. 2:2(0) ack 1');
    expect(sock.state).toBe('CLOSED');
    expect(d.stack.counters.get('tcp.dataAfterClose')).toBe(1);
  });

  it('close with unread data aborts with RST (RFC 2525 §2.17)', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    d.inject('P. 1:11(10) ack 1 win 1000');
    await d.proc.close(fd);
    d.expect('R. 1:1(0) ack 11');
  });
});

describe('RST and SYN on a synchronized connection (RFC 5961)', () => {
  it('ESTABLISHED + RST at RCV.NXT → CLOSED: the next read fails with ECONNRESET, then writes with EPIPE', async () => {
    const d = new Drill();
    const { fd, sock } = await established(d);
    d.inject('R. 1:1(0) ack 1 win 0');
    expect(sock.state).toBe('CLOSED');
    const e = await d.proc.read(fd).catch((x: unknown) => x);
    expect((e as Error).message).toBe('read ECONNRESET: Connection reset by peer');
    const w = await d.proc.write(fd, new Uint8Array(1)).catch((x: unknown) => x);
    expect(isSocketError(w, 'EPIPE')).toBe(true);
    expect(d.stack.counters.get('tcp.estabResets')).toBe(1);
  });

  it('a RST inside the window but not at RCV.NXT gets a challenge ACK and changes nothing; outside the window it is ignored', async () => {
    const d = new Drill();
    const { sock } = await established(d);
    d.inject('R 500:500(0) win 0');
    d.expect('. 1:1(0) ack 1');
    d.inject('R 900000:900000(0) win 0');
    d.expectNothing();
    expect(sock.state).toBe('ESTABLISHED');
    expect(d.stack.counters.get('tcp.challengeAck')).toBe(1);
    expect(d.stack.counters.get('tcp.outOfWindow')).toBe(1);
  });

  it('a SYN on an established connection gets a challenge ACK, never a reset', async () => {
    const d = new Drill();
    const { sock } = await established(d);
    d.inject('S 1:1(0) win 1000');
    d.expect('. 1:1(0) ack 1');
    expect(sock.state).toBe('ESTABLISHED');
    expect(d.stack.counters.get('tcp.challengeAcksSent')).toBe(1);
  });

  it('challenge ACKs are rate-limited host-wide', async () => {
    const d = new Drill({ tcp: { challengeAckLimit: 3 } });
    await established(d);
    for (let i = 0; i < 10; i++) d.inject(`R ${100 + i}:${100 + i}(0) win 0`);
    expect(d.pending()).toHaveLength(3);
    expect(d.stack.counters.get('tcp.challengeAcksLimited')).toBe(7);
  });

  it('an ACK of data never sent is answered with an ACK and dropped (RFC 5961 §5); its data is not taken', async () => {
    const d = new Drill();
    const { fd } = await established(d);
    d.inject('P. 1:11(10) ack 5000 win 1000');
    d.expect('. 1:1(0) ack 1');
    expect(d.stack.counters.get('tcp.badAck')).toBe(1);
    const r = await d.proc.recv(fd, { dontWait: true }).catch((e: unknown) => e);
    expect(isSocketError(r, 'EAGAIN')).toBe(true);
  });

  it('a segment outside the receive window is answered with an ACK (and its data dropped)', async () => {
    const d = new Drill();
    await established(d);
    d.inject('P. 200000:200010(10) ack 1 win 1000');
    d.expect('. 1:1(0) ack 1');
    expect(d.stack.counters.get('tcp.outOfWindow')).toBe(1);
  });
});

describe('timing of the handshake', () => {
  it('SYN retransmissions back off 1, 2, 4, 8, 16, 32 s and connect fails with ETIMEDOUT after 127 s (6 retries)', async () => {
    const d = new Drill();
    const fd = await d.proc.socket(AF_INET, SOCK_STREAM);
    const connected = d.proc.connect(fd, { address: PEER, port: 5000 }).catch((e: unknown) => e);
    await d.advance(200 * SEC);
    const times = d.pending().map((l) => Number(l.split(' ')[0]) / SEC);
    expect(times).toEqual([0, 1, 3, 7, 15, 31, 63]);
    const e = await connected;
    expect(isSocketError(e, 'ETIMEDOUT')).toBe(true);
    expect(d.stack.counters.get('tcp.timeouts')).toBe(1);
    void MS;
  });
});
