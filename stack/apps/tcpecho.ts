/**
 * The TCP echo service (RFC 862): every byte a client sends comes back on the same connection,
 * until the client closes its side; then the server closes too. Each connection is served on its
 * own, so a slow client never holds up another; a connection's error (reset, timeout) ends only
 * that connection.
 * @module
 */
import { toIpv4 } from '../iface/route.js';
import type { Process } from '../socket/api.js';
import { isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_STREAM } from '../socket/types.js';

/** Options of a {@link TcpEchoServer}. */
export interface TcpEchoServerOptions {
  /** Port (default 7). */
  port?: number;
  /** Address to bind (default any). */
  address?: string | number;
  /** Listen backlog (default 16). */
  backlog?: number;
  /** Largest read per call, bytes (default 65,536). */
  chunk?: number;
}

/** What a {@link TcpEchoServer} has done. */
export interface TcpEchoStats {
  /** Connections accepted. */
  connections: number;
  /** Connections that ended cleanly (the client closed, the server echoed everything and closed). */
  completed: number;
  /** Connections that ended with a socket error. */
  errors: number;
  /** Bytes echoed. */
  bytes: number;
}

/** A TCP echo server: an app on a host. */
export class TcpEchoServer {
  /** What it has done. */
  readonly stats: TcpEchoStats = { connections: 0, completed: 0, errors: 0, bytes: 0 };
  /** The port it listens on, once started. */
  boundPort = 0;
  private readonly port: number;
  private readonly address: number;
  private readonly backlog: number;
  private readonly chunk: number;
  private listenFd = -1;
  private loop: Promise<void> | null = null;
  private readonly open = new Set<number>();
  private readonly handlers = new Set<Promise<void>>();
  private stopping = false;

  /** A server whose sockets belong to `process` (call `start`). */
  constructor(
    /** The process its sockets belong to. */
    readonly process: Process,
    opts: TcpEchoServerOptions = {},
  ) {
    this.port = opts.port ?? 7;
    this.address = opts.address === undefined ? 0 : toIpv4(opts.address);
    this.backlog = opts.backlog ?? 16;
    this.chunk = opts.chunk ?? 65_536;
    if (!Number.isSafeInteger(this.chunk) || this.chunk <= 0) throw new RangeError(`TcpEchoServer: chunk must be a positive integer, got ${this.chunk}`);
  }

  /** Binds, listens and starts accepting; resolves once listening (rejects with EADDRINUSE…). */
  async start(): Promise<void> {
    if (this.loop !== null) throw new Error('the TCP echo server is already running');
    const p = this.process;
    const fd = await p.socket(AF_INET, SOCK_STREAM);
    try {
      await p.bind(fd, { address: this.address, port: this.port });
      await p.listen(fd, this.backlog);
      this.boundPort = (await p.getsockname(fd)).port;
    } catch (e) {
      await p.close(fd);
      throw e;
    }
    this.listenFd = fd;
    this.stopping = false;
    this.loop = this.acceptLoop(fd);
  }

  /** Stops: closes the listener and every connection; resolves when all handlers ended. */
  async stop(): Promise<void> {
    if (this.loop === null) return;
    this.stopping = true;
    await this.process.close(this.listenFd);
    for (const fd of this.open) await this.process.close(fd).catch(() => undefined);
    await this.loop;
    await Promise.all(this.handlers);
    this.loop = null;
  }

  private async acceptLoop(fd: number): Promise<void> {
    for (;;) {
      let c;
      try {
        c = await this.process.accept(fd);
      } catch (e) {
        if (this.stopping || isSocketError(e, 'EBADF')) return;
        continue;
      }
      this.stats.connections++;
      this.open.add(c.fd);
      const h: Promise<void> = this.serve(c.fd).finally(() => this.handlers.delete(h));
      this.handlers.add(h);
    }
  }

  private async serve(fd: number): Promise<void> {
    const p = this.process;
    try {
      for (;;) {
        const data = await p.read(fd, { maxLength: this.chunk });
        if (data.length === 0) break; // the client closed its side
        await p.write(fd, data);
        this.stats.bytes += data.length;
      }
      this.stats.completed++;
    } catch (e) {
      if (!this.stopping && !isSocketError(e, 'EBADF')) this.stats.errors++;
    } finally {
      if (this.open.delete(fd)) await p.close(fd).catch(() => undefined);
    }
  }
}
