/**
 * The socket library (the book's chapter 2: "the socket is the control information, the
 * descriptor is how the application names it"). A {@link Process} runs on one host and holds a
 * descriptor table; `socket()` creates a socket in the host's socket table and returns the lowest
 * free descriptor from 3 (0–2 are the standard streams). Every call returns a promise that
 * settles in simulated time — `await p.recvfrom(fd)` resumes at the instant the datagram arrived
 * (the simulator's `runAsync` drains promise continuations between events) — so application code
 * is plain async/await:
 *
 * ```ts
 * const p = new Process(stack, 'client');
 * const fd = await p.socket(AF_INET, SOCK_DGRAM);
 * await p.sendto(fd, bytes, { address: '10.0.0.2', port: 7 });
 * const { data, address, port } = await p.recvfrom(fd, { timeoutNs: 1_000_000_000 });
 * await p.close(fd);
 * ```
 *
 * Errors: failures the network or the socket's state cause reject with a {@link SocketError}
 * (EBADF, EADDRINUSE, ECONNREFUSED, EMSGSIZE, ETIMEDOUT…); arguments no program could mean
 * (a fractional descriptor, a port above 65535, an unparsable address) throw synchronously.
 *
 * `SOCK_STREAM` sockets fail with EPROTONOSUPPORT until a TCP registers in the protocol switch;
 * `listen`, `accept` and `shutdown` are there for it (EOPNOTSUPP on datagram sockets).
 * @module
 */
import type { NetStack } from '../host.js';
import { toIpv4 } from '../iface/route.js';
import { SocketError, type Errno } from './errors.js';
import type { SocketLayer, OpenSocket } from './proto.js';
import { AF_INET, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, type RecvOptions, type RecvResult, type SendOptions, type SockAddr, type SocketOption } from './types.js';

const DONT_WAIT: SendOptions = Object.freeze({ dontWait: true });

declare module '../../sim/trace.js' {
  interface TraceEventMap {
    /** A socket call of an application finished (`result` is `ok` or the errno code). */
    'socket.call': { pid: number; process: string; fd: number; call: string; result: string };
  }
}

/** A socket address as applications write it: a dotted quad or uint32, and a port. */
export interface SockAddrIn {
  /** IPv4 address (`'10.0.0.2'` or a uint32; 0 / `'0.0.0.0'` is INADDR_ANY). */
  address: string | number;
  /** Port, 0…65535. */
  port: number;
}

/** Options of a {@link Process}. */
export interface ProcessOptions {
  /** Process name (for `netstat -p`; default `proc`). */
  name?: string;
  /** Size of the descriptor table (RLIMIT_NOFILE, default 1024). */
  maxFds?: number;
}

/** What `accept` returns: the new descriptor and the peer. */
export interface Accepted {
  /** Descriptor of the connected socket. */
  fd: number;
  /** The peer's address. */
  peer: SockAddr;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`port must be an integer 0…65535, got ${port}`);
}

function toSockAddr(a: SockAddrIn): { address: number; port: number } {
  if (a === null || typeof a !== 'object') throw new TypeError('a socket address is an object { address, port }');
  checkPort(a.port);
  return { address: toIpv4(a.address), port: a.port };
}

function checkFd(fd: number): void {
  if (!Number.isInteger(fd)) throw new TypeError(`a descriptor is an integer, got ${String(fd)}`);
}

function checkData(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
}

/** A process on one host: a descriptor table over the host's sockets. */
export class Process {
  /** Process id (per host, from 1). */
  readonly pid: number;
  /** Process name. */
  readonly name: string;
  /** The host's stack. */
  readonly stack: NetStack;
  /** Size of the descriptor table. */
  readonly maxFds: number;

  private readonly layer: SocketLayer;
  private readonly table: (OpenSocket | undefined)[] = [undefined, undefined, undefined];

  /** Starts a process on `stack` (a name, or options). */
  constructor(stack: NetStack, opts: ProcessOptions | string = {}) {
    const o = typeof opts === 'string' ? { name: opts } : opts;
    this.stack = stack;
    this.layer = stack.sockets;
    this.pid = this.layer.allocPid();
    this.name = o.name ?? 'proc';
    this.maxFds = o.maxFds ?? 1024;
    if (!Number.isInteger(this.maxFds) || this.maxFds < 4) throw new RangeError(`maxFds must be an integer ≥ 4, got ${this.maxFds}`);
  }

  /** Creates a socket; resolves to its descriptor (EAFNOSUPPORT, EPROTONOSUPPORT, EMFILE). */
  socket(domain: number = AF_INET, type: number = SOCK_DGRAM, protocol = 0): Promise<number> {
    if (!Number.isInteger(domain) || !Number.isInteger(type) || !Number.isInteger(protocol)) throw new TypeError('domain, type and protocol are integers');
    if (domain !== AF_INET) return this.fail('socket', -1, 'EAFNOSUPPORT');
    const entry = this.layer.protocols.find(type, protocol);
    if (entry === undefined) {
      const known = type === SOCK_STREAM || type === SOCK_DGRAM || type === SOCK_RAW;
      return this.fail('socket', -1, known ? 'EPROTONOSUPPORT' : 'EINVAL', known ? undefined : `socket type ${type}`);
    }
    const fd = this.freeFd();
    if (fd < 0) return this.fail('socket', -1, 'EMFILE');
    const s = this.layer.add(entry.create(), entry, this);
    this.table[fd] = s;
    this.traceCall('socket', fd, 'ok');
    return Promise.resolve(fd);
  }

  /** Binds to a local address and port (port 0: ephemeral) — EADDRINUSE, EADDRNOTAVAIL, EINVAL. */
  bind(fd: number, addr: SockAddrIn): Promise<void> {
    checkFd(fd);
    const a = toSockAddr(addr);
    return this.call('bind', fd, (s) => s.proto.bind(a.address, a.port));
  }

  /**
   * Sets the peer of a datagram socket (null forgets it) or connects a stream socket: resolves
   * once established (ECONNREFUSED, ETIMEDOUT, ENETUNREACH…); on a non-blocking socket fails at
   * once with EINPROGRESS (then EALREADY while pending, EISCONN once connected; the outcome is
   * in `SO_ERROR`, or wait for it with {@link Process.waitConnected}).
   */
  connect(fd: number, addr: SockAddrIn | null): Promise<void> {
    checkFd(fd);
    if (addr === null) return this.call('connect', fd, (s) => s.proto.disconnect());
    const a = toSockAddr(addr);
    return this.call('connect', fd, (s) => s.proto.connect(a.address, a.port, s.nonBlocking ? DONT_WAIT : undefined));
  }

  /** Marks a stream socket as passive (EOPNOTSUPP on datagram sockets). */
  listen(fd: number, backlog = 128): Promise<void> {
    checkFd(fd);
    if (!Number.isInteger(backlog) || backlog < 0) throw new RangeError(`backlog must be an integer ≥ 0, got ${backlog}`);
    return this.call('listen', fd, (s) => {
      if (s.proto.listen === undefined) throw new SocketError('EOPNOTSUPP');
      s.proto.listen(backlog);
    });
  }

  /** Waits for a connection on a listening stream socket (EAGAIN when non-blocking and none is ready; EOPNOTSUPP on datagram sockets). */
  accept(fd: number, opts?: RecvOptions): Promise<Accepted> {
    checkFd(fd);
    return this.call('accept', fd, (s) => {
      const accept = s.proto.accept;
      if (accept === undefined) throw new SocketError('EOPNOTSUPP');
      return accept.call(s.proto, this.recvOpts(s, opts)).then(
        ({ socket, peer }) => {
          const nfd = this.freeFd();
          if (nfd < 0) {
            socket.close();
            throw new SocketError('EMFILE', 'accept');
          }
          this.table[nfd] = this.layer.add(socket, s.entry, this);
          return { fd: nfd, peer };
        },
        (e: unknown) => {
          throw e instanceof SocketError ? e.withSyscall('accept') : e;
        },
      );
    });
  }

  /** Sends `data` to `addr`; resolves to the bytes sent (EMSGSIZE, EACCES, ENETUNREACH, ECONNREFUSED…). */
  sendto(fd: number, data: Uint8Array, addr: SockAddrIn, opts?: SendOptions): Promise<number> {
    checkFd(fd);
    checkData(data);
    const a = toSockAddr(addr);
    return this.call('sendto', fd, (s) => s.proto.sendto(data, a.address, a.port, this.sendOpts(s, opts)));
  }

  /**
   * Sends `data` to the connected peer (EDESTADDRREQ when unconnected). On a stream socket it
   * resolves once all bytes are in the send buffer — or, with `dontWait` (or a non-blocking
   * socket), at once with the bytes that fit (EAGAIN when none did); EPIPE after shutdown.
   */
  send(fd: number, data: Uint8Array, opts?: SendOptions): Promise<number> {
    checkFd(fd);
    checkData(data);
    return this.call('send', fd, (s) => s.proto.sendto(data, 0, -1, this.sendOpts(s, opts)));
  }

  /** `send` under its file name. */
  write(fd: number, data: Uint8Array, opts?: SendOptions): Promise<number> {
    checkFd(fd);
    checkData(data);
    return this.call('write', fd, (s) => s.proto.sendto(data, 0, -1, this.sendOpts(s, opts)));
  }

  /** Receives the next datagram (or stream bytes) with its sender (ETIMEDOUT after `timeoutNs`, EAGAIN with `dontWait`). */
  recvfrom(fd: number, opts?: RecvOptions): Promise<RecvResult> {
    checkFd(fd);
    return this.call('recvfrom', fd, (s) => s.proto.recvfrom(this.recvOpts(s, opts)));
  }

  /** Receives the next datagram's bytes, or what a stream has (at most `maxLength`; zero bytes: the peer closed). */
  recv(fd: number, opts?: RecvOptions): Promise<Uint8Array> {
    checkFd(fd);
    return this.call('recv', fd, (s) => dataNowOrLater(s.proto.recvfrom(this.recvOpts(s, opts))));
  }

  /** `recv` under its file name. */
  read(fd: number, opts?: RecvOptions): Promise<Uint8Array> {
    checkFd(fd);
    return this.call('read', fd, (s) => dataNowOrLater(s.proto.recvfrom(this.recvOpts(s, opts))));
  }

  /** Sets or clears O_NONBLOCK on a descriptor (`fcntl(fd, F_SETFL, O_NONBLOCK)`). */
  setNonBlocking(fd: number, on: boolean): Promise<void> {
    checkFd(fd);
    return this.call('fcntl', fd, (s) => {
      s.nonBlocking = Boolean(on);
    });
  }

  /**
   * Waits until a stream socket's connection attempt ends (what `poll` for POLLOUT does after a
   * non-blocking connect): resolves when connected, rejects with the attempt's error.
   */
  waitConnected(fd: number, opts?: { timeoutNs?: number }): Promise<void> {
    checkFd(fd);
    return this.call('connect', fd, (s) => {
      const w = s.proto.waitConnected;
      if (w === undefined) throw new SocketError('EOPNOTSUPP');
      return w.call(s.proto, opts?.timeoutNs);
    });
  }

  /** Shuts down one or both directions of a stream socket (EOPNOTSUPP on datagram sockets). */
  shutdown(fd: number, how: 'read' | 'write' | 'both' = 'both'): Promise<void> {
    checkFd(fd);
    return this.call('shutdown', fd, (s) => {
      if (s.proto.shutdown === undefined) throw new SocketError('EOPNOTSUPP');
      s.proto.shutdown(how);
    });
  }

  /** Closes a descriptor (EBADF when not open); with SO_LINGER > 0 on a stream socket, resolves once its data is acknowledged or the linger time passed. */
  close(fd: number): Promise<void> {
    checkFd(fd);
    return this.call('close', fd, (s) => {
      this.table[fd] = undefined;
      this.layer.remove(s);
      return s.proto.close(); // a stream socket with SO_LINGER > 0 resolves when its data is acknowledged
    });
  }

  /** Sets a socket option (`SO_RCVBUF`, `SO_SNDBUF`, `SO_BROADCAST`, `UDP_NOCHECKSUM`, `IP_TTL`, `IP_RECVERR`). */
  setsockopt(fd: number, name: SocketOption, value: number | boolean): Promise<void> {
    checkFd(fd);
    return this.call('setsockopt', fd, (s) => s.proto.setOption(name, value));
  }

  /** Reads a socket option (`SO_ERROR` returns and clears the pending error's errno number). */
  getsockopt(fd: number, name: SocketOption): Promise<number | boolean> {
    checkFd(fd);
    return this.call('getsockopt', fd, (s) => s.proto.getOption(name));
  }

  /** The local address and port. */
  getsockname(fd: number): Promise<SockAddr> {
    checkFd(fd);
    return this.call('getsockname', fd, (s) => s.proto.localName());
  }

  /** The peer (ENOTCONN when unconnected). */
  getpeername(fd: number): Promise<SockAddr> {
    checkFd(fd);
    return this.call('getpeername', fd, (s) => {
      const p = s.proto.peerName();
      if (p === null) throw new SocketError('ENOTCONN');
      return p;
    });
  }

  /** The open descriptors, ascending. */
  descriptors(): number[] {
    const out: number[] = [];
    this.table.forEach((s, fd) => {
      if (s !== undefined) out.push(fd);
    });
    return out;
  }

  /** Ends the process: closes every descriptor (pending receives fail with EBADF). */
  exit(): void {
    this.table.forEach((s, fd) => {
      if (s === undefined) return;
      this.table[fd] = undefined;
      this.layer.remove(s);
      s.proto.close();
    });
  }

  private sendOpts(s: OpenSocket, opts: SendOptions | undefined): SendOptions | undefined {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError('send options must be an object');
    return s.nonBlocking ? { ...opts, dontWait: true } : opts;
  }

  private recvOpts(s: OpenSocket, opts: RecvOptions | undefined): RecvOptions | undefined {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError('receive options must be an object');
    const m = opts?.maxLength;
    if (m !== undefined && (!Number.isSafeInteger(m) || m < 0)) throw new RangeError(`maxLength must be an integer ≥ 0, got ${String(m)}`);
    const into = opts?.into;
    if (into !== undefined) {
      if (!(into instanceof Uint8Array)) throw new TypeError(`into must be a Uint8Array, got ${into === null ? 'null' : typeof into}`);
      // the buffer's length bounds the read (maxLength may bound it further)
      // (the fields listed, not a spread of `opts`: this runs on every read)
      return { timeoutNs: opts!.timeoutNs, dontWait: s.nonBlocking || opts!.dontWait, maxLength: m === undefined ? into.length : Math.min(m, into.length), peek: opts!.peek, waitAll: opts!.waitAll, into };
    }
    return s.nonBlocking ? { timeoutNs: opts?.timeoutNs, dontWait: true, maxLength: m, peek: opts?.peek, waitAll: opts?.waitAll } : opts;
  }

  private freeFd(): number {
    const t = this.table;
    for (let fd = 3; fd < t.length; fd++) if (t[fd] === undefined) return fd;
    return t.length < this.maxFds ? t.length : -1;
  }

  /** Runs `op` on the socket behind `fd`, turning its SocketErrors into rejections named after `syscall`. */
  private call<T>(syscall: string, fd: number, op: (s: OpenSocket) => T | Promise<T>): Promise<T> {
    const s = fd >= 0 ? this.table[fd] : undefined;
    if (s === undefined) return this.fail(syscall, fd, 'EBADF', `fd ${fd}`);
    let r: T | Promise<T>;
    try {
      r = op(s);
    } catch (e) {
      if (e instanceof SocketError) {
        this.traceCall(syscall, fd, e.code);
        return Promise.reject(e.withSyscall(syscall));
      }
      throw e;
    }
    if (r instanceof Promise) {
      if (!this.stack.sim.trace.active) return r.catch((e: unknown) => Promise.reject(e instanceof SocketError ? e.withSyscall(syscall) : e));
      return r.then(
        (v) => {
          this.traceCall(syscall, fd, 'ok');
          return v;
        },
        (e: unknown) => {
          this.traceCall(syscall, fd, e instanceof SocketError ? e.code : 'error');
          throw e instanceof SocketError ? e.withSyscall(syscall) : e;
        },
      );
    }
    this.traceCall(syscall, fd, 'ok');
    return Promise.resolve(r);
  }

  private fail<T>(syscall: string, fd: number, code: Errno, detail?: string): Promise<T> {
    this.traceCall(syscall, fd, code);
    return Promise.reject(new SocketError(code, syscall, detail));
  }

  private traceCall(call: string, fd: number, result: string): void {
    const trace = this.stack.sim.trace;
    if (trace.active) trace.emit('socket.call', this.stack.name, { pid: this.pid, process: this.name, fd, call, result });
  }
}

function dataOf(r: RecvResult): Uint8Array {
  return r.data;
}

/** The data of a receive that completed now, or a promise of it. */
function dataNowOrLater(r: RecvResult | Promise<RecvResult>): Uint8Array | Promise<Uint8Array> {
  // (any thenable a protocol returns, not only a native promise)
  return typeof (r as { then?: unknown }).then === 'function' ? Promise.resolve(r).then(dataOf) : (r as RecvResult).data;
}
