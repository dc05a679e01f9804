/**
 * `ss -t` (iproute2's socket statistics) for the host's TCP sockets: as data ({@link ss}) and as
 * `ss -tn`, `-tan`, `-tln` and `-tin` print them ({@link formatSs}). Which states are listed
 * follows ss: by default the connected ones (everything but LISTEN, TIME-WAIT and SYN-RECV);
 * `all` (-a) adds those; `listening` (-l) shows listeners only. A listener's Recv-Q is its accept
 * queue and its Send-Q the backlog, as ss shows them (netstat shows 0 there); a connection's are
 * the bytes not yet read and the bytes not yet acknowledged.
 *
 * With `info` (-i) each connection gets ss's second line, a tab and then the fields ss prints
 * from `tcp_info`, in ss's order and with ss's rules (a field that is zero is left out; times in
 * milliseconds with up to 6 significant digits): congestion control, `wscale:<snd>,<rcv>`,
 * `rto` (left out at exactly 3000 ms, as ss does), `backoff`, `rtt:<srtt>/<rttvar>`, `mss`,
 * `advmss` (the MSS we announced, less the 12 bytes of timestamps when they are on, as Linux
 * reports it), `cwnd` and `ssthresh` in segments (ssthresh only once set), `bytes_acked`,
 * `bytes_received`, `send <cwnd·mss·8/srtt>bps`, `unacked` (segments), `retrans:<now>/<total>`,
 * `sacked` (segments). With `options` (-o) `ts` and `sack` come first when negotiated. What this
 * stack does not keep per connection is not shown: ato, pmtu, rcvmss, bytes_sent, segs_in/out,
 * lastsnd/lastrcv/lastack, pacing and delivery rates, lost, rcv_space, minrtt and timers. Byte
 * counts the stack keeps (unacked, sacked) are shown in segments of the current MSS, rounded up;
 * the first number of `retrans` (retransmitted segments not yet acknowledged) is 1 during an RTO
 * back-off and 0 otherwise. A TIME-WAIT connection has no second line, as in Linux.
 * @module
 */
import type { NetStack } from '../host.js';
import type { TcpState } from '../tcp/machine.js';
import type { TcpInfo } from '../tcp/socket.js';
import { formatIpv4Addr } from '../wire/ipv4.js';
import { tcpSendQ } from './netstat.js';
import { formatG } from './ping.js';

/** One socket as ss shows it. */
export interface SsRow {
  /** ss's state name (`ESTAB`, `SYN-SENT`, `LISTEN`, `TIME-WAIT`…). */
  readonly state: string;
  /** Listener: connections waiting to be accepted; otherwise bytes not yet read. */
  readonly recvQ: number;
  /** Listener: its backlog; otherwise the sequence space not yet acknowledged (data, plus a SYN or FIN in flight). */
  readonly sendQ: number;
  /** Local address (`0.0.0.0` for a wildcard listener, as ss -n prints it). */
  readonly localAddress: string;
  /** Local port. */
  readonly localPort: string;
  /** Peer address (`0.0.0.0` for a listener). */
  readonly peerAddress: string;
  /** Peer port (`*` for a listener). */
  readonly peerPort: string;
  /** The connection's `tcp_info` (null in TIME-WAIT: Linux keeps none there). */
  readonly info: TcpInfo | null;
}

/** Options of {@link ss} and {@link formatSs}. */
export interface SsOptions {
  /** All states, listeners and TIME-WAIT included (ss -a; default false). */
  all?: boolean;
  /** Listeners only (ss -l; default false). */
  listening?: boolean;
  /** The `tcp_info` line under each connection (ss -i; default false). */
  info?: boolean;
  /** `ts` and `sack` in the info line when negotiated (ss -o; default false). */
  options?: boolean;
}

const SS_STATE: Record<TcpState, string> = {
  CLOSED: 'UNCONN',
  LISTEN: 'LISTEN',
  'SYN-SENT': 'SYN-SENT',
  'SYN-RECEIVED': 'SYN-RECV',
  ESTABLISHED: 'ESTAB',
  'FIN-WAIT-1': 'FIN-WAIT-1',
  'FIN-WAIT-2': 'FIN-WAIT-2',
  'CLOSE-WAIT': 'CLOSE-WAIT',
  CLOSING: 'CLOSING',
  'LAST-ACK': 'LAST-ACK',
  'TIME-WAIT': 'TIME-WAIT',
};

/** The host's TCP sockets ss lists (none when the host has no TCP). */
export function ss(stack: NetStack, opts: SsOptions = {}): SsRow[] {
  const tcp = stack.transport('tcp');
  if (tcp === undefined) return [];
  const rows: SsRow[] = [];
  for (const s of stack.tcp.sockets()) {
    const state = s.state;
    if (state === 'CLOSED') continue; // bound or finished sockets are in no table ss reads
    const listening = state === 'LISTEN';
    if (opts.listening) {
      if (!listening) continue;
    } else if (!opts.all && (listening || state === 'TIME-WAIT' || state === 'SYN-RECEIVED')) {
      continue;
    }
    const i = s.info();
    rows.push({
      state: SS_STATE[state],
      recvQ: i.recvQ,
      sendQ: listening ? i.sendQ : tcpSendQ(i.state, i.sendQ),
      localAddress: formatIpv4Addr(i.localAddress),
      localPort: String(i.localPort),
      peerAddress: formatIpv4Addr(i.remoteAddress),
      peerPort: listening ? '*' : String(i.remotePort),
      info: state === 'TIME-WAIT' ? null : s.tcpInfo(),
    });
  }
  return rows;
}

/** Milliseconds from nanoseconds at `tcp_info`'s microsecond resolution, as ss prints them (%g). */
function ms(ns: number): string {
  return formatG(Math.floor(ns / 1000) / 1000);
}

/** iproute2's bandwidth format: `%.1fM` above 10^6, `%.1fK` above 10^3, else `%g`. */
function bw(bps: number): string {
  if (bps > 1e6) return `${(bps / 1e6).toFixed(1)}M`;
  if (bps > 1e3) return `${(bps / 1e3).toFixed(1)}K`;
  return formatG(bps);
}

/** The fields of ss's info line for one connection, in ss's order (see the module comment). */
export function tcpInfoFields(t: TcpInfo, opts: { options?: boolean; listener?: boolean } = {}): string[] {
  const f: string[] = [];
  const mss = t.mss;
  const segs = (bytes: number) => (mss > 0 ? Math.ceil(bytes / mss) : 0);
  if (opts.options) {
    if (t.tsOk) f.push('ts');
    if (t.sackOk) f.push('sack');
  }
  if (t.congestion) f.push(t.congestion);
  if (t.wscale[0] >= 0) f.push(`wscale:${t.wscale[1]},${t.wscale[0]}`);
  const rtoUs = Math.floor(t.rtoNs / 1000);
  if (rtoUs !== 0 && rtoUs !== 3_000_000) f.push(`rto:${ms(t.rtoNs)}`);
  if (t.backoff) f.push(`backoff:${t.backoff}`);
  const rttUs = Math.floor(t.srttNs / 1000);
  if (rttUs) f.push(`rtt:${ms(t.srttNs)}/${ms(t.rttvarNs)}`);
  if (mss) f.push(`mss:${mss}`);
  const advmss = t.advMss - (t.tsOk ? 12 : 0); // Linux's tcpi_advmss leaves room for the timestamps option
  if (advmss > 0) f.push(`advmss:${advmss}`);
  const cwnd = mss > 0 ? Math.floor(t.cwnd / mss) : 0;
  if (cwnd) f.push(`cwnd:${cwnd}`);
  if (t.ssthresh !== 0x7fff_ffff && mss > 0) {
    const ssthresh = Math.floor(t.ssthresh / mss);
    if (ssthresh && ssthresh < 0xffff) f.push(`ssthresh:${ssthresh}`);
  }
  if (t.bytesAcked) f.push(`bytes_acked:${t.bytesAcked}`);
  if (t.bytesReceived) f.push(`bytes_received:${t.bytesReceived}`);
  if (rttUs > 0 && mss && cwnd) f.push(`send ${bw((cwnd * mss * 8_000_000) / rttUs)}bps`);
  const unacked = segs(t.unacked);
  if (unacked) f.push(`unacked:${unacked}`);
  const now = t.backoff > 0 ? 1 : 0;
  if (now || t.retransmits) f.push(`retrans:${now}/${t.retransmits}`);
  const sacked = segs(t.sacked);
  if (sacked && !opts.listener) f.push(`sacked:${sacked}`);
  return f;
}

function pad(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/**
 * The rows as ss prints them: a header, then one line per socket (columns sized to their
 * contents; an address is right-aligned before its colon and the port left-aligned after it, as
 * ss does), with `info` a tab-indented `tcp_info` line under each connection that has one.
 */
export function formatSs(rows: readonly SsRow[], opts: SsOptions = {}): string {
  const state = Math.max(5, ...rows.map((r) => r.state.length));
  const rq = Math.max(6, ...rows.map((r) => String(r.recvQ).length));
  const sq = Math.max(6, ...rows.map((r) => String(r.sendQ).length));
  const la = Math.max(13, ...rows.map((r) => r.localAddress.length));
  const lp = Math.max(4, ...rows.map((r) => r.localPort.length));
  const pa = Math.max(12, ...rows.map((r) => r.peerAddress.length));
  const pp = Math.max(4, ...rows.map((r) => r.peerPort.length));
  const line = (c: [string, string, string, string, string, string, string]): string =>
    `${pad(c[0], state)} ${pad(c[1], rq)} ${pad(c[2], sq)} ${c[3].padStart(la)}:${pad(c[4], lp)} ${c[5].padStart(pa)}:${pad(c[6], pp)}`.trimEnd();
  let out = line(['State', 'Recv-Q', 'Send-Q', 'Local Address', 'Port', 'Peer Address', 'Port']) + '\n';
  for (const r of rows) {
    out += line([r.state, String(r.recvQ), String(r.sendQ), r.localAddress, r.localPort, r.peerAddress, r.peerPort]) + '\n';
    if (opts.info && r.info !== null) {
      const fields = tcpInfoFields(r.info, { options: opts.options, listener: r.state === 'LISTEN' });
      out += `\t${fields.map((x) => ` ${x}`).join('')}\n`;
    }
  }
  return out;
}
