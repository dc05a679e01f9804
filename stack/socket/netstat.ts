/**
 * The socket table of a host as data: one row per open socket, with its owner, addresses,
 * queues and state — what `netstat` (stack/tools/netstat.ts) prints and what tests inspect.
 * @module
 */
import type { NetStack } from '../host.js';
import type { SocketInfo } from './types.js';

/** One open socket: what netstat shows of it, plus its identity and owner. */
export interface SocketRow extends SocketInfo {
  /** A host-unique socket number (Linux's inode). */
  readonly id: number;
  /** Owner's process id. */
  readonly pid: number;
  /** Owner's process name. */
  readonly process: string;
}

/** Every open socket of `stack`, oldest first. */
export function socketTable(stack: NetStack): SocketRow[] {
  return stack.sockets
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
