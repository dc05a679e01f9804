/**
 * Transports that carry a {@link RemoteEndpoint}'s frames out of the process, with the framing
 * QEMU's network backends use, so a QEMU guest, a TAP device bridged by socat, or another nicsim
 * process is the link partner:
 *
 * - {@link attachUdp}: one Ethernet frame per UDP datagram, no FCS (QEMU `-netdev dgram`, socat
 *   `UDP-DATAGRAM`). Datagrams from any address other than the configured peer are dropped and
 *   counted.
 * - {@link attachStream}: a TCP byte stream of frames, each preceded by its length as a 4-byte
 *   big-endian number (QEMU `-netdev stream` / `-netdev socket`). Listening accepts one peer at a
 *   time; connecting retries until the peer is there. The endpoint's carrier follows the
 *   connection (link down while no peer is connected).
 *
 * Bounded memory: a stream stops being read while the endpoint's queue of frames from the outside
 * is full (TCP backpressure to the peer; no frame is dropped for it); frames waiting for the host socket are capped (`maxPending` sends in flight, or
 * `maxBufferedBytes` in a stream's write buffer); more are dropped and counted. A stream that
 * announces a length outside 14…65535 cannot be resynchronised: it is closed and counted.
 * This module does real I/O (Node's `dgram` and `net`); the simulation itself stays deterministic.
 * @module
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { RemoteEndpoint } from '../hw/remote.js';

/** A host and port, as `HOST:PORT` on command lines. */
export interface HostPort {
  /** Host name or address. */
  host: string;
  /** Port, 0…65535 (0: any free port when binding). */
  port: number;
}

/** Counters of a transport. */
export interface LinkStats {
  /** Frames received from the peer (handed to the endpoint). */
  rxFrames: number;
  /** Frames sent to the peer. */
  txFrames: number;
  /** Frames to the peer dropped: too many waiting for the host socket. */
  txDrops: number;
  /** Frames to the peer dropped: no peer connected (stream) or a send error. */
  txErrors: number;
  /** Datagrams from another address than the peer (UDP), or streams closed for a bad length (stream). */
  rxForeign: number;
  /** Times the stream was paused because the endpoint's queue was filling (stream only). */
  pauses: number;
}

/** A running transport. */
export interface Link {
  /** What it is, for status lines (`udp 127.0.0.1:9000 <-> 127.0.0.1:9001`). */
  readonly description: string;
  /** Live counters. */
  readonly stats: LinkStats;
  /** The local address once bound or listening. */
  readonly local: () => HostPort | undefined;
  /** Closes the sockets; resolves when they are closed. */
  close(): Promise<void>;
}

/** Parses `HOST:PORT` (an IPv4 address or name; port 0…65535); throws a message naming `what`. */
export function parseHostPort(s: string, what: string): HostPort {
  const m = /^\[?([^\s\]]*?)\]?:(\d{1,5})$/.exec(s.trim());
  if (!m || m[1] === '' || Number(m[2]) > 65535) throw new RangeError(`${what}: expected HOST:PORT (e.g. 127.0.0.1:9000), got '${s}'`);
  return { host: m[1], port: Number(m[2]) };
}

function newStats(): LinkStats {
  return { rxFrames: 0, txFrames: 0, txDrops: 0, txErrors: 0, rxForeign: 0, pauses: 0 };
}

/** Options of {@link attachUdp}. */
export interface UdpLinkOptions {
  /** Where to bind. */
  local: HostPort;
  /** The peer: where frames go, and the only source accepted. */
  remote: HostPort;
  /** Sends in flight before frames are dropped (default 256). */
  maxPending?: number;
}

/** Carries `ep`'s frames over UDP, one frame per datagram (resolves once bound). */
export async function attachUdp(ep: RemoteEndpoint, opts: UdpLinkOptions): Promise<Link> {
  const stats = newStats();
  const maxPending = opts.maxPending ?? 256;
  const sock: UdpSocket = createSocket({ type: 'udp4', reuseAddr: false });
  let pending = 0;
  let closed = false;
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.local.port, opts.local.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  // Later socket errors (ICMP port unreachable from the peer, ...) are counted, never fatal.
  sock.on('error', () => stats.txErrors++);
  let peerAddr = opts.remote.host;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(peerAddr)) {
    const { lookup } = await import('node:dns/promises');
    peerAddr = (await lookup(peerAddr, { family: 4 })).address;
  }
  sock.on('message', (msg, rinfo) => {
    if (rinfo.address !== peerAddr || rinfo.port !== opts.remote.port) {
      stats.rxForeign++;
      return;
    }
    stats.rxFrames++;
    ep.fromOutside(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  });
  ep.onFrame = (frame) => {
    if (closed) return;
    if (pending >= maxPending) {
      stats.txDrops++;
      return;
    }
    pending++;
    sock.send(frame, opts.remote.port, peerAddr, (err) => {
      pending--;
      if (err) stats.txErrors++;
      else stats.txFrames++;
    });
  };
  const addr = sock.address();
  return {
    description: `udp ${addr.address}:${addr.port} <-> ${opts.remote.host}:${opts.remote.port}`,
    stats,
    local: () => (closed ? undefined : { host: addr.address, port: addr.port }),
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        ep.onFrame = () => {};
        sock.close(() => resolve());
      }),
  };
}

/** Options of {@link attachStream}. */
export interface StreamLinkOptions {
  /** Listen here (server) or connect here (client). */
  address: HostPort;
  /** Listen for the peer instead of connecting to it (QEMU's `server=on`). */
  listen?: boolean;
  /** Time between connection attempts, ms (default 1000). */
  retryMs?: number;
  /** Octets that may wait in the socket's write buffer before frames are dropped (default 1 MiB). */
  maxBufferedBytes?: number;
}

const MIN_LEN = 14;
const MAX_LEN = 65535;

/** Carries `ep`'s frames over a TCP stream with 4-byte big-endian length prefixes (resolves once listening, or at once when connecting). */
export async function attachStream(ep: RemoteEndpoint, opts: StreamLinkOptions): Promise<Link> {
  const stats = newStats();
  const maxBuffered = opts.maxBufferedBytes ?? 1 << 20;
  const retryMs = opts.retryMs ?? 1000;
  let peer: Socket | null = null;
  let closed = false;
  let server: Server | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  ep.setCarrier(false);

  // Backpressure: when the endpoint's waiting queue is full, parsing stops and the socket is
  // paused (the peer's TCP then slows down); both resume once the queue has drained to half.
  let drainTimer: ReturnType<typeof setInterval> | undefined;

  const adopt = (s: Socket) => {
    peer = s;
    s.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    const parse = () => {
      while (buf.length >= 4) {
        if (ep.queued >= ep.queueLimit) {
          if (drainTimer === undefined) {
            s.pause();
            stats.pauses++;
            drainTimer = setInterval(() => {
              if (ep.queued > ep.queueLimit / 2 && !s.destroyed) return;
              clearInterval(drainTimer);
              drainTimer = undefined;
              if (s.destroyed) return;
              parse();
              if (drainTimer === undefined) s.resume();
            }, 2);
          }
          return;
        }
        const len = buf.readUInt32BE(0);
        if (len < MIN_LEN || len > MAX_LEN) {
          stats.rxForeign++;
          s.destroy();
          return;
        }
        if (buf.length < 4 + len) break;
        const frame = new Uint8Array(buf.buffer, buf.byteOffset + 4, len);
        stats.rxFrames++;
        ep.fromOutside(frame);
        buf = buf.subarray(4 + len);
      }
    };
    s.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      parse();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (drainTimer !== undefined) clearInterval(drainTimer);
      drainTimer = undefined;
      if (peer === s) {
        peer = null;
        ep.setCarrier(false);
        if (!opts.listen && !closed) retry = setTimeout(dial, retryMs);
      }
    });
    ep.setCarrier(true);
  };

  const dial = () => {
    if (closed) return;
    const s = tcpConnect({ host: opts.address.host, port: opts.address.port });
    s.once('connect', () => adopt(s));
    s.once('error', () => {
      s.destroy();
      if (!closed && peer === null) retry = setTimeout(dial, retryMs);
    });
  };

  if (opts.listen) {
    const srv = createServer((s) => {
      if (peer !== null) {
        // one peer at a time, as QEMU's stream backend
        stats.rxForeign++;
        s.destroy();
        return;
      }
      adopt(s);
    });
    server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(opts.address.port, opts.address.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
  } else dial();

  ep.onFrame = (frame) => {
    const s = peer;
    if (s === null || closed) {
      stats.txErrors++;
      return;
    }
    if (s.writableLength + frame.length + 4 > maxBuffered) {
      stats.txDrops++;
      return;
    }
    const out = Buffer.allocUnsafe(4 + frame.length);
    out.writeUInt32BE(frame.length, 0);
    out.set(frame, 4);
    s.write(out);
    stats.txFrames++;
  };
  const mode = opts.listen ? 'listening on' : 'connecting to';
  return {
    description: `stream ${mode} ${opts.address.host}:${opts.address.port}`,
    stats,
    local: () => {
      const a = server?.address();
      return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      if (drainTimer !== undefined) clearInterval(drainTimer);
      ep.onFrame = () => {};
      (peer as Socket | null)?.destroy();
      if (server !== null) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
