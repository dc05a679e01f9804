/**
 * The shape every small TCP service shares: listen, serve each accepted connection in a handler
 * of its own (a slow client never holds up another; a connection's error ends only that
 * connection), and on `stop` close the listener and every connection and wait for the handlers.
 * Subclasses say how one connection is served.
 * @module
 */
import type { Process } from '../socket/api.js';
import { isSocketError } from '../socket/errors.js';
import { AF_INET, SOCK_STREAM } from '../socket/types.js';

/** Where a server listens. */
export interface TcpServerBinding {
  /** Port (0: an ephemeral one, see `boundPort`). */
  port: number;
  /** Address to bind (0: any). */
  address: number;
  /** Listen backlog. */
  backlog: number;
  /** Set SO_REUSEADDR before binding (a restarted server may bind over its TIME-WAIT connections). */
  reuseAddr?: boolean;
}

/** A TCP server app on a host: `start` listens and serves, `stop` closes everything. */
export abstract class TcpServer {
  /** The port it listens on, once started. */
  boundPort = 0;
  /** True while `stop` runs (handlers do not count errors it causes). */
  protected stopping = false;
  private listenFd = -1;
  private loop: Promise<void> | null = null;
  private readonly open = new Set<number>();
  private readonly handlers = new Set<Promise<void>>();

  protected constructor(
    /** The process its sockets belong to. */
    readonly process: Process,
    private readonly binding: TcpServerBinding,
    /** What it is, for error messages (`the HTTP server`). */
    private readonly what: string,
  ) {}

  /** Serves one accepted connection until it ends (the base class closes `fd` afterwards if still open). */
  protected abstract serve(fd: number): Promise<void>;

  /** Called for each accepted connection (for statistics). */
  protected accepted(): void {}

  /** Binds, listens and starts accepting; resolves once listening (rejects with EADDRINUSE…). */
  async start(): Promise<void> {
    if (this.loop !== null) throw new Error(`${this.what} is already running`);
    const p = this.process;
    const b = this.binding;
    const fd = await p.socket(AF_INET, SOCK_STREAM);
    try {
      if (b.reuseAddr === true) await p.setsockopt(fd, 'SO_REUSEADDR', true);
      await p.bind(fd, { address: b.address, port: b.port });
      await p.listen(fd, b.backlog);
      this.boundPort = (await p.getsockname(fd)).port;
    } catch (e) {
      await p.close(fd);
      throw e;
    }
    this.listenFd = fd;
    this.stopping = false;
    this.loop = this.acceptLoop(fd);
  }

  /** Stops: closes the listener and every open connection; resolves when all handlers ended. */
  async stop(): Promise<void> {
    if (this.loop === null) return;
    this.stopping = true;
    await this.process.close(this.listenFd);
    for (const fd of this.open) await this.process.close(fd).catch(() => undefined);
    await this.loop;
    await Promise.all(this.handlers);
    this.loop = null;
    this.listenFd = -1;
  }

  /** Whether `fd` is a connection of this server not yet closed. */
  protected isOpen(fd: number): boolean {
    return this.open.has(fd);
  }

  /** Closes connection `fd` if it is still open (once). */
  protected async release(fd: number): Promise<void> {
    if (this.open.delete(fd)) await this.process.close(fd).catch(() => undefined);
  }

  private async acceptLoop(fd: number): Promise<void> {
    for (;;) {
      let c;
      try {
        c = await this.process.accept(fd);
      } catch (e) {
        if (this.stopping || isSocketError(e, 'EBADF')) return;
        continue; // e.g. ECONNABORTED: keep accepting
      }
      this.accepted();
      this.open.add(c.fd);
      const h: Promise<void> = this.serve(c.fd)
        .catch(() => undefined)
        .finally(() => {
          this.handlers.delete(h);
          return this.release(c.fd);
        });
      this.handlers.add(h);
    }
  }
}
