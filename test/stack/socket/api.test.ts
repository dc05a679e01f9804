/**
 * The descriptor API: descriptor numbers, errno-style rejections, synchronous programmer errors,
 * receive options, socket options, the protocol switch (where TCP will plug in) and the trace.
 */
import { describe, expect, test } from 'vitest';
import { Process } from '../../../stack/socket/api.js';
import { ERRNO, ERRNO_MESSAGE, SocketError, isSocketError } from '../../../stack/socket/errors.js';
import { AF_INET, IPPROTO_TCP, IPPROTO_UDP, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, type ProtoSocket } from '../../../stack/socket/types.js';
import { rejection, run, twoUdpHosts } from '../apphelpers.js';
import { hex, ip } from '../helpers.js';

async function code(p: Promise<unknown>): Promise<string> {
  const e = await rejection(p);
  if (!(e instanceof SocketError)) throw e;
  return e.code;
}

describe('descriptors', () => {
  test('socket() returns the lowest free descriptor from 3; close frees it', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a, 'app');
    const fds = await run(sim, async () => {
      const x = await p.socket(AF_INET, SOCK_DGRAM);
      const y = await p.socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
      const z = await p.socket();
      await p.close(y);
      const w = await p.socket();
      return [x, y, z, w, ...p.descriptors()];
    });
    expect(fds).toEqual([3, 4, 5, 4, 3, 4, 5]);
  });

  test('EMFILE when the table is full', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a, { name: 'small', maxFds: 5 });
    const r = await run(sim, async () => [await p.socket(), await p.socket(), await code(p.socket())]);
    expect(r).toEqual([3, 4, 'EMFILE']);
  });

  test('EBADF after close, for every call', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const codes = await run(sim, async () => {
      const fd = await p.socket();
      await p.close(fd);
      return [
        await code(p.sendto(fd, hex('00'), { address: '10.0.0.2', port: 9 })),
        await code(p.send(fd, hex('00'))),
        await code(p.recvfrom(fd)),
        await code(p.recv(fd)),
        await code(p.bind(fd, { address: 0, port: 0 })),
        await code(p.connect(fd, { address: '10.0.0.2', port: 9 })),
        await code(p.setsockopt(fd, 'SO_RCVBUF', 1000)),
        await code(p.getsockname(fd)),
        await code(p.close(fd)),
        await code(p.close(99)),
        await code(p.close(-1)),
      ];
    });
    expect(new Set(codes)).toEqual(new Set(['EBADF']));
    expect(codes).toHaveLength(11);
  });

  test('close while a recv waits: the recv fails with EBADF at that instant', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket();
      await p.bind(fd, { address: 0, port: 5000 });
      const pending = rejection(p.recv(fd));
      await new Promise<void>((res) => a.timers.after(1234, () => (sim.wake(), res())));
      await p.close(fd);
      const e = (await pending) as SocketError;
      return `${sim.now} ${e.message}`;
    });
    expect(r).toBe('1234 recv EBADF: Bad file descriptor (closed while waiting)');
  });

  test('exit() closes every descriptor and frees the ports', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const q = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket();
      await p.bind(fd, { address: 0, port: 5000 });
      p.exit();
      const fd2 = await q.socket();
      await q.bind(fd2, { address: 0, port: 5000 });
      return [p.descriptors(), q.descriptors(), q.pid, p.pid];
    });
    expect(r).toEqual([[], [3], 2, 1]);
  });
});

describe('errors', () => {
  test('socket(): SOCK_STREAM is EPROTONOSUPPORT on a host without TCP; other families and types', async () => {
    const { sim, a } = twoUdpHosts({ a: { tcp: false } });
    const p = new Process(a);
    const r = await run(sim, async () => [
      await code(p.socket(AF_INET, SOCK_STREAM)),
      await code(p.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)),
      await code(p.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)),
      await code(p.socket(AF_INET, SOCK_RAW)),
      await code(p.socket(10, SOCK_DGRAM)),
      await code(p.socket(AF_INET, 42)),
    ]);
    expect(r).toEqual(['EPROTONOSUPPORT', 'EPROTONOSUPPORT', 'EPROTONOSUPPORT', 'EPROTONOSUPPORT', 'EAFNOSUPPORT', 'EINVAL']);
  });

  test('bind: EADDRINUSE (wildcard and specific overlap), EADDRNOTAVAIL, EINVAL when bound', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const x = await p.socket();
      const y = await p.socket();
      const z = await p.socket();
      await p.bind(x, { address: 0, port: 5353 });
      const e = (await rejection(p.bind(y, { address: 0, port: 5353 }))) as SocketError;
      return [
        e.message,
        await code(p.bind(y, { address: '10.0.0.1', port: 5353 })),
        await code(p.bind(y, { address: '10.0.0.2', port: 6000 })),
        await code(p.bind(x, { address: 0, port: 6000 })),
        await p.bind(y, { address: '10.0.0.1', port: 6000 }),
        await code(p.bind(z, { address: 0, port: 6000 })),
      ];
    });
    expect(r).toEqual(['bind EADDRINUSE: Address already in use (0.0.0.0:5353)', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EINVAL', undefined, 'EADDRINUSE']);
  });

  test('send on an unconnected socket is EDESTADDRREQ; connect without a route is ENETUNREACH; port 0 is EINVAL', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket();
      return [
        await code(p.send(fd, hex('00'))),
        await code(p.connect(fd, { address: '192.0.2.1', port: 53 })),
        await code(p.sendto(fd, hex('00'), { address: '192.0.2.1', port: 53 })),
        await code(p.connect(fd, { address: '10.0.0.2', port: 0 })),
        await code(p.sendto(fd, hex('00'), { address: '10.0.0.2', port: 0 })),
        await code(p.getpeername(fd)),
        await code(p.listen(fd)),
        await code(p.accept(fd)),
        await code(p.shutdown(fd)),
      ];
    });
    expect(r).toEqual(['EDESTADDRREQ', 'ENETUNREACH', 'ENETUNREACH', 'EINVAL', 'EINVAL', 'ENOTCONN', 'EOPNOTSUPP', 'EOPNOTSUPP', 'EOPNOTSUPP']);
  });

  test('programmer errors throw synchronously', () => {
    const { a } = twoUdpHosts();
    const p = new Process(a);
    expect(() => p.bind(3, { address: 0, port: 70000 })).toThrow(RangeError);
    expect(() => p.bind(1.5, { address: 0, port: 0 })).toThrow(TypeError);
    expect(() => p.sendto(3, hex('00'), { address: '10.0.0.300', port: 9 })).toThrow(RangeError);
    expect(() => p.sendto(3, [1, 2] as unknown as Uint8Array, { address: '10.0.0.2', port: 9 })).toThrow(TypeError);
    expect(() => p.listen(3, -1)).toThrow(RangeError);
    expect(() => new Process(a, { maxFds: 2 })).toThrow(RangeError);
  });

  test('SocketError carries code, errno, syscall and the C library message', () => {
    const e = new SocketError('ECONNREFUSED', 'recv');
    expect([e.code, e.errno, e.syscall, e.message, e.name]).toEqual(['ECONNREFUSED', 111, 'recv', 'recv ECONNREFUSED: Connection refused', 'SocketError']);
    expect(isSocketError(e, 'ECONNREFUSED')).toBe(true);
    expect(isSocketError(e, 'EBADF')).toBe(false);
    expect(ERRNO.EADDRINUSE).toBe(98);
    expect(ERRNO_MESSAGE.EHOSTUNREACH).toBe('No route to host');
    expect(new SocketError('EMSGSIZE').withSyscall('sendto').message).toBe('sendto EMSGSIZE: Message too long');
  });
});

describe('receive options and socket options', () => {
  test('dontWait (EAGAIN), peek, maxLength (truncation), read/write aliases', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 5000 });
      const out: unknown[] = [await code(pb.recv(srv, { dontWait: true }))];
      const fd = await pa.socket();
      await pa.connect(fd, { address: '10.0.0.2', port: 5000 });
      await pa.write(fd, hex('01 02 03 04'));
      await pa.send(fd, hex('05'));
      const peeked = await pb.recvfrom(srv, { peek: true });
      out.push(peeked.data, peeked.port);
      const cut = await pb.recvfrom(srv, { maxLength: 2 });
      out.push(cut.data, cut.truncated);
      out.push(await pb.read(srv));
      return out;
    });
    expect(r).toEqual(['EAGAIN', hex('01 02 03 04'), 32768, hex('01 02'), true, hex('05')]);
  });

  test('into: the datagram lands in the caller\'s buffer (a view of it is returned), cut to its length (MSG_TRUNC) or to maxLength; peek too; not a Uint8Array is a TypeError', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const buf = new Uint8Array(3).fill(0xee);
    const big = new Uint8Array(8).fill(0xee);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 5000 });
      const fd = await pa.socket();
      await pa.connect(fd, { address: '10.0.0.2', port: 5000 });
      await pa.write(fd, hex('01 02 03 04'));
      await pa.write(fd, hex('05 06'));
      await pa.write(fd, hex('07 08 09'));
      // each result is a view of the buffer, valid until the buffer is used again: read it at once
      const seen = (x: { data: Uint8Array; truncated: boolean }, into: Uint8Array) => ({ data: Array.from(x.data), truncated: x.truncated, same: x.data.buffer === into.buffer && x.data.byteOffset === 0 });
      return [
        seen(await pb.recvfrom(srv, { into: big, peek: true }), big),
        seen(await pb.recvfrom(srv, { into: buf }), buf),
        seen(await pb.recvfrom(srv, { into: big }), big),
        seen(await pb.recvfrom(srv, { into: big, maxLength: 1 }), big),
      ];
    });
    expect(r).toEqual([
      { data: [1, 2, 3, 4], truncated: false, same: true },
      { data: [1, 2, 3], truncated: true, same: true },
      { data: [5, 6], truncated: false, same: true },
      { data: [7], truncated: true, same: true },
    ]);
    expect(Array.from(buf)).toEqual([1, 2, 3]);
    expect(() => pb.recv(3, { into: [1, 2] as unknown as Uint8Array })).toThrow(new TypeError('into must be a Uint8Array, got object'));
  });

  test('waiting readers are served in order', async () => {
    const { sim, a, b } = twoUdpHosts();
    const pa = new Process(a);
    const pb = new Process(b);
    const r = await run(sim, async () => {
      const srv = await pb.socket();
      await pb.bind(srv, { address: 0, port: 5000 });
      const first = pb.recv(srv);
      const second = pb.recv(srv);
      const fd = await pa.socket();
      await pa.sendto(fd, hex('01'), { address: '10.0.0.2', port: 5000 });
      await pa.sendto(fd, hex('02'), { address: '10.0.0.2', port: 5000 });
      return [await first, await second];
    });
    expect(r).toEqual([hex('01'), hex('02')]);
  });

  test('getsockname / getpeername; connect(null) forgets the peer', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket();
      const before = await p.getsockname(fd);
      await p.connect(fd, { address: '10.0.0.2', port: 53 });
      const name = await p.getsockname(fd);
      const peer = await p.getpeername(fd);
      await p.connect(fd, null);
      return [before, name, peer, await p.getsockname(fd), await code(p.getpeername(fd))];
    });
    expect(r).toEqual([
      { address: 0, port: 0 },
      { address: ip('10.0.0.1'), port: 32768 },
      { address: ip('10.0.0.2'), port: 53 },
      { address: 0, port: 32768 },
      'ENOTCONN',
    ]);
  });

  test('options: defaults, SO_ERROR reads and clears, read-only options, IP_TTL on the wire', async () => {
    const { sim, a, da } = twoUdpHosts();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket();
      const defaults = [await p.getsockopt(fd, 'SO_RCVBUF'), await p.getsockopt(fd, 'SO_SNDBUF'), await p.getsockopt(fd, 'SO_BROADCAST'), await p.getsockopt(fd, 'IP_TTL'), await p.getsockopt(fd, 'SO_TYPE'), await p.getsockopt(fd, 'SO_ERROR')];
      await p.connect(fd, { address: '10.0.0.2', port: 9 });
      a.udp.bound()[0].setError('ECONNREFUSED');
      const err = [await p.getsockopt(fd, 'SO_ERROR'), await p.getsockopt(fd, 'SO_ERROR')];
      await p.setsockopt(fd, 'IP_TTL', 5);
      await p.send(fd, hex('00'));
      expect(() => p.setsockopt(fd, 'SO_RCVBUF', -1)).toThrow(RangeError);
      expect(() => p.setsockopt(fd, 'IP_TTL', 256)).toThrow(RangeError);
      return [defaults, err, await code(p.setsockopt(fd, 'SO_ERROR', 1))];
    });
    expect(r).toEqual([[212992, 212992, false, 64, SOCK_DGRAM, 0], [111, 0], 'ENOPROTOOPT']);
    sim.runFor(10_000);
    expect(da.sent[1].frame[22]).toBe(5);
  });
});

describe('the protocol switch', () => {
  test('a SOCK_STREAM transport registered in the switch serves socket(AF_INET, SOCK_STREAM)', async () => {
    const { sim, a } = twoUdpHosts({ a: { tcp: false } });
    const calls: string[] = [];
    const fake: ProtoSocket = {
      type: SOCK_STREAM,
      protocol: IPPROTO_TCP,
      bind: (addr, port) => void calls.push(`bind ${addr}:${port}`),
      connect: async (addr, port) => void calls.push(`connect ${addr}:${port}`),
      disconnect: () => undefined,
      sendto: (data) => data.length,
      recvfrom: () => Promise.resolve({ data: hex('ff'), address: 1, port: 2, truncated: false }),
      setOption: () => undefined,
      getOption: () => 0,
      localName: () => ({ address: 0, port: 0 }),
      peerName: () => null,
      info: () => ({ proto: 'tcp', localAddress: 0, localPort: 80, remoteAddress: 0, remotePort: 0, recvQ: 0, sendQ: 0, state: 'LISTEN', drops: 0, bound: true }),
      close: () => void calls.push('close'),
      listen: (n) => void calls.push(`listen ${n}`),
      shutdown: (how) => void calls.push(`shutdown ${how}`),
    };
    a.sockets.protocols.register({ type: SOCK_STREAM, protocol: IPPROTO_TCP, name: 'tcp', create: () => fake });
    expect(() => a.sockets.protocols.register({ type: SOCK_STREAM, protocol: IPPROTO_TCP, name: 'tcp2', create: () => fake })).toThrow();
    const p = new Process(a);
    const r = await run(sim, async () => {
      const fd = await p.socket(AF_INET, SOCK_STREAM);
      await p.bind(fd, { address: 0, port: 80 });
      await p.listen(fd, 5);
      await p.connect(fd, { address: '10.0.0.2', port: 80 });
      const n = await p.write(fd, hex('01 02'));
      const d = await p.read(fd);
      await p.shutdown(fd, 'write');
      await p.close(fd);
      return [fd, n, d];
    });
    expect(r).toEqual([3, 2, hex('ff')]);
    expect(calls).toEqual(['bind 0:80', 'listen 5', `connect ${ip('10.0.0.2')}:80`, 'shutdown write', 'close']);
  });
});

describe('trace', () => {
  test('every socket call is a socket.call event with its result', async () => {
    const { sim, a } = twoUdpHosts();
    const p = new Process(a, 'app');
    const rec = sim.trace.record(['socket.call']);
    await run(sim, async () => {
      const fd = await p.socket();
      await rejection(p.send(fd, hex('00')));
      await rejection(p.recv(fd, { timeoutNs: 10 }));
      await p.close(fd);
    });
    expect(rec.events.map((e) => (e.kind === 'socket.call' ? `${e.time} ${e.source} ${e.process}[${e.pid}] ${e.call}(${e.fd}) ${e.result}` : ''))).toEqual([
      '0 a app[1] socket(3) ok',
      '0 a app[1] send(3) EDESTADDRREQ',
      '10 a app[1] recv(3) ETIMEDOUT',
      '10 a app[1] close(3) ok',
    ]);
  });
});
