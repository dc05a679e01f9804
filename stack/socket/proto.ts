/**
 * The protocol switch of the socket layer (BSD's `protosw`, Linux's `inet_protosw`): which
 * transport implements a `(type, protocol)` pair (each offers the {@link ProtoSocket}
 * operations, see `types.ts`). The host fills it when it registers its transports
 * (`NetStack.addTransport`: UDP as `SOCK_DGRAM`/`IPPROTO_UDP`, TCP as
 * `SOCK_STREAM`/`IPPROTO_TCP`); a type nobody registered fails with EPROTONOSUPPORT.
 *
 * {@link SocketLayer} is the per-host socket table (`stack.sockets`): the protocol switch, every
 * open socket with its owner (what `netstat` lists), and the process ids.
 * @module
 */
import type { ProtoEntry, ProtoSocket } from './types.js';

/** The protocol switch: the transports available for `socket(domain, type, protocol)`. */
export class ProtocolSwitch {
  private readonly entries: ProtoEntry[] = [];

  /** Adds a transport; a second one for the same `(type, protocol)` is a programmer error. */
  register(entry: ProtoEntry): void {
    if (this.entries.some((e) => e.type === entry.type && e.protocol === entry.protocol)) {
      throw new Error(`a protocol is already registered for type ${entry.type}, protocol ${entry.protocol}`);
    }
    this.entries.push(entry);
  }

  /** The transport for `type` and `protocol` (0: the first registered for the type). */
  find(type: number, protocol: number): ProtoEntry | undefined {
    return this.entries.find((e) => e.type === type && (protocol === 0 || e.protocol === protocol));
  }

  /** Every registered transport. */
  get list(): readonly ProtoEntry[] {
    return this.entries;
  }
}

/** Who holds a socket (for `netstat -p`). */
export interface SocketOwner {
  /** Process id. */
  readonly pid: number;
  /** Process name. */
  readonly name: string;
}

/** An open socket in the host's socket table. */
export interface OpenSocket {
  /** A host-unique number (Linux's inode column). */
  readonly id: number;
  /** The transport's socket. */
  readonly proto: ProtoSocket;
  /** The protocol entry it was created from. */
  readonly entry: ProtoEntry;
  /** The process whose descriptor refers to it. */
  readonly owner: SocketOwner;
  /** O_NONBLOCK: calls that would block fail with EAGAIN (connect with EINPROGRESS) instead. */
  nonBlocking: boolean;
}

/** The socket table of one host: the protocol switch and the open sockets. */
export class SocketLayer {
  /** The transports available to `socket()`. */
  readonly protocols = new ProtocolSwitch();
  private readonly open = new Set<OpenSocket>();
  private nextSocketId = 1;
  private nextPidValue = 1;

  /** A new process id on this host. */
  allocPid(): number {
    return this.nextPidValue++;
  }

  /** Records a new socket owned by `owner`. */
  add(proto: ProtoSocket, entry: ProtoEntry, owner: SocketOwner): OpenSocket {
    const s: OpenSocket = { id: this.nextSocketId++, proto, entry, owner, nonBlocking: false };
    this.open.add(s);
    return s;
  }

  /** Forgets a closed socket. */
  remove(s: OpenSocket): void {
    this.open.delete(s);
  }

  /** The open sockets, oldest first. */
  sockets(): OpenSocket[] {
    return [...this.open];
  }
}
