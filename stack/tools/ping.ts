/**
 * `ping`: ICMP echo requests with sequence numbers from 1, one every `intervalNs`, and the
 * statistics iputils prints. The data of each request is iputils' pattern (byte i = i) with the
 * send time as a `struct timeval` (two little-endian 64-bit words: seconds, microseconds of
 * simulated time) in its first 16 bytes; the round-trip time is measured on the simulator's clock
 * from the send to the arrival of the reply, and is only shown when the data holds a timestamp
 * (`size` ≥ 16), as iputils does.
 *
 * The run ends when every request has been answered (or reported as an error), or after the
 * last request: `timeoutNs` when given, else iputils' rule — twice the largest RTT seen (at least
 * one interval), or 10 s when nothing came back. Replies arriving before the end count; a second
 * reply to one sequence number is a duplicate. ICMP errors about our requests (destination
 * unreachable — including a failed ARP resolution reported by our own host —, time exceeded)
 * are counted as errors and shown as `From … icmp_seq=N Destination Host Unreachable`.
 *
 * {@link formatPing} prints the result in iputils' format, from the `PING` line to the
 * `rtt min/avg/max/mdev` line, with iputils' arithmetic: times in whole microseconds, the average
 * and the mean deviation in integer microseconds, loss with `%g`.
 * @module
 */
import type { Nanos } from '../../sim/time.js';
import type { NetStack } from '../host.js';
import type { StackTimer } from '../timers.js';
import { toIpv4 } from '../iface/route.js';
import type { EchoError, EchoReply } from '../icmp.js';
import { ICMP_TIME_EXCEEDED, ICMP_TYPE, ICMP_UNREACH } from '../wire/icmp.js';
import { formatIpv4Addr } from '../wire/ipv4.js';
import { ERRNO_MESSAGE, type Errno } from '../socket/errors.js';

/** Options of {@link ping} (iputils' flags in brackets). */
export interface PingOptions {
  /** Requests to send [-c] (default 4). */
  count?: number;
  /** Time between requests, ns [-i] (default 1 s). */
  intervalNs?: Nanos;
  /** Data bytes per request [-s] (default 56: 64 bytes of ICMP, 84 of IP). */
  size?: number;
  /** TTL of the requests [-t] (default: the stack's). */
  ttl?: number;
  /** How long after the last request the run may last, ns [-W] (default: iputils' rule, see the module comment). */
  timeoutNs?: Nanos;
  /** Echo identifier (default: from the simulator's random stream `<host>.ping`). */
  id?: number;
  /** Name to show in the output (default: the address). */
  hostname?: string;
  /** Set Don't Fragment [-M do]. */
  df?: boolean;
}

/** One echo reply. */
export interface PingReply {
  /** Sequence number. */
  readonly seq: number;
  /** Who answered. */
  readonly from: number;
  /** ICMP bytes received (8 + data). */
  readonly bytes: number;
  /** TTL of the reply. */
  readonly ttl: number;
  /** Round-trip time, ns (send to arrival, simulated). */
  readonly rttNs: Nanos;
  /** Arrival time, ns. */
  readonly time: Nanos;
  /** A second (or later) reply to this sequence number. */
  readonly duplicate: boolean;
}

/** One ICMP error about a request. */
export interface PingError {
  /** Sequence number of the request. */
  readonly seq: number;
  /** Who reported it. */
  readonly from: number;
  /** ICMP type. */
  readonly type: number;
  /** ICMP code. */
  readonly code: number;
  /** iputils' text for it (`Destination Host Unreachable`). */
  readonly message: string;
  /** Arrival time, ns. */
  readonly time: Nanos;
}

/** What happened, in order (for the output). */
export type PingEvent =
  | { readonly kind: 'reply'; readonly reply: PingReply }
  | { readonly kind: 'error'; readonly error: PingError }
  | { readonly kind: 'sendError'; readonly seq: number; readonly errno: Errno; readonly time: Nanos };

/** The outcome of a {@link ping} run. */
export interface PingResult {
  /** Destination address. */
  readonly destination: number;
  /** Name shown (the address unless `hostname` was given). */
  readonly hostname: string;
  /** Data bytes per request. */
  readonly size: number;
  /** Echo identifier used. */
  readonly id: number;
  /** Requests sent (attempted). */
  readonly transmitted: number;
  /** Distinct sequence numbers answered. */
  readonly received: number;
  /** Extra replies to already answered sequence numbers. */
  readonly duplicates: number;
  /** ICMP errors received about our requests. */
  readonly errors: number;
  /** Loss: (transmitted − received) / transmitted × 100 (0 when nothing was sent). */
  readonly lossPercent: number;
  /** Replies, in arrival order (duplicates included). */
  readonly replies: readonly PingReply[];
  /** ICMP errors, in arrival order. */
  readonly errorReplies: readonly PingError[];
  /** Replies, errors and send failures in order. */
  readonly events: readonly PingEvent[];
  /** Smallest RTT, ns (undefined without replies). */
  readonly minNs?: Nanos;
  /** Mean RTT, ns. */
  readonly avgNs?: number;
  /** Largest RTT, ns. */
  readonly maxNs?: Nanos;
  /** Mean deviation (population standard deviation) of the RTTs, ns. */
  readonly mdevNs?: number;
  /** When the first request was sent, ns. */
  readonly startNs: Nanos;
  /** When the run ended, ns. */
  readonly endNs: Nanos;
  /** From the first to the last request sent, ns (iputils' `time`). */
  readonly timeNs: Nanos;
  /** Whether RTTs were measured (size ≥ 16). */
  readonly timing: boolean;
  /** Most requests outstanding when a reply or error came back (iputils' `pipe`, printed when > 1). */
  readonly pipe: number;
  /** Time between requests asked for, ns. */
  readonly intervalNs: Nanos;
  /** Set when nothing could be sent at all (no route): iputils' `ping: connect: …`. */
  readonly fatal?: Errno;
}

const TIMEVAL_LEN = 16;
const LINGER_NS = 10_000_000_000;

/** iputils' text for an ICMP error. */
export function pingErrorText(type: number, code: number, mtu?: number): string {
  if (type === ICMP_TYPE.DEST_UNREACHABLE) {
    switch (code) {
      case ICMP_UNREACH.NET:
        return 'Destination Net Unreachable';
      case ICMP_UNREACH.HOST:
        return 'Destination Host Unreachable';
      case ICMP_UNREACH.PROTOCOL:
        return 'Destination Protocol Unreachable';
      case ICMP_UNREACH.PORT:
        return 'Destination Port Unreachable';
      case ICMP_UNREACH.FRAG_NEEDED:
        return `Frag needed and DF set (mtu = ${mtu ?? 0})`;
      case ICMP_UNREACH.SOURCE_ROUTE_FAILED:
        return 'Source Route Failed';
      case ICMP_UNREACH.NET_UNKNOWN:
        return 'Destination Net Unknown';
      case ICMP_UNREACH.HOST_UNKNOWN:
        return 'Destination Host Unknown';
      case ICMP_UNREACH.HOST_ISOLATED:
        return 'Source Host Isolated';
      case ICMP_UNREACH.NET_PROHIBITED:
        return 'Destination Net Prohibited';
      case ICMP_UNREACH.HOST_PROHIBITED:
        return 'Destination Host Prohibited';
      case ICMP_UNREACH.NET_TOS:
        return 'Destination Net Unreachable for Type of Service';
      case ICMP_UNREACH.HOST_TOS:
        return 'Destination Host Unreachable for Type of Service';
      case ICMP_UNREACH.ADMIN_PROHIBITED:
        return 'Packet filtered';
      default:
        return `Dest Unreachable, Bad Code: ${code}`;
    }
  }
  if (type === ICMP_TYPE.TIME_EXCEEDED) {
    if (code === ICMP_TIME_EXCEEDED.TTL) return 'Time to live exceeded';
    if (code === ICMP_TIME_EXCEEDED.REASSEMBLY) return 'Frag reassembly time exceeded';
    return `Time exceeded, Bad Code: ${code}`;
  }
  if (type === ICMP_TYPE.PARAMETER_PROBLEM) return 'Parameter problem';
  return `Bad ICMP type: ${type}`;
}

/** The data of request `seq`: byte i = i, then the send time as a little-endian timeval. */
export function pingData(size: number, sentAt: Nanos): Uint8Array {
  const d = new Uint8Array(size);
  for (let i = 0; i < size; i++) d[i] = i & 0xff;
  if (size >= TIMEVAL_LEN) {
    const v = new DataView(d.buffer, d.byteOffset, TIMEVAL_LEN);
    v.setBigUint64(0, BigInt(Math.floor(sentAt / 1e9)), true);
    v.setBigUint64(8, BigInt(Math.floor((sentAt % 1e9) / 1e3)), true);
  }
  return d;
}

/** Pings `dst` from `stack`; resolves when the run ends (never rejects for network reasons). */
export function ping(stack: NetStack, dst: string | number, opts: PingOptions = {}): Promise<PingResult> {
  const destination = toIpv4(dst);
  const count = opts.count ?? 4;
  const interval = opts.intervalNs ?? 1_000_000_000;
  const size = opts.size ?? 56;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be an integer ≥ 1, got ${count}`);
  if (!Number.isSafeInteger(interval) || interval < 0) throw new RangeError(`intervalNs must be an integer ≥ 0, got ${interval}`);
  if (!Number.isInteger(size) || size < 0 || size > 65_507) throw new RangeError(`size must be 0…65507, got ${size}`);
  if (opts.timeoutNs !== undefined && (!Number.isSafeInteger(opts.timeoutNs) || opts.timeoutNs < 0)) throw new RangeError(`timeoutNs must be an integer ≥ 0, got ${opts.timeoutNs}`);
  const sim = stack.sim;
  const id = (opts.id ?? sim.rng(`${stack.name}.ping`).int(1, 0xffff)) & 0xffff;
  const hostname = opts.hostname ?? formatIpv4Addr(destination);
  const timing = size >= TIMEVAL_LEN;
  const start = sim.now;

  const sentAt = new Map<number, Nanos>();
  const answered = new Set<number>();
  const replies: PingReply[] = [];
  const errorReplies: PingError[] = [];
  const events: PingEvent[] = [];
  let transmitted = 0;
  let lastSend = start;
  let maxRtt = 0;
  let pipe = 0;

  const base = {
    destination,
    hostname,
    size,
    id,
    startNs: start,
    timing,
    intervalNs: interval,
  };

  if (stack.ip.routeTo(destination) === undefined) {
    return Promise.resolve({
      ...base,
      transmitted: 0,
      received: 0,
      duplicates: 0,
      errors: 0,
      lossPercent: 0,
      replies,
      errorReplies,
      events,
      endNs: start,
      timeNs: 0,
      pipe: 0,
      fatal: 'ENETUNREACH',
    });
  }

  return new Promise<PingResult>((resolve) => {
    let done = false;
    let sendTimer: StackTimer | null = null;
    let endTimer: StackTimer | null = null;

    const finish = (): void => {
      if (done) return;
      done = true;
      offReply();
      offError();
      sendTimer?.cancel();
      endTimer?.cancel();
      const received = answered.size;
      const rtts = replies.map((r) => r.rttNs);
      const n = rtts.length;
      let stats = {};
      if (n > 0) {
        const avg = rtts.reduce((a, b) => a + b, 0) / n;
        const variance = rtts.reduce((a, b) => a + (b - avg) * (b - avg), 0) / n;
        stats = { minNs: Math.min(...rtts), avgNs: avg, maxNs: Math.max(...rtts), mdevNs: Math.sqrt(variance) };
      }
      resolve({
        ...base,
        transmitted,
        received,
        duplicates: replies.length - received,
        errors: errorReplies.length,
        lossPercent: transmitted === 0 ? 0 : ((transmitted - received) * 100) / transmitted,
        replies,
        errorReplies,
        events,
        endNs: sim.now,
        timeNs: lastSend - start,
        pipe,
        ...stats,
      });
      sim.wake();
    };

    const ack = (seq: number): void => {
      const inFlight = ((transmitted - seq) & 0xffff) + 1;
      if (inFlight <= 0x8000 && inFlight > pipe) pipe = inFlight;
    };

    const maybeFinish = (): void => {
      if (transmitted === count && answered.size + errorReplies.length >= count) finish();
    };

    const offReply = stack.icmp.onEchoReply((r: EchoReply) => {
      if (done || r.id !== id) return;
      const t = sentAt.get(r.seq);
      if (t === undefined) return;
      const duplicate = answered.has(r.seq);
      answered.add(r.seq);
      ack(r.seq);
      const rttNs = r.time - t;
      if (rttNs > maxRtt) maxRtt = rttNs;
      const reply: PingReply = { seq: r.seq, from: r.src, bytes: 8 + r.data.length, ttl: r.ttl, rttNs, time: r.time, duplicate };
      replies.push(reply);
      events.push({ kind: 'reply', reply });
      maybeFinish();
    });

    const offError = stack.icmp.onEchoError((e: EchoError) => {
      if (done || e.id !== id || !sentAt.has(e.seq)) return;
      ack(e.seq);
      const error: PingError = { seq: e.seq, from: e.from, type: e.type, code: e.code, message: pingErrorText(e.type, e.code, e.mtu), time: sim.now };
      errorReplies.push(error);
      events.push({ kind: 'error', error });
      maybeFinish();
    });

    const sendOne = (): void => {
      const seq = transmitted + 1;
      const now = sim.now;
      transmitted = seq;
      lastSend = now;
      sentAt.set(seq & 0xffff, now);
      const r = stack.icmp.sendEcho({ dst: destination, id, seq: seq & 0xffff, data: pingData(size, now), ttl: opts.ttl, df: opts.df });
      if (typeof r === 'object') events.push({ kind: 'sendError', seq, errno: r.error, time: now });
      if (seq < count) {
        sendTimer = stack.timers.after(interval, sendOne);
        return;
      }
      sendTimer = null;
      maybeFinish();
      if (done) return;
      const wait = opts.timeoutNs ?? (answered.size > 0 ? Math.max(2 * maxRtt, interval) : LINGER_NS);
      endTimer = stack.timers.after(wait, finish);
    };

    sendOne();
  });
}

// ---------------------------------------------------------------------------------------------
// Output

/** iputils' per-reply time: `time=0.123 ms`, `1.23`, `12.3`, `123` by magnitude (µs in, rounded as iputils). */
export function formatRttMs(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** `%ld.%03ld` of a microsecond count, as in iputils' rtt line. */
function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** printf's `%g` (6 significant digits, trailing zeros dropped) for the loss percentage. */
export function formatG(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toFixed(Math.max(0, 5 - exp));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** iputils' llsqrt: Newton's integer iteration, stopped when it stops decreasing (k for k²−1). */
function llsqrt(a: number): number {
  if (a <= 0) return 0;
  let x = a;
  let prev = Infinity;
  while (x < prev) {
    prev = x;
    x = Math.floor((x + Math.floor(a / x)) / 2);
  }
  return x;
}

/** The run as iputils prints it (lines joined with `\n`, ending with one). */
export function formatPing(r: PingResult): string {
  const dst = formatIpv4Addr(r.destination);
  if (r.fatal !== undefined) return `ping: connect: ${ERRNO_MESSAGE[r.fatal]}\n`;
  const lines: string[] = [`PING ${r.hostname} (${dst}) ${r.size}(${r.size + 28}) bytes of data.`];
  for (const e of r.events) {
    if (e.kind === 'reply') {
      const p = e.reply;
      let line = `${p.bytes} bytes from ${formatIpv4Addr(p.from)}: icmp_seq=${p.seq} ttl=${p.ttl}`;
      if (r.timing) line += ` time=${formatRttMs(Math.floor(p.rttNs / 1000))} ms`;
      if (p.duplicate) line += ' (DUP!)';
      lines.push(line);
    } else if (e.kind === 'error') {
      lines.push(`From ${formatIpv4Addr(e.error.from)} icmp_seq=${e.error.seq} ${e.error.message}`);
    } else {
      lines.push(`ping: sendmsg: ${ERRNO_MESSAGE[e.errno]}`);
    }
  }
  lines.push('');
  lines.push(`--- ${r.hostname} ping statistics ---`);
  let stat = `${r.transmitted} packets transmitted, ${r.received} received`;
  if (r.duplicates > 0) stat += `, +${r.duplicates} duplicates`;
  if (r.errors > 0) stat += `, +${r.errors} errors`;
  if (r.transmitted > 0) {
    const loss = Math.fround(((r.transmitted - r.received) * 100) / r.transmitted);
    stat += `, ${formatG(loss)}% packet loss, time ${Math.floor((r.timeNs + 500_000) / 1_000_000)}ms`;
  }
  lines.push(stat);
  const us = r.replies.map((p) => Math.floor(p.rttNs / 1000));
  let last = '';
  let comma = '';
  if (r.received > 0 && r.timing) {
    const total = us.length;
    const tsum = us.reduce((a, b) => a + b, 0);
    const tsum2 = us.reduce((a, b) => a + b * b, 0);
    const tmavg = Math.floor(tsum / total);
    const tmvar = Math.floor((tsum2 - Math.floor((tsum * tsum) / total)) / total);
    last = `rtt min/avg/max/mdev = ${ms3(Math.min(...us))}/${ms3(tmavg)}/${ms3(Math.max(...us))}/${ms3(llsqrt(tmvar))} ms`;
    comma = ', ';
  }
  if (r.pipe > 1) {
    last += `${comma}pipe ${r.pipe}`;
    comma = ', ';
  }
  if (r.received > 0 && r.intervalNs === 0 && r.transmitted > 1) {
    // iputils' smoothed RTT: rtt = 8 × first sample, then rtt += sample − rtt/8 (integer µs)
    let ewma = 0;
    for (const t of us) ewma = ewma === 0 ? t * 8 : ewma + t - Math.floor(ewma / 8);
    const ipg = Math.floor(Math.floor(r.timeNs / 1000) / (r.transmitted - 1));
    last += `${comma}ipg/ewma ${ms3(ipg)}/${ms3(Math.floor(ewma / 8))} ms`;
  }
  lines.push(last);
  return lines.join('\n') + '\n';
}
