/**
 * The UDP echo service (RFC 862): every datagram received is sent back to its sender,
 * unchanged. Handy as the far end of tests and demos.
 * @module
 */
import { toIpv4 } from '../iface/route.js';
import { UDP_PORT } from '../wire/udp.js';
import type { Process } from '../socket/api.js';
import { isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_DGRAM } from '../socket/types.js';

/** Options of an {@link EchoServer}. */
export interface EchoServerOptions {
  /** Port (default 7). */
  port?: number;
  /** Address to bind (default any). */
  address?: string | number;
  /** SO_RCVBUF of the socket (default: the stack's). */
  rcvbuf?: number;
}

/** A UDP echo server: an app on a host. */
export class EchoServer {
  /** Datagrams echoed. */
  echoed = 0;
  /** Bytes echoed. */
  bytes = 0;
  /** Datagrams that could not be sent back. */
  failed = 0;

  private fd = -1;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private readonly port: number;
  private readonly address: number;

  /** A server whose socket belongs to `process` (call `start`). */
  constructor(
    /** The process its socket belongs to. */
    readonly process: Process,
    private readonly opts: EchoServerOptions = {},
  ) {
    this.port = opts.port ?? UDP_PORT.ECHO;
    this.address = opts.address === undefined ? 0 : toIpv4(opts.address);
  }

  /** The port it listens on (the ephemeral one chosen when `port` was 0), once started. */
  boundPort = 0;

  /** Binds and starts echoing; resolves once bound (rejects with EADDRINUSE…). */
  async start(): Promise<void> {
    if (this.loop !== null) throw new Error('the echo server is already running');
    const p = this.process;
    const fd = await p.socket(AF_INET, SOCK_DGRAM);
    try {
      if (this.opts.rcvbuf !== undefined) await p.setsockopt(fd, 'SO_RCVBUF', this.opts.rcvbuf);
      await p.bind(fd, { address: this.address, port: this.port });
      this.boundPort = (await p.getsockname(fd)).port;
    } catch (e) {
      await p.close(fd);
      throw e;
    }
    this.fd = fd;
    this.stopping = false;
    this.loop = this.serve(fd);
  }

  /** Stops (closes the socket); resolves when the loop has ended. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (loop === null) return;
    this.stopping = true;
    await this.process.close(this.fd);
    await loop;
    this.loop = null;
    this.fd = -1;
  }

  private async serve(fd: number): Promise<void> {
    const p = this.process;
    for (;;) {
      let r;
      try {
        r = await p.recvfrom(fd);
      } catch (e) {
        if (this.stopping || isSocketError(e, 'EBADF')) return;
        continue;
      }
      try {
        await p.sendto(fd, r.data, { address: r.address, port: r.port });
        this.echoed++;
        this.bytes += r.data.length;
      } catch (e) {
        if (this.stopping || isSocketError(e, 'EBADF')) return;
        this.failed++;
      }
    }
  }
}
