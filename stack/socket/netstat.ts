/**
 * The socket table of a host as data: one row per open socket, with its owner, addresses,
 * queues and state — what `netstat` (stack/tools/netstat.ts) prints and what tests inspect.
 * @module
 */
import type { NetStack } from '../host.js';
import { SocketLayer } from './proto.js';

/** One open socket. */
export interface SocketRow {
  /** A host-unique socket number (Linux's inode). */
  readonly id: number;
  /** Protocol name (`udp`). */
  readonly proto: string;
  /** Local address (0: any). */
  readonly localAddress: number;
  /** Local port (0: unbound). */
  readonly localPort: number;
  /** Peer address (0: none). */
  readonly remoteAddress: number;
  /** Peer port (0: none). */
  readonly remotePort: number;
  /** Bytes waiting to be read. */
  readonly recvQ: number;
  /** Bytes not yet sent. */
  readonly sendQ: number;
  /** State as netstat prints it (`ESTABLISHED` for a connected UDP socket, empty otherwise). */
  readonly state: string;
  /** Datagrams dropped for lack of receive buffer. */
  readonly drops: number;
  /** Bound to a port. */
  readonly bound: boolean;
  /** Owner's process id. */
  readonly pid: number;
  /** Owner's process name. */
  readonly process: string;
}

/** Every open socket of `stack`, oldest first. */
export function socketTable(stack: NetStack): SocketRow[] {
  return SocketLayer.of(stack)
    .sockets()
    .map((s) => {
      const i = s.proto.info();
      return {
        id: s.id,
        proto: i.proto,
        localAddress: i.localAddress,
        localPort: i.localPort,
        remoteAddress: i.remoteAddress,
        remotePort: i.remotePort,
        recvQ: i.recvQ,
        sendQ: i.sendQ,
        state: i.state,
        drops: i.drops,
        bound: i.bound,
        pid: s.owner.pid,
        process: s.owner.name,
      };
    });
}
