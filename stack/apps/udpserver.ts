/**
 * The shape every small UDP service shares: bind a socket, then answer each datagram that arrives
 * until stopped. Subclasses say what the answer to a datagram is.
 * @module
 */
import type { Process } from '../socket/api.js';
import { isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_DGRAM } from '../socket/types.js';

/** Where a server listens. */
export interface UdpServerBinding {
  /** Port (0: an ephemeral one, see `boundPort`). */
  port: number;
  /** Address to bind (0: any). */
  address: number;
  /** SO_RCVBUF of the socket (default: the stack's). */
  rcvbuf?: number;
}

/** A UDP server app on a host: `start` binds and serves, `stop` closes and waits for the loop. */
export abstract class UdpServer {
  /** The port it listens on (the ephemeral one chosen when the port was 0), once started. */
  boundPort = 0;
  private fd = -1;
  private loop: Promise<void> | null = null;
  private stopping = false;

  protected constructor(
    /** The process its socket belongs to. */
    readonly process: Process,
    private readonly binding: UdpServerBinding,
    /** What it is, for error messages (`the DNS server`). */
    private readonly what: string,
  ) {}

  /** The reply to a datagram, or null to send none. */
  protected abstract reply(data: Uint8Array): Uint8Array | null;

  /** Called after a reply went out (for statistics). */
  protected replied(_request: Uint8Array, _reply: Uint8Array): void {}

  /** Called when a reply could not be sent (for statistics). */
  protected replyFailed(): void {}

  /** Binds the socket and starts serving; resolves once bound (rejects with EADDRINUSE…). */
  async start(): Promise<void> {
    if (this.loop !== null) throw new Error(`${this.what} is already running`);
    const p = this.process;
    const fd = await p.socket(AF_INET, SOCK_DGRAM);
    try {
      if (this.binding.rcvbuf !== undefined) await p.setsockopt(fd, 'SO_RCVBUF', this.binding.rcvbuf);
      await p.bind(fd, { address: this.binding.address, port: this.binding.port });
      this.boundPort = (await p.getsockname(fd)).port;
    } catch (e) {
      await p.close(fd);
      throw e;
    }
    this.fd = fd;
    this.stopping = false;
    this.loop = this.serve(fd);
  }

  /** Stops serving (closes the socket); resolves when the loop has ended. */
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
        continue; // a pending ICMP error on the socket: keep serving
      }
      const out = this.reply(r.data);
      if (out === null) continue;
      try {
        await p.sendto(fd, out, { address: r.address, port: r.port });
        this.replied(r.data, out);
      } catch (e) {
        if (this.stopping || isSocketError(e, 'EBADF')) return;
        this.replyFailed(); // e.g. an unreachable client
      }
    }
  }
}
