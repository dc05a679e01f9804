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
import { TcpServer } from './tcpserver.js';

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
export class TcpEchoServer extends TcpServer {
  /** What it has done. */
  readonly stats: TcpEchoStats = { connections: 0, completed: 0, errors: 0, bytes: 0 };
  private readonly chunk: number;

  /** A server whose sockets belong to `process` (call `start`). */
  constructor(process: Process, opts: TcpEchoServerOptions = {}) {
    super(process, { port: opts.port ?? 7, address: opts.address === undefined ? 0 : toIpv4(opts.address), backlog: opts.backlog ?? 16 }, 'the TCP echo server');
    this.chunk = opts.chunk ?? 65_536;
    if (!Number.isSafeInteger(this.chunk) || this.chunk <= 0) throw new RangeError(`TcpEchoServer: chunk must be a positive integer, got ${this.chunk}`);
  }

  /** Counts a connection. */
  protected override accepted(): void {
    this.stats.connections++;
  }

  /** Echoes until the client closes its side. */
  protected async serve(fd: number): Promise<void> {
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
    }
  }
}
