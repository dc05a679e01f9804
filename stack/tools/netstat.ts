/**
 * `netstat`: the host's sockets as data ({@link netstat}) and as `netstat -un` / `-una` / `-unap`
 * prints them (net-tools' row format `%-4s  %6ld %6ld %-23s %-23s %-11s`, columns widened for
 * longer addresses). As in Linux, only sockets bound to a port are listed; without `all`, only
 * connected ones (the "servers" — unconnected datagram sockets — need `all`, netstat's `-a`).
 * A port 0 prints as `*`, so an unconnected socket's foreign address is `0.0.0.0:*`.
 * @module
 */
import type { NetStack } from '../host.js';
import { socketTable } from '../socket/netstat.js';
import { formatIpv4Addr } from '../wire/ipv4.js';

/** One line of netstat. */
export interface NetstatRow {
  /** Protocol (`udp`). */
  readonly proto: string;
  /** Bytes waiting to be read. */
  readonly recvQ: number;
  /** Bytes waiting to be sent. */
  readonly sendQ: number;
  /** `address:port`. */
  readonly local: string;
  /** `address:port`, `0.0.0.0:*` when unconnected. */
  readonly foreign: string;
  /** `ESTABLISHED` for a connected UDP socket, empty otherwise (TCP: its state). */
  readonly state: string;
  /** Owner's process id. */
  readonly pid: number;
  /** Owner's process name. */
  readonly program: string;
  /** A server socket (unconnected): shown only with `all`. */
  readonly listening: boolean;
}

/** Options of {@link netstat} and {@link formatNetstat}. */
export interface NetstatOptions {
  /** Include server sockets (netstat -a; default true). */
  all?: boolean;
  /** Add the PID/Program name column (netstat -p; default false). */
  programs?: boolean;
}

function endpoint(address: number, port: number): string {
  return `${formatIpv4Addr(address)}:${port === 0 ? '*' : port}`;
}

/**
 * The sockets netstat lists, oldest first — then the TCP connections no process holds any more
 * (closed by their owner but still in FIN-WAIT, LAST-ACK or TIME-WAIT, or waiting in a listener's
 * accept queue), as Linux lists them, with no program (`-`).
 */
export function netstat(stack: NetStack, opts: NetstatOptions = {}): NetstatRow[] {
  const all = opts.all ?? true;
  const owned = socketTable(stack)
    .filter((s) => s.bound && (all || s.remotePort !== 0))
    .map((s) => ({
      proto: s.proto,
      recvQ: s.recvQ,
      sendQ: s.sendQ,
      local: endpoint(s.localAddress, s.localPort),
      foreign: endpoint(s.remoteAddress, s.remotePort),
      state: s.state,
      pid: s.pid,
      program: s.process,
      listening: s.remotePort === 0 && s.state !== 'ESTABLISHED',
    }));
  const tcp = stack.transport('tcp') === undefined ? [] : stack.tcp.sockets();
  const held = new Set<unknown>(stack.sockets.sockets().map((s) => s.proto));
  const orphans = tcp
    .filter((t) => !held.has(t) && t.remotePort !== 0)
    .map((t) => {
      const i = t.info();
      return { proto: i.proto, recvQ: i.recvQ, sendQ: i.sendQ, local: endpoint(i.localAddress, i.localPort), foreign: endpoint(i.remoteAddress, i.remotePort), state: i.state, pid: 0, program: '-', listening: false };
    });
  return [...owned, ...orphans];
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
