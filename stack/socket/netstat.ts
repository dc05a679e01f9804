/**
 * The socket table of a host as data: one row per open socket, with its owner, addresses,
 * queues and state — what `netstat` (stack/tools/netstat.ts) prints and what tests inspect.
 * Sockets held by a descriptor come first (oldest first), then the connections a transport still
 * holds that no descriptor owns any more or yet (TCP's TIME-WAIT, orphaned FIN-WAIT-2 and
 * LAST-ACK, connections waiting in a listener's queues), as Linux lists them with PID `-`.
 * @module
 */
import type { NetStack } from '../host.js';
import type { ProtoSocket, SocketInfo } from './types.js';

/** One open socket: what netstat shows of it, plus its identity and owner. */
export interface SocketRow extends SocketInfo {
  /** A host-unique socket number (Linux's inode; 0 for a connection no descriptor holds). */
  readonly id: number;
  /** Owner's process id (0: no descriptor holds it). */
  readonly pid: number;
  /** Owner's process name (empty: no descriptor holds it). */
  readonly process: string;
}

/** A transport that lists every socket it holds (TCP does: its connections and listeners). */
interface ListsSockets {
  sockets(): readonly ProtoSocket[];
}

function listsSockets(t: object): t is ListsSockets {
  return typeof (t as Partial<ListsSockets>).sockets === 'function';
}

function row(id: number, i: SocketInfo, pid: number, process: string): SocketRow {
  return {
    id,
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
    pid,
    process,
  };
}

/** Every open socket of `stack`: descriptors' sockets oldest first, then the transports' unowned connections. */
export function socketTable(stack: NetStack): SocketRow[] {
  const open = stack.sockets.sockets();
  const owned = new Set<ProtoSocket>(open.map((s) => s.proto));
  const rows = open.map((s) => row(s.id, s.proto.info(), s.owner.pid, s.owner.name));
  for (const t of stack.transports) {
    if (!listsSockets(t)) continue;
    for (const s of t.sockets()) if (!owned.has(s)) rows.push(row(0, s.info(), 0, ''));
  }
  return rows;
}
