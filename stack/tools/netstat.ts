/**
 * `netstat`: the host's sockets as data ({@link netstat}) and as `netstat -n` with `-u`/`-t`,
 * `-a` and `-p` prints them (net-tools' row format `%-4s  %6ld %6ld %-23s %-23s %-11s`, columns
 * widened for longer addresses). As in Linux, only sockets bound to a port are listed; without
 * `all`, only connected ones (the "servers" — listening TCP sockets and unconnected datagram
 * sockets — need `all`, netstat's `-a`). A port 0 prints as `*`, so an unconnected socket's
 * foreign address is `0.0.0.0:*`.
 *
 * TCP rows come from the transport's tables, as Linux's /proc/net/tcp: every state from SYN_SENT
 * to TIME_WAIT, connections no descriptor holds included (their PID/Program name is `-`); a
 * socket that is bound but neither listening nor connected (state CLOSE) is not listed. Queues
 * as /proc/net/tcp gives them: a connection's Recv-Q is the bytes received and not yet read, its
 * Send-Q the sequence space written and not yet acknowledged (Linux's write_seq − snd_una: the
 * data, plus 1 for an unacknowledged SYN or FIN — SYN_SENT, FIN_WAIT1, CLOSING and LAST_ACK);
 * a listener's Recv-Q is the connections waiting in its accept queue and its Send-Q 0 (`ss`
 * shows the backlog there).
 * @module
 */
import type { NetStack } from '../host.js';
import { socketTable } from '../socket/netstat.js';
import { formatIpv4Addr } from '../wire/ipv4.js';

/** One line of netstat. */
export interface NetstatRow {
  /** Protocol (`udp`, `tcp`). */
  readonly proto: string;
  /** Bytes waiting to be read. */
  readonly recvQ: number;
  /** Bytes waiting to be sent. */
  readonly sendQ: number;
  /** `address:port`. */
  readonly local: string;
  /** `address:port`, `0.0.0.0:*` when unconnected. */
  readonly foreign: string;
  /** `ESTABLISHED` for a connected UDP socket, empty otherwise; TCP: its state (`LISTEN`, `SYN_SENT`, `TIME_WAIT`…). */
  readonly state: string;
  /** Owner's process id (0: no descriptor holds the socket; printed `-`). */
  readonly pid: number;
  /** Owner's process name. */
  readonly program: string;
  /** A server socket (listening TCP, unconnected UDP): shown only with `all`. */
  readonly listening: boolean;
}

/** Options of {@link netstat} and {@link formatNetstat}. */
export interface NetstatOptions {
  /** Include server sockets (netstat -a; default true). */
  all?: boolean;
  /** Add the PID/Program name column (netstat -p; default false). */
  programs?: boolean;
  /** Only this protocol (netstat -t or -u; default both). */
  proto?: 'tcp' | 'udp';
}

function endpoint(address: number, port: number): string {
  return `${formatIpv4Addr(address)}:${port === 0 ? '*' : port}`;
}

/** States in which a TCP connection's SYN or FIN is sent and not yet acknowledged (netstat names). */
const CONTROL_IN_FLIGHT = new Set(['SYN_SENT', 'FIN_WAIT1', 'CLOSING', 'LAST_ACK']);

/**
 * A TCP connection's Send-Q as Linux computes it (write_seq − snd_una): the unacknowledged and
 * unsent data `dataBytes`, plus the SYN or FIN in flight in the states that have one.
 */
export function tcpSendQ(state: string, dataBytes: number): number {
  return dataBytes + (CONTROL_IN_FLIGHT.has(state) ? 1 : 0);
}

/** The sockets netstat lists, oldest first. */
export function netstat(stack: NetStack, opts: NetstatOptions = {}): NetstatRow[] {
  const all = opts.all ?? true;
  const rows: NetstatRow[] = [];
  for (const s of socketTable(stack)) {
    if (!s.bound || (opts.proto !== undefined && s.proto !== opts.proto)) continue;
    const tcp = s.proto === 'tcp';
    if (tcp && s.state === 'CLOSE') continue; // in no table Linux lists
    const listening = tcp ? s.state === 'LISTEN' : s.remotePort === 0 && s.state !== 'ESTABLISHED';
    if (listening && !all) continue;
    rows.push({
      proto: s.proto,
      recvQ: s.recvQ,
      sendQ: tcp ? (listening ? 0 : tcpSendQ(s.state, s.sendQ)) : s.sendQ,
      local: endpoint(s.localAddress, s.localPort),
      foreign: endpoint(s.remoteAddress, s.remotePort),
      state: s.state,
      pid: s.pid,
      program: s.process,
      listening,
    });
  }
  return rows;
}

function col(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** The rows as netstat prints them. */
export function formatNetstat(rows: readonly NetstatRow[], opts: NetstatOptions = {}): string {
  const all = opts.all ?? true;
  const programs = opts.programs ?? false;
  let out = `Active Internet connections ${all ? '(servers and established)' : '(w/o servers)'}\n`;
  out += `Proto Recv-Q Send-Q Local Address           Foreign Address         State      ${programs ? ' PID/Program name' : ''}\n`;
  for (const r of rows) {
    out += `${col(r.proto, 4)}  ${String(r.recvQ).padStart(6)} ${String(r.sendQ).padStart(6)} ${col(r.local, 23)} ${col(r.foreign, 23)} ${col(r.state, 11)}`;
    if (programs) out += r.pid === 0 ? ' -' : ` ${r.pid}/${r.program}`;
    out += '\n';
  }
  return out;
}
