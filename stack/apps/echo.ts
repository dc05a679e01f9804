/**
 * The UDP echo service (RFC 862): every datagram received is sent back to its sender,
 * unchanged. Handy as the far end of tests and demos.
 * @module
 */
import { toIpv4 } from '../iface/route.js';
import { UDP_PORT } from '../wire/udp.js';
import type { Process } from '../socket/api.js';
import { UdpServer } from './udpserver.js';

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
export class EchoServer extends UdpServer {
  /** Datagrams echoed. */
  echoed = 0;
  /** Bytes echoed. */
  bytes = 0;
  /** Datagrams that could not be sent back. */
  failed = 0;

  /** A server whose socket belongs to `process` (call `start`). */
  constructor(process: Process, opts: EchoServerOptions = {}) {
    super(process, { port: opts.port ?? UDP_PORT.ECHO, address: opts.address === undefined ? 0 : toIpv4(opts.address), rcvbuf: opts.rcvbuf }, 'the echo server');
  }

  protected override reply(data: Uint8Array): Uint8Array {
    return data;
  }

  protected override replied(request: Uint8Array): void {
    this.echoed++;
    this.bytes += request.length;
  }

  protected override replyFailed(): void {
    this.failed++;
  }
}
